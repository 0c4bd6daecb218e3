"""tinytorch.nn.functional: PyTorch's functional names over the ops (each op's maths lives in tinytorch.ops)."""
import math
import warnings

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..ops import elementwise as ew
from ..ops import reduce as rd
from ..ops import shape as sh
from ..ops.elementwise import gelu, sigmoid, softplus, tanh  # noqa: F401
from ..ops.index import gather
from ..ops.linalg import matmul
from ..ops.reduce import log_softmax, logsumexp, softmax  # noqa: F401
from ..ops.shape import pad  # noqa: F401
from ..ops.attention import scaled_dot_product_attention  # noqa: F401
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401
from ..ops.norm import batch_norm, group_norm, instance_norm, layer_norm, rms_norm  # noqa: F401
from ..ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,  # noqa: F401
                        adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): expected a tensor, got {type(x).__name__}")


# ---- activations: inplace=True writes the result into x and returns x, as torch does
def _activation(x, fn, inplace, name):
    return ew.apply_inplace(x, fn, name + "_", composite=True) if inplace else fn(x)


def relu(x, inplace=False):
    return _activation(x, ew.relu, inplace, "relu")


def silu(x, inplace=False):
    return _activation(x, ew.silu, inplace, "silu")


def relu6(x, inplace=False):
    return hardtanh(x, 0.0, 6.0, inplace)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(t, negative_slope)), inplace, "leaky_relu")


def elu(x, alpha=1.0, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(ew.expm1(t), alpha)), inplace, "elu")


def selu(x, inplace=False):
    return _activation(x, lambda t: ew.mul(elu(t, 1.6732632423543772), 1.0507009873554805), inplace, "selu")


def celu(x, alpha=1.0, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(ew.expm1(ew.div(t, alpha)), alpha)), inplace,
                       "celu")


def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    return _activation(x, lambda t: ew.clamp(t, min_val, max_val), inplace, "hardtanh")


def hardsigmoid(x, inplace=False):
    return _activation(x, lambda t: ew.div(ew.clamp(ew.add(t, 3.0), 0.0, 6.0), 6.0), inplace, "hardsigmoid")


def hardswish(x, inplace=False):
    return _activation(x, lambda t: ew.mul(t, hardsigmoid(t)), inplace, "hardswish")


def mish(x, inplace=False):
    return _activation(x, lambda t: ew.mul(t, ew.tanh(softplus(t))), inplace, "mish")


def logsigmoid(x):
    return ew.neg(softplus(ew.neg(x)))


def softsign(x):
    return ew.div(x, ew.add(ew.abs(x), 1.0))


def tanhshrink(x):
    return ew.sub(x, ew.tanh(x))


def softmin(x, dim=None, dtype=None):
    return softmax(ew.neg(x), dim, dtype)


def glu(x, dim=-1):
    a, b = sh.chunk(x, 2, dim)
    return ew.mul(a, ew.sigmoid(b))


def threshold(x, threshold, value, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, threshold), t, value), inplace, "threshold")


def normalize(x, p=2.0, dim=1, eps=1e-12):
    return ew.div(x, ew.clamp_min(rd.norm(x, p, dim, keepdim=True), eps))


# ---- linear layers
def linear(x, weight, bias=None):
    """x @ weight.T + bias. The usual case (2-d weight, 1-d bias, one dtype) is one node whose backward computes
    weight's gradient as g^T @ x, in weight's own layout: no transposed copy, no separate bias node."""
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor) and weight.ndim == 2 and x.ndim >= 1 and
            x.dtype is weight.dtype and (bias is None or isinstance(bias, Tensor) and bias.ndim == 1 and
                                         bias.dtype is x.dtype)):
        out = matmul(x, sh.t(weight) if isinstance(weight, Tensor) and weight.ndim == 2 else weight)
        return ew.add(out, bias) if bias is not None else out
    with no_grad():
        out = matmul(x, sh.t(weight))
        if bias is not None:
            out.add_(bias)
    if needs_grad(x, weight, bias):
        rule = _linear_grad(x.requires_grad, weight.requires_grad, bias is not None and bias.requires_grad)
        record(out, "AddmmBackward" if bias is not None else "MmBackward", (x, weight, bias), rule, (x, weight))
    return out


def _linear_grad(need_x, need_w, need_b):
    def rule(g, x, weight):
        g2 = sh.reshape(g, (-1, g.shape[-1]))
        gx = matmul(g, weight) if need_x else None
        gw = matmul(sh.t(g2), sh.reshape(x, (-1, x.shape[-1]))) if need_w else None
        gb = rd.sum(g2, 0) if need_b else None
        return gx, gw, gb
    return rule


def bilinear(x1, x2, weight, bias=None):
    """out[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] (+ bias[o])."""
    lead = tuple(x1.shape[:-1])
    left = sh.squeeze(matmul(sh.reshape(x1, (-1, 1, 1, x1.shape[-1])), weight), -2)  # [N, O, j]
    out = rd.sum(ew.mul(left, sh.reshape(x2, (-1, 1, x2.shape[-1]))), -1)
    out = sh.reshape(out, lead + (weight.shape[0],))
    return ew.add(out, bias) if bias is not None else out


def dropout(x, p=0.5, training=True, inplace=False):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout(): probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return ew.mul(x, 0.0)
    from ..ops.random import rand
    keep = ew.ge(rand(x.shape, dtype=x.dtype if x.dtype.is_floating_point else None, device=x.device), p)
    return ew.mul(ew.where(keep, x, 0.0), 1.0 / (1.0 - p))


def _channel_dropout(x, p, training, op, spatial):
    """Zeroes whole channels: one keep/drop draw per (N, C), broadcast over the spatial dims."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}(): probability has to be between 0 and 1, but got {p}")
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}(): expected a {spatial + 1}-d or {spatial + 2}-d input, got {list(x.shape)}")
    if not training or p == 0.0:
        return x
    from ..ops.random import rand
    lead = x.ndim - spatial
    keep = ew.ge(rand(tuple(x.shape[:lead]) + (1,) * spatial, dtype=x.dtype, device=x.device), p)
    return ew.mul(ew.where(keep, x, 0.0), 1.0 / (1.0 - p)) if p < 1.0 else ew.mul(x, 0.0)


def dropout1d(x, p=0.5, training=True, inplace=False):
    return _channel_dropout(x, p, training, "dropout1d", 1)


def dropout2d(x, p=0.5, training=True, inplace=False):
    # torch's deprecated readings, with its warnings: a 2-D input gets element-wise dropout, a 3-D one is (N, C, L)
    if x.ndim == 2:
        warnings.warn("dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
        return dropout(x, p, training)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
        return _channel_dropout(x, p, training, "dropout2d", 1)
    return _channel_dropout(x, p, training, "dropout2d", 2)


def dropout3d(x, p=0.5, training=True, inplace=False):
    return _channel_dropout(x, p, training, "dropout3d", 3)


def pixel_shuffle(x, upscale_factor):
    r = int(upscale_factor)
    if r < 1:
        raise ValueError(f"pixel_shuffle(): upscale_factor must be positive, got {upscale_factor}")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle(): input {list(x.shape)} needs at least 3 dims and channels divisible by "
                           f"upscale_factor^2 = {r * r}")
    *lead, c, h, w = x.shape
    y = sh.reshape(x, (-1, c // (r * r), r, r, h, w))
    y = sh.permute(y, 0, 1, 4, 2, 5, 3)
    return sh.reshape(y, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(x, downscale_factor):
    r = int(downscale_factor)
    if r < 1:
        raise ValueError(f"pixel_unshuffle(): downscale_factor must be positive, got {downscale_factor}")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle(): input {list(x.shape)} needs at least 3 dims and H, W divisible by "
                           f"downscale_factor = {r}")
    *lead, c, h, w = x.shape
    y = sh.reshape(x, (-1, c, h // r, r, w // r, r))
    y = sh.permute(y, 0, 1, 3, 5, 2, 4)
    return sh.reshape(y, tuple(lead) + (c * r * r, h // r, w // r))


def _source_coords(out_size, in_size, scale, align_corners, mode):
    """Where each output position samples the input, as torch computes it (float64 positions)."""
    from ..ops.creation import arange
    i = arange(out_size, dtype=dt.float64)
    if mode == "nearest":
        step = 1.0 / scale if scale else in_size / out_size
        return ew.clamp(ew.floor(ew.mul(i, step)), 0, in_size - 1)
    if align_corners:
        step = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        return ew.mul(i, step)
    step = 1.0 / scale if scale else in_size / out_size
    return ew.clamp(ew.sub(ew.mul(ew.add(i, 0.5), step), 0.5), 0, None)


def _linear_axis(x, dim, out_size, scale, align_corners):
    """Linear interpolation along one dim: two gathers and a lerp, so autograd needs nothing new."""
    from ..ops.index import index_select
    n = x.shape[dim]
    pos = _source_coords(out_size, n, scale, align_corners, "linear")
    lo = ew.clamp(ew.floor(pos), 0, n - 1)
    frac = (ew.sub(pos, lo)).to(x.dtype)
    lo = lo.long()
    hi = ew.clamp(ew.add(lo, 1), 0, n - 1)
    shape = [1] * x.ndim
    shape[dim] = out_size
    a, b = index_select(x, dim, lo), index_select(x, dim, hi)
    return ew.add(a, ew.mul(ew.sub(b, a), sh.reshape(frac, tuple(shape))))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    from ..ops.index import index_select
    _check_tensor(input, "interpolate")
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(f"interpolate(): expected at least 3-d input [N, C, ...], got {list(input.shape)}")
    modes = {"nearest": None, "linear": 1, "bilinear": 2, "bicubic": None, "trilinear": 3, "nearest-exact": None}
    if mode not in ("nearest", "linear", "bilinear", "trilinear"):
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not supported (nearest, linear, bilinear, "
                                  f"trilinear)" if mode in modes else f"interpolate(): unknown mode {mode!r}")
    if modes[mode] is not None and modes[mode] != spatial:
        raise ValueError(f"interpolate(): mode {mode!r} expects a {modes[mode] + 2}-d input, got {list(input.shape)}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate(): align_corners can only be set with the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate(): give exactly one of size and scale_factor")
    in_sizes = input.shape[2:]
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
        scales = (None,) * spatial
    else:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * spatial
        sizes = tuple(int(math.floor(n * f)) for n, f in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * spatial
    if len(sizes) != spatial or min(sizes) < 1:
        raise ValueError(f"interpolate(): output size {sizes} does not fit input {list(input.shape)}")
    x = input
    for i, (out_size, scale) in enumerate(zip(sizes, scales)):
        dim = 2 + i
        if mode == "nearest":
            idx = _source_coords(out_size, in_sizes[i], scale, False, "nearest").long()
            x = index_select(x, dim, idx)
        else:
            x = _linear_axis(x, dim, out_size, scale, bool(align_corners))
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def multi_head_attention_forward(*args, **kwargs):
    """torch's functional form of MultiheadAttention (the module's own forward, in nn/modules/transformer.py)."""
    from .modules.transformer import multi_head_attention_forward as forward
    return forward(*args, **kwargs)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    from ..ops.index import index_select
    if input.dtype.category != 1:
        raise TypeError(f"embedding(): indices must be an integer tensor, got {input.dtype.name}")
    flat = sh.reshape(input, (-1,))
    n = weight.shape[0]
    from ..ops.reduce import any as any_
    if flat.numel() and any_(ew.logical_or(ew.lt(flat, 0), ew.ge(flat, n))).item():
        bad = flat[ew.logical_or(ew.lt(flat, 0), ew.ge(flat, n))][0].item()
        raise IndexError(f"embedding(): index {bad} is out of range for {n} embeddings")
    if padding_idx is not None and weight.requires_grad:
        # the padding row gets no gradient: route its lookups through a detached copy of the weight
        pad_idx = padding_idx % n
        rows = index_select(weight, 0, flat)
        fixed = index_select(weight.detach(), 0, flat)
        out = ew.where(sh.unsqueeze(ew.eq(flat, pad_idx), 1), fixed, rows)
    else:
        out = index_select(weight, 0, flat)
    return sh.reshape(out, tuple(input.shape) + (weight.shape[1],))


def one_hot(tensor, num_classes=-1):
    from ..ops.creation import arange
    if tensor.dtype is not dt.int64:
        raise RuntimeError(f"one_hot(): expected an int64 tensor, got {tensor.dtype.name}")
    if num_classes < 0:
        num_classes = int(rd.max(tensor).item()) + 1 if tensor.numel() else 0
    classes = arange(num_classes, device=tensor.device)
    return ew.eq(sh.unsqueeze(tensor, -1), classes).long()


# ---- losses
def _reduce_loss(loss, reduction, op):
    if reduction == "mean":
        return rd.mean(loss)
    if reduction == "sum":
        return rd.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}(): reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same(a, b, op):
    if tuple(a.shape) != tuple(b.shape):
        import warnings
        warnings.warn(f"{op}(): using a target size ({list(b.shape)}) that is different to the input size "
                      f"({list(a.shape)}); this will likely lead to incorrect results due to broadcasting",
                      stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    _check_same(input, target, "mse_loss")
    d = ew.sub(input, target)
    return _reduce_loss(ew.mul(d, d), reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    _check_same(input, target, "l1_loss")
    return _reduce_loss(ew.abs(ew.sub(input, target)), reduction, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    d = ew.abs(ew.sub(input, target))
    if beta == 0:
        return _reduce_loss(d, reduction, "smooth_l1_loss")
    loss = ew.where(ew.lt(d, beta), ew.div(ew.mul(ew.mul(d, d), 0.5), beta), ew.sub(d, 0.5 * beta))
    return _reduce_loss(loss, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    d = ew.abs(ew.sub(input, target))
    loss = ew.where(ew.lt(d, delta), ew.mul(ew.mul(d, d), 0.5), ew.mul(ew.sub(d, 0.5 * delta), delta))
    return _reduce_loss(loss, reduction, "huber_loss")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction="mean"):
    _check_tensor(input, "nll_loss")
    if input.ndim == 1:
        input, target = sh.unsqueeze(input, 0), sh.unsqueeze(target, 0)
    if target.dtype.category != 1:
        raise RuntimeError(f"nll_loss(): expected an integer target, got {target.dtype.name}")
    if input.ndim < 2 or tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        raise ValueError(f"nll_loss(): expected input [N, C, ...] and target [N, ...], got {list(input.shape)} and "
                         f"{list(target.shape)}")
    c = input.shape[1]
    target = target.long()
    valid = ew.ne(target, ignore_index)
    safe = ew.where(valid, target, 0)
    from ..ops.reduce import any as any_
    if safe.numel() and any_(ew.logical_or(ew.lt(safe, 0), ew.ge(safe, c))).item():
        bad = safe[ew.logical_or(ew.lt(safe, 0), ew.ge(safe, c))][0].item()
        raise IndexError(f"nll_loss(): target {bad} is out of bounds for {c} classes")
    picked = sh.squeeze(gather(input, 1, sh.unsqueeze(safe, 1)), 1)
    w = ew.where(valid, 1.0, 0.0) if weight is None else ew.where(valid, weight[safe], 0.0)
    w = w.to(input.dtype)
    loss = ew.neg(ew.mul(picked, w))
    if reduction == "mean":
        return ew.div(rd.sum(loss), rd.sum(w))
    return _reduce_loss(loss, reduction, "nll_loss")


def _fused_cross_entropy(input, target, ignore_index, reduction, label_smoothing):
    """Class-index cross-entropy as one fused log-softmax + NLL kernel forward and one kernel backward."""
    from ..tensor import empty
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    logits = sh.reshape(sh.movedim(input, 1, -1), (-1, c)) if input.ndim > 1 else sh.unsqueeze(input, 0)
    flat_target = sh.reshape(target, (-1,)).long()
    if flat_target.shape[0] != logits.shape[0]:
        raise ValueError(f"cross_entropy(): expected target of shape {[input.shape[0]] + list(input.shape[2:])}, "
                         f"got {list(target.shape)}")
    attrs = _core.CROSS_ENTROPY.pack(ignore_index, float(label_smoothing))
    rows = empty((logits.shape[0],), logits.dtype, logits.device, "cross_entropy")
    _core.run(OP.CROSS_ENTROPY, (logits, flat_target), (rows,), attrs, "cross_entropy")
    if needs_grad(logits):
        def rule(g):
            grad = empty(logits.shape, logits.dtype, logits.device, "cross_entropy_backward")
            _core.run(OP.CROSS_ENTROPY_BACKWARD, (logits, flat_target, g), (grad,), attrs, "cross_entropy")
            return grad
        record(rows, "CrossEntropyBackward", (logits,), rule)
    if reduction == "none":
        return sh.reshape(rows, tuple(target.shape))
    total = rd.sum(rows)
    if reduction == "sum":
        return total
    if reduction != "mean":
        raise ValueError(f"cross_entropy(): reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return ew.div(total, rd.sum(ew.ne(flat_target, ignore_index)).to(rows.dtype))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    _check_tensor(input, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy(): label_smoothing must be in [0, 1], got {label_smoothing}")
    if (weight is None and not target.dtype.is_floating_point and input.ndim >= 1
            and _core.supported(OP.CROSS_ENTROPY, input.device, input.dtype)):
        return _fused_cross_entropy(input, target, ignore_index, reduction, label_smoothing)
    logp = log_softmax(input, 1 if input.ndim > 1 else 0)
    if target.dtype.is_floating_point:  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise ValueError(f"cross_entropy(): probability target {list(target.shape)} must match input "
                             f"{list(input.shape)}")
        c = input.shape[1] if input.ndim > 1 else input.shape[0]
        if label_smoothing:
            target = ew.add(ew.mul(target, 1 - label_smoothing), label_smoothing / c)
        prod = ew.mul(logp, target)
        if weight is not None:
            prod = ew.mul(prod, sh.reshape(weight, (1, c) + (1,) * (input.ndim - 2)) if input.ndim > 1 else weight)
        loss = ew.neg(rd.sum(prod, 1 if input.ndim > 1 else 0))
        if reduction == "mean":
            return ew.div(rd.sum(loss), float(max(input.shape[0], 1)) if input.ndim > 1 else 1.0)
        return _reduce_loss(loss, reduction, "cross_entropy")
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    cls_dim = 1 if input.ndim > 1 else 0
    lp = logp if weight is None else ew.mul(logp, sh.reshape(weight, (1, c) + (1,) * (input.ndim - 2))
                                            if input.ndim > 1 else weight)
    smooth = ew.neg(rd.sum(lp, cls_dim))
    t = target if input.ndim > 1 else sh.unsqueeze(target, 0)
    valid = ew.ne(t, ignore_index).to(input.dtype)
    smooth = ew.mul(smooth if input.ndim > 1 else sh.unsqueeze(smooth, 0), valid)
    if reduction == "mean":
        if weight is None:
            denom = rd.sum(valid)
        else:
            denom = rd.sum(ew.mul(valid, weight[ew.where(ew.ne(t, ignore_index), t, 0)]))
        smooth = ew.div(rd.sum(smooth), denom)
    elif reduction == "sum":
        smooth = rd.sum(smooth)
    elif input.ndim == 1:
        smooth = sh.squeeze(smooth, 0)
    return ew.add(ew.mul(nll, 1 - label_smoothing), ew.mul(smooth, label_smoothing / c))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    _check_same(input, target, "binary_cross_entropy")
    # torch clamps the logs at -100 so that 0 and 1 give finite losses
    log_p = ew.clamp_min(ew.log(input), -100.0)
    log_1p = ew.clamp_min(ew.log(ew.rsub(input, 1.0)), -100.0)
    loss = ew.neg(ew.add(ew.mul(target, log_p), ew.mul(ew.rsub(target, 1.0), log_1p)))
    if weight is not None:
        loss = ew.mul(loss, weight)
    return _reduce_loss(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction="mean", pos_weight=None):
    _check_same(input, target, "binary_cross_entropy_with_logits")
    log_sig = logsigmoid(input)
    log_one_minus = logsigmoid(ew.neg(input))
    pos = ew.mul(target, log_sig)
    if pos_weight is not None:
        pos = ew.mul(pos, pos_weight)
    loss = ew.neg(ew.add(pos, ew.mul(ew.rsub(target, 1.0), log_one_minus)))
    if weight is not None:
        loss = ew.mul(loss, weight)
    return _reduce_loss(loss, reduction, "binary_cross_entropy_with_logits")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    if log_target:
        loss = ew.mul(ew.exp(target), ew.sub(target, input))
    else:
        loss = ew.where(ew.gt(target, 0), ew.mul(target, ew.sub(ew.log(ew.where(ew.gt(target, 0), target, 1.0)),
                                                                 input)), 0.0)
    if reduction == "batchmean":
        return ew.div(rd.sum(loss), float(input.shape[0]) if input.ndim else 1.0)
    return _reduce_loss(loss, reduction, "kl_div")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    dot = rd.sum(ew.mul(x1, x2), dim)
    n1 = ew.clamp_min(rd.norm(x1, 2, dim), eps)
    n2 = ew.clamp_min(rd.norm(x2, 2, dim), eps)
    return ew.div(dot, ew.mul(n1, n2))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,  # noqa: A002
                          reduction="mean"):
    cos = cosine_similarity(input1, input2, dim=-1)
    loss = ew.where(ew.eq(target, 1), ew.rsub(cos, 1.0), ew.clamp_min(ew.sub(cos, margin), 0.0))
    return _reduce_loss(loss, reduction, "cosine_embedding_loss")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return rd.norm(ew.add(ew.sub(x1, x2), eps), p, -1, keepdim)


def soft_margin_loss(input, target, reduction="mean"):  # noqa: A002
    return _reduce_loss(softplus(ew.neg(ew.mul(input, target))), reduction, "soft_margin_loss")


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    return _reduce_loss(ew.clamp_min(ew.add(ew.mul(ew.neg(target), ew.sub(input1, input2)), margin), 0.0),
                        reduction, "margin_ranking_loss")


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):  # noqa: A002
    loss = ew.where(ew.eq(target, 1), input, ew.clamp_min(ew.rsub(input, margin), 0.0))
    return _reduce_loss(loss, reduction, "hinge_embedding_loss")


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):  # noqa: A002
    if log_input:
        loss = ew.sub(ew.exp(input), ew.mul(target, input))
    else:
        loss = ew.sub(input, ew.mul(target, ew.log(ew.add(input, eps))))
    return _reduce_loss(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    v = ew.clamp_min(var, eps)
    loss = ew.mul(ew.add(ew.log(v), ew.div(ew.square(ew.sub(input, target)), v)), 0.5)
    if full:
        loss = ew.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce_loss(loss, reduction, "gaussian_nll_loss")


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "dt", "ew", "rd", "sh", "Tensor")]
