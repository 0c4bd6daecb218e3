"""nn: Module bookkeeping, state dicts, hooks, dropout, loss modules, default initialisation. The layers and losses
against PyTorch (copied weights; outputs, input and parameter gradients, buffers) are rows of the op table
(optable/nn.py), run by test_ops.py."""
import collections

import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)


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
