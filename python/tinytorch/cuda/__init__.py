"""tinytorch.cuda: what PyTorch scripts ask of torch.cuda. Without a CUDA device the queries answer as torch's do
(False, 0, no-ops) and the calls that need a device raise CudaUnavailableError."""
from .. import _C
from .._device import device as _device_type


class CudaUnavailableError(RuntimeError, AssertionError):
    """torch raises AssertionError here ("Torch not compiled with CUDA enabled"); the library's convention is
    RuntimeError: subclassing both keeps either `except` working in ported scripts."""


def is_available():
    return _C.device_count(1) > 0


def device_count():
    return _C.device_count(1)


def is_built():
    return _C.backend_built(1)


def is_initialized():
    return is_available()


def _require(op):
    if not is_available():
        why = "this build has no CUDA backend" if not is_built() else "no CUDA device was found"
        raise CudaUnavailableError(f"cuda.{op}(): CUDA is not available ({why})")


def _index(device, op):
    """The ordinal a device argument names (None, an int, 'cuda:1' or a device), checked against the devices."""
    _require(op)
    if device is None:
        return _current[0]
    index = device if isinstance(device, int) else _device_type(device).index or 0
    if not 0 <= index < device_count():
        raise ValueError(f"cuda.{op}(): invalid device ordinal {index} ({device_count()} CUDA device(s))")
    return index


_current = [0]


def current_device():
    _require("current_device")
    return _current[0]


def set_device(device):
    _current[0] = _index(device, "set_device")


def get_device_name(device=None):
    return f"CUDA device {_index(device, 'get_device_name')}"  # the C ABI reports counts, not names


def is_bf16_supported(including_emulation=True):
    return is_available()


def synchronize(device=None):
    """Waits for every kernel and copy queued on the device."""
    _C.synchronize(1, _index(device, "synchronize"))


def empty_cache():
    """Gives the blocks the CUDA allocator keeps cached for reuse back to the driver (nothing without a GPU)."""
    _C.empty_cache(1)


def manual_seed(seed):
    """One Philox generator serves every backend (same seed, same numbers anywhere), so seeding CUDA seeds it;
    without CUDA this does nothing, as torch's."""
    if is_available():
        from ..ops.random import manual_seed as seed_shared
        seed_shared(seed)


manual_seed_all = manual_seed


def seed():
    if is_available():
        from ..ops.random import seed as seed_shared
        seed_shared()


seed_all = seed


def _memory(device, op):
    """(allocated, max allocated, reserved, max reserved) bytes of a CUDA device; zeros without CUDA, as torch."""
    return _C.device_memory(1, _index(device, op)) if is_available() else (0, 0, 0, 0)


def memory_allocated(device=None):
    """Bytes held by live tensors on the device."""
    return _memory(device, "memory_allocated")[0]


def max_memory_allocated(device=None):
    return _memory(device, "max_memory_allocated")[1]


def memory_reserved(device=None):
    """Bytes taken from the driver, the caching allocator's idle blocks included (empty_cache gives those back)."""
    return _memory(device, "memory_reserved")[2]


def max_memory_reserved(device=None):
    return _memory(device, "max_memory_reserved")[3]


def reset_peak_memory_stats(device=None):
    """The peaks start again from the current figures."""
    if is_available():
        _C.reset_peak_memory(1, _index(device, "reset_peak_memory_stats"))


reset_max_memory_allocated = reset_peak_memory_stats


def get_arch_list():
    return []


class device:
    """`with tinytorch.cuda.device(i):` selects the current CUDA device for the block."""

    def __init__(self, device):
        self.idx = -1 if device is None else device if isinstance(device, int) else _device_type(device).index or 0

    def __enter__(self):
        self.prev_idx = _current[0]
        if self.idx >= 0:
            set_device(self.idx)

    def __exit__(self, *exc):
        if self.idx >= 0:
            _current[0] = self.prev_idx
        return False


from . import amp  # noqa: E402
