"""The public names the op modules declare (tinytorch/ops/_public.py): each is torch's name (or one of the few
tinygrad-style extras), each is installed where it is declared, and every method and in-place form gives torch's
answer on the first argument list torch takes."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch.ops import _public

from optable import check

torch = pytest.importorskip("torch")

# tinygrad spells these as Tensor methods (x.gelu(), x.silu_()); torch has them only in nn.functional
EXTRA_FUNCTIONS = {"contiguous", "gelu", "silu"}
EXTRA_METHODS = {"gelu", "silu", "softplus"}
EXTRA_INPLACE = {"gelu", "silu", "maximum", "minimum"}
RANDOM = {"bernoulli", "multinomial", "uniform", "normal", "random", "exponential", "geometric", "log_normal",
          "cauchy", "bernoulli_", "uniform_", "normal_", "random_", "exponential_", "geometric_", "log_normal_",
          "cauchy_"}


def test_declared_functions_are_torch_names():
    assert not [n for n in _public.FUNCTIONS if not hasattr(torch, n) and n not in EXTRA_FUNCTIONS]
    assert not [n for n in _public.METHODS if not hasattr(torch.Tensor, n) and n not in EXTRA_METHODS]
    assert not [n for n in _public.INPLACE if not hasattr(torch.Tensor, n + "_") and n not in EXTRA_INPLACE]


def test_declared_names_are_installed():
    for name, fn in _public.FUNCTIONS.items():
        got = getattr(tt, name)
        assert got is fn or got.__wrapped__ is fn, name
        assert (got is not fn) == (name in _public.OUT), f"{name}: out= is not as declared"
    for name, fn in _public.METHODS.items():
        assert tt.Tensor.__dict__[name] is fn, name
    for name in _public.INPLACE:
        assert callable(tt.Tensor.__dict__[name + "_"]), name
    for name, fn in _public.STATIC.items():
        assert tt.Tensor.__dict__[name].__func__ is fn, name


def test_a_name_is_declared_once():
    with pytest.raises(RuntimeError, match="'exp' is declared twice"):
        _public.declare({"exp": lambda x: x}, "exp")


def test_torch_methods_of_declared_functions_are_declared():
    """A function torch also has as a method is one here too (x.inner(y) wherever torch.inner(x, y))."""
    missing = [n for n in _public.FUNCTIONS if hasattr(torch.Tensor, n) and n not in _public.METHODS]
    assert not missing


def _values():
    rng = np.random.default_rng(0)
    x, y, z = (rng.uniform(0.5, 2.0, (3, 3)) for _ in range(3))
    mask = np.array([[True, False, True], [False, True, False], [True, True, False]])
    index = np.array([[0, 2, 1], [1, 0, 0], [2, 2, 0]])
    return x, y, z, mask, index


def _argument_lists(m):
    """Candidate arguments after self, tried in order; the first that torch takes is the one compared."""
    _, y, z, mask, index = _values()
    Y = m.tensor(y)
    Z = m.tensor(z)
    M = m.tensor(mask)
    IDX = m.tensor(index)
    V = m.tensor(y[0])
    ROWS = m.tensor([2, 0, 1])
    return [(), (Y,), (0.5,), (Y, Z), (Y, 0.5), (0,), (0, 1), (1, 0), (0, IDX), (0, IDX, Y), (M, 0.5), (M, Y),
            ((3, 3),), (IDX,), (0, IDX, Y, "sum"), (M,), (0, IDX, 0.5), (Y, 1.0, 2.0), (V,), (0, ROWS),
            (0, ROWS, Y), (0, ROWS, 0.5), (1, 0, 2), ((2, 2), 0.5), (1, (3, 1)), ((ROWS,), V)]


def _call(m, name, args, inplace):
    x = m.tensor(_values()[0])
    fn = getattr(x, name + "_" if inplace else name)
    return x, fn(*args)


def _first_torch_call(name, inplace):
    for i, args in enumerate(_argument_lists(torch)):
        try:
            x, out = _call(torch, name, args, inplace)
        except Exception:  # noqa: BLE001 - torch refusing these arguments: try the next list
            continue
        return i, x, out
    return None


def _compare(name, inplace):
    found = _first_torch_call(name, inplace)
    if found is None:
        pytest.skip(f"no candidate argument list fits torch's {name}")
    i, want_x, want = found
    x, got = _call(tt, name, _argument_lists(tt)[i], inplace)
    if inplace:
        assert got is x, f"{name}_ must return self"
        check(x, want_x, f"{name}_{_argument_lists(torch)[i]!r}")
    else:
        if isinstance(want, torch.Tensor) or isinstance(want, (tuple, list)):
            check(got, want if not hasattr(want, "_fields") else tuple(want), f"{name}{_argument_lists(torch)[i]!r}")
        else:
            assert got == want, name


METHODS = sorted(n for n in _public.METHODS if not n.startswith("__") and n not in RANDOM and
                 hasattr(torch.Tensor, n) and n not in ("to", "new_empty", "resize_", "copy_"))
INPLACE = sorted(n for n in _public.INPLACE if n + "_" not in RANDOM and hasattr(torch.Tensor, n + "_"))


@pytest.mark.parametrize("name", METHODS)
def test_method_matches_torch(name):
    _compare(name, inplace=False)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_form_matches_torch(name):
    _compare(name, inplace=True)


OUT_CASES = [  # functions that take out= in torch: the result lands in out, resized, with out's dtype
    ("all", lambda m, x: (x > 1,), {}), ("any", lambda m, x: (x > 1,), {}), ("norm", lambda m, x: (x,), {}),
    ("ger", lambda m, x: (x[0], x[1]), {}), ("inner", lambda m, x: (x, x), {}), ("vdot", lambda m, x: (x[0], x[1]), {}),
    ("diag", lambda m, x: (x,), {}), ("nonzero", lambda m, x: (x > 1,), {}),
    ("take_along_dim", lambda m, x: (x, m.tensor([[0], [2], [1]]), 1), {}),
    ("addmm", lambda m, x: (x, x, x), {}), ("exp", lambda m, x: (x,), {}), ("cumsum", lambda m, x: (x, 0), {}),
]


@pytest.mark.parametrize("name,args,kw", OUT_CASES, ids=[c[0] for c in OUT_CASES])
def test_out_matches_torch(name, args, kw):
    x = _values()[0]
    want = getattr(torch, name)(*args(torch, torch.tensor(x)), **kw)
    out = tt.empty(0, dtype=getattr(tt, str(want.dtype).split(".")[-1]))
    got = getattr(tt, name)(*args(tt, tt.tensor(x)), out=out, **kw)
    assert got is out
    check(out, want, name)
