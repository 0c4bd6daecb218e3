"""The graph the ops record, against torch's: a broadcasting op is one node that sums each gradient back to its
input's shape (no ExpandBackward left over), and a node saves only what its backward reads, so an in-place change
of a tensor it does not read stays legal and one of a tensor it reads is an error, exactly where torch says so."""
import re

import numpy as np
import pytest
import torch

import tinytorch as tt
from tinytorch.autograd.graph import Node

rng = np.random.default_rng(0)


def _both(*shape):
    arr = rng.standard_normal(shape)
    return tt.tensor(arr, dtype=tt.float64, requires_grad=True), torch.tensor(arr, requires_grad=True)


def _close(got, want):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)


def _name(node):
    return re.sub(r"\d+$", "", type(node).__name__)  # torch numbers its nodes (AddBackward0)


def _next(node):
    """The nodes a tinytorch node leads to, named as torch names them (a leaf's is AccumulateGrad)."""
    return [_name(fn) if fn is not None else "AccumulateGrad" for t, fn in zip(node.inputs, node.edges)
            if t is not None]


@pytest.fixture
def nodes_made(monkeypatch):
    """The names of the nodes recorded while the test runs, including ones nothing keeps."""
    made = []
    init = Node.__init__

    def spy(self, *args):
        made.append(type(self).__name__)
        init(self, *args)
    monkeypatch.setattr(Node, "__init__", spy)
    return made


BROADCASTS = [
    ("add", (3, 4), (4,), lambda m, a, b: a + b),
    ("mul", (2, 1, 3), (4, 1), lambda m, a, b: a * b),
    ("sub", (4, 1), (3,), lambda m, a, b: a - b),
    ("div", (3, 4), (3, 1), lambda m, a, b: a / (b * b + 1)),
    ("maximum", (2, 3), (1, 3), lambda m, a, b: m.maximum(a, b)),
    ("where", (3, 1), (4,), lambda m, a, b: m.where(a > 0, a, b)),
    ("addcmul", (3, 4), (4,), lambda m, a, b: m.addcmul(a, b, b, value=0.5)),
]


@pytest.mark.parametrize("name,sa,sb,fn", BROADCASTS, ids=[c[0] for c in BROADCASTS])
def test_broadcasting_op_is_one_node_with_grads_of_torch(name, sa, sb, fn, nodes_made):
    (a, pa), (b, pb) = _both(*sa), _both(*sb)
    out, want = fn(tt, a, b), fn(torch, pa, pb)
    assert "ExpandBackward" not in nodes_made
    assert _name(out.grad_fn) == _name(want.grad_fn)
    assert _next(out.grad_fn) == [_name(f) for f, _ in want.grad_fn.next_functions if f is not None]
    g = rng.standard_normal(want.shape)
    out.backward(tt.tensor(g))
    want.backward(torch.tensor(g))
    _close(a.grad, pa.grad)
    _close(b.grad, pb.grad)


def test_second_derivative_through_broadcast():
    (a, pa), (b, pb) = _both(2, 1, 3), _both(4, 1)
    for m, x, y in ((tt, a, b), (torch, pa, pb)):
        (gy,) = m.autograd.grad((x * y * y).sum(), y, create_graph=True)
        (gy * gy).sum().backward()
    _close(a.grad, pa.grad)
    _close(b.grad, pb.grad)


def test_expand_node_sums_back(nodes_made):
    (x, px) = _both(3, 1)
    out, want = x.expand(2, 3, 4), px.expand(2, 3, 4)
    assert nodes_made == ["ExpandBackward"] and _name(want.grad_fn) == "ExpandBackward"
    g = rng.standard_normal((2, 3, 4))
    out.backward(tt.tensor(g))
    want.backward(torch.tensor(g))
    _close(x.grad, px.grad)


def test_a_rule_of_the_wrong_shape_is_refused():
    class Wrong(tt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g[:2]
    with pytest.raises(RuntimeError, match=r"WrongBackward returned an invalid gradient at index 0 - got \[2\]"):
        Wrong.apply(tt.ones(3, requires_grad=True)).sum().backward()


def test_a_custom_backward_may_return_a_broadcast_gradient():
    class Add(tt.autograd.Function):  # torch's engine sums the gradient back to b's shape: so do we
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g
    a, b = tt.ones(3, 4, requires_grad=True), tt.ones(4, requires_grad=True)
    Add.apply(a, b).sum().backward()
    assert b.grad.tolist() == [3.0] * 4


# A change of x (or of the non-leaf h = 2x) after the op; torch decides whether the backward may still run.
AFTER_INPLACE = {
    "sum": lambda t: t.sum(), "mean": lambda t: t.mean(), "sum_dim": lambda t: t.sum(0),
    "mean_keepdim": lambda t: t.mean(1, keepdim=True), "max_dim": lambda t: t.max(0).values,
    "cumsum": lambda t: t.cumsum(1), "softmax": lambda t: t.softmax(1), "log_softmax": lambda t: t.log_softmax(1),
    "exp": lambda t: t.exp(), "tanh": lambda t: t.tanh(), "relu": lambda t: t.relu(), "scale": lambda t: t * 3,
    "expand": lambda t: t[:, :1].expand(3, 4), "sum_to_size": lambda t: t.sum_to_size(1, 4),
    # these read the values they were given: torch refuses
    "sin": lambda t: t.sin(), "prod": lambda t: t.prod(), "amax": lambda t: t.amax(), "max": lambda t: t.max(),
    "min": lambda t: t.min(), "amin_dim": lambda t: t.amin(1), "cumprod": lambda t: t.cumprod(1),
    "logsumexp": lambda t: t.logsumexp(1), "norm": lambda t: t.norm(), "square": lambda t: t * t,
    "sqrt": lambda t: (t * t + 1).sqrt(),
}


def _leaf_changed(m, x, fn):
    y = fn(x)
    with m.no_grad():
        x.add_(1)
    return y


def _nonleaf_changed(m, x, fn):
    h = x * 2
    y = fn(h)
    h.add_(1)
    return y


def _run(m, x, fn, change):
    try:
        change(m, x, fn).sum().backward()
    except RuntimeError as e:
        return e
    return None


@pytest.mark.parametrize("change", [_leaf_changed, _nonleaf_changed], ids=["leaf", "nonleaf"])
@pytest.mark.parametrize("name", AFTER_INPLACE)
def test_backward_after_an_inplace_change_as_torch(name, change):
    x, px = _both(3, 4)
    fn = AFTER_INPLACE[name]
    want = _run(torch, px, fn, change)
    got = _run(tt, x, fn, change)
    if want is not None:
        assert "modified by an inplace operation" in str(want)
        assert got is not None and "modified by an inplace operation" in str(got), f"tinytorch ran: {x.grad}"
    else:
        assert got is None, got
        _close(x.grad, px.grad)


def test_exp_saves_its_output_not_its_input():
    # y = exp(x) reads only y: changing its input is legal, changing y itself is not (as torch)
    for m in (tt, torch):
        x = m.tensor([0.5, -1.0], dtype=m.float64, requires_grad=True)
        y = (x * 2).exp()
        y.sum().backward()
        first = x.grad.clone()
        x.grad = None
        h = x * 2
        y = h.exp()
        h.add_(1)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), first.numpy())
        y = (x * 2).exp()
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    for m in (tt, torch):
        x = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.add_(1)


def _walk(fn):
    """The graph below fn as nested (type name, children) pairs, the leaves' AccumulateGrad included; torch's
    numbered node names (MulBackward0) compared without their number."""
    if fn is None:
        return None
    return (type(fn).__name__.rstrip("0123456789"), tuple(_walk(child) for child, _ in fn.next_functions))


def test_next_functions_reach_the_leaves_as_torch():
    torch = pytest.importorskip("torch")
    graphs = []
    for m in (tt, torch):
        w = m.ones(3, 4, requires_grad=True)
        b = m.ones(4, requires_grad=True)
        c = m.ones(3, 4)
        y = (w * 2 + b) * c
        graphs.append(_walk(y.grad_fn))
        acc = y.grad_fn.next_functions[0][0].next_functions[1][0]
        assert acc.variable is b and acc.name() == "torch::autograd::AccumulateGrad"
    assert graphs[0] == graphs[1]
