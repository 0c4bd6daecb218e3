"""The one path from tensors to kernels: views as tuples, attrs as packed structs, output allocation."""
import functools
import re
import struct

from . import _C
from ._device import CPU

MAX_DIMS = _C.MAX_DIMS
INT64_MAX = (1 << 63) - 1


class _Ops:
    """Op codes by name, read from the library's own table (tt_ops.def)."""


# [(name, family, n_inputs, n_outputs, attrs)] in op-number order: tt_ops.def as the library was built from it
OPS = tuple(_C.op_table())
OP = _Ops()
for _code, _row in enumerate(OPS):
    setattr(OP, _row[0], _code)
OP_NAMES = tuple(row[0] for row in OPS)


def _packer(size, fields):
    """The struct.Struct of one C attrs struct: its fields in order at the offsets C gives (offsetof), the gaps
    and the tail as pad bytes, so that pack() yields exactly sizeof bytes."""
    fmt, at = "=", 0
    for _, offset, code, count, _ in fields:
        fmt += f"{offset - at}x" if offset > at else ""
        fmt += f"{count}{code}" if count > 1 else code
        at = offset + count * struct.calcsize("=" + code)
    return struct.Struct(fmt + (f"{size - at}x" if size > at else ""))


# attrs struct name (tt_<name>_attrs) -> (sizeof, [(field, offset, format, count, is_counter)]), from tt_attrs.def
ATTRS_LAYOUTS = _C.attrs_layouts()
ATTRS = {name: _packer(*layout) for name, layout in ATTRS_LAYOUTS.items()}
FILL, ARANGE, REDUCE, DIM, SORT = ATTRS["fill"], ATTRS["arange"], ATTRS["reduce"], ATTRS["dim"], ATTRS["sort"]
RANDOM, SGD, ADAM, RMSPROP, ADAGRAD = ATTRS["random"], ATTRS["sgd"], ATTRS["adam"], ATTRS["rmsprop"], ATTRS["adagrad"]
CROSS_ENTROPY, CONV, POOL, NORM = ATTRS["cross_entropy"], ATTRS["conv"], ATTRS["pool"], ATTRS["norm"]
ATTENTION, SCALE = ATTRS["attention"], ATTRS["scale"]
# op code -> byte offsets of the attrs fields a replayed plan advances (TT_COUNTER: Philox offsets, step counts)
COUNTERS = {code: tuple(f[1] for f in ATTRS_LAYOUTS[row[4]][1] if f[4])
            for code, row in enumerate(OPS) if row[4] != "none" and any(f[4] for f in ATTRS_LAYOUTS[row[4]][1])}
NO_ATTRS = b""
# the error classes the binding raises for a failed call (tinytorch._C turns each tt_status into one)
_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)

# True while tinytorch.jit records the calls of a function: ops that would cut their work into pieces by size
# (conv2d's chunks of columns) then make one call of the whole, so that the recorded list is the same at every
# batch size (dynamic_batch plans).
tracing = False


def run(op, inputs, outputs, attrs=NO_ATTRS, name=None):
    """Runs one kernel on tuples of tensors. `name`, the public op (the kernel's own name in lower case when not
    given), heads the message of any error it reports: `add(): ...`, as every other error of the op reads."""
    try:
        _C.run(op, inputs, outputs, attrs)
    except _ERRORS as e:
        raise type(e)(_kernel_message(op, name, str(e))) from None
    for t in outputs:  # autograd compares these versions to catch in-place changes of saved tensors
        t._version[0] += 1


def _kernel_message(op, name, text):
    """The library's message `OP: what` (after `not supported: ` for a missing kernel) as `name(): what`."""
    lead = "not supported: " if text.startswith("not supported: ") else ""
    body = text[len(lead):]
    kernel = OP_NAMES[op] + ": "
    if body.startswith(kernel):
        body = body[len(kernel):]
    return f"{name or OP_NAMES[op].lower()}(): {lead}{body}"


_NAMED = re.compile(r"^[A-Za-z_][\w.]*\(\): ")


def reports_as(name):
    """Makes the errors of a composite op name the op the user called: `mse_loss(): ...`, not the `sub(): ...` of
    the primitive inside it that raised. Only the builtin error classes are renamed (a subclass keeps its text)."""
    prefix = name + "(): "

    def wrap(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except _ERRORS as e:
                if type(e) not in _ERRORS or not e.args or not isinstance(e.args[0], str):
                    raise
                named = _NAMED.match(e.args[0])
                raise type(e)(prefix + e.args[0][named.end() if named else 0:]) from None
        return op
    return wrap


_supported = {}


def supported(op, device, dtype):
    """Whether `device` has a kernel for `op` computing in `dtype` (the C ABI's tt_op_supported): where it has
    none, callers run a composite of other ops instead."""
    key = (op, device, dtype)
    found = _supported.get(key)
    if found is None:
        found = _supported[key] = _C.op_supported(op, device.code, device.ordinal, dtype.code)
    return found


def layout(shape, op="empty"):
    """(numel, contiguous strides) of a shape, checked: no negative sizes, no int64 overflow, at most MAX_DIMS."""
    numel = acc = 1
    strides = [1] * len(shape)
    for i in range(len(shape) - 1, -1, -1):
        s = shape[i]
        if s < 0:
            raise ValueError(f"{op}(): negative dimension {s} in shape {list(shape)}")
        strides[i] = acc
        acc *= s if s > 1 else 1  # as torch: sizes 0 and 1 leave the stride product alone
        numel *= s
    if numel > INT64_MAX:
        raise ValueError(f"{op}(): shape {list(shape)} has more elements than int64 holds")
    if len(shape) > MAX_DIMS:
        raise ValueError(f"{op}(): tinytorch supports at most {MAX_DIMS} dims, got shape {list(shape)}")
    return numel, tuple(strides)


def new_buffer(nbytes, device):
    if nbytes > INT64_MAX:
        raise ValueError(f"cannot allocate {nbytes} bytes: more than int64 holds")
    if device is CPU:
        return _C.Buffer.new(0, 0, nbytes)
    return _C.Buffer.new(device.code, device.ordinal, nbytes)
