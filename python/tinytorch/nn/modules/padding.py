"""Padding layers: torch's names over F.pad (constant, reflect, replicate, circular)."""
from ...ops.conv import tuple_arg
from .. import functional as F
from .module import Module


class _PadNd(Module):
    _mode = "constant"
    _spatial = 1

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = tuple_arg(padding, 2 * self._spatial, type(self).__name__, "padding")
        self.value = value

    def forward(self, x):
        return F.pad(x, self.padding, mode=self._mode, value=self.value if self._mode == "constant" else None)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}" if self._mode == "constant" else f"{self.padding}"


class ConstantPad1d(_PadNd):
    _spatial = 1

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(_PadNd):
    _spatial = 2

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad3d(_PadNd):
    _spatial = 3

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ZeroPad1d(_PadNd):
    _spatial = 1

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(_PadNd):
    _spatial = 2

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(_PadNd):
    _spatial = 3

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    _mode = "reflect"
    _spatial = 1

    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad2d(_PadNd):
    _mode = "reflect"
    _spatial = 2

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad1d(_PadNd):
    _mode = "replicate"
    _spatial = 1

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad2d(_PadNd):
    _mode = "replicate"
    _spatial = 2

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad1d(_PadNd):
    _mode = "circular"
    _spatial = 1

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad2d(_PadNd):
    _mode = "circular"
    _spatial = 2

    def __init__(self, padding):
        super().__init__(padding)
