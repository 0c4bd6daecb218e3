"""tinytorch.save / tinytorch.load: nested state (dicts, lists, tuples, numbers, strings, tensors) in one safetensors
file. Tensors go in the safetensors body; the structure and every non-tensor value go in its metadata as JSON. Never
pickle: loading runs no code. A load validates the whole file before it uses any of it; a save writes a temporary
file, fsyncs it and renames it over the target, so an interrupted save leaves the previous file whole.

The format (an 8-byte little-endian header length, a JSON header, the raw little-endian tensor bytes) is written and
read here: the safetensors package's Python API has changed shape across releases, and the tests check that its
readers (and PyTorch through them) accept our files and that we accept theirs."""
import base64
import collections
import json
import os
import struct
import tempfile

import numpy as np

from . import _dtype as dt
from ._device import device
from .tensor import Tensor

_ST_DTYPES = {dt.float32: "F32", dt.float64: "F64", dt.float16: "F16", dt.bfloat16: "BF16", dt.int32: "I32",
              dt.int64: "I64", dt.uint8: "U8", dt.bool_: "BOOL"}
_FROM_ST = {v: k for k, v in _ST_DTYPES.items()}
_FROM_ST.update({"I8": dt.int32, "I16": dt.int32, "U16": dt.int32, "U32": dt.int64, "U64": dt.int64})
_ST_SIZES = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I32": 4, "I64": 8, "U8": 1, "BOOL": 1, "I8": 1, "I16": 2,
             "U16": 2, "U32": 4, "U64": 8}
_STRUCTURE_KEY = "tinytorch.structure"
_MAX_HEADER = 100 * 1024 * 1024


class _Flattener:
    """Turns a nested object into JSON-able structure plus named tensors. The same tensor object saved twice is
    stored once and loads as one object (tied weights stay tied)."""

    def __init__(self):
        self.tensors = {}
        self._names = {}  # id(tensor) -> name

    def add(self, path, t):
        name = self._names.get(id(t))
        if name is None:
            name = path or "tensor"
            if name in self.tensors:  # keys with dots can collide with nested paths: number the repeat
                name = f"{name}#{len(self.tensors)}"
            self.tensors[name] = t
            self._names[id(t)] = name
        node = {"__tensor__": name, "device": str(t.device)}
        if t.requires_grad and t.grad_fn is None:
            node["requires_grad"] = True
        if type(t) is not Tensor:
            node["parameter"] = True
        return node

    def encode(self, obj, path):
        from .nn.modules.module import Module
        from .ops.creation import as_tensor
        if isinstance(obj, Tensor):
            return self.add(path, obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"save(): cannot save a NumPy array of dtype {obj.dtype} at '{path}'")
            return {"__ndarray__": self.add(path, as_tensor(np.ascontiguousarray(obj)))["__tensor__"],
                    "dtype": obj.dtype.str}
        if hasattr(obj, "__dlpack__") and hasattr(obj, "shape") and hasattr(obj, "numpy"):  # a torch tensor
            return self.add(path, as_tensor(obj.numpy()))
        if isinstance(obj, Module):
            raise TypeError(f"save(): cannot save a whole module ({type(obj).__name__}); save its state_dict() "
                            f"instead: tinytorch.save(model.state_dict(), f), and rebuild the model and call "
                            f"load_state_dict() to restore it")
        if isinstance(obj, dict):
            items = [[_key(k), self.encode(v, f"{path}.{k}" if path else str(k))] for k, v in obj.items()]
            return {"__odict__" if isinstance(obj, collections.OrderedDict) else "__dict__": items}
        if isinstance(obj, (list, tuple)):
            enc = [self.encode(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(obj)]
            return {"__tuple__": enc} if isinstance(obj, tuple) else enc
        if isinstance(obj, (set, frozenset)):
            return {"__set__": [_key(v) for v in obj], "frozen": isinstance(obj, frozenset)}
        return _scalar(obj, path)


def _scalar(obj, path):
    """A JSON node for a value that holds no tensor."""
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return {"__npscalar__": obj.item(), "dtype": obj.dtype.str}
    if isinstance(obj, complex):
        return {"__complex__": [obj.real, obj.imag]}
    if isinstance(obj, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dt.dtype):
        return {"__dtype__": obj.name}
    if isinstance(obj, device):
        return {"__device__": str(obj)}
    raise TypeError(f"save(): cannot save an object of type {type(obj).__name__} at '{path or '<root>'}' (tinytorch "
                    f"saves tensors, NumPy arrays, numbers, strings, bytes, None, dtypes, devices, and dicts, lists, "
                    f"tuples and sets of them)")


def _key(k):
    """A dict key or set element: a scalar or a tuple of them."""
    if isinstance(k, tuple):
        return {"__tuple__": [_key(v) for v in k]}
    if isinstance(k, (Tensor, list, dict, set)):
        raise TypeError(f"save(): dict keys and set elements must be numbers, strings or tuples, got "
                        f"{type(k).__name__}")
    return _scalar(k, "a dict key")


class _Decoder:
    def __init__(self, tensors, map_location):
        self.tensors = tensors
        self.map_location = map_location
        self._done = {}  # name -> the loaded tensor, so a tensor saved twice loads as one object

    def tensor(self, node):
        name = node["__tensor__"]
        key = (name, bool(node.get("requires_grad")), bool(node.get("parameter")))
        if key not in self._done:
            t = _place(self.tensors[name], node.get("device", "cpu"), self.map_location)
            if node.get("parameter"):
                from .nn.parameter import Parameter
                t = Parameter(t, bool(node.get("requires_grad")))
            elif node.get("requires_grad"):
                t.requires_grad_(True)
            self._done[key] = t
        return self._done[key]

    def __call__(self, node):
        if isinstance(node, list):
            return [self(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "__tensor__" in node:
            return self.tensor(node)
        if "__dict__" in node or "__odict__" in node:
            kind = dict if "__dict__" in node else collections.OrderedDict
            return kind((self(k), self(v)) for k, v in node.get("__dict__", node.get("__odict__")))
        if "__tuple__" in node:
            return tuple(self(v) for v in node["__tuple__"])
        if "__ndarray__" in node:
            arr = self.tensors[node["__ndarray__"]].numpy()
            return arr.astype(np.dtype(node["dtype"]), copy=False)
        if "__npscalar__" in node:
            return np.dtype(node["dtype"]).type(node["__npscalar__"])
        if "__set__" in node:
            return (frozenset if node.get("frozen") else set)(self(v) for v in node["__set__"])
        if "__complex__" in node:
            return complex(*node["__complex__"])
        if "__bytes__" in node:
            return base64.b64decode(node["__bytes__"])
        if "__dtype__" in node:
            return dt.to_dtype(node["__dtype__"])
        if "__device__" in node:
            return device(node["__device__"])
        raise ValueError("load(): unknown structure node in metadata")


def _place(t, saved, map_location):
    """The tensor on the device map_location gives for the device it was saved from (torch's rules: None keeps
    that device; a string or device moves everything there; a dict maps saved location to new location; a
    callable gets (tensor, saved location) and returns the tensor to use, or None for the default)."""
    if map_location is None:
        target = saved
    elif callable(map_location):
        out = map_location(t, saved)
        return t.to(saved) if out is None else out
    elif isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    else:
        target = map_location
    return t.to(target)


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    flat = _Flattener()
    structure = flat.encode(obj, "")
    header = {"__metadata__": {_STRUCTURE_KEY: json.dumps(structure, allow_nan=True)}}
    chunks, offset = [], 0
    for name, t in flat.tensors.items():
        raw = _raw_bytes(t.detach().cpu().contiguous())
        header[name] = {"dtype": _ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the body starts 8-byte aligned, as safetensors writes it
    _atomic_write(f, b"".join([struct.pack("<Q", len(text)), text] + chunks))


def _raw_bytes(t):
    """The tensor's bytes (bfloat16 included, which NumPy cannot name: read as 16-bit integers)."""
    from .ops.shape import view_dtype
    if t.dtype is dt.bfloat16:
        t = view_dtype(t, dt.float16)
    return t.numpy().tobytes()


def _atomic_write(f, payload):
    if hasattr(f, "write"):  # a file object: the caller owns its durability
        f.write(payload)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise RuntimeError(f"save(): parent directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _validate(data, where):
    """Checks the whole safetensors layout; returns (header, data start). Raises ValueError naming the problem."""
    size = len(data)
    if size < 8:
        raise ValueError(f"load(): {where} is not a safetensors file: {size} bytes is shorter than its 8-byte header "
                         f"length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > size:
        raise ValueError(f"load(): {where} is corrupt: header length {n} does not fit a file of {size} bytes")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"load(): {where} is corrupt: its header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"load(): {where} is corrupt: its header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise ValueError(f"load(): {where} is corrupt: __metadata__ must map strings to strings")
    body = size - 8 - n
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or info.get("dtype") not in _ST_SIZES:
            raise ValueError(f"load(): {where}: tensor '{name}' has an unknown or missing dtype")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                                  for s in shape):
            raise ValueError(f"load(): {where}: tensor '{name}' has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= body):
            raise ValueError(f"load(): {where}: tensor '{name}' has invalid data offsets {offsets!r} for a body of "
                             f"{body} bytes")
        numel = 1
        for s in shape:
            numel *= s
        if offsets[1] - offsets[0] != numel * _ST_SIZES[info["dtype"]]:
            raise ValueError(f"load(): {where}: tensor '{name}' of shape {shape} and dtype {info['dtype']} needs "
                             f"{numel * _ST_SIZES[info['dtype']]} bytes, its offsets give {offsets[1] - offsets[0]}")
        spans.append((offsets[0], offsets[1], name))
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise ValueError(f"load(): {where} is corrupt: tensor '{name}' starts at byte {begin}, expected {pos} "
                             f"(data must tile the body exactly)")
        pos = end
    if pos != body:
        raise ValueError(f"load(): {where} is corrupt: tensors cover {pos} bytes of a {body}-byte body")
    return header, meta, 8 + n


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """What save() wrote, with its types: a tuple stays a tuple, an int an int, a NumPy array an array, a
    Parameter a Parameter. Loading runs no code, so weights_only makes no difference here."""
    from .ops.creation import from_numpy
    if hasattr(f, "read"):
        data = f.read()
        where = getattr(f, "name", "the file object")
    else:
        path = os.fspath(f)
        with open(path, "rb") as fh:
            data = fh.read()
        where = repr(path)
    header, meta, start = _validate(memoryview(data), where)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        stype = info["dtype"]
        dtype = _FROM_ST[stype]
        np_type = {"BF16": np.uint16, "I8": np.int8, "I16": np.int16, "U16": np.uint16, "U32": np.uint32,
                   "U64": np.uint64}.get(stype, dtype.np)
        arr = np.frombuffer(data, dtype=np.dtype(np_type).newbyteorder("<"), count=(end - begin) //
                            np.dtype(np_type).itemsize, offset=start + begin).reshape(info["shape"]).copy()
        if stype == "BF16":
            from .ops.shape import view_dtype
            t = view_dtype(from_numpy(arr.view(np.float16)), dt.bfloat16)
        else:
            t = from_numpy(arr.astype(dtype.np, copy=False))
        tensors[name] = t
    if _STRUCTURE_KEY not in meta:  # a plain safetensors state dict (PyTorch's, say)
        return {name: _place(t, "cpu", map_location) for name, t in tensors.items()}
    try:
        structure = json.loads(meta[_STRUCTURE_KEY])
        return _Decoder(tensors, map_location)(structure)
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError(f"load(): {where} is corrupt: its structure metadata does not match its tensors ({e})") \
            from None


# torch.serialization's allow-list for weights_only loads. Loading here never unpickles, so there is nothing to allow:
# these exist so that programs written for torch run unchanged.
_safe_globals = []


def add_safe_globals(safe_globals):
    _safe_globals.extend(safe_globals)


def get_safe_globals():
    return list(_safe_globals)


def clear_safe_globals():
    _safe_globals.clear()


class safe_globals:  # noqa: N801  (torch's name)
    def __init__(self, safe_globals):
        self._added = list(safe_globals)

    def __enter__(self):
        add_safe_globals(self._added)
        return self

    def __exit__(self, *exc):
        for g in self._added:
            _safe_globals.remove(g)
