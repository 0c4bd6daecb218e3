"""Copies and casts: the COPY kernel converts dtypes and materialises any strides; whole buffers move between
devices."""
import copy

from .. import _core
from .. import _dtype as dt
from .._core import OP
from .._device import device, to_device
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from .broadcast import broadcast_view, sum_to
from ._public import declare


def cast(x, dtype):
    out = empty(x._shape, dtype, x._device, "to")
    _core.run(OP.COPY, (x,), (out,))
    if dtype.is_floating_point and needs_grad(x):
        src = x._dtype
        record(out, "ToCopyBackward", (x,), lambda g: cast(g, src) if g._dtype is not src else g)
    return out


def contiguous(x, memory_format=None):
    if x.is_contiguous():
        return x
    return clone(x)


def clone(x, memory_format=None):
    out = empty(x._shape, x._dtype, x._device, "clone")
    _core.run(OP.COPY, (x,), (out,))
    if needs_grad(x):
        record(out, "CloneBackward", (x,), lambda g: g)
    return out


def copy_(dst, src, non_blocking=False):
    """dst[...] = src, broadcasting src and converting its dtype and device; in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._device != dst._device:
        src = transfer(src, dst._device)
    tracked = needs_grad(src) or (dst.grad_fn is not None and needs_grad(dst))
    if tracked and dst.grad_fn is None and dst.requires_grad:
        raise RuntimeError("copy_(): a leaf Variable that requires grad is being used in an in-place operation")
    _core.run(OP.COPY, (broadcast_view(src, dst._shape, "copy_"),), (dst,))
    if tracked:  # dst now holds src's values: its history is src's
        src_shape = src._shape
        record(dst, "CopyBackwards", (src,), lambda g: sum_to(g, src_shape))
    return dst


def transfer(x, dev):
    """The same values on another device: contiguous bytes, then one buffer copy."""
    src = contiguous(x)
    out = empty(src._shape, src._dtype, dev, "to")
    nbytes = src.numel() * src._dtype.itemsize
    if nbytes:  # an empty view's offset may lie past its (empty) buffer's end
        out._buf.copy_from(0, src._buf, src._offset * src._dtype.itemsize, nbytes)
    return out


def fill_(x, value):
    if isinstance(value, Tensor):
        return copy_(x, value)
    v = _to_number(value, x._dtype, "fill_")
    ivalue = 0 if x._dtype.is_floating_point else int(v)
    _core.run(OP.FILL, (), (x,), _core.FILL.pack(float(v), ivalue))
    return x


def _to_number(value, dtype, op):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        if not dtype.is_floating_point and isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"{op}(): cannot store {value} in a {dtype.name} tensor")
            return int(value)
        if not dtype.is_floating_point and not -(1 << 63) <= value < (1 << 63):
            raise ValueError(f"{op}(): value {value} overflows {dtype.name}")
        return value
    try:
        return _to_number(value.item(), dtype, op)
    except AttributeError:
        raise TypeError(f"{op}(): expected a number, got {type(value).__name__}") from None


def zero_(x):
    return fill_(x, 0)


def to(x, *args, **kwargs):
    """to(device), to(dtype), to(device, dtype), to(other_tensor); copy=True forces a new tensor."""
    dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
    force_copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, dev = a.dtype, a.device
        elif isinstance(a, (device, str)) and not (isinstance(a, str) and a.replace("torch.", "") in dt._BY_NAME):
            dev = a
        else:
            dtype = a
    out = x
    if dev is not None:
        dev = to_device(dev)
        if dev != out._device:
            out = transfer(out, dev)
    if dtype is not None:
        dtype = dt.to_dtype(dtype)
        if dtype is not out._dtype:
            out = cast(out, dtype)
    if force_copy and out is x:
        out = clone(x)
    return out


def deepcopy(x, memo):
    """copy.deepcopy of a leaf: its values, requires_grad and .grad (a Parameter stays a Parameter)."""
    if x.grad_fn is not None:
        raise RuntimeError("deepcopy(): only tensors created explicitly by the user (graph leaves) support the "
                           "deepcopy protocol; detach() a non-leaf first")
    out = clone(x.detach())
    if type(x) is not Tensor:
        out = type(x)(out, x.requires_grad)
    out._requires_grad = x._requires_grad
    memo[id(x)] = out
    if x.grad is not None:
        out.grad = copy.deepcopy(x.grad, memo)
    return out

# public names (ops/_public.py)
declare(globals(), "clone contiguous")
declare(globals(), "to __deepcopy__=deepcopy copy_ fill_ zero_", function=False)
