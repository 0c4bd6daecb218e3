"""tinytorch's benchmark suite: python -m bench [filter] [--quick] [--json PATH] (see bench/main.py)."""
import os

# Interleaved timing runs each library straight after another, so a thread pool that spin-waits after its call
# (OpenMP's default, OpenBLAS's ~0.1 s timeout) burns the cores the next library is timed on. Every library's idle
# threads sleep instead, as tinytorch's always do; the header states it. Set before NumPy and torch start their pools.
IDLE_THREADS_SLEEP = {"OMP_WAIT_POLICY": "PASSIVE", "KMP_BLOCKTIME": "0", "OPENBLAS_THREAD_TIMEOUT": "4"}
for _name, _value in IDLE_THREADS_SLEEP.items():
    os.environ.setdefault(_name, _value)
