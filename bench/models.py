"""The two training loops of the suite, written once for tinytorch and torch (same API): an MLP 784-512-512-10 at
batch 128 and a small CNN on 1x28x28 at batch 64; one step is zero_grad, forward, cross_entropy, backward, Adam."""
import numpy as np

BATCH = {"mlp": 128, "cnn": 64}


def model(lib, kind):
    nn = lib.nn
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                             nn.Linear(512, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))


def data(lib, kind):
    rng = np.random.default_rng(0)
    batch = BATCH[kind]
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch, dtype=np.int64)
    return lib.from_numpy(x), lib.from_numpy(y)


def step_fn(lib, kind):
    """A fresh model's training step: step(x, y) returns the loss."""
    lib.manual_seed(0)
    net = model(lib, kind)
    opt = lib.optim.Adam(net.parameters(), lr=1e-3)

    def step(x, y):
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def runner(lib, kind, plan):
    """A no-argument callable running one step (eager, or replayed through a tinytorch.jit plan)."""
    x, y = data(lib, kind)
    step = step_fn(lib, kind)
    if plan:
        step = lib.jit.trace(step, (x, y))  # runs the step 3 times: a warm-up and two recordings
    return lambda: step(x, y)
