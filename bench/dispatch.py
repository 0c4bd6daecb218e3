"""Per-op dispatch cost: x + y on 4-element tensors, in microseconds: what each library spends around a kernel."""
import tinytorch as tt

from . import targets
from .cases import Case, per_library, randn
from .machine import torch
from .report import Figure, duration
from .timing import interleaved

SECTION = "dispatch"
NAME = "dispatch x + y, 4 elements"


def run(settings):
    (xt, yt), (xn, yn), th = per_library([randn(4, seed=1), randn(4, seed=2)], tt, torch)
    stats = interleaved({"tinytorch": lambda: xt + yt, "numpy": lambda: xn + yn,
                         "torch": (lambda: th[0] + th[1]) if th else None}, settings)
    return [Figure(NAME, "us", {k: duration(1e6, s) for k, s in stats.items()}, False,
                   target=targets.Target(targets.peer("torch", 1.5, time=True)))]


def cases(settings):
    return [Case((NAME,), run)]
