"""Plans: a small model's forward (the digits MLP, 64 -> 128 -> 10) at batch 1 and 64 in microseconds: tinytorch
eager, replayed from Python, and run from C++ (examples/cpp/classify --repeat), beside PyTorch eager under
inference_mode. The C++ row needs cmake, a C++ compiler and a tinytorch installed with its C/C++ files (pip
install .; tinytorch.cmake_prefix_path()); it stays empty otherwise."""
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

import tinytorch as tt
import tinytorch.nn as nn

from .cases import Case
from .machine import torch
from .report import Figure, Value, duration
from .timing import interleaved

SECTION = "plan"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_cpp_example(work):
    """The examples/cpp programs built against the installed package, or None where that is not possible."""
    if not shutil.which("cmake"):
        return None
    try:
        prefix = tt.cmake_prefix_path()
    except RuntimeError:  # an in-tree checkout has no installed C/C++ files
        return None
    build = os.path.join(work, "build")
    for cmd in (["cmake", "-S", os.path.join(ROOT, "examples", "cpp"), "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}",
                 "-DCMAKE_BUILD_TYPE=Release"], ["cmake", "--build", build]):
        if subprocess.run(cmd, capture_output=True).returncode:
            return None
    return os.path.join(build, "classify")


def cpp_seconds(classify, model_path, images_path):
    out = subprocess.run([classify, model_path, images_path, "--repeat", "2000"], capture_output=True, text=True)
    found = re.search(r"per-run microseconds: ([0-9.]+)", out.stdout)
    return float(found.group(1)) * 1e-6 if found else None


def write_images(path, x):
    with open(path, "wb") as f:
        f.write(b"TTIM" + np.array([x.shape[0], 1, 8, 8], "<u4").tobytes())
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(np.zeros(x.shape[0], "<i8").tobytes())


def _models():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    ref = None
    if torch is not None:
        ref = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 10)).eval()
        ref.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    return model, ref


def _batch_figures(batch, model, ref, work, classify, settings):
    x = tt.randn(batch, 1, 8, 8)
    path = os.path.join(work, f"mlp{batch}.ttp")
    with tt.no_grad():
        plan = tt.export(model, (x,), path)

    def eager():
        with tt.no_grad():
            return model(x)

    def reference(xt=torch.from_numpy(x.numpy()) if ref is not None else None):
        with torch.inference_mode():
            return ref(xt)
    stats = interleaved({"eager": eager, "replay": lambda: plan(x), "torch": reference if ref else None}, settings)
    peer = {"torch": duration(1e6, stats["torch"])} if "torch" in stats else {}
    cpp, note = None, "C++ needs an installed tinytorch with its C/C++ files (tinytorch.cmake_prefix_path())"
    if classify:
        images = os.path.join(work, f"images{batch}.bin")
        write_images(images, x)
        cpp = cpp_seconds(classify, path, images)
        if cpp is not None:
            note = f"replay - C++: {(stats['replay'].median - cpp) * 1e6:.1f} us (the Python call of a plan)"
    name = f"plan digits MLP b{batch}"
    cpp_values = {"tinytorch": Value(cpp * 1e6, cpp * 1e6, cpp * 1e6, 1)} if cpp is not None else {}
    return [Figure(f"{name} eager", "us", {"tinytorch": duration(1e6, stats["eager"]), **peer}, False),
            Figure(f"{name} replay", "us", {"tinytorch": duration(1e6, stats["replay"]), **peer}, False),
            Figure(f"{name} C++ (classify --repeat)", "us", {**cpp_values, **peer}, False, note=note)]


def run(settings):
    model, ref = _models()
    work = tempfile.mkdtemp(prefix="tt_bench_plan_")
    try:
        classify = build_cpp_example(work)
        return [f for batch in (1, 64) for f in _batch_figures(batch, model, ref, work, classify, settings)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cases(settings):
    names = tuple(f"plan digits MLP b{b} {mode}" for b in (1, 64) for mode in ("eager", "replay", "C++"))
    return [Case(names, run)]
