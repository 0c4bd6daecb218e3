"""Device, accelerator, AMP, compile and distributed switches, and torch's import paths, against torch on this
machine: each call is made on both libraries and the answers, types and exception classes compared. Where tinytorch
deliberately differs (CPU autocast keeps float32, distributed is unavailable) the test says so."""
import importlib
import json
import pickle
import warnings

import numpy as np
import pytest

import tinytorch as tt

torch = pytest.importorskip("torch")

cpu_only = pytest.mark.skipif(tt.cuda.is_available() or torch.cuda.is_available(),
                              reason="compares the answers of a machine without CUDA")


def _np(t):
    return t.detach().numpy()


def _copy_weights(ours, theirs):
    for p, q in zip(ours.parameters(), theirs.parameters()):
        with torch.no_grad():
            q.copy_(torch.from_numpy(_np(p).copy()))


def _raises_like(ours, theirs, ours_type=None):
    """Both calls raise; ours with the class torch uses, or ours_type where the library's convention differs."""
    with pytest.raises(Exception) as theirs_err:
        theirs()
    with pytest.raises(ours_type or theirs_err.type) as ours_err:
        ours()
    return ours_err.value, theirs_err.value


def _warns_like(ours, theirs):
    """Both calls warn with the same category (or both stay silent); returns their results."""
    results, categories = [], []
    for fn in (theirs, ours):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(fn())
        categories.append(sorted({w.category.__name__ for w in caught}))
    assert categories[1] == categories[0]
    return results[1], results[0]


@pytest.fixture
def restore_switches():
    """The precision and determinism switches are process-wide in both libraries: put them back."""
    saved = (torch.get_float32_matmul_precision(), torch.are_deterministic_algorithms_enabled())
    yield
    for lib in (tt, torch):
        lib.set_float32_matmul_precision(saved[0])
        lib.use_deterministic_algorithms(saved[1])


# ---- devices
DEVICE_NAMES = ["cpu", "cuda", "cuda:0", "cuda:1", "mps", "mps:0"]


@pytest.mark.parametrize("name", DEVICE_NAMES)
def test_device_fields(name):
    ours, theirs = tt.device(name), torch.device(name)
    assert (ours.type, ours.index, str(ours), repr(ours)) == (theirs.type, theirs.index, str(theirs), repr(theirs))
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert tt.device(ours.type, ours.index) == ours
    assert (ours == name) == (theirs == name)


def test_device_equality_matches_torch():
    for a in DEVICE_NAMES:
        for b in DEVICE_NAMES:
            same = torch.device(a) == torch.device(b)
            assert (tt.device(a) == tt.device(b)) == same, (a, b)
            if same:
                assert hash(tt.device(a)) == hash(tt.device(b))
    _raises_like(lambda: tt.device("cuda:0", 1), lambda: torch.device("cuda:0", 1), ValueError)


def test_device_context_sets_default():
    with tt.device("cpu"), torch.device("cpu"):
        assert str(tt.zeros(2).device) == str(torch.zeros(2).device)
    assert tt.zeros(2).device == tt.device("cpu")
    if not tt.cuda.is_available():
        with pytest.raises(RuntimeError), tt.device("cuda"):  # no CUDA tensors can be made in the block
            pass
        assert tt.zeros(2).device == tt.device("cpu")


@cpu_only
def test_tensor_device_flags():
    ours, theirs = tt.arange(6.0), torch.arange(6.0)
    moved, moved_t = ours.to("cpu", non_blocking=True), theirs.to("cpu", non_blocking=True)
    np.testing.assert_array_equal(_np(moved), moved_t.numpy())
    assert str(moved.device) == str(moved_t.device) and str(ours.cpu().device) == str(theirs.cpu().device)
    for flag in ("is_cuda", "is_xpu", "is_mps", "is_cpu", "is_meta"):
        assert getattr(ours, flag) == getattr(theirs, flag), flag
    assert ours.is_pinned() == theirs.is_pinned()
    _raises_like(ours.pin_memory, theirs.pin_memory)  # no accelerator to pin for
    assert str(ours.to(tt.device("cpu")).device) == "cpu"


# ---- tinytorch.cuda, accelerator, cpu
@cpu_only
def test_cuda_queries_without_cuda():
    for name in ("is_available", "is_bf16_supported", "device_count", "is_initialized", "memory_allocated",
                 "max_memory_allocated", "memory_reserved", "max_memory_reserved", "get_arch_list", "empty_cache"):
        assert getattr(tt.cuda, name)() == getattr(torch.cuda, name)(), name
    for name in ("synchronize", "current_device", "get_device_name"):
        _raises_like(getattr(tt.cuda, name), getattr(torch.cuda, name))
    _raises_like(lambda: tt.cuda.set_device(0), lambda: torch.cuda.set_device(0), RuntimeError)


@cpu_only
def test_cuda_manual_seed_leaves_cpu_stream():
    draws = []
    for lib in (tt, torch):
        lib.manual_seed(3)
        first = lib.rand(4).numpy()
        lib.manual_seed(3)
        lib.cuda.manual_seed(11)
        lib.cuda.manual_seed_all(12)
        draws.append(np.array_equal(first, lib.rand(4).numpy()))
    assert draws[0] == draws[1] is True


@cpu_only
def test_accelerator_and_cpu_modules():
    assert tt.accelerator.is_available() == torch.accelerator.is_available()
    assert tt.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert tt.accelerator.device_count() == torch.accelerator.device_count()
    _raises_like(tt.accelerator.synchronize, torch.accelerator.synchronize)
    _raises_like(tt.accelerator.current_device_index, torch.accelerator.current_device_index)
    for name in ("is_available", "device_count", "current_device", "synchronize"):
        assert getattr(tt.cpu, name)() == getattr(torch.cpu, name)(), name


# ---- backends and global switches
def test_cudnn_module_switches():
    cudnn = importlib.import_module("tinytorch.backends.cudnn")
    # programs run earlier in the session may have set benchmark (as real scripts do): start from the defaults
    cudnn.benchmark = torch.backends.cudnn.benchmark = False
    cudnn.deterministic = torch.backends.cudnn.deterministic = False
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert cudnn.is_available() is False and cudnn.version() is None  # our GPU kernels are our own

    with cudnn.flags(enabled=True, benchmark=True, deterministic=True), \
            torch.backends.cudnn.flags(enabled=True, benchmark=True, deterministic=True):
        assert (cudnn.benchmark, cudnn.deterministic) == (torch.backends.cudnn.benchmark,
                                                          torch.backends.cudnn.deterministic)
    assert (cudnn.benchmark, cudnn.deterministic) == (False, False)
    cudnn.benchmark = True
    assert tt.backends.cudnn.benchmark is True
    cudnn.benchmark = False


@cpu_only
def test_backend_availability():
    assert tt.backends.cuda.is_built() == (tt.config()["backends"]["cuda"]["built"])
    assert tt.backends.mps.is_available() == torch.backends.mps.is_available()
    assert tt.backends.mps.is_built() == torch.backends.mps.is_built()
    for name in ("mkl", "mkldnn", "openmp"):  # torch's CPU build has them; tinytorch's kernels are its own
        assert isinstance(getattr(tt.backends, name).is_available(), bool)
    assert tt.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability() or \
        tt.config()["cpu_isa"] != "avx512"
    for name in ("flash", "mem_efficient", "math"):
        assert getattr(tt.backends.cuda, f"{name}_sdp_enabled")() == \
            getattr(torch.backends.cuda, f"{name}_sdp_enabled")()


def test_float32_matmul_precision(restore_switches):
    for lib in (tt, torch):
        lib.set_float32_matmul_precision("highest")
    assert tt.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    for precision in ("high", "medium", "highest", "bogus"):
        _warns_like(lambda: tt.set_float32_matmul_precision(precision),
                    lambda: torch.set_float32_matmul_precision(precision))
        assert tt.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        assert tt.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    tt.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    assert tt.get_float32_matmul_precision() == torch.get_float32_matmul_precision()


def test_deterministic_algorithms(restore_switches):
    for mode, warn_only in ((True, False), (True, True), (False, False)):
        tt.use_deterministic_algorithms(mode, warn_only=warn_only)
        torch.use_deterministic_algorithms(mode, warn_only=warn_only)
        assert tt.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
        assert (tt.is_deterministic_algorithms_warn_only_enabled()
                == torch.is_deterministic_algorithms_warn_only_enabled())


# ---- compile
def test_compile_function_and_decorators():
    x = np.linspace(-1, 1, 6, dtype=np.float32)

    def f(v):
        return (v * 2).sin()
    assert np.array_equal(_np(tt.compile(f)(tt.tensor(x))), _np(f(tt.tensor(x))))

    @tt.compile
    def g(v):
        return v + 1

    @tt.compile(mode="max-autotune", fullgraph=True, dynamic=False)
    def h(v):
        return v * 3
    assert g.__name__ == "g" and h.__name__ == "h"
    np.testing.assert_array_equal(_np(g(tt.tensor(x))), x + 1)
    np.testing.assert_allclose(_np(h(tt.tensor(x))), (torch.tensor(x) * 3).numpy())
    lin = tt.nn.Linear(2, 2)
    assert tt.compile(lin, disable=True) is lin and torch.compile(f, disable=True) is f
    _raises_like(lambda: tt.compile(lin, mode="bogus"), lambda: torch.compile(f, mode="bogus"))
    _raises_like(lambda: tt.compile(lin, mode="default", options={}),
                 lambda: torch.compile(f, mode="default", options={}))


def test_compiled_module_stays_a_module():
    ours = tt.nn.Sequential(tt.nn.Linear(3, 4), tt.nn.Dropout(0.5), tt.nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Dropout(0.5), torch.nn.Linear(4, 2))
    _copy_weights(ours, theirs)
    c_ours, c_theirs = tt.compile(ours, backend="inductor"), torch.compile(theirs, backend="inductor")
    assert isinstance(c_ours, tt.nn.Module) and isinstance(c_theirs, torch.nn.Module)
    assert type(c_ours).__name__ == type(c_theirs).__name__
    assert list(c_ours.state_dict()) == list(c_theirs.state_dict())
    assert [n for n, _ in c_ours.named_parameters()] == [n for n, _ in c_theirs.named_parameters()]
    assert c_ours._orig_mod is ours and c_theirs._orig_mod is theirs
    assert getattr(c_ours, "0") is ours[0] and getattr(c_theirs, "0") is theirs[0]  # attributes reach the original
    c_ours.eval()
    c_theirs.eval()
    assert ours.training == theirs.training is False
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(_np(c_ours(tt.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    c_ours.load_state_dict(c_ours.state_dict())


# ---- autocast
@cpu_only
@pytest.mark.parametrize("make", [lambda lib: lib.autocast("cuda"), lambda lib: lib.amp.autocast("cuda"),
                                  lambda lib: lib.cuda.amp.autocast(),
                                  lambda lib: lib.amp.autocast("cuda", dtype=lib.bfloat16, cache_enabled=False)])
def test_autocast_cuda_disables_itself(make):
    ctx_ours, ctx_theirs = _warns_like(lambda: make(tt), lambda: make(torch))
    ours, theirs = tt.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    _copy_weights(ours, theirs)
    x = np.ones((2, 3), np.float32)
    with ctx_ours, ctx_theirs:
        out, out_t = ours(tt.tensor(x)), theirs(torch.tensor(x))
        assert tt.is_autocast_enabled() == torch.is_autocast_enabled()
    assert out.dtype.name == str(out_t.dtype).replace("torch.", "") == "float32"
    np.testing.assert_allclose(_np(out), out_t.detach().numpy(), rtol=1e-6)


def test_autocast_cpu_keeps_float32():
    """torch's CPU autocast runs matmuls in bfloat16; tinytorch's has no lower precision and keeps float32."""
    lin, x = tt.nn.Linear(3, 2), tt.ones(2, 3)
    with tt.autocast("cpu"), tt.amp.autocast("cpu", dtype=tt.bfloat16):
        out = lin(x)
        assert tt.is_autocast_enabled("cpu") is False
    np.testing.assert_array_equal(_np(out), _np(lin(x)))
    assert out.dtype == tt.float32

    @tt.autocast("cpu")
    def run(v):
        return lin(v)
    np.testing.assert_array_equal(_np(run(x)), _np(lin(x)))
    _warns_like(lambda: tt.autocast("cpu", dtype=tt.float32), lambda: torch.autocast("cpu", dtype=torch.float32))
    _warns_like(lambda: tt.cpu.amp.autocast(), lambda: torch.cpu.amp.autocast())
    _raises_like(lambda: tt.autocast(3), lambda: torch.autocast(3))
    _raises_like(lambda: tt.autocast("tpu"), lambda: torch.autocast("tpu"), ValueError)


# ---- GradScaler
@cpu_only
@pytest.mark.parametrize("make", [lambda lib: lib.amp.GradScaler("cuda", init_scale=1024.0),
                                  lambda lib: lib.amp.GradScaler(), lambda lib: lib.cuda.amp.GradScaler()])
def test_grad_scaler_disables_without_cuda(make):
    ours, theirs = _warns_like(lambda: make(tt), lambda: make(torch))
    assert (ours.is_enabled(), ours.get_scale(), ours.state_dict()) == \
        (theirs.is_enabled(), theirs.get_scale(), theirs.state_dict())
    loss = tt.tensor(2.0)
    assert ours.scale(loss) is loss
    ours.load_state_dict({})
    ours.update()


def _scaler_pair(**kw):
    ours, theirs = tt.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    _copy_weights(ours, theirs)
    return (ours, tt.optim.SGD(ours.parameters(), lr=0.1), tt.amp.GradScaler("cpu", **kw),
            theirs, torch.optim.SGD(theirs.parameters(), lr=0.1), torch.amp.GradScaler("cpu", **kw))


def test_grad_scaler_steps_skips_and_rescales_as_torch():
    ours, opt, scaler, theirs, opt_t, scaler_t = _scaler_pair(init_scale=256.0, growth_interval=2)
    rng = np.random.default_rng(1)
    for step in range(6):
        x = rng.standard_normal((4, 3)).astype(np.float32)
        if step == 2:
            x[0, 0] = np.inf  # an overflowing batch: the step is skipped and the scale backs off
        results = []
        for model, optim, sc, lib in ((ours, opt, scaler, tt), (theirs, opt_t, scaler_t, torch)):
            optim.zero_grad()
            loss = (model(lib.tensor(x)) ** 2).mean()
            sc.scale(loss).backward()
            sc.unscale_(optim)
            results.append((sc.step(optim), _np(model.weight).copy()))
            sc.update()
        assert scaler.get_scale() == scaler_t.get_scale(), step
        assert scaler.state_dict() == scaler_t.state_dict(), step
        assert (results[0][0] is None) == (results[1][0] is None)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
    scaler.update(new_scale=8.0)
    scaler_t.update(new_scale=8.0)
    assert scaler.get_scale() == scaler_t.get_scale()


def test_grad_scaler_scale_structures_and_errors():
    _, opt, scaler, _, opt_t, scaler_t = _scaler_pair()
    assert scaler.get_scale() == scaler_t.get_scale() and scaler.is_enabled() == scaler_t.is_enabled()
    _raises_like(lambda: scaler.step(opt), lambda: scaler_t.step(opt_t))  # nothing scaled yet
    a, b = [2.0, 3.0], [[1.0], [4.0]]
    ours = scaler.scale([tt.tensor(a), (tt.tensor(b),)])
    theirs = scaler_t.scale([torch.tensor(a), (torch.tensor(b),)])
    assert type(ours) is type(theirs) and type(ours[1]) is type(theirs[1])
    np.testing.assert_array_equal(_np(ours[0]), theirs[0].numpy())
    np.testing.assert_array_equal(_np(ours[1][0]), theirs[1][0].numpy())
    _raises_like(lambda: scaler.scale(3), lambda: scaler_t.scale(3))
    _raises_like(lambda: scaler.step(opt), lambda: scaler_t.step(opt_t))  # no gradients: no inf checks recorded
    _raises_like(lambda: scaler.unscale_(opt), lambda: scaler_t.unscale_(opt_t))  # that step unscaled already
    _, opt, scaler, _, opt_t, scaler_t = _scaler_pair()
    scaler.scale(tt.ones(1))
    scaler_t.scale(torch.ones(1))
    for p, q in zip(opt.param_groups[0]["params"], opt_t.param_groups[0]["params"]):
        p.grad, q.grad = tt.ones(*p.shape), torch.ones(*q.shape)
    scaler.unscale_(opt)
    scaler_t.unscale_(opt_t)
    _raises_like(lambda: scaler.unscale_(opt), lambda: scaler_t.unscale_(opt_t))
    scaler.step(opt)
    scaler_t.step(opt_t)
    _raises_like(lambda: scaler.unscale_(opt), lambda: scaler_t.unscale_(opt_t))
    _raises_like(lambda: scaler.step(opt), lambda: scaler_t.step(opt_t))
    scaler.update()
    scaler_t.update()
    _raises_like(lambda: scaler.update(), lambda: scaler_t.update())  # no inf checks since
    _raises_like(lambda: scaler.load_state_dict({}), lambda: scaler_t.load_state_dict({}))
    state = scaler_t.state_dict() | {"scale": 32.0, "_growth_tracker": 3}
    scaler.load_state_dict(state)
    scaler_t.load_state_dict(state)
    assert scaler.state_dict() == scaler_t.state_dict()
    _raises_like(lambda: tt.amp.GradScaler("cpu", growth_factor=0.5),
                 lambda: torch.amp.GradScaler("cpu", growth_factor=0.5))


# ---- distributed and parallel wrappers
def test_distributed_without_backend():
    dist = importlib.import_module("tinytorch.distributed")
    assert dist.is_available() is False  # torch's build has gloo; tinytorch has no backend at all
    assert dist.is_initialized() == torch.distributed.is_initialized() is False
    for name in ("get_rank", "get_world_size", "barrier"):
        ours, theirs = _raises_like(getattr(dist, name), getattr(torch.distributed, name))
        assert str(ours) == str(theirs)
    with pytest.raises(RuntimeError, match="no distributed backend"):
        dist.init_process_group("nccl", rank=0, world_size=1)
    _raises_like(lambda: tt.nn.parallel.DistributedDataParallel(tt.nn.Linear(2, 2)),
                 lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2)))


@cpu_only  # with a GPU, torch's DataParallel moves the batch there
def test_data_parallel_passes_through():
    ours, theirs = tt.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    _copy_weights(ours, theirs)
    dp, dp_t = tt.nn.DataParallel(ours), torch.nn.DataParallel(theirs)
    assert dp.module is ours and list(dp.state_dict()) == list(dp_t.state_dict())
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(_np(dp(tt.tensor(x))), dp_t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(tt.nn.parallel.data_parallel(ours, tt.tensor(x))),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


# ---- import paths
MODULE_PATHS = [("linear", "Linear"), ("conv", "Conv2d"), ("pooling", "MaxPool2d"), ("activation", "ReLU"),
                ("activation", "MultiheadAttention"), ("normalization", "LayerNorm"), ("dropout", "Dropout"),
                ("sparse", "Embedding"), ("flatten", "Flatten"), ("container", "Sequential"), ("loss", "MSELoss"),
                ("transformer", "TransformerEncoderLayer"), ("batchnorm", "BatchNorm2d"),
                ("instancenorm", "InstanceNorm1d"), ("pixelshuffle", "PixelShuffle"), ("upsampling", "Upsample"),
                ("fold", "Fold"), ("module", "Module"), ("distance", "CosineSimilarity")]


@pytest.mark.parametrize("module,name", MODULE_PATHS)
def test_nn_module_paths(module, name):
    ours = importlib.import_module(f"tinytorch.nn.modules.{module}")
    theirs = importlib.import_module(f"torch.nn.modules.{module}")
    assert getattr(ours, name) is getattr(tt.nn, name) and getattr(theirs, name) is getattr(torch.nn, name)


DATA_PATHS = [("dataloader", "DataLoader"), ("dataset", "Dataset"), ("dataset", "TensorDataset"),
              ("dataset", "random_split"), ("sampler", "RandomSampler"), ("sampler", "BatchSampler"),
              ("sampler", "WeightedRandomSampler"), ("distributed", "DistributedSampler")]


@pytest.mark.parametrize("module,name", DATA_PATHS)
def test_data_paths(module, name):
    ours = getattr(importlib.import_module(f"tinytorch.utils.data.{module}"), name)
    theirs = getattr(importlib.import_module(f"torch.utils.data.{module}"), name)
    assert ours is getattr(tt.utils.data, name) and theirs is getattr(torch.utils.data, name)


def test_top_level_imports():
    from tinytorch import nn, optim  # noqa: F401
    from tinytorch.cuda.amp import GradScaler, autocast  # noqa: F401
    from tinytorch.optim import lr_scheduler
    import tinytorch.backends.cudnn  # noqa: F401
    assert lr_scheduler.StepLR is tt.optim.lr_scheduler.StepLR
    assert tt.GradScaler is tt.amp.GradScaler and torch.GradScaler is torch.amp.GradScaler


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False),
                                                  (7, 2, True)])
def test_distributed_sampler(n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    from tinytorch.utils.data.distributed import DistributedSampler
    shares = []
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        shuffled = DistributedSampler(range(n), replicas, rank, seed=5, drop_last=drop_last)
        shuffled.set_epoch(1)
        shares.append(list(shuffled))
        assert len(shares[-1]) == len(theirs)
    if not drop_last:  # every index is read by some replica
        assert set(sum(shares, [])) == set(range(n))
    _raises_like(lambda: DistributedSampler(range(n), replicas, replicas),
                 lambda: TorchSampler(range(n), replicas, replicas))


# ---- tensorboard and onnx
def test_summary_writer_log(tmp_path, monkeypatch):
    from tinytorch.utils.tensorboard import SummaryWriter
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_x") as default_writer:
        assert default_writer.get_logdir().startswith("runs") and default_writer.get_logdir().endswith("_x")
    values = [tt.tensor(1.5), np.float32(2.25), 3, torch.tensor([4.0])]
    with SummaryWriter(log_dir=tmp_path / "log", max_queue=2) as writer:
        for step, v in enumerate(values):
            writer.add_scalar("loss", v, step)
        writer.add_scalars("acc", {"train": 0.5, "val": tt.tensor(0.25)}, 7)
        writer.add_text("note", "hello", 0)
        writer.add_histogram("w", tt.arange(4.0), 1)
        with pytest.warns(UserWarning):
            writer.add_image("img", tt.zeros(3, 2, 2))
        writer.add_graph(tt.nn.Linear(2, 2))  # warned once per writer
    (log,) = (tmp_path / "log").iterdir()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    scalars = [(e["tag"], e["value"], e["step"]) for e in events if e["kind"] == "scalar"]
    expected = [float(torch.tensor(v.item() if hasattr(v, "item") else v)) for v in values]
    assert scalars == [("loss", v, i) for i, v in enumerate(expected)] + [("acc/train", 0.5, 7), ("acc/val", 0.25, 7)]
    assert [e["value"] for e in events if e["kind"] == "text"] == ["hello"]
    hist = next(e["value"] for e in events if e["kind"] == "histogram")
    t = torch.arange(4.0)
    assert (hist["min"], hist["max"], hist["mean"]) == (t.min().item(), t.max().item(), t.mean().item())
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_scalar("late", 1.0)


def test_onnx():
    assert tt.onnx.is_in_onnx_export() == torch.onnx.is_in_onnx_export()
    with pytest.raises(NotImplementedError):
        tt.onnx.export(tt.nn.Linear(2, 2), (tt.ones(1, 2),), "m.onnx")


# ---- the AMP-style training loop
def _train(amp_style, steps=8):
    tt.manual_seed(0)
    model = tt.nn.Sequential(tt.nn.Linear(6, 16), tt.nn.ReLU(), tt.nn.Linear(16, 3))
    opt = tt.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(4)
    if amp_style:
        tt.backends.cudnn.benchmark = True
        device = "cuda" if tt.cuda.is_available() else "cpu"
        model = tt.compile(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scalers = [tt.amp.GradScaler("cuda"), tt.amp.GradScaler(device)]  # disabled here, then a real one
    losses = []
    for step in range(steps):
        x = tt.tensor(rng.standard_normal((8, 6)).astype(np.float32)).to(device if amp_style else "cpu",
                                                                       non_blocking=True)
        y = tt.tensor(rng.integers(0, 3, 8))
        opt.zero_grad(set_to_none=True)
        if amp_style:
            scaler = scalers[step % 2]
            with tt.autocast(device_type=device, dtype=tt.bfloat16):
                loss = tt.nn.functional.cross_entropy(model(x), y)
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            tt.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
        else:
            loss = tt.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            tt.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        losses.append(loss.item())
    tt.backends.cudnn.benchmark = False
    return losses, [_np(p).copy() for p in model.parameters()]


@cpu_only  # the model stays on the CPU; with a GPU the AMP loop's batch would not
def test_amp_style_loop_matches_plain_loop():
    """Scaling by a power of two is exact, so the AMP loop (real CPU scaler on odd steps) equals the plain one."""
    plain_losses, plain_params = _train(False)
    amp_losses, amp_params = _train(True)
    assert amp_losses == plain_losses
    for a, b in zip(amp_params, plain_params):
        np.testing.assert_array_equal(a, b)
