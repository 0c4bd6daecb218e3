"""The op table: one row per op form, driving the generic forward tests in test_ops.py (tinygrad's helper_test_op
style). A row is: a name, the input shapes (one tuple of shapes per case), the dtypes it runs in, the expression
as `fn(m, *inputs)` applied to module m = tinytorch or torch (a separate `torch_fn` where torch spells it
differently), an optional NumPy reference `np_fn(*arrays)`, the input domain and a tolerance scale.

Helpers here (inputs, layouts, comparisons) are shared with test_properties.py."""
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

import tinytorch
from tinytorch.ops.shape import pad as tt_pad

DTYPES = ("float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool")
FLOATS = ("float32", "float64", "float16", "bfloat16")
INTS = ("int32", "int64", "uint8")
NUMERIC = FLOATS + INTS
F32_64 = ("float32", "float64")
TORCH_DTYPE = {n: getattr(torch, n) for n in DTYPES}
TT_DTYPE = {n: getattr(tinytorch, n) for n in DTYPES}
NP_DTYPE = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": np.float32,
            "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}
# (rtol, atol) by result dtype
TOL = {"float32": (2e-5, 1e-5), "float64": (1e-10, 1e-12), "float16": (2e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2)}
LAYOUTS = ("contig", "T", "step", "bcast")
NO_BCAST = ("contig", "T", "step")  # for ops whose answer depends on ties (bcast repeats values)
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 3.0, 1e-3, -1e-3, 20.0, -20.0]


def dname(d):
    """'float32' for tinytorch.float32, torch.float32 and numpy's float32."""
    return str(d).split(".")[-1]


# ---------------------------------------------------------------- inputs
def make_np(shape, dtype, domain="any", rng=None):
    """Values for one input: a NumPy array of the dtype (float32 holding exact bfloat16 values for bfloat16)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        a = rng.random(n) < 0.5
    elif dtype in FLOATS:
        if domain == "pos":
            a = rng.uniform(0.1, 4.0, n)
        elif domain == "nonzero":
            a = rng.choice([-1, 1], n) * rng.uniform(0.5, 3.0, n)
        elif domain == "unit":
            a = rng.uniform(-0.9, 0.9, n)
        elif domain == "halves":
            a = rng.integers(-8, 9, n) / 2.0
        elif domain == "distinct":
            a = (rng.permutation(n) - n // 2) * 0.5
        elif domain == "near1":
            a = rng.uniform(0.5, 1.5, n)
        elif domain == "expo":
            a = rng.uniform(-2.0, 2.0, n)
        else:
            a = rng.standard_normal(n) * 2.0
    else:
        lo = 0 if dtype == "uint8" else -5
        if domain in ("pos", "near1"):
            a = rng.integers(1, 6, n)
        elif domain == "nonzero":
            a = rng.integers(1, 6, n) * (1 if dtype == "uint8" else rng.choice([-1, 1], n))
        elif domain == "distinct":
            a = rng.permutation(n) - (0 if dtype == "uint8" else n // 2)
        elif domain == "expo":
            a = rng.integers(0, 4, n)
        else:
            a = rng.integers(lo, 6, n)
    a = np.asarray(a).reshape(shape)
    if dtype == "bfloat16":
        return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).float().numpy()
    return a.astype(NP_DTYPE[dtype])


def to_tt(arr, dtype, device=None):
    t = tinytorch.tensor(np.array(arr, dtype=NP_DTYPE[dtype]), device=device)
    return t.to(tinytorch.bfloat16) if dtype == "bfloat16" else t


def to_torch(arr, dtype):
    return torch.from_numpy(np.array(arr, dtype=NP_DTYPE[dtype])).to(TORCH_DTYPE[dtype])


def layout_values(arr, layout):
    """The values an input holds once given `layout` (only broadcasting changes them)."""
    d = _bcast_dim(arr.shape)
    if layout == "bcast" and d is not None:
        return np.broadcast_to(np.take(arr, [0], axis=d), arr.shape).copy()
    return arr


def _bcast_dim(shape):
    for d, s in enumerate(shape):
        if s > 1:
            return d
    return None


def with_layout(arr, dtype, layout, module, device=None):
    """A tensor of `module` holding layout_values(arr, layout), laid out as asked: contiguous, transposed (a
    permuted view), stepped (a [1::2] slice of a bigger buffer, so also a nonzero offset) or broadcast (an
    expanded view with stride 0)."""
    make = (lambda a: to_tt(a, dtype, device)) if module is tinytorch else (lambda a: to_torch(a, dtype))
    nd = arr.ndim
    if layout == "T" and nd == 1:
        layout = "step"
    if layout == "T" and nd >= 2:
        rev = tuple(range(nd - 1, -1, -1))
        return make(np.ascontiguousarray(arr.transpose(rev))).permute(*rev)
    if layout == "step" and nd >= 1:
        big = np.zeros(tuple(2 * s + 1 for s in arr.shape), dtype=arr.dtype)
        sl = (slice(1, None, 2),) * nd
        big[sl] = arr
        return make(big)[sl]
    if layout == "bcast":
        d = _bcast_dim(arr.shape)
        if d is not None:
            return make(np.take(arr, [0], axis=d)).expand(*arr.shape)
    return make(arr)


def to_numpy(t):
    """A NumPy copy of a tinytorch or torch tensor (bfloat16 read as float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy().copy()
    if isinstance(t, tinytorch.Tensor):
        return (t.float() if t.dtype is tinytorch.bfloat16 else t).cpu().numpy().copy()
    return np.asarray(t)


def tol(dtype_name, scale=1.0):
    rtol, atol = TOL.get(dtype_name, (0.0, 0.0))
    return rtol * scale, atol * scale


def check(got, want, what="", scale=1.0, check_dtype=True, signed_zero=False):
    """Asserts that a tinytorch result matches a torch (or NumPy) one: structure, shape, dtype and values."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)), f"{what}: got {type(got).__name__}, expected a sequence"
        assert len(got) == len(want), f"{what}: got {len(got)} results, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            check(g, w, f"{what}[{i}]", scale, check_dtype, signed_zero)
        return
    if isinstance(want, (torch.Tensor, np.ndarray, np.generic)):
        if isinstance(want, torch.Tensor):
            assert isinstance(got, tinytorch.Tensor), f"{what}: got {type(got).__name__}, expected a tensor"
        want_shape = tuple(want.shape)
        got_shape = tuple(got.shape) if hasattr(got, "shape") else ()
        assert got_shape == want_shape, f"{what}: shape {got_shape}, expected {want_shape}"
        if check_dtype and isinstance(want, torch.Tensor):
            assert dname(got.dtype) == dname(want.dtype), f"{what}: dtype {dname(got.dtype)}, expected " \
                                                          f"{dname(want.dtype)}"
        g, w = to_numpy(got), to_numpy(want)
    else:  # a Python number
        g, w = np.asarray(got), np.asarray(want)
    kind = dname(want.dtype) if isinstance(want, torch.Tensor) else dname(getattr(got, "dtype", "float64"))
    if w.dtype.kind in "fc" or g.dtype.kind == "f":
        rtol, atol = tol(kind if kind in TOL else "float64", scale)
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
        if signed_zero:
            zero = (g == 0) & (w == 0)
            np.testing.assert_array_equal(np.signbit(g[zero]), np.signbit(w[zero]),
                                          err_msg=f"{what}: sign of zero differs")
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


# ---------------------------------------------------------------- the table
@dataclass
class Row:
    name: str
    fn: object
    shapes: list
    dtypes: tuple
    torch_fn: object = None
    np_fn: object = None
    domain: object = "any"
    scale: float = 1.0
    layouts: tuple = LAYOUTS
    special: bool = False
    signed_zero: bool = False
    id: str = field(default="")

    def domains(self, n):
        return self.domain if isinstance(self.domain, tuple) else (self.domain,) * n


OPS = []


def op(name, fn, shapes, dtypes, **kw):
    OPS.append(Row(name, fn, [s if isinstance(s, list) else [s] if not s or not isinstance(s[0], tuple) else list(s)
                              for s in shapes], tuple(dtypes), **kw))


U = [(), (0,), (2, 0, 3), (7,), (3, 5), (2, 3, 4), (67,)]  # unary shapes; 67 reaches the SIMD tails
B = [((), ()), ((0,), (0,)), ((0, 3), (1, 3)), ((5,), ()), ((), (4,)), ((3, 4), (3, 4)), ((2, 3, 4), (4,)),
     ((3, 1), (1, 4)), ((2, 1, 5), (3, 1)), ((37,), (37,))]


def _np_erf(a):
    return np.vectorize(math.erf, otypes=[np.float64])(a) if a.size else a.astype(np.float64)


def _np_gelu(a):
    a = a.astype(np.float64)
    return 0.5 * a * (1 + _np_erf(a / math.sqrt(2)))


def _np_gelu_tanh(a):
    a = a.astype(np.float64)
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))


def _f(a):  # NumPy references for float ops run in float64
    return a.astype(np.float64)


# ---- unary: (name, tinytorch/torch expression, torch expression or None, numpy, dtypes, domain, signed zero)
ANY_INT = NUMERIC
_UNARY = [
    ("neg", lambda m, x: m.neg(x), None, np.negative, FLOATS + ("int32", "int64"), "any", True),
    ("abs", lambda m, x: m.abs(x), None, np.abs, NUMERIC, "any", True),
    ("sign", lambda m, x: m.sign(x), None, lambda a: a if a.dtype == bool else np.sign(a), NUMERIC + ("bool",), "any", True),
    ("exp", lambda m, x: m.exp(x), None, lambda a: np.exp(_f(a)), DTYPES, "any", False),
    ("exp2", lambda m, x: m.exp2(x), None, lambda a: np.exp2(_f(a)), DTYPES, "any", False),
    ("log", lambda m, x: m.log(x), None, lambda a: np.log(_f(a)), DTYPES, "pos", False),
    ("log2", lambda m, x: m.log2(x), None, lambda a: np.log2(_f(a)), DTYPES, "pos", False),
    ("log1p", lambda m, x: m.log1p(x), None, lambda a: np.log1p(_f(a)), FLOATS + ("int64",), "pos", True),
    ("expm1", lambda m, x: m.expm1(x), None, lambda a: np.expm1(_f(a)), FLOATS + ("int64",), "any", True),
    ("sqrt", lambda m, x: m.sqrt(x), None, lambda a: np.sqrt(_f(a)), DTYPES, "pos", True),
    ("rsqrt", lambda m, x: m.rsqrt(x), None, lambda a: 1 / np.sqrt(_f(a)), FLOATS + ("int64",), "pos", False),
    ("reciprocal", lambda m, x: m.reciprocal(x), None, lambda a: 1 / _f(a), FLOATS + ("int32",), "nonzero",
     False),
    ("sin", lambda m, x: m.sin(x), None, lambda a: np.sin(_f(a)), FLOATS + ("int64",), "any", True),
    ("cos", lambda m, x: m.cos(x), None, lambda a: np.cos(_f(a)), FLOATS + ("int64",), "any", False),
    ("tan", lambda m, x: m.tan(x), None, lambda a: np.tan(_f(a)), FLOATS, "unit", True),
    ("tanh", lambda m, x: m.tanh(x), None, lambda a: np.tanh(_f(a)), FLOATS + ("int64",), "any", True),
    ("sigmoid", lambda m, x: m.sigmoid(x), None, lambda a: 1 / (1 + np.exp(-_f(a))), FLOATS + ("int64",), "any",
     False),
    ("relu", lambda m, x: m.relu(x), None, lambda a: np.maximum(a, 0), NUMERIC, "any", False),
    ("gelu", lambda m, x: m.gelu(x), lambda m, x: F.gelu(x), _np_gelu, FLOATS, "any", False),
    ("gelu_tanh", lambda m, x: m.gelu(x, approximate="tanh"), lambda m, x: F.gelu(x, approximate="tanh"),
     _np_gelu_tanh, FLOATS, "any", False),
    ("silu", lambda m, x: m.silu(x), lambda m, x: F.silu(x), lambda a: _f(a) / (1 + np.exp(-_f(a))), FLOATS, "any",
     False),
    ("softplus", lambda m, x: x.softplus(), lambda m, x: F.softplus(x), lambda a: np.logaddexp(0, _f(a)), FLOATS,
     "any", False),
    ("softplus_beta", lambda m, x: x.softplus(beta=2.0, threshold=3.0),
     lambda m, x: F.softplus(x, beta=2.0, threshold=3.0), None, F32_64, "any", False),
    ("erf", lambda m, x: m.erf(x), None, _np_erf, FLOATS + ("int64",), "any", True),
    ("floor", lambda m, x: m.floor(x), None, np.floor, NUMERIC, "halves", True),
    ("ceil", lambda m, x: m.ceil(x), None, np.ceil, NUMERIC, "halves", True),
    ("round", lambda m, x: m.round(x), None, np.round, NUMERIC, "halves", True),
    ("round_decimals", lambda m, x: m.round(x, decimals=1), None, lambda a: np.round(a, 1), F32_64, "any", False),
    ("trunc", lambda m, x: m.trunc(x), None, np.trunc, NUMERIC, "halves", True),
    ("isnan", lambda m, x: m.isnan(x), None, np.isnan, DTYPES, "any", False),
    ("isinf", lambda m, x: m.isinf(x), None, np.isinf, DTYPES, "any", False),
    ("isfinite", lambda m, x: m.isfinite(x), None, np.isfinite, DTYPES, "any", False),
    ("logical_not", lambda m, x: m.logical_not(x), None, np.logical_not, DTYPES, "halves", False),
    ("square", lambda m, x: m.square(x), None, np.square, FLOATS + ("int64",), "any", False),
    ("neg_op", lambda m, x: -x, None, np.negative, FLOATS + ("int64",), "any", True),
    ("abs_op", lambda m, x: abs(x), None, np.abs, FLOATS + ("int32",), "any", True),
    ("invert_bool", lambda m, x: ~x, None, np.logical_not, ("bool",), "any", False),
    ("invert_int", lambda m, x: ~x, None, np.invert, ("int32", "int64"), "any", False),
    ("clamp", lambda m, x: m.clamp(x, -1.0, 1.5), None, lambda a: np.clip(a, -1.0, 1.5), FLOATS, "any", False),
    ("clamp_int", lambda m, x: m.clamp(x, min=-2, max=3), None, lambda a: np.clip(a, -2, 3), FLOATS + ("int32", "int64"), "any",
     False),
    ("clamp_min", lambda m, x: x.clamp_min(0.5), None, lambda a: np.maximum(a, 0.5), FLOATS, "any", False),
]
for _n, _fn, _tfn, _np, _dts, _dom, _sz in _UNARY:
    # gelu(+inf) is inf in tinytorch but nan in torch 2.13's CPU kernel: torch is the odd one out there
    _ok_special = not _n.startswith(("invert", "clamp_int", "gelu"))
    op(_n, _fn, U, _dts, torch_fn=_tfn, np_fn=_np, domain=_dom, special=_ok_special, signed_zero=_sz)

# ---- binary, broadcasting; Python scalars; special values
_BINARY = [
    ("add", lambda m, x, y: m.add(x, y), np.add, DTYPES, "any"),
    ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2), lambda a, b: a + 2 * b, NUMERIC, "any"),
    ("sub", lambda m, x, y: m.sub(x, y), np.subtract, NUMERIC, "any"),
    ("mul", lambda m, x, y: m.mul(x, y), np.multiply, DTYPES, "any"),
    ("div", lambda m, x, y: m.div(x, y), lambda a, b: _f(a) / _f(b), DTYPES[:-1], ("any", "nonzero")),
    ("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), np.floor_divide, NUMERIC, ("any", "nonzero")),
    ("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
     lambda a, b: np.trunc(_f(a) / _f(b)).astype(np.result_type(a, b)), NUMERIC, ("any", "nonzero")),
    ("floor_divide", lambda m, x, y: m.floor_divide(x, y), np.floor_divide, NUMERIC, ("any", "nonzero")),
    ("remainder", lambda m, x, y: m.remainder(x, y), np.remainder, NUMERIC, ("any", "nonzero")),
    ("fmod", lambda m, x, y: m.fmod(x, y), np.fmod, NUMERIC, ("any", "nonzero")),
    ("pow", lambda m, x, y: m.pow(x, y), lambda a, b: np.power(_f(a), _f(b)), FLOATS, ("pos", "expo")),
    ("pow_int", lambda m, x, y: m.pow(x, y), np.power, ("int32", "int64"), ("any", "expo")),
    ("maximum", lambda m, x, y: m.maximum(x, y), np.maximum, DTYPES, "any"),
    ("minimum", lambda m, x, y: m.minimum(x, y), np.minimum, DTYPES, "any"),
    ("eq", lambda m, x, y: m.eq(x, y), np.equal, DTYPES, "halves"),
    ("ne", lambda m, x, y: m.ne(x, y), np.not_equal, DTYPES, "halves"),
    ("lt", lambda m, x, y: m.lt(x, y), np.less, DTYPES, "halves"),
    ("le", lambda m, x, y: m.le(x, y), np.less_equal, DTYPES, "halves"),
    ("gt", lambda m, x, y: m.gt(x, y), np.greater, DTYPES, "halves"),
    ("ge", lambda m, x, y: m.ge(x, y), np.greater_equal, DTYPES, "halves"),
    ("logical_and", lambda m, x, y: m.logical_and(x, y), np.logical_and, DTYPES, "halves"),
    ("logical_or", lambda m, x, y: m.logical_or(x, y), np.logical_or, DTYPES, "halves"),
    ("logical_xor", lambda m, x, y: m.logical_xor(x, y), np.logical_xor, DTYPES, "halves"),
    ("lerp", lambda m, x, y: m.lerp(x, y, 0.25), lambda a, b: _f(a) + 0.25 * (_f(b) - _f(a)), F32_64, "any"),
    ("op_add", lambda m, x, y: x + y, np.add, NUMERIC, "any"),
    ("op_mul", lambda m, x, y: x * y, np.multiply, NUMERIC, "any"),
    ("op_truediv", lambda m, x, y: x / y, lambda a, b: _f(a) / _f(b), NUMERIC, ("any", "nonzero")),
    ("op_floordiv", lambda m, x, y: x // y, np.floor_divide, NUMERIC, ("any", "nonzero")),
    ("op_mod", lambda m, x, y: x % y, np.remainder, NUMERIC, ("any", "nonzero")),
    ("op_and", lambda m, x, y: x & y, np.logical_and, ("bool",), "any"),
    ("op_or", lambda m, x, y: x | y, np.logical_or, ("bool",), "any"),
    ("op_xor", lambda m, x, y: x ^ y, np.logical_xor, ("bool",), "any"),
    ("op_cmp", lambda m, x, y: (x < y, x <= y, x > y, x >= y, x == y, x != y),
     lambda a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b), NUMERIC, "halves"),
]
for _n, _fn, _np, _dts, _dom in _BINARY:
    op(_n, _fn, B, _dts, np_fn=_np, domain=_dom,
       special=_n in ("add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
                      "pow", "div_floor", "remainder", "logical_and"))

W = [((), (), ()), ((0,), (0,), (0,)), ((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (2, 1, 1)), ((5,), (), (5,)),
     ((37,), (37,), ())]
op("where", lambda m, c, x, y: m.where(c != 0, x, y), W, DTYPES, domain=("halves", "any", "any"),
   np_fn=lambda c, a, b: np.where(c != 0, a, b))
op("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=0.5), W, FLOATS,
   np_fn=lambda x, a, b: _f(x) + 0.5 * _f(a) * _f(b))
op("addcdiv", lambda m, x, a, b: m.addcdiv(x, a, b, value=-1.5), W, NUMERIC, domain=("any", "any", "nonzero"),
   np_fn=lambda x, a, b: _f(x) + -1.5 * _f(a) / _f(b))  # integer a and b: refused, as torch
op("addcdiv_method", lambda m, x, a, b: x.addcdiv(a, b), [((3, 4), (3, 4), (4,)), ((37,), (), (37,))], F32_64,
   domain=("any", "any", "nonzero"), np_fn=lambda x, a, b: x + a / b)
op("addcmul_int", lambda m, x, a, b: m.addcmul(x, a, b, value=2.5), W, INTS, np_fn=lambda x, a, b: x + 2 * a * b)
op("addcmul_method", lambda m, x, a, b: x.addcmul(a, b), [((3, 4), (3, 4), (4,)), ((37,), (), (37,))], DTYPES,
   np_fn=lambda x, a, b: x + a * b)
op("where_scalar", lambda m, c, x: m.where(c > 0, x, 0.5), [((3, 4), (3, 4)), ((5,), ())], DTYPES,
   np_fn=lambda c, a: np.where(c > 0, a, 0.5))
op("where_method", lambda m, c, x, y: x.where(c > 0, y), [((3, 4), (3, 4), (4,))], ("bool",) + F32_64,
   np_fn=lambda c, a, b: np.where(c > 0, a, b))

S = [(), (0,), (5,), (3, 4), (37,)]
_SCALAR = [
    ("add_int", lambda m, x: x + 2, lambda a: a + 2, NUMERIC + ("bool",)),
    ("add_float", lambda m, x: x + 2.5, lambda a: _f(a) + 2.5, DTYPES),
    ("add_bool", lambda m, x: x + True, lambda a: a + True, DTYPES),
    ("radd_float", lambda m, x: 2.5 + x, lambda a: 2.5 + _f(a), DTYPES),
    ("rsub_int", lambda m, x: 3 - x, lambda a: np.array(3).astype(a.dtype) - a, NUMERIC),
    ("sub_float", lambda m, x: x - 0.5, lambda a: _f(a) - 0.5, NUMERIC),
    ("mul_float", lambda m, x: x * 1.5, lambda a: _f(a) * 1.5, DTYPES),
    ("rmul_int", lambda m, x: 3 * x, lambda a: 3 * a, NUMERIC),
    ("div_int", lambda m, x: x / 4, lambda a: _f(a) / 4, DTYPES),
    ("rdiv_float", lambda m, x: 2.0 / x, lambda a: 2.0 / _f(a), NUMERIC),
    ("floordiv_int", lambda m, x: x // 3, lambda a: a // 3, NUMERIC),
    ("floordiv_negint", lambda m, x: x // -3, lambda a: np.floor_divide(_f(a) if a.dtype.kind == "f" else
                                                                         a.astype(np.int64), -3), FLOATS + ("int64",)),
    ("mod_int", lambda m, x: x % 3, lambda a: a % 3, NUMERIC),
    ("mod_negfloat", lambda m, x: x % -1.5, lambda a: np.remainder(_f(a), -1.5), NUMERIC),
    ("pow2", lambda m, x: x ** 2, lambda a: a ** 2, NUMERIC),
    ("pow3", lambda m, x: x ** 3, lambda a: a ** 3, FLOATS + ("int64",)),
    ("pow_half", lambda m, x: m.abs(x) ** 0.5, lambda a: np.abs(_f(a)) ** 0.5, FLOATS + ("int64",)),
    ("rpow", lambda m, x: 2 ** x, lambda a: 2.0 ** _f(a), FLOATS),
    ("rpow_float", lambda m, x: 1.5 ** x, lambda a: 1.5 ** _f(a), NUMERIC),
    ("gt_float", lambda m, x: x > 0.5, lambda a: a > 0.5, DTYPES),
    ("eq_int", lambda m, x: x == 1, lambda a: a == 1, DTYPES),
    ("maximum_scalar_tensor", lambda m, x: m.maximum(x, m.tensor(0.5)), lambda a: np.maximum(_f(a), 0.5), NUMERIC),
    ("add_0d_float", lambda m, x: x + m.tensor(1.5, dtype=m.float64), lambda a: a + 1.5, DTYPES),
    ("add_0d_int", lambda m, x: x + m.tensor(7, dtype=m.int64), lambda a: a + 7, DTYPES),
]
for _n, _fn, _np, _dts in _SCALAR:
    op(_n, _fn, S, _dts, np_fn=_np, domain="nonzero" if "div" in _n or "mod" in _n else "any")

# ---- reductions
R3 = [(2, 3, 4), (3, 1, 5)]
R_ALL = [(), (0,), (7,), (3, 5), (2, 3, 4), (2, 0, 3), (100,)]
R_DIM = [(), (7,), (3, 5), (2, 3, 4), (4, 0), (0, 3)]


def _np_reduce(fn, axis, keep):
    # a 0-d tensor takes dim 0 / -1 in torch; NumPy wants no axis there. Integers multiply in int64, as torch.
    return lambda a: fn(a.astype(np.int64) if a.dtype.kind in "ub" and fn is np.prod else a,
                        axis=axis if a.ndim else None, keepdims=keep)


_NP_RED = {"sum": np.sum, "mean": lambda a, axis, keepdims: np.mean(_f(a), axis=axis, keepdims=keepdims),
           "prod": np.prod, "amax": np.max, "amin": np.min, "all": np.all, "any": np.any,
           "logsumexp": lambda a, axis, keepdims: np.log(np.sum(np.exp(_f(a)), axis=axis, keepdims=keepdims)),
           "var0": lambda a, axis, keepdims: np.var(_f(a), axis=axis, keepdims=keepdims, ddof=0),
           "std0": lambda a, axis, keepdims: np.std(_f(a), axis=axis, keepdims=keepdims, ddof=0)}
_RED_DTYPES = {"sum": DTYPES, "mean": FLOATS, "prod": DTYPES, "amax": NUMERIC + ("bool",), "amin": NUMERIC,
               "all": FLOATS + ("int32", "int64", "bool"), "any": FLOATS + ("int32", "int64", "bool"), "logsumexp": FLOATS, "var0": FLOATS, "var1": F32_64, "std0": FLOATS,
               "std1": F32_64}
_RED_DOMAIN = {"prod": "near1"}


def _red_call(name, dim, keep):
    base = name.rstrip("01")
    kw = {"correction": int(name[-1])} if base in ("var", "std") else {}
    if dim is None:
        return lambda m, x: getattr(m, base)(x, **kw)
    return lambda m, x: getattr(m, base)(x, dim, keepdim=keep, **kw)


for _r in ("sum", "mean", "prod", "amax", "amin", "all", "any", "logsumexp", "var0", "var1", "std0", "std1"):
    _np_fn = _NP_RED.get(_r)
    _needs_values = _r in ("amax", "amin")
    _shapes_all = [s for s in R_ALL if not (_needs_values and 0 in s)]
    if _r != "logsumexp":  # torch.logsumexp requires dim
        op(f"{_r}()", _red_call(_r, None, False), _shapes_all, _RED_DTYPES[_r],
           np_fn=_np_fn and _np_reduce(_np_fn, None, False), domain=_RED_DOMAIN.get(_r, "any"), scale=4)
    for _dim, _shapes in ((0, R_DIM), (-1, R_DIM), ((0, 2), R3 + [(2, 0, 3)] if _r != "prod" else None),
                          ((-1, 0, 1), R3 if _r != "prod" else None),
                          ((), R3) if _r not in ("all", "any", "logsumexp", "var0", "var1", "std0", "std1")
                          and _r != "prod" else (None, None)):
        if _shapes is None:
            continue
        for _keep in (False, True):
            if _needs_values:
                _shapes = [s for s in _shapes if 0 not in s]
            _npd = _np_fn and _np_reduce(_np_fn, (None if _dim == () else _dim), _keep)
            op(f"{_r}(dim={_dim},keepdim={_keep})", _red_call(_r, _dim, _keep), _shapes, _RED_DTYPES[_r],
               np_fn=_npd, domain=_RED_DOMAIN.get(_r, "any"), scale=4)

for _r, _np_fn in (("max", np.max), ("min", np.min)):
    op(f"{_r}()", lambda m, x, _r=_r: getattr(m, _r)(x), [s for s in R_ALL if 0 not in s], NUMERIC + ("bool",),
       np_fn=_np_fn, domain="distinct")
    for _dim in (0, -1, 1):
        for _keep in (False, True):
            op(f"{_r}(dim={_dim},keepdim={_keep})", lambda m, x, _r=_r, _d=_dim, _k=_keep: getattr(m, _r)(x, _d, _k),
               [(3, 5), (2, 3, 4), (1, 7)] + ([(2, 0)] if _dim == 1 else []), NUMERIC, domain="distinct")
    op(f"{_r}_binary", lambda m, x, y, _r=_r: getattr(m, _r)(x, y), B, NUMERIC,
       np_fn=np.maximum if _r == "max" else np.minimum)
for _r, _np_fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    op(f"{_r}()", lambda m, x, _r=_r: getattr(m, _r)(x), [s for s in R_ALL if 0 not in s], NUMERIC,
       np_fn=_np_fn, domain="distinct")
    for _dim in (0, -1):
        for _keep in (False, True):
            op(f"{_r}(dim={_dim},keepdim={_keep})", lambda m, x, _r=_r, _d=_dim, _k=_keep: getattr(m, _r)(x, _d, _k),
               [(), (7,), (3, 5), (2, 3, 4)], NUMERIC, domain="distinct",
               np_fn=lambda a, _f=_np_fn, _d=_dim, _k=_keep: _f(a, axis=_d if a.ndim else None, keepdims=_k))
    op(f"{_r}(keepdim=True)", lambda m, x, _r=_r: getattr(m, _r)(x, keepdim=True), [(3, 5)], F32_64,
       domain="distinct")
op("argmax_ties", lambda m, x: (m.argmax(x, 1), m.argmin(x, 1), m.argmax(x)), [(4, 9)], ("float32", "int64"),
   domain="halves", np_fn=lambda a: (np.argmax(a, 1), np.argmin(a, 1), np.argmax(a)))

for _r in ("cumsum", "cumprod"):
    _npf = np.cumsum if _r == "cumsum" else np.cumprod
    for _dim in (0, -1, 1):
        op(f"{_r}(dim={_dim})", lambda m, x, _r=_r, _d=_dim: getattr(m, _r)(x, _d),
           [(), (7,), (3, 5), (2, 3, 4), (0, 3), (4, 0), (2, 50)] if _dim != 1 else [(3, 5), (2, 3, 4), (4, 0)],
           DTYPES, np_fn=lambda a, _d=_dim, _npf=_npf: _npf(a if a.dtype.kind == "f" else a.astype(np.int64),
                                                            axis=_d) if a.ndim else a.astype(
               np.float64 if a.dtype.kind == "f" else np.int64),
           domain="near1" if _r == "cumprod" else "any", scale=4)
    op(f"{_r}(dtype=float64)", lambda m, x, _r=_r: getattr(m, _r)(x, 0, dtype=m.float64), [(5, 3)],
       ("float32", "int32"), domain="near1")


def _np_softmax(a, d):
    a = _f(a)
    e = np.exp(a - a.max(axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


for _dim in (0, -1, 1):
    _shapes = [(), (7,), (3, 5), (2, 3, 4), (0, 3), (2, 33)] if _dim != 1 else [(3, 5), (2, 3, 4), (3, 0)]
    op(f"softmax(dim={_dim})", lambda m, x, _d=_dim: m.softmax(x, _d), _shapes, FLOATS, scale=2,
       np_fn=lambda a, _d=_dim: _np_softmax(a, _d if a.ndim else None) if a.size else _f(a))
    op(f"log_softmax(dim={_dim})", lambda m, x, _d=_dim: m.log_softmax(x, _d), _shapes, FLOATS, scale=2,
       np_fn=lambda a, _d=_dim: np.log(_np_softmax(a, _d if a.ndim else None)) if a.size else _f(a))
op("softmax_big", lambda m, x: (m.softmax(x * 100, -1), m.log_softmax(x * 100, -1)), [(4, 9)], F32_64, scale=4)
op("softmax(dtype=float64)", lambda m, x: m.softmax(x, -1, dtype=m.float64), [(3, 4)], ("float32", "float16"))

# ---- matrix products
MM = [((3, 4), (4, 5)), ((1, 1), (1, 1)), ((3, 0), (0, 4)), ((0, 4), (4, 2)), ((17, 33), (33, 9))]
op("matmul_2d", lambda m, a, b: m.matmul(a, b), MM, FLOATS + ("int32", "int64", "uint8"),
   np_fn=lambda a, b: a @ b if a.dtype.kind != "f" else _f(a) @ _f(b), scale=8)
op("matmul_batched", lambda m, a, b: a @ b,
   [((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4, 2), (5, 2, 3)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)),
    ((0, 3, 4), (4, 2))], FLOATS + ("int64",), np_fn=lambda a, b: np.matmul(a, b) if a.dtype.kind != "f" else
   np.matmul(_f(a), _f(b)), scale=8)
op("matmul_vec", lambda m, a, b: m.matmul(a, b), [((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((0,), (0,))],
   FLOATS + ("int32", "int64"), np_fn=lambda a, b: np.matmul(a, b) if a.dtype.kind != "f" else
   np.matmul(_f(a), _f(b)), scale=8)
op("mm", lambda m, a, b: m.mm(a, b), [((3, 4), (4, 5))], F32_64, np_fn=np.matmul, scale=8)
op("bmm", lambda m, a, b: m.bmm(a, b), [((2, 3, 4), (2, 4, 5))], F32_64, np_fn=np.matmul, scale=8)
op("mv", lambda m, a, b: m.mv(a, b), [((3, 4), (4,))], F32_64, np_fn=np.matmul, scale=8)
op("dot", lambda m, a, b: m.dot(a, b), [((4,), (4,)), ((100,), (100,))], F32_64 + ("int64",), np_fn=np.dot,
   scale=8)
op("outer", lambda m, a, b: m.outer(a, b), [((4,), (3,))], F32_64 + ("int64",), np_fn=np.outer)
# tinytorch promotes integers meeting floats, matmul included (torch refuses); the reference casts first
op("matmul_int_float", lambda m, a, b: m.matmul(a.long(), b),
   [((3, 4), (4, 5)), ((4,), (4,)), ((2, 3, 4), (4,))], F32_64,
   torch_fn=lambda m, a, b: m.matmul(a.long().to(b.dtype), b), np_fn=lambda a, b: np.matmul(a.astype(np.int64), b),
   scale=8, domain="halves")

# ---- indexing ops (index constants made with m.tensor, so they land on the test device)
X34 = [((3, 4),)]
op("gather_dim1", lambda m, x: m.gather(x, 1, m.tensor([[0, 3], [1, 1], [2, 0]])), X34, DTYPES,
   np_fn=lambda a: np.take_along_axis(a, np.array([[0, 3], [1, 1], [2, 0]]), 1))
op("gather_dim0", lambda m, x: m.gather(x, 0, m.tensor([[2, 0, 1, 1], [0, 0, 2, 1]])), X34, NUMERIC,
   np_fn=lambda a: np.take_along_axis(a, np.array([[2, 0, 1, 1], [0, 0, 2, 1]]), 0))
op("gather_neg_dim_small_index", lambda m, x: x.gather(-1, m.tensor([[1], [0]])), [((2, 4),)], NUMERIC)
op("gather_int32_index", lambda m, x: x.gather(1, m.tensor([[1, 0]], dtype=m.int32)), [((1, 4),)], F32_64)
op("scatter_src", lambda m, x, s: x.scatter(1, m.tensor([[0, 3], [1, 2], [3, 0]]), s), [((3, 4), (3, 2))], DTYPES)
op("scatter_value", lambda m, x: x.scatter(0, m.tensor([[2, 0, 1, 1]]), value=1.5), X34, F32_64)
op("scatter_add", lambda m, x, s: x.scatter_add(1, m.tensor([[0, 0], [1, 3], [3, 3]]), s), [((3, 4), (3, 2))],
   NUMERIC)
op("scatter_add_dim0", lambda m, x, s: m.scatter_add(x, 0, m.tensor([[1, 1, 0, 2], [1, 0, 0, 2]]), s),
   [((3, 4), (2, 4))], F32_64)
op("index_select_dim0", lambda m, x: m.index_select(x, 0, m.tensor([2, 0, 2])), X34, DTYPES,
   np_fn=lambda a: a[[2, 0, 2]])
op("index_select_dim-1", lambda m, x: x.index_select(-1, m.tensor([3, 1])), X34 + [((2, 0, 4),)], DTYPES,
   np_fn=lambda a: a[..., [3, 1]])
op("index_select_empty", lambda m, x: x.index_select(1, m.tensor([], dtype=m.int64)), X34, F32_64)
op("index_add", lambda m, x, s: x.index_add(0, m.tensor([0, 2, 0]), s), [((3, 4), (3, 4))], NUMERIC)
op("index_add_alpha_dim1", lambda m, x, s: x.index_add(1, m.tensor([3, 0]), s, alpha=2), [((3, 4), (3, 2))],
   F32_64)
op("masked_fill", lambda m, x: x.masked_fill(m.tensor([True, False, True, False]), 2.0), X34, NUMERIC,
   np_fn=lambda a: np.where(np.array([True, False, True, False]), np.array(2).astype(a.dtype), a))
op("masked_fill_2d", lambda m, x: x.masked_fill(x > 0, 0.5), X34 + [((0, 3),), ((),)], FLOATS,
   np_fn=lambda a: np.where(a > 0, 0.5, a))
op("masked_select", lambda m, x: m.masked_select(x, x > 0), X34 + [((0, 3),)], F32_64 + ("int64",),
   np_fn=lambda a: a[a > 0])
op("nonzero", lambda m, x: m.nonzero(x), [(), (0,), (7,), (3, 4), (2, 3, 4)], DTYPES, domain="halves",
   np_fn=lambda a: np.argwhere(a))
op("nonzero_tuple", lambda m, x: m.nonzero(x, as_tuple=True), [(7,), (3, 4)], ("float32", "bool"), domain="halves",
   np_fn=lambda a: np.nonzero(a))
op("cat_dim0", lambda m, x, y: m.cat([x, y], 0), [((2, 3), (4, 3)), ((0, 3), (2, 3)), ((2,), (0,))], DTYPES,
   np_fn=lambda a, b: np.concatenate([a, b], 0))
op("cat_dim1", lambda m, x, y: m.cat((x, y, x), dim=-1), [((2, 3), (2, 1)), ((2, 0), (2, 2)), ((2, 3, 2), (2, 3, 1))],
   DTYPES, np_fn=lambda a, b: np.concatenate([a, b, a], -1))
op("cat_legacy_empty", lambda m, x: m.cat([x, m.zeros(0, dtype=x.dtype)], 1), [((2, 3),)], F32_64)
op("cat_mixed_dtypes", lambda m, x: m.cat([x, x.double()], 0), [((2, 3),)], ("float32", "int64"))
op("stack", lambda m, x, y: (m.stack([x, y]), m.stack([x, y], 1), m.stack([x, y, x], -1)),
   [((2, 3), (2, 3)), ((), ()), ((0, 2), (0, 2))], DTYPES,
   np_fn=lambda a, b: (np.stack([a, b]), np.stack([a, b], 1) if a.ndim else None, np.stack([a, b, a], -1)))
op("pad", lambda m, x: tt_pad(x, (1, 2)), [(3,), (2, 3), (0, 2)], DTYPES, torch_fn=lambda m, x: F.pad(x, (1, 2)),
   np_fn=lambda a: np.pad(a, [(0, 0)] * (a.ndim - 1) + [(1, 2)]))
op("pad_2d_value", lambda m, x: tt_pad(x, (1, 0, 2, 1), value=1.5), [(2, 3), (2, 2, 3)], F32_64,
   torch_fn=lambda m, x: F.pad(x, (1, 0, 2, 1), value=1.5),
   np_fn=lambda a: np.pad(a, [(0, 0)] * (a.ndim - 2) + [(2, 1), (1, 0)], constant_values=1.5))
op("pad_negative", lambda m, x: tt_pad(x, (-1, 2)), [(2, 4)], F32_64, torch_fn=lambda m, x: F.pad(x, (-1, 2)))
op("flip", lambda m, x: (m.flip(x, (0,)), m.flip(x, (-1,)), x.flip((0, 1))), [(3, 4), (2, 3, 4), (0, 3)], DTYPES,
   np_fn=lambda a: (np.flip(a, 0), np.flip(a, -1), np.flip(a, (0, 1))))
op("roll", lambda m, x: (m.roll(x, 1, 0), m.roll(x, (1, -2), (0, 1)), m.roll(x, 3), x.roll(-7, 1)),
   [(3, 4), (2, 3, 4), (0, 3)], DTYPES,
   np_fn=lambda a: (np.roll(a, 1, 0), np.roll(a, (1, -2), (0, 1)), np.roll(a, 3), np.roll(a, -7, 1)))
op("tril_triu", lambda m, x: (m.tril(x), m.tril(x, 1), m.tril(x, -1), m.triu(x), m.triu(x, 2), m.triu(x, -1)),
   [(4, 5), (2, 3, 3), (5, 2), (0, 3)], DTYPES,
   np_fn=lambda a: (np.tril(a), np.tril(a, 1), np.tril(a, -1), np.triu(a), np.triu(a, 2), np.triu(a, -1)))
op("repeat", lambda m, x: (x.repeat(2, 1), x.repeat(2, 1, 3), x.repeat(1, 0)), [(3, 4), (0, 2)], DTYPES,
   np_fn=lambda a: (np.tile(a, (2, 1)), np.tile(a, (2, 1, 3)), np.tile(a, (1, 0))))
op("repeat_0d", lambda m, x: x.repeat(3), [()], F32_64)
op("topk", lambda m, x: (m.topk(x, 2), x.topk(3, dim=0, largest=False), m.topk(x, 0)), [(4, 5), (3, 4, 6)],
   NUMERIC, domain="distinct", layouts=NO_BCAST)
op("topk_1d", lambda m, x: m.topk(x, 5), [(5,), (67,)], F32_64 + ("int64",), domain="distinct", layouts=NO_BCAST,
   np_fn=lambda a: (-np.sort(-a)[:5], np.argsort(-a, kind="stable")[:5]))
op("sort", lambda m, x: (m.sort(x), x.sort(dim=0, descending=True), m.sort(x, dim=-1, stable=True)),
   [(7,), (4, 5), (2, 3, 4), (0, 3), (1, 0), (100,)], NUMERIC, domain="distinct", layouts=NO_BCAST,
   np_fn=lambda a: ((np.sort(a), np.argsort(a, kind="stable")),
                    (np.flip(np.sort(a, 0), 0), np.flip(np.argsort(a, 0, kind="stable"), 0)),
                    (np.sort(a, -1), np.argsort(a, -1, kind="stable"))))
op("sort_0d", lambda m, x: m.sort(x), [()], F32_64)
op("sort_stable_ties", lambda m, x: (m.sort(x, stable=True), m.sort(x, descending=True, stable=True),
                                     m.argsort(x, stable=True)), [(40,), (3, 17)], ("float32", "int64"),
   domain="halves",
   np_fn=lambda a: ((np.sort(a, kind="stable"), np.argsort(a, kind="stable")), None,
                    np.argsort(a, kind="stable")))
op("sort_nan", lambda m, x: (m.sort(x / x.round()), m.sort(x / x.round(), descending=True)), [(12,)], F32_64,
   domain="halves")
op("argsort", lambda m, x: (m.argsort(x), x.argsort(dim=0, descending=True)), [(7,), (4, 5), (2, 3, 4)], NUMERIC,
   domain="distinct", layouts=NO_BCAST, np_fn=lambda a: (np.argsort(a), np.flip(np.argsort(a, 0), 0)))

# ---- shape ops
op("view", lambda m, x: (x.view(-1), x.view(4, 3), x.view(2, 2, 3), x.view(12, 1)), X34, DTYPES,
   np_fn=lambda a: (a.reshape(-1), a.reshape(4, 3), a.reshape(2, 2, 3), a.reshape(12, 1)))
op("view_0d_empty", lambda m, x: (x.view(1), x.view(()), x.view(1, 1)), [(1,)], F32_64)
op("view_empty", lambda m, x: (x.view(3, 0), x.view(-1, 2)), [(2, 0, 3)], F32_64)
op("reshape", lambda m, x: (x.reshape(2, -1), m.reshape(x, (12,)), x.reshape(3, 2, 2), x.reshape(-1, 1, 4)),
   [(3, 4), (2, 6), (2, 3, 2)], DTYPES,
   np_fn=lambda a: (a.reshape(2, -1), a.reshape(12), a.reshape(3, 2, 2), a.reshape(-1, 1, 4)))
op("reshape_0d", lambda m, x: (x.reshape(()), x.reshape(1, 1), x.reshape(-1)), [(), (1,)], F32_64)
op("permute", lambda m, x: (x.permute(2, 0, 1), m.permute(x, (1, 2, 0)), x.permute(-1, -2, -3)), [(2, 3, 4), (2, 0, 3)],
   DTYPES, np_fn=lambda a: (a.transpose(2, 0, 1), a.transpose(1, 2, 0), a.transpose(2, 1, 0)))
op("transpose", lambda m, x: (x.transpose(0, 1), m.transpose(x, -1, 0), x.swapaxes(1, 2)), [(2, 3, 4)], DTYPES,
   np_fn=lambda a: (a.swapaxes(0, 1), a.swapaxes(-1, 0), a.swapaxes(1, 2)))
op("T", lambda m, x: x.T, [(), (5,), (3, 4), (2, 3, 4)], DTYPES, np_fn=lambda a: a.T)
op("t", lambda m, x: (x.t(), m.t(x)), [(), (5,), (3, 4)], DTYPES, np_fn=lambda a: (a.T, a.T))
op("mT", lambda m, x: x.mT, [(3, 4), (2, 3, 4)], F32_64, np_fn=lambda a: np.swapaxes(a, -1, -2))
op("expand", lambda m, x: (x.expand(2, 3, 4), x.expand(-1, 4), x.expand(0, 3, 4), m.broadcast_to(x, (5, 3, 4))),
   [(3, 1)], DTYPES, np_fn=lambda a: (np.broadcast_to(a, (2, 3, 4)), np.broadcast_to(a, (3, 4)),
                                      np.broadcast_to(a, (0, 3, 4)), np.broadcast_to(a, (5, 3, 4))))
op("expand_0d", lambda m, x: x.expand(3, 2), [()], F32_64, np_fn=lambda a: np.broadcast_to(a, (3, 2)))
op("squeeze", lambda m, x: (x.squeeze(), x.squeeze(1), x.squeeze(0), x.squeeze(-1), m.squeeze(x, (1, 3))),
   [(2, 1, 3, 1), (1, 1, 1, 1)], DTYPES,
   np_fn=lambda a: (a.squeeze(), a.squeeze(1), a.squeeze(0) if a.shape[0] == 1 else a, a.squeeze(-1),
                    a.squeeze((1, 3))))
op("squeeze_0d", lambda m, x: (x.squeeze(), x.squeeze(0)), [()], F32_64)
op("unsqueeze", lambda m, x: (x.unsqueeze(0), x.unsqueeze(-1), m.unsqueeze(x, 1)), [(), (3,), (2, 3)], DTYPES,
   np_fn=lambda a: (a[None], a[..., None], np.expand_dims(a, 1) if a.ndim else None))
op("flatten", lambda m, x: (x.flatten(), x.flatten(1), m.flatten(x, 0, 1), x.flatten(-2, -1)), [(2, 3, 4), (2, 0, 3)],
   DTYPES, np_fn=lambda a: (a.reshape(-1), a.reshape(a.shape[0], -1), a.reshape(-1, a.shape[2]),
                            a.reshape(a.shape[0], -1)))
op("flatten_0d", lambda m, x: x.flatten(), [()], F32_64)
op("unflatten", lambda m, x: (x.unflatten(1, (2, 2)), m.unflatten(x, 1, (-1, 2)), x.unflatten(-1, (4, 1))),
   [(3, 4)], DTYPES, np_fn=lambda a: (a.reshape(3, 2, 2), a.reshape(3, 2, 2), a.reshape(3, 4, 1)))
op("narrow", lambda m, x: (x.narrow(0, 1, 2), m.narrow(x, 1, 1, 3), x.narrow(-1, -3, 2), x.narrow(0, 3, 0)),
   [(3, 4)], DTYPES, np_fn=lambda a: (a[1:3], a[:, 1:4], a[:, 1:3], a[3:3]))
op("split", lambda m, x: (x.split(2), m.split(x, [1, 3], dim=1), x.split(3, -1)), [(5, 4), (0, 4)], DTYPES)
op("chunk", lambda m, x: (x.chunk(3), m.chunk(x, 2, 1), x.chunk(6, 0), x.chunk(4, 1)), [(5, 4), (6, 3)], DTYPES)
op("unbind", lambda m, x: (x.unbind(), m.unbind(x, 1), x.unbind(-1)), [(2, 3, 4), (3, 0)], DTYPES,
   np_fn=lambda a: (tuple(a), tuple(np.moveaxis(a, 1, 0)), tuple(np.moveaxis(a, -1, 0))))
op("movedim", lambda m, x: (m.movedim(x, 0, -1), x.movedim((0, 1), (2, 0))), [(2, 3, 4)], F32_64,
   np_fn=lambda a: (np.moveaxis(a, 0, -1), np.moveaxis(a, (0, 1), (2, 0))))
op("select", lambda m, x: (x.select(0, 1), m.select(x, -1, -2)), [(3, 4)], DTYPES,
   np_fn=lambda a: (a[1], a[:, -2]))
op("getitem_basic", lambda m, x: (x[1], x[-1, 2], x[:, 1:3], x[::2, 1::2], x[None, ..., 1],
                                  x[..., None], x[1:, None, :2]), [(3, 4)], DTYPES,
   np_fn=lambda a: (a[1], a[-1, 2], a[:, 1:3], a[::2, 1::2], a[None, ..., 1], a[..., None], a[1:, None, :2]))
op("getitem_adv", lambda m, x: (x[m.tensor([2, 0, -1])], x[:, m.tensor([[0, 1], [3, 3]])],
                                x[m.tensor([0, 2]), m.tensor([1, 3])], x[x > 0], x[m.tensor([1, 0]), 1:]),
   [(3, 4)], DTYPES, domain="halves")

BY_ID = {}
for _row in OPS:
    _row.id = _row.name
    _i = 2
    while _row.id in BY_ID:
        _row.id = f"{_row.name}#{_i}"
        _i += 1
    BY_ID[_row.id] = _row
