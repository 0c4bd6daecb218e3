"""examples/cpp built with CMake against the installed package (find_package(tinytorch CONFIG)): the C++ and the C
program classify digits with an exported CNN, and their logits are bit-identical to Python's."""
import importlib.util
import os
import shutil
import subprocess

import numpy as np
import pytest

import tinytorch as tt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _prefix():
    try:
        return tt.cmake_prefix_path()
    except RuntimeError as e:
        if os.environ.get("CI"):  # CI installs the package: its C/C++ files must be there
            raise
        pytest.skip(str(e))


def _demo():
    spec = importlib.util.spec_from_file_location("demo", os.path.join(ROOT, "examples", "demo.py"))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    prefix = _prefix()
    if not shutil.which("cmake"):
        pytest.skip("cmake is not installed")
    build = tmp_path_factory.mktemp("cpp") / "build"
    subprocess.run(["cmake", "-S", os.path.join(ROOT, "examples", "cpp"), "-B", str(build),
                    f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
    return build / "classify", build / "classify_c"


@pytest.mark.parametrize("dynamic", [True, False])
def test_cpp_and_c_logits_are_bit_identical_to_python(programs, tmp_path, dynamic):
    demo = _demo()
    tt.manual_seed(0)
    model = demo.make_model().eval()
    g = np.random.default_rng(0)
    n = 100  # not a multiple of the batch: the programs' last batch is a partial one
    x = tt.tensor(g.random((n, 1, 8, 8)), dtype=tt.float32)
    y = tt.tensor(g.integers(0, 10, n))
    model_path, images = tmp_path / "digits.ttp", tmp_path / "digits_test.bin"
    batch = 32
    if dynamic:
        tt.export(model, (x[:batch],), model_path, dynamic_batch=True, max_batch=batch)
    else:
        tt.export(model, (x[:batch],), model_path)
    demo.write_images(images, x, y)
    plan = tt.jit.load(model_path)
    with tt.no_grad():
        if dynamic:
            expected = np.concatenate([plan(x[i:i + batch]).numpy() for i in range(0, n, batch)])
        else:  # a static plan runs the last, partial batch padded with zeros
            padded = tt.cat([x, tt.zeros(-n % batch, 1, 8, 8)])
            expected = np.concatenate([plan(padded[i:i + batch]).numpy() for i in range(0, n, batch)])[:n]
        np.testing.assert_array_equal(expected[:batch], model(x[:batch]).numpy())
    accuracy = float((expected.argmax(1) == y.numpy()).mean())
    for program in programs:
        logits = tmp_path / f"{program.name}.logits"
        out = subprocess.run([str(program), str(model_path), str(images), "--logits", str(logits)],
                             capture_output=True, text=True, check=True)
        assert f"accuracy {accuracy:.4f} ({n} images)" in out.stdout, out.stdout
        got = np.fromfile(logits, "<f4").reshape(n, 10)
        assert got.tobytes() == expected.astype("<f4").tobytes(), program.name


def test_programs_refuse_bad_files(programs, tmp_path):
    bad = tmp_path / "bad.ttp"
    bad.write_bytes(b"TTPLAN\0\0" + bytes(100))
    images = tmp_path / "images.bin"
    images.write_bytes(b"TTIM" + bytes(8))
    for program in programs:
        out = subprocess.run([str(program), str(bad), str(images)], capture_output=True, text=True)
        assert out.returncode == 1 and "tt_plan_load" in (out.stdout + out.stderr), program.name
