"""Normalisation layers over one fused kernel pair. NORM standardises a view [A, M, B] per m over its A*B elements
and returns the mean and 1/std it used; NORM_BACKWARD is the gradient through those statistics. Each layer is a
choice of [A, M, B] (layer and RMS norm: [1, rows, D]; group norm: [1, N*G, C/G*HW]; instance norm: [1, N*C, HW];
batch norm: [N, C, HW]) followed by the affine transform in ordinary ops."""
import math

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from . import reduce as rd
from .shape import reshape


def _standardize(x3, eps, rms, op):
    """x3 [A, M, B] -> (xhat, mean [M], rstd [M]); only xhat carries a gradient."""
    a, m, b = x3._shape
    xhat = empty(x3._shape, x3._dtype, x3._device, op)
    mean = empty((m,), x3._dtype, x3._device, op)
    rstd = empty((m,), x3._dtype, x3._device, op)
    attrs = _core.NORM.pack(float(eps), int(rms))
    _core.run(OP.NORM, (x3,), (xhat, mean, rstd), attrs, op)
    if needs_grad(x3):
        record(xhat, "NormBackward", (x3,), lambda g, x3, xhat, rstd: (_standardize_grad(g, x3, xhat, rstd, attrs, op),),
               (x3, xhat, rstd))
    return xhat, mean, rstd


def _standardize_grad(g, x3, xhat, rstd, attrs, op):
    if needs_grad(g, x3):  # create_graph: the same maths in differentiable ops, recomputed from x
        return _standardize_grad_composite(g, x3, attrs)
    dx = empty(xhat._shape, xhat._dtype, xhat._device, op)
    _core.run(OP.NORM_BACKWARD, (xhat, rstd, g.contiguous() if g._dtype is xhat._dtype else g.to(xhat._dtype)),
              (dx,), attrs, op)
    return dx


def _standardize_grad_composite(g, x3, attrs):
    """dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) over dims 0 and 2 (no mean(g) term for RMS norm)."""
    eps, rms = _core.NORM.unpack(attrs)
    dims = (0, 2)
    centred = x3 if rms else ew.sub(x3, rd.mean(x3, dims, keepdim=True))
    rstd = ew.rsqrt(ew.add(rd.mean(ew.mul(centred, centred), dims, keepdim=True), eps))
    xhat = ew.mul(centred, rstd)
    inner = ew.sub(g, ew.mul(xhat, rd.mean(ew.mul(g, xhat), dims, keepdim=True)))
    if not rms:
        inner = ew.sub(inner, rd.mean(g, dims, keepdim=True))
    return ew.mul(inner, rstd)


def _float_input(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): input must be a Tensor, got {type(x).__name__}")
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"{op}(): takes floating dtypes, not {x._dtype.name}")
    return x if x._dtype in dt.FULL_FLOATS else x.to(dt.float32)


def _affine(out, weight, bias, shape):
    if weight is not None:
        out = ew.mul(out, reshape(weight, shape))
    if bias is not None:
        out = ew.add(out, reshape(bias, shape))
    return out


def _check_param(op, name, p, size):
    if p is not None and (not isinstance(p, Tensor) or p.numel() != size):
        shape = list(p.shape) if isinstance(p, Tensor) else type(p).__name__
        raise RuntimeError(f"{op}(): {name} of shape {shape} does not match {size} features")


def _normalized_dims(op, x, normalized_shape):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) == 0 or tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise RuntimeError(f"{op}(): normalized_shape {list(shape)} does not match the trailing dims of input "
                           f"{list(x.shape)}")
    size = 1
    for s in shape:
        size *= s
    return shape, size


def _rows(x, shape, d):
    """x as [1, rows, d], rows counted from the leading dims so that an empty normalized shape is well defined."""
    rows = 1
    for size in x.shape[:x.ndim - len(shape)]:
        rows *= size
    return reshape(x, (1, rows, d))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    x = _float_input("layer_norm", input)
    shape, d = _normalized_dims("layer_norm", x, normalized_shape)
    _check_param("layer_norm", "weight", weight, d)
    _check_param("layer_norm", "bias", bias, d)
    xhat, _, _ = _standardize(_rows(x, shape, d), eps, False, "layer_norm")
    return _affine(reshape(xhat, x.shape), weight, bias, shape).to(input.dtype)


def _finfo_eps(dtype):
    return {dt.float64: 2.220446049250313e-16, dt.float16: 0.0009765625, dt.bfloat16: 0.0078125}.get(
        dtype, 1.1920928955078125e-07)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    x = _float_input("rms_norm", input)
    shape, d = _normalized_dims("rms_norm", x, normalized_shape)
    _check_param("rms_norm", "weight", weight, d)
    xhat, _, _ = _standardize(_rows(x, shape, d), _finfo_eps(input.dtype) if eps is None else eps, True,
                              "rms_norm")
    return _affine(reshape(xhat, x.shape), weight, None, shape).to(input.dtype)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    x = _float_input("group_norm", input)
    if x.ndim < 2:
        raise RuntimeError(f"group_norm(): expected at least 2-d input [N, C, ...], got {list(x.shape)}")
    c = x.shape[1]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(f"group_norm(): {c} channels of input {list(x.shape)} cannot be split into "
                           f"{num_groups} groups")
    _check_param("group_norm", "weight", weight, c)
    _check_param("group_norm", "bias", bias, c)
    per_group = (x.shape[1] // num_groups) * math.prod(x.shape[2:])  # explicit: the batch may be empty
    xhat, _, _ = _standardize(reshape(x, (1, x.shape[0] * num_groups, per_group)), eps, False, "group_norm")
    bshape = (1, c) + (1,) * (x.ndim - 2)
    return _affine(reshape(xhat, x.shape), weight, bias, bshape).to(input.dtype)


def _channel_stats_update(running, value, momentum):
    """running <- (1 - momentum) * running + momentum * value; the modules turn momentum=None into 1/batches."""
    with no_grad():
        running.mul_(1 - momentum).add_(ew.mul(value.to(running.dtype), momentum))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    op = "batch_norm"
    x = _float_input(op, input)
    if x.ndim < 2:
        raise ValueError(f"{op}(): expected at least 2-d input [N, C, ...], got shape {list(x.shape)}")
    c = x.shape[1]
    bshape = (1, c) + (1,) * (x.ndim - 2)
    for name, p in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_param(op, name, p, c)
    if training:
        n = x.numel() // c if c else 0
        if n == 1:
            raise ValueError(f"{op}(): expected more than 1 value per channel when training, got input size "
                             f"{list(x.shape)}")
        xhat, mean, rstd = _standardize(reshape(x, (x.shape[0], c, math.prod(x.shape[2:]))), eps, False, op)
        if running_mean is not None and running_var is not None and n:  # an empty batch leaves them, as torch
            var = ew.sub(ew.reciprocal(ew.square(rstd.to(dt.float64))), eps)  # the biased variance NORM used
            _channel_stats_update(running_mean, mean, momentum)
            _channel_stats_update(running_var, ew.mul(var, n / (n - 1)), momentum)
        out = reshape(xhat, x.shape)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}(): running_mean and running_var are needed when not training")
        scale = ew.rsqrt(ew.add(running_var.to(x.dtype), eps))
        out = ew.mul(ew.sub(x, reshape(running_mean.to(x.dtype), bshape)), reshape(scale, bshape))
    return _affine(out, weight, bias, bshape).to(input.dtype)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    op = "instance_norm"
    x = _float_input(op, input)
    if x.ndim < 3:
        raise ValueError(f"{op}(): expected at least 3-d input [N, C, ...], got shape {list(x.shape)}")
    n, c = x.shape[:2]
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    for name, p in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_param(op, name, p, c)
    xhat, mean, rstd = _standardize(reshape(x, (1, n * c, math.prod(x.shape[2:]))), eps, False, op)
    if running_mean is not None and running_var is not None:
        per = x.numel() // (n * c)
        var = ew.sub(ew.reciprocal(ew.square(rstd.to(dt.float64))), eps)
        _channel_stats_update(running_mean, rd.mean(reshape(mean, (n, c)), 0), momentum)
        _channel_stats_update(running_var, rd.mean(reshape(ew.mul(var, per / max(per - 1, 1)), (n, c)), 0), momentum)
    return _affine(reshape(xhat, x.shape), weight, bias, bshape).to(input.dtype)
