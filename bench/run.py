"""Benchmarks: each figure for tinytorch beside NumPy's and PyTorch's, measured in the same run, as ratios.

    python bench/run.py            # all rows
    python bench/run.py matmul     # rows whose name contains 'matmul'

Times are medians of repeated runs (the machines are shared and noisy). ratio = other / tinytorch, so a ratio above
1 means tinytorch is faster."""
import statistics
import sys
import time

import numpy as np

import tinytorch as tt
import tinytorch.nn.functional as ttF

try:
    import torch
except ImportError:  # PyTorch is a test extra; its columns stay empty without it
    torch = None


def median_time(fn, repeat=15, min_time=0.02):
    fn()
    n = 1
    while True:  # enough calls per sample to be measurable
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > min_time or n >= 1 << 16:
            break
        n *= 2
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def rows():
    rng = np.random.default_rng(0)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    big = arr(4_000_000)
    mat = arr(4096, 1024)
    sq = {n: (arr(n, n), arr(n, n)) for n in (64, 256, 1024)}
    small = arr(32, 64), arr(64, 64)

    def case(name, a_np, fn_tt, fn_np, fn_torch):
        a_tt = [tt.from_numpy(a) for a in a_np]
        a_th = [torch.from_numpy(a) for a in a_np] if torch else None
        return (name, (lambda: fn_tt(*a_tt)), (lambda: fn_np(*a_np)) if fn_np else None,
                (lambda: fn_torch(*a_th)) if torch else None)

    def layer(name, shapes, fn, backward=False):
        """A layer op of tinytorch.nn.functional or torch.nn.functional (NumPy has none): forward, or forward and
        backward of the sum of its output."""
        a_np = [arr(*s) for s in shapes]

        def run(module, F, arrays):
            ts = [module.tensor(a, requires_grad=backward) if module is tt else
                  torch.tensor(a, requires_grad=backward) for a in arrays]

            def call():
                out = fn(F, *ts)
                if backward:
                    out.sum().backward()
            return call
        return (name, run(tt, ttF, a_np), None,
                run(torch, torch.nn.functional, a_np) if torch else None)

    yield case("add 4M f32", [big, big], lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b)
    yield case("mul scalar 4M f32", [big], lambda a: a * 2.0, lambda a: a * 2.0, lambda a: a * 2.0)
    yield case("exp 4M f32", [big], lambda a: a.exp(), np.exp, lambda a: a.exp())
    yield case("tanh 4M f32", [big], lambda a: a.tanh(), np.tanh, lambda a: a.tanh())
    yield case("sigmoid 4M f32", [big], lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)),
               lambda a: a.sigmoid())
    yield case("relu 4M f32", [big], lambda a: a.relu(), lambda a: np.maximum(a, 0), lambda a: a.relu())
    yield case("sum 4M f32", [big], lambda a: a.sum(), np.sum, lambda a: a.sum())
    yield case("sum(0) 4096x1024", [mat], lambda a: a.sum(0), lambda a: a.sum(0), lambda a: a.sum(0))
    yield case("sum(1) 4096x1024", [mat], lambda a: a.sum(1), lambda a: a.sum(1), lambda a: a.sum(1))
    yield case("softmax(1) 4096x1024", [mat], lambda a: a.softmax(1),
               lambda a: (lambda e: e / e.sum(1, keepdims=True))(np.exp(a - a.max(1, keepdims=True))),
               lambda a: a.softmax(1))
    yield case("argmax(1) 4096x1024", [mat], lambda a: a.argmax(1), lambda a: a.argmax(1), lambda a: a.argmax(1))
    yield case("transpose copy 4096x1024", [mat], lambda a: a.T.contiguous(), lambda a: np.ascontiguousarray(a.T),
               lambda a: a.T.contiguous())
    for n, (a, b) in sq.items():
        yield case(f"matmul {n}x{n}", [a, b], lambda x, y: x @ y, lambda x, y: x @ y, lambda x, y: x @ y)
    yield case("matmul 32x64 @ 64x64 (MLP step)", list(small), lambda x, y: x @ y, lambda x, y: x @ y,
               lambda x, y: x @ y)
    yield case("x @ w.T 8192x784 @ 784x128", [arr(8192, 784), arr(128, 784)], lambda x, w: x @ w.T,
               lambda x, w: x @ w.T, lambda x, w: x @ w.T)
    conv = [(8, 64, 56, 56), (64, 64, 3, 3)]
    yield layer("conv2d 3x3 8x64x56x56", conv, lambda F, x, w: F.conv2d(x, w, padding=1))
    yield layer("conv2d 3x3 8x64x56x56 fwd+bwd", conv, lambda F, x, w: F.conv2d(x, w, padding=1), backward=True)
    yield layer("conv2d 7x7/2 32x3x112x112 (stem)", [(32, 3, 112, 112), (64, 3, 7, 7)],
                lambda F, x, w: F.conv2d(x, w, stride=2, padding=3))
    yield layer("max_pool2d 3x3/2 32x64x112x112", [(32, 64, 112, 112)], lambda F, x: F.max_pool2d(x, 3, 2, 1))
    yield layer("layer_norm 4096x1024", [(4096, 1024)], lambda F, x: F.layer_norm(x, (1024,)))
    yield layer("layer_norm 4096x1024 fwd+bwd", [(4096, 1024)], lambda F, x: F.layer_norm(x, (1024,)), True)
    yield layer("batch_norm train 32x64x56x56", [(32, 64, 56, 56)],
                lambda F, x: F.batch_norm(x, None, None, training=True))
    sdpa = [(8, 8, 512, 64)] * 3
    yield layer("sdpa 8x8x512x64", sdpa, lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v))
    yield layer("sdpa causal 8x8x512x64 fwd+bwd", sdpa,
                lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), True)
    yield case("index rows 4096x1024[perm]", [mat], lambda a: a[_perm_tt], lambda a: a[_perm_np],
               lambda a: a[_perm_th])


_perm_np = np.random.default_rng(1).permutation(4096)
_perm_tt = tt.from_numpy(_perm_np)
_perm_th = torch.from_numpy(_perm_np) if torch else None


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    if torch:
        torch.set_num_threads(tt.get_num_threads())
    print(f"tinytorch {tt.config()['cpu_isa']}, {tt.get_num_threads()} threads; NumPy {np.__version__}; "
          f"PyTorch {torch.__version__ if torch else 'absent'}; medians, microseconds")
    print(f"{'case':34} {'tinytorch':>10} {'numpy':>10} {'torch':>10} {'np/tt':>7} {'torch/tt':>8}")
    for name, f_tt, f_np, f_th in rows():
        if pattern not in name:
            continue
        t_tt = median_time(f_tt)
        t_np = median_time(f_np) if f_np else float("nan")
        t_th = median_time(f_th) if f_th else float("nan")
        print(f"{name:34} {t_tt * 1e6:10.1f} {t_np * 1e6:10.1f} {t_th * 1e6:10.1f} {t_np / t_tt:7.2f} "
              f"{t_th / t_tt:8.2f}")


if __name__ == "__main__":
    main()
