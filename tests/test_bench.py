"""The benchmark suite keeps running and keeps its JSON's shape: one cheap figure through both entry points. No
timing is ever checked (benchmarks are not tests); only the structure and the arithmetic of the report."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARIES = ("tinytorch", "numpy", "torch")


def run_bench(tmp_path, entry):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, *entry, "--quick", "--json", str(out), "dispatch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "dispatch x + y" in proc.stdout
    return json.loads(out.read_text())


@pytest.mark.parametrize("entry", [["-m", "bench"], [os.path.join("bench", "run.py")]])
def test_quick_dispatch_json(tmp_path, entry):
    pytest.importorskip("torch")
    doc = run_bench(tmp_path, entry)
    header = doc["header"]
    assert header["quick"] is True and header["cores"] >= 1
    assert header["tinytorch"]["cpu_isa"] and header["tinytorch"]["num_threads"] == header["cores"]
    assert header["torch"]["num_threads"] == header["cores"] and header["torch"]["cpu_capability"]
    assert "blas" in header["numpy"]
    assert doc["limits"] == {}  # dispatch uses no machine limit, so none was measured
    (fig,) = doc["figures"]
    assert fig["section"] == "dispatch" and fig["unit"] == "us" and fig["higher_is_better"] is False
    for lib in LIBRARIES:
        v = fig[lib]
        assert v["samples"] >= header["samples"]
        assert 0 < v["q1"] <= v["median"] <= v["q3"]
    # a time: the best peer's median over tinytorch's, > 1 when tinytorch is faster
    best = min(fig["numpy"]["median"], fig["torch"]["median"])
    assert fig["ratio"] == pytest.approx(best / fig["tinytorch"]["median"])
    assert fig["fraction_of_limit"] is None and fig["limit"] is None
    assert fig["target"] == "<= 1.5x torch's"
    assert fig["met"] == (fig["tinytorch"]["median"] <= 1.5 * fig["torch"]["median"])
