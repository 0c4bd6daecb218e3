"""tinytorch.jit: record a function once as a plan (the list of kernel calls it made, every shape resolved) and
replay it in one call into C++; tinytorch.export writes the plan as a .ttp file that C and C++ programs run.

    plan = tinytorch.jit.trace(model, (x,))          # or a whole training step: forward, backward, optimizer
    y = plan(x2)                                     # same kernels, same order: bit-identical to model(x2)
    tinytorch.export(model, (x,), "model.ttp")       # then tt_plan_load / tinytorch::Plan in C or C++

Tracing calls the function a few times (once to warm up lazily made state, then twice or three times recorded, to
tell apart what changes from call to call). What a plan cannot follow is reported, never silently replayed wrong:
a call with another shape, dtype or device raises; values read into Python during tracing and Python numbers that
changed between recorded calls are listed in plan.dependencies with a warning."""
import functools
import inspect
import warnings

import numpy as np

from .. import _C, _core
from ..autograd.grad_mode import no_grad
from ..ops.random import default_generator
from ..serialization import _atomic_write
from ..tensor import Tensor
from . import _build, _format, _record
from ._build import CONSTANT, TraceError
from ._plan import Plan, _flatten, tree_of

__all__ = ["trace", "load", "export", "Plan", "TraceError", "TracerWarning", "is_tracing", "is_scripting"]


def is_tracing():
    """True while tinytorch.jit.trace is recording (torch.jit.is_tracing's meaning)."""
    return _record._active is not None


def is_scripting():
    """Always False: tinytorch has no TorchScript compiler (models check this to choose a code path)."""
    return False


class TracerWarning(UserWarning):
    """The traced function depends on something a plan replays as it was during tracing."""


class _Trace:
    __slots__ = ("rec", "batch", "outputs", "kinds")

    def __init__(self, rec, batch, outputs, kinds):
        self.rec, self.batch, self.outputs, self.kinds = rec, batch, outputs, kinds


def _as_inputs(example_inputs):
    inputs = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs)
    if not inputs:
        raise ValueError("tinytorch.jit.trace(): needs at least one example input tensor")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"tinytorch.jit.trace(): example input {i} is a {type(t).__name__}; plans take tensors "
                            "(pass Python numbers through a closure: they are constants of the plan)")
    devices = {t.device for t in inputs}
    if len(devices) > 1:
        raise RuntimeError(f"tinytorch.jit.trace(): example inputs on several devices ({sorted(map(str, devices))})")
    return inputs


def _copies(inputs, batch):
    """Fresh contiguous copies of the example inputs; with a batch, of that many rows (repeated when it exceeds
    theirs). The function never sees the caller's tensors, so the plan's inputs are plain contiguous buffers."""
    out = []
    for t in inputs:
        t = t.detach()
        if batch is not None and batch != t.shape[0]:
            t = t[np.arange(batch) % t.shape[0]]
        out.append(t.contiguous().clone())
    return tuple(out)


def _batches(inputs, dynamic_batch, max_batch):
    if not dynamic_batch:
        if max_batch is not None:
            raise ValueError("tinytorch.jit.trace(): max_batch needs dynamic_batch=True")
        return [None, None]
    sizes = {t.shape[0] if t.dim() else None for t in inputs}
    if None in sizes or len(sizes) != 1:
        raise ValueError("tinytorch.jit.trace(dynamic_batch=True): every example input needs one leading (batch) "
                         f"dim of one size, got shapes {[list(t.shape) for t in inputs]}")
    m = sizes.pop() if max_batch is None else int(max_batch)
    if m < 2:
        raise ValueError(f"tinytorch.jit.trace(dynamic_batch=True): the largest batch must be at least 2, got {m}")
    return [m, m - 1] + ([m // 2] if m >= 3 else [])


def _names(fn, n, given, prefix):
    if given is not None:
        given = list(given)
        if len(given) != n:
            raise ValueError(f"tinytorch.jit.trace(): {len(given)} {prefix} names for {n} {prefix}s")
        return given
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"{prefix}{i}" for i in range(n)]


def _output_views(rec, out):
    """Views of the outputs' tensors, whose graphs are dropped: they would keep every intermediate alive."""
    views = []
    for t in _flatten(out, []):
        views.append(rec.view(t))
        if t.grad_fn is not None:
            t.grad_fn = None
    return views


def _record_once(fn, xs, batch):
    before = default_generator._offset
    out, rec = _record.record(fn, xs)
    rng = default_generator._offset - before
    tree = tree_of(out)
    outputs = _output_views(rec, out)
    del out, xs
    buffers = rec.buffers()
    alive = {i for i in rec.created if buffers[i] is not None}
    rec.found = {i: id(b) for i, b in enumerate(buffers) if i not in rec.created}
    return _Trace(rec, batch, outputs, _build._kinds(rec, len(rec.inputs), alive)), tree, rng


def trace(fn=None, example_inputs=None, *, dynamic_batch=False, max_batch=None, input_names=None,
          output_names=None):
    """Records fn(*example_inputs) as a Plan. Without example_inputs it is a decorator: the function is traced at
    its first call for each new input signature (shapes, dtypes, device) and replayed after."""
    if fn is None or example_inputs is None:
        options = dict(dynamic_batch=dynamic_batch, max_batch=max_batch, input_names=input_names,
                       output_names=output_names)
        return _lazy(fn, options) if fn is not None else functools.partial(_lazy, options=options)
    inputs = _as_inputs(example_inputs)
    batches = _batches(inputs, dynamic_batch, max_batch)
    fn(*_copies(inputs, batches[0]))  # warm-up: optimizer state, cached constants and the like appear here
    traces, tree, rng = [], None, 0
    for b in batches:
        t, tree, rng = _record_once(fn, _copies(inputs, b), b)
        traces.append(t)
    names = _names(fn if not hasattr(fn, "forward") else fn.forward, len(inputs), input_names, "input")
    out_names = _names(lambda: None, len(traces[-1].outputs), output_names, "output")
    spec = _build.build(traces, _core.OP_NAMES, names, out_names, batches[0] or 0, rng)
    bound = [(i, b.obj) for i, b in enumerate(spec.buffers) if b.kind == CONSTANT]
    for b in spec.buffers:
        b.obj = b.obj if b.kind == CONSTANT else None
    del traces
    _C.empty_cache(inputs[0].device.code)  # the eager calls' cached blocks: the plan has its own arena now
    plan = Plan(_format.serialize(spec), inputs[0].device, tree, bound, fn, spec.dependencies, rng)
    plan._spec = spec
    if spec.dependencies:
        warnings.warn(TracerWarning("tinytorch.jit.trace(): the plan replays values fixed at tracing time:\n  " +
                                    "\n  ".join(spec.dependencies)), stacklevel=2)
    return plan


def _signature(inputs):
    return tuple((t.shape, t.dtype, t.device) if isinstance(t, Tensor) else (type(t), t) for t in inputs)


def _lazy(fn, options):
    """The decorator form: one plan per input signature, traced at the first call with it."""
    plans = {}

    @functools.wraps(fn)
    def traced(*inputs):
        key = _signature(inputs)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = trace(fn, inputs, **options)
        return plan(*inputs)
    traced.plans = plans
    return traced


def load(path_or_bytes, device="cpu"):
    """A Plan from a .ttp file (or its bytes), run by the same C++ runtime that C and C++ programs use."""
    from .._device import to_device
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as f:
            data = f.read()
    return Plan(data, to_device(device), None)


def _constant_names(model):
    """id(buffer) -> (name, tensor) for the parameters and buffers of a module that span their whole buffer."""
    if not hasattr(model, "state_dict"):
        return {}
    named = {}
    for name, t in model.state_dict(keep_vars=True).items():
        if isinstance(t, Tensor) and t._offset == 0 and t.is_contiguous() and \
                t.numel() * t.element_size() == t._buf.nbytes:
            named.setdefault(id(t._buf), (name, t))
    return named


def export_plan(plan, path, model=None):
    """Writes a traced plan with its constants' current values as a .ttp file (atomically: an interrupted write
    leaves any previous file whole)."""
    spec = getattr(plan, "_spec", None)
    if spec is None:
        raise RuntimeError("export: only a plan made by tinytorch.jit.trace can be written")
    named = _constant_names(model)
    blobs = {}
    for i, b in enumerate(spec.buffers):
        if b.kind != CONSTANT:
            continue
        raw = np.empty(b.obj.nbytes, np.uint8)
        if raw.size:
            b.obj.read_into(0, raw.ctypes.data, raw.size)
        name, t = named.get(id(b.obj), (f"constant.{i}", None))
        blobs[i] = (name, t.dtype if t is not None else None, tuple(t.shape) if t is not None else (raw.size,),
                    raw.tobytes())
    _atomic_write(path, _format.serialize(spec, blobs))


def export(model_or_fn, example_inputs, path, *, dynamic_batch=False, max_batch=None, input_names=None,
           output_names=None):
    """Traces model_or_fn(*example_inputs) without autograd and writes it as one .ttp file (docs/plan-format.md)
    that tt_plan_load and tinytorch::Plan run with no Python. Returns the plan. Put a model in eval() first: the
    file replays whatever mode it was traced in."""
    with no_grad():
        plan = trace(model_or_fn, example_inputs, dynamic_batch=dynamic_batch, max_batch=max_batch,
                     input_names=input_names, output_names=output_names)
    export_plan(plan, path, model_or_fn)
    return plan
