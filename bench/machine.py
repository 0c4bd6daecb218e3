"""The machine and the libraries: every library set to all cores, and the header that states each one's threads and
instruction set (tinytorch's own report, NumPy's BLAS through threadpoolctl, torch's config)."""
import os
import platform
import re

import numpy as np

import tinytorch as tt

from . import IDLE_THREADS_SLEEP

try:
    import torch
except ImportError:  # PyTorch is a test extra; its columns stay empty without it
    torch = None

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def use_all_cores(n):
    """Sets every library to n threads; returns the threadpoolctl limiter, to be kept alive for the run."""
    tt.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)
    return threadpoolctl.threadpool_limits(limits=n, user_api="blas") if threadpoolctl else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            found = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            if found:
                return found.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _numpy_blas():
    if threadpoolctl is None:
        return {"note": "threadpoolctl absent: BLAS unknown"}
    for info in threadpoolctl.threadpool_info():
        if info.get("user_api") == "blas":
            return {k: info.get(k) for k in ("internal_api", "version", "architecture", "corename", "num_threads",
                                              "threading_layer") if info.get(k) is not None}
    return {"note": "no BLAS found by threadpoolctl"}


def _torch_build():
    config = torch.__config__.show()
    mkl = re.search(r"Math Kernel Library Version ([\w.\-]+)", config)
    onednn = re.search(r"MKL-DNN (v[\w.]+)", config)
    return {"version": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "num_threads": torch.get_num_threads(), "mkl": mkl.group(1) if mkl else None,
            "onednn": onednn.group(1) if onednn else None}


def header():
    """The facts stated above the table (and under "header" in the JSON)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu_model(), "cores": cores(), "python": platform.python_version(), "load_average_1min": load,
            "idle_threads": {name: os.environ.get(name) for name in IDLE_THREADS_SLEEP},
            "tinytorch": {"version": tt.config()["version"],
                          "cpu_isa": tt.config()["cpu_isa"], "num_threads": tt.get_num_threads()},
            "numpy": {"version": np.__version__, "blas": _numpy_blas()},
            "torch": _torch_build() if torch is not None else None}


def header_lines(h):
    blas = h["numpy"]["blas"]
    blas_text = blas.get("note") or (f"{blas.get('internal_api')} {blas.get('version', '')} "
                                     f"({blas.get('architecture') or blas.get('corename') or '?'}), "
                                     f"{blas.get('num_threads')} threads")
    th = h["torch"]
    torch_text = "absent" if th is None else (
        f"{th['version']}: capability {th['cpu_capability']}, {th['num_threads']} threads; "
        f"MKL {th['mkl'] or 'absent'}, oneDNN {th['onednn'] or 'absent'}")
    t = h["tinytorch"]
    load = h["load_average_1min"]
    busy = "" if load is None or load < 0.5 else (
        f"; load average {load:.1f} at start: other work shares the cores, and libraries whose threads spin-wait "
        f"(OpenMP) suffer most")
    idle = ", ".join(f"{k}={v}" for k, v in h["idle_threads"].items())
    return [f"CPU: {h['cpu']}, {h['cores']} cores usable; Python {h['python']}{busy}",
            f"tinytorch {t['version']}: cpu_isa {t['cpu_isa']}, {t['num_threads']} threads",
            f"NumPy {h['numpy']['version']}: BLAS {blas_text}",
            f"PyTorch {torch_text}",
            f"idle threads sleep in every library ({idle}): a pool spinning after its call would steal the cores "
            f"from the library timed next"]
