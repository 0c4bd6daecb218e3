"""Copies and casts: the COPY kernel converts dtypes and materialises any strides."""
from .. import _core
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty


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
    """dst[...] = src, broadcasting src and converting its dtype; in place."""
    from .creation import as_tensor
    from .shape import broadcast_to
    src = as_tensor(src, device=dst._device)
    if src._device != dst._device:
        from .creation import transfer
        src = transfer(src, dst._device)
    if src._shape != dst._shape:
        src = broadcast_to(src, dst._shape, "copy_")
    tracked = needs_grad(src) or (dst.grad_fn is not None and needs_grad(dst))
    if tracked and dst.grad_fn is None and dst.requires_grad:
        raise RuntimeError("copy_(): a leaf Variable that requires grad is being used in an in-place operation")
    _core.run(OP.COPY, (src,), (dst,))
    if tracked:  # dst now holds src's values: its history is src's
        record(dst, "CopyBackwards", (src,), lambda g: g)
    return dst


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
