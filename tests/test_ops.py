"""Generic forward tests driven by optable.OPS: every row, every dtype it supports, contiguous and non-contiguous
inputs, against PyTorch (values, shapes and dtypes) and NumPy (values and shapes). Where PyTorch refuses an
input, tinytorch must refuse it too, with a Python exception."""
import itertools
import zlib

import numpy as np
import pytest
import torch

import tinytorch as tt
from optable import (DTYPES, FLOATS, OPS, SPECIALS, TORCH_DTYPE, check, dname, layout_values, make_np, tol,
                     to_torch, to_tt, with_layout)

ERRORS = (TypeError, ValueError, IndexError, RuntimeError, NotImplementedError)
HALF = ("float16", "bfloat16")


@pytest.fixture(autouse=True)
def _default_device(device):
    """Constants made inside the op expressions (m.tensor([...])) land on the device under test."""
    tt.set_default_device(device)
    yield
    tt.set_default_device("cpu")


def _layouts_for(row, dtype):
    """Contiguous inputs for every dtype; the non-contiguous layouts for the row's first dtype (the layout code
    paths do not depend on the dtype; keeps the suite fast)."""
    if dtype == row.dtypes[0] or (dtype == "float16" and row.dtypes[0] != "float32"):
        return row.layouts
    return ("contig",)


CASES = [pytest.param(row, dtype, layout, id=f"{row.id}-{dtype}-{layout}")
         for row in OPS for dtype in row.dtypes for layout in _layouts_for(row, dtype)]


def _np_inputs(vals, dtype):
    # NumPy computes the references for the half types in float64 (its float16 sums lose too much)
    return [v.astype(np.float64) if dtype in HALF else v for v in vals]


def _torch_reference(fn, ins, dtype):
    """torch's answer; for a half type torch's CPU lacks, the float32 answer rounded to that type."""
    try:
        return fn(torch, *ins)
    except (RuntimeError, NotImplementedError) as e:
        if dtype not in HALF or "not implemented for" not in str(e):
            raise
    out = fn(torch, *[i.float() if i.dtype == TORCH_DTYPE[dtype] else i for i in ins])
    return _tree(out, lambda t: t.to(TORCH_DTYPE[dtype]) if t.dtype == torch.float32 else t)


def _tree(x, f):
    if isinstance(x, (tuple, list)):
        return type(x)(*[_tree(v, f) for v in x]) if hasattr(x, "_fields") else type(x)(_tree(v, f) for v in x)
    return f(x) if isinstance(x, torch.Tensor) else x


def _check_np(got, want, what, scale):
    if want is None:
        return
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), f"{what}: structure differs from NumPy's"
        for i, (g, w) in enumerate(zip(got, want)):
            _check_np(g, w, f"{what}[{i}]", scale)
        return
    check(got, np.asarray(want), what + " (vs NumPy)", scale, check_dtype=False)


def run_case(row, dtype, layout, arrays, device, signed_zero=False, special=False):
    """One case: the row on these inputs, in this layout, checked against torch and NumPy."""
    vals = [layout_values(a, layout) for a in arrays]
    t_in = [with_layout(a, dtype, layout, tt, device) for a in arrays]
    p_in = [with_layout(a, dtype, layout, torch) for a in arrays]
    what = f"{row.id} {dtype} {layout} shapes {[a.shape for a in arrays]}"
    try:
        want = _torch_reference(row.torch_fn or row.fn, p_in, dtype)
    except Exception as e:  # torch refuses: so must tinytorch, with a Python exception
        try:
            got = row.fn(tt, *t_in)
        except ERRORS:
            return
        raise AssertionError(f"{what}: torch raises {type(e).__name__}({e}) but tinytorch returned {got!r}")
    got = row.fn(tt, *t_in)
    check(got, want, what, row.scale, signed_zero=signed_zero)
    if row.np_fn is not None and not special:
        with np.errstate(all="ignore"):
            ref = row.np_fn(*_np_inputs(vals, dtype))
        _check_np(got, ref, what, row.scale)


@pytest.mark.parametrize("row,dtype,layout", CASES)
def test_forward(row, dtype, layout, device):
    rng = np.random.default_rng(zlib.crc32(f"{row.id}-{dtype}".encode()))
    failures = []
    for shapes in row.shapes:
        arrays = [make_np(s, dtype, dom, rng) for s, dom in zip(shapes, row.domains(len(shapes)))]
        try:
            run_case(row, dtype, layout, arrays, device)
        except Exception as e:  # collect every shape's failure, not only the first
            failures.append(f"{type(e).__name__}: {e}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


SPECIAL_CASES = [pytest.param(row, dtype, id=f"{row.id}-{dtype}") for row in OPS if row.special
                 for dtype in FLOATS if dtype in row.dtypes]


@pytest.mark.parametrize("row,dtype", SPECIAL_CASES)
def test_special_values(row, dtype, device):
    """nan, +-inf, -0.0 and friends through the float ops: every pair of them for the binary ops."""
    sp = np.array(SPECIALS, dtype=np.float64)
    n = len(row.shapes[0])
    arrays = [sp] if n == 1 else [sp[:, None], sp[None, :]]
    arrays = [to_numpy_dtype(a, dtype) for a in arrays]
    run_case(row, dtype, "contig", arrays, device, signed_zero=row.signed_zero, special=True)


def to_numpy_dtype(a, dtype):
    if dtype == "bfloat16":
        return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).float().numpy()
    return a.astype(dtype)


# ---- casts between all dtypes
def _cast_source(src, dst, rng):
    if src == "bool":
        return rng.random((3, 6)) < 0.5
    vals = [0, 1, 2, 3.5, 7.25, 100.75, 0.5, 5, 9.9, 0, 1.25, 3, 4, 6.5, 8, 127, 0.25, 2]
    if dst != "uint8" and src != "uint8":
        vals[8:14] = [-1.5, -7.25, -0.0, -3, -100.5, -0.75]
    if src in FLOATS and (dst in FLOATS or dst == "bool"):
        vals[14:17] = [float("nan"), float("inf"), -float("inf")]
    a = np.array(vals, dtype=np.float64).reshape(3, 6)
    p = torch.from_numpy(a).to(TORCH_DTYPE[src])  # torch's own rounding/truncation into src
    return (p.float() if src == "bfloat16" else p).numpy()


@pytest.mark.parametrize("layout", ["contig", "T", "step"])
@pytest.mark.parametrize("src,dst", list(itertools.product(DTYPES, DTYPES)))
def test_cast(src, dst, layout, device):
    rng = np.random.default_rng(zlib.crc32(f"{src}{dst}".encode()))
    arr = _cast_source(src, dst, rng)
    got = with_layout(arr, src, layout, tt, device).to(getattr(tt, dst))
    want = with_layout(arr, src, layout, torch).to(TORCH_DTYPE[dst])
    check(got, want, f"cast {src}->{dst} {layout}", scale=0)  # casts are exact
    if src != dst:
        assert got.is_contiguous()


def test_cast_int_narrowing_and_rounding(device):
    vals = [2 ** 40 + 5, -(2 ** 33) - 1, 2 ** 31, 2 ** 24 + 1, -(2 ** 53) - 3, 255, 256, -1]
    for dst in ("int32", "float32", "float64", "float16", "bfloat16", "bool"):
        got = tt.tensor(vals, device=device).to(getattr(tt, dst))
        want = torch.tensor(vals).to(TORCH_DTYPE[dst])
        check(got, want, f"int64 -> {dst}", scale=0)
    # round to nearest even when a float is narrowed
    f64 = [1 + 2 ** -24, 1 + 3 * 2 ** -24, 65520.0, 1e-8, 3.4e38, 1e39, -1e39, 2 ** -149]
    for dst in ("float32", "float16", "bfloat16"):
        got = tt.tensor(f64, dtype=tt.float64, device=device).to(getattr(tt, dst))
        want = torch.tensor(f64, dtype=torch.float64).to(TORCH_DTYPE[dst])
        check(got, want, f"float64 -> {dst}", scale=0)


# ---- mixed dtypes, element values included
MIXED_OPS = {
    "add": lambda m, x, y: m.add(x, y), "sub": lambda m, x, y: m.sub(x, y), "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y, "floor_divide": lambda m, x, y: x // y, "remainder": lambda m, x, y: x % y,
    "maximum": lambda m, x, y: m.maximum(x, y), "lt": lambda m, x, y: m.lt(x, y), "gt": lambda m, x, y: x > y,
    "where": lambda m, x, y: m.where(x > y, x, y), "pow": lambda m, x, y: m.pow(x, y),
}


@pytest.mark.parametrize("d1,d2", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("name", ["add", "sub", "div", "floor_divide", "maximum", "lt", "where", "pow"])
def test_mixed_dtypes(name, d1, d2, device):
    rng = np.random.default_rng(zlib.crc32(f"{name}{d1}{d2}".encode()))
    a = make_np((2, 3), d1, "pos" if name == "pow" else "any", rng)
    b = make_np((3,), d2, "expo" if name == "pow" else "nonzero", rng)
    if name == "pow" and d2 in FLOATS:
        b = np.abs(b).astype(b.dtype)
    fn = MIXED_OPS[name]
    for x, y in (((a, d1), (b, d2)), ((b, d2), (a, d1))):
        if name == "pow" and y[0] is a:
            continue
        row = type("R", (), {"fn": fn, "torch_fn": None, "np_fn": None, "scale": 1.0,
                             "id": f"{name}({x[1]},{y[1]})"})
        _run_mixed(row, x, y, device)


def _run_mixed(row, x, y, device):
    tx, ty = to_tt(x[0], x[1], device), to_tt(y[0], y[1], device)
    px, py = to_torch(x[0], x[1]), to_torch(y[0], y[1])
    try:
        want = row.fn(torch, px, py)
    except Exception:
        with pytest.raises(ERRORS):
            row.fn(tt, tx, ty)
        return
    check(row.fn(tt, tx, ty), want, row.id)


@pytest.mark.parametrize("dtype", [d for d in DTYPES])
@pytest.mark.parametrize("scalar", [3, -2, 2.5, True, 0.0])
@pytest.mark.parametrize("name", ["add", "mul", "div", "sub", "gt", "maximum"])
def test_tensor_scalar(name, scalar, dtype, device):
    """Python scalars on either side: their category can raise the result's (int tensor + 2.5 is float), never
    its width (float16 tensor + 2.5 stays float16)."""
    fn = MIXED_OPS.get(name) or (lambda m, x, y: getattr(m, name)(x, y))
    arr = make_np((2, 3), dtype, "nonzero", np.random.default_rng(1))
    for swap in (False, True):
        t = to_tt(arr, dtype, device)
        p = to_torch(arr, dtype)
        args_t = (scalar, t) if swap else (t, scalar)
        args_p = (scalar, p) if swap else (p, scalar)
        if name == "maximum":  # torch.maximum takes tensors only; its 0-d form is the scalar's analogue
            args_p = tuple(torch.tensor(v) if not isinstance(v, torch.Tensor) else v for v in args_p)
            args_t = tuple(tt.tensor(v) if not isinstance(v, tt.Tensor) else v for v in args_t)
        try:
            want = fn(torch, *args_p)
        except Exception:
            with pytest.raises(ERRORS):
                fn(tt, *args_t)
            continue
        with np.errstate(all="ignore"):
            check(fn(tt, *args_t), want, f"{name}{'(scalar, t)' if swap else '(t, scalar)'} {dtype} {scalar!r}")


def test_dname_helper():
    assert dname(tt.float32) == dname(torch.float32) == "float32"
    assert dname(tt.bool) == dname(torch.bool) == "bool"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_streamed_outputs(dtype, device):
    """Outputs of 4 MB and more are written around the caches (streaming stores) in aligned vectors, the rest
    element by element: results at every alignment of the output (views one element in), with broadcast operands
    and in place, equal the ordinary ones."""
    rng = np.random.default_rng(7)
    n = (5 << 20) // np.dtype(dtype).itemsize + 37  # past the streaming threshold, with a tail
    a, b, c = (rng.standard_normal(n).astype(dtype) for _ in range(3))
    ta, tb, tc = (to_tt(v, dtype, device) for v in (a, b, c))
    for name, got, want in [("add", ta + tb, a + b), ("sub", ta - 2.5, a - 2.5), ("mul", 3.0 * tb, 3.0 * b),
                            ("div", ta / tb, a / b), ("copy", ta.clone(), a)]:
        np.testing.assert_array_equal(got.cpu().numpy(), want, err_msg=name)
    special = a.copy()
    special[::7], special[3::11] = np.nan, -0.0
    relu = to_tt(special, dtype, device).relu().cpu().numpy()
    np.testing.assert_array_equal(relu, np.where(special < 0, 0, special))  # NaN and -0 kept, as torch
    assert np.signbit(relu[3::11]).all()
    x = to_tt(a, dtype, device).requires_grad_()
    x.relu().backward(tb)
    np.testing.assert_array_equal(x.grad.cpu().numpy(), np.where(a <= 0, 0, b))
    want = torch.addcmul(*(torch.from_numpy(v) for v in (c, a, b)), value=-0.5).numpy()
    check(tt.addcmul(tc, ta, tb, value=-0.5), want, f"addcmul {dtype}")
    want = torch.addcdiv(*(torch.from_numpy(v) for v in (c, a, b)), value=-0.5).numpy()
    check(tt.addcdiv(tc, ta, tb, value=-0.5), want, f"addcdiv {dtype}")
    for skip in (1, 3):  # in place on a view whose first element is not vector-aligned
        x = to_tt(np.concatenate([np.zeros(skip, dtype), c]), dtype, device)
        x[skip:].add_(ta)
        x[skip:].addcmul_(ta, tb, value=2.0)
        x[skip:].addcdiv_(tb, ta, value=0.25)
        want = ((c + a) + 2.0 * a * b) + 0.25 * b / a
        np.testing.assert_allclose(x.cpu().numpy()[skip:], want, rtol=tol(dtype)[0], atol=tol(dtype)[1])
        assert not x.cpu().numpy()[:skip].any(), "elements before the view were written"
    raw = rng.integers(0, 255, 5 << 20, dtype=np.uint8)  # byte copies stream too, from any offset
    dst = tt.zeros(raw.size + 5, dtype=tt.uint8, device=device)
    dst[5:].copy_(to_tt(raw, "uint8", device))
    np.testing.assert_array_equal(dst.cpu().numpy()[5:], raw)


OUT_CASES = [
    ("add", lambda m, a, b: (a, b), {}), ("mul", lambda m, a, b: (a, 2.5), {}), ("exp", lambda m, a, b: (a,), {}),
    ("where", lambda m, a, b: (a > 0, a, b), {}), ("clamp", lambda m, a, b: (a, -0.5, 0.5), {}),
    ("matmul", lambda m, a, b: (a, b.T), {}), ("sum", lambda m, a, b: (a, 1), {"keepdim": True}),
    ("mean", lambda m, a, b: (a, (0, 1)), {}), ("cumsum", lambda m, a, b: (a, 0), {}),
    ("cat", lambda m, a, b: ([a, b], 1), {}), ("stack", lambda m, a, b: ([a, b],), {}),
    ("addcmul", lambda m, a, b: (a, a, b), {"value": 0.5}), ("triu", lambda m, a, b: (a, 1), {}),
]


@pytest.mark.parametrize("out_shape", [(3, 4), (0,), (2, 2, 2)], ids=["same", "empty", "other"])
@pytest.mark.parametrize("name,args,kwargs", OUT_CASES, ids=[c[0] for c in OUT_CASES])
def test_out_argument(name, args, kwargs, out_shape, device):
    """out= writes the result into the given tensor (resized to the result's shape) and returns it, as torch."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    want = getattr(torch, name)(*args(torch, torch.from_numpy(a), torch.from_numpy(b)), **kwargs)
    out = tt.zeros(out_shape, device=device)
    got = getattr(tt, name)(*args(tt, to_tt(a, "float32", device), to_tt(b, "float32", device)), out=out, **kwargs)
    assert got is out
    check(out, want, f"{name}(out=) into {out_shape}")


def test_out_argument_rules(device):
    a = tt.arange(6.0, device=device).reshape(2, 3)
    wide = tt.zeros(2, 3, dtype=tt.float64, device=device)
    assert tt.add(a, 1, out=wide) is wide and wide.dtype == tt.float64 and wide[1, 2].item() == 6.0
    with pytest.raises(RuntimeError, match=r"add\(\): result type float32 can't be cast to the desired output type "
                                           r"int64"):
        tt.add(a, 1, out=tt.zeros(2, 3, dtype=tt.int64, device=device))
    with pytest.raises(RuntimeError, match="exp.*automatic differentiation"):
        tt.exp(tt.ones(3, requires_grad=True, device=device), out=tt.empty(3, device=device))
    with pytest.raises(TypeError, match="out"):
        tt.add(a, 1, out=np.zeros((2, 3)))
    values, indices = tt.empty(2, device=device), tt.empty(2, dtype=tt.int64, device=device)
    result = tt.max(a, 1, out=(values, indices))
    assert result[0] is values and result[1] is indices and values.tolist() == [2.0, 5.0] and indices.tolist() == [2, 2]
    with pytest.raises(TypeError, match="tuple of 2"):
        tt.max(a, 1, out=values)
    counts = tt.empty(7, dtype=tt.int64, device=device)  # creation functions make their result in out's dtype
    assert tt.arange(4, out=counts) is counts and counts.dtype == tt.int64 and counts.tolist() == [0, 1, 2, 3]
    assert tt.zeros(2, 2, out=wide).shape == (2, 2) and wide.dtype == tt.float64


def test_resize_(device):
    for old, new in [((2, 3), (3, 2)), ((2, 3), (4, 4)), ((5,), (2,)), ((2, 3), (0,)), ((0,), (2, 2))]:
        src = np.arange(int(np.prod(old)), dtype=np.float32).reshape(old)
        t, p = to_tt(src, "float32", device), torch.tensor(src)
        view = t[:]
        assert t.resize_(new) is t and t.shape == new and t.is_contiguous()
        p.resize_(new)
        keep = min(src.size, int(np.prod(new)))
        np.testing.assert_array_equal(t.cpu().numpy().reshape(-1)[:keep], p.numpy().reshape(-1)[:keep])
        np.testing.assert_array_equal(view.cpu().numpy(), src)  # an old view keeps the old contents
    with pytest.raises(RuntimeError, match="negative"):
        tt.zeros(2, device=device).resize_(-1, 2)
    with pytest.raises(RuntimeError, match="require grad"):
        tt.zeros(2, requires_grad=True, device=device).resize_(3)


SCATTER_REDUCE_DTYPES = ["float32", "float64", "float16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", SCATTER_REDUCE_DTYPES)
def test_scatter_reduce(reduce, include_self, dtype, device):
    """Every reduction, with and without x's own values, along either dim, with repeated indices, an index
    smaller than src and positions no index reaches: tinytorch's result or refusal is torch's."""
    rng = np.random.default_rng(11)
    x = make_np((4, 5), dtype, "any", rng)
    src = make_np((6, 5), dtype, "any", rng)
    src[0, :2] = src[1, :2]  # ties for amax/amin
    for dim, index in [(0, rng.integers(0, 3, (6, 4))), (1, rng.integers(0, 5, (3, 3))), (0, np.zeros((0, 5)))]:
        what = f"scatter_reduce {reduce} include_self={include_self} {dtype} dim {dim} index {index.shape}"
        p_idx, t_idx = torch.from_numpy(index.astype(np.int64)), to_tt(index.astype(np.int64), "int64", device)
        try:
            want = torch.scatter_reduce(to_torch(x, dtype), dim, p_idx, to_torch(src, dtype), reduce,
                                        include_self=include_self)
        except RuntimeError:
            with pytest.raises(ERRORS):
                tt.scatter_reduce(to_tt(x, dtype, device), dim, t_idx, to_tt(src, dtype, device), reduce,
                                  include_self=include_self)
            continue
        got = to_tt(x, dtype, device).scatter_reduce(dim, t_idx, to_tt(src, dtype, device), reduce,
                                                     include_self=include_self)
        check(got, want, what)


def test_scatter_reduce_gradients_match_torch():
    """Gradients where finite differences cannot go: ties of amax/amin share the gradient, and a product with
    zeros among its factors (one zero, two zeros)."""
    x = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 0.0]])
    src = np.array([[2.0, 0.0, 3.0], [2.0, 5.0, 0.0], [1.0, 0.0, 4.0]])
    index = np.array([[0, 0, 0], [0, 1, 1], [1, 1, 1]])
    g = np.arange(6.0).reshape(2, 3) + 1
    for reduce in ("amax", "amin", "prod", "mean", "sum"):
        for include_self in (True, False):
            ours = [tt.tensor(v, requires_grad=True) for v in (x, src)]
            theirs = [torch.tensor(v, requires_grad=True) for v in (x, src)]
            tt.scatter_reduce(ours[0], 0, tt.tensor(index), ours[1], reduce, include_self=include_self).backward(
                tt.tensor(g))
            torch.scatter_reduce(theirs[0], 0, torch.tensor(index), theirs[1], reduce,
                                 include_self=include_self).backward(torch.tensor(g))
            for o, t, name in zip(ours, theirs, ("x", "src")):
                np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12,
                                           err_msg=f"{reduce} include_self={include_self} grad of {name}")


def test_scatter_reduce_refusals():
    x, src, index = tt.zeros(3), tt.ones(4), tt.tensor([0, 1, 2, 2])
    with pytest.raises(RuntimeError, match="scatter_reduce.*one of sum, prod, mean, amax, amin"):
        tt.scatter_reduce(x, 0, index, src, "max")
    with pytest.raises(RuntimeError, match="scatter_reduce.*float32 and float64"):
        tt.scatter_reduce(x, 0, index, src.double(), "sum")
    with pytest.raises(IndexError):
        tt.scatter_reduce(x, 0, tt.tensor([0, 3, 1, 1]), src, "amax")
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        x.scatter_(0, index, src, reduce="max")
    assert x.scatter_(0, tt.tensor([0, 0]), 3.0, reduce="multiply").tolist() == [0.0, 0.0, 0.0]
