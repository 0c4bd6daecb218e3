"""Weights trained in PyTorch, saved as safetensors, load into the same architecture written with tinytorch and give
the same outputs, in train and eval mode (dropout off). The two model definitions differ only in the module they
import: the point of the PyTorch-compatible names, defaults and state_dict keys."""
import numpy as np
import pytest
import safetensors.torch
import torch

import tinytorch as tt


def cnn(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(16), nn.ReLU(),
        nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Dropout(0.0), nn.Linear(64, 10))


def encoder(m):
    nn = m.nn
    layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True, activation="gelu")
    return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(32))


def train_a_little(model, inputs, steps=3):
    """A few SGD steps in PyTorch, so the weights and batch-norm statistics are not the initial ones."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        model(inputs).square().mean().backward()
        opt.step()


@pytest.mark.parametrize("build,shape", [(cnn, (4, 3, 12, 12)), (encoder, (3, 7, 32))], ids=["cnn", "encoder"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_pytorch_weights_give_pytorch_outputs(tmp_path, build, shape, mode):
    torch.manual_seed(0)
    reference = build(torch)
    x = torch.randn(*shape)
    train_a_little(reference, x)
    path = tmp_path / "weights.safetensors"
    safetensors.torch.save_file(reference.state_dict(), str(path))

    model = build(tt)
    assert sorted(model.state_dict()) == sorted(reference.state_dict())
    missing = model.load_state_dict(tt.load(str(path)))
    assert not missing.missing_keys and not missing.unexpected_keys
    reference.train(mode == "train")
    model.train(mode == "train")
    want = reference(x)
    got = model(tt.tensor(x.numpy()))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    # the batch-norm statistics moved the same way
    for name, buf in reference.named_buffers():
        np.testing.assert_allclose(dict(model.named_buffers())[name].numpy(), buf.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
