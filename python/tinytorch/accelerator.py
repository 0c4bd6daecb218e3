"""tinytorch.accelerator: the one accelerator this machine has (CUDA or Metal), or none."""
from . import _C
from ._device import device as _device_type

_BACKENDS = (("cuda", 1), ("mps", 2))


def _present():
    """The (type, backend code) of the first backend with a device here, or None."""
    for kind, code in _BACKENDS:
        if _C.device_count(code) > 0:
            return kind, code
    return None


def is_available():
    return _present() is not None


def current_accelerator(check_available=False):
    """The accelerator's device type as a device, or None where there is none (as torch on a CPU-only machine)."""
    found = _present()
    return None if found is None else _device_type(found[0])


def device_count():
    found = _present()
    return 0 if found is None else _C.device_count(found[1])


def _require(op):
    if _present() is None:
        raise RuntimeError(f"accelerator.{op}(): cannot access accelerator device when none is available")


def current_device_index():
    _require("current_device_index")
    return 0


def synchronize(device=None):
    """Waits for the work queued on the accelerator (device: its index, or a device of its type)."""
    _require("synchronize")
    index = device if isinstance(device, int) else 0 if device is None else _device_type(device).index or 0
    _C.synchronize(_present()[1], index)
