"""The layer ops of image and sequence models (conv, pooling, normalisation, attention, resampling) against PyTorch,
forward and backward, over strides, paddings, dilations, groups, odd sizes, batch 1 and non-contiguous inputs;
and against float64 finite differences. One row per case: the input shapes, the op as fn(F, *inputs) where F is
torch.nn.functional or tinytorch.nn.functional, and how the inputs are made."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinytorch as tt
import tinytorch.nn.functional as F
from tinytorch.autograd import gradcheck

ROWS = []


def row(name, shapes, fn, kinds=None, noncontig=True, tol=1e-5, grad=True):
    """grad: True checks gradients against torch and finite differences, "torch" against torch only, False not."""
    ROWS.append(pytest.param(shapes, fn, kinds or ("float",) * len(shapes), noncontig, tol, grad, id=name))


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
    row(f"conv2d-{name}", [xs, ws, (ws[0],)], lambda m, x, w, b, kw=kw: m.conv2d(x, w, b, **kw))
row("conv2d-nobias-unbatched", [(3, 6, 5), (4, 3, 3, 3)], lambda m, x, w: m.conv2d(x, w, padding=1))
for name, xs, ws, kw in [
    ("basic", (2, 3, 11), (4, 3, 3), {}),
    ("stride2-pad1-dil2", (2, 4, 13), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ("same", (1, 3, 10), (2, 3, 4), dict(padding="same")),
]:
    row(f"conv1d-{name}", [xs, ws, (ws[0],)], lambda m, x, w, b, kw=kw: m.conv1d(x, w, b, **kw))
for name, xs, ws, kw in [
    ("basic", (2, 4, 5, 5), (4, 3, 3, 3), {}),
    ("stride2-pad1-outpad1", (2, 4, 4, 5), (4, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ("groups2-dilation2", (1, 4, 5, 4), (4, 3, 3, 2), dict(groups=2, dilation=2)),
    ("stride3", (2, 2, 3, 3), (2, 3, 2, 2), dict(stride=3)),
]:
    row(f"conv_transpose2d-{name}", [xs, ws, (ws[1] * kw.get("groups", 1),)],
        lambda m, x, w, b, kw=kw: m.conv_transpose2d(x, w, b, **kw))
row("conv_transpose1d", [(2, 4, 7), (4, 3, 3), (3,)],
    lambda m, x, w, b: m.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1))
row("unfold", [(2, 3, 6, 7)], lambda m, x: m.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)))
row("fold", [(2, 12, 12)], lambda m, x: m.fold(x, (5, 6), 2, padding=1, stride=2))

# ---- pooling (distinct values: no ties for the max)
for name, xs, kw in [
    ("k3s2p1", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("k2", (1, 2, 6, 7), dict(kernel_size=2)),
    ("ceil", (2, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("dilation", (2, 2, 9, 9), dict(kernel_size=2, stride=1, dilation=2, padding=1)),
    ("rect", (2, 3, 8, 9), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))),
]:
    row(f"max_pool2d-{name}", [xs], lambda m, x, kw=kw: m.max_pool2d(x, **kw), ("distinct",))
    row(f"avg_pool2d-{name}", [xs], lambda m, x, kw=kw: m.avg_pool2d(
        x, **{k: v for k, v in kw.items() if k != "dilation"}))
row("max_pool2d-indices", [(2, 2, 6, 6)], lambda m, x: m.max_pool2d(x, 3, 2, 1, return_indices=True)[1].float(),
    ("distinct",), grad=False)
row("max_pool1d", [(2, 3, 11)], lambda m, x: m.max_pool1d(x, 3, 2, 1), ("distinct",))
row("avg_pool2d-exclude-pad", [(2, 2, 7, 6)], lambda m, x: m.avg_pool2d(x, 3, 2, 1, count_include_pad=False,
                                                                        ceil_mode=True))
row("avg_pool2d-divisor", [(2, 2, 6, 6)], lambda m, x: m.avg_pool2d(x, 2, divisor_override=3))
row("avg_pool1d", [(2, 3, 10)], lambda m, x: m.avg_pool1d(x, 4, 3, 2, count_include_pad=False))
row("adaptive_avg_pool2d", [(2, 3, 7, 6)], lambda m, x: m.adaptive_avg_pool2d(x, (3, 4)))
row("adaptive_avg_pool2d-none", [(2, 3, 7, 6)], lambda m, x: m.adaptive_avg_pool2d(x, (None, 1)))
row("adaptive_avg_pool2d-global", [(2, 5, 4, 4)], lambda m, x: m.adaptive_avg_pool2d(x, 1))
row("adaptive_avg_pool1d", [(2, 3, 10)], lambda m, x: m.adaptive_avg_pool1d(x, 4))
row("adaptive_max_pool2d", [(2, 3, 7, 9)], lambda m, x: m.adaptive_max_pool2d(x, (3, 4)), ("distinct",))
row("adaptive_max_pool1d", [(2, 3, 10)], lambda m, x: m.adaptive_max_pool1d(x, 3), ("distinct",))

# ---- normalisation
row("layer_norm", [(3, 5, 8), (8,), (8,)], lambda m, x, w, b: m.layer_norm(x, (8,), w, b))
row("layer_norm-2d", [(3, 4, 5), (4, 5), (4, 5)], lambda m, x, w, b: m.layer_norm(x, (4, 5), w, b, eps=1e-3))
row("layer_norm-noaffine", [(6, 1)], lambda m, x: m.layer_norm(x, (1,)))
row("layer_norm-empty-rows", [(0, 4), (4,)], lambda m, x, w: m.layer_norm(x, (4,), w))
row("layer_norm-empty-shape", [(2, 0)], lambda m, x: m.layer_norm(x, (0,)), grad=False)
row("rms_norm", [(3, 5, 8), (8,)], lambda m, x, w: m.rms_norm(x, (8,), w))
row("group_norm", [(2, 6, 4, 3), (6,), (6,)], lambda m, x, w, b: m.group_norm(x, 3, w, b))
row("group_norm-1d", [(3, 4, 5)], lambda m, x: m.group_norm(x, 2))
row("instance_norm", [(2, 3, 5, 4), (3,), (3,)], lambda m, x, w, b: m.instance_norm(x, weight=w, bias=b))
row("batch_norm-train", [(4, 3, 5, 4), (3,), (3,)],
    lambda m, x, w, b: m.batch_norm(x, None, None, w, b, training=True))
row("batch_norm-train-1d", [(6, 5), (5,), (5,)], lambda m, x, w, b: m.batch_norm(x, None, None, w, b, training=True))
row("batch_norm-eval", [(4, 3, 5), (3,), (3,), (3,), (3,)],
    lambda m, x, rm, rv, w, b: m.batch_norm(x, rm, rv.abs() + 0.5, w, b, training=False),
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
    row(f"sdpa-{name}", shapes, lambda m, q, k, v, kw=kw: m.scaled_dot_product_attention(q, k, v, **kw))
row("sdpa-float-mask", [(2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8), (5, 6)],
    lambda m, q, k, v, mask: m.scaled_dot_product_attention(q, k, v, attn_mask=mask),
    ("float", "float", "float", "const"))
row("sdpa-bool-mask", [(2, 3, 5, 8), (2, 3, 6, 8), (2, 3, 6, 8), (2, 1, 5, 6)],
    lambda m, q, k, v, mask: m.scaled_dot_product_attention(q, k, v, attn_mask=mask),
    ("float", "float", "float", "mask"))

# ---- resampling and lookups
row("interpolate-nearest", [(2, 3, 4, 5)], lambda m, x: m.interpolate(x, scale_factor=2))
row("interpolate-nearest-size", [(2, 3, 4, 5)], lambda m, x: m.interpolate(x, size=(7, 3)))
row("interpolate-bilinear", [(2, 3, 4, 5)], lambda m, x: m.interpolate(x, size=(7, 8), mode="bilinear"))
row("interpolate-bilinear-corners", [(2, 3, 4, 5)],
    lambda m, x: m.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))
row("interpolate-linear", [(2, 3, 5)], lambda m, x: m.interpolate(x, scale_factor=1.5, mode="linear"))
row("pixel_shuffle", [(2, 8, 3, 4)], lambda m, x: m.pixel_shuffle(x, 2))
row("pixel_unshuffle", [(2, 2, 4, 6)], lambda m, x: m.pixel_unshuffle(x, 2))
row("embedding", [(2, 5), (7, 4)], lambda m, i, w: m.embedding(i, w), ("index7", "float"))
# the padding row gets no gradient by definition, so finite differences disagree: torch is the reference
row("embedding-padding", [(3, 4), (7, 4)], lambda m, i, w: m.embedding(i, w, padding_idx=2), ("index7", "float"),
    grad="torch")
row("pad-reflect", [(2, 3, 5, 6)], lambda m, x: m.pad(x, (2, 1, 1, 3), mode="reflect"))
row("pad-replicate", [(2, 3, 5)], lambda m, x: m.pad(x, (3, 2), mode="replicate"))
row("pad-circular", [(2, 3, 5, 4)], lambda m, x: m.pad(x, (1, 2, 2, 1), mode="circular"))


def make(shape, kind, rng, dtype):
    if kind == "distinct":
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) - n / 2) / n * 4
    if kind == "mask":
        return rng.random(shape) < 0.7
    if kind == "index7":
        a = rng.integers(0, 7, shape)
        a.flat[0] = 2  # the padding row appears
        return a
    return rng.standard_normal(shape)


def inputs(shapes, kinds, dtype, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for shape, kind in zip(shapes, kinds):
        a = make(shape, kind, rng, dtype)
        out.append(a if a.dtype.kind in "bi" else a.astype(dtype))
    return out


def differentiable(kind):
    return kind in ("float", "distinct")


def to_tt(a, kind, noncontig):
    """A tinytorch tensor of a; noncontig: a transposed view of a buffer laid out the other way round."""
    if noncontig and a.ndim >= 2:
        t = tt.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
    else:
        t = tt.tensor(a)
    return t.requires_grad_() if differentiable(kind) else t


def to_torch(a, kind):
    t = torch.from_numpy(a.copy())
    return t.requires_grad_() if differentiable(kind) else t


def first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("shapes,fn,kinds,noncontig,tol,grad", ROWS)
@pytest.mark.parametrize("layout", ["contig", "transposed"])
def test_forward_backward_vs_torch(shapes, fn, kinds, noncontig, tol, grad, layout):
    if layout == "transposed" and not noncontig:
        pytest.skip("contiguous only")
    arrays = inputs(shapes, kinds, np.float32)
    tins = [to_tt(a, k, layout == "transposed") for a, k in zip(arrays, kinds)]
    pins = [to_torch(a, k) for a, k in zip(arrays, kinds)]
    got, want = first(fn(F, *tins)), first(fn(TF, *pins))
    assert tuple(got.shape) == tuple(want.shape)
    scale = max(1.0, float(want.detach().abs().max())) if want.numel() else 1.0
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol, atol=tol * scale)
    if not grad or not want.requires_grad:
        return
    upstream = np.random.default_rng(1).standard_normal(tuple(want.shape)).astype(np.float32)
    (got * tt.tensor(upstream)).sum().backward()
    (want * torch.from_numpy(upstream)).sum().backward()
    for i, (t, p) in enumerate(zip(tins, pins)):
        if p.grad is None:
            continue
        assert t.grad is not None, f"input {i} got no gradient"
        gscale = max(1.0, float(p.grad.abs().max())) if p.grad.numel() else 1.0
        np.testing.assert_allclose(t.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-4 * gscale,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("shapes,fn,kinds,noncontig,tol,grad", ROWS)
def test_float64_matches_torch_and_gradcheck(shapes, fn, kinds, noncontig, tol, grad):
    arrays = inputs(shapes, kinds, np.float64, seed=2)
    tins = [to_tt(a, k, False) for a, k in zip(arrays, kinds)]
    pins = [to_torch(a, k) for a, k in zip(arrays, kinds)]
    got, want = first(fn(F, *tins)), first(fn(TF, *pins))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-10)
    if grad is not True:
        return
    diff = [i for i, k in enumerate(kinds) if differentiable(k)]

    def f(*xs):
        full = list(tins)
        for i, x in zip(diff, xs):
            full[i] = x
        return first(fn(F, *full))
    assert gradcheck(f, [tins[i] for i in diff], eps=1e-6, atol=1e-6, rtol=1e-4)


SECOND_ORDER = [
    ("conv2d", [(1, 2, 4, 4), (2, 2, 3, 3)], lambda m, x, w: m.conv2d(x, w, padding=1, stride=2)),
    ("conv_transpose2d", [(1, 2, 3, 3), (2, 1, 2, 2)], lambda m, x, w: m.conv_transpose2d(x, w, stride=2)),
    ("avg_pool2d", [(1, 2, 4, 5)], lambda m, x: m.avg_pool2d(x, 2, 1, 1)),
    ("max_pool2d", [(1, 2, 4, 5)], lambda m, x: m.max_pool2d(x, 2, 1, 1)),
    ("layer_norm", [(3, 5), (5,)], lambda m, x, w: m.layer_norm(x, (5,), w)),
    ("batch_norm", [(4, 3, 2)], lambda m, x: m.batch_norm(x, None, None, training=True)),
    ("rms_norm", [(3, 5)], lambda m, x: m.rms_norm(x, (5,))),
    ("sdpa", [(1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3)], lambda m, q, k, v: m.scaled_dot_product_attention(q, k, v)),
    ("sdpa-causal", [(1, 1, 4, 2), (1, 1, 4, 2), (1, 1, 4, 2)],
     lambda m, q, k, v: m.scaled_dot_product_attention(q, k, v, is_causal=True)),
]


@pytest.mark.parametrize("shapes,fn", [pytest.param(s, f, id=n) for n, s, f in SECOND_ORDER])
def test_second_derivatives(shapes, fn):
    from tinytorch.autograd import gradgradcheck
    rng = np.random.default_rng(3)
    ins = [tt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradgradcheck(lambda *xs: fn(F, *xs), ins, eps=1e-6, atol=1e-5, rtol=1e-3)
