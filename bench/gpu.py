"""CUDA kernels beside PyTorch's on the same GPU: elementwise ops over 16M float32 in GB/s (bytes read and written),
median of repeated runs. Run by `.ci/gpu-check` on a machine with an NVIDIA GPU; not part of the CPU suite."""
import statistics
import time

import numpy as np

import tinytorch as tt

N = 1 << 24
REPEATS, CALLS = 15, 20


def _gbps(fn, sync, nbytes):
    fn()
    sync()
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(CALLS):
            fn()
        sync()
        runs.append((time.perf_counter() - t0) / CALLS)
    return nbytes / statistics.median(runs) / 1e9


def main():
    if not tt.cuda.is_available():
        print("bench/gpu.py: no CUDA device")
        return
    import torch
    host = np.random.default_rng(0).standard_normal((2, N)).astype(np.float32)
    a, b = tt.tensor(host[0]).cuda(), tt.tensor(host[1]).cuda()
    pa, pb = torch.from_numpy(host[0]).cuda(), torch.from_numpy(host[1]).cuda()
    t_sync = lambda: a[:1].cpu()  # a copy to the host waits for every queued kernel
    p_sync = torch.cuda.synchronize
    cases = [("add", lambda m, x, y: x + y, 3), ("mul", lambda m, x, y: x * y, 3),
             ("exp", lambda m, x, y: m.exp(x), 2), ("relu", lambda m, x, y: m.relu(x), 2),
             ("transpose copy", lambda m, x, y: x.view(4096, 4096).t().contiguous(), 2)]
    print(f"{'op (16M float32)':<18}{'tinytorch GB/s':>16}{'torch GB/s':>12}{'tt/torch':>10}")
    for name, fn, passes in cases:
        got, want = fn(tt, a, b).cpu().numpy(), fn(torch, pa, pb).cpu().numpy()
        ok = np.allclose(got, want, rtol=1e-5, atol=1e-6)
        ours = _gbps(lambda: fn(tt, a, b), t_sync, passes * 4 * N)
        theirs = _gbps(lambda: fn(torch, pa, pb), p_sync, passes * 4 * N)
        print(f"{name:<18}{ours:>16.0f}{theirs:>12.0f}{ours / theirs:>10.2f}" + ("" if ok else "  MISMATCH"))


if __name__ == "__main__":
    main()
