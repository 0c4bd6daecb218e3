"""Tensor: a strided view of a device buffer. The ops live in tinytorch.ops; here are the fields, the views
that only rearrange strides, conversions to Python and NumPy, and the Python protocol. What needs an op (the
constructor Tensor(data), to(), resize_(), deepcopy and pickling, and every op method) the bindings install
(tinytorch/_methods.py), since this layer sits below the ops."""
import builtins

import numpy as np

from . import _core
from . import _dtype as dt
from . import accelerator
from ._device import CPU
from ._format import format_tensor


def _make(buf, offset, shape, strides, dtype, dev, base=None):
    t = Tensor.__new__(Tensor)
    t._buf = buf
    t._offset = offset
    t._shape = shape
    t._strides = strides
    t._dtype = dtype
    t._device = dev
    t._base = base
    t._version = base._version if base is not None else [0]  # shared by a buffer's views: in-place writes bump it
    t._requires_grad = False
    t.grad = None
    t.grad_fn = None
    t._hooks = None
    return t


_layouts = {}  # shape -> (numel, strides): the shapes a program uses are few, and checking them is not free


def empty(shape, dtype, dev, op="empty"):
    """A new contiguous tensor; the one allocation point for op outputs."""
    shape = tuple(shape)
    found = _layouts.get(shape)
    if found is None:
        found = _core.layout(shape, op)
        if len(_layouts) > 4096:
            _layouts.clear()
        _layouts[shape] = found
    return _make(_core.new_buffer(found[0] * dtype.itemsize, dev), 0, shape, found[1], dtype, dev)


class Size(tuple):
    """torch.Size: a tuple of ints with numel()."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"tinytorch.Size({list(self)})"


class Tensor:
    __slots__ = ("_buf", "_offset", "_shape", "_strides", "_dtype", "_device", "_base", "_version",
                 "_requires_grad", "grad", "grad_fn", "_hooks", "__weakref__")
    # tinygrad's switch. None (never set): modules follow their own .training, as in PyTorch. True/False: tracks
    # tensors created without requires_grad (True), and sets training behaviour (dropout, batch norm) everywhere.
    training = None

    @property
    def requires_grad(self):
        """True when autograd tracks this tensor. None (not set) defers to the tinygrad-style switch
        Tensor.training, which tracks floating tensors while it is on."""
        rg = self._requires_grad
        return rg is True or (rg is None and Tensor.training is True and self._dtype.is_floating_point)

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    # ---- metadata
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[self._dim(dim, "size")]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        n = 1
        for s in self._shape:
            n *= s
        return n

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    def stride(self, dim=None):
        if dim is None:
            return self._strides
        return self._strides[self._dim(dim, "stride")]

    def storage_offset(self):
        return self._offset

    def data_ptr(self):
        return self._buf.address + self._offset * self._dtype.itemsize

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_mps(self):
        return self._device.type == "mps"

    @property
    def is_xpu(self):
        return False  # no Intel GPU backend

    @property
    def is_meta(self):
        return False

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_contiguous(self, memory_format=None):
        if 0 in self._shape:
            return True
        expected = 1
        for s, st in zip(reversed(self._shape), reversed(self._strides)):
            if s != 1 and st != expected:
                return False
            expected *= s
        return True

    def _dim(self, dim, op, extra=0):
        """A dim normalised to [0, ndim + extra), or an IndexError naming the op and the shape."""
        n = len(self._shape) + extra
        try:
            d = dim.__index__()
        except AttributeError:
            raise TypeError(f"{op}(): dim must be an integer, got {type(dim).__name__}") from None
        lo, hi = (-n, n - 1) if n else (-1, 0)
        if not lo <= d <= hi:
            raise IndexError(f"{op}(): dim {d} out of range [{lo}, {hi}] for a tensor of shape {list(self._shape)}")
        return d + n if d < 0 else d

    def _dims(self, dims, op):
        if isinstance(dims, (int, np.integer)):
            dims = (dims,)
        out = tuple(self._dim(d, op) for d in dims)
        if len(set(out)) != len(out):
            raise RuntimeError(f"{op}(): dim {list(dims)} appears more than once")
        return out

    def _view_as(self, shape, strides, offset=None):
        return _make(self._buf, self._offset if offset is None else offset, tuple(shape), tuple(strides),
                     self._dtype, self._device, self._base if self._base is not None else self)

    # ---- conversion to Python and NumPy
    def numpy(self, force=False):
        """A NumPy array sharing this tensor's memory (CPU tensors); a copy for other devices."""
        if self._dtype is dt.bfloat16:
            raise TypeError("numpy(): NumPy has no bfloat16; call .float() first")
        if self._device is not CPU and self._device.type != "cpu":
            return self.to("cpu").numpy()
        return _numpy_view(self)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def tolist(self):
        return self._host_array().tolist()

    def _host_array(self):
        """NumPy values for Python conversions (bfloat16, which NumPy lacks, widens to float32)."""
        return (self.float() if self._dtype is dt.bfloat16 else self).numpy()

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"item(): a tensor with {self.numel()} elements cannot be converted to a Python scalar")
        return self.reshape(())._host_array().item()

    def _scalar(self, op):
        """The one value of a one-element tensor, for int(), float() and complex() (ValueError otherwise, as torch)."""
        if self.numel() != 1:
            raise ValueError(f"{op}(): only one element tensors can be converted to Python scalars, got shape "
                             f"{list(self._shape)}")
        return self.item()

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"bool(): the truth value of a tensor with {self.numel()} elements is ambiguous")
        return builtins.bool(self.item())

    def __float__(self):
        return builtins.float(self._scalar("float"))

    def __int__(self):
        return builtins.int(self._scalar("int"))

    def __complex__(self):
        return builtins.complex(self._scalar("complex"))

    def __index__(self):
        if self._dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return format_tensor(self)

    __str__ = __repr__

    def __format__(self, spec):
        if not self._shape:  # f"{loss:.4f}" formats the Python number, as torch does
            return format(self.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ (only 0-d tensors "
                            f"take a format spec)")
        return repr(self)

    # NumPy defers binary operators to the tensor (np.float64(2) * t is a tensor), as with torch
    __array_priority__ = 1000

    def __dlpack__(self, stream=None, **kwargs):
        if self._device.type != "cpu":  # a host copy would look shared but drop every write
            raise BufferError(f"__dlpack__(): only CPU tensors are shared through DLPack, not {self._device}; "
                              "call .cpu() first")
        return self.numpy().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        kind = {"cpu": 1, "cuda": 2, "mps": 8}[self._device.type]  # kDLCPU, kDLCUDA, kDLMetal
        return (kind, 0 if kind == 1 else self._device.ordinal)

    # ---- devices and dtypes
    def cpu(self):
        return self.to("cpu")

    def pin_memory(self, device=None):
        """A copy in memory the accelerator can read directly; as torch, an error where there is no accelerator."""
        if not accelerator.is_available():
            raise RuntimeError("pin_memory(): cannot access accelerator device when none is available")
        return self.clone()

    def is_pinned(self, device=None):
        return False  # host buffers are ordinary memory; copies to a device are synchronous anyway

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def type(self, dtype=None, non_blocking=False, **_):
        """type() names the legacy tensor type ('tinytorch.FloatTensor'); type(t) converts to a dtype, a legacy
        type (tinytorch.LongTensor) or its name ('torch.LongTensor')."""
        if dtype is None:
            return "tinytorch." + _LEGACY_NAMES[self._dtype.name]
        if isinstance(dtype, _TensorType):
            dtype = dtype.dtype
        elif isinstance(dtype, str) and dtype.rpartition(".")[2] in _LEGACY_DTYPES:
            dtype = _LEGACY_DTYPES[dtype.rpartition(".")[2]]
        return self.to(dt.to_dtype(dtype))

    def float(self):
        return self.to(dt.float32)

    def double(self):
        return self.to(dt.float64)

    def half(self):
        return self.to(dt.float16)

    def bfloat16(self):
        return self.to(dt.bfloat16)

    def int(self):
        return self.to(dt.int32)

    def long(self):
        return self.to(dt.int64)

    def bool(self):
        return self.to(dt.bool_)

    def byte(self):
        return self.to(dt.uint8)

    def type_as(self, other):
        return self.to(other.dtype)


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor", "int32": "IntTensor",
                 "bool": "BoolTensor", "uint8": "ByteTensor", "float16": "HalfTensor", "bfloat16": "BFloat16Tensor"}
_LEGACY_DTYPES = {name: dt._BY_NAME[d] for d, name in _LEGACY_NAMES.items()}


class _TensorType(type):
    """The legacy typed constructors (tinytorch.LongTensor([1, 2]), FloatTensor(2, 3); their __call__ is
    ops.creation.legacy_tensor, installed by the bindings); isinstance(t, LongTensor) checks the dtype, as torch's
    do."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'tinytorch.{cls.__name__}'>"


_LEGACY_ORDER = ("FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor")
FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, BoolTensor, ByteTensor = (
    _TensorType(name, (), {"dtype": _LEGACY_DTYPES[name]}) for name in _LEGACY_ORDER)


class memory_format:  # noqa: N801  (torch's name)
    """torch.contiguous_format and friends: tinytorch accepts them and always lays out contiguously."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "tinytorch." + self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class _Holder:
    __slots__ = ("__array_interface__", "buf")


def _numpy_view(t):
    """A NumPy array over the tensor's memory; the holder keeps the buffer alive as the array's base."""
    h = _Holder()
    item = t._dtype.itemsize
    h.buf = t._buf
    h.__array_interface__ = {
        "data": (t._buf.address + t._offset * item if t.numel() else t._buf.address or 1, False),
        "shape": t._shape,
        "strides": tuple(s * item for s in t._strides),
        "typestr": t._dtype.np.str,
        "version": 3,
    }
    return np.asarray(h)
