"""out= for the functions of the tinytorch namespace, as torch's: the result is computed as without it, then written
into `out` (a tensor, or a tuple of them for functions that return several), which is resized where its shape
differs and takes the result in its own dtype where torch allows that cast. Autograd does not record through out=,
so an input that requires grad is refused, as in torch."""
import functools

from .autograd.grad_mode import is_grad_enabled
from .tensor import Tensor


def accepts_out(fn, creation=False):
    """fn with an `out` keyword. A creation function (zeros, arange, ...) makes its result in out's dtype, unless
    it is given one."""
    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if creation and isinstance(out, Tensor) and kwargs.get("dtype") is None:
            kwargs["dtype"] = out.dtype
        return write_out(fn.__name__, fn(*args, **kwargs), out)
    return with_out


def write_out(name, result, out):
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): out must be a tuple of {len(result)} tensors, got {type(out).__name__}")
        written = [write_out(name, r, o) for r, o in zip(result, out)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if out.device != result.device:
        raise RuntimeError(f"{name}(): expected out tensor to have device {result.device}, but got {out.device}")
    if result.dtype.category > out.dtype.category:
        raise RuntimeError(f"{name}(): result type {result.dtype.name} can't be cast to the desired output type "
                           f"{out.dtype.name}")
    if out.shape != result.shape:
        out.resize_(result.shape)
    from .ops.copy import copy_
    copy_(out, result)
    return out
