"""Tensor methods and Python operators: the methods each op module declares (ops/_public.py), the operators
that call them, and the Tensor's autograd machinery."""
import builtins
import importlib
import pkgutil
import weakref

from . import _dtype as dt
from . import ops
from ._core import OP
from .ops import _public
from .ops import creation as cr
from .ops import elementwise as ew
from .ops import linalg as la
from .ops import shape as sh
from .tensor import Tensor, _TensorType

# in-place arithmetic that can run as one kernel writing into self (ew.write_through)
_WRITE_THROUGH = {"add": OP.ADD, "sub": OP.SUB, "mul": OP.MUL, "div": OP.DIV}


def _inplace(name):
    fn = _public.METHODS[name]
    op = _WRITE_THROUGH.get(name)

    def method(self, *args, **kwargs):
        if op is not None and len(args) == 1 and not kwargs and ew.write_through(self, op, name + "_", args[0]):
            return self
        return ew.apply_inplace(self, fn, name + "_", *args, **kwargs)
    method.__name__ = name + "_"
    return method


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _operators():
    table = {
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
        table[name] = _inplace(target)
    table["__imatmul__"] = lambda self, other: ew.inplace(self, la.matmul(self, other), "matmul_")
    return table


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
    """Sets the methods every op module declared (ops/_public.py), then the operators and the Tensor's own
    machinery (grad, hooks, data)."""
    for module in pkgutil.iter_modules(ops.__path__):
        importlib.import_module(f"{ops.__name__}.{module.name}")
    for name, fn in _public.METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in _public.INPLACE.items():
        setattr(Tensor, name + "_", fn or _inplace(name))
    for name, fn in _public.STATIC.items():
        setattr(Tensor, name, staticmethod(fn))
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
