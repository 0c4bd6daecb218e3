"""CUDA kernels beside PyTorch's on the same GPU, median of repeated runs: elementwise ops, reductions and softmax
over 16M float32 in GB/s (bytes read and written), GEMM in GFLOP/s; each result is also compared with torch's.
Run by `.ci/gpu-check` on a machine with an NVIDIA GPU; not part of the CPU suite."""
import statistics
import time

import numpy as np

import tinytorch as tt

N = 1 << 24
REPEATS, CALLS = 15, 20


def _seconds(fn, sync):
    fn()
    sync()
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(CALLS):
            fn()
        sync()
        runs.append((time.perf_counter() - t0) / CALLS)
    return statistics.median(runs)


def main():
    if not tt.cuda.is_available():
        print("bench/gpu.py: no CUDA device")
        return
    import torch
    rng = np.random.default_rng(0)
    host = rng.standard_normal((2, N)).astype(np.float32)
    a, b = tt.tensor(host[0]).cuda(), tt.tensor(host[1]).cuda()
    pa, pb = torch.from_numpy(host[0]).cuda(), torch.from_numpy(host[1]).cuda()
    k = 4096
    mats = rng.standard_normal((2, k, k)).astype(np.float32)
    ma, mb = tt.tensor(mats[0]).cuda(), tt.tensor(mats[1]).cuda()
    pma, pmb = torch.from_numpy(mats[0]).cuda(), torch.from_numpy(mats[1]).cuda()
    rows = (4096, N // 4096)
    GB = 4 * N / 1e9
    # name, fn(m, x, y), (tinytorch operands, torch operands), work per call, unit
    cases = [
        ("add", lambda m, x, y: x + y, (a, b), (pa, pb), 3 * GB, "GB/s"),
        ("mul", lambda m, x, y: x * y, (a, b), (pa, pb), 3 * GB, "GB/s"),
        ("exp", lambda m, x, y: m.exp(x), (a, b), (pa, pb), 2 * GB, "GB/s"),
        ("relu", lambda m, x, y: m.relu(x), (a, b), (pa, pb), 2 * GB, "GB/s"),
        ("transpose copy", lambda m, x, y: x.view(4096, 4096).t().contiguous(), (a, b), (pa, pb), 2 * GB, "GB/s"),
        ("sum", lambda m, x, y: x.sum(), (a, b), (pa, pb), GB, "GB/s"),
        ("sum rows", lambda m, x, y: x.view(*rows).sum(1), (a, b), (pa, pb), GB, "GB/s"),
        ("softmax rows", lambda m, x, y: m.softmax(x.view(*rows), 1), (a, b), (pa, pb), 2 * GB, "GB/s"),
        ("sgemm 4096^3", lambda m, x, y: x @ y, (ma, mb), (pma, pmb), 2 * k ** 3 / 1e9, "GFLOP/s"),
    ]
    print(f"{'op (float32)':<18}{'tinytorch':>12}{'torch':>12}{'unit':>9}{'tt/torch':>10}")
    for name, fn, ours_in, theirs_in, work, unit in cases:
        try:
            got = fn(tt, *ours_in).cpu().numpy()
        except RuntimeError as e:  # an op the CUDA backend has no kernel for yet
            print(f"{name:<18}{'-':>12}{'':>12}{unit:>9}{'':>10}  {str(e)[:60]}")
            continue
        want = fn(torch, *theirs_in).cpu().numpy()
        scale = max(1.0, float(np.abs(want).max()))
        ok = np.allclose(got, want, rtol=1e-4, atol=1e-5 * scale)
        ours = work / _seconds(lambda: fn(tt, *ours_in), tt.cuda.synchronize)
        theirs = work / _seconds(lambda: fn(torch, *theirs_in), torch.cuda.synchronize)
        print(f"{name:<18}{ours:>12.0f}{theirs:>12.0f}{unit:>9}{ours / theirs:>10.2f}" + ("" if ok else "  MISMATCH"))
    print(f"cuda memory: allocated {tt.cuda.memory_allocated() / 2**20:.0f} MiB, reserved "
          f"{tt.cuda.memory_reserved() / 2**20:.0f} MiB, peak allocated {tt.cuda.max_memory_allocated() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
