"""nn.Parameter: a leaf tensor that requires grad and that Modules register as a parameter."""
from ..tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        from ..ops.creation import empty_
        src = empty_(0) if data is None else data
        p = Tensor.__new__(cls)
        for name in ("_buf", "_offset", "_shape", "_strides", "_dtype", "_device"):
            object.__setattr__(p, name, getattr(src, name))
        p._base = None
        p._version = src._version
        p.grad = None
        p.grad_fn = None
        p._hooks = None
        p._requires_grad = bool(requires_grad) and src._dtype.is_floating_point
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):
        return (Parameter, (self.detach().clone(), self.requires_grad))
