"""Matrix products (every form reaches the one batched MATMUL kernel through views), linear layers, the
triangles of a matrix, and vector similarities."""
from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from . import reduce as rd
from .broadcast import broadcast_shapes, broadcast_to
from .copy import cast
from .creation import arange, scalar_tensor
from .shape import reshape, squeeze, t, transpose
from ._public import declare


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


vdot = dot  # real dtypes only: no conjugate to take


@_core.reports_as("inner")
def inner(a, b):
    """The products of a's and b's last dims: shape a.shape[:-1] + b.shape[:-1]; a number multiplies."""
    if a.ndim == 0 or b.ndim == 0:
        return ew.mul(a, b)
    n = a._shape[-1]
    if b._shape[-1] != n:
        raise RuntimeError(f"inner(): inputs {list(a.shape)} and {list(b.shape)} differ in their last dim")
    return reshape(matmul(reshape(a, (-1, n)), t(reshape(b, (-1, n)))), a._shape[:-1] + b._shape[:-1])


def outer(a, b):
    _check("outer", a, 1)
    _check("outer", b, 1)
    return matmul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


ger = outer


def addmm(bias, a, b, beta=1, alpha=1):
    prod = mm(a, b)
    if alpha != 1:
        prod = ew.mul(prod, alpha)
    return ew.add(ew.mul(bias, beta) if beta != 1 else bias, prod)


@_core.reports_as("linear")
def linear(x, weight, bias=None):
    """x @ weight.T + bias. The usual case (2-d weight, 1-d bias, one dtype) is one node whose backward computes
    weight's gradient as g^T @ x, in weight's own layout: no transposed copy, no separate bias node."""
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor) and weight.ndim == 2 and x.ndim >= 1 and
            x.dtype is weight.dtype and (bias is None or isinstance(bias, Tensor) and bias.ndim == 1 and
                                         bias.dtype is x.dtype)):
        out = matmul(x, t(weight) if isinstance(weight, Tensor) and weight.ndim == 2 else weight)
        return ew.add(out, bias) if bias is not None else out
    with no_grad():
        out = matmul(x, t(weight))
        if bias is not None:
            out.add_(bias)
    if needs_grad(x, weight, bias):
        rule = _linear_grad(x.requires_grad, weight.requires_grad, bias is not None and bias.requires_grad)
        record(out, "AddmmBackward" if bias is not None else "MmBackward", (x, weight, bias), rule, (x, weight))
    return out


def _linear_grad(need_x, need_w, need_b):
    def rule(g, x, weight):
        g2 = reshape(g, (-1, g.shape[-1]))
        gx = matmul(g, weight) if need_x else None
        gw = matmul(t(g2), reshape(x, (-1, x.shape[-1]))) if need_w else None
        gb = rd.sum(g2, 0) if need_b else None
        return gx, gw, gb
    return rule


@_core.reports_as("bilinear")
def bilinear(x1, x2, weight, bias=None):
    """out[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] (+ bias[o])."""
    lead = tuple(x1.shape[:-1])
    left = squeeze(matmul(reshape(x1, (-1, 1, 1, x1.shape[-1])), weight), -2)  # [N, O, j]
    out = rd.sum(ew.mul(left, reshape(x2, (-1, 1, x2.shape[-1]))), -1)
    out = reshape(out, lead + (weight.shape[0],))
    return ew.add(out, bias) if bias is not None else out


def tril(x, diagonal=0):
    return _triangle(x, diagonal, lower=True)


def triu(x, diagonal=0):
    return _triangle(x, diagonal, lower=False)


def _triangle(x, k, lower):
    if x.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}(): needs at least 2 dims, got shape {list(x._shape)}")
    n, m = x._shape[-2:]
    rows = reshape(arange(n, device=x.device), (n, 1))
    cols = reshape(arange(m, device=x.device), (1, m))
    diff = ew.sub(cols, rows)
    keep = ew.le(diff, k) if lower else ew.ge(diff, k)
    return ew.where(keep, x, scalar_tensor(0, x.dtype, x.device))


@_core.reports_as("normalize")
def normalize(x, p=2.0, dim=1, eps=1e-12):
    return ew.div(x, ew.clamp_min(rd.norm(x, p, dim, keepdim=True), eps))


@_core.reports_as("cosine_similarity")
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    dot_ = rd.sum(ew.mul(x1, x2), dim)
    n1 = ew.clamp_min(rd.norm(x1, 2, dim), eps)
    n2 = ew.clamp_min(rd.norm(x2, 2, dim), eps)
    return ew.div(dot_, ew.mul(n1, n2))


@_core.reports_as("pairwise_distance")
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return rd.norm(ew.add(ew.sub(x1, x2), eps), p, -1, keepdim)

# public names (ops/_public.py)
declare(globals(), "bmm dot matmul mm mv outer", out=True)
declare(globals(), "addmm", inplace=True, out=True)
declare(globals(), "ger inner vdot", out=True)
declare(globals(), "spmm=mm", method=False, out=True)  # the one (dense) layout tinytorch has
declare(globals(), "tril triu", inplace=True, out=True)
