"""scaled_dot_product_attention: one fused flash-style kernel forward (keeping the logsumexp of each query row) and
one backward that recomputes the probabilities block by block, so the L x S matrix never exists whole. Dropout,
a mask that needs its own gradient and create_graph take the composite path (matmul, softmax, matmul).
multi_head_attention_forward (torch.nn.MultiheadAttention's maths) and its mask helpers are built on it."""
import math
import warnings

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from .broadcast import broadcast_shapes, broadcast_to
from .creation import full, ones, zeros
from .dropout import dropout
from .linalg import linear, matmul, tril, triu
from .reduce import softmax, sum as sum_
from .shape import cat, pad, reshape, transpose, unsqueeze


def _additive(mask, dtype):
    """A boolean mask (True = may attend) as 0 / -inf; a float mask as it is."""
    if mask._dtype is dt.bool_:
        return ew.where(mask, 0.0, float("-inf")).to(dtype)
    return mask if mask._dtype is dtype else mask.to(dtype)


def _causal(length, source, device):
    return tril(ones((length, source), dtype=dt.bool_, device=device))


def _repeat_heads(t, r):
    """[..., Hk, S, E] -> [..., Hk*r, S, E], each head repeated r times in place (grouped-query attention)."""
    wide = broadcast_to(unsqueeze(t, -3), t.shape[:-2] + (r,) + t.shape[-2:], "scaled_dot_product_attention")
    return reshape(wide, t.shape[:-3] + (t.shape[-3] * r,) + t.shape[-2:])


def _composite(q, k, v, mask, dropout_p, scale):
    scores = ew.mul(matmul(q, transpose(k, -2, -1)), scale)
    if mask is not None:
        scores = ew.add(scores, mask)
    return matmul(dropout(softmax(scores, -1), dropout_p), v)


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


# ---- masks
def _canonical_mask(mask, mask_name, other, other_name, target_dtype, check_other=True):
    """A bool mask (True = not allowed) becomes an additive float mask of target_dtype (0 / -inf); a float mask is
    returned as it is."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype is not dt.bool and not is_float:
        raise TypeError(f"MultiheadAttention: only bool and floating types of {mask_name} are supported, got "
                        f"{mask.dtype.name}")
    if check_other and other is not None and other.dtype is not mask.dtype:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if not is_float:
        mask = zeros(tuple(mask.shape), dtype=target_dtype, device=mask.device).masked_fill(mask, float("-inf"))
    return mask


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The float causal mask: -inf above the diagonal, 0 on and below it."""
    dtype = dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)
    fill = True if dtype is dt.bool else float("-inf")  # a bool one (torch's -inf cast to bool): True above
    return triu(full((sz, sz), fill, dtype=dtype, device=device), 1)


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """is_causal when given; otherwise whether mask is exactly the square causal mask (as torch checks)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
        make_causal = tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())
    return make_causal


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise ValueError(f"MultiheadAttention: for batched (3-D) query, expected key and value to be 3-D but "
                             f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise ValueError(f"MultiheadAttention: for batched (3-D) query, expected key_padding_mask to be None or "
                             f"2-D but found a {key_padding_mask.ndim}-D tensor of shape "
                             f"{list(key_padding_mask.shape)}")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise RuntimeError(f"MultiheadAttention: for batched (3-D) query, expected attn_mask to be None, 2-D or "
                               f"3-D but found a {attn_mask.ndim}-D tensor of shape {list(attn_mask.shape)}")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise ValueError(f"MultiheadAttention: for unbatched (2-D) query, expected key and value to be 2-D but "
                             f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise ValueError(f"MultiheadAttention: for unbatched (2-D) query, expected key_padding_mask to be None "
                             f"or 1-D but found a {key_padding_mask.ndim}-D tensor of shape "
                             f"{list(key_padding_mask.shape)}")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise RuntimeError(f"MultiheadAttention: for unbatched (2-D) query, expected attn_mask to be None, "
                                   f"2-D or 3-D but found a {attn_mask.ndim}-D tensor of shape "
                                   f"{list(attn_mask.shape)}")
            expected = [num_heads, query.shape[0], key.shape[0]]
            if attn_mask.ndim == 3 and list(attn_mask.shape) != expected:
                raise RuntimeError(f"MultiheadAttention: expected the 3-D attn_mask of an unbatched query to have "
                                   f"shape {expected} but got {list(attn_mask.shape)}")
        return False
    raise ValueError(f"MultiheadAttention: query should be an unbatched 2-D or batched 3-D tensor but received a "
                     f"{query.ndim}-D tensor of shape {list(query.shape)}")


# ---- multi-head attention. Projections keep the heads in one [N, heads, L, head_dim] layout from the start,
# whichever of batch_first is used, so the only copies are the one after the packed in-projection and the one
# before the out-projection.
def _split_heads(x, chunks, num_heads, batch_first):
    """A projection [L, N, chunks*E] (or [N, L, chunks*E]) as [chunks, N, heads, L, head_dim], made contiguous."""
    if batch_first:
        n, length = x.shape[0], x.shape[1]
        x = x.reshape(n, length, chunks, num_heads, -1).permute(2, 0, 3, 1, 4)
    else:
        length, n = x.shape[0], x.shape[1]
        x = x.reshape(length, n, chunks, num_heads, -1).permute(2, 1, 3, 0, 4)
    return x.contiguous()


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False, batch_first=False):
    """torch.nn.functional.multi_head_attention_forward. query [L, N, E] (or [N, L, E] with batch_first, or [L, E]
    unbatched), key and value [S, N, kdim/vdim]; returns (output like query, weights [N, L, S] / [N, heads, L, S]
    or None)."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("MultiheadAttention: static_k / static_v are not supported")
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        q1 = query.unsqueeze(1)  # keep self-attention's identities (query is key is value) for the packed path
        k1 = q1 if key is query else key.unsqueeze(1)
        value = k1 if value is key else q1 if value is query else value.unsqueeze(1)
        query, key = q1, k1
        batch_first = False
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if batch_first:
        bsz, tgt_len, embed_dim = query.shape
        src_len = key.shape[1]
    else:
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
    if key.shape[0 if batch_first else 1] != bsz:
        raise ValueError(f"MultiheadAttention: query {list(query.shape)} and key {list(key.shape)} have different "
                         f"batch sizes")
    if tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise ValueError(f"MultiheadAttention: key's sequence and batch dims {list(key.shape[:2])} do not match "
                         f"value's {list(value.shape[:2])}")

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("MultiheadAttention: need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the kernel builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer the causal one

    if embed_dim != embed_dim_to_check:
        raise ValueError(f"MultiheadAttention: was expecting embedding dimension of {embed_dim_to_check}, but got "
                         f"query of shape {list(query.shape)}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} not divisible by num_heads {num_heads}")

    # ---- in-projection, straight into [N, heads, L, head_dim]
    if not use_separate_proj_weight:
        if tuple(key.shape) != tuple(value.shape):
            raise ValueError(f"MultiheadAttention: key shape {list(key.shape)} does not match value shape "
                             f"{list(value.shape)}")
        if key is value and query is key:  # self-attention: one matmul
            q, k, v = _split_heads(linear(query, in_proj_weight, in_proj_bias), 3, num_heads, batch_first)
        elif key is value:  # encoder-decoder attention: one matmul for key and value
            w_q, w_kv = in_proj_weight.split([embed_dim, 2 * embed_dim])
            b_q, b_kv = in_proj_bias.split([embed_dim, 2 * embed_dim]) if in_proj_bias is not None else (None, None)
            q = _split_heads(linear(query, w_q, b_q), 1, num_heads, batch_first)[0]
            k, v = _split_heads(linear(key, w_kv, b_kv), 2, num_heads, batch_first)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
            q = _split_heads(linear(query, w_q, b_q), 1, num_heads, batch_first)[0]
            k = _split_heads(linear(key, w_k, b_k), 1, num_heads, batch_first)[0]
            v = _split_heads(linear(value, w_v, b_v), 1, num_heads, batch_first)[0]
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError("MultiheadAttention: use_separate_proj_weight needs q_proj_weight, k_proj_weight and "
                             "v_proj_weight")
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
        q = _split_heads(linear(query, q_proj_weight, b_q), 1, num_heads, batch_first)[0]
        k = _split_heads(linear(key, k_proj_weight, b_k), 1, num_heads, batch_first)[0]
        v = _split_heads(linear(value, v_proj_weight, b_v), 1, num_heads, batch_first)[0]

    # ---- attn_mask: [L, S] -> [1, 1, L, S]; [N*heads, L, S] -> [N, heads, L, S]
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"MultiheadAttention: the shape of the 2D attn_mask is {list(attn_mask.shape)}, "
                                   f"but should be {[tgt_len, src_len]}")
            attn_mask = attn_mask.reshape(1, 1, tgt_len, src_len)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"MultiheadAttention: the shape of the 3D attn_mask is {list(attn_mask.shape)}, "
                                   f"but should be {[bsz * num_heads, tgt_len, src_len]}")
            attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise RuntimeError(f"MultiheadAttention: attn_mask's dimension {attn_mask.ndim} is not supported")
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape {[bsz, src_len]} (batch, "
                             f"source length), but got {list(key_padding_mask.shape)}")

    # ---- extra key/value positions: the learnt bias_k/bias_v, then a zero one
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim)], 2)
        v = cat([v, bias_v.reshape(1, num_heads, 1, head_dim).expand(bsz, num_heads, 1, head_dim)], 2)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    elif bias_k is not None or bias_v is not None:
        raise ValueError("MultiheadAttention: bias_k and bias_v must be given together")
    if add_zero_attn:
        zero = zeros((bsz, num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k, v = cat([k, zero], 2), cat([v, zero], 2)
        attn_mask = pad(attn_mask, (0, 1)) if attn_mask is not None else None
        key_padding_mask = pad(key_padding_mask, (0, 1)) if key_padding_mask is not None else None
    src_len = k.shape[2]
    if key_padding_mask is not None:
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    weights = None
    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)).matmul(k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, True)  # torch returns the dropped-out weights too
        out = weights.matmul(v)
        if average_attn_weights:
            weights = weights.mean(1)
    else:
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, bool(is_causal))

    # ---- [N, heads, L, head_dim] -> the query's layout, then the out-projection
    if batch_first:
        out = out.permute(0, 2, 1, 3).reshape(bsz, tgt_len, embed_dim)
    else:
        out = out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not is_batched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights
