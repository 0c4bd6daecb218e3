"""tinytorch.backends.cuda: the CUDA matmul and attention switches. They record what was asked; tinytorch's
kernels compute float32 in float32 and its attention has a single implementation."""
import contextlib

from .. import _C
from . import _settings


def is_built():
    return _C.backend_built(1)


class _MatmulSwitches:
    """torch.backends.cuda.matmul: allow_tf32 is another face of the float32 matmul precision, as in torch."""

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self):
        return _settings["float32_matmul_precision"] != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value):
        _settings["float32_matmul_precision"] = "high" if value else "highest"


matmul = _MatmulSwitches()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    saved = dict(_sdp)
    _sdp.update(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                cudnn=bool(enable_cudnn))
    try:
        yield
    finally:
        _sdp.update(saved)
