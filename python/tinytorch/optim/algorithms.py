"""SGD, Adam, AdamW, RMSprop, Adagrad: options and state here, the update in fused.py."""
from ..ops.creation import tensor, zeros_like
from ..tensor import Tensor, _numpy_view
from . import fused
from .optimizer import Optimizer, required


def _check(name, value, low=0.0):
    if value < low:
        raise ValueError(f"Invalid {name}: {value}")


def _betas(betas):
    b1, b2 = betas
    if not 0.0 <= b1 < 1.0 or not 0.0 <= b2 < 1.0:
        raise ValueError(f"Invalid beta parameters: {betas}")
    return b1, b2


def _state_zeros(p):
    return zeros_like(p, requires_grad=False)


def _advance(state):
    """Counts one more step in state["step"], a 0-d float tensor as torch keeps it; returns the count."""
    step = state.get("step")
    if not isinstance(step, Tensor):  # a fresh state, or a checkpoint that stored a number
        step = state["step"] = tensor(float(step or 0))
    step.add_(1)
    # read past Tensor.item(): a traced step reports reads into Python, and this one is replayed as a counter
    return int(_numpy_view(step))


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr is not required:
            _check("learning rate", lr)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, p, grad, state, group):
        buf, first = None, False
        if group["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = _state_zeros(p)
                first = True
        fused.sgd(p, grad, buf, first, group["lr"], group["momentum"], group["dampening"], group["weight_decay"],
                  group["nesterov"], group["maximize"])


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("weight_decay value", weight_decay)
        self._decoupled = self.decoupled or decoupled_weight_decay
        super().__init__(params, dict(lr=lr, betas=_betas(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=self._decoupled))

    def _update(self, p, grad, state, group):
        if not state:
            state["exp_avg"] = _state_zeros(p)
            state["exp_avg_sq"] = _state_zeros(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _state_zeros(p)
        step = _advance(state)
        beta1, beta2 = group["betas"]
        fused.adam(p, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"), step,
                   group["lr"], beta1, beta2, group["eps"], group["weight_decay"], group["amsgrad"],
                   group["maximize"], self._decoupled)


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused)


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        _check("alpha value", alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize, capturable=capturable, foreach=foreach,
                                      differentiable=differentiable))

    def _update(self, p, grad, state, group):
        if not state:
            state["square_avg"] = _state_zeros(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _state_zeros(p)
            if group["centered"]:
                state["grad_avg"] = _state_zeros(p)
        _advance(state)
        fused.rmsprop(p, grad, state["square_avg"], state.get("momentum_buffer"), state.get("grad_avg"),
                      group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
                      group["centered"], group["maximize"])


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check("learning rate", lr)
        _check("lr_decay value", lr_decay)
        _check("weight_decay value", weight_decay)
        _check("initial_accumulator_value value", initial_accumulator_value)
        _check("epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize,
                                      foreach=foreach, differentiable=differentiable, fused=fused))

    def _update(self, p, grad, state, group):
        if not state:
            state["sum"] = _state_zeros(p).fill_(group["initial_accumulator_value"])
        step = _advance(state)
        fused.adagrad(p, grad, state["sum"], step, group["lr"], group["lr_decay"], group["weight_decay"],
                      group["eps"], group["maximize"])
