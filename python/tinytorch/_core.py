"""The one path from tensors to kernels: views as tuples, attrs as packed structs, output allocation."""
import struct

from . import _C
from ._device import CPU

MAX_DIMS = _C.MAX_DIMS
INT64_MAX = (1 << 63) - 1


class _Ops:
    """Op codes by name, read from the library's own table (tt_ops.def)."""


OP = _Ops()
for _code, _name in enumerate(_C.op_names()):
    setattr(OP, _name, _code)

# attrs structs of tinytorch.h, packed in native layout
FILL = struct.Struct("=dq")
ARANGE = struct.Struct("=ddqq")
REDUCE = struct.Struct("=I")
DIM = struct.Struct("=i")
SORT = struct.Struct("=iiq")
RANDOM = struct.Struct("=QQdd")
SGD = struct.Struct("=ddddiii4x")  # trailing pad bytes: the C structs' sizeof
ADAM = struct.Struct("=dddddqiii4x")
RMSPROP = struct.Struct("=dddddii")
ADAGRAD = struct.Struct("=ddddqi4x")
CROSS_ENTROPY = struct.Struct("=qd")
CONV = struct.Struct("=6q")
POOL = struct.Struct("=8qiiq")
NORM = struct.Struct("=di4x")
ATTENTION = struct.Struct("=di4x")
SCALE = struct.Struct("=d")
NO_ATTRS = b""

# True while tinytorch.jit records the calls of a function: ops that would cut their work into pieces by size
# (conv2d's chunks of columns) then make one call of the whole, so that the recorded list is the same at every
# batch size (dynamic_batch plans).
tracing = False


def run(op, inputs, outputs, attrs=NO_ATTRS, name=None):
    """Runs one kernel on tuples of tensors. `name`, the public op, heads the message of any error it reports."""
    try:
        _C.run(op, inputs, outputs, attrs)
    except (ValueError, TypeError, IndexError, RuntimeError) as e:
        if name is None:
            raise
        raise type(e)(f"{name}(): {e}") from None
    for t in outputs:  # autograd compares these versions to catch in-place changes of saved tensors
        t._version[0] += 1


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
