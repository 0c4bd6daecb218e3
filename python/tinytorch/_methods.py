"""Tensor methods and Python operators: aliases of the functions in tinytorch.ops, written once there."""
import builtins
import weakref

from . import _dtype as dt
from . import _core
from ._core import OP
from .ops import broadcast as bc
from .ops import copy as cp
from .ops import creation as cr
from .ops import elementwise as ew
from .ops import index as ix
from .ops import linalg as la
from .ops import random as rnd
from .ops import reduce as rd
from .ops import shape as sh
from .tensor import Tensor, _TensorType

_METHODS = {
    # construction, conversion, copies, views and shapes
    "__init__": cr.init_tensor, "to": cp.to, "__deepcopy__": cp.deepcopy, "resize_": sh.resize_,
    "clone": cp.clone, "contiguous": cp.contiguous, "copy_": cp.copy_, "fill_": cp.fill_, "zero_": cp.zero_,
    "view": sh.view, "reshape": sh.reshape, "view_as": sh.view_as, "reshape_as": sh.reshape_as,
    "expand": sh.expand, "expand_as": sh.expand_as, "broadcast_to": bc.broadcast_to,
    "sum_to_size": lambda self, *size: bc.sum_to(self, sh._sizes(size)),
    "permute": sh.permute, "transpose": sh.transpose, "swapaxes": sh.swapaxes, "swapdims": sh.swapdims,
    "t": sh.t, "movedim": sh.movedim, "moveaxis": sh.moveaxis,
    "squeeze": sh.squeeze, "unsqueeze": sh.unsqueeze, "flatten": sh.flatten, "unflatten": sh.unflatten,
    "narrow": sh.narrow, "split": sh.split, "chunk": sh.chunk, "unbind": sh.unbind, "select": sh.select,
    "flip": sh.flip, "roll": sh.roll, "repeat": sh.repeat, "tile": sh.tile, "tril": la.tril, "triu": la.triu,
    # elementwise
    "exp": ew.exp, "exp2": ew.exp2, "log": ew.log, "log2": ew.log2, "log1p": ew.log1p, "expm1": ew.expm1,
    "sqrt": ew.sqrt, "rsqrt": ew.rsqrt, "reciprocal": ew.reciprocal, "sin": ew.sin, "cos": ew.cos, "tan": ew.tan,
    "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu, "gelu": ew.gelu, "silu": ew.silu,
    "softplus": ew.softplus, "erf": ew.erf, "neg": ew.neg, "negative": ew.neg, "abs": ew.abs, "sign": ew.sign,
    "floor": ew.floor, "ceil": ew.ceil, "round": ew.round, "trunc": ew.trunc, "fix": ew.trunc,
    "isnan": ew.isnan, "isinf": ew.isinf, "isfinite": ew.isfinite, "logical_not": ew.logical_not,
    "square": ew.square, "add": ew.add, "sub": ew.sub, "subtract": ew.sub, "mul": ew.mul, "multiply": ew.mul,
    "div": ew.div, "divide": ew.div, "true_divide": ew.div, "floor_divide": ew.floor_divide,
    "remainder": ew.remainder, "fmod": ew.fmod, "pow": ew.pow, "maximum": ew.maximum, "minimum": ew.minimum,
    "eq": ew.eq, "ne": ew.ne, "lt": ew.lt, "le": ew.le, "gt": ew.gt, "ge": ew.ge, "greater": ew.gt,
    "greater_equal": ew.ge, "less": ew.lt, "less_equal": ew.le, "not_equal": ew.ne,
    "logical_and": ew.logical_and, "logical_or": ew.logical_or, "logical_xor": ew.logical_xor,
    "where": lambda self, condition, other: ew.where(condition, self, other),
    "clamp": ew.clamp, "clip": ew.clamp, "clamp_min": ew.clamp_min, "clamp_max": ew.clamp_max, "lerp": ew.lerp,
    "isclose": ew.isclose, "allclose": rd.allclose, "equal": rd.equal,
    # reductions
    "sum": rd.sum, "mean": rd.mean, "prod": rd.prod, "max": rd.max, "min": rd.min, "amax": rd.amax,
    "amin": rd.amin, "argmax": rd.argmax, "argmin": rd.argmin, "all": rd.all, "any": rd.any, "var": rd.var,
    "std": rd.std, "logsumexp": rd.logsumexp, "norm": rd.norm, "cumsum": rd.cumsum, "cumprod": rd.cumprod,
    "softmax": rd.softmax, "log_softmax": rd.log_softmax,
    # products
    "matmul": la.matmul, "mm": la.mm, "bmm": la.bmm, "mv": la.mv, "dot": la.dot, "outer": la.outer,
    # indexing
    "gather": ix.gather, "scatter": ix.scatter, "scatter_": ix.scatter_, "scatter_add": ix.scatter_add,
    "scatter_add_": ix.scatter_add_, "scatter_reduce": ix.scatter_reduce, "index_select": ix.index_select,
    "index_add": ix.index_add,
    "index_add_": ix.index_add_, "index_fill": ix.index_fill, "index_fill_": ix.index_fill_,
    "index_copy_": ix.index_copy_, "index_put": ix.index_put, "index_put_": ix.index_put_,
    "masked_fill": ix.masked_fill, "masked_fill_": ix.masked_fill_, "masked_select": ix.masked_select,
    "masked_scatter_": ix.masked_scatter_, "nonzero": ix.nonzero, "argwhere": ix.argwhere, "sort": ix.sort,
    "argsort": ix.argsort, "topk": ix.topk, "take": ix.take, "take_along_dim": ix.take_along_dim,
    "__getitem__": ix.getitem, "__setitem__": ix.setitem,
    # random, in place
    "uniform_": rnd.uniform_, "normal_": rnd.normal_, "random_": rnd.random_, "bernoulli_": rnd.bernoulli_,
    "bernoulli": rnd.bernoulli, "exponential_": rnd.exponential_, "geometric_": rnd.geometric_,
    "log_normal_": rnd.log_normal_, "cauchy_": rnd.cauchy_, "multinomial": rnd.multinomial,
    # creation from a tensor
    "new_tensor": lambda self, data, dtype=None, device=None, requires_grad=None: cr.tensor(
        data, dtype or self.dtype, device or self.device, requires_grad),
    "new_zeros": lambda self, *size, dtype=None, device=None, requires_grad=None: cr.zeros(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_ones": lambda self, *size, dtype=None, device=None, requires_grad=None: cr.ones(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_empty": lambda self, *size, dtype=None, device=None, requires_grad=None: cr.empty_(
        *size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
    "new_full": lambda self, size, fill_value, dtype=None, device=None, requires_grad=None: cr.full(
        size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad),
}



def addcmul(x, tensor1, tensor2, *, value=1):
    """x + value * tensor1 * tensor2 (the optimizers' update form)."""
    return ew.addcmul(x, tensor1, tensor2, value)


def addcdiv(x, tensor1, tensor2, *, value=1):
    """x + value * tensor1 / tensor2."""
    return ew.addcdiv(x, tensor1, tensor2, value)


_METHODS.update(addcmul=addcmul, addcdiv=addcdiv)
_METHODS["diag"] = ix.diag

# x.op_(...) computes x.op(...) and writes it back into x
_INPLACE = ["add", "sub", "mul", "div", "pow", "clamp", "clamp_min", "clamp_max", "exp", "log", "sqrt", "rsqrt",
            "neg", "abs", "sign", "relu", "sigmoid", "tanh", "floor", "ceil", "round", "trunc", "reciprocal",
            "remainder", "fmod", "floor_divide", "maximum", "minimum", "lerp", "sin", "cos", "square", "tril",
            "triu", "log1p", "expm1", "exp2", "log2", "erf", "silu", "gelu", "logical_not", "clip", "masked_fill",
            "scatter_reduce"]


# in-place arithmetic that can run as one kernel writing into self (ew.write_through)
_WRITE_THROUGH = {"add": OP.ADD, "sub": OP.SUB, "mul": OP.MUL, "div": OP.DIV}


def _inplace(name):
    fn = _METHODS[name]
    op = _WRITE_THROUGH.get(name)

    def method(self, *args, **kwargs):
        if op is not None and len(args) == 1 and not kwargs and ew.write_through(self, op, name + "_", args[0]):
            return self
        return ew.apply_inplace(self, fn, name + "_", *args, **kwargs)
    method.__name__ = name + "_"
    return method


def _fused_inplace(op, fn, name):
    """x.addcmul_ / x.addcdiv_: one pass writing x where nothing needs its old value (optimizer state:
    v.mul_(b).addcmul_(g, g, value=1 - b), p.addcdiv_(m, denom, value=-lr))."""
    def method(self, tensor1, tensor2, *, value=1):
        scale = _core.SCALE.pack(ew._scale_number(value, name))
        if _core.supported(op, self._device, self._dtype) and ew.write_through(self, op, name, tensor1, tensor2,
                                                                                attrs=scale):
            return self
        return ew.apply_inplace(self, fn, name, tensor1, tensor2, value=value)
    method.__name__ = name
    return method


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _operators():
    ops = {
        "__add__": ew._add, "__radd__": ew._add, "__sub__": ew.sub, "__rsub__": _reflected(ew.sub),
        "__mul__": ew.mul, "__rmul__": ew.mul, "__truediv__": ew.div, "__rtruediv__": _reflected(ew.div),
        "__floordiv__": ew.floor_divide, "__rfloordiv__": _reflected(ew.floor_divide),
        "__mod__": ew.remainder, "__rmod__": _reflected(ew.remainder), "__pow__": ew.pow,
        "__rpow__": _reflected(ew.pow), "__matmul__": la.matmul, "__rmatmul__": _reflected(la.matmul),
        "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs,
        "__eq__": _compare(ew.eq, False), "__ne__": _compare(ew.ne, True),
        "__lt__": ew.lt, "__le__": ew.le, "__gt__": ew.gt, "__ge__": ew.ge,
        "__and__": _logical(ew.logical_and, "&"), "__rand__": _logical(ew.logical_and, "&"),
        "__or__": _logical(ew.logical_or, "|"), "__ror__": _logical(ew.logical_or, "|"),
        "__xor__": _logical(ew.logical_xor, "^"), "__rxor__": _logical(ew.logical_xor, "^"),
        "__invert__": _invert,
    }
    for name, target in (("__iadd__", "add"), ("__isub__", "sub"), ("__imul__", "mul"), ("__itruediv__", "div"),
                         ("__ipow__", "pow"), ("__imod__", "remainder"), ("__ifloordiv__", "floor_divide")):
        ops[name] = _inplace(target)
    ops["__imatmul__"] = lambda self, other: ew.inplace(self, la.matmul(self, other), "matmul_")
    return ops


def _compare(fn, unequal):
    """t == None and t == "text" are plain False (True for !=), as in torch, so `x in [None, t]` works."""
    def method(self, other):
        if other is None or isinstance(other, str):
            return unequal
        return fn(self, other)
    return method


def _logical(fn, symbol):
    def method(self, other):
        if self.dtype is not dt.bool_ or (isinstance(other, Tensor) and other.dtype is not dt.bool_):
            raise TypeError(f"operator {symbol}: tinytorch supports it on bool tensors only, got {self.dtype.name}")
        return fn(self, other)
    return method


def _invert(self):
    if self.dtype is dt.bool_:
        return ew.logical_not(self)
    if self.dtype.category == 1:
        return ew.sub(ew.neg(self), 1)  # ~x == -x - 1 in two's complement
    raise TypeError(f"operator ~: not supported for {self.dtype.name} tensors")


def install():
    for name, fn in _METHODS.items():
        setattr(Tensor, name, fn)
    for name in _INPLACE:
        setattr(Tensor, name + "_", _inplace(name))
    Tensor.addcmul_ = _fused_inplace(OP.ADDCMUL, addcmul, "addcmul_")
    Tensor.addcdiv_ = _fused_inplace(OP.ADDCDIV, addcdiv, "addcdiv_")
    for name, fn in _operators().items():
        setattr(Tensor, name, fn)
    Tensor.__reduce__ = _reduce
    _TensorType.__call__ = cr.legacy_tensor
    Tensor.T = property(sh.T)
    Tensor.mT = property(sh.mT)
    Tensor.data = property(lambda self: self.detach(), lambda self, value: _set_data(self, value))
    Tensor.detach = _detach
    Tensor.detach_ = _detach_
    Tensor.requires_grad_ = _requires_grad_
    Tensor.backward = _backward
    Tensor.retain_grad = _retain_grad
    Tensor.register_hook = _register_hook
    Tensor.retains_grad = property(lambda self: getattr(self.grad_fn, "_retains", False))
    # tinygrad-style constructors on the class
    for name, fn in (("zeros", cr.zeros), ("ones", cr.ones), ("empty", cr.empty_), ("full", cr.full),
                     ("arange", cr.arange), ("eye", cr.eye), ("rand", rnd.rand), ("randn", rnd.randn),
                     ("randint", rnd.randint), ("manual_seed", rnd.manual_seed), ("linspace", cr.linspace)):
        setattr(Tensor, name, staticmethod(fn))


def _reduce(self):
    """Pickles the values (a NumPy copy), rebuilt by tinytorch.tensor."""
    return (cr.tensor, (self.numpy().copy(),))


def _set_data(self, value):
    for slot in ("_buf", "_offset", "_shape", "_strides", "_dtype", "_device"):
        setattr(self, slot, getattr(value, slot))


def _requires_grad_(self, requires_grad=True):
    if requires_grad and not self.dtype.is_floating_point:
        raise RuntimeError(f"requires_grad_(): only floating point tensors can require gradients, got "
                           f"{self.dtype.name}")
    if not requires_grad and self.grad_fn is not None:
        raise RuntimeError("requires_grad_(): you can only change requires_grad flags of leaf variables; "
                           "use detach() for a non-leaf")
    self._requires_grad = builtins.bool(requires_grad)
    return self


def _detach(self):
    out = self._view_as(self._shape, self._strides)
    out._requires_grad = False
    return out


def _detach_(self):
    self.grad_fn = None
    self._requires_grad = False
    return self


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    from . import autograd
    autograd.backward(self, None if gradient is None else [gradient], retain_graph, create_graph, inputs)


def _retain_grad(self):
    if self.grad_fn is None:
        return  # leaves keep their .grad anyway
    if not self.requires_grad:
        raise RuntimeError("retain_grad(): can't retain_grad on a tensor that has requires_grad=False")
    ref = weakref.ref(self)

    def keep(g):
        t = ref()
        if t is not None:
            t.grad = g.clone() if t.grad is None else t.grad + g
    self.grad_fn.register_hook(keep)


def _register_hook(self, hook):
    if not self.requires_grad:
        raise RuntimeError("register_hook(): cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        self.grad_fn.register_hook(hook)
    else:
        self._hooks = (self._hooks or []) + [hook]

    class _Handle:
        def remove(handle):  # noqa: N805
            owner = self.grad_fn if self.grad_fn is not None else self
            hooks = owner.hooks if owner is not self else self._hooks
            if hooks and hook in hooks:
                hooks.remove(hook)
    return _Handle()
