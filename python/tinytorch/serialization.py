"""tinytorch.save / tinytorch.load: nested state (dicts, lists, tuples, numbers, strings, tensors) in one safetensors
file. Tensors go in the safetensors body; the structure and every non-tensor value go in its metadata as JSON. Never
pickle: loading runs no code. A load validates the whole file before it uses any of it; a save writes a temporary
file, fsyncs it and renames it over the target, so an interrupted save leaves the previous file whole.

The format (an 8-byte little-endian header length, a JSON header, the raw little-endian tensor bytes) is written and
read here: the safetensors package's Python API has changed shape across releases, and the tests check that its
readers (and PyTorch through them) accept our files and that we accept theirs."""
import json
import os
import struct
import tempfile

import numpy as np

from . import _dtype as dt
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
    def __init__(self):
        self.tensors = {}

    def add(self, path, t):
        name = path or "tensor"
        if name in self.tensors:  # keys with dots can collide with nested paths: number the repeat
            name = f"{name}#{len(self.tensors)}"
        self.tensors[name] = t
        return {"__tensor__": name}

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            return self.add(path, obj)
        if hasattr(obj, "__dlpack__") and hasattr(obj, "shape") and not isinstance(obj, np.ndarray) \
                or isinstance(obj, np.ndarray):
            from .ops.creation import as_tensor
            return self.add(path, as_tensor(obj.numpy() if hasattr(obj, "numpy") and not isinstance(
                obj, np.ndarray) else obj))
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(f"save(): dict keys must be strings or numbers, got {type(k).__name__}")
                items.append([k, self.encode(v, f"{path}.{k}" if path else str(k))])
            return {"__dict__": items}
        if isinstance(obj, (list, tuple)):
            enc = [self.encode(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(obj)]
            return {"__tuple__": enc} if isinstance(obj, tuple) else enc
        if isinstance(obj, (bool, int, float, str)) or obj is None:
            return obj
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, dt.dtype):
            return {"__dtype__": obj.name}
        raise TypeError(f"save(): cannot save an object of type {type(obj).__name__} (tinytorch saves tensors, "
                        f"numbers, strings, None, and dicts, lists and tuples of them)")


def _decode(node, tensors):
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if isinstance(node, dict):
        if "__tensor__" in node:
            return tensors[node["__tensor__"]]
        if "__dict__" in node:
            return {k: _decode(v, tensors) for k, v in node["__dict__"]}
        if "__tuple__" in node:
            return tuple(_decode(v, tensors) for v in node["__tuple__"])
        if "__dtype__" in node:
            return dt.to_dtype(node["__dtype__"])
        raise ValueError("load(): unknown structure node in metadata")
    return node


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
        if map_location is not None and not callable(map_location) and not isinstance(map_location, dict):
            t = t.to(map_location)
        tensors[name] = t
    if _STRUCTURE_KEY not in meta:  # a plain safetensors state dict (PyTorch's, say)
        return dict(tensors)
    try:
        structure = json.loads(meta[_STRUCTURE_KEY])
        return _decode(structure, tensors)
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError(f"load(): {where} is corrupt: its structure metadata does not match its tensors ({e})") \
            from None
