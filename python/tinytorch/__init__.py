"""tinytorch: a small, fast deep-learning library with a hand-written C++ kernel core and a PyTorch-style API."""
from . import _C
from . import _dtype
from ._device import device, set_default_device
from ._dtype import (bfloat16, bool_ as bool, double, dtype, float, float16, float32, float64, get_default_dtype,  # noqa: A004
                     half, int, int32, int64, long, set_default_dtype, uint8)
from ._format import set_printoptions
from .tensor import Size, Tensor
from .tensor import (BFloat16Tensor, BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                     LongTensor, channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format)
from . import _methods
from ._out import accepts_out as _accepts_out
from .ops import _public

_methods.install()

# the functions every op module declared (ops/_public.py); out= where torch takes it (tinytorch/_out.py)
for _name, _fn in _public.FUNCTIONS.items():
    _takes_out = _public.OUT.get(_name)
    globals()[_name] = _accepts_out(_fn, creation=_takes_out == "creation") if _takes_out else _fn
del _name, _fn, _takes_out

from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from . import autograd, cuda, nn, optim, utils  # noqa: E402
from . import accelerator, amp, backends, cpu, distributed, onnx  # noqa: E402
from . import distributions, multiprocessing  # noqa: E402
from ._compile import compile  # noqa: E402,A004
from .amp import GradScaler, autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402
from .backends import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,  # noqa: E402
                       is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
                       use_deterministic_algorithms)
from .serialization import load, save  # noqa: E402
from . import jit  # noqa: E402
from .jit import export  # noqa: E402

__version__ = "0.1.0"


def set_num_threads(n):
    _C.set_num_threads(n)


def get_num_threads():
    return _C.get_num_threads()


def config():
    """What this build and machine run: the CPU instruction set in use, threads, and the backends built."""
    return {
        "version": __version__,
        "abi_version": _C.abi_version(),
        "cpu_isa": _C.cpu_isa(),
        "num_threads": _C.get_num_threads(),
        "backends": {name: {"built": _C.backend_built(code), "devices": _C.device_count(code)}
                     for name, code in (("cpu", 0), ("cuda", 1), ("metal", 2))},
    }


def cmake_prefix_path():
    """The directory to give CMake (CMAKE_PREFIX_PATH) so that find_package(tinytorch CONFIG) finds libtinytorch
    and its headers, as installed by the wheel (see examples/cpp/README.md)."""
    import os
    root = os.path.dirname(os.path.abspath(__file__))
    if not os.path.isfile(os.path.join(root, "lib", "cmake", "tinytorch", "tinytorchConfig.cmake")):
        raise RuntimeError(f"tinytorch's C/C++ library and headers are not installed under {root} (an in-tree "
                           "checkout?): install the wheel (pip install .), or build with cmake -DTT_SHARED=ON and "
                           "cmake --install")
    return root


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(x):
    return x.numel()


def is_floating_point(x):
    return x.dtype.is_floating_point


def promote_types(a, b):
    return _dtype.promote(_dtype.to_dtype(a), _dtype.to_dtype(b))


def can_cast(from_, to):
    return from_.category <= to.category
