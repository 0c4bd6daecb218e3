"""Recording one call of a function: every kernel call it makes (tinytorch._core.run), with buffers numbered.

A recording swaps in wrappers for the three doors through which work leaves Python: `_core.run` (kernels),
`_core.new_buffer` (allocations) and the tensor methods that read values back into Python (`item`, `tolist`,
`numpy`...). Nothing else changes, so the traced function runs exactly as it does eagerly."""
import traceback
import weakref

from .. import _core
from ..tensor import Tensor

_READERS = ("item", "tolist", "numpy", "__array__", "__bool__", "__float__", "__int__", "__index__")
_active = None


class Recording:
    """The calls, buffers and host reads of one traced call."""

    def __init__(self, inputs):
        # buffers the call found are held; those it allocates are watched through weak references, so that
        # recording frees memory as eagerly as the call itself does
        self.refs = []           # a buffer, or a weakref.ref to one allocated during the call
        self.nbytes = []
        self._index = {}         # id(buffer) -> position, while the buffer lives
        self.created = set()     # positions of the buffers allocated during the call
        self.calls = []          # (op, n_in, views, attrs); a view is (buffer, offset, dtype, shape, strides)
        self.reads = []          # where the function read a tensor's value into Python
        self.inputs = [self.view(t) for t in inputs]

    def buffer(self, buf, created=False):
        i = self._index.get(id(buf))
        if i is None:
            i = self._index[id(buf)] = len(self.refs)
            self.nbytes.append(buf.nbytes)
            if created:
                self.created.add(i)
                key = id(buf)
                self.refs.append(weakref.ref(buf, lambda _, key=key: self._index.pop(key, None)))
            else:
                self.refs.append(buf)
        return i

    def view(self, t):
        return (self.buffer(t._buf), t._offset, t._dtype.code, t._shape, t._strides)

    def buffers(self):
        """Every buffer, None for those allocated during the call and dead since."""
        return [r() if i in self.created else r for i, r in enumerate(self.refs)]


def _record_run(op, inputs, outputs, attrs=_core.NO_ATTRS, name=None):
    _run(op, inputs, outputs, attrs, name)
    rec = _active
    rec.calls.append((op, len(inputs), tuple(rec.view(t) for t in inputs) + tuple(rec.view(t) for t in outputs),
                      attrs))


def _record_new_buffer(nbytes, device):
    buf = _new_buffer(nbytes, device)
    _active.buffer(buf, created=True)
    return buf


def _caller():
    """The first frame outside tinytorch: where the user's code made the read."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/tinytorch/" not in frame.filename.replace("\\", "/"):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "inside tinytorch"


def _reader(method):
    original = getattr(Tensor, method)

    def read(self, *args, **kwargs):
        where = _caller()
        if where not in _active.reads:
            _active.reads.append(where)
        return original(self, *args, **kwargs)
    return original, read


_run, _new_buffer = _core.run, _core.new_buffer
_wrapped = {m: _reader(m) for m in _READERS}


def record(fn, inputs):
    """Calls fn(*inputs) with recording on; returns (outputs, Recording). Not reentrant, not thread-safe."""
    global _active
    if _active is not None:
        raise RuntimeError("tinytorch.jit.trace(): cannot trace inside another trace")
    rec = _active = Recording(inputs)
    _core.run, _core.new_buffer, _core.tracing = _record_run, _record_new_buffer, True
    for m, (_, read) in _wrapped.items():
        setattr(Tensor, m, read)
    try:
        outputs = fn(*inputs)
    finally:
        _active = None
        _core.run, _core.new_buffer, _core.tracing = _run, _new_buffer, False
        for m, (original, _) in _wrapped.items():
            setattr(Tensor, m, original)
    return outputs, rec
