"""Optimizer: parameter groups with their own options, per-parameter state, state dicts, zero_grad."""
import copy

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _flatten_params(params):
    """Tensors from tensors, modules (the seed's optim.Adam([model])) or nested lists of either."""
    from ..nn.modules.module import Module
    if isinstance(params, (Tensor, Module)):
        params = [params]
    out = []
    for p in params:
        if isinstance(p, Module):
            out.extend(p.parameters())
        elif isinstance(p, Tensor):
            out.append(p)
        else:
            raise TypeError(f"optimizer params must be tensors, modules or dicts, got {type(p).__name__}")
    return out


def _state_copy(key, value, param):
    """A loaded state entry, owned by the optimizer: tensors cloned onto the parameter's device (float moments in
    its dtype; the step counter keeps its own), anything else deep-copied."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    value = value.to(param.device)
    if value.dtype.is_floating_point and key != "step":
        value = value.to(param.dtype)
    return value.clone()


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor) or hasattr(params, "parameters") and not isinstance(params, dict):
            params = [params]
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group(): expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        group["params"] = _flatten_params(group["params"])
        for p in group["params"]:
            if not p.is_leaf:
                raise ValueError("optimizer can only optimize leaf tensors")
            if not p.dtype.is_floating_point:
                raise ValueError(f"optimizer can only optimize floating tensors, got {p.dtype.name}")
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {k}")
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_().zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        if p.grad.shape != p.shape:
                            raise RuntimeError(f"{type(self).__name__}.step(): gradient of shape "
                                               f"{list(p.grad.shape)} for a parameter of shape {list(p.shape)}")
                        state = self.state.setdefault(p, {})
                        self._update(p, p.grad, state, group)
        return loss

    def _update(self, p, grad, state, group):
        raise NotImplementedError

    # ---- state dicts: parameters are named by their position across groups, as in torch
    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: {k: (v.clone() if isinstance(v, Tensor) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict(): loaded state dict has {len(groups)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError("load_state_dict(): a parameter group's size does not match the optimizer's")
        self.state = {}
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = copy.deepcopy(v)
            for idx, p in zip(saved["params"], own["params"]):
                s = state_dict["state"].get(idx, state_dict["state"].get(str(idx)))
                if s is None:
                    continue
                # copies, as torch makes: stepping must never change the dict that was loaded
                self.state[p] = {k: _state_copy(k, v, p) for k, v in s.items()}

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state):
        self.__dict__.update(state)
