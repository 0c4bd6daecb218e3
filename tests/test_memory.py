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


def _live_bytes():
    """Bytes the CPU's live buffers hold (tt_device_memory, counted by the core for every backend)."""
    return tt._C.device_memory(0, 0)[0]


def test_live_bytes_flat_over_steps_and_freed_after():
    """Exact: each training step ends holding the bytes the last one did, and dropping the model, the optimizer
    and the data gives every byte back (the graph and the optimizer state included)."""
    gc.collect()
    start = _live_bytes()
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = tt.optim.Adam(model.parameters(), lr=1e-3)
    x, y = tt.randn(8, 16), tt.randint(0, 4, (8,))
    after = []
    for _ in range(5):
        _step(model, opt, x, y)
        gc.collect()
        after.append(_live_bytes())
    assert after[1:] == after[:-1] and after[0] > start
    del model, opt, x, y
    gc.collect()
    assert _live_bytes() == start


def test_memory_stats_count_buffers():
    gc.collect()
    base_now, _, _, _ = tt._C.device_memory(0, 0)
    tt._C.reset_peak_memory(0, 0)
    x = tt.empty(1000, dtype=tt.float64)
    now, peak, reserved, max_reserved = tt._C.device_memory(0, 0)
    assert now == base_now + 8000 and peak >= now and reserved == now and max_reserved == peak
    del x
    gc.collect()
    now, peak, _, _ = tt._C.device_memory(0, 0)
    assert now == base_now and peak >= base_now + 8000
    tt._C.reset_peak_memory(0, 0)
    assert tt._C.device_memory(0, 0)[1] == base_now
