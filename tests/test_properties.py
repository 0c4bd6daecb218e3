"""Property tests (hypothesis): random shapes, strided views and index expressions, checked against NumPy and
torch."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
import torch  # noqa: E402
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tinytorch as tt  # noqa: E402
from optable import DTYPES, TORCH_DTYPE, check, dname, make_np, to_torch, to_tt  # noqa: E402


@pytest.fixture(autouse=True)
def _default_device(device):
    tt.set_default_device(device)
    yield
    tt.set_default_device("cpu")


def np_of(t):
    return t.cpu().numpy()


@st.composite
def broadcastable_shapes(draw, n=2):
    """n shapes that broadcast together: each dim of the result is taken whole, as 1, or dropped (leading)."""
    nd = draw(st.integers(0, 4))
    full = draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd))
    shapes = []
    for _ in range(n):
        keep = draw(st.integers(0, nd))
        dims = full[nd - keep:]
        shapes.append(tuple(d if draw(st.booleans()) else 1 for d in dims))
    return shapes


def _arrays(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    return [make_np(s, dtype, "halves", rng) for s in shapes]


@given(broadcastable_shapes(2), st.sampled_from(["add", "mul", "maximum"]),
       st.sampled_from(["float32", "int64", "float64"]), st.integers(0, 2 ** 16))
def test_broadcast_binary(shapes, name, dtype, seed):
    a, b = _arrays(shapes, dtype, seed)
    got = getattr(tt, name)(tt.tensor(a), tt.tensor(b))
    want = {"add": np.add, "mul": np.multiply, "maximum": np.maximum}[name](a, b)
    assert tuple(got.shape) == want.shape
    np.testing.assert_array_equal(np_of(got), want)


@given(broadcastable_shapes(3), st.integers(0, 2 ** 16))
def test_broadcast_where(shapes, seed):
    c, a, b = _arrays(shapes, "float32", seed)
    got = tt.where(tt.tensor(c > 0), tt.tensor(a), tt.tensor(b))
    want = np.where(c > 0, a, b)
    assert tuple(got.shape) == want.shape
    np.testing.assert_array_equal(np_of(got), want)


@st.composite
def strided_views(draw, max_dims=4):
    """A random array, and a view of it: random slices (with steps, from either end) then a permutation."""
    shape = tuple(draw(st.lists(st.integers(0, 6), min_size=0, max_size=max_dims)))
    slices = []
    for n in shape:
        start = draw(st.integers(-n - 1, n + 1)) if draw(st.booleans()) else None
        stop = draw(st.integers(-n - 1, n + 1)) if draw(st.booleans()) else None
        slices.append(slice(start, stop, draw(st.integers(1, 3))))
    perm = draw(st.permutations(range(len(shape))))
    return shape, tuple(slices), tuple(perm)


def _view_pair(shape, slices, perm, dtype="float32", seed=0):
    a = make_np(shape, dtype, "any", np.random.default_rng(seed))
    t = tt.tensor(a)[slices].permute(*perm) if shape else tt.tensor(a)
    v = a[slices].transpose(perm) if shape else a
    return t, v


@given(strided_views(), st.sampled_from(["neg", "exp", "abs", "sqrt_abs", "sigmoid", "floor", "clone", "mul2"]))
def test_unary_on_strided_views(view, name):
    t, v = _view_pair(*view)
    fns = {
        "neg": (lambda x: -x, lambda a: -a), "exp": (tt.exp, np.exp), "abs": (tt.abs, np.abs),
        "sqrt_abs": (lambda x: tt.sqrt(tt.abs(x)), lambda a: np.sqrt(np.abs(a))),
        "sigmoid": (tt.sigmoid, lambda a: 1 / (1 + np.exp(-a.astype(np.float64)))), "floor": (tt.floor, np.floor),
        "clone": (lambda x: x.clone(), lambda a: a.copy()), "mul2": (lambda x: x * 2, lambda a: a * 2),
    }
    f_tt, f_np = fns[name]
    got = f_tt(t)
    assert tuple(got.shape) == v.shape
    np.testing.assert_allclose(np_of(got), f_np(v), rtol=2e-6, atol=1e-6)
    assert got.is_contiguous()


@given(strided_views(), st.data())
def test_sum_over_random_axes(view, data):
    t, v = _view_pair(*view, dtype="float64")
    nd = v.ndim
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, max(nd - 1, 0)), max_size=nd)))) if nd else ()
    keep = data.draw(st.booleans())
    got = t.sum(axes, keepdim=keep) if axes else t.sum()
    want = v.sum(axis=axes, keepdims=keep) if axes else v.sum()
    assert tuple(got.shape) == np.shape(want)
    np.testing.assert_allclose(np_of(got), want, rtol=1e-12, atol=1e-12)


@given(strided_views(), st.sampled_from(DTYPES))
def test_copies_of_strided_views(view, dtype):
    t, v = _view_pair(*view, dtype="float32")
    c = t.contiguous()
    np.testing.assert_array_equal(np_of(c), v)
    # cast through the view, and writing into a view
    p = torch.from_numpy(np.array(v, order="C")).to(TORCH_DTYPE[dtype])
    check(t.to(getattr(tt, dtype)), p, scale=0)
    dst = tt.zeros(*v.shape)
    dst.copy_(t)
    np.testing.assert_array_equal(np_of(dst), v)


@st.composite
def index_expressions(draw):
    """A shape and a NumPy-valid index mixing ints, slices, None, ..., integer arrays and boolean masks."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    items, d = [], 0
    used_ellipsis = False
    while d < len(shape) and draw(st.integers(0, 4)) > 0:
        n = shape[d]
        kind = draw(st.sampled_from(["int", "slice", "none", "array", "mask", "ellipsis"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
            d += 1
        elif kind == "slice":
            items.append(slice(draw(st.one_of(st.none(), st.integers(-n, n))),
                               draw(st.one_of(st.none(), st.integers(-n, n))), draw(st.integers(1, 3))))
            d += 1
        elif kind == "none":
            items.append(None)
        elif kind == "array":
            size = draw(st.sampled_from([(), (2,), (3,), (2, 1)]))
            items.append(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(size)),
                                                max_size=int(np.prod(size))))).reshape(size))
            d += 1
        elif kind == "mask":
            items.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
            d += 1
        elif not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            d = len(shape)  # the rest of the dims
    return shape, tuple(items)


def _to_tt_index(idx):
    return tuple(tt.tensor(i) if isinstance(i, np.ndarray) else i for i in idx)


def _np_ok(a, idx):
    try:
        return a[idx]
    except IndexError:
        return None


@given(index_expressions())
def test_getitem_vs_torch(expr):
    shape, idx = expr
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    want = _np_ok(a, idx)
    assume(want is not None)  # e.g. arrays that do not broadcast together
    # where an integer and an array are split by a slice or None, NumPy and torch place the indexed dims
    # differently; tinytorch follows torch
    want = torch.from_numpy(a)[_to_torch_index(idx)].numpy()
    got = tt.tensor(a)[_to_tt_index(idx)]
    assert tuple(got.shape) == want.shape, f"{idx}"
    np.testing.assert_array_equal(np_of(got), want)


def _to_torch_index(idx):
    return tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx)


@given(index_expressions(), st.booleans())
def test_setitem_vs_torch(expr, scalar):
    """x[idx] = value against torch (where an int and an array are split by a slice or None, NumPy places the
    indexed dims elsewhere); an assignment torch refuses is refused."""
    shape, idx = expr
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    assume(_np_ok(a, idx) is not None)
    ref = torch.from_numpy(a.copy())
    sel = ref[_to_torch_index(idx)]
    # duplicate indices make the written value ambiguous: only write values that all agree then
    value = np.float32(-7) if scalar else -1 - np.arange(sel.shape[-1] if sel.ndim else 1, dtype=np.float32)
    if sel.ndim == 0 and not scalar:
        value = value.reshape(())
    ref[_to_torch_index(idx)] = torch.tensor(value)
    t = tt.tensor(a)
    t[_to_tt_index(idx)] = value.item() if scalar else tt.tensor(value)
    flat_idx = torch.arange(a.size).reshape(shape)[_to_torch_index(idx)].numpy()
    if not scalar and np.unique(flat_idx).size != flat_idx.size:
        # several writes to one element: accept any of the written values there
        got = np_of(t)
        assert np.isin(got.ravel()[flat_idx], value).all()
        untouched = np.ones(a.size, bool)
        untouched[flat_idx.ravel()] = False
        np.testing.assert_array_equal(got.ravel()[untouched], a.ravel()[untouched])
        return
    np.testing.assert_array_equal(np_of(t), ref.numpy(), err_msg=f"{idx}")


@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.booleans(), st.integers(0, 2 ** 16))
def test_add_dtype_pairs(d1, d2, zero_dim, seed):
    rng = np.random.default_rng(seed)
    a = make_np((3, 2), d1, "any", rng)
    b = make_np(() if zero_dim else (2,), d2, "any", rng)
    p = to_torch(a, d1) + to_torch(b, d2) if "bool" not in (d1, d2) or d1 != d2 else to_torch(a, d1) | to_torch(b, d2)
    got = to_tt(a, d1) + to_tt(b, d2)
    assert dname(got.dtype) == dname(p.dtype)
    check(got, p, f"add {d1} {d2}")


@given(st.lists(st.integers(0, 3), max_size=2), st.integers(0, 70), st.integers(0, 70), st.integers(0, 70),
       st.booleans(), st.booleans(), st.sampled_from(["float32", "float64"]), st.integers(0, 2 ** 16))
def test_matmul_layouts(batch, m, k, n, a_transposed, b_transposed, dtype, seed):
    """GEMM's packing paths (rows or columns contiguous, partial panels, k not a multiple of the vector width) and
    its orientation choice (narrow outputs run transposed), with batch dims, against NumPy in float64."""
    rng = np.random.default_rng(seed)
    npd = np.dtype(dtype)
    a = rng.standard_normal(tuple(batch) + ((k, m) if a_transposed else (m, k))).astype(npd)
    b = rng.standard_normal(tuple(batch) + ((n, k) if b_transposed else (k, n))).astype(npd)
    ta, tb = tt.tensor(a), tt.tensor(b)
    if a_transposed:
        ta, a = ta.transpose(-1, -2), a.swapaxes(-1, -2)
    if b_transposed:
        tb, b = tb.transpose(-1, -2), b.swapaxes(-1, -2)
    got = np_of(tt.matmul(ta, tb))
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert got.shape == want.shape and got.dtype == npd
    tol = 1e-4 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(1, k))
