"""The examples run (at a reduced size) and learn."""
import pathlib
import runpy
import sys

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


def test_sine_regression_learns():
    sys.path.insert(0, str(EXAMPLES))
    try:
        module = runpy.run_path(str(EXAMPLES / "sine_regression.py"))
    finally:
        sys.path.pop(0)
    first, last = module["main"](["--steps", "300"])
    assert last < first / 10


def test_char_lm_learns_and_samples(capsys):
    module = runpy.run_path(str(EXAMPLES / "char_lm.py"))
    first, last = module["main"](["--steps", "200", "--target", "0.9"])
    assert first > 2.5 and last < 0.9
    assert "sample: the " in capsys.readouterr().out
