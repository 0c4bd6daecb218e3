"""Autograd: the tape's rules (freeing, versions, hooks, modes, custom Functions, in-place ops on history) and
gradcheck itself. Every differentiable op's gradients (against torch.autograd.grad, float64 finite differences
and second derivatives) are rows of the op table: test_ops.py's test_backward, test_gradcheck, test_gradgradcheck."""
import gc
import weakref

import numpy as np
import pytest
import torch

import tinytorch as tt
from tinytorch.autograd import gradcheck

rng = np.random.default_rng(0)


def leaf(*shape, low=-1.0, high=1.0):
    return tt.tensor(rng.uniform(low, high, shape), dtype=tt.float64, requires_grad=True)


def test_gradcheck_catches_a_wrong_rule():
    class Wrong(tt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2x g

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, [leaf(3)])


def test_against_torch_backward():
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((4, 5))
    b = rng.standard_normal((5, 3))
    ta, tb = (tt.tensor(v, requires_grad=True) for v in (a, b))
    pa, pb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    (ta @ tb).tanh().log_softmax(1).sum().backward()
    (pa @ pb).tanh().log_softmax(1).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), pa.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), pb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gradients_accumulate_and_reset():
    x = leaf(3)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 5.0)
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.0)


def test_graph_freed_after_backward_and_second_backward_raises():
    x = leaf(3)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    y2 = (x.exp() * 2).sum()
    y2.backward(retain_graph=True)
    y2.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.exp(x.detach().numpy()) + 2 * np.exp(x.detach().numpy()))


def test_intermediate_dies_after_backward():
    x = leaf(10)
    mid = x.exp()
    ref = weakref.ref(mid)
    loss = (mid * 2).sum()
    del mid
    loss.backward()
    del loss
    gc.collect()
    assert ref() is None


def test_nonscalar_backward_needs_gradient():
    x = leaf(3)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    y.backward(tt.ones(3, dtype=tt.float64))
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_inplace_change_of_saved_tensor_is_detected():
    x = leaf(3)
    y = x.exp()
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="inplace"):
        z.sum().backward()


def test_inplace_on_nonleaf_is_differentiated():
    x = leaf(3)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6.0)


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf(3)
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1)
    with tt.no_grad():
        x.add_(1)


def test_autograd_grad_and_higher_order():
    x = leaf(4)
    y = (x ** 3).sum()
    (g,) = tt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    (gg,) = tt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.detach().numpy())
    assert x.grad is None


def test_grad_unused_input():
    x, z = leaf(2), leaf(2)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used"):
        tt.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = tt.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None


def test_modes():
    x = leaf(2)
    with tt.no_grad():
        assert not (x * 2).requires_grad
        with tt.enable_grad():
            assert (x * 2).requires_grad
    with tt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with tt.inference_mode():
        assert not (x * 2).requires_grad

    @tt.no_grad()
    def f(v):
        return v * 2
    assert not f(x).requires_grad
    assert tt.is_grad_enabled()


def test_detach_retain_grad_hooks_and_repr():
    x = leaf(3)
    y = x * 2
    y.retain_grad()
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = y.register_hook(lambda g: g * 10)
    (y * 1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 1.0)
    np.testing.assert_allclose(x.grad.numpy(), 20.0)
    assert len(seen) == 1
    h.remove()
    assert not y.detach().requires_grad and y.detach().is_leaf
    assert "grad_fn=<MulBackward>" in repr(y)
    assert not y.is_leaf and x.is_leaf


def test_tensor_training_switch_tracks_unmarked_tensors():
    try:
        tt.Tensor.training = True
        x = tt.Tensor([1.0, 2.0, 3.0])
        assert x.requires_grad
        (x * 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2.0)
        assert not tt.Tensor([1.0], requires_grad=False).requires_grad
        assert not tt.Tensor([1, 2]).requires_grad  # integers are never tracked
    finally:
        tt.Tensor.training = None
    assert not tt.Tensor([1.0]).requires_grad


def test_custom_function():
    class Cube(tt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = leaf(4)
    assert gradcheck(Cube.apply, [x])


def test_requires_grad_only_for_floats():
    with pytest.raises(RuntimeError, match="floating"):
        tt.tensor([1, 2]).requires_grad_()


VIEW_READS = [("narrow", lambda m, x: x.narrow(0, 0, 2)), ("slice", lambda m, x: x[1:3, ::2]),
              ("select", lambda m, x: x[1]), ("fancy", lambda m, x: x[[0, 2, 2]]),
              ("mask", lambda m, x: x[m.tensor([True, False, True, True])])]


@pytest.mark.parametrize("read", [r for _, r in VIEW_READS], ids=[n for n, _ in VIEW_READS])
def test_second_derivative_through_views_matches_torch(read):
    """The gradient of a view is itself differentiable under create_graph (a Hessian-vector product through x[i])."""
    a = np.random.default_rng(0).standard_normal((4, 3))
    results = []
    for m in (tt, torch):
        x = m.tensor(a, requires_grad=True)
        g, = m.autograd.grad(read(m, x).pow(3).sum(), x, create_graph=True)
        h, = m.autograd.grad(g.pow(2).sum(), x)
        results.append(h.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)




# each returns (a result built with in-place ops, the same maths out of place)
def _operand_from_self(x):
    y = x * 1
    y.add_(y * 2)
    return y, x * 3


def _self_as_operand(x):
    y = x * 1
    y.sin_()
    y.mul_(y)
    y.add_(y)
    y.relu_()
    return y.exp(), (2 * x.sin() ** 2).relu().exp()


def _iadd(x):
    y = x * 1
    z = y.exp()
    y += z
    return y, x + x.exp()


@pytest.mark.parametrize("chain", [_operand_from_self, _self_as_operand, _iadd])
def test_in_place_ops_on_history_give_the_out_of_place_gradient(chain):
    """An in-place op gives a tensor a new history; gradients of ops that read the old one still flow there.
    torch refuses some of these chains at backward, so its reference is the out-of-place form."""
    a = np.array([0.5, -1.0, 2.0])
    x = tt.tensor(a, requires_grad=True)
    chain(x)[0].sum().backward()
    ref = torch.tensor(a, requires_grad=True)
    chain(ref)[1].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_relu_gradient_at_special_values(dtype, create_graph):
    """relu's backward (one fused kernel, or ops when the graph of the gradient is built) as torch's: no gradient
    at 0 and -0 or below, the gradient passed on at NaN and +inf; strided and broadcast gradients alike."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5)).astype(dtype)
    x.flat[:6] = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-30]
    g = rng.standard_normal((5, 6)).astype(dtype).T  # a transposed (strided) gradient
    tx, px = tt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tg, pg = tt.tensor(g.T.copy(), requires_grad=create_graph).T, torch.tensor(g, requires_grad=create_graph)
    (got,) = tt.autograd.grad(tt.relu(tx), tx, tg, create_graph=create_graph)
    (want,) = torch.autograd.grad(torch.relu(px), px, pg, create_graph=create_graph)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    assert got.requires_grad == create_graph
    tt.relu(tx).sum().backward()  # a broadcast (stride 0) gradient
    torch.relu(px).sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), px.grad.numpy())


@pytest.mark.parametrize("keep_bytes", [0, 1 << 26], ids=["columns-remade", "columns-kept"])
@pytest.mark.parametrize("chunk_images", [1, 2, 5])
def test_conv2d_in_chunks(chunk_images, keep_bytes, monkeypatch):
    """conv2d runs IM2COL + MATMUL a chunk of images at a time (the whole batch's columns kept in one buffer for
    the weight gradient where they fit, else remade in backward): any cut of the batch gives torch's results."""
    from tinytorch.ops.conv import _Window
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((5, 3, 6, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    per_image = 3 * 9 * 6 * 4 * 8  # columns of one image: C * KH * KW * OH * OW float64 (padding 1, stride (1, 2))
    monkeypatch.setattr(_Window, "chunk_bytes", chunk_images * per_image)
    monkeypatch.setattr(_Window, "keep_bytes", keep_bytes)
    cuts = []
    columns = _Window.columns
    monkeypatch.setattr(_Window, "columns", lambda self, *a, **k: cuts.append(columns(self, *a, **k)) or cuts[-1])
    tx, tw, tb = (tt.tensor(v, requires_grad=True) for v in (x, w, b))
    px, pw, pb = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    out = tt.nn.functional.conv2d(tx, tw, tb, stride=(1, 2), padding=1)
    ref = torch.nn.functional.conv2d(px, pw, pb, stride=(1, 2), padding=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(tt.tensor(g))
    ref.backward(torch.tensor(g))
    for ours, theirs in [(tx, px), (tw, pw), (tb, pb)]:
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-9)
    assert [[m for _, m, _ in chunks] for _, chunks in cuts] == [[chunk_images] * (5 // chunk_images) +
                                                                 [5 % chunk_images] * (5 % chunk_images > 0)] * 2
    # backward reads the forward's buffer where it was kept: it fits, or it is the whole batch's anyway
    assert (cuts[0][0] is cuts[1][0]) == (bool(keep_bytes) or chunk_images == 5)


@pytest.mark.parametrize("input_grad", [True, False])
def test_conv2d_backward_twice_through_a_retained_graph(input_grad):
    """conv2d keeps its forward's columns for the weight gradient and the input gradient's product overwrites
    them: every backward of a retained graph must still see the input's windows."""
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 4, 7, 6)), rng.standard_normal((6, 4, 3, 2)), rng.standard_normal(6)
    tx, tw, tb = tt.tensor(x, requires_grad=input_grad), tt.tensor(w, requires_grad=True), tt.tensor(b, requires_grad=True)
    px, pw, pb = (torch.tensor(x, requires_grad=input_grad), torch.tensor(w, requires_grad=True),
                  torch.tensor(b, requires_grad=True))
    out, ref = tt.nn.functional.conv2d(tx, tw, tb, padding=1), torch.nn.functional.conv2d(px, pw, pb, padding=1)
    g = rng.standard_normal(tuple(out.shape))
    for _ in range(3):
        out.backward(tt.tensor(g), retain_graph=True)
        ref.backward(torch.tensor(g), retain_graph=True)
        pairs = [(tw, pw), (tb, pb)] + ([(tx, px)] if input_grad else [])
        for ours, theirs in pairs:
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-9)
    tx2 = tt.tensor(x)
    out2 = tt.nn.functional.conv2d(tx2, tw)
    tx2.add_(1.0)  # the windows kept from the forward would be stale: the saved input's version refuses
    with pytest.raises(RuntimeError, match="modified"):
        out2.sum().backward()
