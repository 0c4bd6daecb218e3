"""Plans: a small model's forward (the digits MLP, 64 -> 128 -> 10) at batch 1 and 64, in eager mode, replayed from
Python, and run from C++ (examples/cpp/classify --repeat), beside PyTorch eager under inference_mode.

    python bench/plan.py

Medians of repeated runs, microseconds per forward. The C++ column needs cmake and a C++ compiler, and a tinytorch
installed with its C/C++ files (pip install .); it stays empty otherwise. 'replay - C++' is what the Python call
of a plan costs above the same kernels run from C++."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

import tinytorch as tt
import tinytorch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import median_time  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_cpp_example(work):
    """The examples/cpp programs built against the installed package, or None where that is not possible."""
    if not shutil.which("cmake"):
        return None
    try:
        prefix = tt.cmake_prefix_path()
    except RuntimeError:
        return None
    build = os.path.join(work, "build")
    for cmd in (["cmake", "-S", os.path.join(ROOT, "examples", "cpp"), "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}",
                 "-DCMAKE_BUILD_TYPE=Release"], ["cmake", "--build", build]):
        if subprocess.run(cmd, capture_output=True).returncode:
            return None
    return os.path.join(build, "classify")


def cpp_time(classify, model_path, images_path):
    out = subprocess.run([classify, model_path, images_path, "--repeat", "2000"], capture_output=True, text=True)
    found = re.search(r"per-run microseconds: ([0-9.]+)", out.stdout)
    return float(found.group(1)) * 1e-6 if found else float("nan")


def write_images(path, x):
    with open(path, "wb") as f:
        f.write(b"TTIM" + np.array([x.shape[0], 1, 8, 8], "<u4").tobytes())
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(np.zeros(x.shape[0], "<i8").tobytes())


def main():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    ref = None
    if torch:
        torch.set_num_threads(tt.get_num_threads())
        ref = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 10)).eval()
        ref.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    work = tempfile.mkdtemp(prefix="tt_bench_plan_")
    classify = build_cpp_example(work)
    print(f"tinytorch {tt.config()['cpu_isa']}, {tt.get_num_threads()} threads; PyTorch "
          f"{torch.__version__ if torch else 'absent'}; medians, microseconds per forward")
    print(f"{'digits MLP':14} {'eager':>9} {'replay':>9} {'C++':>9} {'torch':>9} {'torch/replay':>13} "
          f"{'replay - C++':>13}")
    for batch in (1, 64):
        x = tt.randn(batch, 1, 8, 8)
        path = os.path.join(work, f"mlp{batch}.ttp")
        with tt.no_grad():
            plan = tt.export(model, (x,), path)
            t_eager = median_time(lambda: model(x))
        t_replay = median_time(lambda: plan(x))
        t_cpp = float("nan")
        if classify:
            images = os.path.join(work, f"images{batch}.bin")
            write_images(images, x)
            t_cpp = cpp_time(classify, path, images)
        t_torch = float("nan")
        if ref is not None:
            xt = torch.from_numpy(x.numpy())
            with torch.inference_mode():
                t_torch = median_time(lambda: ref(xt))
        print(f"{'batch ' + str(batch):14} {t_eager * 1e6:9.1f} {t_replay * 1e6:9.1f} {t_cpp * 1e6:9.1f} "
              f"{t_torch * 1e6:9.1f} {t_torch / t_replay:13.2f} {(t_replay - t_cpp) * 1e6:13.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
