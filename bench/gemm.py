"""float32 GEMM in GFLOP/s: square sizes and the products of an MLP step (784-512-..., batch 128), the backward
ones built with transposed views as autograd makes them (nn.Linear keeps its weight as out x in)."""
import tinytorch as tt

from . import targets
from .cases import Case, per_library, randn
from .machine import torch
from .report import Figure, throughput
from .timing import interleaved

SECTION = "gemm"

# (name, shape of x, shape of y, the product, M, N, K)
MLP = [
    ("x @ W1.T  128x784 @ 784x512 (fwd)", (128, 784), (512, 784), lambda x, w: x @ w.T, 128, 512, 784),
    ("h @ W3.T  128x512 @ 512x10 (fwd)", (128, 512), (10, 512), lambda h, w: h @ w.T, 128, 10, 512),
    ("g.T @ x  512x128 @ 128x784 (weight grad)", (128, 512), (128, 784), lambda g, x: g.T @ x, 512, 784, 128),
    ("g @ W1  128x512 @ 512x784 (input grad)", (128, 512), (512, 784), lambda g, w: g @ w, 128, 784, 512),
]


def _figure(name, shape_x, shape_y, product, flops, target):
    def run(settings):
        (xt, yt), (xn, yn), th = per_library([randn(*shape_x, seed=1), randn(*shape_y, seed=2)], tt, torch)
        stats = interleaved({"tinytorch": lambda: product(xt, yt), "numpy": lambda: product(xn, yn),
                             "torch": (lambda: product(*th)) if th else None}, settings)
        return [Figure(name, "GFLOP/s", {k: throughput(flops / 1e9, s) for k, s in stats.items()}, True,
                       limit="fma", target=target)]
    return run


def cases(settings):
    out = []
    for n in (256, 512, 1024, 2048):
        conditions = [targets.best_peer()] if n >= 512 else []
        if n == 2048:
            conditions.append(targets.of_limit(0.8))
        name = f"gemm {n}x{n} @ {n}x{n}"
        out.append(Case((name,), _figure(name, (n, n), (n, n), lambda x, y: x @ y, 2 * n ** 3,
                                         targets.Target(*conditions) if conditions else None),
                        frozenset({"fma"}), quick=n in (512, 2048)))
    for label, shape_x, shape_y, product, m, n, k in MLP:
        name = f"gemm mlp {label}"
        out.append(Case((name,), _figure(name, shape_x, shape_y, product, 2 * m * n * k,
                                         targets.Target(targets.best_peer())),
                        frozenset({"fma"}), quick=True))
    return out
