"""Optimizers and schedulers against PyTorch: the same MLP from the same weights on the same batches gives the same
loss at every step; every scheduler gives PyTorch's learning rates."""
import numpy as np
import pytest

import tinytorch as tt

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((50, 32, 10)).astype(np.float32)
Y = rng.integers(0, 4, (50, 32))


def mlps():
    ours = tt.nn.Sequential(tt.nn.Linear(10, 16), tt.nn.Tanh(), tt.nn.Linear(16, 4))
    theirs = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4))
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        with torch.no_grad():
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    return ours, theirs


OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=False)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("AdamW", dict(lr=5e-3, betas=(0.8, 0.99), amsgrad=True)),
    ("RMSprop", dict(lr=1e-3)),
    ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=1e-3)),
    ("Adagrad", dict(lr=5e-2, lr_decay=1e-3, weight_decay=1e-3)),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_training_matches_pytorch(name, kwargs):
    ours, theirs = mlps()
    opt_a = getattr(tt.optim, name)(ours.parameters(), **kwargs)
    opt_b = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **kwargs)
    for step in range(50):
        xa, ya = tt.from_numpy(X[step]), tt.from_numpy(Y[step])
        xb, yb = torch.from_numpy(X[step]), torch.from_numpy(Y[step])
        la = tt.nn.functional.cross_entropy(ours(xa), ya)
        lb = torch.nn.functional.cross_entropy(theirs(xb), yb)
        opt_a.zero_grad()
        la.backward()
        opt_a.step()
        opt_b.zero_grad()
        lb.backward()
        opt_b.step()
        assert la.item() == pytest.approx(lb.item(), rel=1e-4), f"step {step}"


def scheduler_pairs():
    return [
        ("StepLR", dict(step_size=3, gamma=0.5)),
        ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
        ("ExponentialLR", dict(gamma=0.9)),
        ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
        ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (e + 1))),
        ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=6)),
        ("OneCycleLR", dict(max_lr=0.5, total_steps=25)),
        ("OneCycleLR", dict(max_lr=0.5, total_steps=25, three_phase=True, anneal_strategy="linear")),
    ]


@pytest.mark.parametrize("name,kwargs", scheduler_pairs(), ids=[p[0] + str(i) for i, p in enumerate(scheduler_pairs())])
@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_scheduler_matches_pytorch(name, kwargs, opt):
    wa = tt.nn.Parameter(tt.zeros(2))
    wb = torch.nn.Parameter(torch.zeros(2))
    extra = dict(momentum=0.9) if opt == "SGD" else {}
    oa = getattr(tt.optim, opt)([wa], lr=0.1, **extra)
    ob = getattr(torch.optim, opt)([wb], lr=0.1, **extra)
    sa = getattr(tt.optim.lr_scheduler, name)(oa, **kwargs)
    sb = getattr(torch.optim.lr_scheduler, name)(ob, **kwargs)
    for _ in range(24):
        assert sa.get_last_lr() == pytest.approx(sb.get_last_lr(), rel=1e-12)
        if "betas" in ob.param_groups[0]:
            assert oa.param_groups[0]["betas"] == pytest.approx(ob.param_groups[0]["betas"])
        oa.step()
        ob.step()
        sa.step()
        sb.step()


def test_sequential_and_plateau_match_pytorch():
    wa, wb = tt.nn.Parameter(tt.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    oa, ob = tt.optim.SGD([wa], lr=1.0), torch.optim.SGD([wb], lr=1.0)
    sa = tt.optim.lr_scheduler.SequentialLR(oa, [tt.optim.lr_scheduler.LinearLR(oa, 0.1, total_iters=3),
                                                 tt.optim.lr_scheduler.ExponentialLR(oa, 0.8)], milestones=[3])
    sb = torch.optim.lr_scheduler.SequentialLR(ob, [torch.optim.lr_scheduler.LinearLR(ob, 0.1, total_iters=3),
                                                    torch.optim.lr_scheduler.ExponentialLR(ob, 0.8)], milestones=[3])
    for _ in range(10):
        assert oa.param_groups[0]["lr"] == pytest.approx(ob.param_groups[0]["lr"], rel=1e-12)
        oa.step()
        ob.step()
        sa.step()
        sb.step()
    oa, ob = tt.optim.SGD([wa], lr=1.0), torch.optim.SGD([wb], lr=1.0)
    pa = tt.optim.lr_scheduler.ReduceLROnPlateau(oa, patience=2, factor=0.5, cooldown=1)
    pb = torch.optim.lr_scheduler.ReduceLROnPlateau(ob, patience=2, factor=0.5, cooldown=1)
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85]:
        pa.step(metric)
        pb.step(metric)
        assert oa.param_groups[0]["lr"] == pytest.approx(ob.param_groups[0]["lr"])


def test_param_groups_and_module_params():
    lin = tt.nn.Linear(3, 2)
    opt = tt.optim.SGD([{"params": [lin.weight]}, {"params": [lin.bias], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    opt2 = tt.optim.Adam([lin], lr=0.01)  # the seed's style: modules in the list
    assert len(opt2.param_groups[0]["params"]) == 2
    with pytest.raises(ValueError, match="more than one"):
        tt.optim.SGD([{"params": [lin.weight]}, {"params": [lin.weight]}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        tt.optim.SGD([], lr=0.1)
    opt.add_param_group({"params": [tt.nn.Parameter(tt.zeros(2))], "lr": 1.0})
    assert len(opt.param_groups) == 3


def test_zero_grad_set_to_none():
    p = tt.nn.Parameter(tt.ones(3))
    opt = tt.optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_clip_grad():
    p = tt.nn.Parameter(tt.tensor([3.0, 4.0]))
    (p * p).sum().backward()  # grad [6, 8], norm 10
    norm = tt.nn.utils.clip_grad_norm_([p], 1.0)
    assert norm.item() == pytest.approx(10.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    tt.nn.utils.clip_grad_value_([p], 0.7)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.7], rtol=1e-5)
