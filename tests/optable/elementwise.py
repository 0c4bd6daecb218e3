"""Rows of the elementwise ops: unary, binary with broadcasting, where/addcmul/addcdiv, Python scalars."""
import math

import numpy as np

from ._base import *  # noqa: F401,F403
from ._base import _f, _np_erf  # noqa: F401

def _np_gelu(a):
    a = a.astype(np.float64)
    return 0.5 * a * (1 + _np_erf(a / math.sqrt(2)))


def _np_gelu_tanh(a):
    a = a.astype(np.float64)
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))


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
    ("sinh", lambda m, x: m.sinh(x), None, lambda a: np.sinh(_f(a)), FLOATS + ("int64",), "any", True),
    ("cosh", lambda m, x: m.cosh(x), None, lambda a: np.cosh(_f(a)), FLOATS + ("int64",), "any", False),
    ("sigmoid", lambda m, x: m.sigmoid(x), None, lambda a: 1 / (1 + np.exp(-_f(a))), FLOATS + ("int64",), "any",
     False),
    ("relu", lambda m, x: m.relu(x), None, lambda a: np.maximum(a, 0), NUMERIC, "any", False),
    ("gelu", lambda m, x: m.gelu(x), lambda m, x: F(m).gelu(x), _np_gelu, FLOATS, "any", False),
    ("gelu_tanh", lambda m, x: m.gelu(x, approximate="tanh"), lambda m, x: F(m).gelu(x, approximate="tanh"),
     _np_gelu_tanh, FLOATS, "any", False),
    ("silu", lambda m, x: m.silu(x), lambda m, x: F(m).silu(x), lambda a: _f(a) / (1 + np.exp(-_f(a))), FLOATS, "any",
     False),
    ("softplus", lambda m, x: x.softplus(), lambda m, x: F(m).softplus(x), lambda a: np.logaddexp(0, _f(a)), FLOATS,
     "any", False),
    ("softplus_beta", lambda m, x: x.softplus(beta=2.0, threshold=3.0),
     lambda m, x: F(m).softplus(x, beta=2.0, threshold=3.0), None, F32_64, "any", False),
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
# differentiable (floor, round, sign and the tests have zero gradients, and kinks on the "halves" domain)
_UNARY_GRAD = {"neg", "abs", "exp", "exp2", "log", "log2", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin",
               "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "relu", "gelu", "gelu_tanh", "silu", "softplus",
               "softplus_beta", "erf", "square", "neg_op", "abs_op", "clamp", "clamp_int", "clamp_min"}
_UNARY_GRADGRAD = {"exp", "log", "sqrt", "tanh", "sinh", "sigmoid", "sin", "gelu", "silu", "softplus"}
for _n, _fn, _tfn, _np, _dts, _dom, _sz in _UNARY:
    # gelu(+inf) is inf in tinytorch but nan in torch 2.13's CPU kernel: torch is the odd one out there
    _ok_special = not _n.startswith(("invert", "clamp_int", "gelu"))
    op(_n, _fn, U, _dts, torch_fn=_tfn, np_fn=_np, domain=_dom, special=_ok_special, signed_zero=_sz,
       grad=_n in _UNARY_GRAD, gradgrad=_n in _UNARY_GRADGRAD)

# float32 sinh and cosh near their overflow (89.4), past exp's (88.7), and where exp(x) - exp(-x) would cancel
_HYPERBOLIC_EDGES = [88.0, 88.5, 88.8, 89.0, 89.4, 89.5, -89.2, 30.0, 1e-4, -3e-8, 1e-30, 0.0, -0.0]
op("sinh_cosh_edges", lambda m, x: (m.sinh(x * 0 + m.tensor(_HYPERBOLIC_EDGES)),
                                    m.cosh(x * 0 + m.tensor(_HYPERBOLIC_EDGES))),
   [(len(_HYPERBOLIC_EDGES),)], F32_64, layouts=("contig",), signed_zero=True)

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
_BINARY_GRAD = {"add", "add_alpha", "sub", "mul", "div", "pow", "maximum", "minimum", "lerp", "op_add", "op_mul",
                "op_truediv", "remainder"}
for _n, _fn, _np, _dts, _dom in _BINARY:
    op(_n, _fn, B, _dts, np_fn=_np, domain=_dom, grad=_n in _BINARY_GRAD, gradgrad=_n in ("add", "mul", "div"),
       special=_n in ("add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
                      "pow", "div_floor", "remainder", "logical_and"))

W = [((), (), ()), ((0,), (0,), (0,)), ((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (2, 1, 1)), ((5,), (), (5,)),
     ((37,), (37,), ())]
op("where", lambda m, c, x, y: m.where(c != 0, x, y), W, DTYPES, domain=("halves", "any", "any"), grad=True,
   grad_inputs=(1, 2),
   np_fn=lambda c, a, b: np.where(c != 0, a, b))
op("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=0.5), W, FLOATS, grad=True, gradgrad=True,
   np_fn=lambda x, a, b: _f(x) + 0.5 * _f(a) * _f(b))
op("addcdiv", lambda m, x, a, b: m.addcdiv(x, a, b, value=-1.5), W, NUMERIC, domain=("any", "any", "nonzero"),
   grad=True, gradgrad=True,
   np_fn=lambda x, a, b: _f(x) + -1.5 * _f(a) / _f(b))  # integer a and b: refused, as torch
op("addcdiv_method", lambda m, x, a, b: x.addcdiv(a, b), [((3, 4), (3, 4), (4,)), ((37,), (), (37,))], F32_64,
   grad=True,
   domain=("any", "any", "nonzero"), np_fn=lambda x, a, b: x + a / b)
op("addcmul_int", lambda m, x, a, b: m.addcmul(x, a, b, value=2.5), W, INTS, np_fn=lambda x, a, b: x + 2 * a * b)
op("addcmul_method", lambda m, x, a, b: x.addcmul(a, b), [((3, 4), (3, 4), (4,)), ((37,), (), (37,))], DTYPES,
   grad=True,
   np_fn=lambda x, a, b: x + a * b)
op("where_scalar", lambda m, c, x: m.where(c > 0, x, 0.5), [((3, 4), (3, 4)), ((5,), ())], DTYPES, grad=True,
   grad_inputs=(1,),
   np_fn=lambda c, a: np.where(c > 0, a, 0.5))
op("where_method", lambda m, c, x, y: x.where(c > 0, y), [((3, 4), (3, 4), (4,))], ("bool",) + F32_64, grad=True,
   grad_inputs=(1, 2),
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
_SCALAR_GRAD = {"add_float", "radd_float", "rsub_int", "sub_float", "mul_float", "rmul_int", "div_int", "rdiv_float",
                "mod_negfloat", "pow2", "pow3", "pow_half", "rpow", "rpow_float", "maximum_scalar_tensor",
                "add_0d_float"}
for _n, _fn, _np, _dts in _SCALAR:
    op(_n, _fn, S, _dts, np_fn=_np, domain="nonzero" if "div" in _n or "mod" in _n else "any", grad=_n in _SCALAR_GRAD)
op("pow_scalar_float", lambda m, x: x ** 3.5, S, F32_64, np_fn=lambda a: a ** 3.5, domain="pos", grad=True,
   gradgrad=True, op="pow")

