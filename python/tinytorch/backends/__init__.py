"""tinytorch.backends: the switches scripts set for torch's backends (cudnn.benchmark, cuda.matmul.allow_tf32 ...),
and the float32 matmul precision and determinism settings. tinytorch's kernels compute float32 in float32, pick no
algorithm by benchmark and are deterministic, so these switches record what was asked and change no result."""
import warnings

_PRECISIONS = ("highest", "high", "medium")
_settings = {"float32_matmul_precision": "highest", "deterministic": False, "deterministic_warn_only": False}


def set_float32_matmul_precision(precision):
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings["float32_matmul_precision"] = precision


def get_float32_matmul_precision():
    return _settings["float32_matmul_precision"]


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): mode must be a bool, got {type(mode).__name__}")
    _settings["deterministic"] = mode
    _settings["deterministic_warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _settings["deterministic_warn_only"]


from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: E402,F401
