"""What a section of the suite offers: cases, each producing one or more figures, built lazily so that a filtered
run allocates nothing for what it skips."""
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    names: tuple                 # the figures it produces: the command line's filter matches these
    run: Callable                # run(settings) -> [Figure]
    needs: frozenset = frozenset()   # the machine limits its fractions use: "fma", "bandwidth"
    quick: bool = True           # part of the --quick set

    def selected(self, pattern, quick):
        return (self.quick or not quick) and any(pattern in name for name in self.names)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def per_library(arrays, tt, torch):
    """The same NumPy arrays as tinytorch and torch tensors (torch None when absent)."""
    return ([tt.from_numpy(a) for a in arrays], arrays,
            [torch.from_numpy(a) for a in arrays] if torch is not None else None)
