"""The device-specific spellings torch keeps for old scripts (torch.cuda.amp.autocast, torch.cpu.amp.GradScaler):
the same classes with the device fixed and torch's FutureWarning naming the current spelling."""
import warnings

from .. import _dtype as dt
from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler


def _warn(name, device):
    warnings.warn(f"`{device}.amp.{name}(args...)` is deprecated. Please use `amp.{name}('{device}', args...)` "
                  "instead.", FutureWarning, stacklevel=3)


def autocast_for(device, default_dtype):
    class autocast(_autocast):
        def __init__(self, enabled=True, dtype=default_dtype, cache_enabled=True):
            _warn("autocast", device)
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
    autocast.__qualname__ = f"{device}.amp.autocast"
    return autocast


def grad_scaler_for(device):
    class GradScaler(_GradScaler):
        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                     enabled=True):
            _warn("GradScaler", device)
            super().__init__(device, init_scale, growth_factor, backoff_factor, growth_interval, enabled)
    GradScaler.__qualname__ = f"{device}.amp.GradScaler"
    return GradScaler


CUDA_DTYPE, CPU_DTYPE = dt.float16, dt.bfloat16
