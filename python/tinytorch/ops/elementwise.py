"""Elementwise ops: PyTorch's type promotion decided here (result_type), operands broadcast by ops/broadcast.py,
one kernel call per primitive; a binary op's node sums each gradient back to its operand's shape. float16/bfloat16
arithmetic runs in float32 and is rounded back once."""
import math
import numbers

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.grad_mode import is_grad_enabled as _core_grad_enabled
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from .broadcast import broadcast_shapes, broadcast_view, sum_to
from .copy import cast, clone, copy_
from .creation import scalar_tensor
from ._public import declare

_HALF = (dt.float16, dt.bfloat16)


def _compute_dtype(dtype):
    return dt.float32 if dtype in _HALF else dtype


def _operand(v, dtype, dev, op):
    if isinstance(v, Tensor):
        if v._device is not dev and v._device != dev:
            raise RuntimeError(f"{op}(): expected all tensors on one device, got {dev} and {v._device}")
        return v if v._dtype is dtype else cast(v, dtype)
    if type(v) in _PLAIN_NUMBERS or isinstance(v, numbers.Number) and not isinstance(v, complex):
        return scalar_tensor(v, dtype, dev)
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:  # NumPy scalars and 0-d arrays
        return scalar_tensor(v.item(), dtype, dev)
    raise TypeError(f"{op}(): unsupported operand of type {type(v).__name__}")


def _device_of(*xs):
    for x in xs:
        if isinstance(x, Tensor):
            return x._device
    raise TypeError("expected at least one tensor operand")


_PLAIN_NUMBERS = (float, int, bool)


def _check_number(v, op):
    if type(v) in _PLAIN_NUMBERS:
        return
    if not isinstance(v, (Tensor, numbers.Number)) and not (hasattr(v, "item") and getattr(v, "ndim", 1) == 0):
        raise TypeError(f"{op}(): unsupported operand of type {type(v).__name__}")
    if isinstance(v, complex):
        raise TypeError(f"{op}(): tinytorch has no complex dtypes")


_SCALAR_CATEGORY = {bool: 0, int: 1, float: 2}


def result_type(*operands):
    """PyTorch's rule: dimensioned tensors decide; 0-d tensors and then Python scalars only raise the category."""
    if len(operands) == 2:  # the hot case: a tensor and a Python number
        a, b = operands
        if isinstance(a, Tensor) and a._shape and type(b) in _SCALAR_CATEGORY:
            cat = _SCALAR_CATEGORY[type(b)]
            return a._dtype if cat <= a._dtype.category else (dt.bool_, dt.int64, dt.get_default_dtype())[cat]
    dims = zeros = None
    scalar_cat = -1
    for x in operands:
        if isinstance(x, Tensor):
            if x.ndim:
                dims = x.dtype if dims is None else dt.promote(dims, x.dtype)
            else:
                zeros = x.dtype if zeros is None else dt.promote(zeros, x.dtype)
        else:
            scalar_cat = max(scalar_cat, dt.scalar_dtype(x).category)
    out = dims
    if zeros is not None and (out is None or zeros.category > out.category):
        out = zeros
    if scalar_cat >= 0 and (out is None or scalar_cat > out.category):
        out = (dt.bool_, dt.int64, dt.get_default_dtype())[scalar_cat]
    return out


# ---- unary
def _saving(grad, reads, src, out):
    """The node's rule and saved tensors: only the operands the rule reads ("x" the input, "o" the output), so that
    an in-place change of one the rule never reads stays legal (y = x.exp(); x += 1 works, as in torch)."""
    if reads == "o":
        return (lambda g, o: grad(g, None, o)), (out,)
    if reads == "x":
        return (lambda g, a: grad(g, a, None)), (src,)
    return (lambda g: grad(g, None, None)), ()


def unary(op, x, name, float_only=False, grad=None, reads="x"):
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
    if grad is not None and needs_grad(src):
        rule, saved = _saving(grad, reads, src, out)
        record(out, name.capitalize() + "Backward", (src,), rule, saved)
    if x._dtype is dt.bool_ and not float_only:
        return cast(out, dt.bool_)
    return out if compute is dtype else cast(out, dtype)


def predicate(op, x, name):
    out = empty(x._shape, dt.bool_, x._device, name)
    _core.run(op, (x,), (out,))
    return out


def _float_unary(op, name, grad, reads="x"):
    def f(x):
        return unary(op, x, name, True, grad, reads)
    f.__name__ = name
    return f


def _unary(op, name, grad, reads="x"):
    def f(x):
        return unary(op, x, name, False, grad, reads)
    f.__name__ = name
    return f


_LN2 = math.log(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# backward rules: grad(g, x, out) -> gradient for x, in Tensor ops so that they differentiate again
exp = _float_unary(OP.EXP, "exp", lambda g, x, y: mul(g, y), "o")
exp2 = _float_unary(OP.EXP2, "exp2", lambda g, x, y: mul(g, mul(y, _LN2)), "o")
log = _float_unary(OP.LOG, "log", lambda g, x, y: div(g, x))
log2 = _float_unary(OP.LOG2, "log2", lambda g, x, y: div(g, mul(x, _LN2)))
log1p = _float_unary(OP.LOG1P, "log1p", lambda g, x, y: div(g, add(x, 1.0)))
expm1 = _float_unary(OP.EXPM1, "expm1", lambda g, x, y: mul(g, add(y, 1.0)), "o")
sqrt = _float_unary(OP.SQRT, "sqrt", lambda g, x, y: div(mul(g, 0.5), y), "o")
rsqrt = _float_unary(OP.RSQRT, "rsqrt", lambda g, x, y: mul(mul(g, -0.5), mul(y, mul(y, y))), "o")
reciprocal = _float_unary(OP.RECIPROCAL, "reciprocal", lambda g, x, y: neg(mul(g, mul(y, y))), "o")
sin = _float_unary(OP.SIN, "sin", lambda g, x, y: mul(g, cos(x)))
cos = _float_unary(OP.COS, "cos", lambda g, x, y: neg(mul(g, sin(x))))
tan = _float_unary(OP.TAN, "tan", lambda g, x, y: mul(g, add(mul(y, y), 1.0)), "o")
tanh = _float_unary(OP.TANH, "tanh", lambda g, x, y: mul(g, rsub(mul(y, y), 1.0)), "o")
sinh = _float_unary(OP.SINH, "sinh", lambda g, x, y: mul(g, cosh(x)))
cosh = _float_unary(OP.COSH, "cosh", lambda g, x, y: mul(g, sinh(x)))
sigmoid = _float_unary(OP.SIGMOID, "sigmoid", lambda g, x, y: mul(g, mul(y, rsub(y, 1.0))), "o")
silu = _float_unary(OP.SILU, "silu", lambda g, x, y: mul(g, _silu_grad(x)))
erf = _float_unary(OP.ERF, "erf", lambda g, x, y: mul(g, mul(exp(neg(mul(x, x))), 2.0 / math.sqrt(math.pi))))
neg = _unary(OP.NEG, "neg", lambda g, x, y: neg(g), "")
abs = _unary(OP.ABS, "abs", lambda g, x, y: mul(g, sign(x)))  # noqa: A001
sign = _unary(OP.SIGN, "sign", lambda g, x, y: mul(g, 0.0), "")
relu = _unary(OP.RELU, "relu", lambda g, x, y: _relu_grad(g, y), "o")


def _relu_grad(g, y):
    """One kernel where it can: same shape and dtype, a device with the kernel, and no graph to build through the
    rule (create_graph)."""
    if (g._shape == y._shape and g._dtype is y._dtype and g._device is y._device and not needs_grad(g)
            and _core.supported(OP.RELU_BACKWARD, g._device, g._dtype)):
        out = empty(g._shape, g._dtype, g._device, "relu_backward")
        _core.run(OP.RELU_BACKWARD, (g, y), (out,))
        return out
    return where(le(y, 0), 0.0, g)  # a NaN output passes the gradient on, as torch's


def _silu_grad(x):
    s = sigmoid(x)
    return mul(s, add(mul(x, rsub(s, 1.0)), 1.0))


def _gelu_grad(g, x, y):
    cdf = mul(add(erf(mul(x, 1.0 / math.sqrt(2.0))), 1.0), 0.5)
    pdf = mul(exp(mul(mul(x, x), -0.5)), _INV_SQRT_2PI)
    return mul(g, add(cdf, mul(x, pdf)))


def _gelu_tanh_grad(g, x, y):
    inner = mul(add(x, mul(mul(x, mul(x, x)), 0.044715)), _SQRT_2_OVER_PI)
    t = tanh(inner)
    d_inner = mul(add(mul(mul(x, x), 3 * 0.044715), 1.0), _SQRT_2_OVER_PI)
    return mul(g, add(mul(add(t, 1.0), 0.5), mul(mul(mul(x, 0.5), rsub(mul(t, t), 1.0)), d_inner)))


negative = neg
absolute = abs


def _rounding(op, name):
    def f(x):
        if not x._dtype.is_floating_point:
            return x.clone()  # integers are already whole
        return unary(op, x, name, False, lambda g, x, y: mul(g, 0.0), "")
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
    if approximate == "none":
        return unary(OP.GELU, x, "gelu", True, _gelu_grad)
    return unary(OP.GELU_TANH, x, "gelu", True, _gelu_tanh_grad)


def softplus(x, beta=1.0, threshold=20.0):
    if beta == 1.0 and threshold == 20.0:
        return unary(OP.SOFTPLUS, x, "softplus", True, _softplus_grad)
    scaled = mul(x, beta)
    return where(gt(scaled, threshold), x, div(unary(OP.SOFTPLUS, scaled, "softplus", True, _softplus_grad), beta))


def _softplus_grad(g, x, y):
    return where(gt(x, 20.0), g, mul(g, sigmoid(x)))


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
def binary(op, a, b, name, out_dtype=None, grad=None, dtype=None):
    """out = op(a, b) with promotion (dtype, when the caller already knows it) and broadcasting."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype is b._dtype:
        dtype, dev = a._dtype, a._device  # the common case, without the promotion rules
    else:
        if dtype is None:
            _check_number(a, name)
            _check_number(b, name)
            dtype = result_type(a, b)
        dev = _device_of(a, b)
    compute = _compute_dtype(dtype) if out_dtype is None else dtype
    ta = _operand(a, compute, dev, name)
    tb = _operand(b, compute, dev, name)
    shape = ta._shape if ta._shape == tb._shape else broadcast_shapes(ta._shape, tb._shape, op=name)
    out = empty(shape, out_dtype or compute, dev, name)
    _core.run(op, (broadcast_view(ta, shape), broadcast_view(tb, shape)), (out,))
    if grad is not None and needs_grad(ta, tb):
        _record_binary(out, ta, tb, name, grad)
    return out if out_dtype is not None or compute is dtype else cast(out, dtype)


def _record_binary(out, ta, tb, name, grad):
    # one node, as torch's: its rule sums each gradient back over the dims broadcasting added. Only the operands the
    # rule reads are saved (and version-checked), so x.add_(y) on a tracked x stays legal
    rule_a, reads_a, rule_b, reads_b = grad
    need_a, need_b = needs_grad(ta), needs_grad(tb)
    reads = (reads_a if need_a else "") + (reads_b if need_b else "")
    saved = tuple(t for t, key in zip((ta, tb, out), "abo") if key in reads)
    record(out, name.capitalize() + "Backward", (ta, tb),
           _reader(rule_a if need_a else None, rule_b if need_b else None, reads, ta._shape, tb._shape), saved)


def _reader(rule_a, rule_b, reads, shape_a, shape_b):
    """The node's rule: each input's rule(g, a, b, out), given the saved tensors in their places (None for those
    not saved), for the inputs that need a gradient, summed back to that input's shape."""
    def call(g, *saved):
        it = iter(saved)
        args = [next(it) if key in reads else None for key in "abo"]
        return (sum_to(rule_a(g, *args), shape_a) if rule_a else None,
                sum_to(rule_b(g, *args), shape_b) if rule_b else None)
    return call


# dtypes whose arithmetic runs as stored (no widening, no bool rules): the fast path of same-shape operands
_DIRECT = frozenset((dt.float32, dt.float64, dt.int32, dt.int64))


def _arith(op, name, grad, bool_as=None):
    def f(a, b):
        # the hot path of small models: two tensors of one shape, dtype and device, nothing to promote or broadcast
        if type(a) is type(b) is Tensor and a._dtype is b._dtype and a._shape == b._shape and \
                a._device is b._device and a._dtype in _DIRECT:
            out = empty(a._shape, a._dtype, a._device, name)
            _core.run(op, (a, b), (out,), _core.NO_ATTRS, name)
            # _requires_grad False (the usual) needs no look at the Tensor.training switch behind requires_grad
            if grad is not None and _grad_state["enabled"] and (a._requires_grad is not False or b._requires_grad
                                                                is not False) and (a.requires_grad or b.requires_grad):
                _record_binary(out, a, b, name, grad)
            return out
        if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype is b._dtype:
            if a._dtype is not dt.bool_:
                return binary(op, a, b, name, None, grad)
        else:
            _check_number(a, name)
            _check_number(b, name)
        dtype = result_type(a, b)
        if dtype is dt.bool_:
            if bool_as is None:
                raise RuntimeError(f"{name}(): not supported for bool tensors")
            return bool_as(a, b)
        return binary(op, a, b, name, None, grad, dtype)
    f.__name__ = name
    return f


def _compare(op, name):
    def f(a, b):
        return binary(op, a, b, name, out_dtype=dt.bool_)
    f.__name__ = name
    return f


def _floating(a, b):
    """Division's result dtype: integer operands give the default float."""
    dtype = result_type(a, b)
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

def _extreme_grad(pick):
    # the larger (smaller) operand takes the gradient; ties split it evenly, as torch does
    def rule_a(g, a, b, out):
        return where(eq(a, b), mul(g, 0.5), where(pick(a, b), g, 0.0))

    def rule_b(g, a, b, out):
        return where(eq(a, b), mul(g, 0.5), where(pick(b, a), g, 0.0))
    return (rule_a, "ab", rule_b, "ab")


# each binary op's gradient: (rule for a, the tensors it reads, rule for b, the tensors it reads)
maximum = _arith(OP.MAXIMUM, "maximum", _extreme_grad(gt), logical_or)
minimum = _arith(OP.MINIMUM, "minimum", _extreme_grad(lt), logical_and)
_add = _arith(OP.ADD, "add", (lambda g, a, b, o: g, "", lambda g, a, b, o: g, ""), logical_or)
_sub = _arith(OP.SUB, "sub", (lambda g, a, b, o: g, "", lambda g, a, b, o: neg(g), ""))
mul = _arith(OP.MUL, "mul", (lambda g, a, b, o: mul(g, b), "b", lambda g, a, b, o: mul(g, a), "a"), logical_and)
multiply = mul


def add(a, b, alpha=1):
    return _add(a, b if alpha == 1 else mul(b, alpha))


def sub(a, b, alpha=1):
    for v in (a, b):
        if isinstance(v, bool) or isinstance(v, Tensor) and v._dtype is dt.bool_:
            raise RuntimeError("sub(): subtraction with a bool tensor is not supported; use logical_xor() or ~ "
                               "instead")
    return _sub(a, b if alpha == 1 else mul(b, alpha))


subtract = sub


def rsub(a, b, alpha=1):
    return sub(b, a, alpha)


def div(a, b, rounding_mode=None):
    if rounding_mode is None:
        dtype = _floating(a, b)
        dev = _device_of(a, b)
        return binary(OP.DIV, _operand(a, dtype, dev, "div"), _operand(b, dtype, dev, "div"), "div", None, _DIV_GRAD)
    if rounding_mode == "floor":
        return binary(OP.FLOOR_DIV, a, b, "floor_divide")
    if rounding_mode == "trunc":
        if result_type(a, b).is_floating_point:
            return trunc(binary(OP.DIV, a, b, "div"))
        return binary(OP.DIV, a, b, "div")
    raise ValueError(f"div(): rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


divide = true_divide = div


_DIV_GRAD = (lambda g, a, b, o: div(g, b), "b", lambda g, a, b, o: neg(div(mul(g, o), b)), "bo")


def floor_divide(a, b):
    zero = lambda g, a, b, o: mul(g, 0.0)  # noqa: E731  (a step function)
    return binary(OP.FLOOR_DIV, a, b, "floor_divide", None, (zero, "", zero, ""))


def remainder(a, b):
    return binary(OP.REMAINDER, a, b, "remainder", None,
                  (lambda g, a, b, o: g, "", lambda g, a, b, o: neg(mul(g, floor_divide(a, b))), "ab"))


def fmod(a, b):
    """C's fmod: the sign of the dividend."""
    q = div(a, b, rounding_mode="trunc")
    return sub(a, mul(q, b))


def pow(a, b):  # noqa: A001
    if isinstance(b, numbers.Number) and isinstance(a, Tensor):
        if b == 2:
            return mul(a, a) if a._dtype is not dt.bool_ else a.clone()
        if b == 1 and result_type(a, b) is a._dtype:
            return a.clone()
    return binary(OP.POW, a, b, "pow", None, _POW_GRAD)


_POW_GRAD = (lambda g, a, b, o: mul(g, mul(b, pow(a, sub(b, 1.0)))), "ab",
             lambda g, a, b, o: mul(g, mul(o, log(where(gt(a, 0), a, 1.0)))), "ao")




def where(condition, input, other):  # noqa: A002
    """input where condition holds, else other (the one-argument torch.where is ops.index.where)."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): condition must be a tensor, got {type(condition).__name__}")
    if condition._dtype is not dt.bool_:
        condition = ne(condition, 0)
    _check_number(input, "where")
    _check_number(other, "where")
    dev = condition._device
    dtype = result_type(input, other)
    a = _operand(input, dtype, dev, "where")
    b = _operand(other, dtype, dev, "where")
    shape = broadcast_shapes(condition._shape, a._shape, b._shape, op="where")
    cond = broadcast_view(condition, shape)
    out = empty(shape, dtype, dev, "where")
    _core.run(OP.WHERE, (cond, broadcast_view(a, shape), broadcast_view(b, shape)), (out,))
    if needs_grad(a, b):
        shape_a, shape_b = a._shape, b._shape
        record(out, "WhereBackward", (a, b),
               lambda g, c: (sum_to(where(c, g, 0.0), shape_a), sum_to(where(c, 0.0, g), shape_b)), (condition,))
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
    if x.grad_fn is None and x.requires_grad and _core_grad_enabled():
        raise RuntimeError(f"{name}(): a leaf Variable that requires grad is being used in an in-place operation")
    if result._dtype.category > x._dtype.category:
        raise RuntimeError(f"{name}(): result type {result._dtype.name} can't be cast to the desired output type "
                           f"{x._dtype.name}")
    if result._shape != x._shape and broadcast_shapes(result._shape, x._shape, op=name) != x._shape:
        raise RuntimeError(f"{name}(): output with shape {list(x._shape)} doesn't match the broadcast shape "
                           f"{list(broadcast_shapes(result._shape, x._shape))}")
    return copy_(x, result)


def write_through(x, op, name, *others, attrs=_core.NO_ATTRS):
    """x <- op(x, *others) by one kernel that writes x itself, where nothing can need x's old value or a wider
    result: no autograd to record, x contiguous (no element written twice), each other operand a number or a tensor
    of another buffer with x's dtype and device that broadcasts to x; x float32 or float64 (integer results may need
    a wider type). Returns False (nothing done) where the general path must run."""
    if (_grad_state["enabled"] and x.requires_grad) or x._dtype not in dt.FULL_FLOATS or not x.is_contiguous():
        return False
    operands = [x]
    for other in others:
        if type(other) in (int, float):
            other = scalar_tensor(other, x._dtype, x._device)
        elif not (isinstance(other, Tensor) and other._dtype is x._dtype and other._device is x._device and
                  other._buf is not x._buf and not (_grad_state["enabled"] and other.requires_grad)):
            return False
        if other._shape != x._shape:
            if broadcast_shapes(other._shape, x._shape, op=name) != x._shape:
                return False
            other = broadcast_view(other, x._shape)
        operands.append(other)
    _core.run(op, tuple(operands), (x,), attrs, name)
    return True


def _scale_number(value, name):
    if type(value) not in (int, float) and not (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        raise TypeError(f"{name}(): value must be a real number, got {type(value).__name__}")
    return float(value)


def _fuses(op, x, *others):
    """Whether tensors may meet in op's fused kernel: tensors of one dtype and device that has the kernel
    (elsewhere the composite form runs)."""
    return type(x) is Tensor and all(type(t) is Tensor and t._dtype is x._dtype and t._device is x._device
                                     for t in others) and _core.supported(op, x._device, x._dtype)


def _ternary(op, name, x, tensor1, tensor2, scale):
    """One fused pass (ADDCMUL, ADDCDIV) over the three broadcast together."""
    shape = broadcast_shapes(x._shape, tensor1._shape, tensor2._shape, op=name)
    out = empty(shape, x._dtype, x._device, name)
    _core.run(op, tuple(broadcast_view(t, shape) for t in (x, tensor1, tensor2)), (out,), _core.SCALE.pack(scale),
              name)
    return out


def _in_float32(fn, x, tensor1, tensor2, value):
    """float16/bfloat16 results computed in float32 and rounded once, as torch (rounding each step loses digits
    to cancellation); None for other dtypes."""
    dtype = result_type(x, tensor1, tensor2)
    if dtype not in _HALF:
        return None
    wide = [cast(t, dt.float32) if isinstance(t, Tensor) else t for t in (x, tensor1, tensor2)]
    return cast(fn(*wide, value=value), dtype)


def _summed_to(grads, shapes):
    return tuple(sum_to(g, shape) for g, shape in zip(grads, shapes))


def addcmul(x, tensor1, tensor2, *, value=1):
    """x + value * tensor1 * tensor2 (value * tensor1 first, as torch), broadcast together; one pass over memory
    where the three are float tensors of one dtype on the CPU."""
    scale = _scale_number(value, "addcmul")
    if not _fuses(OP.ADDCMUL, x, tensor1, tensor2):
        halves = _in_float32(addcmul, x, tensor1, tensor2, value)
        if halves is not None:
            return halves
        dtype = result_type(x, tensor1, tensor2)
        if dtype is dt.bool_:
            raise RuntimeError("addcmul(): not supported for bool tensors")
        if not dtype.is_floating_point:
            value = int(scale)  # integer tensors take the value as their type (0.5 -> 0), as torch
        product = mul(tensor1, tensor2) if value == 1 else mul(mul(tensor1, value), tensor2)
        return add(x, product)  # times 1 is exact: one pass saved
    out = _ternary(OP.ADDCMUL, "addcmul", x, tensor1, tensor2, scale)
    if needs_grad(x, tensor1, tensor2):
        def scaled(g, t):
            return mul(g, t) if value == 1 else mul(mul(g, value), t)
        shapes = (x._shape, tensor1._shape, tensor2._shape)
        record(out, "AddcmulBackward", (x, tensor1, tensor2),
               lambda g, t1, t2: _summed_to((g, scaled(g, t2), scaled(g, t1)), shapes), (tensor1, tensor2))
    return out


def addcdiv(x, tensor1, tensor2, *, value=1):
    """x + value * tensor1 / tensor2 (value * tensor1 first, as torch), broadcast together; one pass over memory
    where the three are float tensors of one dtype on the CPU. Integer tensor1 and tensor2 are refused, as torch
    refuses them (its integer division here is gone)."""
    scale = _scale_number(value, "addcdiv")
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and not tensor1._dtype.is_floating_point and \
            not tensor2._dtype.is_floating_point:
        raise RuntimeError(f"addcdiv(): integer division with addcdiv is not supported (tensor1 {tensor1.dtype.name},"
                           f" tensor2 {tensor2.dtype.name}); write x + value * tensor1 / tensor2")
    if not _fuses(OP.ADDCDIV, x, tensor1, tensor2):
        halves = _in_float32(addcdiv, x, tensor1, tensor2, value)
        if halves is not None:
            return halves
        numerator = tensor1 if value == 1 else mul(tensor1, value)
        return add(x, div(numerator, tensor2))
    out = _ternary(OP.ADDCDIV, "addcdiv", x, tensor1, tensor2, scale)
    if needs_grad(x, tensor1, tensor2):
        shapes = (x._shape, tensor1._shape, tensor2._shape)

        def rule(g, t1, t2):
            over = div(g if value == 1 else mul(g, value), t2)  # value g / t2
            return _summed_to((g, over, neg(div(mul(over, t1), t2))), shapes)
        record(out, "AddcdivBackward", (x, tensor1, tensor2), rule, (tensor1, tensor2))
    return out


def apply_inplace(x, fn, name, *args, composite=False, **kwargs):
    """x <- fn(x, *args, **kwargs), as torch's in-place ops are. The op reads x's old history through an alias
    (also where x is among the other arguments), so x's new history does not loop back to itself. A rule that saved
    that alias gets a snapshot instead, since x's memory is about to change; a composite fn (several ops, any of
    which may save its input) reads a snapshot from the start."""
    if x.grad_fn is None or not _core_grad_enabled():
        return inplace(x, fn(x, *args, **kwargs), name)
    src = x._view_as(x._shape, x._strides)
    src.grad_fn, src._requires_grad = x.grad_fn, True
    if composite:
        src = clone(src)
    result = fn(src, *(src if a is x else a for a in args), **{k: src if v is x else v for k, v in kwargs.items()})
    node = result.grad_fn
    if not composite and node is not None and any(t is src for t in node.saved):
        snapshot = clone(src)
        node.saved = tuple(snapshot if t is src else t for t in node.saved)
        node.versions = tuple(t._version[0] for t in node.saved)
    return inplace(x, result, name)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = le(abs(sub(a, b)), add(mul(abs(b), rtol), atol))
    same = eq(a, b)  # infinities of one sign
    out = logical_or(close, same)
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out

def _where_method(x, condition, other):
    """x.where(condition, y): x where condition holds, else y."""
    return where(condition, x, other)


def _fused_inplace(op, fn, name):
    """x.addcmul_ / x.addcdiv_: one pass writing x where nothing needs its old value (optimizer state:
    v.mul_(b).addcmul_(g, g, value=1 - b), p.addcdiv_(m, denom, value=-lr))."""
    def method(self, tensor1, tensor2, *, value=1):
        scale = _core.SCALE.pack(_scale_number(value, name))
        if _core.supported(op, self._device, self._dtype) and write_through(self, op, name, tensor1, tensor2,
                                                                             attrs=scale):
            return self
        return apply_inplace(self, fn, name, tensor1, tensor2, value=value)
    method.__name__ = name
    return method


# public names (ops/_public.py)
declare(globals(), "abs absolute add ceil clamp clamp_max clamp_min clip cos cosh div divide eq erf exp exp2 expm1 fix floor "
        "floor_divide fmod ge greater greater_equal gt le lerp less less_equal log log1p log2 logical_and logical_not "
        "logical_or logical_xor lt maximum minimum mul multiply ne neg negative not_equal pow reciprocal remainder round "
        "rsqrt sigmoid sign sin sinh sqrt square sub subtract tan tanh true_divide trunc", inplace=True, out=True)
declare(globals(), "gelu relu silu", inplace=True)
declare(globals(), "isclose isfinite isinf isnan")
declare(globals(), "result_type rsub", method=False)
declare(globals(), "softplus", function=False)
declare(globals(), "where", function=False, method=_where_method)
declare(globals(), "addcmul", inplace=_fused_inplace(OP.ADDCMUL, addcmul, "addcmul_"), out=True)
declare(globals(), "addcdiv", inplace=_fused_inplace(OP.ADDCDIV, addcdiv, "addcdiv_"), out=True)
