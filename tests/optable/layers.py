"""Rows of the layer ops of image and sequence models (conv, pooling, normalisation, attention, resampling,
lookups): strides, paddings, dilations, groups, odd sizes, batch 1, over nn.functional in both libraries.
Layer inputs are one case each; "distinct" values keep max pooling free of ties."""
from ._base import *  # noqa: F401,F403
from ._base import F32_64, F, op

_KIND = {"float": "any", "distinct": "distinct", "const": "const", "mask": "mask", "index7": "index7"}


def row(name, shapes, fn, kinds=None, grad=True, scale=10, **kw):
    """grad: True checks gradients against torch and finite differences, "torch" against torch only, False none."""
    kw.setdefault("layouts", ("contig", "T"))
    return op(name, fn, [tuple(shapes)], F32_64, domain=tuple(_KIND[k] for k in kinds or ("float",) * len(shapes)),
              scale=scale, grad=grad, **kw)


# ---- convolution: x, weight, bias
for name, xs, ws, kw in [
    ("basic", (2, 4, 7, 6), (6, 4, 3, 3), {}),
    ("stride2-pad1", (2, 4, 9, 8), (5, 4, 3, 3), dict(stride=2, padding=1)),
    ("stride21-pad12", (1, 3, 8, 9), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 2))),
    ("dilation2", (2, 3, 9, 9), (4, 3, 3, 3), dict(dilation=2, padding=2)),
    ("groups2", (2, 4, 6, 7), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ("depthwise", (2, 4, 6, 6), (8, 1, 3, 3), dict(groups=4, padding=1)),
    ("same-even", (2, 3, 7, 6), (4, 3, 4, 2), dict(padding="same")),
    ("same-dilated", (1, 3, 8, 8), (2, 3, 3, 3), dict(padding="same", dilation=2)),
    ("valid-1x1", (3, 5, 4, 4), (2, 5, 1, 1), dict(padding="valid")),
    ("kernel-eq-input", (2, 2, 3, 3), (3, 2, 3, 3), {}),
    ("stride-gt-kernel", (2, 2, 9, 9), (3, 2, 2, 2), dict(stride=3)),
]:
    row(f"conv2d-{name}", [xs, ws, (ws[0],)], lambda m, x, w, b, kw=kw: F(m).conv2d(x, w, b, **kw))
row("conv2d-nobias-unbatched", [(3, 6, 5), (4, 3, 3, 3)], lambda m, x, w: F(m).conv2d(x, w, padding=1))
for name, xs, ws, kw in [
    ("basic", (2, 3, 11), (4, 3, 3), {}),
    ("stride2-pad1-dil2", (2, 4, 13), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("same", (1, 3, 10), (2, 3, 4), dict(padding="same")),
]:
    row(f"conv1d-{name}", [xs, ws, (ws[0],)], lambda m, x, w, b, kw=kw: F(m).conv1d(x, w, b, **kw))
for name, xs, ws, kw in [
    ("basic", (2, 4, 5, 5), (4, 3, 3, 3), {}),
    ("stride2-pad1-outpad1", (2, 4, 4, 5), (4, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("groups2-dilation2", (1, 4, 5, 4), (4, 3, 3, 2), dict(groups=2, dilation=2)),
    ("stride3", (2, 2, 3, 3), (2, 3, 2, 2), dict(stride=3)),
]:
    row(f"conv_transpose2d-{name}", [xs, ws, (ws[1] * kw.get("groups", 1),)],
        lambda m, x, w, b, kw=kw: F(m).conv_transpose2d(x, w, b, **kw))
row("conv_transpose1d", [(2, 4, 7), (4, 3, 3), (3,)],
    lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1))
row("unfold", [(2, 3, 6, 7)], lambda m, x: F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)))
row("fold", [(2, 12, 12)], lambda m, x: F(m).fold(x, (5, 6), 2, padding=1, stride=2))

# ---- pooling (distinct values: no ties for the max)
for name, xs, kw in [
    ("k3s2p1", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("k2", (1, 2, 6, 7), dict(kernel_size=2)),
    ("ceil", (2, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("dilation", (2, 2, 9, 9), dict(kernel_size=2, stride=1, dilation=2, padding=1)),
    ("rect", (2, 3, 8, 9), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))),
]:
    row(f"max_pool2d-{name}", [xs], lambda m, x, kw=kw: F(m).max_pool2d(x, **kw), ("distinct",))
    row(f"avg_pool2d-{name}", [xs], lambda m, x, kw=kw: F(m).avg_pool2d(
        x, **{k: v for k, v in kw.items() if k != "dilation"}))
row("max_pool2d-indices", [(2, 2, 6, 6)], lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True)[1].float(),
    ("distinct",), grad=False)
row("max_pool1d", [(2, 3, 11)], lambda m, x: F(m).max_pool1d(x, 3, 2, 1), ("distinct",))
row("avg_pool2d-exclude-pad", [(2, 2, 7, 6)], lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, count_include_pad=False,
                                                                        ceil_mode=True))
row("avg_pool2d-divisor", [(2, 2, 6, 6)], lambda m, x: F(m).avg_pool2d(x, 2, divisor_override=3))
row("avg_pool1d", [(2, 3, 10)], lambda m, x: F(m).avg_pool1d(x, 4, 3, 2, count_include_pad=False))
row("adaptive_avg_pool2d", [(2, 3, 7, 6)], lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 4)))
row("adaptive_avg_pool2d-none", [(2, 3, 7, 6)], lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 1)))
row("adaptive_avg_pool2d-global", [(2, 5, 4, 4)], lambda m, x: F(m).adaptive_avg_pool2d(x, 1))
row("adaptive_avg_pool1d", [(2, 3, 10)], lambda m, x: F(m).adaptive_avg_pool1d(x, 4))
row("adaptive_max_pool2d", [(2, 3, 7, 9)], lambda m, x: F(m).adaptive_max_pool2d(x, (3, 4)), ("distinct",))
row("adaptive_max_pool1d", [(2, 3, 10)], lambda m, x: F(m).adaptive_max_pool1d(x, 3), ("distinct",))

# ---- normalisation
row("layer_norm", [(3, 5, 8), (8,), (8,)], lambda m, x, w, b: F(m).layer_norm(x, (8,), w, b))
row("layer_norm-2d", [(3, 4, 5), (4, 5), (4, 5)], lambda m, x, w, b: F(m).layer_norm(x, (4, 5), w, b, eps=1e-3))
row("layer_norm-noaffine", [(6, 1)], lambda m, x: F(m).layer_norm(x, (1,)))
row("layer_norm-empty-rows", [(0, 4), (4,)], lambda m, x, w: F(m).layer_norm(x, (4,), w))
row("layer_norm-empty-shape", [(2, 0)], lambda m, x: F(m).layer_norm(x, (0,)), grad=False)
row("rms_norm", [(3, 5, 8), (8,)], lambda m, x, w: F(m).rms_norm(x, (8,), w))
row("group_norm", [(2, 6, 4, 3), (6,), (6,)], lambda m, x, w, b: F(m).group_norm(x, 3, w, b))
row("group_norm-1d", [(3, 4, 5)], lambda m, x: F(m).group_norm(x, 2))
row("instance_norm", [(2, 3, 5, 4), (3,), (3,)], lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b),
    empty=False)  # torch 2.13 fails inside on an empty batch (IndexError from a select)
row("batch_norm-train", [(4, 3, 5, 4), (3,), (3,)],
    lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True))
row("batch_norm-train-1d", [(6, 5), (5,), (5,)], lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True))
row("batch_norm-eval", [(4, 3, 5), (3,), (3,), (3,), (3,)],
    lambda m, x, rm, rv, w, b: F(m).batch_norm(x, rm, rv.abs() + 0.5, w, b, training=False),
    ("float", "const", "const", "float", "float"))

# ---- attention: q, k, v (and a mask)
for name, shapes, kw in [
    ("basic", [(2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 6)], {}),
    ("causal-LltS", [(2, 2, 4, 8), (2, 2, 9, 8), (2, 2, 9, 8)], dict(is_causal=True)),
    ("causal-LgtS", [(1, 2, 9, 4), (1, 2, 5, 4), (1, 2, 5, 4)], dict(is_causal=True)),
    ("scale", [(2, 5, 8), (2, 6, 8), (2, 6, 3)], dict(scale=0.3)),
    ("L1", [(2, 2, 1, 16), (2, 2, 9, 16), (2, 2, 9, 16)], {}),
    ("S1", [(2, 2, 5, 16), (2, 2, 1, 16), (2, 2, 1, 16)], {}),
    ("odd", [(1, 1, 37, 24), (1, 1, 53, 24), (1, 1, 53, 20)], {}),
]:
    row(f"sdpa-{name}", shapes, lambda m, q, k, v, kw=kw: F(m).scaled_dot_product_attention(q, k, v, **kw))
row("sdpa-float-mask", [(2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8), (5, 6)],
    lambda m, q, k, v, mask: F(m).scaled_dot_product_attention(q, k, v, attn_mask=mask),
    ("float", "float", "float", "const"))
row("sdpa-bool-mask", [(2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8), (2, 1, 5, 6)],
    lambda m, q, k, v, mask: F(m).scaled_dot_product_attention(q, k, v, attn_mask=mask),
    ("float", "float", "float", "mask"))

# ---- resampling and lookups
row("interpolate-nearest", [(2, 3, 4, 5)], lambda m, x: F(m).interpolate(x, scale_factor=2))
row("interpolate-nearest-size", [(2, 3, 4, 5)], lambda m, x: F(m).interpolate(x, size=(7, 3)))
row("interpolate-bilinear", [(2, 3, 4, 5)], lambda m, x: F(m).interpolate(x, size=(7, 8), mode="bilinear"))
row("interpolate-bilinear-corners", [(2, 3, 4, 5)],
    lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))
row("interpolate-linear", [(2, 3, 5)], lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="linear"))
row("pixel_shuffle", [(2, 8, 3, 4)], lambda m, x: F(m).pixel_shuffle(x, 2))
row("pixel_unshuffle", [(2, 2, 4, 6)], lambda m, x: F(m).pixel_unshuffle(x, 2),
    empty=False)  # torch 2.13 returns an empty batch unchanged, of the input's shape
row("embedding", [(2, 5), (7, 4)], lambda m, i, w: F(m).embedding(i, w), ("index7", "float"))
# the padding row gets no gradient by definition, so finite differences disagree: torch is the reference
row("embedding-padding", [(3, 4), (7, 4)], lambda m, i, w: F(m).embedding(i, w, padding_idx=2), ("index7", "float"),
    grad="torch")
row("pad-reflect", [(2, 3, 5, 6)], lambda m, x: F(m).pad(x, (2, 1, 1, 3), mode="reflect"))
row("pad-replicate", [(2, 3, 5)], lambda m, x: F(m).pad(x, (3, 2), mode="replicate"))
row("pad-circular", [(2, 3, 5, 4)], lambda m, x: F(m).pad(x, (1, 2, 2, 1), mode="circular"))


def _causal_attention(m, q, k, v):
    scores = (q @ k.transpose(-2, -1)) / q.shape[-1] ** 0.5
    keep = m.ones(q.shape[-2], k.shape[-2], dtype=m.bool).tril()
    return scores.masked_fill(~keep, float("-inf")).softmax(-1) @ v


# ---- second derivatives (small cases: the Hessian-vector products are checked by finite differences too)
for _name, _shapes, _fn in [
    ("conv2d-2nd", [(1, 2, 4, 4), (2, 2, 3, 3)], lambda m, x, w: F(m).conv2d(x, w, padding=1, stride=2)),
    ("conv_transpose2d-2nd", [(1, 2, 3, 3), (2, 1, 2, 2)], lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2)),
    ("avg_pool2d-2nd", [(1, 2, 4, 5)], lambda m, x: F(m).avg_pool2d(x, 2, 1, 1)),
    ("max_pool2d-2nd", [(1, 2, 4, 5)], lambda m, x: F(m).max_pool2d(x, 2, 1, 1)),
    ("layer_norm-2nd", [(3, 5), (5,)], lambda m, x, w: F(m).layer_norm(x, (5,), w)),
    ("batch_norm-2nd", [(4, 3, 2)], lambda m, x: F(m).batch_norm(x, None, None, training=True)),
    ("rms_norm-2nd", [(3, 5)], lambda m, x: F(m).rms_norm(x, (5,))),
    ("sdpa-2nd", [(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3)],
     lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v)),
    ("sdpa-causal-2nd", [(1, 1, 4, 2), (1, 1, 4, 2), (1, 1, 4, 2)],
     lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, is_causal=True)),
]:
    row(_name, _shapes, _fn, ("distinct",) + ("float",) * (len(_shapes) - 1) if "max_pool" in _name else None,
        gradgrad=True, op=_name.split("-")[0],
        # torch's CPU kernel for causal attention has no second derivative: its reference is the maths
        torch_fn=_causal_attention if _name == "sdpa-causal-2nd" else None)
