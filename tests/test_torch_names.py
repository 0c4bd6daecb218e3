"""The census of the torch names PyTorch programs use (torch_names.txt): each resolves in torch and in tinytorch,
except those the file says tinytorch leaves out (and why), which must be absent. The names tinytorch added for
it have rows in the op table (einsum, diag, spmm, Categorical) or a test here (multiprocessing.spawn)."""
import importlib
import os

import pytest

import tinytorch as tt

torch = pytest.importorskip("torch")

HERE = os.path.dirname(__file__)


def census():
    rows = []
    with open(os.path.join(HERE, "torch_names.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                parts = [p.strip() for p in line.split("|")]
                rows.append((parts[0], parts[1], parts[2][1:].strip() if len(parts) > 2 else None))
    return rows


def resolve(lib, name):
    """lib.<dotted name> (importing submodules as `import torch.x.y` would), or Tensor.<name>; None if absent."""
    if name.startswith("Tensor."):
        return getattr(lib.Tensor, name[len("Tensor."):], None)
    obj = lib
    for part in name.split(".")[1:]:
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(f"{obj.__name__}.{part}")
        except (ImportError, AttributeError):
            return None
    return obj


NAMES = census()


def test_census_shape():
    names = [n for n, _, _ in NAMES]
    assert len(names) == len(set(names)) >= 200
    assert all(n.startswith(("torch.", "Tensor.")) and src for n, src, _ in NAMES)


@pytest.mark.parametrize("name,sources,absent", NAMES, ids=[n for n, _, _ in NAMES])
def test_name(name, sources, absent):
    assert resolve(torch, name) is not None, f"{name} is not a torch name ({sources})"
    found = resolve(tt, name.replace("torch.", "tinytorch.", 1))
    if absent:
        assert found is None, f"tinytorch has {name} now: drop the '!' note from torch_names.txt"
    else:
        assert found is not None, f"tinytorch lacks {name}, used by {sources}"


def _child(i, path):
    with open(f"{path}.{i}", "w") as f:
        f.write(str(i * 10))


def _raises(i):
    if i == 1:
        raise ValueError("process one fails")


def test_multiprocessing_spawn(tmp_path):
    """fn(i, *args) in nprocs processes, joined; a raising process becomes ProcessRaisedException (as torch's).
    Forked here to keep the test fast; spawn() itself starts fresh interpreters."""
    from tinytorch import multiprocessing as mp
    mp.start_processes(_child, args=(str(tmp_path / "out"),), nprocs=2, start_method="fork")
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0", "10"]
    with pytest.raises(mp.ProcessRaisedException, match="process one fails"):
        mp.start_processes(_raises, nprocs=2, start_method="fork")
