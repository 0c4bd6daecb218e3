"""tinytorch.jit and tinytorch.export: plans replay bit-identically to eager mode, guard what they are given, report
what they cannot follow, and round-trip through .ttp files that the C loader validates."""
import struct
import warnings

import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch import jit


def mlp(seed=0):
    tt.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 96), nn.ReLU(), nn.Linear(96, 48), nn.GELU(), nn.Linear(48, 10))


def cnn(seed=0):
    """The demo's digits CNN: convolution, batch norm, pooling, dropout, linear layers."""
    tt.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 32), nn.ReLU(), nn.Dropout(0.25), nn.Linear(32, 10))


def same_bits(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.numpy().tobytes() == b.numpy().tobytes()


@pytest.mark.parametrize("make, shape", [(mlp, (16, 64)), (cnn, (8, 1, 8, 8))])
def test_replay_is_bit_identical_to_eager(make, shape):
    model = make().eval()
    tt.manual_seed(1)
    with tt.no_grad():
        plan = jit.trace(model, tt.randn(*shape))
        for _ in range(3):
            x = tt.randn(*shape)
            assert same_bits(plan(x), model(x))
    assert plan.check(tt.randn(*shape)) == []


def test_replay_follows_weights_changed_in_place():
    model = mlp().eval()
    x = tt.randn(4, 64)
    with tt.no_grad():
        plan = jit.trace(model, x)
        model[0].weight.mul_(0.5)  # the plan shares the live weights, as eager mode reads them
        assert same_bits(plan(x), model(x))


def test_outputs_are_fresh_tensors_and_structure_is_kept():
    def f(x):
        return {"double": x * 2, "pair": (x.sum(1), 7)}
    x = tt.randn(3, 4)
    plan = jit.trace(f, x)
    a, b = plan(x), plan(x + 1)
    assert set(a) == {"double", "pair"} and a["pair"][1] == 7
    assert same_bits(a["double"], x * 2) and same_bits(b["double"], (x + 1) * 2)
    assert same_bits(a["pair"][0], x.sum(1))


def _training_run(steps, use_plan, batches):
    tt.manual_seed(3)
    model = cnn()
    opt = tt.optim.Adam(model.parameters(), lr=1e-2)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x0, y0 = batches[0]
    if use_plan:
        step = jit.trace(step, (x0, y0))  # tracing takes three steps on (x0, y0)
    else:
        for _ in range(3):
            step(x0, y0)
    losses = [step(x, y) for x, y in batches[1:steps + 1]]
    return losses, model


def test_traced_training_step_trains_as_eager_bit_for_bit():
    g = np.random.default_rng(0)
    batches = [(tt.tensor(g.standard_normal((16, 1, 8, 8)), dtype=tt.float32),
                tt.tensor(g.integers(0, 10, 16))) for _ in range(101)]
    eager_losses, eager_model = _training_run(100, False, batches)
    plan_losses, plan_model = _training_run(100, True, batches)
    assert all(same_bits(a, b) for a, b in zip(eager_losses, plan_losses))
    assert float(plan_losses[-1]) < float(plan_losses[0])  # it trains
    for (name, a), b in zip(eager_model.state_dict().items(), plan_model.state_dict().values()):
        assert same_bits(a, b), name
    assert eager_losses[-1].numel() == 1


def test_guards_name_the_input():
    plan = jit.trace(lambda x, w: x @ w, (tt.randn(2, 3), tt.randn(3, 4)))
    with pytest.raises(ValueError, match=r"input x: traced with shape \[2, 3\], got \[5, 3\]"):
        plan(tt.randn(5, 3), tt.randn(3, 4))
    with pytest.raises(TypeError, match="input w: traced with dtype float32, got float64"):
        plan(tt.randn(2, 3), tt.randn(3, 4, dtype=tt.float64))
    with pytest.raises(TypeError, match="input w: expected a Tensor"):
        plan(tt.randn(2, 3), np.ones((3, 4), np.float32))
    with pytest.raises(TypeError, match="takes 2 inputs"):
        plan(tt.randn(2, 3))


def test_values_read_into_python_are_reported():
    def f(x):
        return x * 2 if x.sum().item() > 0 else x * 3
    x = tt.ones(4)
    with pytest.warns(jit.TracerWarning, match=r"read a tensor's value into Python at .*test_jit.py"):
        plan = jit.trace(f, x)
    assert plan.dependencies
    assert plan.check(-x) != []  # the branch taken at tracing time is what the plan replays


@pytest.mark.parametrize("cached", [False, True])
def test_python_numbers_that_change_between_calls_are_reported(cached):
    """A number the function computes afresh each call: a kernel's attrs change, or (when tinytorch already holds
    it as a cached constant tensor) another constant takes the place of the last one."""
    calls = [0]
    base = 1234.5 + cached * 100  # numbers no other test uses

    def f(x):
        calls[0] += 1
        return x * (base + calls[0])
    if cached:
        for k in range(1, 4):
            tt.ones(3) * (base + k)
    match = "read a different tensor on each call" if cached else "changed between two calls"
    with pytest.warns(jit.TracerWarning, match=match):
        plan = jit.trace(f, tt.ones(3))
    assert any(match in d for d in plan.dependencies)


def test_changing_work_is_refused():
    state = [0]

    def f(x):
        state[0] += 1
        return x.sum() if state[0] % 2 else x.mean()
    with pytest.raises(jit.TraceError, match="different work on two calls"):
        jit.trace(f, tt.ones(3))


def test_pure_model_reports_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tt.no_grad():
            plan = jit.trace(mlp().eval(), tt.randn(2, 64))
    assert plan.dependencies == []


def test_dynamic_batch_runs_any_batch_up_to_the_maximum():
    model = cnn().eval()
    with tt.no_grad():
        plan = jit.trace(model, tt.randn(4, 1, 8, 8), dynamic_batch=True, max_batch=32)
        assert plan.max_batch == 32
        for b in (1, 5, 17, 32):
            x = tt.randn(b, 1, 8, 8)
            assert same_bits(plan(x), model(x))
    with pytest.raises(ValueError, match=r"1 <= B <= 32, got \[33, 1, 8, 8\]"):
        plan(tt.randn(33, 1, 8, 8))


def test_dynamic_batch_through_conv2d_chunks(monkeypatch):
    """Eager conv2d cuts a batch into chunks of columns by size (more chunks for more images); traced, the batch is
    one chunk, so the recorded calls are the same at every batch size and the plan matches eager mode."""
    from tinytorch.ops.conv import _Window
    monkeypatch.setattr(_Window, "chunk_bytes", 1)  # eager: one image per chunk
    model = cnn().eval()
    with tt.no_grad():
        plan = jit.trace(model, tt.randn(4, 1, 8, 8), dynamic_batch=True, max_batch=16)
        for b in (1, 3, 16):
            x = tt.randn(b, 1, 8, 8)
            np.testing.assert_allclose(plan(x).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_dynamic_batch_refused_when_work_depends_on_the_batch():
    with pytest.raises(jit.TraceError, match="dynamic_batch"):
        jit.trace(lambda x: x * x.shape[0], tt.randn(8, 3), dynamic_batch=True)
    plan = jit.trace(lambda x: x - x.mean(0), tt.randn(8, 3), dynamic_batch=True)  # the kernel takes the count
    x = tt.randn(5, 3)
    assert same_bits(plan(x), x - x.mean(0))


def test_memory_report_shares_working_memory():
    tt.manual_seed(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(256, 256), nn.ReLU()]
    model = nn.Sequential(*layers).eval()
    with tt.no_grad():
        plan = jit.trace(model, tt.randn(64, 256))
    mem = plan.memory()
    params = sum(p.numel() * 4 for p in model.parameters())
    assert params <= mem["constants"] < params + 4096
    assert mem["inputs"] == 64 * 256 * 4
    # 24 intermediates of 64 KiB each: a liveness pass needs room for only a few at once
    assert 64 * 256 * 4 <= mem["work"] <= 3 * 64 * 256 * 4
    assert mem["total"] == mem["constants"] + mem["inputs"] + mem["work"]


def test_decorator_traces_once_per_signature():
    seen = []

    @jit.trace
    def f(x):
        seen.append(tuple(x.shape))
        return x.relu() * 2

    x = tt.randn(3, 4)
    assert same_bits(f(x), x.relu() * 2)
    n = len(seen)
    assert same_bits(f(x + 1), (x + 1).relu() * 2) and len(seen) == n  # replayed, not called
    y = tt.randn(2, 2)
    assert same_bits(f(y), y.relu() * 2)
    assert len(f.plans) == 2


def test_export_round_trip_and_safetensors_block(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = cnn().eval()
    x = tt.randn(8, 1, 8, 8)
    path = tmp_path / "digits.ttp"
    plan = tt.export(model, (x,), path)
    loaded = jit.load(path)
    assert [i[0] for i in loaded.inputs] == ["x"]
    with tt.no_grad():
        assert same_bits(loaded(x), model(x)) and same_bits(plan(x), model(x))
    data = path.read_bytes()
    assert data[:8] == b"TTPLAN\0\0"
    body_size, consts_size = struct.unpack_from("<QQ", data, 40)
    assert 64 + body_size + consts_size == len(data)
    weights = safetensors_numpy.load(data[64 + body_size:])
    state = model.state_dict()
    used = {k for k in state if not k.endswith("num_batches_tracked")}  # eval mode never reads the count
    assert used <= set(weights)
    for name in used:
        np.testing.assert_array_equal(weights[name], state[name].numpy(), err_msg=name)


def test_corrupt_files_are_refused(tmp_path):
    path = tmp_path / "m.ttp"
    tt.export(mlp().eval(), (tt.randn(2, 64),), path)
    data = path.read_bytes()
    with pytest.raises(ValueError, match="magic"):
        jit.load(b"XXPLAN\0\0" + data[8:])
    with pytest.raises(ValueError):
        jit.load(data[:-1])
    with pytest.raises(ValueError):
        jit.load(data[:100])
    with pytest.raises(ValueError):
        jit.load(b"")


def test_fuzzed_plan_files_are_refused_or_run(tmp_path):
    """Thousands of mutated and truncated files: each is refused with a Python exception or loads and runs."""
    path = tmp_path / "m.ttp"
    tt.export(nn.Sequential(nn.Linear(4, 3), nn.ReLU()).eval(), (tt.randn(2, 4),), path)
    data = path.read_bytes()
    rng = np.random.default_rng(0)
    refused = ran = 0
    for i in range(3000):
        b = bytearray(data)
        kind = i % 3
        if kind == 0:
            b = b[:rng.integers(0, len(b))]
        elif kind == 1:
            for _ in range(rng.integers(1, 9)):
                b[rng.integers(0, len(b))] = int(rng.integers(0, 256))
        else:
            pos = int(rng.integers(0, len(b) - 8)) & ~7
            b[pos:pos + 8] = struct.pack("<q", int(rng.choice([0, -1, 1, 1 << 31, (1 << 63) - 1, 7, 300])))
        try:
            plan = jit.load(bytes(b))
        except (ValueError, TypeError, RuntimeError, IndexError):
            refused += 1
            continue
        try:
            plan(*[tt.zeros(*[s or 1 for s in shape], dtype=tt._dtype.BY_CODE[code]) for _, code, shape, _ in
                   plan.inputs])
            ran += 1
        except (ValueError, TypeError, RuntimeError, IndexError):
            refused += 1
    assert refused > 1000 and refused + ran == 3000


def test_export_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.ttp"
    tt.export(mlp().eval(), (tt.randn(2, 64),), path)
    before = path.read_bytes()

    def interrupted(fd):  # the new file is written but not yet renamed over the old one
        raise KeyboardInterrupt
    monkeypatch.setattr(tt.serialization.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tt.export(mlp(1).eval(), (tt.randn(2, 64),), path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.ttp"]
    assert path.read_bytes() == before


def test_is_tracing_inside_the_traced_function_only():
    seen = []
    plan = jit.trace(lambda x: seen.append(jit.is_tracing()) or x + 1, tt.ones(2))
    assert seen == [False, True, True] and not jit.is_tracing() and not jit.is_scripting()
    assert same_bits(plan(tt.ones(2)), tt.ones(2) + 1)


def test_trace_argument_errors():
    with pytest.raises(TypeError, match="example input 1 is a float"):
        jit.trace(lambda x, s: x * s, (tt.ones(2), 2.0))
    with pytest.raises(ValueError, match="max_batch needs dynamic_batch"):
        jit.trace(lambda x: x, tt.ones(2), max_batch=4)
    with pytest.raises(ValueError, match="at least 2"):
        jit.trace(lambda x: x + 1, tt.ones(1, 2), dynamic_batch=True)
