"""The Tensor object: creation, randomness, views and memory sharing, indexing, in-place ops, interop (NumPy,
DLPack, torch), printing, conversions, threads, config and type promotion."""
import itertools

import numpy as np
import pytest
import torch

import tinytorch as tt
from optable import DTYPES, TORCH_DTYPE, TT_DTYPE, check, dname, make_np, to_torch, to_tt

ERRORS = (TypeError, ValueError, IndexError, RuntimeError)


@pytest.fixture(autouse=True)
def _default_device(device):
    tt.set_default_device(device)
    yield
    tt.set_default_device("cpu")


def np_of(t):
    return t.cpu().numpy()


# ---------------------------------------------------------------- creation
def test_tensor_from_lists_and_numpy():
    x = tt.Tensor([[1, 2], [3, 4]])
    assert x.shape == (2, 2) and x.dtype is tt.int64 and x.tolist() == [[1, 2], [3, 4]]
    assert tt.Tensor([1.0, 2.5]).dtype is tt.float32
    assert tt.tensor([True, False]).dtype is tt.bool
    assert tt.tensor(3).shape == () and tt.tensor(3).item() == 3
    assert tt.tensor([]).shape == (0,) and tt.tensor([]).dtype is tt.float32
    assert tt.tensor([[]]).shape == (1, 0)
    for npd in (np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.bool_):
        a = (np.arange(6).reshape(2, 3) % 3).astype(npd)
        t = tt.Tensor(a)
        assert dname(t.dtype) == np.dtype(npd).name or (npd is np.bool_ and t.dtype is tt.bool)
        np.testing.assert_array_equal(np_of(t), a)
    a = np.arange(4.0)
    t = tt.tensor(a)
    a[0] = 7  # tt.tensor copies
    assert np_of(t)[0] == 0
    assert tt.tensor([1, 2], dtype=tt.float64).dtype is tt.float64
    assert tt.tensor(np.float64(2.5)).dtype is tt.float64


def test_constructors_match_torch():
    for name, args in (("zeros", (2, 3)), ("ones", (4,)), ("empty", (2, 0))):
        t = getattr(tt, name)(*args)
        p = getattr(torch, name)(*args)
        assert t.shape == p.shape and dname(t.dtype) == dname(p.dtype)
        if name != "empty":
            check(t, p)
    check(tt.zeros((2, 3), dtype=tt.int32), torch.zeros((2, 3), dtype=torch.int32))
    check(tt.Tensor.zeros(3), torch.zeros(3))
    check(tt.full((2, 2), 7), torch.full((2, 2), 7))
    check(tt.full((2, 2), 1.5), torch.full((2, 2), 1.5))
    check(tt.full((3,), True), torch.full((3,), True))
    check(tt.full((2,), 2.5, dtype=tt.float16), torch.full((2,), 2.5, dtype=torch.float16))
    for args in ((5,), (2, 9), (1, 10, 3), (0.5, 3.0, 0.25), (10, 0, -3), (3, 3), (-2.5, 2.5)):
        check(tt.arange(*args), torch.arange(*args), f"arange{args}")
    check(tt.arange(5, dtype=tt.float64), torch.arange(5, dtype=torch.float64))
    for args in ((0, 1, 5), (-3, 7, 11), (2, 2, 1), (0, 1, 0), (1, -1, 4)):
        check(tt.linspace(*args), torch.linspace(*args), f"linspace{args}")
    for args in ((3,), (2, 4), (4, 2), (0,)):
        check(tt.eye(*args), torch.eye(*args), f"eye{args}")
    check(tt.eye(3, dtype=tt.int64), torch.eye(3, dtype=torch.int64))
    x = tt.tensor([[1, 2, 3]], dtype=tt.int32)
    p = torch.tensor([[1, 2, 3]], dtype=torch.int32)
    for name in ("zeros_like", "ones_like"):
        check(getattr(tt, name)(x), getattr(torch, name)(p))
        check(getattr(tt, name)(x, dtype=tt.float64), getattr(torch, name)(p, dtype=torch.float64))
    check(tt.full_like(x, 4), torch.full_like(p, 4))
    assert tt.empty_like(x).shape == (1, 3) and tt.empty_like(x).dtype is tt.int32
    assert tt.rand_like(x.float()).shape == (1, 3)
    assert tt.randn_like(x.double()).dtype is tt.float64


# ---------------------------------------------------------------- randomness
RANDOM = {
    "rand": lambda: tt.rand(4, 5),
    "Tensor.rand": lambda: tt.Tensor.rand(2, 3),
    "randn": lambda: tt.randn(3, 7, dtype=tt.float64),
    "randint": lambda: tt.randint(-3, 9, (20,)),
    "randperm": lambda: tt.randperm(17),
    "bernoulli": lambda: tt.bernoulli(tt.full((30,), 0.3)),
    "uniform_": lambda: tt.empty(11).uniform_(-2, 3),
    "normal_": lambda: tt.empty(2, 6).normal_(1.0, 0.5),
}


@pytest.mark.parametrize("name", list(RANDOM))
def test_random_reproducible(name):
    tt.manual_seed(1234)
    a = np_of(RANDOM[name]())
    b = np_of(RANDOM[name]())
    tt.Tensor.manual_seed(1234)
    c = np_of(RANDOM[name]())
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b), "two draws after one seed gave the same numbers"
    old = tt.get_num_threads()
    try:
        for n in (1, 2):
            tt.set_num_threads(n)
            tt.manual_seed(1234)
            np.testing.assert_array_equal(np_of(RANDOM[name]()), a, err_msg=f"{name} with {n} threads")
    finally:
        tt.set_num_threads(old)


def test_random_statistics():
    tt.manual_seed(0)
    u = np_of(tt.rand(200_000, dtype=tt.float64))
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert np.histogram(u, 10, (0, 1))[0].min() > 19_000
    n = np_of(tt.randn(200_000))
    assert n.dtype == np.float32
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    assert abs((np.abs(n) < 1).mean() - 0.6827) < 0.01
    un = np_of(tt.empty(100_000).uniform_(-2, 3))
    assert un.min() >= -2 and un.max() < 3 and abs(un.mean() - 0.5) < 0.03
    nn = np_of(tt.empty(100_000).normal_(1.0, 0.5))
    assert abs(nn.mean() - 1) < 0.01 and abs(nn.std() - 0.5) < 0.01
    r = np_of(tt.randint(-3, 9, (100_000,)))
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 8
    assert np.bincount(r + 3).min() > 7000
    r2 = np_of(tt.randint(5, (1000,), dtype=tt.int32))
    assert r2.dtype == np.int32 and set(np.unique(r2)) == set(range(5))
    p = np_of(tt.randperm(1000))
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(1000)) and not np.array_equal(p, np.arange(1000))
    assert tt.randperm(0).shape == (0,)
    b = np_of(tt.bernoulli(tt.full((100_000,), 0.3)))
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    probs = tt.tensor([0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(np_of(tt.bernoulli(probs)), [0, 1, 0, 1])


def test_generator_state_roundtrip():
    tt.manual_seed(7)
    state = tt.get_rng_state()
    a = np_of(tt.rand(5))
    tt.set_rng_state(state)
    np.testing.assert_array_equal(np_of(tt.rand(5)), a)
    g = tt.Generator().manual_seed(7)
    np.testing.assert_array_equal(np_of(tt.rand(5, generator=g)), a)


# ---------------------------------------------------------------- views share memory
def test_views_share_memory():
    base = tt.zeros(4, 6)
    views = {
        "reshape": (lambda b: b.reshape(6, 4), lambda v: v.__setitem__((1, 1), 1.0), (0, 5)),
        "view": (lambda b: b.view(24), lambda v: v.__setitem__(7, 2.0), (1, 1)),
        "transpose": (lambda b: b.transpose(0, 1), lambda v: v.__setitem__((2, 3), 3.0), (3, 2)),
        "T": (lambda b: b.T, lambda v: v.__setitem__((5, 0), 4.0), (0, 5)),
        "step": (lambda b: b[1::2, ::3], lambda v: v.__setitem__((1, 1), 5.0), (3, 3)),
        "negative": (lambda b: b[-1], lambda v: v.__setitem__(-2, 6.0), (3, 4)),
        "none_ellipsis": (lambda b: b[None, ..., 2], lambda v: v.__setitem__((0, 2), 7.0), (2, 2)),
        "narrow": (lambda b: b.narrow(1, 2, 3), lambda v: v.__setitem__((0, 2), 8.0), (0, 4)),
        "unsqueeze": (lambda b: b.unsqueeze(1), lambda v: v.__setitem__((2, 0, 1), 9.0), (2, 1)),
        "select": (lambda b: b.select(1, 5), lambda v: v.__setitem__(3, 10.0), (3, 5)),
        "permute": (lambda b: b.reshape(2, 2, 6).permute(2, 0, 1), lambda v: v.__setitem__((1, 1, 0), 11.0),
                    (2, 1)),
    }
    for name, (make, write, where) in views.items():
        base.zero_()
        v = make(base)
        write(v)
        got = np_of(base)
        assert got[where] != 0, f"{name}: the write through the view is not visible in the base"
        assert np.count_nonzero(got) == 1, f"{name}: the write landed in {np.argwhere(got).tolist()}"
    # expand: stride 0, so one base element is every expanded one
    col = tt.zeros(3, 1)
    e = col.expand(3, 4)
    assert e.stride() == (1, 0)
    col[1, 0] = 5.0
    np.testing.assert_array_equal(np_of(e)[1], [5, 5, 5, 5])
    # and the base written is visible in the view
    b = tt.zeros(3, 4)
    v = b[:, 1]
    b[2, 1] = 3.0
    assert v.tolist() == [0, 0, 3]


def test_view_metadata_matches_torch():
    t = tt.arange(24).reshape(2, 3, 4)
    p = torch.arange(24).reshape(2, 3, 4)
    for f in (lambda x: x.transpose(0, 2), lambda x: x[:, ::2, 1:], lambda x: x[1, None, ..., ::3],
              lambda x: x.permute(1, 2, 0), lambda x: x.narrow(2, 1, 2), lambda x: x[..., 0].unsqueeze(-1),
              lambda x: x[:, :1].expand(2, 5, 4)):
        a, b = f(t), f(p)
        # strides of size-1 dims are arbitrary; the others must agree
        assert a.shape == b.shape and a.storage_offset() == b.storage_offset()
        assert [s for s, n in zip(a.stride(), a.shape) if n != 1] == [s for s, n in zip(b.stride(), b.shape) if n != 1]
        assert a.is_contiguous() == b.is_contiguous()
        check(a, b)


def test_contiguous_and_clone():
    x = tt.arange(12).reshape(3, 4)
    assert x.contiguous() is x
    t = x.T
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c.tolist() == t.tolist() and c.stride() == (3, 1)
    k = x.clone()
    k[0, 0] = 100
    assert x[0, 0].item() == 0
    assert t.clone().is_contiguous()


# ---------------------------------------------------------------- indexing vs NumPy
INDEXES = [
    lambda m: 1, lambda m: -1, lambda m: (1, 2), lambda m: (-2, -1), lambda m: slice(1, None),
    lambda m: (slice(None), slice(None, None, 2)), lambda m: (slice(-3, -1), slice(3, 0, 1)),
    lambda m: (None, 1, Ellipsis), lambda m: (Ellipsis, None), lambda m: (slice(None, None, 3), None, 2),
    lambda m: m([2, 0, -1]), lambda m: (m([0, 2]), m([1, -1])), lambda m: (m([[0], [2]]), m([1, 3, 4])),
    lambda m: (slice(None), m([4, 0, 4])), lambda m: (m([1, 0]), slice(1, 4)), lambda m: (Ellipsis, m([1, 2])),
    lambda m: (m([0, 1]), None, m([2, 3])), lambda m: [0, 2], lambda m: (m([True, False, True, True]),),
    lambda m: m([[True, False, True, False, False]] * 4), lambda m: (slice(1, 3), m([[0, 1], [4, 2]])),
    lambda m: (m([[1]]), slice(None), None), lambda m: (1, m([0, 0, 3])), lambda m: (m([0, 3]), 2),
    lambda m: (m([], dtype="int64"),), lambda m: (m(np.array([1, 2], dtype=np.int32)),),
]


def _tt_index(v, dtype=None):
    return tt.tensor(v, dtype=dtype)


@pytest.mark.parametrize("k", range(len(INDEXES)))
def test_getitem_setitem_vs_numpy(k):
    a = np.arange(20, dtype=np.float32).reshape(4, 5)
    idx_np = INDEXES[k](lambda v, dtype=None: np.array(v, dtype=dtype))
    idx_tt = INDEXES[k](_tt_index)
    t = tt.tensor(a)
    want = a[idx_np]
    got = t[idx_tt]
    assert tuple(got.shape) == want.shape, f"index {k}: shape {tuple(got.shape)} vs NumPy {want.shape}"
    np.testing.assert_array_equal(np_of(got), want)
    # setitem with a broadcast value and with a scalar
    for value in (-1.0, np.arange(want.shape[-1], dtype=np.float32) * -1 - 1 if want.ndim else np.float32(-3)):
        ref = a.copy()
        ref[idx_np] = value
        tgt = tt.tensor(a)
        tgt[idx_tt] = value if isinstance(value, float) else tt.tensor(value).reshape(
            want.shape[-1:] if want.ndim else ())
        np.testing.assert_array_equal(np_of(tgt), ref, err_msg=f"setitem index {k}")
    # the same index on a non-contiguous tensor
    tnc = tt.tensor(np.ascontiguousarray(a.T)).T
    np.testing.assert_array_equal(np_of(tnc[idx_tt]), want)


def test_getitem_basic_is_view_advanced_is_copy():
    x = tt.zeros(3, 4)
    v = x[1:, ::2]
    v[0, 0] = 1
    assert x[1, 0].item() == 1
    c = x[tt.tensor([0, 1])]
    c[0, 0] = 5
    assert x[0, 0].item() == 0


def test_setitem_int_tensor_accumulate_and_duplicates():
    x = tt.zeros(5)
    x.index_put_((tt.tensor([0, 2, 0]),), tt.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [4, 0, 2, 0, 0]
    y = tt.zeros(2, 3, dtype=tt.int64)
    y[y == 0] = 7
    assert y.tolist() == [[7, 7, 7], [7, 7, 7]]
    z = tt.arange(6.0).reshape(2, 3)
    z[:, tt.tensor([2, 0])] = tt.tensor([[10.0, 20.0]])
    assert z.tolist() == [[20, 1, 10], [20, 4, 10]]


# ---------------------------------------------------------------- in place
INPLACE = [
    ("add_", lambda x: x.add_(2), lambda x: x.add_(2)),
    ("add_tensor", lambda x: x.add_(tt.tensor([1.0, 2.0, 3.0])), lambda x: x.add_(torch.tensor([1.0, 2.0, 3.0]))),
    ("sub_", lambda x: x.sub_(0.5), lambda x: x.sub_(0.5)),
    ("mul_", lambda x: x.mul_(3), lambda x: x.mul_(3)),
    ("div_", lambda x: x.div_(4), lambda x: x.div_(4)),
    ("zero_", lambda x: x.zero_(), lambda x: x.zero_()),
    ("fill_", lambda x: x.fill_(2.5), lambda x: x.fill_(2.5)),
    ("copy_", lambda x: x.copy_(tt.tensor([[9, 8, 7]])), lambda x: x.copy_(torch.tensor([[9, 8, 7]]))),
    ("clamp_", lambda x: x.clamp_(-1, 1), lambda x: x.clamp_(-1, 1)),
    ("iadd", lambda x: x.__iadd__(1), lambda x: x.__iadd__(1)),
    ("isub", lambda x: x.__isub__(tt.ones(3)), lambda x: x.__isub__(torch.ones(3))),
    ("imul", lambda x: x.__imul__(2), lambda x: x.__imul__(2)),
    ("itruediv", lambda x: x.__itruediv__(2), lambda x: x.__itruediv__(2)),
    ("exp_", lambda x: x.exp_(), lambda x: x.exp_()),
    ("masked_fill_", lambda x: x.masked_fill_(x > 0, 0.0), lambda x: x.masked_fill_(x > 0, 0.0)),
]


@pytest.mark.parametrize("name,f_tt,f_torch", INPLACE, ids=[r[0] for r in INPLACE])
@pytest.mark.parametrize("layout", ["contig", "T"])
def test_inplace(name, f_tt, f_torch, layout):
    a = np.array([[1.5, -2.0, 0.25], [3.0, -0.5, 4.0]], dtype=np.float32)
    if layout == "T":
        t = tt.tensor(np.ascontiguousarray(a.T)).T
        p = torch.tensor(np.ascontiguousarray(a.T)).T
    else:
        t, p = tt.tensor(a), torch.tensor(a)
    base_t = t
    out = f_tt(t)
    f_torch(p)
    assert out is base_t, f"{name} must return the tensor itself"
    check(base_t, p, name)


def test_inplace_refuses_float_into_int():
    x = tt.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="div_"):
        x.div_(2)
    x += 2
    assert x.tolist() == [3, 4, 5] and x.dtype is tt.int64
    y = tt.zeros(2, 3)
    with pytest.raises(RuntimeError):
        y.add_(tt.ones(4, 2, 3))  # the result would not fit in y


# ---------------------------------------------------------------- interop
@pytest.fixture
def on_cpu():
    """Host-memory semantics (NumPy views, DLPack sharing, a repr with no device) hold for CPU tensors: such tests
    make theirs there whatever the device under test."""
    tt.set_default_device("cpu")


def test_device_tensors_interop(device):
    """Tensors elsewhere reach NumPy as host copies and are not offered through DLPack (a copy is not shared)."""
    if device.type == "cpu":
        pytest.skip("CPU tensors share their memory (test_numpy_is_a_view)")
    t = tt.arange(6.0, device=device).reshape(2, 3)
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0).reshape(2, 3))
    assert t.__dlpack_device__()[0] != 1
    with pytest.raises(BufferError, match="cpu"):
        t.__dlpack__()
    assert t[:0].cpu().shape == (0, 3) and t.T[1:1].cpu().shape == (0, 2)  # empty views travel too


def test_numpy_is_a_view(on_cpu):
    t = tt.arange(6.0).reshape(2, 3)
    a = t.numpy()
    a[0, 1] = 10
    assert t[0, 1].item() == 10
    t[1, 2] = -1
    assert a[1, 2] == -1
    assert np.asarray(t).__array_interface__["data"][0] == a.__array_interface__["data"][0]
    assert np.asarray(t).dtype == np.float32
    tv = t.T
    np.testing.assert_array_equal(tv.numpy(), a.T)
    assert tv.numpy().strides == a.T.strides


def test_from_numpy_no_copy(on_cpu):
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    t = tt.from_numpy(a)
    a[0, 0] = 42
    assert t[0, 0].item() == 42 and t.dtype is tt.int32
    t[2, 3] = -5
    assert a[2, 3] == -5
    b = a[::2, ::-1]
    tb = tt.from_numpy(b)
    assert tb.tolist() == b.tolist()
    b[1, 0] = 99
    assert tb[1, 0].item() == 99
    assert tt.as_tensor(a).data_ptr() == a.__array_interface__["data"][0]


def test_dlpack_both_ways(on_cpu):
    t = tt.arange(6.0).reshape(2, 3)
    p = torch.from_dlpack(t)
    assert p.shape == (2, 3) and p.dtype == torch.float32
    p[0, 0] = 7
    assert t[0, 0].item() == 7
    t[1, 1] = -3
    assert p[1, 1].item() == -3
    q = torch.arange(8, dtype=torch.int64).reshape(2, 4)
    u = tt.from_dlpack(q)
    assert u.dtype is tt.int64 and u.tolist() == q.tolist()
    q[1, 3] = 100
    assert u[1, 3].item() == 100
    u[0, 0] = -1
    assert q[0, 0].item() == -1
    assert u.data_ptr() == q.data_ptr()
    qt = torch.arange(6.0).reshape(2, 3).T  # a strided torch view
    np.testing.assert_array_equal(np_of(tt.from_dlpack(qt)), qt.numpy())
    assert tt.tensor(torch.tensor([1.5, 2.5])).tolist() == [1.5, 2.5]


# ---------------------------------------------------------------- printing and Python protocol
@pytest.mark.parametrize("data,dtype", [
    ([[1.0, 2.0]], "float32"), ([1.5, -2.25, 3.0], "float32"), ([1, 2, 3], "int64"), ([True, False], "bool"),
    (3.5, "float32"), (7, "int64"), ([1.5], "float64"), ([1, 2], "int32"), ([1.0, 2.0], "float16"),
    ([[1e-5, 1.0]], "float32"), ([], "float32"), ([float("nan"), float("inf"), 1.0], "float32"),
    ([[0.1234567, 100.0], [2.0, 3.0]], "float32"), ([1, 2], "uint8"),
])
def test_repr_like_torch(data, dtype, on_cpu):
    got = repr(tt.tensor(data, dtype=TT_DTYPE[dtype]))
    want = repr(torch.tensor(data, dtype=TORCH_DTYPE[dtype])).replace("torch.", "tinytorch.")
    assert got == want
    assert str(tt.tensor(data, dtype=TT_DTYPE[dtype])) == want


def test_python_protocol():
    x = tt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.dtype is tt.float32 and str(x.device) == "cpu" or x.device.type != "cpu"
    assert x.numel() == 6 and x.dim() == 2 and x.ndim == 2 and len(x) == 2
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert [r.tolist() for r in x] == [[1, 2, 3], [4, 5, 6]]
    assert x[1, 2].item() == 6.0 and isinstance(x[1, 2].item(), float)
    assert isinstance(tt.tensor(3).item(), int) and isinstance(tt.tensor(True).item(), bool)
    assert bool(tt.tensor([1])) is True and bool(tt.tensor(0.0)) is False
    with pytest.raises(RuntimeError):
        bool(x)
    with pytest.raises(RuntimeError):
        x.item()
    with pytest.raises(TypeError):
        len(tt.tensor(1.0))
    assert float(tt.tensor(2.5)) == 2.5 and int(tt.tensor(7)) == 7
    assert [1, 2, 3][tt.tensor(1)] == 2
    assert tt.tensor([]).tolist() == [] and tt.tensor(2.0).tolist() == 2.0


def test_bfloat16_to_python():
    x = tt.tensor([1.5, -2.0]).bfloat16()
    assert x.tolist() == [1.5, -2.0]
    assert x[0].item() == 1.5
    assert float(x[1]) == -2.0


def test_conversions():
    x = tt.tensor([[1.7, -2.2], [0.0, 3.5]])
    p = torch.tensor([[1.7, -2.2], [0.0, 3.5]])
    for name in ("float", "double", "half", "bfloat16", "int", "long", "bool", "byte"):
        check(getattr(x.abs(), name)() if name == "byte" else getattr(x, name)(),
              getattr(p.abs(), name)() if name == "byte" else getattr(p, name)(), name, scale=0)
    for d in DTYPES:
        check(x.to(TT_DTYPE[d]), p.to(TORCH_DTYPE[d]), f"to({d})", scale=0)
        check(x.to(dtype=d), p.to(TORCH_DTYPE[d]), f"to(dtype={d!r})", scale=0)
    assert x.to(tt.float32) is x
    assert x.to(tt.float32, copy=True) is not x
    assert x.to("cpu").device.type == "cpu"
    assert x.to(tt.tensor([1])).dtype is tt.int64


def test_threads_and_config():
    old = tt.get_num_threads()
    try:
        tt.set_num_threads(1)
        assert tt.get_num_threads() == 1
        tt.set_num_threads(2)
        assert tt.get_num_threads() == 2
        assert tt.config()["num_threads"] == 2
    finally:
        tt.set_num_threads(old)
    cfg = tt.config()
    assert {"version", "abi_version", "cpu_isa", "num_threads", "backends"} <= set(cfg)
    assert cfg["backends"]["cpu"]["built"] is True and cfg["backends"]["cpu"]["devices"] >= 1
    assert set(cfg["backends"]) >= {"cpu", "cuda", "metal"}
    assert isinstance(cfg["cpu_isa"], str) and cfg["cpu_isa"]


def test_same_numbers_at_any_thread_count():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 257)).astype(np.float32)
    w = rng.standard_normal((333, 257)).astype(np.float32)  # a product big enough for GEMM's task grid
    old = tt.get_num_threads()
    outs = []
    try:
        for n in (1, 2, 3):
            tt.set_num_threads(n)
            x = tt.tensor(a)
            big = tt.cat([x] * 5) @ tt.tensor(w).T
            np.testing.assert_allclose(np_of(big), np.concatenate([a] * 5) @ w.T, rtol=1e-4, atol=1e-3)
            outs.append([np_of(x.sum(1)), np_of(x.exp()), np_of(x @ x.T), np_of(x.softmax(-1)), np_of(big)])
    finally:
        tt.set_num_threads(old)
    for later in outs[1:]:
        for u, v in zip(outs[0], later):
            np.testing.assert_array_equal(u, v)


def test_cuda_absent_is_a_clear_error():
    if tt.config()["backends"]["cuda"]["devices"] > 0:
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError, match="cuda"):
        tt.zeros(3, device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        tt.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        tt.tensor([1.0]).cuda()


# ---------------------------------------------------------------- type promotion
@pytest.mark.parametrize("d1,d2", list(itertools.product(DTYPES, DTYPES)))
def test_promotion_table(d1, d2):
    a_tt, b_tt = tt.zeros(2, dtype=TT_DTYPE[d1]), tt.zeros(2, dtype=TT_DTYPE[d2])
    a_p, b_p = torch.zeros(2, dtype=TORCH_DTYPE[d1]), torch.zeros(2, dtype=TORCH_DTYPE[d2])
    want = dname(torch.result_type(a_p, b_p))
    assert dname(tt.result_type(a_tt, b_tt)) == want
    assert dname(tt.promote_types(TT_DTYPE[d1], TT_DTYPE[d2])) == want
    # a 0-d tensor does not widen within its category, only raises the category
    assert dname(tt.result_type(a_tt, tt.zeros((), dtype=TT_DTYPE[d2]))) == \
        dname(torch.result_type(a_p, torch.zeros((), dtype=TORCH_DTYPE[d2])))
    # matmul promotes (torch refuses mixed dtypes there; tinytorch promotes everywhere)
    if d1 != "bool" or d2 != "bool":
        x = tt.ones(2, 2, dtype=TT_DTYPE[d1]) @ tt.ones(2, 2, dtype=TT_DTYPE[d2])
        assert dname(x.dtype) == want
        assert x.float().tolist() == [[2, 2], [2, 2]]


@pytest.mark.parametrize("d", DTYPES)
@pytest.mark.parametrize("scalar", [1, 2.5, True, np.float64(1.5), np.int32(3)])
def test_promotion_with_scalars(d, scalar):
    t = tt.zeros(2, dtype=TT_DTYPE[d])
    p = torch.zeros(2, dtype=TORCH_DTYPE[d])
    want = dname(torch.result_type(p, scalar))
    assert dname(tt.result_type(t, scalar)) == want
    z = tt.zeros((), dtype=TT_DTYPE[d])
    assert dname(tt.result_type(z, scalar)) == dname(torch.result_type(torch.zeros((), dtype=TORCH_DTYPE[d]), scalar))


def test_default_dtype():
    try:
        tt.set_default_dtype(tt.float64)
        assert tt.tensor([1.5]).dtype is tt.float64 and tt.zeros(2).dtype is tt.float64
        assert (tt.tensor([1, 2]) / 2).dtype is tt.float64
    finally:
        tt.set_default_dtype(tt.float32)
    with pytest.raises(TypeError):
        tt.set_default_dtype(tt.int64)


def test_helpers_roundtrip():
    arr = make_np((3, 4), "bfloat16", "any")
    check(to_tt(arr, "bfloat16"), to_torch(arr, "bfloat16"), scale=0)
