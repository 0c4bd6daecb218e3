"""Writing a Spec as a plan file (docs/plan-format.md). The C loader reads it; nothing in Python reads it back."""
import json
import struct

from ._build import CONSTANT, INPUT

MAGIC = b"TTPLAN\0\0"
VERSION = 1
MAX_DIMS = 8
_HEADER = struct.Struct("<8sIIIIIIqQQQ")
_BUFFER = struct.Struct("<IIqqQQQ")
_VIEW_HEAD = struct.Struct("<IiiI")
_CALL_HEAD = struct.Struct("<iIIIII")
_ADVANCE = struct.Struct("<IIq")
_KIND = {CONSTANT: 0, INPUT: 1, "work": 2}
_EXTERNAL = 1
_SAFETENSORS_DTYPE = {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16", "int32": "I32",
                      "int64": "I64", "uint8": "U8", "bool": "BOOL"}


def _view(view):
    b, dtype, offset, shape, strides = view
    pad = [(0, 0)] * (MAX_DIMS - len(shape))
    dims = [offset] + list(shape) + pad + list(strides) + pad
    return _VIEW_HEAD.pack(b, dtype, len(shape), 0) + b"".join(struct.pack("<qq", *d) for d in dims)


def _io(name, view):
    raw = name.encode()[:63]
    return raw + bytes(64 - len(raw)) + _view(view)


def _constants_block(blobs):
    """A safetensors image of the constants that carry data: (block bytes, {buffer: (offset, size)})."""
    header, ranges, data, offset = {"__metadata__": {"format": "tinytorch-plan"}}, {}, [], 0
    for index, (name, dtype, shape, raw) in blobs.items():
        st = _SAFETENSORS_DTYPE.get(dtype.name) if dtype is not None else None
        if st is None or dtype.itemsize * _numel(shape) != len(raw):
            st, shape = "U8", [len(raw)]
        header[name] = {"dtype": st, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        ranges[index] = (offset, len(raw))
        data.append(raw)
        offset += len(raw)
    if not blobs:
        return b"", ranges
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the data area starts 8-aligned, as safetensors writers keep it
    return struct.pack("<Q", len(head)) + head + b"".join(data), ranges


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def serialize(spec, blobs=None):
    """The plan file's bytes. blobs: buffer -> (name, dtype or None, shape, bytes) for constants that carry their data;
    the other constants are written external (bound later by tt_plan_bind)."""
    blobs = blobs or {}
    consts, ranges = _constants_block(blobs)
    body = []
    for i, b in enumerate(spec.buffers):
        offset, size = ranges.get(i, (0, 0))
        flags = _EXTERNAL if b.kind == CONSTANT and i not in ranges else 0
        body.append(_BUFFER.pack(_KIND[b.kind], flags, *b.nbytes, offset, size, 0))
    body += [_io(name, view) for name, view in spec.inputs]
    body += [_io(name, view) for name, view in spec.outputs]
    for op, n_in, views, attrs, advances in spec.calls:
        body.append(_CALL_HEAD.pack(op, n_in, len(views) - n_in, len(attrs), len(advances), 0))
        body += [_view(v) for v in views]
        body.append(attrs + bytes(-len(attrs) % 8))
        body += [_ADVANCE.pack(offset, 0, per_run) for offset, per_run in advances]
    body = b"".join(body)
    header = _HEADER.pack(MAGIC, VERSION, len(spec.buffers), len(spec.inputs), len(spec.outputs), len(spec.calls),
                          0, spec.max_batch, len(body), len(consts), 0)
    return header + body + consts



def read_outputs(data):
    """(dtype code, shape as (base, per_batch) pairs) of each output of plan bytes the C loader has accepted."""
    _, _, n_buffers, n_inputs, n_outputs = _HEADER.unpack_from(data, 0)[:5]
    pos = _HEADER.size + n_buffers * _BUFFER.size + n_inputs * _IO_SIZE
    outputs = []
    for _ in range(n_outputs):
        _, dtype, ndim, _ = _VIEW_HEAD.unpack_from(data, pos + 64)
        dims = struct.unpack_from(f"<{2 * ndim}q", data, pos + 64 + _VIEW_HEAD.size + 16)
        outputs.append((dtype, tuple(zip(dims[::2], dims[1::2]))))
        pos += _IO_SIZE
    return outputs


_IO_SIZE = 64 + _VIEW_HEAD.size + 16 * (1 + 2 * MAX_DIMS)
