"""nn: Module bookkeeping, layers against PyTorch with copied weights, losses, default initialisation."""
import collections

import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)


def copy_weights(ours, theirs):
    sd = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.block = nn.Sequential(nn.ReLU(), nn.Linear(8, 8), nn.LayerNorm(8))
        self.heads = nn.ModuleList([nn.Linear(8, 2), nn.Linear(8, 3)])
        self.register_buffer("steps", tt.zeros(1))
        self.register_buffer("scratch", tt.zeros(2), persistent=False)

    def forward(self, x):
        h = self.block(self.fc1(x))
        return [head(h) for head in self.heads]


def test_module_bookkeeping():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "block.1.weight", "block.1.bias", "block.2.weight", "block.2.bias",
                     "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert "scratch" not in net.state_dict() and "steps" in net.state_dict()
    assert [n for n, _ in net.named_children()] == ["fc1", "block", "heads"]
    assert len(list(net.modules())) == 9
    net.eval()
    assert not net.block[2].training
    net.train()
    assert net.heads[1].training
    assert "Linear(in_features=4, out_features=8, bias=True)" in repr(net)
    net.zero_grad()
    sum(o.sum() for o in net(tt.randn(2, 4))).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_state_dict_errors_and_roundtrip():
    a, b = Net(), Net()
    result = b.load_state_dict(a.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    sd = a.state_dict()
    sd.pop("fc1.bias")
    sd["extra"] = tt.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\).*"fc1.bias"'):
        b.load_state_dict(sd)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\).*"extra"'):
        b.load_state_dict(sd)
    res = b.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra"]
    bad = a.state_dict()
    bad["fc1.weight"] = tt.zeros(3, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight.*\[3, 3\].*\[8, 4\]"):
        b.load_state_dict(bad)


def test_load_pytorch_state_dict():
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    ours = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    ours.load_state_dict(theirs.state_dict())
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((5, 4)).astype(np.float32)
    close(ours(tt.from_numpy(x)), theirs(torch.from_numpy(x)))


def test_hooks_apply_and_to():
    lin = nn.Linear(3, 3)
    seen = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    out = lin(tt.ones(2, 3))
    close(out, lin.bias.expand(2, 3))
    assert seen == [tt.Size([2, 3])]
    h1.remove()
    h2.remove()
    lin(tt.ones(2, 3))
    assert len(seen) == 1
    lin.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert lin.weight.abs().sum().item() == 0
    lin.double()
    assert lin.weight.dtype is tt.float64 and isinstance(lin.weight, nn.Parameter)
    lin.to(tt.float32)
    assert lin.weight.dtype is tt.float32


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Bilinear", None, None),
    ("LayerNorm", lambda m: m.LayerNorm(5), (4, 5)),
    ("RMSNorm", lambda m: m.RMSNorm(5), (4, 5)),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(5), (4, 5)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3), (4, 3, 2, 2)),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    ("Embedding", None, None),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 2)), (3, 4)),
    ("Identity", lambda m: m.Identity(), (3, 4)),
] + [(name, (lambda n: lambda m: getattr(m, n)())(name), (4, 5)) for name in
     ["ReLU", "ReLU6", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid", "LeakyReLU", "ELU", "Softplus", "Hardtanh",
      "Hardsigmoid", "Hardswish", "LogSigmoid", "SELU", "CELU", "Softsign"]] + [
    ("Softmax", lambda m: m.Softmax(1), (4, 5)),
    ("LogSoftmax", lambda m: m.LogSoftmax(-1), (4, 5)),
]


@pytest.mark.parametrize("name,make,shape", [l for l in LAYERS if l[1]], ids=[l[0] for l in LAYERS if l[1]])
def test_layer_forward_backward_matches_pytorch(name, make, shape):
    ours, theirs = make(nn), make(torch.nn)
    copy_weights(ours, theirs)
    x = rng.standard_normal(shape).astype(np.float32) * 3
    xa = tt.tensor(x, requires_grad=True)
    xb = torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    close(ya, yb, rtol=1e-4, atol=1e-5)
    g = rng.standard_normal(tuple(yb.shape)).astype(np.float32)
    ya.backward(tt.from_numpy(g))
    yb.backward(torch.from_numpy(g))
    close(xa.grad, xb.grad, rtol=1e-4, atol=1e-5)
    for (n, p), q in zip(ours.named_parameters(), theirs.parameters()):
        close(p.grad, q.grad, rtol=1e-4, atol=1e-5)
    for (n, b), c in zip(ours.named_buffers(), theirs.buffers()):
        np.testing.assert_allclose(b.numpy(), c.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_and_bilinear_match_pytorch():
    ea, eb = nn.Embedding(10, 4, padding_idx=0), torch.nn.Embedding(10, 4, padding_idx=0)
    copy_weights(ea, eb)
    idx = rng.integers(0, 10, (3, 5))
    ya, yb = ea(tt.from_numpy(idx)), eb(torch.from_numpy(idx))
    close(ya, yb)
    ya.sum().backward()
    yb.sum().backward()
    close(ea.weight.grad, eb.weight.grad)
    np.testing.assert_array_equal(ea.weight.grad.numpy()[0], 0)
    with pytest.raises(IndexError, match="out of range"):
        ea(tt.tensor([10]))
    ba, bb = nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    copy_weights(ba, bb)
    x1, x2 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    close(ba(tt.from_numpy(x1), tt.from_numpy(x2)), bb(torch.from_numpy(x1), torch.from_numpy(x2)))


def test_dropout_follows_training_mode():
    drop = nn.Dropout(0.5)
    x = tt.ones(1000)
    y = drop(x)
    zeros = (y == 0).sum().item()
    assert 350 < zeros < 650
    np.testing.assert_allclose(y.numpy()[y.numpy() != 0], 2.0)
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), 1.0)
    try:
        tt.Tensor.training = True  # the tinygrad switch overrides the module's mode
        assert (drop(x) == 0).sum().item() > 0
    finally:
        tt.Tensor.training = None


LOSSES = [
    ("mse_loss", lambda m, a, b: m.nn.functional.mse_loss(a, b), "float"),
    ("l1_loss", lambda m, a, b: m.nn.functional.l1_loss(a, b, reduction="sum"), "float"),
    ("smooth_l1_loss", lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=0.5), "float"),
    ("huber_loss", lambda m, a, b: m.nn.functional.huber_loss(a, b, delta=0.7), "float"),
    ("cross_entropy", lambda m, a, b: m.nn.functional.cross_entropy(a, b), "class"),
    ("cross_entropy_opts", lambda m, a, b: m.nn.functional.cross_entropy(
        a, b, weight=m.tensor([1.0, 2.0, 0.5, 1.5]), ignore_index=2, label_smoothing=0.1), "class"),
    ("cross_entropy_none", lambda m, a, b: m.nn.functional.cross_entropy(a, b, reduction="none",
                                                                          label_smoothing=0.2), "class"),
    ("cross_entropy_probs", lambda m, a, b: m.nn.functional.cross_entropy(a, b.softmax(1), label_smoothing=0.1),
     "float"),
    ("nll_loss", lambda m, a, b: m.nn.functional.nll_loss(a.log_softmax(1), b, reduction="sum"), "class"),
    ("bce", lambda m, a, b: m.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid()), "float"),
    ("bce_logits", lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(
        a, b.sigmoid(), pos_weight=m.tensor([1.0, 2.0, 3.0, 0.5])), "float"),
    ("kl_div", lambda m, a, b: m.nn.functional.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"),
     "float"),
    ("cosine_similarity", lambda m, a, b: m.nn.functional.cosine_similarity(a, b).sum(), "float"),
    ("cosine_embedding", lambda m, a, b: m.nn.functional.cosine_embedding_loss(
        a, b, m.tensor([1, -1, 1, -1, 1, 1])), "float"),
]


@pytest.mark.parametrize("name,fn,kind", LOSSES, ids=[l[0] for l in LOSSES])
def test_losses_match_pytorch(name, fn, kind):
    a = rng.standard_normal((6, 4)).astype(np.float32)
    b = rng.integers(0, 4, 6) if kind == "class" else rng.standard_normal((6, 4)).astype(np.float32)
    xa, xb = tt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    la, lb = fn(tt, xa, tt.tensor(b)), fn(torch, xb, torch.tensor(b))
    close(la, lb, rtol=1e-5, atol=1e-6)
    la.sum().backward()
    lb.sum().backward()
    close(xa.grad, xb.grad, rtol=1e-4, atol=1e-6)


def test_loss_modules():
    x, y = tt.randn(4, 3), tt.tensor([0, 2, 1, 1])
    assert nn.CrossEntropyLoss()(x, y).item() == pytest.approx(F.cross_entropy(x, y).item())
    assert nn.MSELoss(reduction="sum")(x, x * 2).item() == pytest.approx((x * x).sum().item(), rel=1e-5)
    with pytest.raises(IndexError, match="cross_entropy.*3.*out of (bounds|range)"):
        F.cross_entropy(x, tt.tensor([0, 3, 1, 1]))


def test_default_init_distributions_follow_pytorch():
    tt.manual_seed(0)
    lin = nn.Linear(400, 300)
    w = lin.weight.numpy()
    bound = 1 / np.sqrt(400)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    assert np.abs(lin.bias.numpy()).max() <= bound
    emb = nn.Embedding(1000, 64).weight.numpy()
    assert abs(emb.mean()) < 0.02 and abs(emb.std() - 1) < 0.02


def test_init_functions():
    t = tt.empty(200, 300)
    nn.init.xavier_uniform_(t)
    a = np.sqrt(6 / 500)
    assert np.abs(t.numpy()).max() <= a
    nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert abs(t.numpy().std() - np.sqrt(2 / 300)) < 0.01
    nn.init.trunc_normal_(t, std=1.0, a=-2.0, b=2.0)
    assert np.abs(t.numpy()).max() <= 2.0 and abs(t.numpy().std() - 0.88) < 0.03
    q = tt.empty(5, 8)
    nn.init.orthogonal_(q)
    np.testing.assert_allclose(q.numpy() @ q.numpy().T, np.eye(5), atol=1e-5)
    nn.init.eye_(q)
    np.testing.assert_array_equal(q.numpy(), np.eye(5, 8))
    nn.init.constant_(q, 0.5)
    assert (q.numpy() == 0.5).all()


def test_sequential_ordered_dict_and_indexing():
    seq = nn.Sequential(collections.OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.ReLU())]))
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.ReLU) and len(seq) == 2
    assert isinstance(seq[:1], nn.Sequential)
    assert list(seq.state_dict()) == ["a.weight", "a.bias"]
