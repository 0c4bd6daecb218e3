"""Losses, each composed from the ops (cross-entropy over class indices is one fused kernel each way). The
reduction argument is torch's: 'mean', 'sum' or 'none'."""
import math
import warnings

from .. import _core
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from . import reduce as rd
from . import shape as sh
from .activation import logsigmoid
from .index import gather
from .linalg import cosine_similarity


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): expected a tensor, got {type(x).__name__}")


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
        warnings.warn(f"{op}(): using a target size ({list(b.shape)}) that is different to the input size "
                      f"({list(a.shape)}); this will likely lead to incorrect results due to broadcasting",
                      stacklevel=3)


@_core.reports_as("mse_loss")
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    _check_same(input, target, "mse_loss")
    d = ew.sub(input, target)
    return _reduce_loss(ew.mul(d, d), reduction, "mse_loss")


@_core.reports_as("l1_loss")
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    _check_same(input, target, "l1_loss")
    return _reduce_loss(ew.abs(ew.sub(input, target)), reduction, "l1_loss")


@_core.reports_as("smooth_l1_loss")
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    d = ew.abs(ew.sub(input, target))
    if beta == 0:
        return _reduce_loss(d, reduction, "smooth_l1_loss")
    loss = ew.where(ew.lt(d, beta), ew.div(ew.mul(ew.mul(d, d), 0.5), beta), ew.sub(d, 0.5 * beta))
    return _reduce_loss(loss, reduction, "smooth_l1_loss")


@_core.reports_as("huber_loss")
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    d = ew.abs(ew.sub(input, target))
    loss = ew.where(ew.lt(d, delta), ew.mul(ew.mul(d, d), 0.5), ew.mul(ew.sub(d, 0.5 * delta), delta))
    return _reduce_loss(loss, reduction, "huber_loss")


@_core.reports_as("nll_loss")
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
    if safe.numel() and rd.any(ew.logical_or(ew.lt(safe, 0), ew.ge(safe, c))).item():
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


@_core.reports_as("cross_entropy")
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    _check_tensor(input, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy(): label_smoothing must be in [0, 1], got {label_smoothing}")
    if (weight is None and not target.dtype.is_floating_point and input.ndim >= 1
            and _core.supported(OP.CROSS_ENTROPY, input.device, input.dtype)):
        return _fused_cross_entropy(input, target, ignore_index, reduction, label_smoothing)
    logp = rd.log_softmax(input, 1 if input.ndim > 1 else 0)
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


@_core.reports_as("binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    _check_same(input, target, "binary_cross_entropy")
    # torch clamps the logs at -100 so that 0 and 1 give finite losses
    log_p = ew.clamp_min(ew.log(input), -100.0)
    log_1p = ew.clamp_min(ew.log(ew.rsub(input, 1.0)), -100.0)
    loss = ew.neg(ew.add(ew.mul(target, log_p), ew.mul(ew.rsub(target, 1.0), log_1p)))
    if weight is not None:
        loss = ew.mul(loss, weight)
    return _reduce_loss(loss, reduction, "binary_cross_entropy")


@_core.reports_as("binary_cross_entropy_with_logits")
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


@_core.reports_as("kl_div")
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    if log_target:
        loss = ew.mul(ew.exp(target), ew.sub(target, input))
    else:
        loss = ew.where(ew.gt(target, 0), ew.mul(target, ew.sub(ew.log(ew.where(ew.gt(target, 0), target, 1.0)),
                                                                 input)), 0.0)
    if reduction == "batchmean":
        return ew.div(rd.sum(loss), float(input.shape[0]) if input.ndim else 1.0)
    return _reduce_loss(loss, reduction, "kl_div")


@_core.reports_as("cosine_embedding_loss")
def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,  # noqa: A002
                          reduction="mean"):
    cos = cosine_similarity(input1, input2, dim=-1)
    loss = ew.where(ew.eq(target, 1), ew.rsub(cos, 1.0), ew.clamp_min(ew.sub(cos, margin), 0.0))
    return _reduce_loss(loss, reduction, "cosine_embedding_loss")


@_core.reports_as("soft_margin_loss")
def soft_margin_loss(input, target, reduction="mean"):  # noqa: A002
    return _reduce_loss(ew.softplus(ew.neg(ew.mul(input, target))), reduction, "soft_margin_loss")


@_core.reports_as("margin_ranking_loss")
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    return _reduce_loss(ew.clamp_min(ew.add(ew.mul(ew.neg(target), ew.sub(input1, input2)), margin), 0.0),
                        reduction, "margin_ranking_loss")


@_core.reports_as("hinge_embedding_loss")
def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):  # noqa: A002
    loss = ew.where(ew.eq(target, 1), input, ew.clamp_min(ew.rsub(input, margin), 0.0))
    return _reduce_loss(loss, reduction, "hinge_embedding_loss")


@_core.reports_as("poisson_nll_loss")
def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):  # noqa: A002
    if log_input:
        loss = ew.sub(ew.exp(input), ew.mul(target, input))
    else:
        loss = ew.sub(input, ew.mul(target, ew.log(ew.add(input, eps))))
    return _reduce_loss(loss, reduction, "poisson_nll_loss")


@_core.reports_as("gaussian_nll_loss")
def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    v = ew.clamp_min(var, eps)
    loss = ew.mul(ew.add(ew.log(v), ew.div(ew.square(ew.sub(input, target)), v)), 0.5)
    if full:
        loss = ew.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce_loss(loss, reduction, "gaussian_nll_loss")
