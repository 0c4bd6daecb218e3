"""One training step in milliseconds (models.py), tinytorch eager and replayed through a plan beside torch eager,
the three interleaved."""
import tinytorch as tt

from . import models, targets
from .cases import Case
from .machine import torch
from .report import Figure, duration
from .timing import interleaved

SECTION = "train"


def _case(kind):
    names = (f"train {kind} step eager", f"train {kind} step plan (jit.trace)")

    def run(settings):
        stats = interleaved({"eager": models.runner(tt, kind, plan=False),
                             "plan": models.runner(tt, kind, plan=True),
                             "torch": models.runner(torch, kind, plan=False) if torch is not None else None},
                            settings)
        peer = {"torch": duration(1e3, stats["torch"])} if "torch" in stats else {}
        return [Figure(names[0], "ms", {"tinytorch": duration(1e3, stats["eager"]), **peer}, False,
                       target=targets.Target(targets.peer("torch", time=True))),
                Figure(names[1], "ms", {"tinytorch": duration(1e3, stats["plan"]), **peer}, False,
                       target=targets.Target(targets.peer("torch", 0.8, time=True)))]
    return Case(names, run)


def cases(settings):
    return [_case(kind) for kind in models.BATCH]
