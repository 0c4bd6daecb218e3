"""From recordings to a plan: buffers classified, numbers checked for stability (or fitted to the batch size), and
the counters a replay must advance found by comparing two recordings."""
import struct

from .._core import COUNTERS

INPUT, CONSTANT, WORK = "input", "constant", "work"
_I64 = struct.Struct("=q")


class TraceError(RuntimeError):
    pass


class Buffer:
    __slots__ = ("kind", "nbytes", "obj")

    def __init__(self, kind, nbytes, obj):
        self.kind, self.nbytes, self.obj = kind, nbytes, obj


class Spec:
    """A plan before serialisation. Numbers are (base, per_batch) pairs; views (buffer, dtype, offset, shape, strides)."""

    def __init__(self, max_batch, buffers, inputs, outputs, calls, dependencies, rng_per_run):
        self.max_batch = max_batch
        self.buffers = buffers
        self.inputs = inputs
        self.outputs = outputs
        self.calls = calls            # [op, n_in, views, attrs, advances]
        self.dependencies = dependencies
        self.rng_per_run = rng_per_run


def _kinds(rec, n_inputs, alive):
    return tuple(INPUT if i < n_inputs else WORK if (i in rec.created and i not in alive) else CONSTANT
                 for i in range(len(rec.refs)))


def _shape_of(view):
    b, _, dtype, shape, _ = view
    return (b, dtype, len(shape))


def _structure(t):
    rec = t.rec
    return (t.kinds, tuple(_shape_of(v) for v in rec.inputs), tuple(_shape_of(v) for v in t.outputs),
            tuple((op, n_in, len(attrs), tuple(_shape_of(v) for v in views)) for op, n_in, views, attrs in rec.calls))


def _numbers(t):
    """Every integer of a recording that may depend on the batch size, in one fixed order."""
    out = list(t.rec.nbytes)
    views = list(t.rec.inputs) + list(t.outputs) + [v for _, _, views, _ in t.rec.calls for v in views]
    for _, offset, _, shape, strides in views:
        out.append(offset)
        out.extend(shape)
        out.extend(strides)
    return out


def _first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _describe_call(rec, i, names):
    if i >= len(rec.calls):
        return f"after call {i}"
    op, _, views, _ = rec.calls[i]
    shapes = ", ".join(str(list(v[3])) for v in views)
    return f"call {i} ({names[op]} on shapes {shapes})"


def _fit(traces, op_names):
    """(base, per_batch) for every number: constant across traces when static, affine in the batch when dynamic."""
    rows = [_numbers(t) for t in traces]
    batches = [t.batch for t in traces]
    dynamic = len(set(batches)) > 1
    fitted = []
    for k, values in enumerate(zip(*rows)):
        if not dynamic:
            if len(set(values)) > 1:
                raise TraceError("tinytorch.jit.trace(): the function did different work on two calls with inputs "
                                 "of one shape (a shape or offset changed), so no plan can replay it")
            fitted.append((values[0], 0))
            continue
        (b0, v0), (b1, v1) = (batches[0], values[0]), (batches[1], values[1])
        per, rest = divmod(v0 - v1, b0 - b1)
        base = v0 - per * b0
        if rest or any(base + per * b != v for b, v in zip(batches[2:], values[2:])):
            raise TraceError("tinytorch.jit.trace(dynamic_batch=True): a shape, stride or offset is not a linear "
                             "function of the batch size, so this function cannot have a dynamic batch; trace it "
                             "with static shapes")
        fitted.append((base, per))
    return iter(fitted)


def build(traces, op_names, input_names, output_names, max_batch, rng_per_run):
    """A Spec from two or three recordings (traces[i].rec) of one function; the last one's buffers are kept."""
    last = traces[-1]
    keys = [_structure(t) for t in traces]
    for a, b, ta, tb in zip(keys, keys[1:], traces, traces[1:]):
        if a != b:
            i = _first_difference(a[3], b[3])
            what = ("its kernels differ at " + _describe_call(tb.rec, i, op_names)) if a[:3] == b[:3] or i < len(
                a[3]) else "its buffers or outputs differ"
            size = " at another batch size" if ta.batch != tb.batch else ""
            raise TraceError(f"tinytorch.jit.trace(): the function did different work on two calls{size} ({what}); "
                             "a plan replays one fixed list of kernels, so branches on tensor values, Python state "
                             "that changes between calls, or (with dynamic_batch) batch-dependent work cannot be "
                             "traced")
    numbers = _fit(traces, op_names)
    rec = last.rec
    buffers = [Buffer(kind, next(numbers), obj) for kind, obj in zip(last.kinds, rec.buffers())]
    for i, b in enumerate(buffers):
        if b.kind == CONSTANT and b.nbytes[1]:
            raise TraceError(f"tinytorch.jit.trace(dynamic_batch=True): buffer {i} outlives the call and its size "
                             "depends on the batch size; a plan keeps such state at one size")

    def views(vs):
        out = []
        for b, _, dtype, shape, _ in vs:
            offset = next(numbers)
            shape2 = [next(numbers) for _ in shape]
            strides2 = [next(numbers) for _ in shape]
            out.append((b, dtype, offset, shape2, strides2))
        return out

    inputs = list(zip(input_names, views(rec.inputs)))
    outputs = list(zip(output_names, views(last.outputs)))
    calls, dependencies = [], [f"read a tensor's value into Python at {w}" for w in rec.reads]
    for op, n_in, vs, attrs in rec.calls:
        calls.append([op, n_in, views(vs), attrs, []])
    _advances(traces, calls, op_names, dependencies)
    _changed_constants(traces, op_names, dependencies)
    return Spec(max_batch, buffers, inputs, outputs, calls, dependencies, rng_per_run)


def _advances(traces, calls, op_names, dependencies):
    """Counters found by comparing consecutive recordings; other attrs that changed are reported."""
    recs = [t.rec for t in traces]
    dynamic = len({t.batch for t in traces}) > 1
    for i, call in enumerate(calls):
        op = call[0]
        versions = [r.calls[i][3] for r in recs]
        if all(v == versions[0] for v in versions):
            continue
        fields = COUNTERS.get(op, ())
        masked = [_mask(v, fields) for v in versions]
        if any(m != masked[0] for m in masked):
            message = (f"{_describe_call(recs[-1], i, op_names)} took Python numbers (attrs) that changed between "
                       "two calls; the plan replays the last call's values")
            if dynamic:
                raise TraceError(f"tinytorch.jit.trace(dynamic_batch=True): {message}")
            dependencies.append(message)
        attrs = bytearray(versions[-1])
        for offset in fields:
            values = [_I64.unpack_from(v, offset)[0] for v in versions]
            steps = {b - a for a, b in zip(values, values[1:])}
            if len(steps) != 1:
                raise TraceError(f"tinytorch.jit.trace(): the counter of {_describe_call(recs[-1], i, op_names)} "
                                 "did not move by one amount per call")
            per_run = steps.pop()
            if per_run:
                _I64.pack_into(attrs, offset, _wrap(values[-1] + per_run))
                call[4].append((offset, per_run))
        call[3] = bytes(attrs)


def _changed_constants(traces, op_names, dependencies):
    """A tensor the function found (rather than made) must be the same one on every call: another one in its place
    means a Python value chose it (a cached constant for a changed number, an attribute reassigned)."""
    last = traces[-1].rec
    dynamic = len({t.batch for t in traces}) > 1
    for i, kind in enumerate(traces[-1].kinds):
        if kind != CONSTANT or i not in last.found:
            continue
        if any(t.rec.found.get(i) != last.found[i] for t in traces[:-1]):
            user = next((c for c, (_, _, views, _) in enumerate(last.calls) if any(v[0] == i for v in views)), 0)
            message = (f"{_describe_call(last, user, op_names)} read a different tensor on each call (a Python "
                       "number turned into a constant, or a tensor attribute reassigned); the plan replays the "
                       "last one")
            if dynamic:
                raise TraceError(f"tinytorch.jit.trace(dynamic_batch=True): {message}")
            dependencies.append(message)


def _mask(attrs, fields):
    b = bytearray(attrs)
    for offset in fields:
        b[offset:offset + 8] = bytes(8)
    return bytes(b)


def _wrap(v):
    return (v + (1 << 63)) % (1 << 64) - (1 << 63)
