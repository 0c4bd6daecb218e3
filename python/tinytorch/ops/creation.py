"""Making tensors: from Python data and NumPy (without copying where possible), constants and ranges; the Tensor
and legacy typed constructors."""
import math

import numpy as np

from .. import _core
from .. import _dtype as dt
from .._core import OP
from .._device import CPU, to_device
from ..tensor import Size, Tensor, _make, empty
from .copy import cast, fill_
from ._public import declare


def _infer(data, op):
    """NumPy array for nested Python data, with torch's dtype inference and clear errors."""
    try:
        arr = np.array(data)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{op}(): cannot make a tensor from ragged or mixed nested data ({e})") from None
    if arr.dtype == object:
        kinds = {type(v).__name__ for v in np.asarray(data, dtype=object).ravel()} if arr.ndim else {type(data).__name__}
        raise TypeError(f"{op}(): cannot make a tensor from elements of type {', '.join(sorted(kinds))}")
    if arr.dtype.kind in "US":
        raise TypeError(f"{op}(): cannot make a tensor from strings")
    if arr.dtype.kind == "c":
        raise TypeError(f"{op}(): tinytorch has no complex dtypes")
    if arr.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
        arr = arr.astype(dt.get_default_dtype().np)  # Python floats become the default float, as in torch
    return arr


def from_numpy(arr):
    """A CPU tensor sharing the array's memory (no copy); the tensor keeps the array alive."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy.ndarray, got {type(arr).__name__}")
    dtype = dt.from_numpy_dtype(arr.dtype)
    if dtype.np != arr.dtype:  # a NumPy dtype we hold in a wider one: copy
        arr = arr.astype(dtype.np)
    item = arr.itemsize
    if any(s % item for s in arr.strides) or not arr.dtype.isnative:
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
    strides = tuple(s // item for s in arr.strides)
    # the buffer spans the elements the view can reach; the view's offset is its first element within it
    lo = sum((n - 1) * s for n, s in zip(arr.shape, strides) if s < 0 and n > 0)
    hi = sum((n - 1) * s for n, s in zip(arr.shape, strides) if s > 0 and n > 0)
    numel = arr.size
    address = arr.__array_interface__["data"][0]
    nbytes = (hi - lo + 1) * item if numel else 0
    buf = _core._C.Buffer.wrap(address + lo * item if numel else 0, nbytes, arr)
    return _make(buf, -lo if numel else 0, tuple(arr.shape), strides, dtype, CPU)


def from_data(data, dtype=None, device=None, op="tensor"):
    """A new tensor holding a copy of data (a Tensor, NumPy array, nested list or number)."""
    dtype = dt.to_dtype(dtype)
    dev = to_device(device)
    if isinstance(data, Tensor):
        out = data.to(dev).to(dtype or data.dtype)
        return out.clone() if out is data else out
    if hasattr(data, "__dlpack__") and not isinstance(data, np.ndarray):
        return from_data(from_dlpack(data), dtype, device, op)
    arr = _infer(data, op)
    src = from_numpy(np.array(arr))  # a private copy
    if dtype is not None and dtype is not src.dtype:
        src = cast(src, dtype)
    return src.to(dev) if dev is not CPU else src


def init_tensor(t, data=None, *more, dtype=None, device=None, requires_grad=None):
    """Tensor(data) and Tensor(2, 3) (an uninitialised float tensor of that shape, as torch.Tensor): Tensor's
    __init__, which the bindings install."""
    if more or data is None:
        shape = (() if data is None else (data,)) + more
        if not all(isinstance(s, (int, np.integer)) for s in shape):
            raise TypeError(f"Tensor(): expected data or integer sizes, got {shape!r}")
        src = empty(tuple(int(s) for s in shape), dt.to_dtype(dtype) or dt.get_default_dtype(), to_device(device),
                    "Tensor")
    else:  # the data's own dtype, as tinygrad's Tensor (the seed scripts need it); torch's would be float
        src = from_data(data, dtype=dtype, device=device, op="Tensor")
    for name in Tensor.__slots__[:8]:
        object.__setattr__(t, name, getattr(src, name))
    t.grad = None
    t.grad_fn = None
    t._hooks = None
    t._requires_grad = None
    if requires_grad is not None:
        t.requires_grad_(requires_grad)


def legacy_tensor(cls, *args, device=None):
    """The legacy typed constructors (tinytorch.LongTensor([1, 2]), FloatTensor(2, 3)): their type's __call__,
    which the bindings install."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
        return from_data(args[0], dtype=cls.dtype, device=device, op=cls.__name__)
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
    if not all(isinstance(s, (int, np.integer)) for s in shape):
        raise TypeError(f"{cls.__name__}(): expected data or integer sizes, got {args!r}")
    return empty(tuple(int(s) for s in shape), cls.dtype, to_device(device), cls.__name__)


def tensor(data, dtype=None, device=None, requires_grad=None):
    return user_tensor(from_data(data, dtype, device, "tensor"), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """data itself when it is already a tensor of that dtype and device; else a tensor made from it."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if isinstance(data, np.ndarray) and dtype is None and to_device(device) is CPU:
        try:
            return from_numpy(data)
        except TypeError:
            pass
    return from_data(data, dtype, device, "as_tensor")


def from_dlpack(obj):
    """A tensor sharing the memory of any object that speaks DLPack (CPU), e.g. a PyTorch tensor."""
    if isinstance(obj, Tensor):
        return obj
    if hasattr(obj, "__dlpack_device__") and obj.__dlpack_device__()[0] != 1:
        raise RuntimeError("from_dlpack(): only CPU tensors can be shared without a copy")
    return from_numpy(np.from_dlpack(obj))


def _shape(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        try:
            out.append(s.__index__())
        except (AttributeError, TypeError):
            raise TypeError(f"{op}(): sizes must be integers, got {size!r}") from None
    return tuple(out)


def user_tensor(out, requires_grad):
    """A tensor handed to the user: requires_grad True/False as asked, or None, which lets the tinygrad-style
    switch Tensor.training decide (internal tensors are always False)."""
    if requires_grad:
        return out.requires_grad_(True)
    out._requires_grad = requires_grad
    return out


def _new(size, dtype, device, op, requires_grad=None):
    out = empty(_shape(size, op), dt.to_dtype(dtype) or dt.get_default_dtype(), to_device(device), op)
    return user_tensor(out, requires_grad)


def empty_(*size, dtype=None, device=None, requires_grad=None, **_):
    return _new(size, dtype, device, "empty", requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=None):
    if dtype is None:
        dtype = dt.scalar_dtype(fill_value)
    out = _new(_shape((size,), "full") if not isinstance(size, int) else (size,), dtype, device, "full")
    fill_(out, fill_value)
    return user_tensor(out, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=None):
    out = fill_(_new(size, dtype, device, "zeros"), 0)
    return user_tensor(out, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=None):
    out = fill_(_new(size, dtype, device, "ones"), 1)
    return user_tensor(out, requires_grad)


def _like(x, dtype, device):
    return x.shape, dtype or x.dtype, device or x.device


def empty_like(x, dtype=None, device=None, requires_grad=None, **_):
    shape, dtype, device = _like(x, dtype, device)
    return _new(shape, dtype, device, "empty_like", requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=None, **_):
    shape, dtype, device = _like(x, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=None, **_):
    shape, dtype, device = _like(x, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=None, **_):
    shape, dtype, device = _like(x, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=None):
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    for v in (start, end, step):
        if not isinstance(v, (int, float, np.number)) or isinstance(v, bool):
            raise TypeError(f"arange(): start, end and step must be numbers, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"arange(): start, end and step must be finite, got {v}")
    if step == 0:
        raise ValueError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange(): upper bound {end} and lower bound {start} inconsistent with step sign {step}")
    if dtype is None:
        dtype = dt.get_default_dtype() if any(isinstance(v, (float, np.floating)) for v in (start, end, step)) \
            else dt.int64
    dtype = dt.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    out = _new((n,), dtype, device, "arange")
    if dtype.is_floating_point:
        attrs = _core.ARANGE.pack(float(start), float(step), 0, 0)
    else:
        attrs = _core.ARANGE.pack(0.0, 0.0, int(start), int(step))
    _core.run(OP.ARANGE, (), (out,), attrs)
    return user_tensor(out, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=None):
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"linspace(): number of steps must be non-negative, got {steps}")
    dtype = dt.to_dtype(dtype) or dt.get_default_dtype()
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    out = _new((steps,), dt.float64, device, "linspace")
    _core.run(OP.ARANGE, (), (out,), _core.ARANGE.pack(float(start), float(step), 0, 0))
    if steps > 1:  # the last point is exactly `end`, as torch gives it
        out[steps - 1] = end
    out = out.to(dtype)
    return user_tensor(out, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=None):
    m = n if m is None else m
    out = zeros(n, m, dtype=dtype, device=device)
    k = min(n, m)
    if k:
        out._view_as((k,), (out._strides[0] + out._strides[1],)).fill_(1)
    return user_tensor(out, requires_grad)


_scalars = {}


def scalar_tensor(value, dtype, dev):
    """A 0-d tensor holding a Python number, for ops that meet scalars. Cached: ops never write their inputs."""
    if not value and isinstance(value, float):  # 0.0 and -0.0 are equal keys: do not cache them
        return fill_(empty((), dtype, dev, "scalar"), value)
    key = (type(value), value, dtype, dev)
    out = _scalars.get(key)
    if out is None:
        if len(_scalars) > 1024:
            _scalars.clear()
        out = _scalars[key] = fill_(empty((), dtype, dev, "scalar"), value)
    return out

# x.new_*: a tensor of x's dtype and device unless told otherwise
def new_tensor(x, data, dtype=None, device=None, requires_grad=None):
    return tensor(data, dtype or x.dtype, device or x.device, requires_grad)


def new_zeros(x, *size, dtype=None, device=None, requires_grad=None):
    return zeros(*size, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def new_ones(x, *size, dtype=None, device=None, requires_grad=None):
    return ones(*size, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def new_empty(x, *size, dtype=None, device=None, requires_grad=None):
    return empty_(*size, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def new_full(x, size, fill_value, dtype=None, device=None, requires_grad=None):
    return full(size, fill_value, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


# public names (ops/_public.py)
declare(globals(), "as_tensor empty_like from_dlpack from_numpy full_like ones_like scalar_tensor tensor zeros_like",
        method=False)
declare(globals(), "arange empty=empty_ eye full linspace ones zeros", method=False, creation=True, static=True)
declare(globals(), "__init__=init_tensor new_tensor new_zeros new_ones new_empty new_full", function=False)
