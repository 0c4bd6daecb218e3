"""The op table: one row per op form (optable._base.Row), driving every generic op test in test_ops.py (forward
against torch and NumPy, backward against torch.autograd.grad, float64 gradcheck, second derivatives,
non-contiguous and empty inputs, error inputs, and the device-vs-CPU mode). The rows live by family in the
modules beside this one; adding an op's test is adding a row there."""
from ._base import *  # noqa: F401,F403
from ._base import OPS
from . import elementwise, reduce, linalg, index, shape, layers, nn  # noqa: F401,E402  (each adds its rows)

BY_ID = {}
for _row in OPS:
    _row.id = _row.name
    _i = 2
    while _row.id in BY_ID:
        _row.id = f"{_row.name}#{_i}"
        _i += 1
    BY_ID[_row.id] = _row
