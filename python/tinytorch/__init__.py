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
from ._methods import addcdiv, addcmul

_methods.install()

from .ops.copy import clone, contiguous  # noqa: E402
from .ops.creation import (arange, as_tensor, empty_ as empty, empty_like, eye, from_dlpack, from_numpy,  # noqa: E402
                           full, full_like, linspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like)
from .ops.broadcast import broadcast_shapes, broadcast_to  # noqa: E402
from .ops.elementwise import (abs, absolute, add, ceil, clamp, clamp_max, clamp_min, clip, cos, div, divide,  # noqa: E402,A004
                              eq, erf, exp, exp2, expm1, fix, floor, floor_divide, fmod, ge, gelu, greater,
                              greater_equal, gt, isclose, isfinite, isinf, isnan, le, lerp, less, less_equal, log, log1p,
                              log2, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum, mul,
                              multiply, ne, neg, negative, not_equal, pow, reciprocal, relu, remainder, round,
                              rsqrt, rsub, sigmoid, sign, silu, sin, sqrt, square, sub, subtract, tan, tanh,
                              true_divide, trunc)
from .ops.elementwise import result_type  # noqa: E402
from .ops.index import (argsort, argwhere, gather, index_add, index_fill, index_put, index_select,  # noqa: E402
                        masked_fill, masked_select, nonzero, scatter, scatter_add, scatter_reduce, sort, take,
                        take_along_dim, topk, where)
from .ops.linalg import addmm, bmm, dot, ger, inner, matmul, mm, mv, outer, tril, triu, vdot  # noqa: E402
from .ops.einsum import einsum  # noqa: E402
from .ops.index import diag  # noqa: E402
from .ops.random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed,  # noqa: E402
                         manual_seed, multinomial, normal, rand, rand_like, randint, randint_like, randn,
                         randn_like, randperm, seed, set_rng_state)
from .ops.reduce import (all, allclose, amax, amin, any, argmax, argmin, cumprod, cumsum, equal, log_softmax,  # noqa: E402,A004
                         logsumexp, max, mean, min, norm, prod, softmax, std, std_mean, sum, var, var_mean)
from .ops.shape import (cat, chunk, flatten, flip, movedim, moveaxis, narrow, permute, reshape, roll,  # noqa: E402
                        select, split, squeeze, stack, swapaxes, swapdims, t, tile, transpose, unbind, unflatten,
                        unsqueeze)

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

from ._out import accepts_out as _accepts_out  # noqa: E402

# out= where torch takes it: the result written into a given tensor (python/tinytorch/_out.py)
for _name in ("abs", "absolute", "add", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cos", "div", "divide", "eq",
              "erf", "exp", "exp2", "expm1", "fix", "floor", "floor_divide", "fmod", "ge", "greater", "greater_equal",
              "gt", "le", "lerp", "less", "less_equal", "log", "log1p", "log2", "logical_and", "logical_not",
              "logical_or", "logical_xor", "lt", "maximum", "minimum", "mul", "multiply", "ne", "neg", "negative",
              "not_equal", "pow", "reciprocal", "remainder", "round", "rsqrt", "sigmoid", "sign", "sin", "sqrt",
              "square", "sub", "subtract", "tan", "tanh", "true_divide", "trunc", "where", "addcmul", "addcdiv",
              "gather", "index_select", "masked_select", "take", "scatter_reduce", "addmm", "bmm", "dot", "matmul",
              "mm", "mv", "outer",
              "amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "logsumexp", "max", "mean", "min", "prod",
              "std", "sum", "var", "sort", "topk", "cat", "stack", "tril", "triu"):
    globals()[_name] = _accepts_out(globals()[_name])
for _name in ("arange", "empty", "eye", "full", "linspace", "ones", "zeros", "rand", "randn", "randint", "randperm"):
    globals()[_name] = _accepts_out(globals()[_name], creation=True)
del _name

concat = concatenate = cat
spmm = mm  # torch.spmm on the one (dense) layout tinytorch has
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
