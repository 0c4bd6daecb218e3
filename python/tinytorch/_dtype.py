"""Dtypes and PyTorch's type promotion (except that integers meeting floats promote everywhere, matmul included)."""
import builtins

import numpy as np


class dtype:
    __slots__ = ("name", "code", "itemsize", "is_floating_point", "is_signed", "category", "np")

    def __init__(self, name, code, itemsize, category, np_dtype, is_signed=True):
        self.name = name
        self.code = code  # tt_dtype in tinytorch.h
        self.itemsize = itemsize
        self.category = category  # 0 bool, 1 integer, 2 floating: the order of promotion
        self.is_floating_point = category == 2
        self.is_signed = is_signed
        self.np = np_dtype

    def __repr__(self):
        return "tinytorch." + self.name

    def __reduce__(self):
        return self.name

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self


float32 = dtype("float32", 0, 4, 2, np.dtype(np.float32))
float64 = dtype("float64", 1, 8, 2, np.dtype(np.float64))
float16 = dtype("float16", 2, 2, 2, np.dtype(np.float16))
bfloat16 = dtype("bfloat16", 3, 2, 2, None)  # NumPy has no bfloat16
int32 = dtype("int32", 4, 4, 1, np.dtype(np.int32))
int64 = dtype("int64", 5, 8, 1, np.dtype(np.int64))
uint8 = dtype("uint8", 6, 1, 1, np.dtype(np.uint8), is_signed=False)
bool_ = dtype("bool", 7, 1, 0, np.dtype(np.bool_), is_signed=False)
bool_.name = "bool"

float = float32  # noqa: A001  (torch.float)
double = float64
half = float16
int = int32  # noqa: A001
long = int64
bool = bool_  # noqa: A001

ALL = (float32, float64, float16, bfloat16, int32, int64, uint8, bool_)
# the floating dtypes kernels compute in as stored (halves compute in float32)
FULL_FLOATS = (float32, float64)
BY_CODE = {d.code: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(float=float32, double=float64, half=float16, int=int32, long=int64)
_FROM_NP = {d.np: d for d in ALL if d.np is not None}
_NP_FALLBACK = {np.dtype(np.int8): int32, np.dtype(np.int16): int32, np.dtype(np.uint16): int32,
                np.dtype(np.uint32): int64, np.dtype(np.uint64): int64}

_default_float = [float32]


def get_default_dtype():
    return _default_float[0]


def set_default_dtype(d):
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, not {d}")
    _default_float[0] = d


def to_dtype(d):
    """A tinytorch dtype from a dtype, its name, a NumPy dtype, a Python type, or a torch dtype."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return None
    if isinstance(d, str):
        name = d[6:] if d.startswith("torch.") else d
        if name in _BY_NAME:
            return _BY_NAME[name]
        raise TypeError(f"unknown dtype {d!r}")
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    if d is builtins.float:
        return get_default_dtype()
    text = str(d)
    if text.startswith("torch."):  # a torch dtype, met in interop code
        return to_dtype(text)
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        pass
    raise TypeError(f"unknown dtype {d!r}")


def from_numpy_dtype(npd):
    npd = np.dtype(npd)
    if npd in _FROM_NP:
        return _FROM_NP[npd]
    if npd in _NP_FALLBACK:
        return _NP_FALLBACK[npd]
    raise TypeError(f"tinytorch has no dtype for NumPy's {npd}")


def promote(a, b):
    """The common dtype of two tensor dtypes."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a.itemsize >= b.itemsize else b
    if a.category == 1:
        if a is uint8 or b is uint8:  # uint8 meets a signed type: that type holds it (we have no int16)
            return b if a is uint8 else a
        return a if a.itemsize >= b.itemsize else b
    return a


def scalar_dtype(value):
    if isinstance(value, builtins.bool):
        return bool_
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return get_default_dtype()
    if isinstance(value, np.generic):
        return from_numpy_dtype(value.dtype)
    raise TypeError(f"expected a number, got {type(value).__name__}")
