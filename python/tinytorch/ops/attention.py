"""scaled_dot_product_attention: one fused flash-style kernel forward (keeping the logsumexp of each query row) and
one backward that recomputes the probabilities block by block, so the L x S matrix never exists whole. Dropout,
a mask that needs its own gradient and create_graph take the composite path (matmul, softmax, matmul)."""
import math

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from .linalg import matmul
from .reduce import softmax
from .shape import broadcast_shapes, broadcast_to, reshape, transpose


def _additive(mask, dtype):
    """A boolean mask (True = may attend) as 0 / -inf; a float mask as it is."""
    if mask._dtype is dt.bool_:
        return ew.where(mask, 0.0, float("-inf")).to(dtype)
    return mask if mask._dtype is dtype else mask.to(dtype)


def _causal(length, source, device):
    from .creation import ones
    from .shape import tril
    return tril(ones((length, source), dtype=dt.bool_, device=device))


def _repeat_heads(t, r):
    """[..., Hk, S, E] -> [..., Hk*r, S, E], each head repeated r times in place (grouped-query attention)."""
    from .shape import unsqueeze
    wide = broadcast_to(unsqueeze(t, -3), t.shape[:-2] + (r,) + t.shape[-2:], "scaled_dot_product_attention")
    return reshape(wide, t.shape[:-3] + (t.shape[-3] * r,) + t.shape[-2:])


def _composite(q, k, v, mask, dropout_p, scale):
    from .random import rand
    scores = ew.mul(matmul(q, transpose(k, -2, -1)), scale)
    if mask is not None:
        scores = ew.add(scores, mask)
    p = softmax(scores, -1)
    if dropout_p > 0.0:
        keep = ew.ge(rand(p.shape, dtype=p.dtype, device=p.device), dropout_p)
        p = ew.mul(ew.where(keep, p, 0.0), 1.0 / (1.0 - dropout_p))
    return matmul(p, v)


def _as_4d(t, batch, tail):
    """Broadcast to batch + tail and view as [B, H, ...]: two batch dims stay as they are (strides kept)."""
    t = broadcast_to(t, batch + tail, "scaled_dot_product_attention")
    if len(batch) == 2:
        return t
    lead = 1
    for s in batch:
        lead *= s
    return reshape(t, (lead, 1) + tail)


def _fused(q, k, v, mask, causal, scale, batch):
    L, E = q._shape[-2:]
    S, D = v._shape[-2:]
    q4, k4, v4 = _as_4d(q, batch, (L, E)), _as_4d(k, batch, (S, E)), _as_4d(v, batch, (S, D))
    if mask is None:
        from .creation import zeros
        mask4 = broadcast_to(zeros((1, 1, 1, 1), dtype=q.dtype, device=q.device), q4._shape[:3] + (S,))
    else:
        mask4 = _as_4d(mask, batch, (L, S))
    bh = q4._shape[:2]
    out = empty(bh + (L, D), q._dtype, q._device, "scaled_dot_product_attention")
    lse = empty(bh + (L,), q._dtype, q._device, "scaled_dot_product_attention")
    attrs = _core.ATTENTION.pack(float(scale), int(causal))
    _core.run(OP.ATTENTION, (q4, k4, v4, mask4), (out, lse), attrs, "scaled_dot_product_attention")
    if needs_grad(q4, k4, v4):
        record(out, "ScaledDotProductAttentionBackward", (q4, k4, v4),
               lambda g, *saved: _fused_grad(g, attrs, *saved), (q4, k4, v4, mask4, out, lse))
    return reshape(out, batch + (L, D))


def _composite_grad(g, q, k, v, mask, attrs):
    """The attention gradients written with matmul and softmax, so autograd can differentiate them again."""
    from .reduce import sum as sum_
    scale, causal = _core.ATTENTION.unpack(attrs)
    if causal:
        mask = _additive(_causal(q._shape[-2], k._shape[-2], q.device), q._dtype)
    p = softmax(ew.add(ew.mul(matmul(q, transpose(k, -2, -1)), scale), mask), -1)
    dv = matmul(transpose(p, -2, -1), g)
    dp = matmul(g, transpose(v, -2, -1))
    ds = ew.mul(p, ew.sub(dp, sum_(ew.mul(dp, p), -1, keepdim=True)))
    dq = ew.mul(matmul(ds, k), scale)
    dk = ew.mul(matmul(transpose(ds, -2, -1), q), scale)
    return dq, dk, dv


def _fused_grad(g, attrs, q, k, v, mask, out, lse):
    if needs_grad(g, q, k, v):  # create_graph: the same maths in differentiable ops
        return _composite_grad(g, q, k, v, mask, attrs)
    grads = tuple(empty(t._shape, t._dtype, t._device, "scaled_dot_product_attention") for t in (q, k, v))
    _core.run(OP.ATTENTION_BACKWARD, (q, k, v, mask, out, lse, g.contiguous()), grads, attrs,
              "scaled_dot_product_attention")
    return grads


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"{op}(): {name} must have at least 2 dims, got {list(t.shape)}")
    if attn_mask is not None and is_causal:
        raise RuntimeError(f"{op}(): attn_mask and is_causal cannot both be set")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}(): dropout_p must be in [0, 1), got {dropout_p}")
    L, E = query.shape[-2:]
    S = key.shape[-2]
    if key.shape[-1] != E or value.shape[-2] != S:
        raise RuntimeError(f"{op}(): query {list(query.shape)}, key {list(key.shape)} and value {list(value.shape)} "
                           f"do not agree (need query [..., L, E], key [..., S, E], value [..., S, Ev])")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise RuntimeError(f"{op}(): {hq} query heads cannot share {hk} key/value heads")
        key, value = (_repeat_heads(t, hq // hk) for t in (key, value))
    dtype = dt.promote(dt.promote(query._dtype, key._dtype), value._dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"{op}(): takes floating dtypes, not {dtype.name}")
    compute = dt.float32 if dtype in (dt.float16, dt.bfloat16) else dtype
    q, k, v = (t if t._dtype is compute else t.to(compute) for t in (query, key, value))
    def shapes_error():
        return RuntimeError(f"{op}(): query {list(query.shape)}, key {list(key.shape)}, value {list(value.shape)} and "
                            f"attn_mask {None if attn_mask is None else list(attn_mask.shape)} do not broadcast "
                            f"(the mask must broadcast to [..., {L}, {S}])")
    try:
        batch = broadcast_shapes(q._shape[:-2], k._shape[:-2], v._shape[:-2], op=op)
        mask = None if attn_mask is None else _additive(attn_mask, compute)
        if mask is not None:
            batch = broadcast_shapes(batch, mask._shape[:-2], op=op)
            mask_tail = broadcast_shapes(mask._shape[-2:], (L, S), op=op)
    except RuntimeError:
        raise shapes_error() from None
    if mask is not None and mask_tail != (L, S):
        raise shapes_error()
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    if dropout_p > 0.0 or (mask is not None and needs_grad(mask)) or \
            not _core.supported(OP.ATTENTION, q._device, q._dtype):
        if is_causal:
            mask = _additive(_causal(L, S, q.device), compute)
        out = _composite(q, k, v, mask, dropout_p, scale)
    else:
        out = _fused(q, k, v, mask, is_causal, scale, batch)
    return out if compute is dtype else out.to(dtype)
