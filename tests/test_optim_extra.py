"""Adadelta, Adamax, NAdam, RAdam and LBFGS against PyTorch: the same parameters from the same starting values take
the same steps (checked after every step), state dicts round-trip and carry torch's names, constructors have torch's
signatures and refuse torch's bad hyper-parameters."""
import inspect

import numpy as np
import pytest

import tinytorch as tt

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 3, 2)]
TOL = {"float64": 1e-10, "float32": 1e-5}


def pair(dtype, seed=0):
    """The same parameters in torch and tinytorch, with a quadratic loss's targets and weights."""
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    targets = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    weights = [rng.uniform(0.5, 2.0, s).astype(dtype) for s in SHAPES]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    ours = [tt.tensor(a, requires_grad=True) for a in start]
    return ours, theirs, targets, weights


def quadratic(lib, params, targets, weights):
    # a weighted sum of squares plus a sine, so that the gradient's scale differs by element and changes by step
    total = 0
    for p, t, w in zip(params, targets, weights):
        t, w = lib.tensor(t), lib.tensor(w)
        total = total + (w * (p - t) ** 2).sum() + p.sin().sum()
    return total


def backward(opt, lib, params, targets, weights):
    opt.zero_grad()
    loss = quadratic(lib, params, targets, weights)
    loss.backward()
    return loss


def assert_same(ours, theirs, tol, what=""):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol, err_msg=what)


CASES = [
    ("Adadelta", {}),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, weight_decay=0.05)),
    ("Adamax", {}),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", {}),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.02, betas=(0.8, 0.99), maximize=True)),
    ("RAdam", {}),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.7, 0.9), maximize=True)),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=CASE_IDS)
def test_steps_match_torch(name, kwargs, dtype):
    ours, theirs, targets, weights = pair(dtype)
    opt_a = getattr(tt.optim, name)(ours, **kwargs)
    opt_b = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for step in range(20):
        backward(opt_a, tt, ours, targets, weights)
        backward(opt_b, torch, theirs, targets, weights)
        opt_a.step()
        opt_b.step()
        assert_same(ours, theirs, TOL[dtype], f"{name} {kwargs} step {step}")


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam"])
def test_given_gradients_and_lr_schedule_match_torch(name):
    """Gradients drawn by torch and given to both; two groups whose learning rates change between steps."""
    ours, theirs, _, _ = pair("float64", seed=1)
    lr = {"Adadelta": 1.0, "Adamax": 0.02, "NAdam": 0.02, "RAdam": 0.02}[name]
    opt_a = getattr(tt.optim, name)([{"params": ours[:2]}, {"params": ours[2:], "lr": lr / 2}], lr=lr)
    opt_b = getattr(torch.optim, name)([{"params": theirs[:2]}, {"params": theirs[2:], "lr": lr / 2}], lr=lr)
    gen = torch.Generator().manual_seed(0)
    for step in range(20):
        for a, b in zip(ours, theirs):
            b.grad = torch.randn(b.shape, generator=gen, dtype=torch.float64)
            a.grad = tt.tensor(b.grad.numpy())
        for ga, gb in zip(opt_a.param_groups, opt_b.param_groups):
            ga["lr"] = gb["lr"] = gb["lr"] * 0.9
        opt_a.step()
        opt_b.step()
        assert_same(ours, theirs, 1e-10, f"{name} step {step}")


@pytest.mark.parametrize("name,kwargs", [CASES[1], CASES[5], CASES[9], CASES[13]], ids=lambda c: str(c))
def test_state_dict_round_trip(name, kwargs):
    ours, theirs, targets, weights = pair("float64")
    opt_a = getattr(tt.optim, name)(ours, **kwargs)
    opt_b = getattr(torch.optim, name)(theirs, **kwargs)  # foreach=None runs the single-tensor loop on the CPU
    for _ in range(8):
        backward(opt_a, tt, ours, targets, weights)
        backward(opt_b, torch, theirs, targets, weights)
        opt_a.step()
        opt_b.step()
    saved_a, saved_b = opt_a.state_dict(), opt_b.state_dict()
    # torch's layout and names: the same group options and per-parameter state keys, state['step'] a tensor
    assert saved_a["param_groups"] == saved_b["param_groups"]
    for i in saved_b["state"]:
        assert saved_a["state"][i].keys() == saved_b["state"][i].keys()
        assert isinstance(opt_a.state[ours[i]]["step"], tt.Tensor)
        assert opt_a.state[ours[i]]["step"].item() == saved_b["state"][i]["step"].item() == 8
        assert opt_a.state[ours[i]]["step"].dtype.name == str(saved_b["state"][i]["step"].dtype).split(".")[1]

    # a fresh optimizer on copies of the parameters continues as the original does
    copies = [tt.tensor(p.detach().numpy(), requires_grad=True) for p in ours]
    resumed = getattr(tt.optim, name)(copies, lr=123.0)
    resumed.load_state_dict(saved_a)
    assert resumed.param_groups[0]["lr"] == kwargs.get("lr", opt_b.defaults["lr"])
    for step in range(8):
        backward(resumed, tt, copies, targets, weights)
        backward(opt_b, torch, theirs, targets, weights)
        resumed.step()
        opt_b.step()
        assert_same(copies, theirs, 1e-10, f"{name} resumed step {step}")


# ---- LBFGS

def least_squares(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((30, 6))
    b = rng.standard_normal(30)
    return a, b, rng.standard_normal(6), rng.standard_normal(1)


def lbfgs_pair(lib, a, b, x0, c0, **kwargs):
    """A linear model x, c fitted by least squares with LBFGS; returns the params, the optimizer and its closure."""
    x, c = lib.tensor(x0, requires_grad=True), lib.tensor(c0, requires_grad=True)
    a, b = lib.tensor(a), lib.tensor(b)
    opt = lib.optim.LBFGS([x, c], **kwargs)

    def closure():
        opt.zero_grad()
        loss = ((a.matmul(x) + c - b) ** 2).mean() + 0.1 * (x ** 4).sum()
        loss.backward()
        return loss
    return [x, c], opt, closure


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=0.5, history_size=3, max_iter=7),
                                    dict(line_search_fn="strong_wolfe"),
                                    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5)],
                         ids=["fixed", "fixed-short", "wolfe", "wolfe-short"])
def test_lbfgs_matches_torch(kwargs):
    data = least_squares()
    ours, opt_a, closure_a = lbfgs_pair(tt, *data, **kwargs)
    theirs, opt_b, closure_b = lbfgs_pair(torch, *data, **kwargs)
    for step in range(4):
        loss_a, loss_b = opt_a.step(closure_a), opt_b.step(closure_b)
        assert loss_a.item() == pytest.approx(loss_b.item(), rel=1e-9, abs=1e-12)
        assert_same(ours, theirs, 1e-8, f"LBFGS {kwargs} step {step}")
        state_a, state_b = opt_a.state[ours[0]], opt_b.state[theirs[0]]
        assert (state_a["n_iter"], state_a["func_evals"]) == (state_b["n_iter"], state_b["func_evals"])
    assert closure_a().item() == pytest.approx(closure_b().item(), rel=1e-9)


def test_lbfgs_strong_wolfe_on_rosenbrock():
    """A curved valley makes the line search bracket and zoom; the iterates still follow torch's."""
    def run(lib):
        xy = lib.tensor(np.array([-1.5, 2.0]), requires_grad=True)
        opt = lib.optim.LBFGS([xy], lr=1, max_iter=10, history_size=5, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
            loss.backward()
            return loss
        path = []
        for _ in range(5):
            opt.step(closure)
            path.append(xy.detach().numpy().copy())
        return np.array(path), opt.state[xy]["func_evals"]
    (path_a, evals_a), (path_b, evals_b) = run(tt), run(torch)
    np.testing.assert_allclose(path_a, path_b, rtol=1e-7, atol=1e-9)
    assert evals_a == evals_b


def test_lbfgs_state_dict_round_trip():
    data = least_squares(1)
    ours, opt_a, closure_a = lbfgs_pair(tt, *data, max_iter=3, history_size=4)
    theirs, opt_b, closure_b = lbfgs_pair(torch, *data, max_iter=3, history_size=4)
    opt_a.step(closure_a)
    opt_b.step(closure_b)
    saved = opt_a.state_dict()
    assert saved["param_groups"] == opt_b.state_dict()["param_groups"]
    assert saved["state"][0].keys() == opt_b.state_dict()["state"][0].keys()
    opt_a.step(closure_a)  # moves on without disturbing the saved history

    copies, resumed, closure_r = lbfgs_pair(tt, *data, max_iter=3, history_size=4)
    for p, q in zip(copies, theirs):
        p.data = tt.tensor(q.detach().numpy())
    resumed.load_state_dict(saved)
    for step in range(3):
        resumed.step(closure_r)
        opt_b.step(closure_b)
        assert_same(copies, theirs, 1e-8, f"resumed step {step}")


def test_lbfgs_refuses_groups_and_unknown_line_search():
    x = tt.zeros(2, requires_grad=True)
    y = tt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError):
        torch.optim.LBFGS([{"params": [torch.zeros(1, requires_grad=True)]},
                           {"params": [torch.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError):
        tt.optim.LBFGS([{"params": [x]}, {"params": [y]}])
    opt = tt.optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(RuntimeError):
        opt.step(lambda: (x ** 2).sum())


# ---- constructors

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]
# Adam lists foreach after maximize; torch 2.13 has foreach first among the keyword-only options


def parameters(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", ALL)
def test_signature_is_torchs(name):
    assert parameters(getattr(tt.optim, name)) == parameters(getattr(torch.optim, name))


BAD = [
    ("Adadelta", dict(lr=-0.1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(lr=-0.1)), ("Adamax", dict(betas=(1.0, 0.9))), ("Adamax", dict(betas=(0.9, -0.1))),
    ("Adamax", dict(eps=-1.0)),
    ("NAdam", dict(lr=-0.1)), ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(momentum_decay=-1.0)),
    ("NAdam", dict(weight_decay=-1.0)),
    ("RAdam", dict(lr=-0.1)), ("RAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(eps=-1.0)),
    ("LBFGS", dict(lr=-1.0)),
]


@pytest.mark.parametrize("name,kwargs", BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_hyper_parameters_raise_like_torch(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(tt.optim, name)([tt.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)
