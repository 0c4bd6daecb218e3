"""Elementwise ops: PyTorch's promotion and broadcasting decided here, one kernel call per primitive.
float16/bfloat16 arithmetic runs in float32 and is rounded back once."""
import numbers

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..tensor import Tensor, empty
from .copy import cast, copy_
from .creation import scalar_tensor
from .shape import broadcast_shapes, broadcast_to

_HALF = (dt.float16, dt.bfloat16)


def _compute_dtype(dtype):
    return dt.float32 if dtype in _HALF else dtype


def _operand(v, dtype, dev, op):
    if isinstance(v, Tensor):
        if v._device != dev:
            raise RuntimeError(f"{op}(): expected all tensors on one device, got {dev} and {v._device}")
        return v if v._dtype is dtype else cast(v, dtype)
    if isinstance(v, (numbers.Number,)) and not isinstance(v, complex):
        return scalar_tensor(v, dtype, dev)
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:  # NumPy scalars and 0-d arrays
        return scalar_tensor(v.item(), dtype, dev)
    raise TypeError(f"{op}(): unsupported operand of type {type(v).__name__}")


def _device_of(*xs):
    for x in xs:
        if isinstance(x, Tensor):
            return x._device
    raise TypeError("expected at least one tensor operand")


def _check_number(v, op):
    if not isinstance(v, (Tensor, numbers.Number)) and not (hasattr(v, "item") and getattr(v, "ndim", 1) == 0):
        raise TypeError(f"{op}(): unsupported operand of type {type(v).__name__}")
    if isinstance(v, complex):
        raise TypeError(f"{op}(): tinytorch has no complex dtypes")


# ---- unary
def unary(op, x, name, float_only=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): expected a tensor, got {type(x).__name__}")
    dtype = x._dtype
    if float_only and not dtype.is_floating_point:
        dtype = dt.get_default_dtype()
    if dtype is dt.bool_ and not float_only:
        dtype = dt.uint8 if name in ("abs", "relu", "sign") else dtype
        if dtype is dt.bool_:
            raise RuntimeError(f"{name}(): not supported for bool tensors")
    compute = _compute_dtype(dtype)
    src = x if x._dtype is compute else cast(x, compute)
    out = empty(x._shape, compute, x._device, name)
    _core.run(op, (src,), (out,))
    if x._dtype is dt.bool_ and not float_only:
        return cast(out, dt.bool_)
    return out if compute is dtype else cast(out, dtype)


def predicate(op, x, name):
    out = empty(x._shape, dt.bool_, x._device, name)
    _core.run(op, (x,), (out,))
    return out


def _float_unary(op, name):
    def f(x):
        return unary(op, x, name, float_only=True)
    f.__name__ = name
    return f


def _unary(op, name):
    def f(x):
        return unary(op, x, name)
    f.__name__ = name
    return f


exp = _float_unary(OP.EXP, "exp")
exp2 = _float_unary(OP.EXP2, "exp2")
log = _float_unary(OP.LOG, "log")
log2 = _float_unary(OP.LOG2, "log2")
log1p = _float_unary(OP.LOG1P, "log1p")
expm1 = _float_unary(OP.EXPM1, "expm1")
sqrt = _float_unary(OP.SQRT, "sqrt")
rsqrt = _float_unary(OP.RSQRT, "rsqrt")
reciprocal = _float_unary(OP.RECIPROCAL, "reciprocal")
sin = _float_unary(OP.SIN, "sin")
cos = _float_unary(OP.COS, "cos")
tan = _float_unary(OP.TAN, "tan")
tanh = _float_unary(OP.TANH, "tanh")
sigmoid = _float_unary(OP.SIGMOID, "sigmoid")
silu = _float_unary(OP.SILU, "silu")
erf = _float_unary(OP.ERF, "erf")
neg = _unary(OP.NEG, "neg")
abs = _unary(OP.ABS, "abs")  # noqa: A001
sign = _unary(OP.SIGN, "sign")
relu = _unary(OP.RELU, "relu")
negative = neg
absolute = abs


def _rounding(op, name):
    def f(x):
        if not x._dtype.is_floating_point:
            return x.clone()  # integers are already whole
        return unary(op, x, name)
    f.__name__ = name
    return f


floor = _rounding(OP.FLOOR, "floor")
ceil = _rounding(OP.CEIL, "ceil")
trunc = _rounding(OP.TRUNC, "trunc")
fix = trunc


def round(x, decimals=0):  # noqa: A001
    if decimals:
        scale = 10.0 ** decimals
        return div(_rounding(OP.ROUND, "round")(mul(x, scale)), scale)
    return _rounding(OP.ROUND, "round")(x)


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return unary(OP.GELU if approximate == "none" else OP.GELU_TANH, x, "gelu", float_only=True)


def softplus(x, beta=1.0, threshold=20.0):
    if beta == 1.0 and threshold == 20.0:
        return unary(OP.SOFTPLUS, x, "softplus", float_only=True)
    scaled = mul(x, beta)
    return where(gt(scaled, threshold), x, div(unary(OP.SOFTPLUS, scaled, "softplus", True), beta))


def isnan(x):
    return predicate(OP.ISNAN, x, "isnan")


def isinf(x):
    return predicate(OP.ISINF, x, "isinf")


def isfinite(x):
    return logical_not(logical_or(isnan(x), isinf(x)))


def logical_not(x):
    return predicate(OP.LOGICAL_NOT, x, "logical_not")


def square(x):
    return mul(x, x)


def sigmoid_(x):
    return copy_(x, sigmoid(x))


# ---- binary
def binary(op, a, b, name, out_dtype=None):
    _check_number(a, name)
    _check_number(b, name)
    dev = _device_of(a, b)
    dtype = dt.result_type(a, b)
    compute = _compute_dtype(dtype) if out_dtype is None else dtype
    ta = _operand(a, compute, dev, name)
    tb = _operand(b, compute, dev, name)
    shape = ta._shape if ta._shape == tb._shape else broadcast_shapes(ta._shape, tb._shape, op=name)
    out = empty(shape, out_dtype or compute, dev, name)
    _core.run(op, (broadcast_to(ta, shape), broadcast_to(tb, shape)), (out,))
    return out if out_dtype is not None or compute is dtype else cast(out, dtype)


def _arith(op, name, bool_as=None):
    def f(a, b):
        if dt.result_type(a, b) is dt.bool_:
            if bool_as is None:
                raise RuntimeError(f"{name}(): not supported for bool tensors")
            return bool_as(a, b)
        return binary(op, a, b, name)
    f.__name__ = name
    return f


def _compare(op, name):
    def f(a, b):
        return binary(op, a, b, name, out_dtype=dt.bool_)
    f.__name__ = name
    return f


def _floating(a, b):
    """Division's result dtype: integer operands give the default float."""
    dtype = dt.result_type(a, b)
    return dtype if dtype.is_floating_point else dt.get_default_dtype()


eq = _compare(OP.EQ, "eq")
ne = _compare(OP.NE, "ne")
lt = _compare(OP.LT, "lt")
le = _compare(OP.LE, "le")
gt = _compare(OP.GT, "gt")
ge = _compare(OP.GE, "ge")
logical_and = _compare(OP.LOGICAL_AND, "logical_and")
logical_or = _compare(OP.LOGICAL_OR, "logical_or")
logical_xor = _compare(OP.LOGICAL_XOR, "logical_xor")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

maximum = _arith(OP.MAXIMUM, "maximum", logical_or)
minimum = _arith(OP.MINIMUM, "minimum", logical_and)
_add = _arith(OP.ADD, "add", logical_or)
_sub = _arith(OP.SUB, "sub")
mul = _arith(OP.MUL, "mul", logical_and)
multiply = mul


def add(a, b, alpha=1):
    return _add(a, b if alpha == 1 else mul(b, alpha))


def sub(a, b, alpha=1):
    return _sub(a, b if alpha == 1 else mul(b, alpha))


subtract = sub


def rsub(a, b, alpha=1):
    return sub(b, a, alpha)


def div(a, b, rounding_mode=None):
    if rounding_mode is None:
        dtype = _floating(a, b)
        dev = _device_of(a, b)
        return binary(OP.DIV, _operand(a, dtype, dev, "div"), _operand(b, dtype, dev, "div"), "div")
    if rounding_mode == "floor":
        return binary(OP.FLOOR_DIV, a, b, "floor_divide")
    if rounding_mode == "trunc":
        if dt.result_type(a, b).is_floating_point:
            return trunc(binary(OP.DIV, a, b, "div"))
        return binary(OP.DIV, a, b, "div")
    raise ValueError(f"div(): rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


divide = true_divide = div


def floor_divide(a, b):
    return binary(OP.FLOOR_DIV, a, b, "floor_divide")


def remainder(a, b):
    return binary(OP.REMAINDER, a, b, "remainder")


def fmod(a, b):
    """C's fmod: the sign of the dividend."""
    q = div(a, b, rounding_mode="trunc")
    return sub(a, mul(q, b))


def pow(a, b):  # noqa: A001
    if isinstance(b, numbers.Number) and isinstance(a, Tensor):
        if b == 2:
            return mul(a, a) if a._dtype is not dt.bool_ else a.clone()
        if b == 1 and dt.result_type(a, b) is a._dtype:
            return a.clone()
    return binary(OP.POW, a, b, "pow")




def where(condition, input=None, other=None):  # noqa: A002
    if input is None and other is None:
        from .index import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): condition must be a tensor, got {type(condition).__name__}")
    if condition._dtype is not dt.bool_:
        condition = ne(condition, 0)
    _check_number(input, "where")
    _check_number(other, "where")
    dev = condition._device
    dtype = dt.result_type(input, other)
    a = _operand(input, dtype, dev, "where")
    b = _operand(other, dtype, dev, "where")
    shape = broadcast_shapes(condition._shape, a._shape, b._shape, op="where")
    out = empty(shape, dtype, dev, "where")
    _core.run(OP.WHERE, (broadcast_to(condition, shape), broadcast_to(a, shape), broadcast_to(b, shape)), (out,))
    return out


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp(): at least one of min and max must be given")
    out = x
    if min is not None:
        out = maximum(out, min)
    if max is not None:
        out = minimum(out, max)
    if isinstance(x, Tensor) and out._dtype is not x._dtype and not isinstance(min, Tensor) \
            and not isinstance(max, Tensor) and out._dtype.category == x._dtype.category:
        out = cast(out, x._dtype)
    return out


clip = clamp


def clamp_min(x, min):  # noqa: A002
    return clamp(x, min=min)


def clamp_max(x, max):  # noqa: A002
    return clamp(x, max=max)


def lerp(start, end, weight):
    return add(start, mul(weight, sub(end, start)))


def inplace(x, result, name):
    """Writes an op's result back into x, refusing a cast that torch refuses (float into an integer tensor)."""
    if result._dtype.category > x._dtype.category:
        raise RuntimeError(f"{name}(): result type {result._dtype.name} can't be cast to the desired output type "
                           f"{x._dtype.name}")
    if result._shape != x._shape and broadcast_shapes(result._shape, x._shape, op=name) != x._shape:
        raise RuntimeError(f"{name}(): output with shape {list(x._shape)} doesn't match the broadcast shape "
                           f"{list(broadcast_shapes(result._shape, x._shape))}")
    return copy_(x, result)
