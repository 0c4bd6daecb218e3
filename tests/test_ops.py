"""The generic op tests, driven by the op table (optable.OPS; the row format is optable._base.Row):

- forward: every row, every dtype it supports, contiguous and non-contiguous inputs, against PyTorch (values,
  shapes and dtypes) and NumPy (values and shapes); where PyTorch refuses an input, tinytorch must refuse it too,
  with a Python exception; special values (nan, inf, -0.0) for the float ops that take them;
- backward: for rows with `grad`, gradients from tinytorch.autograd.grad against torch.autograd.grad for a
  random upstream gradient, on the bases of contiguous, transposed and stepped views (module rows: the
  parameters' gradients too);
- gradcheck: float64 gradients against torch again and against central finite differences of a random
  projection of the outputs (tinytorch.autograd.gradcheck; inputs of more than GRAD_SAMPLE elements are
  perturbed at GRAD_SAMPLE sampled coordinates); gradgradcheck: Hessian-vector products, the same two ways;
- empty: a derived case with a zero-size leading dim, for rows without one (torch says whether it is taken);
- errors: each row's bad inputs raise torch's exception class with a message naming the op.

Device mode (TINYTORCH_TEST_DEVICE=cuda, see conftest.py): every row runs on the device and on the CPU and the
results are compared (forward, gradients, second derivatives); a row the device cannot run is skipped with the
device's reason ("not supported: ...", the binding's form of TT_ERR_UNSUPPORTED). Finite differences run only
in CPU mode: the rules they check are the same Python on every device."""
import contextlib
import itertools
import zlib

import numpy as np
import pytest
import torch

import tinytorch as tt
from optable import (DTYPES, FLOATS, OPS, SPECIALS, TORCH_DTYPE, TT_DTYPE, check, dname, input_dtype,
                     layout_values, make_np, tol, to_numpy, to_torch, to_tt, unsupported, with_layout)

ERRORS = (TypeError, ValueError, IndexError, RuntimeError, NotImplementedError)
HALF = ("float16", "bfloat16")
CPU = tt.device("cpu")
GRAD_SAMPLE = 12  # coordinates perturbed per input by the finite-difference checks
GRAD_CASES = 8  # cases per row checked by finite differences (the first non-empty ones)


@pytest.fixture(autouse=True)
def _default_device(device):
    """Constants made inside the op expressions (m.tensor([...])) land on the device under test."""
    tt.set_default_device(device)
    yield
    tt.set_default_device("cpu")


@contextlib.contextmanager
def default_device(device):
    tt.set_default_device(device)
    try:
        yield
    finally:
        tt.set_default_device("cpu")


def _layouts_for(row, dtype):
    """Contiguous inputs for every dtype; the non-contiguous layouts for the row's first dtype (the layout code
    paths do not depend on the dtype; keeps the suite fast)."""
    if dtype == row.dtypes[0] or (dtype == "float16" and row.dtypes[0] != "float32"):
        return row.layouts
    return ("contig",)


def param(row, test, *values, id=None):
    """One test case of a row: a known difference (row.known[test]) is a strict expected failure."""
    reason = (row.known or {}).get(test)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(row, *values, id=id or row.id, marks=marks)


def _grad_dtype(row):
    return next(d for d in ("float32", "float64") if d in row.dtypes)


GRAD_ROWS = [r for r in OPS if r.grad]
assert all(set(r.dtypes) & {"float32", "float64"} for r in GRAD_ROWS), "a grad row needs float32 or float64"


def _seed(*parts):
    return np.random.default_rng(zlib.crc32("-".join(map(str, parts)).encode()))


def _arrays(row, shapes, dtype, rng):
    return [make_np(s, input_dtype(d, dtype), d, rng) for s, d in zip(shapes, row.domains(len(shapes)))]


# ---------------------------------------------------------------- running a row
class Layers:
    """A module row's layer in each library and device, with the same weights (tinytorch's, copied)."""

    def __init__(self, row, dtype, device):
        self.ours = {}
        first = row.module(tt.nn)
        self.theirs = row.module(torch.nn)
        state = first.state_dict()
        self.theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
        self.theirs.to(TORCH_DTYPE[dtype])
        self.ours[str(CPU)] = first.to(TT_DTYPE[dtype])
        if device != CPU:
            layer = row.module(tt.nn)
            layer.load_state_dict(state)
            self.ours[str(device)] = layer.to(TT_DTYPE[dtype]).to(device)

    def get(self, m, device=CPU):
        return self.theirs if m is torch else self.ours[str(device)]


def inputs(row, arrays, dtype, layout, m, device=None, grad=False):
    """The inputs of one case in library m, and (grad) the leaves their gradients are compared on."""
    diff = row.diff_inputs(len(arrays)) if grad else ()
    ins, leaves = [], []
    for i, (a, d) in enumerate(zip(arrays, row.domains(len(arrays)))):
        ins.append(with_layout(a, input_dtype(d, dtype), layout, m, device, leaves=leaves if i in diff else None))
    return ins, leaves


def call(row, m, ins, layers=None, device=CPU):
    fn = row.torch_fn if m is torch and row.torch_fn is not None else row.fn
    if row.module is None:
        return fn(m, *ins)
    return fn(m, layers.get(m, device), *ins)


def _tree(x, f):
    if isinstance(x, (tuple, list)):
        return type(x)(*[_tree(v, f) for v in x]) if hasattr(x, "_fields") else type(x)(_tree(v, f) for v in x)
    return f(x) if isinstance(x, torch.Tensor) else x


def _flat(x):
    """The tensors of a (nested) result, in order."""
    if isinstance(x, (tuple, list)):
        return [t for v in x for t in _flat(v)]
    return [x] if isinstance(x, (tt.Tensor, torch.Tensor)) else []


def torch_reference(row, ins, dtype, layers=None):
    """torch's answer; for a half type torch's CPU lacks, the float32 answer rounded to that type."""
    try:
        return call(row, torch, ins, layers)
    except (RuntimeError, NotImplementedError) as e:
        if dtype not in HALF or "not implemented for" not in str(e):
            raise
    out = call(row, torch, [i.float() if i.dtype == TORCH_DTYPE[dtype] else i for i in ins], layers)
    return _tree(out, lambda t: t.to(TORCH_DTYPE[dtype]) if t.dtype == torch.float32 else t)


def _np_inputs(vals, dtype):
    # NumPy computes the references for the half types in float64 (its float16 sums lose too much)
    return [v.astype(np.float64) if dtype in HALF and v.dtype.kind == "f" else v for v in vals]


def _check_np(got, want, what, scale):
    if want is None:
        return
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), f"{what}: structure differs from NumPy's"
        for i, (g, w) in enumerate(zip(got, want)):
            _check_np(g, w, f"{what}[{i}]", scale)
        return
    check(got, np.asarray(want), what + " (vs NumPy)", scale, check_dtype=False)


def _check_buffers(row, layers, device, what):
    if row.module is None:
        return
    ours = dict(layers.get(tt, device).named_buffers())
    want = dict(layers.get(tt, CPU).named_buffers()) if device != CPU else dict(layers.theirs.named_buffers())
    assert ours.keys() == want.keys(), f"{what}: buffers {sorted(ours)}, expected {sorted(want)}"
    for k in want:
        check(ours[k], want[k], f"{what} buffer {k}", row.scale)


class Unsupported(Exception):
    """The device has no kernel for something the row runs."""


def on_device(fn, *args):
    """fn(*args) on the device under test; the device's refusal of an op becomes Unsupported."""
    try:
        return fn(*args)
    except Exception as e:
        reason = unsupported(e)
        if reason is None:
            raise
        raise Unsupported(reason) from None


def run_cases(row, cases, case_fn):
    """case_fn(shapes) for every case; every failure is reported (not only the first), and a row the device
    cannot run is skipped with the device's reason once the cases it can run have passed."""
    failures, skips = [], []
    for shapes in cases:
        try:
            case_fn(shapes)
        except Unsupported as e:
            skips.append(str(e))
        except Exception as e:
            failures.append(f"shapes {shapes}: {type(e).__name__}: {e}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    if skips:
        pytest.skip(skips[0])


def run_forward(row, dtype, layout, arrays, device, special=False, numpy=True):
    """One case: the row on these inputs, in this layout, checked against torch and NumPy (CPU mode), or against
    the CPU (device mode). Where the reference refuses the input, tinytorch must refuse it too."""
    layers = Layers(row, dtype, device) if row.module is not None else None
    what = f"{row.id} {dtype} {layout} shapes {[a.shape for a in arrays]}"
    signed_zero = special and row.signed_zero
    if device != CPU:
        try:
            with default_device(CPU):
                want = call(row, tt, inputs(row, arrays, dtype, layout, tt, CPU)[0], layers)
        except ERRORS as e:
            try:
                got = on_device(lambda: call(row, tt, inputs(row, arrays, dtype, layout, tt, device)[0], layers,
                                             device))
            except ERRORS:
                return
            raise AssertionError(f"{what}: the CPU raises {type(e).__name__}({e}) but {device} returned {got!r}")
        got = on_device(lambda: call(row, tt, inputs(row, arrays, dtype, layout, tt, device)[0], layers, device))
        check(got, want, what + f" ({device} vs cpu)", row.scale, signed_zero=signed_zero)
        _check_buffers(row, layers, device, what)
        return
    t_in = inputs(row, arrays, dtype, layout, tt, device)[0]
    p_in = inputs(row, arrays, dtype, layout, torch)[0]
    try:
        want = torch_reference(row, p_in, dtype, layers)
    except Exception as e:  # torch refuses: so must tinytorch, with a Python exception
        try:
            got = call(row, tt, t_in, layers)
        except ERRORS:
            return
        raise AssertionError(f"{what}: torch raises {type(e).__name__}({e}) but tinytorch returned {got!r}")
    got = call(row, tt, t_in, layers)
    check(got, want, what, row.scale, signed_zero=signed_zero)
    _check_buffers(row, layers, device, what)
    if row.np_fn is not None and numpy and not special:
        vals = [layout_values(a, layout) for a in arrays]
        with np.errstate(all="ignore"):
            ref = row.np_fn(*_np_inputs(vals, dtype))
        _check_np(got, ref, what, row.scale)


# ---------------------------------------------------------------- forward
CASES = [param(row, "forward", dtype, layout, id=f"{row.id}-{dtype}-{layout}")
         for row in OPS for dtype in row.dtypes for layout in _layouts_for(row, dtype)]


@pytest.mark.parametrize("row,dtype,layout", CASES)
def test_forward(row, dtype, layout, device):
    rng = _seed(row.id, dtype)
    run_cases(row, row.shapes, lambda shapes: run_forward(row, dtype, layout, _arrays(row, shapes, dtype, rng),
                                                          device))


SPECIAL_CASES = [param(row, "special", dtype, id=f"{row.id}-{dtype}") for row in OPS if row.special
                 for dtype in FLOATS if dtype in row.dtypes]


def to_numpy_dtype(a, dtype):
    if dtype == "bfloat16":
        return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).float().numpy()
    return a.astype(dtype)


@pytest.mark.parametrize("row,dtype", SPECIAL_CASES)
def test_special_values(row, dtype, device):
    """nan, +-inf, -0.0 and friends through the float ops: every pair of them for the binary ops."""
    sp = np.array(SPECIALS, dtype=np.float64)
    n = len(row.shapes[0])
    arrays = [sp] if n == 1 else [sp[:, None], sp[None, :]]
    arrays = [to_numpy_dtype(a, dtype) for a in arrays]
    run_cases(row, [None], lambda _: run_forward(row, dtype, "contig", arrays, device, special=True))


# ---------------------------------------------------------------- gradients
def _grad_tol(dtype, scale):
    rtol, atol = tol(dtype, scale * (5 if dtype == "float32" else 100))
    return rtol, atol


def check_grads(got, want, what, dtype, scale):
    """Gradients (lists, None where an input is unused) against the reference's; tolerances relative to the
    largest gradient (sums of many products)."""
    rtol, atol = _grad_tol(dtype, scale)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None or not to_numpy(g).any(), f"{what}: input {i} gets a gradient, the reference none"
            continue
        if g is None and not to_numpy(w).any():
            continue  # no gradient, and the reference's is zero
        assert g is not None, f"{what}: input {i} gets no gradient"
        assert tuple(g.shape) == tuple(w.shape), f"{what}: gradient {i} of shape {tuple(g.shape)}, expected " \
                                                 f"{tuple(w.shape)}"
        gv, wv = to_numpy(g).astype(np.float64), to_numpy(w).astype(np.float64)
        mag = max(1.0, float(np.nanmax(np.abs(wv)))) if wv.size and np.isfinite(wv).any() else 1.0
        np.testing.assert_allclose(gv, wv, rtol=rtol, atol=atol * mag, equal_nan=True, err_msg=f"{what} input {i}")


def _upstream(outs, rng):
    return [rng.standard_normal(tuple(o.shape)) for o in outs]


def grads(row, m, arrays, dtype, layout, layers, device, rng_seed):
    """(outputs that take gradients, gradients of a random projection of them w.r.t. the leaves) in library m."""
    ins, leaves = inputs(row, arrays, dtype, layout, m, device if m is tt else None, grad=True)
    if row.module is not None:
        layer = layers.get(m, device)
        leaves += [p for _, p in sorted(layer.named_parameters())]
    out = call(row, m, ins, layers, device)
    outs = [o for o in _flat(out) if o.requires_grad]
    if not outs or not leaves:
        return None, None
    gs = [m.tensor(g, dtype=o.dtype, device=o.device)
          for g, o in zip(_upstream(outs, np.random.default_rng(rng_seed)), outs)]
    return outs, list(m.autograd.grad(outs, leaves, gs, allow_unused=True))


def run_backward(row, dtype, layout, arrays, device, seed):
    layers = Layers(row, dtype, device) if row.module is not None else None
    what = f"{row.id} backward {dtype} {layout} shapes {[a.shape for a in arrays]}"
    if device != CPU:
        with default_device(CPU):
            try:
                outs, want = grads(row, tt, arrays, dtype, layout, layers, CPU, seed)
            except ERRORS:
                return
        outs, got = on_device(grads, row, tt, arrays, dtype, layout, layers, device, seed)
        if want is not None:
            check_grads(got, want, what + f" ({device} vs cpu)", dtype, row.grad_scale)
        return
    try:
        p_outs, want = grads(row, torch, arrays, dtype, layout, layers, device, seed)
    except Exception:
        # torch refuses the input (test_forward checks that tinytorch does too), or its backward fails where
        # tinytorch's runs (torch 2.13: pixel_shuffle of an empty batch, scatter_reduce with src larger than
        # index): nothing to compare with; the finite differences still check tinytorch's
        return
    t_outs, got = grads(row, tt, arrays, dtype, layout, layers, device, seed)
    if want is None:
        return
    assert t_outs is not None and len(t_outs) == len(p_outs), \
        f"{what}: {len(p_outs)} outputs take gradients in torch, {len(t_outs or ())} in tinytorch"
    check_grads(got, want, what, dtype, row.grad_scale)


BACKWARD_CASES = [param(row, "backward", layout, id=f"{row.id}-{layout}") for row in GRAD_ROWS
                  for layout in row.layouts if layout in ("contig", "T", "step")]


@pytest.mark.parametrize("row,layout", BACKWARD_CASES)
def test_backward(row, layout, device):
    """Gradients against torch.autograd.grad, on every case of the row (empty ones included)."""
    dtype = _grad_dtype(row)
    rng = _seed(row.id, dtype)
    run_cases(row, row.shapes, lambda shapes: run_backward(row, dtype, layout, _arrays(row, shapes, dtype, rng),
                                                           device, len(shapes)))


def _grad_cases(row):
    if row.grad_shapes is not None:
        return row.grad_shapes
    return [c for c in row.shapes if all(int(np.prod(s)) > 0 for s in c)][:GRAD_CASES]


def sampled_gradcheck(f, xs, diff, rng):
    """tinytorch.autograd.gradcheck of the scalar f(*inputs) w.r.t. the inputs at `diff`: an input of at most
    GRAD_SAMPLE elements is perturbed whole; a larger one at GRAD_SAMPLE sampled coordinates (x + E @ delta,
    E one-hot), so the cost does not grow with the layer's size."""
    deltas, makers = [], []
    for i in diff:
        x = xs[i]
        n = x.numel()
        if n <= GRAD_SAMPLE:
            d = tt.tensor(to_numpy(x).reshape(-1), dtype=tt.float64, requires_grad=True)
            makers.append(lambda d, shape=tuple(x.shape): d.reshape(shape))
        else:
            pick = rng.choice(n, GRAD_SAMPLE, replace=False)
            e = np.zeros((GRAD_SAMPLE, n))
            e[np.arange(GRAD_SAMPLE), pick] = 1.0
            d = tt.zeros(GRAD_SAMPLE, dtype=tt.float64, requires_grad=True)
            makers.append(lambda d, x=x, e=tt.tensor(e): x + (d @ e).reshape(tuple(x.shape)))
        deltas.append(d)

    def g(*ds):
        full = list(xs)
        for i, make, d in zip(diff, makers, ds):
            full[i] = make(d)
        return f(*full)
    return tt.autograd.gradcheck(g, deltas, eps=1e-6, atol=1e-5, rtol=1e-4)


def _projection(outs, rng):
    vs = [tt.tensor(v, dtype=o.dtype) for v, o in zip(_upstream(outs, rng), outs)]
    return lambda ys: sum((y * v).sum() for y, v in zip(ys, vs))


@pytest.mark.parametrize("row", [param(r, "gradcheck") for r in GRAD_ROWS])
def test_gradcheck(row, device):
    """float64: gradients against torch (device mode: against the CPU), then against finite differences."""
    rng = _seed(row.id, "gradcheck")
    cases = _grad_cases(row)
    run_cases(row, cases, lambda shapes: run_backward(row, "float64", "contig", _arrays(row, shapes, "float64", rng),
                                                      device, 7))
    if device != CPU or row.grad is not True:
        return  # finite differences check the rules, which are the same Python on every device
    failures = []
    for shapes in cases:
        arrays = _arrays(row, shapes, "float64", rng)
        layers = Layers(row, "float64", CPU) if row.module is not None else None
        xs = inputs(row, arrays, "float64", "contig", tt)[0]
        try:
            outs = [o for o in _flat(call(row, tt, [x.requires_grad_() if i in row.diff_inputs(len(xs)) else x
                                                    for i, x in enumerate(xs)], layers)) if o.requires_grad]
        except ERRORS:
            continue  # an input torch refuses too (test_forward checks that)
        if not outs or not all(np.isfinite(to_numpy(o)).all() for o in outs):
            continue  # nothing to differentiate, or not a point where finite differences mean anything
        proj = _projection(outs, rng)
        xs = [x.detach() for x in xs]
        try:
            sampled_gradcheck(lambda *ys: proj([o for o in _flat(call(row, tt, ys, layers)) if o.requires_grad]),
                              xs, row.diff_inputs(len(xs)), rng)
        except Exception as e:
            failures.append(f"shapes {shapes}: {type(e).__name__}: {e}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


GRADGRAD_ROWS = [r for r in GRAD_ROWS if r.gradgrad]


def _hvp(row, m, xs, diff, vs, ws, layers, device=CPU):
    """x -> sum(d<v, row(x)>/dx . w) built with create_graph: its gradient is the Hessian-vector product."""
    outs = [o for o in _flat(call(row, m, xs, layers, device)) if o.requires_grad]
    proj = sum((o * m.tensor(v, dtype=o.dtype, device=o.device)).sum() for o, v in zip(outs, vs))
    gs = m.autograd.grad(proj, [xs[i] for i in diff], create_graph=True, allow_unused=True)
    return sum((g * m.tensor(w, dtype=g.dtype, device=g.device)).sum() for g, w in zip(gs, ws) if g is not None)


@pytest.mark.parametrize("row", [param(r, "gradgrad") for r in GRADGRAD_ROWS])
def test_gradgradcheck(row, device):
    """Second derivatives (float64): Hessian-vector products against torch's (device mode: the CPU's) and, on the
    CPU, against finite differences of the first derivative."""
    rng = _seed(row.id, "gradgrad")
    # the case of most dims (broadcasting ones first) that is small enough
    cases = sorted(_grad_cases(row), key=lambda c: (-sum(map(len, c)), -sum(int(np.prod(s)) for s in c)))
    shapes = next((c for c in cases if sum(int(np.prod(s)) for s in c) <= 64), cases[-1])
    arrays = _arrays(row, shapes, "float64", rng)
    diff = row.diff_inputs(len(arrays))
    layers = Layers(row, "float64", device) if row.module is not None else None
    probe = [o for o in _flat(call(row, torch, inputs(row, arrays, "float64", "contig", torch, grad=True)[0],
                                   layers)) if o.requires_grad]
    vs = _upstream(probe, rng)
    ws = [rng.standard_normal(arrays[i].shape) for i in diff]

    def hessian_vector(m, dev):
        xs, leaves = inputs(row, arrays, "float64", "contig", m, dev, grad=True)
        h = _hvp(row, m, xs, diff, vs, ws, layers, dev)
        if not getattr(h, "requires_grad", False):  # a first derivative that does not depend on x: H = 0
            return [None] * len(leaves)
        return m.autograd.grad(h, leaves, allow_unused=True)
    if device != CPU:
        with default_device(CPU):
            want = hessian_vector(tt, CPU)
        try:
            got = on_device(hessian_vector, tt, device)
        except Unsupported as e:
            pytest.skip(str(e))
        check_grads(got, want, f"{row.id} second derivatives ({device} vs cpu)", "float64", row.grad_scale)
        return
    check_grads(hessian_vector(tt, CPU), hessian_vector(torch, None), f"{row.id} second derivatives", "float64",
                row.grad_scale)
    xs = [x.requires_grad_() if i in diff else x for i, x in enumerate(inputs(row, arrays, "float64", "contig",
                                                                                   tt)[0])]
    sampled_gradcheck(lambda *ys: _hvp(row, tt, ys, diff, vs, ws, layers), xs, diff, rng)


# ---------------------------------------------------------------- empty inputs
def _empty_case(row):
    """The row's first case with a leading dim, that dim made 0 in every input of the same leading size."""
    if not row.empty or any(any(0 in s for s in c) for c in row.shapes):
        return None
    for c in row.shapes:
        if c and len(c[0]) >= 1:
            lead = c[0][0]
            return [tuple((0,) + tuple(s[1:])) if len(s) >= 1 and s[0] == lead else tuple(s) for s in c]
    return None


EMPTY_CASES = [param(row, "empty", _empty_case(row)) for row in OPS if _empty_case(row) is not None]


@pytest.mark.parametrize("row,shapes", EMPTY_CASES)
def test_empty(row, shapes, device):
    """A zero-size leading dim: where torch takes it, tinytorch gives torch's result (and gradients); where torch
    refuses it, tinytorch refuses it with a Python exception."""
    dtype = _grad_dtype(row) if row.grad else row.dtypes[0]
    rng = _seed(row.id, "empty")
    arrays = _arrays(row, shapes, dtype, rng)

    def case(_):
        run_forward(row, dtype, "contig", arrays, device, numpy=False)  # NumPy references know the row's shapes
        if row.grad:
            run_backward(row, dtype, "contig", arrays, device, 3)
    run_cases(row, [shapes], case)


# ---------------------------------------------------------------- error inputs
ERROR_CASES = [param(row, "errors", err, id=f"{row.id}-{i}") for row in OPS for i, err in enumerate(row.errors)]


@pytest.mark.parametrize("row,err", ERROR_CASES)
def test_errors(row, err, device):
    """A bad input raises the exception class torch raises, with a message naming the op."""
    try:
        err(torch)
    except Exception as e:
        want = type(e)
    else:
        raise AssertionError(f"{row.id}: torch accepts the error case")
    try:
        on_device(err, tt)
    except Unsupported as e:
        pytest.skip(str(e))
    except want as e:
        assert row.op_name in str(e), f"{row.id}: {type(e).__name__}({e}) does not name {row.op_name}"
        return
    except Exception as e:
        raise AssertionError(f"{row.id}: tinytorch raises {type(e).__name__}({e}), torch {want.__name__}")
    raise AssertionError(f"{row.id}: tinytorch accepts what torch refuses with {want.__name__}")


def test_table_is_well_formed():
    """Every row's id is unique, every case gives each input a domain, grad rows name inputs that exist."""
    ids = [r.id for r in OPS]
    assert len(ids) == len(set(ids))
    for r in OPS:
        for c in r.shapes + (r.grad_shapes or []):
            assert isinstance(r.domain, str) or len(r.domain) == len(c), f"{r.id}: {len(c)} inputs, domains {r.domain}"
            assert all(i < len(c) for i in r.diff_inputs(len(c))), r.id
        assert r.grad in (False, True, "torch"), r.id
        assert not r.gradgrad or r.grad, r.id


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
