"""Recurrent layers and cells against torch: outputs and every gradient (input, initial state, parameters) with the
same weights, in float32 and float64; the fused cell kernels by gradcheck; errors name the layer."""
import numpy as np
import pytest
import torch

import tinytorch as tt
from tinytorch.ops import rnn as R

TOL = {"float32": 1e-5, "float64": 1e-10}
SIZES = dict(input_size=5, hidden_size=6)


def _tt(a, requires_grad=False):
    return tt.tensor(a.detach().numpy(), requires_grad=requires_grad)


def _pair(cls, dtype, **kw):
    """The torch module and a tinytorch one holding the same weights."""
    torch.manual_seed(0)
    ref = getattr(torch.nn, cls)(**kw, dtype=getattr(torch, dtype))
    mod = getattr(tt.nn, cls)(**kw, dtype=getattr(tt, dtype))
    mod.load_state_dict({k: _tt(v) for k, v in ref.state_dict().items()})
    return ref, mod


def _close(ours, ref, dtype, what):
    assert ours is not None, f"{what}: no gradient"
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=TOL[dtype], atol=TOL[dtype],
                               err_msg=what)


def _flat(out):
    return [o for x in out for o in (_flat(x) if isinstance(x, tuple) else [x])] if isinstance(out, tuple) else [out]


def _check(ref, mod, x, hx, dtype):
    """Runs both modules, compares every output, then the gradients of a random weighting of all outputs."""
    xr = x.clone().requires_grad_()
    xt = _tt(x, True)
    hr = None if hx is None else tuple(h.clone().requires_grad_() for h in hx)
    ht = None if hx is None else tuple(_tt(h, True) for h in hx)
    single = hr is not None and len(hr) == 1
    outs_r = _flat(ref(xr, None if hr is None else hr[0] if single else hr))
    outs_t = _flat(mod(xt, None if ht is None else ht[0] if single else ht))
    assert len(outs_r) == len(outs_t)
    gen = torch.Generator().manual_seed(1)
    loss_r, loss_t = 0, 0
    for i, (o_r, o_t) in enumerate(zip(outs_r, outs_t)):
        assert tuple(o_t.shape) == tuple(o_r.shape), f"output {i}"
        _close(o_t, o_r, dtype, f"output {i}")
        w = torch.randn(o_r.shape, generator=gen, dtype=o_r.dtype)
        loss_r = loss_r + (o_r * w).sum()
        loss_t = loss_t + (o_t * _tt(w)).sum()
    loss_r.backward()
    loss_t.backward()
    _close(xt.grad, xr.grad, dtype, "input grad")
    for i, (a, b) in enumerate(zip(ht or (), hr or ())):
        _close(a.grad, b.grad, dtype, f"state {i} grad")
    ours = dict(mod.named_parameters())
    assert set(ours) == {n for n, _ in ref.named_parameters()}
    for n, p in ref.named_parameters():
        _close(ours[n].grad, p.grad, dtype, f"{n} grad")


LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [  # num_layers, bidirectional, batch_first, bias, initial state given
    (2, True, True, True, True),
    (2, True, False, False, False),
    (2, False, False, True, True),
    (1, False, True, False, True),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("cls,extra", LAYERS)
def test_layer_matches_torch(cls, extra, config, dtype):
    layers, bidir, batch_first, bias, given = config
    ref, mod = _pair(cls, dtype, **SIZES, **extra, num_layers=layers, bidirectional=bidir, batch_first=batch_first,
                     bias=bias)
    g = torch.Generator().manual_seed(2)
    x = torch.randn((3, 4, 5) if batch_first else (4, 3, 5), generator=g, dtype=getattr(torch, dtype))
    state = (layers * (2 if bidir else 1), 3, 6)
    hx = None
    if given:
        hx = tuple(torch.randn(state, generator=g, dtype=x.dtype) for _ in range(2 if cls == "LSTM" else 1))
    _check(ref, mod, x, hx, dtype)


@pytest.mark.parametrize("cls,extra", LAYERS)
def test_unbatched_input(cls, extra):
    ref, mod = _pair(cls, "float64", **SIZES, **extra, num_layers=2, bidirectional=True)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 5, generator=g, dtype=torch.float64)
    hx = tuple(torch.randn(4, 6, generator=g, dtype=torch.float64) for _ in range(2 if cls == "LSTM" else 1))
    _check(ref, mod, x, None, "float64")
    _check(ref, mod, x, hx, "float64")


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_dropout_between_layers(cls):
    ref, mod = _pair(cls, "float32", **SIZES, num_layers=3, dropout=0.5)
    x = torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(4))
    ref.eval()
    mod.eval()
    _check(ref, mod, x, None, "float32")
    # training with p = 0 is the plain layer, gradients included
    ref, mod = _pair(cls, "float32", **SIZES, num_layers=3, dropout=0.0)
    ref.train()
    mod.train()
    _check(ref, mod, x, None, "float32")
    # training with p > 0 drops between layers only: the output differs from eval mode, and stays finite
    ref, mod = _pair(cls, "float32", **SIZES, num_layers=2, dropout=0.9)
    tt.manual_seed(0)
    train_out = mod(_tt(x))[0].numpy()
    mod.eval()
    eval_out = mod(_tt(x))[0].numpy()
    assert np.isfinite(train_out).all() and not np.allclose(train_out, eval_out)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,extra", CELLS)
def test_cell_matches_torch(cls, extra, dtype):
    g = torch.Generator().manual_seed(5)
    n = 2 if cls == "LSTMCell" else 1
    for bias in (True, False):
        ref, mod = _pair(cls, dtype, **SIZES, **extra, bias=bias)
        x = torch.randn(3, 5, generator=g, dtype=getattr(torch, dtype))
        hx = tuple(torch.randn(3, 6, generator=g, dtype=x.dtype) for _ in range(n))
        _check(ref, mod, x, hx, dtype)
        _check(ref, mod, x, None, dtype)
        _check(ref, mod, x[0], tuple(h[0] for h in hx), dtype)  # unbatched


def test_state_dict_keys_and_init():
    for cls, extra in LAYERS + CELLS:
        kw = dict(num_layers=2, bidirectional=True) if "Cell" not in cls else {}
        ref, mod = _pair(cls, "float32", **SIZES, **extra, **kw)
        assert list(mod.state_dict()) == list(ref.state_dict())
        fresh = getattr(tt.nn, cls)(**SIZES, **extra, **kw)
        for name, p in fresh.named_parameters():
            v = p.detach().numpy()
            assert np.abs(v).max() <= 1 / np.sqrt(6) and v.std() > 0.05, name
    lstm = tt.nn.modules.rnn.LSTM(5, 6)
    lstm.flatten_parameters()
    assert [tuple(w.shape) for w in lstm.all_weights[0]] == [(24, 5), (24, 6), (24,), (24,)]


def _leaf(shape, seed):
    return tt.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=tt.float64, requires_grad=True)


def test_lstm_cell_gradcheck():
    # gh arrives transposed: a non-contiguous view takes the kernels' strided path
    gx, gh, c = _leaf((3, 8), 0), _leaf((8, 3), 1), _leaf((3, 2), 2)
    assert tt.autograd.gradcheck(lambda a, b, s: R.lstm_cell(a, b.t(), s), (gx, gh, c))
    with tt.no_grad():
        h1, c1 = R.lstm_cell(gx, gh.t(), c)
    i, f, g, o = (torch.from_numpy(gx.detach().numpy()) + torch.from_numpy(gh.detach().numpy()).t()).chunk(4, 1)
    ref_c1 = i.sigmoid() * g.tanh() + f.sigmoid() * torch.from_numpy(c.detach().numpy())
    _close(c1, ref_c1, "float64", "c'")
    _close(h1, o.sigmoid() * ref_c1.tanh(), "float64", "h'")


def test_gru_cell_gradcheck():
    gi, gh, h = _leaf((3, 6), 3), _leaf((6, 3), 4), _leaf((3, 2), 5)
    assert tt.autograd.gradcheck(lambda a, b, s: R.gru_cell(a, b.t(), s), (gi, gh, h))
    with tt.no_grad():
        ours = R.gru_cell(gi, gh.t(), h)
    ir, iz, in_ = torch.from_numpy(gi.detach().numpy()).chunk(3, 1)
    hr, hz, hn = torch.from_numpy(gh.detach().numpy()).t().chunk(3, 1)
    r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
    n = (in_ + r * hn).tanh()
    _close(ours, (1 - z) * n + z * torch.from_numpy(h.detach().numpy()), "float64", "h'")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cells_on_the_test_device_match_cpu(device, dtype):
    """The cell kernels of the device under test (TINYTORCH_TEST_DEVICE) against the CPU's, outputs and the
    gradients of every input; gh arrives transposed, so the strided path runs too."""
    rng = np.random.default_rng(12)
    for cell, k in ((R.lstm_cell, 4), (R.gru_cell, 3)):
        arrays = [rng.standard_normal(s) for s in ((5, k * 7), (k * 7, 5), (5, 7))]
        weight = rng.standard_normal((5, 7))
        results = []
        for dev in ("cpu", device):
            leaves = [tt.tensor(a, dtype=getattr(tt, dtype), device=dev, requires_grad=True) for a in arrays]
            w = tt.tensor(weight, dtype=getattr(tt, dtype), device=dev)
            outs = cell(leaves[0], leaves[1].t(), leaves[2])
            outs = outs if isinstance(outs, tuple) else (outs,)
            loss = (outs[0] * w).sum()
            for o in outs[1:]:
                loss = loss + (o * w).sum()
            loss.backward()
            results.append([o.detach().numpy() for o in outs] + [x.grad.numpy() for x in leaves])
        names = [f"output {i}" for i in range(len(outs))] + ["d gx", "d gh", "d state"]
        for what, on_cpu, on_device in zip(names, *results):
            np.testing.assert_allclose(on_device, on_cpu, rtol=TOL[dtype], atol=TOL[dtype],
                                       err_msg=f"{cell.__name__} on {device}: {what}")


def test_cells_second_derivative():
    gx, gh, c = _leaf((2, 8), 6), _leaf((2, 8), 7), _leaf((2, 2), 8)
    assert tt.autograd.gradgradcheck(lambda a, b, s: R.lstm_cell(a, b, s), (gx, gh, c))
    gi, gh3, h = _leaf((2, 6), 9), _leaf((2, 6), 10), _leaf((2, 2), 11)
    assert tt.autograd.gradgradcheck(lambda a, b, s: R.gru_cell(a, b, s), (gi, gh3, h))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_layer_double_backward(cls):
    """create_graph through a whole layer: the gradient of the input gradient's norm, against torch's. The loss is
    linear in the output: the gradient of a view (the output is one of the layer's result) does not carry its own
    history in tinytorch yet."""
    ref, mod = _pair(cls, "float64", **SIZES, num_layers=1, bidirectional=True)
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(3, 2, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 12, generator=gen, dtype=torch.float64)
    xt = _tt(x, True)
    (gr,) = torch.autograd.grad((ref(x)[0] * w).sum(), x, create_graph=True)
    (gt,) = tt.autograd.grad((mod(xt)[0] * _tt(w)).sum(), xt, create_graph=True)
    _close(gt, gr, "float64", "first derivative")
    gr.pow(2).sum().backward()
    gt.pow(2).sum().backward()
    _close(xt.grad, x.grad, "float64", "second derivative")
    ours = dict(mod.named_parameters())
    for n, p in ref.named_parameters():
        _close(ours[n].grad, p.grad, "float64", f"{n} second derivative")


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_bad_input_names_the_layer(cls):
    mod = getattr(tt.nn, cls)(5, 6, num_layers=2)
    x = tt.randn(4, 3, 5)
    with pytest.raises(RuntimeError, match=f"{cls}: input.size\\(-1\\) must be equal to input_size. Expected 5, got 7"):
        mod(tt.randn(4, 3, 7))
    with pytest.raises(ValueError, match=f"{cls}: expected input to be 2-D or 3-D"):
        mod(tt.randn(4, 3, 5, 1))
    bad = tt.zeros(1, 3, 6)
    with pytest.raises(RuntimeError, match=rf"{cls}: expected h_0 of size \(2, 3, 6\), got \(1, 3, 6\)"):
        mod(x, (bad, tt.zeros(2, 3, 6)) if cls == "LSTM" else bad)
    with pytest.raises(RuntimeError, match=f"{cls}: input has dtype float64"):
        mod(x.double())
    with pytest.raises(RuntimeError, match=f"{cls}: expected a sequence length larger than 0"):
        mod(tt.zeros(0, 3, 5))
    if cls == "LSTM":
        with pytest.raises(RuntimeError, match=r"LSTM: expected c_0 of size \(2, 3, 6\), got \(2, 3, 5\)"):
            mod(x, (tt.zeros(2, 3, 6), tt.zeros(2, 3, 5)))
        with pytest.raises(NotImplementedError, match="proj_size"):
            tt.nn.LSTM(5, 6, proj_size=2)
        packed = torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(4, 3, 5), [4, 3, 2])
        with pytest.raises(NotImplementedError, match="LSTM: PackedSequence"):
            mod(packed)
    cell = getattr(tt.nn, cls + "Cell")(5, 6)
    with pytest.raises(RuntimeError, match=f"{cls}Cell: input has inconsistent input_size: got 4, expected 5"):
        cell(tt.randn(3, 4))
    with pytest.raises(RuntimeError, match=rf"{cls}Cell: expected hidden state of size \(3, 6\), got \(3, 5\)"):
        cell(tt.randn(3, 5), (tt.zeros(3, 5), tt.zeros(3, 6)) if cls == "LSTM" else tt.zeros(3, 5))


def test_kernel_rejects_mismatched_operands():
    gx, gh, c = tt.zeros(2, 8), tt.zeros(2, 8), tt.zeros(2, 3)
    with pytest.raises(Exception, match=r"lstm_cell\(\): input 0 must be"):
        R.lstm_cell(gx, gh, c)
    with pytest.raises(Exception, match=r"gru_cell\(\): "):
        R.gru_cell(tt.zeros(2, 6), tt.zeros(2, 6, dtype=tt.float64), tt.zeros(2, 2))
