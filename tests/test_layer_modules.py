"""The layer modules against torch.nn: the same state_dict keys and shapes, the same initialisation (bounds and
spread), and the same outputs and running statistics once torch's weights are loaded, over several steps in train
mode and then in eval mode."""
import math

import numpy as np
import pytest
import torch

import tinytorch as tt

MODULES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv2d", (4, 6, 3), dict(padding="same", groups=2, bias=False), (2, 4, 6, 5)),
    ("Conv2d", (3, 4, (3, 2)), dict(padding_mode="reflect", padding=1), (2, 3, 6, 5)),
    ("Conv2d", (2, 4, 3), dict(padding_mode="circular", padding=(1, 2)), (1, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), dict(padding_mode="replicate", padding=1, stride=2), (1, 2, 7, 6)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, groups=2), (2, 4, 4, 5)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("MaxPool2d", (3,), dict(stride=2, ceil_mode=True), (2, 3, 8, 7)),
    ("AvgPool1d", (3,), dict(stride=2), (2, 3, 9)),
    ("AvgPool2d", (2,), dict(count_include_pad=False, padding=1), (2, 3, 5, 6)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveMaxPool2d", (3,), {}, (2, 3, 7, 8)),
    ("BatchNorm1d", (5,), {}, (4, 5)),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3, 6)),
    ("BatchNorm2d", (3,), dict(affine=False), (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (4, 3, 5, 5)),
    ("LayerNorm", ((4, 5),), {}, (3, 4, 5)),
    ("LayerNorm", (5,), dict(bias=False), (3, 4, 5)),
    ("GroupNorm", (2, 6), {}, (3, 6, 4)),
    ("InstanceNorm1d", (3,), dict(affine=True), (2, 3, 7)),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 5, 4)),
    ("RMSNorm", (6,), dict(eps=1e-6), (3, 6)),
    ("Embedding", (10, 4), dict(padding_idx=0), None),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear", align_corners=False), (2, 3, 4, 5)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 3)),
    ("Dropout2d", (0.0,), {}, (2, 3, 4, 4)),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(MODULES)]


def pair(name, args, kwargs):
    torch.manual_seed(0)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    tt.manual_seed(0)
    mine = getattr(tt.nn, name)(*args, **kwargs)
    return ref, mine


def input_for(name, shape, rng):
    if shape is None:
        return rng.integers(0, 10, (3, 5))
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("name,args,kwargs,shape", MODULES, ids=IDS)
def test_state_dict_keys_and_shapes_match_torch(name, args, kwargs, shape):
    ref, mine = pair(name, args, kwargs)
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in mine.state_dict().items()}
    assert got == want


@pytest.mark.parametrize("name,args,kwargs,shape", MODULES, ids=IDS)
def test_outputs_and_running_stats_match_torch(name, args, kwargs, shape):
    ref, mine = pair(name, args, kwargs)
    mine.load_state_dict({k: tt.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    rng = np.random.default_rng(0)
    for mode in ("train", "train", "train", "eval"):
        ref.train(mode == "train")
        mine.train(mode == "train")
        x = input_for(name, shape, rng)
        want, got = ref(torch.from_numpy(x)), mine(tt.tensor(x))
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    for key, value in ref.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)


INITS = [("Conv2d", (8, 16, 3)), ("Conv1d", (6, 12, 5)), ("ConvTranspose2d", (16, 8, 3)),
         ("ConvTranspose1d", (12, 6, 4)), ("Embedding", (500, 16)), ("LayerNorm", (7,)), ("BatchNorm2d", (5,)),
         ("GroupNorm", (2, 4)), ("MultiheadAttention", (16, 4))]


@pytest.mark.parametrize("name,args", INITS, ids=[n for n, _ in INITS])
def test_initialisation_matches_torch_in_distribution(name, args):
    """Different generators, so not the same numbers: the same bounds, means and spreads."""
    ref, mine = pair(name, args, {})
    for key, value in ref.state_dict().items():
        a, b = value.numpy().ravel(), mine.state_dict()[key].numpy().ravel()
        if np.all(a == a[0]):  # constants (ones, zeros) are equal exactly
            np.testing.assert_array_equal(b, a, err_msg=key)
            continue
        if a.size < 200:  # a few dozen draws (biases): only the scale can be compared
            assert 0.5 * np.abs(a).max() <= np.abs(b).max() <= 1.5 * np.abs(a).max(), key
            continue
        assert abs(np.abs(b).max() - np.abs(a).max()) <= 0.1 * np.abs(a).max(), key
        assert abs(b.std() - a.std()) <= 0.1 * a.std(), key
        assert abs(b.mean()) <= 4 * a.std() / math.sqrt(a.size), key


PADS = [("ZeroPad2d", ((1, 2, 0, 3),)), ("ConstantPad1d", (2, 3.5)), ("ConstantPad2d", ((1, 0, 2, 1), -1.0)),
        ("ReflectionPad1d", (2,)), ("ReflectionPad2d", ((1, 2, 2, 0),)), ("ReplicationPad1d", ((3, 1),)),
        ("ReplicationPad2d", (2,)), ("CircularPad1d", (2,)), ("CircularPad2d", ((1, 0, 2, 1),))]


@pytest.mark.parametrize("name,args", PADS, ids=[n for n, _ in PADS])
def test_padding_layers_match_torch(name, args):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    if name.endswith("1d"):
        x = x[0]
    ref, mine = getattr(torch.nn, name)(*args), getattr(tt.nn, name)(*args)
    np.testing.assert_array_equal(mine(tt.tensor(x)).numpy(), ref(torch.from_numpy(x)).numpy())
    assert repr(mine) == repr(ref)


ACTIVATIONS = [("ReLU", (True,)), ("ReLU6", (True,)), ("SiLU", (True,)), ("Hardswish", (True,)),
               ("Hardsigmoid", (True,)), ("LeakyReLU", (0.2, True)), ("ELU", (0.5, True)), ("CELU", (1.5, True)),
               ("Hardtanh", (-0.5, 0.5, True)), ("Threshold", (0.1, 20.0, True)), ("SELU", (True,)),
               ("Mish", (True,)), ("LeakyReLU", (0.1,)), ("Threshold", (0.1, 20.0))]


@pytest.mark.parametrize("name,args", ACTIVATIONS, ids=[f"{n}{len(a)}" for n, a in ACTIVATIONS])
def test_activation_inplace_and_repr_match_torch(name, args):
    """inplace=True returns the input itself, rewritten, with the gradient of the out-of-place op."""
    a = np.random.default_rng(0).standard_normal(6)
    results = []
    for m in (tt, torch):
        layer = getattr(m.nn, name)(*args)
        x = m.tensor(a, requires_grad=True)
        y = x * 1
        out = layer(y)
        assert (out is y) == bool(getattr(layer, "inplace", False))
        out.sum().backward()
        results.append((repr(layer), out.detach().numpy(), x.grad.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-7)  # torch's hardsigmoid slope is a float
