"""Broadcasting and its adjoint. broadcast_to is a view (stride 0 over new and size-1 dims); its gradient is sum_to,
which sums a gradient back to the shape that was broadcast. Every op that broadcasts an input reduces that
input's gradient here, inside its own node, so the autograd engine never reshapes a gradient."""
from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import empty
from ._public import declare

_HALF = (dt.float16, dt.bfloat16)


def broadcast_shapes(*shapes, op="broadcast"):
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != out[i]:
                if out[i] != 1 and n != 1:
                    raise RuntimeError(f"{op}(): shapes {' and '.join(str(list(x)) for x in shapes)} cannot be broadcast"
                                       f" together (dim {i - ndim}: {out[i]} vs {n})")
                out[i] = n if out[i] == 1 else out[i]
    return tuple(out)


def broadcast_view(x, shape, op="expand"):
    """x seen with the given shape (new leading dims and size-1 dims get stride 0), recording nothing: for the
    operands of a kernel whose own node reduces the gradient back (sum_to). Size -1 keeps a dim as it is."""
    shape = tuple(shape)
    if x._shape == shape:
        return x
    nd = len(shape)
    if nd < x.ndim:
        raise RuntimeError(f"{op}(): cannot expand shape {list(x._shape)} to {list(shape)} with fewer dims")
    strides = [0] * nd
    for i in range(nd):
        j = i - (nd - x.ndim)
        if j < 0:
            if shape[i] < 0:
                raise RuntimeError(f"{op}(): size -1 is not allowed in a new leading dim of {list(shape)}")
            continue
        size, want = x._shape[j], shape[i]
        if want == -1 or want == size:
            strides[i] = x._strides[j]
        elif size == 1 and want >= 0:
            strides[i] = 0
        else:
            raise RuntimeError(f"{op}(): cannot expand shape {list(x._shape)} to {list(shape)}"
                               f" (dim {i}: {size} to {want})")
    shape = tuple(x._shape[i - (nd - x.ndim)] if s == -1 else s for i, s in enumerate(shape))
    return x._view_as(shape, strides)


def broadcast_to(x, shape, op="expand"):
    """The differentiable broadcast view: its node sums the gradient back to x's shape."""
    out = broadcast_view(x, shape, op)
    if out is not x and needs_grad(x):
        src_shape = x._shape
        record(out, "ExpandBackward", (x,), lambda g: sum_to(g, src_shape))
    return out


def sum_to(x, shape):
    """x summed over the dims that broadcasting `shape` to x's shape added or stretched (torch's sum_to_size).
    float16/bfloat16 sum in float32 and round once, as reductions do."""
    shape = tuple(shape)
    if x._shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x._shape[lead:])):
        raise RuntimeError(f"sum_to_size(): size {list(shape)} is not expandable to size {list(x._shape)}")
    mask, kshape = 0, []
    for d, n in enumerate(x._shape):
        if d < lead or (shape[d - lead] == 1 and n != 1):
            mask |= 1 << d
            kshape.append(1)
        else:
            kshape.append(n)
    src = _raw_cast(x, dt.float32) if x._dtype in _HALF else x
    out = empty(shape, src._dtype, x._device, "sum_to_size")
    kshape = tuple(kshape)
    _core.run(OP.SUM, (src,), (out._view_as(kshape, _core.layout(kshape)[1]),), _core.REDUCE.pack(mask))
    if src is not x:
        out = _raw_cast(out, x._dtype)
    if needs_grad(x):
        src_shape = x._shape
        record(out, "SumToSizeBackward", (x,), lambda g: broadcast_to(g, src_shape))
    return out


def _raw_cast(x, dtype):
    """A dtype conversion inside sum_to's one node (recorded as part of it, not as a node of its own)."""
    out = empty(x._shape, dtype, x._device, "sum_to_size")
    _core.run(OP.COPY, (x,), (out,))
    return out

# public names (ops/_public.py)
declare(globals(), "broadcast_shapes", method=False)
declare(globals(), "broadcast_to")
