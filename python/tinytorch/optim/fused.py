"""The update rules: one fused kernel per parameter tensor for float32/float64 on the CPU, and the same formulas in
tensor ops for other dtypes and devices (float16 parameters, a backend without the kernel)."""
import math

from .. import _core
from .._core import OP
from ..ops import elementwise as ew


def _fused(op, p, grad):
    """Whether op's fused kernel takes this parameter (else the update runs as separate tensor ops)."""
    return grad.dtype is p.dtype and grad.device == p.device and _core.supported(op, p.device, p.dtype)


def sgd(p, grad, buf, first, lr, momentum, dampening, weight_decay, nesterov, maximize):
    if _fused(OP.SGD_STEP, p, grad):
        attrs = _core.SGD.pack(lr, momentum, dampening, weight_decay, int(nesterov), int(maximize), int(first))
        _core.run(OP.SGD_STEP, (grad,), (p, buf if buf is not None else p), attrs)
        return
    d = ew.neg(grad) if maximize else grad
    if weight_decay:
        d = ew.add(d, ew.mul(p, weight_decay))
    if momentum:
        buf.copy_(d if first else ew.add(ew.mul(buf, momentum), ew.mul(d, 1 - dampening)))
        d = ew.add(d, ew.mul(buf, momentum)) if nesterov else buf
    p.sub_(ew.mul(d, lr))


def adam(p, grad, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled):
    if _fused(OP.ADAM_STEP, p, grad):
        attrs = _core.ADAM.pack(lr, beta1, beta2, eps, weight_decay, step, int(amsgrad), int(maximize),
                                int(decoupled))
        _core.run(OP.ADAM_STEP, (grad,), (p, m, v, vmax if vmax is not None else v), attrs)
        return
    g = ew.neg(grad) if maximize else grad
    if decoupled:
        p.mul_(1 - lr * weight_decay)
    elif weight_decay:
        g = ew.add(g, ew.mul(p, weight_decay))
    m.copy_(ew.add(m, ew.mul(ew.sub(g, m), 1 - beta1)))
    v.copy_(ew.add(ew.mul(v, beta2), ew.mul(ew.mul(g, g), 1 - beta2)))
    bc2_sqrt = math.sqrt(1 - beta2 ** step)
    if amsgrad:
        vmax.copy_(ew.maximum(vmax, v))
    denom = ew.add(ew.div(ew.sqrt(vmax if amsgrad else v), bc2_sqrt), eps)
    p.sub_(ew.mul(ew.div(m, denom), lr / (1 - beta1 ** step)))


def rmsprop(p, grad, sa, buf, ga, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    if _fused(OP.RMSPROP_STEP, p, grad):
        attrs = _core.RMSPROP.pack(lr, alpha, eps, weight_decay, momentum, int(centered), int(maximize))
        _core.run(OP.RMSPROP_STEP, (grad,), (p, sa, buf if buf is not None else sa, ga if ga is not None else sa),
                  attrs)
        return
    g = ew.neg(grad) if maximize else grad
    if weight_decay:
        g = ew.add(g, ew.mul(p, weight_decay))
    sa.copy_(ew.add(ew.mul(sa, alpha), ew.mul(ew.mul(g, g), 1 - alpha)))
    if centered:
        ga.copy_(ew.add(ga, ew.mul(ew.sub(g, ga), 1 - alpha)))
        avg = ew.add(ew.sqrt(ew.sub(sa, ew.mul(ga, ga))), eps)
    else:
        avg = ew.add(ew.sqrt(sa), eps)
    if momentum > 0:
        buf.copy_(ew.add(ew.mul(buf, momentum), ew.div(g, avg)))
        p.sub_(ew.mul(buf, lr))
    else:
        p.sub_(ew.mul(ew.div(g, avg), lr))


def adagrad(p, grad, s, step, lr, lr_decay, weight_decay, eps, maximize):
    if _fused(OP.ADAGRAD_STEP, p, grad):
        _core.run(OP.ADAGRAD_STEP, (grad,), (p, s), _core.ADAGRAD.pack(lr, lr_decay, weight_decay, eps, step,
                                                                         int(maximize)))
        return
    g = ew.neg(grad) if maximize else grad
    if weight_decay:
        g = ew.add(g, ew.mul(p, weight_decay))
    clr = lr / (1 + (step - 1) * lr_decay)
    s.add_(ew.mul(g, g))
    p.sub_(ew.mul(ew.div(g, ew.add(ew.sqrt(s), eps)), clr))
