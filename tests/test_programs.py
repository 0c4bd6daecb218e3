"""Acceptance: programs written the way PyTorch programs are written (tests/programs/) run unchanged with
`import tinytorch as torch` and learn as they do with torch.

Each program is `main(torch)` and is run once per library. The two libraries draw different random streams, so
the comparison is of learning, not of bits: both loss curves fall by a clear margin and end within a band of each
other, and what does not depend on randomness (state_dict keys and shapes, module reprs, restored checkpoints) is
equal."""
import math

import pytest

import tinytorch

from programs import dcgan, gpt, lbfgs_sine, lstm_lm, manual_sgd, mnist_cnn, vae

torch = pytest.importorskip("torch")

LIBRARIES = {"torch": torch, "tinytorch": tinytorch}
PROGRAMS = {"gpt": gpt, "lstm_lm": lstm_lm, "vae": vae, "dcgan": dcgan, "lbfgs_sine": lbfgs_sine,
            "manual_sgd": manual_sgd, "mnist_cnn": mnist_cnn}


class Curve:
    """How one loss history must behave: the mean of its last `window` values is below `drop` times the mean of
    its first `window`, and the two libraries' final means differ by at most `tol` (in log10 units if `log`)."""

    def __init__(self, key, window, drop, tol, log=False):
        self.key, self.window, self.drop, self.tol, self.log = key, window, drop, tol, log

    def ends(self, result):
        values = result[self.key]
        return (sum(values[:self.window]) / self.window, sum(values[-self.window:]) / self.window)

    def gap(self, a, b):
        return abs(math.log10(a) - math.log10(b)) if self.log else abs(a - b)


CURVES = {
    "gpt": [Curve("losses", 5, 0.5, 0.3), Curve("val_losses", 1, 0.5, 0.3)],
    "lstm_lm": [Curve("losses", 5, 0.6, 0.2), Curve("val_losses", 1, 0.7, 0.2)],
    "vae": [Curve("losses", 1, 0.6, 1.5), Curve("test_losses", 1, 0.85, 2.0)],
    "dcgan": [Curve("losses", 5, 0.8, 0.2)],
    "lbfgs_sine": [Curve("losses", 1, 0.01, 1.5, log=True)],
    "manual_sgd": [Curve("losses", 1, 0.05, 0.005), Curve("data_losses", 1, 0.05, 0.005)],
    "mnist_cnn": [Curve("losses", 3, 0.25, 0.3)],
}

# Results that do not depend on the random stream, so the libraries must agree on them exactly.
SAME = {
    "gpt": ["n_params", "state"],
    "lstm_lm": ["state"],
    "vae": ["restored_exactly", "optimizer_state_entries", "state"],
    "dcgan": ["fake_shape", "state"],
    "lbfgs_sine": ["prediction_shape", "prediction_dtype", "state"],
    "manual_sgd": ["w_requires_grad", "w_is_leaf", "w_grad_sum", "param_is_leaf"],
    "mnist_cnn": ["reloaded_matches", "lr", "state"],
}

_results = {}


@pytest.fixture(scope="module", autouse=True)
def _torch_one_thread():
    # torch's OpenMP threads spin against other jobs on a small shared machine and can run ten times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def run(program, library):
    """The program's result under `library`, computed once per session; a program that raised raises again."""
    key = (program, library)
    if key not in _results:
        try:
            _results[key] = PROGRAMS[program].main(LIBRARIES[library])
        except Exception as e:  # noqa: BLE001 - stored so that every test of this run reports it
            _results[key] = e
    if isinstance(_results[key], Exception):
        raise _results[key]
    return _results[key]


def cases(libraries=("torch", "tinytorch")):
    """pytest params for each program and library."""
    return [pytest.param(program, library, id=f"{program}-{library}") for program in PROGRAMS for library in libraries]


@pytest.mark.parametrize("program,library", cases())
def test_learns(program, library):
    result = run(program, library)
    for curve in CURVES[program]:
        first, last = curve.ends(result)
        assert math.isfinite(last) and last < curve.drop * first, (curve.key, first, last)


@pytest.mark.parametrize("program,library", cases(("tinytorch",)))
def test_final_losses_comparable(program, library):
    expected, result = run(program, "torch"), run(program, library)
    for curve in CURVES[program]:
        want, got = curve.ends(expected)[1], curve.ends(result)[1]
        assert curve.gap(want, got) <= curve.tol, (curve.key, want, got)


@pytest.mark.parametrize("program,library", cases(("tinytorch",)))
def test_structure_matches_torch(program, library):
    expected, result = run(program, "torch"), run(program, library)
    for key in SAME[program]:
        assert result[key] == expected[key], key


@pytest.mark.parametrize("program,library", cases(("tinytorch",)))
def test_model_prints_like_torch(program, library):
    assert run(program, library)["repr"] == run(program, "torch")["repr"]


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_gpt_samples_text_like_its_corpus(library):
    result = run("gpt", library)
    sample, text = result["sample"], result["text"]
    assert sample.startswith("the ") and len(sample) == len("the ") + 24
    bigrams = [sample[i:i + 2] for i in range(len(sample) - 1)]
    # An untrained model draws one of the corpus's character pairs about one time in ten.
    assert sum(b in text for b in bigrams) / len(bigrams) > 0.7, sample


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_lstm_lm_decays_the_learning_rate(library):
    lrs = run("lstm_lm", library)["lrs"]
    assert lrs == pytest.approx([20.0 * 0.7 ** epoch for epoch in range(len(lrs))], rel=1e-12) and len(lrs) == 6


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_dcgan_discriminator_learns_real_from_fake(library):
    result = run("dcgan", library)
    d_x, d_g_z = result["D_x"], result["D_G_z"]
    assert sum(d_x[-5:]) / 5 > sum(d_x[:5]) / 5 + 0.1
    assert sum(d_x[-5:]) / 5 > sum(d_g_z[-5:]) / 5 + 0.1
    low, high = result["fake_range"]
    assert -1 <= low < high <= 1  # the generator ends in Tanh


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_lbfgs_model_predicts_held_out_waves(library):
    test_losses = run("lbfgs_sine", library)["test_losses"]
    assert test_losses[-1] < 0.02  # the waves' variance is 0.5


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_regression_recovers_the_weights(library):
    result = run("manual_sgd", library)
    assert result["w_error"] < 0.05 and result["data_w_error"] < 0.05


@pytest.mark.parametrize("library", ["torch", "tinytorch"])
def test_mnist_cnn_classifies_the_test_set(library):
    result = run("mnist_cnn", library)
    assert result["correct"] >= 0.9 * 128 and result["test_loss"] < 0.5
