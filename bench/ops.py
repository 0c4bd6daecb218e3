"""Other ops, in microseconds per call (full runs only): the rows of the earlier flat benchmark that the sections
above do not cover, kept so that their speed stays visible. No targets."""
import numpy as np

import tinytorch as tt
import tinytorch.nn.functional as ttF

from .cases import Case, per_library, randn
from .machine import torch
from .report import Figure, duration
from .timing import interleaved

SECTION = "ops"
BIG, MAT = (4_000_000,), (4096, 1024)
_PERM = np.random.default_rng(1).permutation(4096)


def _softmax_np(a):
    e = np.exp(a - a.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# name, input shapes, tinytorch/torch (same method API), numpy or None
TENSOR_OPS = [
    ("mul scalar 4M", [BIG], lambda a: a * 2.0, lambda a: a * 2.0),
    ("tanh 4M", [BIG], lambda a: a.tanh(), np.tanh),
    ("sigmoid 4M", [BIG], lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    ("relu 4M", [BIG], lambda a: a.relu(), lambda a: np.maximum(a, 0)),
    ("sum(0) 4096x1024", [MAT], lambda a: a.sum(0), lambda a: a.sum(0)),
    ("sum(1) 4096x1024", [MAT], lambda a: a.sum(1), lambda a: a.sum(1)),
    ("softmax(1) 4096x1024 (NumPy composed)", [MAT], lambda a: a.softmax(1), _softmax_np),
    ("argmax(1) 4096x1024", [MAT], lambda a: a.argmax(1), lambda a: a.argmax(1)),
    ("transpose copy 4096x1024", [MAT], lambda a: a.T.contiguous(), lambda a: np.ascontiguousarray(a.T)),
    ("matmul 64x64", [(64, 64), (64, 64)], lambda a, b: a @ b, lambda a, b: a @ b),
    ("x @ w.T 8192x784 @ 784x128", [(8192, 784), (128, 784)], lambda x, w: x @ w.T, lambda x, w: x @ w.T),
]

# name, input shapes, the call given the functional module, whether backward runs too (NumPy has none of these)
LAYER_OPS = [
    ("max_pool2d 3x3/2 32x64x112x112", [(32, 64, 112, 112)], lambda F, x: F.max_pool2d(x, 3, 2, 1), False),
    ("layer_norm 4096x1024 fwd+bwd", [MAT], lambda F, x: F.layer_norm(x, (1024,)), True),
    ("batch_norm train 32x64x56x56", [(32, 64, 56, 56)], lambda F, x: F.batch_norm(x, None, None, training=True),
     False),
    ("sdpa 8x8x512x64", [(8, 8, 512, 64)] * 3, lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v), False),
    ("sdpa causal 8x8x512x64 fwd+bwd", [(8, 8, 512, 64)] * 3,
     lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), True),
]


def _figure(name, stats):
    return Figure(name, "us", {k: duration(1e6, s) for k, s in stats.items()}, False)


def _tensor_case(name, shapes, f, f_np):
    name = f"{SECTION} {name}"
    def run(settings):
        t, n, th = per_library([randn(*s, seed=i) for i, s in enumerate(shapes)], tt, torch)
        return [_figure(name, interleaved({"tinytorch": lambda: f(*t), "numpy": lambda: f_np(*n),
                                           "torch": (lambda: f(*th)) if th else None}, settings))]
    return Case((name,), run, quick=False)


def _layer_call(lib, F, arrays, call, backward):
    ts = [lib.tensor(a, requires_grad=backward) for a in arrays]

    def run():
        out = call(F, *ts)
        if backward:
            out.sum().backward()
    return run


def _layer_case(name, shapes, call, backward):
    name = f"{SECTION} {name}"
    def run(settings):
        arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
        fns = {"tinytorch": _layer_call(tt, ttF, arrays, call, backward)}
        if torch is not None:
            fns["torch"] = _layer_call(torch, torch.nn.functional, arrays, call, backward)
        return [_figure(name, interleaved(fns, settings))]
    return Case((name,), run, quick=False)


def _index_case():
    name = f"{SECTION} index rows 4096x1024[perm]"

    def run(settings):
        (a,), (n,), th = per_library([randn(*MAT)], tt, torch)
        p_tt = tt.from_numpy(_PERM)
        p_th = torch.from_numpy(_PERM) if th else None
        return [_figure(name, interleaved({"tinytorch": lambda: a[p_tt], "numpy": lambda: n[_PERM],
                                           "torch": (lambda: th[0][p_th]) if th else None}, settings))]
    return Case((name,), run, quick=False)


def cases(settings):
    return ([_tensor_case(*op) for op in TENSOR_OPS] + [_layer_case(*op) for op in LAYER_OPS] + [_index_case()])
