import math

from ...autograd.grad_mode import no_grad
from ...ops import reduce as rd
from ...tensor import Tensor


def _grads(parameters):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients in place so that their joint norm is at most max_norm; returns the norm before."""
    from ...ops.creation import tensor
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        if norm_type == math.inf:
            norms = [rd.amax(g.abs()) for g in grads]
            total = rd.amax(_stack(norms))
        else:
            norms = [rd.norm(g.float() if g.dtype.itemsize < 4 else g, norm_type) for g in grads]
            total = rd.norm(_stack(norms), norm_type)
        value = total.item()
        if error_if_nonfinite and not math.isfinite(value):
            raise RuntimeError(f"clip_grad_norm_(): the total norm of order {norm_type} for gradients is non-finite")
        coef = float(max_norm) / (value + 1e-6)
        if coef < 1:
            for g in grads:
                g.mul_(coef)
    return total


def _stack(values):
    from ...ops.shape import stack
    return stack([v.reshape(()) for v in values])


def clip_grad_value_(parameters, clip_value, foreach=None):
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def get_total_norm(tensors, norm_type=2.0):
    from ...ops.creation import tensor
    grads = list(tensors)
    return rd.norm(_stack([rd.norm(g, norm_type) for g in grads]), norm_type) if grads else tensor(0.0)
