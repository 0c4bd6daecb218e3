"""Devices: tinytorch.device("cpu"), device("cuda:0"); TINYTORCH_DEVICE sets the default."""
import os

from . import _C

_TYPES = {"cpu": 0, "cuda": 1, "mps": 2, "metal": 2}
_NAMES = {0: "cpu", 1: "cuda", 2: "mps"}


class device:
    __slots__ = ("type", "index", "_code")

    def __init__(self, type, index=None):  # noqa: A002  (torch's signature)
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {type!r}")
        text = type.strip().lower()
        if ":" in text:
            text, _, idx = text.partition(":")
            if index is not None or not idx.isdigit():
                raise ValueError(f"device(): invalid device string {type!r}")
            index = int(idx)
        if text not in _TYPES:
            raise ValueError(f"device(): unknown device type {text!r} (expected cpu, cuda or mps)")
        self.type = "mps" if text == "metal" else text
        self.index = index
        self._code = _TYPES[text]

    @property
    def code(self):
        return self._code

    @property
    def ordinal(self):
        return self.index or 0

    # As torch: device("cuda") and device("cuda:0") differ, and a device never equals a string; tensors' devices
    # come from to_device, which always gives the explicit form, so comparing them is exact.
    def __eq__(self, other):
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)

    # `with tinytorch.device("cuda"):` makes it the default device for the block, as in torch.
    def __enter__(self):
        previous = default_device()
        set_default_device(self)
        _entered.append(previous)
        return self

    def __exit__(self, *exc):
        set_default_device(_entered.pop())

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def to_device(d):
    """A checked device: asking for one this build or machine lacks raises a clear error."""
    if d is None:
        return default_device()
    if d is CPU:
        return d
    d = d if isinstance(d, device) else device(d)
    if d.type == "cpu":
        return CPU
    if not _C.backend_built(d.code):
        raise RuntimeError(f"device {d}: this build of tinytorch has no {d.type} backend")
    count = _C.device_count(d.code)
    if d.ordinal >= count:
        raise RuntimeError(f"device {d}: not available ({count} {d.type} device(s) found)")
    return device(d.type, d.ordinal)


_default = [None]
_entered = []  # the defaults that `with device(...)` blocks replaced, innermost last


def default_device():
    if _default[0] is None:
        _default[0] = to_device(os.environ.get("TINYTORCH_DEVICE") or "cpu")
    return _default[0]


def set_default_device(d):
    _default[0] = to_device(d)
