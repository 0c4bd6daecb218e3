"""save/load: safetensors files that round-trip nested state, that PyTorch's tools read, that a corrupt file
cannot get past, and that an interrupted save cannot destroy."""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn


def test_nested_roundtrip(tmp_path):
    obj = {"model": {"w": tt.randn(3, 4), "b": tt.arange(5), "flag": tt.tensor([True, False])},
           "opt": {"state": {0: {"step": 3, "exp_avg": tt.ones(2, dtype=tt.float64)}},
                   "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": None}]},
           "epoch": 7, "history": [1.5, float("inf")], "half": tt.ones(2, dtype=tt.float16),
           "bf": tt.tensor([1.5, -2.0]).bfloat16(), "dtype": tt.float64}
    path = tmp_path / "ckpt.safetensors"
    tt.save(obj, path)
    back = tt.load(path)
    assert back["epoch"] == 7 and back["history"] == [1.5, float("inf")]
    assert back["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["opt"]["state"][0]["step"] == 3 and back["dtype"] is tt.float64
    for a, b in [(obj["model"]["w"], back["model"]["w"]), (obj["model"]["b"], back["model"]["b"]),
                 (obj["model"]["flag"], back["model"]["flag"]), (obj["half"], back["half"])]:
        assert a.dtype is b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert back["bf"].dtype is tt.bfloat16
    np.testing.assert_array_equal(back["bf"].float().numpy(), [1.5, -2.0])


def test_readable_by_safetensors_and_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "m.safetensors"
    tt.save(model.state_dict(), path)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.load_state_dict(load_file(str(path)))
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(model(tt.from_numpy(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-6)
    # and the other way: a state dict PyTorch saved as safetensors loads into our module
    save_file(theirs.state_dict(), str(tmp_path / "t.safetensors"))
    again = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    again.load_state_dict(tt.load(tmp_path / "t.safetensors"))
    np.testing.assert_allclose(again(tt.from_numpy(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-6)


def _valid_file(tmp_path):
    path = tmp_path / "good.safetensors"
    tt.save({"a": tt.arange(6, dtype=tt.float32), "b": tt.ones(2, 2)}, path)
    return path.read_bytes()


def _header(raw):
    (n,) = struct.unpack("<Q", raw[:8])
    return n, json.loads(raw[8:8 + n])


def _with_header(raw, header):
    n, _ = _header(raw)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + raw[8 + n:]


CORRUPTIONS = {
    "empty": lambda raw, h: b"",
    "short": lambda raw, h: raw[:5],
    "huge_header_length": lambda raw, h: struct.pack("<Q", 1 << 60) + raw[8:],
    "header_past_end": lambda raw, h: struct.pack("<Q", len(raw)) + raw[8:],
    "not_json": lambda raw, h: raw[:8] + b"{" * _header(raw)[0] + raw[8 + _header(raw)[0]:],
    "truncated_body": lambda raw, h: raw[:-4],
    "extra_bytes": lambda raw, h: raw + b"\0\0\0\0",
    "bad_dtype": lambda raw, h: _with_header(raw, {**h, "a": {**h["a"], "dtype": "Q7"}}),
    "bad_shape": lambda raw, h: _with_header(raw, {**h, "a": {**h["a"], "shape": [-1, 6]}}),
    "shape_mismatch": lambda raw, h: _with_header(raw, {**h, "a": {**h["a"], "shape": [7]}}),
    "overlap": lambda raw, h: _with_header(raw, {**h, "b": {**h["b"], "data_offsets": h["a"]["data_offsets"]}}),
    "offsets_out": lambda raw, h: _with_header(raw, {**h, "a": {**h["a"], "data_offsets": [0, 10 ** 9]}}),
    "bad_structure": lambda raw, h: _with_header(raw, {**h, "__metadata__": {"tinytorch.structure": "{\"__x\": 1}"}}),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_files_are_refused(tmp_path, kind):
    raw = _valid_file(tmp_path)
    _, header = _header(raw)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(CORRUPTIONS[kind](raw, header))
    with pytest.raises(ValueError, match="load()"):
        tt.load(bad)


def test_random_garbage_never_crashes(tmp_path):
    rng = np.random.default_rng(0)
    raw = bytearray(_valid_file(tmp_path))
    path = tmp_path / "fuzz.safetensors"
    for _ in range(200):
        mutated = bytearray(raw)
        for _ in range(rng.integers(1, 8)):
            mutated[rng.integers(0, len(mutated))] = rng.integers(0, 256)
        path.write_bytes(bytes(mutated))
        try:
            tt.load(path)
        except ValueError:
            pass


def test_interrupted_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    tt.save({"w": tt.ones(4)}, path)
    # a child process starts a large save and is killed partway
    code = (f"import os, signal, threading, tinytorch as tt\n"
            f"threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()\n"
            f"while True: tt.save({{'w': tt.zeros(4_000_000)}}, {str(path)!r})\n")
    subprocess.run([sys.executable, "-c", code], timeout=120)
    back = tt.load(path)
    assert back["w"].shape in (tt.Size([4]), tt.Size([4_000_000]))  # whole: the old file or a complete new one
    leftovers = [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]
    assert len(leftovers) <= 1  # at most the killed writer's temporary file


def test_unsupported_objects():
    with pytest.raises(TypeError, match="cannot save"):
        tt.save({"f": lambda: 1}, "/tmp/never_written.safetensors")
