"""State dicts of every module and optimizer survive save/load, and training resumed from a checkpoint continues with
exactly the losses of training that never stopped."""
import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F

MODULES = [
    lambda: nn.Linear(4, 3), lambda: nn.Bilinear(2, 3, 4), lambda: nn.LayerNorm(5), lambda: nn.RMSNorm(5),
    lambda: nn.BatchNorm1d(3), lambda: nn.BatchNorm2d(3), lambda: nn.GroupNorm(2, 4), lambda: nn.Embedding(7, 3),
    lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Dropout(0.2), nn.Linear(2, 1)),
    lambda: nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.LayerNorm(2)}),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_state_dict_roundtrip(tmp_path, make):
    a, b = make(), make()
    for p in a.parameters():
        with tt.no_grad():
            p.add_(tt.randn(p.shape))
    tt.save(a.state_dict(), tmp_path / "m.safetensors")
    b.load_state_dict(tt.load(tmp_path / "m.safetensors"))
    for (k, v), (k2, w) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2 and v.dtype is w.dtype
        np.testing.assert_array_equal(v.numpy(), w.numpy())


OPTIMIZERS = [
    lambda ps: tt.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: tt.optim.Adam(ps, lr=1e-2, amsgrad=True),
    lambda ps: tt.optim.AdamW(ps, lr=1e-2),
    lambda ps: tt.optim.RMSprop(ps, lr=1e-3, momentum=0.5, centered=True),
    lambda ps: tt.optim.Adagrad(ps, lr=1e-2),
]


def _model():
    tt.manual_seed(3)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def _train(model, opt, sched, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
def test_resume_continues_identically(tmp_path, make_opt):
    rng = np.random.default_rng(0)
    batches = [(tt.tensor(rng.standard_normal((8, 6)), dtype=tt.float32), tt.tensor(rng.integers(0, 3, 8)))
               for _ in range(20)]
    model = _model()
    opt = make_opt(model.parameters())
    sched = tt.optim.lr_scheduler.StepLR(opt, 4, 0.7)
    straight = _train(model, opt, sched, batches)

    model = _model()
    opt = make_opt(model.parameters())
    sched = tt.optim.lr_scheduler.StepLR(opt, 4, 0.7)
    first = _train(model, opt, sched, batches[:10])
    tt.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()},
            tmp_path / "ckpt.safetensors")

    ckpt = tt.load(tmp_path / "ckpt.safetensors")
    model = _model()
    model.load_state_dict(ckpt["model"])
    opt = make_opt(model.parameters())
    opt.load_state_dict(ckpt["opt"])
    sched = tt.optim.lr_scheduler.StepLR(opt, 4, 0.7)
    sched.load_state_dict(ckpt["sched"])
    rest = _train(model, opt, sched, batches[10:])
    assert first + rest == straight
