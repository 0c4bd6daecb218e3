"""Plan: a recorded function replayed by the C++ plan runtime in one call, with guards on what it is given."""
from .. import _C
from .. import _core
from .. import _dtype as dt
from ..ops.random import default_generator
from ..tensor import Tensor, _make
from . import _format


class Plan:
    """A replayable recording. Call it like the function it recorded; its outputs are new tensors each call."""

    def __init__(self, data, device, tree, bound=(), fn=None, dependencies=(), rng_per_run=0):
        self._handle = _C.Plan.load(data, device.code, device.ordinal)
        self._outputs = _format.read_outputs(data)
        self._last_signature = None
        for index, buf in bound:
            self._handle.bind(index, buf)
        self._bound = [buf for _, buf in bound]  # the live weights and state the plan reads and updates
        self._data = data
        self.device = device
        self._tree = tree or (("t",) if len(self._outputs) == 1 else (tuple, [("t",)] * len(self._outputs)))
        self._fn = fn
        self.dependencies = list(dependencies)
        self._rng_per_run = rng_per_run
        self.max_batch = self._handle.max_batch
        self.inputs = self._handle.inputs()   # (name, dtype code, shape, batched)

    def _batch(self, inputs):
        """The run's batch size, after checking every input against what the plan was traced for."""
        if len(inputs) != len(self.inputs):
            raise TypeError(f"plan takes {len(self.inputs)} inputs ({', '.join(i[0] for i in self.inputs)}), "
                            f"got {len(inputs)}")
        batch = None
        for t, (name, code, shape, batched) in zip(inputs, self.inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"plan input {name}: expected a Tensor, got {type(t).__name__}")
            if t._dtype.code != code:
                raise TypeError(f"plan input {name}: traced with dtype {dt.BY_CODE[code].name}, got {t._dtype.name}")
            if t._device != self.device:
                raise RuntimeError(f"plan input {name}: traced on {self.device}, got a tensor on {t._device}")
            got = t._shape
            if batched:
                ok = len(got) == len(shape) and got[1:] == shape[1:] and 1 <= got[0] <= self.max_batch
                if not ok:
                    raise ValueError(f"plan input {name}: expected shape [B, {', '.join(map(str, shape[1:]))}] with "
                                     f"1 <= B <= {self.max_batch}, got {list(got)}")
                if batch is not None and got[0] != batch:
                    raise ValueError(f"plan input {name}: batch {got[0]} differs from another input's {batch}")
                batch = got[0]
            elif got != shape:
                raise ValueError(f"plan input {name}: traced with shape {list(shape)}, got {list(got)} (trace with "
                                 "dynamic_batch=True for a variable batch size)")
        return batch or 0

    def __call__(self, *inputs):
        try:  # the common case in one comparison: inputs exactly as the last call's
            same = tuple([(t._device, t._dtype, t._shape) for t in inputs]) == self._last_signature
        except AttributeError:
            same = False
        if not same:
            batch = self._batch(inputs)
            self._last_signature = tuple([(t._device, t._dtype, t._shape) for t in inputs])
            self._out_layouts = [_layout(tuple(b + p * batch for b, p in shape), dt.BY_CODE[code])
                                 for code, shape in self._outputs]
        dev = self.device
        outs = [_make(_core.new_buffer(nbytes, dev), 0, shape, strides, dtype, dev)
                for nbytes, shape, strides, dtype in self._out_layouts]
        self._handle.run(inputs, tuple(outs))
        default_generator._offset += self._rng_per_run  # the replay drew the random numbers eager mode would have
        return _unflatten(self._tree, outs)

    def memory(self):
        """Bytes the plan holds before it runs: weights and state, input copies, and working memory."""
        constants, inputs, work = self._handle.memory()
        return {"constants": constants, "inputs": inputs, "work": work, "total": constants + inputs + work}

    def check(self, *inputs):
        """Runs the traced function eagerly and the plan on the same inputs; returns the differences found (an empty
        list when every output is bit-identical). Both run, so a traced training step takes two steps."""
        if self._fn is None:
            raise RuntimeError("check(): this plan was loaded from a file and has no function to compare with")
        eager = _flatten(self._fn(*inputs), [])
        replay = _flatten(self(*inputs), [])
        if len(eager) != len(replay):
            return [f"the function returned {len(eager)} tensors, the plan {len(replay)}"]
        problems = []
        for i, (e, r) in enumerate(zip(eager, replay)):
            if not isinstance(e, Tensor):
                continue
            if e.shape != r.shape or e.dtype != r.dtype:
                problems.append(f"output {i}: eager {e.dtype.name}{list(e.shape)}, plan {r.dtype.name}{list(r.shape)}")
            elif e.detach().contiguous().numpy().tobytes() != r.numpy().tobytes():
                problems.append(f"output {i}: values differ (largest difference "
                                f"{float((e.detach().double() - r.double()).abs().max()):.3g})")
        return problems

    def save(self, path):
        """Writes the plan as a .ttp file with its constants' current values (see tinytorch.export)."""
        from . import export_plan
        export_plan(self, path)

    def __repr__(self):
        names = ", ".join(i[0] for i in self.inputs)
        kind = f"dynamic batch <= {self.max_batch}" if self.max_batch else "static shapes"
        return f"Plan({names}; {len(self._outputs)} outputs; {kind}; {self.memory()['total']} bytes)"


def _layout(shape, dtype):
    numel, strides = _core.layout(shape, "plan")
    return numel * dtype.itemsize, shape, strides, dtype


def _flatten(value, leaves):
    """Tensor leaves in order, and a tree that _unflatten rebuilds around new leaves."""
    if isinstance(value, Tensor):
        leaves.append(value)
        return leaves
    if isinstance(value, (tuple, list)):
        for v in value:
            _flatten(v, leaves)
    elif isinstance(value, dict):
        for v in value.values():
            _flatten(v, leaves)
    return leaves


def tree_of(value):
    """The structure of an output: tensors become slots, other leaves stay as they were when traced."""
    if isinstance(value, Tensor):
        return ("t",)
    if isinstance(value, (tuple, list)):
        return (type(value), [tree_of(v) for v in value])
    if isinstance(value, dict):
        return (dict, {k: tree_of(v) for k, v in value.items()})
    return ("c", value)


def _unflatten(tree, leaves, pos=None):
    pos = pos if pos is not None else [0]
    tag = tree[0]
    if tag == "t":
        pos[0] += 1
        return leaves[pos[0] - 1]
    if tag == "c":
        return tree[1]
    if tag is dict:
        return {k: _unflatten(v, leaves, pos) for k, v in tree[1].items()}
    items = [_unflatten(v, leaves, pos) for v in tree[1]]
    return tag(items) if tag is list else tuple(items) if tag is tuple else tag(*items)

