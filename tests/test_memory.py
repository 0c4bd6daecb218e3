"""Memory: training steps do not leak, and no reference cycles survive a step."""
import gc
import resource

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def _step(model, opt, x, y):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def test_rss_flat_over_2000_steps():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = tt.optim.Adam(model.parameters(), lr=1e-3)
    x, y = tt.randn(64, 32), tt.randint(0, 10, (64,))
    for _ in range(200):
        _step(model, opt, x, y)
    gc.collect()
    before = _rss_mb()
    for _ in range(2000):
        _step(model, opt, x, y)
    gc.collect()
    assert _rss_mb() - before < 5.0


def test_no_reference_cycles_survive_a_step():
    model = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = tt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = tt.randn(4, 8), tt.tensor([0, 1, 1, 0])
    _step(model, opt, x, y)
    gc.collect()
    gc.disable()
    try:
        _step(model, opt, x, y)
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0
