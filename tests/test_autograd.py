"""Autograd: every differentiable op against float64 finite differences (gradcheck), second derivatives for the
elementwise, reduction and matmul families, and the tape's rules (freeing, versions, hooks, modes)."""
import gc
import weakref

import numpy as np
import pytest
import torch

import tinytorch as tt
from tinytorch.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def leaf(*shape, low=-1.0, high=1.0):
    return tt.tensor(rng.uniform(low, high, shape), dtype=tt.float64, requires_grad=True)


POS = dict(low=0.5, high=2.0)

# name, input factories, function
GRAD_CASES = [
    ("add_broadcast", [lambda: leaf(3, 4), lambda: leaf(4)], lambda a, b: a + b),
    ("sub_scalar", [lambda: leaf(3, 4)], lambda a: 2.0 - a),
    ("mul_broadcast", [lambda: leaf(2, 3, 4), lambda: leaf(3, 1)], lambda a, b: a * b),
    ("div", [lambda: leaf(3, 4), lambda: leaf(3, 4, **POS)], lambda a, b: a / b),
    ("pow_tensor", [lambda: leaf(3, 4, **POS), lambda: leaf(3, 4)], lambda a, b: a ** b),
    ("pow_scalar", [lambda: leaf(3, 4, **POS)], lambda a: a ** 3.5),
    ("maximum", [lambda: leaf(3, 4), lambda: leaf(3, 4)], lambda a, b: tt.maximum(a, b)),
    ("minimum", [lambda: leaf(3, 4), lambda: leaf(4)], lambda a, b: tt.minimum(a, b)),
    ("where", [lambda: leaf(3, 4), lambda: leaf(3, 4)], lambda a, b: tt.where(a > 0, a, b)),
    *[(f"scatter_reduce_{reduce}{'' if include_self else '_no_self'}", [lambda: leaf(3, 4), lambda: leaf(5, 4)],
       lambda x, src, r=reduce, s=include_self: tt.scatter_reduce(x, 0, tt.tensor([[0, 1, 0, 2], [1, 1, 0, 0],
                                                                                 [2, 0, 0, 1]]), src, r,
                                                                  include_self=s))
      for reduce in ("sum", "prod", "mean", "amax", "amin") for include_self in (True, False)],
    ("addcmul", [lambda: leaf(3, 4), lambda: leaf(4), lambda: leaf(2, 3, 1)],
     lambda x, a, b: tt.addcmul(x, a, b, value=-0.75)),
    ("addcmul_value_1", [lambda: leaf(3, 4), lambda: leaf(3, 4), lambda: leaf(3, 4)], tt.addcmul),
    ("addcdiv", [lambda: leaf(3, 4), lambda: leaf(4), lambda: leaf(2, 3, 1, **POS)],
     lambda x, a, b: tt.addcdiv(x, a, b, value=0.75)),
    ("remainder", [lambda: leaf(3, 4, **POS)], lambda a: a % 0.3),
    ("exp", [lambda: leaf(3, 4)], tt.exp),
    ("exp2", [lambda: leaf(3, 4)], tt.exp2),
    ("log", [lambda: leaf(3, 4, **POS)], tt.log),
    ("log2", [lambda: leaf(3, 4, **POS)], tt.log2),
    ("log1p", [lambda: leaf(3, 4, **POS)], tt.log1p),
    ("expm1", [lambda: leaf(3, 4)], tt.expm1),
    ("sqrt", [lambda: leaf(3, 4, **POS)], tt.sqrt),
    ("rsqrt", [lambda: leaf(3, 4, **POS)], tt.rsqrt),
    ("reciprocal", [lambda: leaf(3, 4, **POS)], tt.reciprocal),
    ("sin", [lambda: leaf(3, 4)], tt.sin),
    ("cos", [lambda: leaf(3, 4)], tt.cos),
    ("tan", [lambda: leaf(3, 4)], tt.tan),
    ("tanh", [lambda: leaf(3, 4)], tt.tanh),
    ("sigmoid", [lambda: leaf(3, 4)], tt.sigmoid),
    ("relu", [lambda: leaf(3, 4)], tt.relu),
    ("gelu", [lambda: leaf(3, 4)], tt.gelu),
    ("gelu_tanh", [lambda: leaf(3, 4)], lambda a: tt.nn.functional.gelu(a, approximate="tanh")),
    ("silu", [lambda: leaf(3, 4)], tt.silu),
    ("softplus", [lambda: leaf(3, 4)], lambda a: tt.nn.functional.softplus(a)),
    ("erf", [lambda: leaf(3, 4)], tt.erf),
    ("neg_abs", [lambda: leaf(3, 4)], lambda a: -a.abs()),
    ("clamp", [lambda: leaf(3, 4)], lambda a: a.clamp(-0.5, 0.5)),
    ("sum_dims", [lambda: leaf(2, 3, 4)], lambda a: a.sum((0, 2))),
    ("sum_keepdim", [lambda: leaf(2, 3, 4)], lambda a: a.sum(1, keepdim=True)),
    ("mean", [lambda: leaf(2, 3, 4)], lambda a: a.mean(-1)),
    ("prod", [lambda: leaf(2, 3, **POS)], lambda a: a.prod(1)),
    ("amax", [lambda: leaf(3, 5)], lambda a: a.amax(1)),
    ("max_dim", [lambda: leaf(3, 5)], lambda a: a.max(1).values),
    ("min_all", [lambda: leaf(3, 5)], lambda a: a.min()),
    ("var", [lambda: leaf(3, 5)], lambda a: a.var(1)),
    ("std", [lambda: leaf(3, 5)], lambda a: a.std(0, correction=0)),
    ("logsumexp", [lambda: leaf(3, 5)], lambda a: a.logsumexp(1)),
    ("cumsum", [lambda: leaf(3, 5)], lambda a: a.cumsum(1)),
    ("cumprod", [lambda: leaf(3, 5, **POS)], lambda a: a.cumprod(0)),
    ("softmax", [lambda: leaf(3, 5)], lambda a: a.softmax(1)),
    ("log_softmax", [lambda: leaf(3, 5)], lambda a: a.log_softmax(0)),
    ("matmul", [lambda: leaf(3, 4), lambda: leaf(4, 2)], lambda a, b: a @ b),
    ("matmul_batched_broadcast", [lambda: leaf(2, 3, 4), lambda: leaf(4, 5)], lambda a, b: a @ b),
    ("matvec", [lambda: leaf(3, 4), lambda: leaf(4)], lambda a, b: a @ b),
    ("dot", [lambda: leaf(4), lambda: leaf(4)], lambda a, b: a @ b),
    ("reshape_permute", [lambda: leaf(2, 3, 4)], lambda a: a.permute(2, 0, 1).reshape(4, 6) * 2),
    ("transpose_contig", [lambda: leaf(3, 4)], lambda a: a.T.contiguous() + 0),
    ("expand", [lambda: leaf(3, 1)], lambda a: a.expand(3, 4) * 1),
    ("squeeze_unsqueeze", [lambda: leaf(3, 1, 4)], lambda a: a.squeeze(1).unsqueeze(0) * 1),
    ("slice_step", [lambda: leaf(6, 5)], lambda a: a[1::2, ::2]),
    ("select_narrow", [lambda: leaf(4, 5)], lambda a: a[2] + a.narrow(0, 1, 1).squeeze(0)),
    ("index_tensor", [lambda: leaf(5, 3)], lambda a: a[tt.tensor([0, 2, 2, 4])]),
    ("index_mask", [lambda: leaf(4, 3)], lambda a: a[a > 0]),
    ("gather", [lambda: leaf(3, 4)], lambda a: a.gather(1, tt.tensor([[0, 3], [1, 1], [2, 0]]))),
    ("scatter", [lambda: leaf(3, 4), lambda: leaf(3, 2)],
     lambda a, b: a.scatter(1, tt.tensor([[0, 3], [1, 2], [2, 0]]), b)),
    ("scatter_add", [lambda: leaf(3, 4), lambda: leaf(3, 2)],
     lambda a, b: a.scatter_add(1, tt.tensor([[0, 0], [1, 2], [2, 0]]), b)),
    ("index_select", [lambda: leaf(4, 3)], lambda a: a.index_select(0, tt.tensor([3, 0, 3]))),
    ("index_add", [lambda: leaf(4, 3), lambda: leaf(2, 3)],
     lambda a, b: a.index_add(0, tt.tensor([1, 1]), b, alpha=2.0)),
    ("cat", [lambda: leaf(2, 3), lambda: leaf(4, 3)], lambda a, b: tt.cat([a, b * 2], 0)),
    ("stack", [lambda: leaf(2, 3), lambda: leaf(2, 3)], lambda a, b: tt.stack([a, b], 1)),
    ("pad", [lambda: leaf(2, 3)], lambda a: tt.nn.functional.pad(a, (1, 2, 0, 1), value=3.0)),
    ("flip_roll", [lambda: leaf(3, 4)], lambda a: a.flip(1).roll(1, 0)),
    ("tril_triu", [lambda: leaf(4, 4)], lambda a: a.tril(-1) + a.triu(1) * 2),
    ("repeat", [lambda: leaf(2, 3)], lambda a: a.repeat(2, 1, 2)),
    ("split_chunk", [lambda: leaf(6, 2)], lambda a: a.split(2)[1] * a.chunk(3)[2]),
    ("sort_topk", [lambda: leaf(3, 5)], lambda a: a.sort(1).values[:, :2] + a.topk(2, 1).values),
    ("masked_fill", [lambda: leaf(3, 4)], lambda a: a.masked_fill(a < 0, 0.5)),
]


@pytest.mark.parametrize("name,factories,fn", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, factories, fn):
    inputs = [f() for f in factories]
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


SECOND_ORDER = [c for c in GRAD_CASES if c[0] in {
    "add_broadcast", "mul_broadcast", "div", "addcmul", "addcdiv", "pow_scalar", "exp", "log", "sqrt", "tanh",
    "sigmoid", "sin", "gelu", "silu", "softplus", "sum_dims", "mean", "var", "logsumexp", "softmax", "log_softmax", "matmul",
    "matmul_batched_broadcast", "matvec"}]


@pytest.mark.parametrize("name,factories,fn", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_gradgradcheck(name, factories, fn):
    inputs = [f() for f in factories]
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


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
