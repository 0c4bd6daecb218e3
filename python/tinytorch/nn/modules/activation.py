from ...ops import elementwise as ew
from ...ops import reduce as rd
from .. import functional as F
from .module import Module


def _simple(name, fn, inplace_arg=True, shows_inplace=True):
    """An activation module without parameters: forward(x) = fn(x[, inplace]). torch's Hardsigmoid and Hardswish
    take inplace but do not print it; Tanh, Sigmoid and the like take no arguments."""
    def forward(self, x):
        return fn(x, self.inplace) if inplace_arg else fn(x)

    def __init__(self, inplace=False):
        Module.__init__(self)
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace and shows_inplace else ""
    if not inplace_arg:
        return type(name, (Module,), {"forward": forward, "inplace": False})
    return type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr})


def _inplace_suffix(module):
    return ", inplace=True" if module.inplace else ""


ReLU = _simple("ReLU", F.relu)
ReLU6 = _simple("ReLU6", F.relu6)
SiLU = _simple("SiLU", F.silu)
Mish = _simple("Mish", F.mish)
SELU = _simple("SELU", F.selu)
Hardsigmoid = _simple("Hardsigmoid", F.hardsigmoid, shows_inplace=False)
Hardswish = _simple("Hardswish", F.hardswish, shows_inplace=False)
Tanh = _simple("Tanh", ew.tanh, inplace_arg=False)
Sigmoid = _simple("Sigmoid", ew.sigmoid, inplace_arg=False)
LogSigmoid = _simple("LogSigmoid", F.logsigmoid, inplace_arg=False)
Softsign = _simple("Softsign", F.softsign, inplace_arg=False)
Tanhshrink = _simple("Tanhshrink", F.tanhshrink, inplace_arg=False)


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return ew.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate='{self.approximate}'"


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self)}"


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x):
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_suffix(self)}"


class CELU(ELU):
    def forward(self, x):
        return F.celu(x, self.alpha, self.inplace)


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return ew.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self)}"


class Threshold(Module):
    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x):
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self)}"


class GLU(Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.glu(x, self.dim)


class _DimModule(Module):
    fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return type(self).fn(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    fn = staticmethod(rd.softmax)


class LogSoftmax(_DimModule):
    fn = staticmethod(rd.log_softmax)


class Softmin(_DimModule):
    fn = staticmethod(F.softmin)


def __getattr__(name):  # torch defines MultiheadAttention here; ours lives in transformer.py, imported on first use
    if name == "MultiheadAttention":
        from .transformer import MultiheadAttention
        return MultiheadAttention
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
