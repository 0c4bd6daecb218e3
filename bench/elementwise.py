"""Memory-bound ops in GB/s (bytes read + written once each): elementwise add, mul-add, exp, gelu and a sum over
16M float32, softmax and layer_norm over (4096, 1024). NumPy writes into a preallocated result (out=); tinytorch and
torch allocate theirs, as user code does. mul-add is each library's c + a * b: tt.addcmul and torch.addcmul, and
NumPy's two passes (it has no fused form)."""
import numpy as np

import tinytorch as tt
import tinytorch.nn.functional as ttF

from . import targets
from .cases import Case, per_library, randn
from .machine import torch
from .report import Figure, throughput
from .timing import interleaved

SECTION = "elementwise"
N = 16 * 1024 * 1024
ROWS = (4096, 1024)


def _muladd_np(a, b, c, out):
    np.multiply(a, b, out=out)
    np.add(out, c, out=out)


# name, shape, arrays in, bytes per element, tinytorch, numpy (with out as last argument) or None, torch, target
OPS = [
    ("add a + b", (N,), 2, 12, lambda a, b: a + b, lambda a, b, o: np.add(a, b, out=o), lambda a, b: a + b,
     targets.Target(targets.peer("numpy"), targets.of_limit(0.85))),
    ("mul-add c + a * b (addcmul)", (N,), 3, 16, lambda a, b, c: tt.addcmul(c, a, b), _muladd_np,
     lambda a, b, c: torch.addcmul(c, a, b), targets.Target(targets.peer("numpy"), targets.of_limit(0.85))),
    ("exp", (N,), 1, 8, lambda a: a.exp(), lambda a, o: np.exp(a, out=o), lambda a: a.exp(),
     targets.Target(targets.peer("numpy"), targets.peer("torch", 1.5))),
    ("gelu (erf)", (N,), 1, 8, ttF.gelu, None, lambda a: torch.nn.functional.gelu(a),
     targets.Target(targets.peer("torch", 1.5))),
    ("sum", (N,), 1, 4, lambda a: a.sum(), lambda a, o: a.sum(), lambda a: a.sum(),
     targets.Target(targets.peer("numpy"))),
    ("softmax dim 1 (4096, 1024)", ROWS, 1, 8, lambda x: ttF.softmax(x, 1), None,
     lambda x: torch.nn.functional.softmax(x, 1), None),
    ("layer_norm (1024,) (4096, 1024)", ROWS, 1, 8, lambda x: ttF.layer_norm(x, (1024,)), None,
     lambda x: torch.nn.functional.layer_norm(x, (1024,)), None),
]


def _figure(name, shape, n_in, bytes_per, f_tt, f_np, f_th, target):
    def run(settings):
        (tt_in, np_in, th_in) = per_library([randn(*shape, seed=i) for i in range(n_in)], tt, torch)
        out = np.empty(shape, np.float32)
        stats = interleaved({"tinytorch": lambda: f_tt(*tt_in),
                             "numpy": (lambda: f_np(*np_in, out)) if f_np else None,
                             "torch": (lambda: f_th(*th_in)) if th_in else None}, settings)
        gb = bytes_per * int(np.prod(shape)) / 1e9
        return [Figure(name, "GB/s", {k: throughput(gb, s) for k, s in stats.items()}, True,
                       limit="bandwidth", target=target)]
    return run


def cases(settings):
    return [Case((f"{SECTION} {name}",), _figure(f"{SECTION} {name}", *rest), frozenset({"bandwidth"}))
            for name, *rest in OPS]
