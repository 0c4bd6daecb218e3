"""tinytorch.backends.mps: Apple GPUs, served by tinytorch's Metal backend."""
from .. import _C


def is_built():
    return _C.backend_built(2)


def is_available():
    return _C.device_count(2) > 0
