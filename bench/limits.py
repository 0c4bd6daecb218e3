"""The limits of this machine, measured here: FMA peak GFLOP/s (bench/peak.c, one core and all cores) and memory
bandwidth (a large copy). GEMM figures are shown as a fraction of the first, elementwise ones of the second."""
import ctypes
import os
import shutil
import subprocess
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def compiler():
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def load_peak_kernel():
    """bench/peak.c built with the system C compiler and loaded, or (None, why) where that fails."""
    cc = compiler()
    if cc is None:
        return None, "no C compiler found (set CC)"
    work = tempfile.mkdtemp(prefix="tt_bench_peak_")
    lib_path = os.path.join(work, "libpeak.so")
    build = subprocess.run([cc, "-O2", "-shared", "-fPIC", os.path.join(HERE, "peak.c"), "-o", lib_path],
                           capture_output=True, text=True)
    if build.returncode:
        shutil.rmtree(work, ignore_errors=True)
        return None, f"{os.path.basename(cc)} failed on bench/peak.c: {build.stderr.strip()[:200]}"
    lib = ctypes.CDLL(lib_path)
    shutil.rmtree(work, ignore_errors=True)  # the loaded library stays mapped
    lib.tt_peak_run.restype, lib.tt_peak_run.argtypes = None, [ctypes.c_longlong]
    lib.tt_peak_isa.restype = ctypes.c_char_p
    return lib, None


def _parallel(fn, threads):
    """Seconds for fn() to finish on every one of `threads` Python threads started together (ctypes and NumPy's
    copy release the GIL, so the threads run on separate cores)."""
    start = threading.Barrier(threads + 1)

    def worker():
        start.wait()
        fn()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - t0


def fma_peak(lib, threads, seconds, repeat):
    """Best GFLOP/s of `repeat` runs of the kernel on `threads` threads, each run lasting about `seconds`."""
    rounds = 1 << 16
    while True:  # the length of one run, found on one thread
        t0 = time.perf_counter()
        lib.tt_peak_run(rounds)
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds / 4:
            break
        rounds *= 4
    rounds = int(rounds * seconds / elapsed)
    flops = threads * rounds * lib.tt_peak_flops_per_round()
    best = max(flops / _parallel(lambda: lib.tt_peak_run(rounds), threads) for _ in range(repeat))
    return best / 1e9


def copy_bandwidth(threads, repeat, mib=256):
    """Best GB/s (bytes read + written) of a `mib` MiB float32 copy split over `threads` threads."""
    src = np.ones(mib << 18, np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # first touch of dst's pages, not timed
    parts = np.array_split(np.arange(src.size), threads)
    bounds = [(p[0], p[-1] + 1) for p in parts]
    lock = threading.Lock()
    pending = list(bounds)

    def copy_one():
        with lock:
            lo, hi = pending.pop()
        np.copyto(dst[lo:hi], src[lo:hi])
    best = 0.0
    for _ in range(repeat):
        pending[:] = bounds
        best = max(best, 2 * src.nbytes / _parallel(copy_one, threads) / 1e9)
    return best


def measure(cores, quick, need):
    """{limit name: value} and the header lines describing them; `need` says which limits to measure."""
    limits, lines = {}, []
    repeat = 3 if quick else 5
    if "fma" in need:
        lib, why = load_peak_kernel()
        if lib is None:
            lines.append(f"FMA peak: not measured, {why}; GEMM fractions left blank")
        else:
            seconds = 0.05 if quick else 0.2
            one = fma_peak(lib, 1, seconds, repeat)
            limits["fma"] = fma_peak(lib, cores, seconds, repeat)
            lines.append(f"FMA peak ({lib.tt_peak_isa().decode()} kernel bench/peak.c): {one:.1f} GFLOP/s on 1 "
                         f"core, {limits['fma']:.1f} GFLOP/s on {cores} cores (GEMM 'of limit')")
    if "bandwidth" in need:
        one = copy_bandwidth(1, repeat)
        limits["bandwidth"] = max(one, copy_bandwidth(cores, repeat))
        lines.append(f"copy bandwidth (256 MiB float32, read + write, best of {repeat}): {one:.1f} GB/s on 1 "
                     f"thread, {limits['bandwidth']:.1f} GB/s best of 1 and {cores} threads (elementwise 'of limit')")
    return limits, lines
