"""Peak resident memory of each training loop (models.py), each in a fresh process so that nothing else counts:
the process's peak RSS (VmHWM on Linux, ru_maxrss elsewhere) less its RSS after its imports, in MiB.

    python -m bench.memory mlp tinytorch 20     # kind, tinytorch | tinytorch-plan | torch, steps: prints JSON"""
import importlib
import json
import os
import resource
import subprocess
import sys

from . import models, targets
from .cases import Case
from .report import Figure, Value

SECTION = "memory"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = {"tinytorch": ("tinytorch", False), "tinytorch-plan": ("tinytorch", True), "torch": ("torch", False)}


def _status_mib(field):
    """A field of /proc/self/status in MiB, or None without /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mib():
    return _status_mib("VmRSS") or _peak_mib()


def _peak_mib():
    """The process's peak RSS. Linux keeps ru_maxrss across fork and exec, so a child of the suite's big process
    would report the parent's peak: VmHWM (the peak of this process's own memory map) is read instead there."""
    hwm = _status_mib("VmHWM")
    if hwm is not None:
        return hwm
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB elsewhere


def measure(kind, mode, steps):
    lib_name, plan = MODES[mode]
    lib = importlib.import_module(lib_name)
    if lib_name == "torch":
        lib.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    base = _rss_mib()
    step = models.runner(lib, kind, plan)
    for _ in range(steps):
        step()
    peak = _peak_mib()
    return {"kind": kind, "mode": mode, "steps": steps, "after_imports_mib": base, "peak_mib": peak,
            "increase_mib": peak - base}


def _spawn(kind, mode, steps):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "bench.memory", kind, mode, str(steps)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc):
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"bench.memory: {' '.join(proc.args[2:])} failed: {err.strip()[-500:]}")
    return json.loads(out)


def _value(mib):
    return Value(mib, mib, mib, 1)


def _case(kind):
    from .machine import torch  # not at the top: the measuring processes import only the library they measure
    names = (f"memory {kind} loop eager", f"memory {kind} loop plan")

    def run(settings):
        steps = 3 if settings.quick else 20
        modes = ["tinytorch", "tinytorch-plan"] + (["torch"] if torch is not None else [])
        # the processes run side by side: each one's peak is its own, whatever the others do
        results = {m: _result(p) for m, p in [(m, _spawn(kind, m, steps)) for m in modes]}
        peer = {"torch": _value(results["torch"]["increase_mib"])} if "torch" in results else {}
        target = targets.Target(targets.peer("torch", time=True))
        note = f"after {steps} steps, over each process's size after its imports"
        return [Figure(names[0], "MiB", {"tinytorch": _value(results["tinytorch"]["increase_mib"]), **peer}, False,
                       target=target, note=note),
                Figure(names[1], "MiB", {"tinytorch": _value(results["tinytorch-plan"]["increase_mib"]), **peer},
                       False, target=target)]
    return Case(names, run, quick=kind == "mlp")  # the CNN's processes are the slow ones


def cases(settings):
    return [_case(kind) for kind in models.BATCH]


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[2] not in MODES or sys.argv[1] not in ("mlp", "cnn"):
        sys.exit(f"usage: python -m bench.memory mlp|cnn {'|'.join(MODES)} STEPS")
    print(json.dumps(measure(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
