"""autocast: the mixed-precision context. tinytorch's kernels compute in the dtype of their inputs and have no
lower-precision dispatch, so autocast changes nothing: outputs keep float32, as torch's disabled autocast does.
It still checks its arguments and warns where torch would disable itself, so ported scripts behave the same."""
import functools
import warnings

from .. import _dtype as dt
from .._device import device as _device_type

_DEFAULT_DTYPE = {"cpu": dt.bfloat16, "cuda": dt.float16, "mps": dt.float16}


class autocast:
    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast(): expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = _device_type(device_type).type
        self.fast_dtype = _DEFAULT_DTYPE[self.device] if dtype is None else dt.to_dtype(dtype)
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled
        if self._enabled and self.device == "cuda":
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available. Disabling autocast.", UserWarning, stacklevel=2)
                self._enabled = False
        if self._enabled and self.device == "cpu" and self.fast_dtype not in (dt.bfloat16, dt.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of bfloat16, float16 currently.",
                          UserWarning, stacklevel=2)
            self._enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def run_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return run_autocast


def is_autocast_enabled(device_type=None):
    """Always False: no op here runs in a lower precision (see the module's note)."""
    return False


def get_autocast_dtype(device_type):
    return _DEFAULT_DTYPE[_device_type(device_type).type]


def custom_fwd(fwd=None, *, device_type=None, cast_inputs=None):
    """torch casts a custom Function's inputs under autocast; autocast never casts here, so it is the function."""
    if fwd is None:
        return lambda f: f
    return fwd


def custom_bwd(bwd=None, *, device_type=None):
    if bwd is None:
        return lambda f: f
    return bwd
