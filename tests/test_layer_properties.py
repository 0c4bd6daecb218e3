"""Property tests for the layer ops: random geometries (sizes, strides, paddings, dilations, groups, batch 0 and 1)
against PyTorch, forward and backward. Where PyTorch refuses a geometry, tinytorch must refuse it too with a Python
exception; where PyTorch accepts it, tinytorch must give its answer."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given, strategies as st  # noqa: E402

import tinytorch as tt  # noqa: E402
import tinytorch.nn.functional as F  # noqa: E402

ERRORS = (TypeError, ValueError, IndexError, RuntimeError)


def compare(fn, arrays, grad=True):
    """Runs fn on torch and tinytorch copies of arrays: both refuse, or both agree forward and backward."""
    pins = [torch.from_numpy(a).requires_grad_(grad) for a in arrays]
    try:
        want = fn(TF, *pins)
    except (RuntimeError, ValueError):
        with pytest.raises(ERRORS):
            fn(F, *[tt.tensor(a) for a in arrays])
        return
    tins = [tt.tensor(a, requires_grad=grad) for a in arrays]
    got = fn(F, *tins)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-4)
    if grad and want.numel():
        up = np.random.default_rng(0).standard_normal(tuple(want.shape)).astype(np.float32)
        (want * torch.from_numpy(up)).sum().backward()
        (got * tt.tensor(up)).sum().backward()
        for t, p in zip(tins, pins):
            np.testing.assert_allclose(t.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-4)


def rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@given(n=st.integers(0, 2), groups=st.integers(1, 3), cin_g=st.integers(1, 3), cout_g=st.integers(1, 3),
       h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), seed=st.integers(0, 100))
def test_conv2d_any_geometry(n, groups, cin_g, cout_g, h, w, kh, kw, stride, padding, dilation, seed):
    x, wt, b = rand((n, groups * cin_g, h, w), seed), rand((groups * cout_g, cin_g, kh, kw), seed + 1), \
        rand((groups * cout_g,), seed + 2)
    compare(lambda m, x, wt, b: m.conv2d(x, wt, b, stride, padding, dilation, groups), [x, wt, b])


@given(n=st.integers(1, 2), groups=st.integers(1, 2), cin_g=st.integers(1, 3), cout_g=st.integers(1, 3),
       h=st.integers(1, 6), w=st.integers(1, 6), k=st.integers(1, 3), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dilation=st.integers(1, 2), extra=st.integers(0, 2), seed=st.integers(0, 100))
def test_conv_transpose2d_any_geometry(n, groups, cin_g, cout_g, h, w, k, stride, padding, dilation, extra, seed):
    x, wt = rand((n, groups * cin_g, h, w), seed), rand((groups * cin_g, cout_g, k, k), seed + 1)
    output_padding = min(extra, max(stride, dilation) - 1)
    # torch accepts an empty output on some paths and refuses it on others; tinytorch accepts it
    assume(min(h, w) - 1 + dilation * (k - 1) + output_padding + 1 - 2 * padding > 0)
    compare(lambda m, x, wt: m.conv_transpose2d(x, wt, None, stride, padding, output_padding, groups, dilation),
            [x, wt])


@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9), k=st.integers(1, 4),
       stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2), ceil=st.booleans(),
       seed=st.integers(0, 100))
def test_max_pool2d_any_geometry(n, c, h, w, k, stride, padding, dilation, ceil, seed):
    # a dilated window can fall wholly into the padding of a tiny input: torch then returns -inf with an index
    # outside the window (and routes the gradient there); tinytorch returns -inf with index 0. Not compared.
    for size in (h, w):
        starts = range(-padding, size + padding, stride)
        assume(all(any(0 <= s + j * dilation < size for j in range(k)) for s in starts))
    x = np.random.default_rng(seed).permutation(n * c * h * w).reshape(n, c, h, w).astype(np.float32)
    compare(lambda m, x: m.max_pool2d(x, k, stride, padding, dilation, ceil), [x])


@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9), k=st.integers(1, 4),
       stride=st.integers(1, 3), padding=st.integers(0, 2), ceil=st.booleans(), include=st.booleans(),
       seed=st.integers(0, 100))
def test_avg_pool2d_any_geometry(n, c, h, w, k, stride, padding, ceil, include, seed):
    compare(lambda m, x: m.avg_pool2d(x, k, stride, padding, ceil, include), [rand((n, c, h, w), seed)])


@given(h=st.integers(1, 12), w=st.integers(1, 12), oh=st.integers(1, 6), ow=st.integers(1, 6),
       kind=st.sampled_from(["avg", "max"]), seed=st.integers(0, 100))
def test_adaptive_pool2d_any_size(h, w, oh, ow, kind, seed):
    x = np.random.default_rng(seed).permutation(2 * 3 * h * w).reshape(2, 3, h, w).astype(np.float32)
    compare(lambda m, x: getattr(m, f"adaptive_{kind}_pool2d")(x, (oh, ow)), [x])


@given(b=st.integers(1, 2), heads=st.integers(1, 3), L=st.integers(1, 9), S=st.integers(1, 9), E=st.integers(1, 9),
       D=st.integers(1, 9), causal=st.booleans(), seed=st.integers(0, 100))
def test_sdpa_any_shape(b, heads, L, S, E, D, causal, seed):
    q, k, v = rand((b, heads, L, E), seed), rand((b, heads, S, E), seed + 1), rand((b, heads, S, D), seed + 2)
    compare(lambda m, q, k, v: m.scaled_dot_product_attention(q, k, v, is_causal=causal), [q, k, v])


@given(a=st.integers(1, 4), m=st.integers(1, 5), b=st.integers(1, 40), kind=st.sampled_from(["layer", "group", "batch"]),
       seed=st.integers(0, 100))
def test_norms_any_shape(a, m, b, kind, seed):
    x = rand((a + 1, m * 2, b), seed) * 3 + 1
    fns = {"layer": lambda F, x: F.layer_norm(x, (b,)), "group": lambda F, x: F.group_norm(x, 2),
           "batch": lambda F, x: F.batch_norm(x, None, None, training=True)}
    compare(fns[kind], [x])
