"""Reductions over any set of dims, scans, the fused softmax family, and comparisons of whole tensors (allclose,
equal). A reduction's node saves its input only where its backward reads values (prod, amax, ...); sum, mean,
max over a dim and cumsum keep shapes."""
import collections
import math

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from .broadcast import broadcast_to
from .copy import cast
from .creation import arange
from .shape import flip, reshape
from ._public import declare

_HALF = (dt.float16, dt.bfloat16)
values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _axes(x, dim, op):
    if x.ndim == 0:
        if dim is not None:
            for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
                x._dim(d, op)  # a 0-d tensor takes dim 0 or -1
        return ()
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(x.ndim))
    return tuple(sorted(x._dims(dim, op)))


def _reduce(op, x, axes, keepdim, out_dtype, name, grad=None, reads_values=False):
    """Reduces x over axes. grad(g, x, out, x_shape), with g and out in the keepdim shape, gives x's gradient.
    The node saves x and out only for a rule that reads their values (reads_values): the others need shapes, so
    an in-place change of x after the reduction stays legal, as in torch."""
    kshape = tuple(1 if d in axes else s for d, s in enumerate(x._shape))
    mask = 0
    for d in axes:
        mask |= 1 << d
    tracked = grad is not None and needs_grad(x)
    if not keepdim and not tracked:  # the result in its own shape, no view of a keepdim tensor (.grad takes it whole)
        res = empty(tuple(s for d, s in enumerate(x._shape) if d not in axes), out_dtype, x._device, name)
        _core.run(op, (x,), (res._view_as(kshape, _core.layout(kshape)[1]),), _core.REDUCE.pack(mask))
        return res
    out = empty(kshape, out_dtype, x._device, name)
    _core.run(op, (x,), (out,), _core.REDUCE.pack(mask))
    if tracked:
        x_shape = x._shape
        if reads_values:
            record(out, name.capitalize() + "Backward", (x,), lambda g, a, o: grad(g, a, o, x_shape), (x, out))
        else:
            record(out, name.capitalize() + "Backward", (x,), lambda g: grad(g, None, None, x_shape))
    if keepdim:
        return out
    return reshape(out, tuple(s for d, s in enumerate(x._shape) if d not in axes))


def _sum_grad(g, x, out, x_shape):
    return broadcast_to(g, x_shape)


def _mean_grad(g, x, out, x_shape):
    n = math.prod(x_shape) // g.numel() if g.numel() else 0
    return broadcast_to(ew.div(g, float(n)) if n else g, x_shape)


def _prod_grad(g, x, out, x_shape):
    # product of the others: out / x where x != 0; with exactly one zero in a group, that zero gets the product
    # of the rest; with two or more every gradient is 0
    axes = tuple(d for d in range(x.ndim) if out._shape[d] == 1 and x._shape[d] != 1)
    zero = ew.eq(x, 0)
    zeros_in_group = sum(zero, axes, keepdim=True)
    rest = prod(ew.where(zero, 1.0, x), axes, keepdim=True)
    others = ew.where(zero, ew.where(ew.eq(zeros_in_group, 1), rest, 0.0), ew.div(out, ew.where(zero, 1.0, x)))
    return ew.mul(broadcast_to(g, x_shape), others)


def _extreme_grad(g, x, out, x_shape):
    # evenly split between ties, as torch's amax/amin
    hit = ew.eq(x, out)
    count = sum(hit, tuple(d for d in range(x.ndim) if out._shape[d] == 1 and x._shape[d] != 1), keepdim=True)
    return ew.where(hit, ew.div(broadcast_to(g, x_shape), count), 0.0)


def _accumulating(x, dtype, name):
    """The dtype sums and products run in: integers and bool widen to int64, halves run in float32."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): expected a tensor, got {type(x).__name__}")
    if dtype is not None:
        dtype = dt.to_dtype(dtype)
        return cast(x, dtype) if dtype is not x._dtype else x, dtype
    if not x._dtype.is_floating_point:
        return cast(x, dt.int64), dt.int64
    if x._dtype in _HALF:
        return cast(x, dt.float32), x._dtype
    return x, x._dtype


def _finish(out, dtype):
    return out if out._dtype is dtype else cast(out, dtype)


def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001
    src, res = _accumulating(x, dtype, "sum")
    return _finish(_reduce(OP.SUM, src, _axes(x, dim, "sum"), keepdim, src._dtype, "sum", _sum_grad), res)


def prod(x, dim=None, keepdim=False, dtype=None):
    src, res = _accumulating(x, dtype, "prod")
    return _finish(_reduce(OP.PROD, src, _axes(x, dim, "prod"), keepdim, src._dtype, "prod", _prod_grad, True), res)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = cast(x, dt.to_dtype(dtype))
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, "
                           f"got {x._dtype.name}")
    src = cast(x, dt.float32) if x._dtype in _HALF else x
    return _finish(_reduce(OP.MEAN, src, _axes(x, dim, "mean"), keepdim, src._dtype, "mean", _mean_grad), x._dtype)


def _ordered(x):
    return cast(x, dt.float32) if x._dtype in _HALF else x


def _extreme(op, arg_op, name, x, dim, keepdim, other):
    if isinstance(dim, Tensor) and other is None:
        return (ew.maximum if op == OP.MAX else ew.minimum)(x, dim)
    if other is not None:
        return (ew.maximum if op == OP.MAX else ew.minimum)(x, other)
    src = _ordered(x)
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor when no dim is given, got shape {list(x.shape)}")
        return _finish(_reduce(op, src, _axes(x, None, name), False, src._dtype, name, _extreme_grad, True),
                       x._dtype)
    axes = _axes(x, dim, name)
    _check_nonempty(x, axes, name)
    indices = _reduce(arg_op, src, axes, True, dt.int64, name)

    def to_index(g, a, out, x_shape):  # the gradient goes to the element the index names, as in torch
        if not axes:
            return g
        d = axes[0]
        positions = reshape(arange(x_shape[d], device=g._device), (x_shape[d],) + (1,) * (len(x_shape) - d - 1))
        return ew.where(ew.eq(positions, indices), broadcast_to(g, x_shape), 0.0)
    values = _finish(_reduce(op, src, axes, keepdim, src._dtype, name, to_index), x._dtype)
    return values_indices(values, indices if keepdim else reshape(indices, values._shape))


def _check_nonempty(x, axes, name):
    for d in axes:
        if x._shape[d] == 0:
            raise IndexError(f"{name}(): cannot reduce the empty dim {d} of shape {list(x.shape)}: the op has no "
                             f"identity")


def max(x, dim=None, keepdim=False, other=None):  # noqa: A001
    return _extreme(OP.MAX, OP.ARGMAX, "max", x, dim, keepdim, other)


def min(x, dim=None, keepdim=False, other=None):  # noqa: A001
    return _extreme(OP.MIN, OP.ARGMIN, "min", x, dim, keepdim, other)


def amax(x, dim=(), keepdim=False):
    axes = _axes(x, dim, "amax")
    _check_nonempty(x, axes, "amax")
    return _finish(_reduce(OP.MAX, _ordered(x), axes, keepdim, _ordered(x)._dtype, "amax", _extreme_grad, True),
                   x._dtype)


def amin(x, dim=(), keepdim=False):
    axes = _axes(x, dim, "amin")
    _check_nonempty(x, axes, "amin")
    return _finish(_reduce(OP.MIN, _ordered(x), axes, keepdim, _ordered(x)._dtype, "amin", _extreme_grad, True),
                   x._dtype)


def _arg(op, name, x, dim, keepdim):
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor, got shape {list(x.shape)}")
        out = _reduce(op, _ordered(x), _axes(x, None, name), False, dt.int64, name)
        return reshape(out, (1,) * x.ndim) if keepdim else out
    axes = _axes(x, dim, name)
    _check_nonempty(x, axes, name)
    return _reduce(op, _ordered(x), axes, keepdim, dt.int64, name)


def argmax(x, dim=None, keepdim=False):
    return _arg(OP.ARGMAX, "argmax", x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _arg(OP.ARGMIN, "argmin", x, dim, keepdim)


def all(x, dim=None, keepdim=False):  # noqa: A001
    return _reduce(OP.ALL, x, _axes(x, dim, "all"), keepdim, dt.bool_, "all")


def any(x, dim=None, keepdim=False):  # noqa: A001
    return _reduce(OP.ANY, x, _axes(x, dim, "any"), keepdim, dt.bool_, "any")


def var(x, dim=None, unbiased=None, keepdim=False, correction=None):
    if isinstance(dim, bool):  # var(x, False): the old unbiased argument
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"var(): input dtype must be floating point, got {x._dtype.name}")
    axes = _axes(x, dim, "var")
    n = 1
    for d in axes:
        n *= x._shape[d]
    centred = ew.sub(x, mean(x, axes, keepdim=True))
    total = sum(ew.mul(centred, centred), axes, keepdim)
    return ew.div(total, float(n - correction) if n - correction > 0 else 0.0)


def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    v = var(x, dim, unbiased, keepdim, correction)
    if not needs_grad(v):
        return ew.sqrt(v)
    # where the variance is 0 torch's gradient is 0, not 0 * inf: sqrt of a safe value there, masked
    nonzero = ew.ne(v, 0)
    return ew.where(nonzero, ew.sqrt(ew.where(nonzero, v, 1.0)), 0.0)


def var_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return std(x, dim, unbiased, keepdim, correction), mean(x, dim, keepdim)


def logsumexp(x, dim=None, keepdim=False):
    if not x._dtype.is_floating_point:
        x = cast(x, dt.get_default_dtype())
    axes = _axes(x, dim, "logsumexp")
    if x.numel() == 0:
        return ew.log(sum(ew.exp(x), axes, keepdim))
    m = amax(x, axes, keepdim=True)
    m = ew.where(ew.isinf(m), 0.0, m)  # all -inf (or +inf) rows: keep exp finite
    out = ew.add(ew.log(sum(ew.exp(ew.sub(x, m)), axes, keepdim=True)), m)
    return out if keepdim else reshape(out, tuple(s for d, s in enumerate(x._shape) if d not in axes))


def norm(x, p="fro", dim=None, keepdim=False):
    if p in ("fro", 2, 2.0):
        return ew.sqrt(sum(ew.mul(x, x), dim, keepdim))
    if p in (1, 1.0):
        return sum(ew.abs(x), dim, keepdim)
    if p in (math.inf, float("inf")):
        return amax(ew.abs(x), () if dim is None else dim, keepdim)
    return ew.pow(sum(ew.pow(ew.abs(x), p), dim, keepdim), 1.0 / p)


def _scan(op, name, x, dim, dtype):
    src, res = _accumulating(x, dtype, name)
    if src.ndim == 0:
        d = 0
        src0 = reshape(src, (1,))
    else:
        d = x._dim(dim, name)
        src0 = src
    out = empty(src0._shape, src0._dtype, x._device, name)
    _core.run(op, (src0,), (out,), _core.DIM.pack(d))
    if needs_grad(src0):
        if op == OP.CUMSUM:  # needs no values, so saves none (x.add_() after cumsum stays legal, as in torch)
            record(out, "CumsumBackward", (src0,), lambda g: _reverse_cumsum(g, d))
        else:
            record(out, "CumprodBackward", (src0,), lambda g, a, o: _cumprod_grad(g, a, o, d), (src0, out))
    out = reshape(out, x._shape) if src.ndim == 0 else out
    return _finish(out, res)


def _reverse_cumsum(g, d):
    return flip(cumsum(flip(g, d), d), d)


def _cumprod_grad(g, x, out, d):
    # d out_k / d x_i = out_k / x_i for k >= i (inputs without zeros)
    return ew.div(_reverse_cumsum(ew.mul(g, out), d), x)


def cumsum(x, dim, dtype=None):
    return _scan(OP.CUMSUM, "cumsum", x, dim, dtype)


def cumprod(x, dim, dtype=None):
    return _scan(OP.CUMPROD, "cumprod", x, dim, dtype)


def _softmax(op, name, x, dim, dtype):
    if dim is None:  # torch's legacy implicit dim
        dim = 0 if x.ndim in (0, 1, 3) else 1
    if dtype is not None:
        x = cast(x, dt.to_dtype(dtype))
    res = x._dtype if x._dtype.is_floating_point else dt.get_default_dtype()
    src = cast(x, dt.float32 if res in _HALF else res) if x._dtype is not (dt.float32 if res in _HALF else res) else x
    if src.ndim == 0:
        x._dim(dim, name)
        src = reshape(src, (1,))
        d = 0
    else:
        d = x._dim(dim, name)
    out = empty(src._shape, src._dtype, x._device, name)
    _core.run(op, (src,), (out,), _core.DIM.pack(d))
    if needs_grad(src):
        rule = _softmax_grad if op == OP.SOFTMAX else _log_softmax_grad
        record(out, name.capitalize() + "Backward", (src,), lambda g, y: rule(g, y, d), (out,))
    return _finish(reshape(out, x._shape), res)


def _softmax_grad(g, y, d):
    return ew.mul(y, ew.sub(g, sum(ew.mul(g, y), d, keepdim=True)))


def _log_softmax_grad(g, y, d):
    return ew.sub(g, ew.mul(ew.exp(y), sum(g, d, keepdim=True)))


def softmax(x, dim=None, dtype=None):
    return _softmax(OP.SOFTMAX, "softmax", x, dim, dtype)


def log_softmax(x, dim=None, dtype=None):
    return _softmax(OP.LOG_SOFTMAX, "log_softmax", x, dim, dtype)


def softmin(x, dim=None, dtype=None):
    return softmax(ew.neg(x), dim, dtype)



def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(all(ew.isclose(a, b, rtol, atol, equal_nan)).item())


def equal(a, b):
    return a.shape == b.shape and bool(all(ew.eq(a, b)).item())

# public names (ops/_public.py)
declare(globals(), "allclose equal log_softmax softmax")
declare(globals(), "all amax amin any argmax argmin logsumexp max mean min norm prod std sum var", out=True)
declare(globals(), "cumprod cumsum", inplace=True, out=True)
declare(globals(), "std_mean var_mean", method=False)
