"""Matrix products: every form reaches the one batched MATMUL kernel through views."""
from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from .copy import cast
from .shape import broadcast_shapes, broadcast_to, reshape


def matmul(a, b):
    # the hot path of linear layers: two matrices of one float dtype and device, nothing to promote or broadcast
    if type(a) is type(b) is Tensor and len(a._shape) == len(b._shape) == 2 and a._dtype is b._dtype and \
            a._dtype in dt.FULL_FLOATS and a._device is b._device and a._shape[1] == b._shape[0]:
        out = empty((a._shape[0], b._shape[1]), a._dtype, a._device, "matmul")
        _core.run(OP.MATMUL, (a, b), (out,))
        if needs_grad(a, b):
            record(out, "MmBackward", (a, b), _matmul_grad, (a, b))
        return out
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul(): expected tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul(): both arguments need at least 1 dim, got shapes {list(a.shape)} and "
                           f"{list(b.shape)}")
    if a._device != b._device:
        raise RuntimeError(f"matmul(): expected both tensors on one device, got {a._device} and {b._device}")
    dtype = dt.promote(a._dtype, b._dtype)
    if dtype is dt.bool_:
        raise RuntimeError("matmul(): not supported for bool tensors")
    compute = dt.float32 if dtype in (dt.float16, dt.bfloat16) else dtype
    a2 = reshape(a, (1,) + a._shape) if a.ndim == 1 else a
    b2 = reshape(b, b._shape + (1,)) if b.ndim == 1 else b
    m, k = a2._shape[-2:]
    k2, n = b2._shape[-2:]
    if k != k2:
        raise RuntimeError(f"matmul(): shapes {list(a.shape)} and {list(b.shape)} cannot be multiplied "
                           f"({k} != {k2})")
    batch = broadcast_shapes(a2._shape[:-2], b2._shape[:-2], op="matmul")
    a3 = broadcast_to(a2 if a2._dtype is compute else cast(a2, compute), batch + (m, k), "matmul")
    b3 = broadcast_to(b2 if b2._dtype is compute else cast(b2, compute), batch + (k, n), "matmul")
    out = empty(batch + (m, n), compute, a._device, "matmul")
    _core.run(OP.MATMUL, (a3, b3), (out,))
    if needs_grad(a3, b3):
        record(out, "MmBackward", (a3, b3), _matmul_grad, (a3, b3))
    shape = batch + ((m,) if a.ndim > 1 else ()) + ((n,) if b.ndim > 1 else ())
    if shape != out._shape:
        out = reshape(out, shape)
    return out if compute is dtype else cast(out, dtype)


def _matmul_grad(g, a, b):
    from .shape import transpose
    ga = matmul(g, transpose(b, -2, -1)) if a.requires_grad else None
    gb = matmul(transpose(a, -2, -1), g) if b.requires_grad else None
    return ga, gb


def _check(name, x, ndim):
    if not isinstance(x, Tensor) or x.ndim != ndim:
        shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise RuntimeError(f"{name}(): expected a {ndim}-d tensor, got {shape}")


def mm(a, b):
    _check("mm", a, 2)
    _check("mm", b, 2)
    return matmul(a, b)


def bmm(a, b):
    _check("bmm", a, 3)
    _check("bmm", b, 3)
    if a._shape[0] != b._shape[0]:
        raise RuntimeError(f"bmm(): batch sizes differ: {list(a.shape)} and {list(b.shape)}")
    return matmul(a, b)


def mv(a, v):
    _check("mv", a, 2)
    _check("mv", v, 1)
    return matmul(a, v)


def dot(a, b):
    _check("dot", a, 1)
    _check("dot", b, 1)
    if a._shape != b._shape:
        raise RuntimeError(f"dot(): 1-d tensors of different sizes {a._shape[0]} and {b._shape[0]}")
    return matmul(a, b)


vdot = inner = dot


def outer(a, b):
    _check("outer", a, 1)
    _check("outer", b, 1)
    return matmul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


ger = outer


def addmm(bias, a, b, beta=1, alpha=1):
    from . import elementwise as ew
    prod = mm(a, b)
    if alpha != 1:
        prod = ew.mul(prod, alpha)
    return ew.add(ew.mul(bias, beta) if beta != 1 else bias, prod)
