"""tinytorch demo: a small CNN learns scikit-learn's 8x8 handwritten digits, PyTorch-style, on tinytorch's C++ kernels.

    python examples/demo.py [--epochs N] [--out checkpoint.safetensors] [--export digits.ttp]

Besides the checkpoint it exports the trained model as a plan (digits.ttp) and the test images (digits_test.bin,
the format examples/cpp/README.md describes), which examples/cpp classifies from C++ and C with no Python.
"""
import argparse
import os
import struct
import tempfile

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import tinytorch as torch
import tinytorch.nn as nn
import tinytorch.nn.functional as F
from tinytorch.utils.data import DataLoader, TensorDataset


def make_model():
    """Two 3x3 convolutions with batch norm, a 2x2 max pool, then a small classifier: 1x8x8 -> 10 logits."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "tinytorch_digits.safetensors"))
    parser.add_argument("--export", default=os.path.join(tempfile.gettempdir(), "digits.ttp"),
                        help="the plan file for C/C++; the test images go beside it as digits_test.bin")
    args = parser.parse_args()

    torch.manual_seed(0)
    cfg = torch.config()
    print(f"tinytorch {cfg['version']}: CPU kernels {cfg['cpu_isa']}, {cfg['num_threads']} threads, "
          f"CUDA built {cfg['backends']['cuda']['built']} ({cfg['backends']['cuda']['devices']} devices)")

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(digits.data / 16.0, digits.target, test_size=0.25,
                                                        random_state=0, stratify=digits.target)
    images = lambda a: torch.tensor(a, dtype=torch.float32).reshape(-1, 1, 8, 8)  # noqa: E731
    train = TensorDataset(images(x_train), torch.tensor(y_train))
    x_test, y_test = images(x_test), torch.tensor(y_test)
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))

    model = make_model()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)

    bar = tqdm(range(args.epochs), desc="training", unit="epoch")
    for epoch in bar:
        model.train()
        total, seen = 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            seen += len(yb)
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        bar.set_postfix(loss=f"{total / seen:.4f}", test_acc=f"{acc:.3f}")
        tqdm.write(f"epoch {epoch + 1:3d}  loss {total / seen:.4f}  test accuracy {acc:.4f}")

    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": args.epochs}, args.out)
    restored = make_model()
    restored.load_state_dict(torch.load(args.out)["model"])
    restored.eval()
    with torch.no_grad():
        acc = (restored(x_test).argmax(1) == y_test).float().mean().item()
    print(f"test accuracy {acc:.4f} (checkpoint reloaded from {args.out})")
    if acc < 0.98:
        raise SystemExit("the demo model should reach at least 98% test accuracy")

    # for C and C++: the model as a plan taking any batch up to 256, and the test set as raw images and labels
    torch.export(restored, (x_test[:64],), args.export, dynamic_batch=True, max_batch=256)
    images = os.path.join(os.path.dirname(os.path.abspath(args.export)), "digits_test.bin")
    write_images(images, x_test, y_test)
    print(f"exported {args.export} and {images}: run them with examples/cpp (see its README)")


def write_images(path, x, y):
    """examples/cpp's image file: b"TTIM", n, c, h, w as uint32, float32 pixels, int64 labels (little-endian)."""
    with open(path, "wb") as f:
        f.write(b"TTIM" + struct.pack("<4I", *x.shape))
        f.write(x.contiguous().numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<i8").tobytes())


if __name__ == "__main__":
    main()
