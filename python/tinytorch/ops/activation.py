"""Activations with torch.nn.functional's signatures, composed from the elementwise primitives (so they need no
backward rules of their own). inplace=True writes the result into x and returns x, as torch does."""
from .. import _core
from . import elementwise as ew
from .shape import chunk


def _activation(x, fn, inplace, name):
    return ew.apply_inplace(x, fn, name + "_", composite=True) if inplace else fn(x)


def relu(x, inplace=False):
    return _activation(x, ew.relu, inplace, "relu")


def silu(x, inplace=False):
    return _activation(x, ew.silu, inplace, "silu")


def relu6(x, inplace=False):
    return hardtanh(x, 0.0, 6.0, inplace)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(t, negative_slope)), inplace, "leaky_relu")


def elu(x, alpha=1.0, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(ew.expm1(t), alpha)), inplace, "elu")


def selu(x, inplace=False):
    return _activation(x, lambda t: ew.mul(elu(t, 1.6732632423543772), 1.0507009873554805), inplace, "selu")


def celu(x, alpha=1.0, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, 0), t, ew.mul(ew.expm1(ew.div(t, alpha)), alpha)), inplace,
                       "celu")


def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    return _activation(x, lambda t: ew.clamp(t, min_val, max_val), inplace, "hardtanh")


def hardsigmoid(x, inplace=False):
    return _activation(x, lambda t: ew.div(ew.clamp(ew.add(t, 3.0), 0.0, 6.0), 6.0), inplace, "hardsigmoid")


def hardswish(x, inplace=False):
    return _activation(x, lambda t: ew.mul(t, hardsigmoid(t)), inplace, "hardswish")


def mish(x, inplace=False):
    return _activation(x, lambda t: ew.mul(t, ew.tanh(ew.softplus(t))), inplace, "mish")


def threshold(x, threshold, value, inplace=False):
    return _activation(x, lambda t: ew.where(ew.gt(t, threshold), t, value), inplace, "threshold")


def logsigmoid(x):
    return ew.neg(ew.softplus(ew.neg(x)))


def softsign(x):
    return ew.div(x, ew.add(ew.abs(x), 1.0))


def tanhshrink(x):
    return ew.sub(x, ew.tanh(x))


@_core.reports_as("glu")
def glu(x, dim=-1):
    if x.ndim == 0:
        raise RuntimeError("glu(): does not take a 0-d tensor")
    if x.shape[dim] % 2:
        raise RuntimeError(f"glu(): halving dimension must be even, but dimension {dim} of input {list(x.shape)} is "
                           f"size {x.shape[dim]}")
    a, b = chunk(x, 2, dim)
    return ew.mul(a, ew.sigmoid(b))
