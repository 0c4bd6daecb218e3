"""The small Python protocols real PyTorch programs lean on, each run on torch and on tinytorch and compared: tensor
conversions and formatting, legacy constructors, module traversal and hooks, sampling and generators, DataLoader
options and collation, and checkpoint round trips."""
import collections
import copy
import io
import warnings

import numpy as np
import pytest

import tinytorch as tt

torch = pytest.importorskip("torch")


def outcome(fn, mod):
    """('ok', value) or ('err', exception class name); warnings are returned too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", fn(mod))
        except Exception as e:  # noqa: BLE001  (the class is what is compared)
            result = ("err", type(e).__name__)
    return result, [str(w.message) for w in caught]


def plain(x):
    """A comparable description of a result: tensors as (type name, dtype, shape, values)."""
    if isinstance(x, (torch.Tensor, tt.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist(), x.requires_grad)
    if isinstance(x, (torch.Size, tt.Size)):
        return ("size", tuple(x))
    if isinstance(x, (torch.dtype, tt.dtype)):
        return ("dtype", str(x).split(".")[-1])
    if isinstance(x, (torch.device, tt.device)):
        return ("device", str(x))
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    if isinstance(x, np.generic):
        return ("npscalar", x.dtype.str, x.item())
    if isinstance(x, dict):
        return (type(x).__name__, [(plain(k), plain(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [plain(v) for v in x])
    if isinstance(x, str):
        return x.replace("tinytorch", "torch")
    return (type(x).__name__, x)


def same(fn, warns=False):
    (ref, ref_w), (ours, our_w) = outcome(fn, torch), outcome(fn, tt)
    assert ref[0] == ours[0], (ref, ours)
    if ref[0] == "ok":
        assert plain(ours[1]) == plain(ref[1])
    else:
        assert ours[1] == ref[1]
    if warns:
        assert [w[:40] for w in our_w] == [w[:40] for w in ref_w]


# ---- tensor protocols
@pytest.mark.parametrize("fn", [
    lambda m: [10, 20, 30][m.tensor(1)],
    lambda m: [10, 20][m.tensor(1.0)],
    lambda m: [10, 20][m.tensor([0, 1])],
    lambda m: range(10)[m.tensor(3)],
    lambda m: int(m.tensor(-2.7)),
    lambda m: int(m.tensor([2.7, 1.0])),
    lambda m: float(m.tensor(3)),
    lambda m: float(m.tensor([1.0, 2.0])),
    lambda m: complex(m.tensor(3.0)),
    lambda m: bool(m.tensor([0.0])),
    lambda m: bool(m.tensor([0.0, 1.0])),
    lambda m: f"{m.tensor(1.23456):.4f}",
    lambda m: f"{m.tensor(2):>8}",
    lambda m: f"{m.tensor(3):.2f}",
    lambda m: f"{m.tensor(2.5)}",
    lambda m: f"{m.tensor([1.0, 2.0])}",
    lambda m: f"{m.tensor([1.0, 2.0]):.2f}",
    lambda m: f"{m.tensor([1.5]):.2f}",
    lambda m: [x.tolist() for x in m.tensor([[1, 2], [3, 4]])],
    lambda m: list(m.tensor(1.0)),
    lambda m: len(m.zeros(3, 2)),
    lambda m: len(m.tensor(1.0)),
    lambda m: "yes" if m.tensor(3.0) > 2 else "no",
    lambda m: "yes" if m.tensor([3.0, 1.0]) > 2 else "no",
    lambda m: (isinstance(m.zeros(1), m.Tensor), isinstance(m.nn.Parameter(m.zeros(1)), m.Tensor)),
    lambda m: (m.is_tensor(m.ones(1)), m.is_tensor(1.0), m.numel(m.ones(2, 3))),
    lambda m: (m.is_floating_point(m.ones(1)), m.is_floating_point(m.ones(1).long())),
    lambda m: (m.ones(1) == None, m.ones(1) != None),  # noqa: E711
    lambda m: 2 in m.tensor([1, 2, 3]),
    lambda m: np.float64(2.0) * m.ones(2),
    lambda m: sum(m.tensor([1.0, 2.0])),
    lambda m: max(m.tensor(1.0), m.tensor(2.0)),
])
def test_python_protocols(fn):
    same(fn)


def test_tensors_are_hashed_by_identity():
    for m in (torch, tt):
        a, b = m.zeros(2), m.zeros(2)
        table = {a: "a", b: "b"}
        assert len(table) == 2 and table[a] == "a" and table[b] == "b"
        assert a in {a} and b not in {a}


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2).add_(m.ones(2), alpha=3),
    lambda m: m.ones(2).sub_(m.ones(2), alpha=3),
    lambda m: m.sub(m.ones(2), m.ones(2), alpha=3),
    lambda m: m.ones(2).addcmul_(m.full((2,), 2.0), m.full((2,), 3.0), value=0.5),
    lambda m: m.ones(2).addcdiv_(m.full((2,), 2.0), m.full((2,), 4.0), value=0.5),
    lambda m: m.addcmul(m.ones(2), m.full((2,), 2.0), m.full((2,), 3.0), value=2),
    lambda m: m.addcdiv(m.ones(2), m.full((2,), 2.0), m.full((2,), 4.0)),
    lambda m: m.ones(2, dtype=m.float64).new_zeros(2, 3),
    lambda m: m.ones(2, dtype=m.int32).new_zeros((2, 1)),
    lambda m: m.ones(2, dtype=m.float64).new_ones([2]),
    lambda m: m.ones(2, dtype=m.float64).new_full((2,), 7),
    lambda m: m.ones(2, dtype=m.float64).new_empty(3).shape,
    lambda m: m.ones(2, dtype=m.float64).new_tensor([1, 2]),
    lambda m: m.ones(2, dtype=m.int32).new_tensor([1.5, 2]),
    lambda m: m.arange(6).view_as(m.zeros(2, 3)),
    lambda m: (m.zeros(2).type(), m.zeros(2).long().type(), m.zeros(2).double().type()),
    lambda m: m.zeros(2).type(m.float64),
    lambda m: m.zeros(2).type("torch.LongTensor"),
    lambda m: m.zeros(2).type(m.IntTensor),
    lambda m: [getattr(m.ones(1), n)().dtype for n in ("double", "half", "float", "long", "int", "bool")],
    lambda m: (m.tensor(2).item(), m.tensor(2.5).item(), m.tensor(True).item()),
    lambda m: m.tensor([1.0, 2.0]).item(),
    lambda m: (m.tensor([[1, 2]]).tolist(), m.tensor(1.5).tolist()),
    lambda m: m.ones(2, dtype=m.float64).numpy(),
    lambda m: m.ones(2, 3).mm(m.ones(3, 1)),
    lambda m: m.ones(2).eq(1),
    lambda m: (m.ones(2).element_size(), m.ones(2).double().element_size(), m.ones(2).bool().element_size()),
    lambda m: (m.ones(2, 3).nelement(), m.ones(2, 3).dim(), m.ones(2, 3).ndimension()),
    lambda m: (m.ones(2, 3).size(1), m.ones(2, 3).size(-1), m.ones(2, 3).size()),
    lambda m: m.ones(2, 3).size(2),
    lambda m: (m.ones(2, 3).stride(), m.ones(2, 3).t().stride(0), m.ones(2, 3).stride(-1)),
    lambda m: (m.ones(2, 3).is_contiguous(), m.ones(2, 3).t().is_contiguous()),
    lambda m: m.ones(2, 3).t().clone(memory_format=m.contiguous_format).stride(),
    lambda m: m.ones(2, 3).clone(memory_format=m.preserve_format),
    lambda m: m.ones(2, requires_grad=True).requires_grad_(False).requires_grad,
    lambda m: m.ones(2).requires_grad_().requires_grad,
    lambda m: m.ones(2).long().requires_grad_(),
])
def test_tensor_methods(fn):
    same(fn)


@pytest.mark.parametrize("fn", [
    lambda m: m.LongTensor([1, 2]),
    lambda m: m.FloatTensor([1, 2]),
    lambda m: m.DoubleTensor([1, 2]),
    lambda m: m.IntTensor([1.0, 2.0]),
    lambda m: m.BoolTensor([1, 0]),
    lambda m: m.ByteTensor([1, 0]),
    lambda m: m.FloatTensor(np.array([1, 2])),
    lambda m: (m.LongTensor(2, 3).shape, m.LongTensor(2, 3).dtype),
    lambda m: (m.FloatTensor(3).shape, m.FloatTensor(m.Size([2, 1])).shape, m.FloatTensor().shape),
    lambda m: (isinstance(m.ones(1), m.FloatTensor), isinstance(m.ones(1).long(), m.FloatTensor),
               isinstance(m.ones(1).long(), m.LongTensor), isinstance(m.LongTensor([1]), m.Tensor)),
])
def test_legacy_constructors(fn):
    same(fn)


def test_data_is_a_detached_alias():
    for m in (torch, tt):
        t = m.zeros(2, requires_grad=True)
        d = t.data
        assert not d.requires_grad and d.data_ptr() == t.data_ptr()
        d.add_(1)  # writes through
        assert t.tolist() == [1.0, 1.0] and t.requires_grad
        t.data = m.full((3,), 5.0)
        assert t.tolist() == [5.0, 5.0, 5.0] and t.requires_grad and t.is_leaf


def test_detach_retain_grad_and_hooks():
    results = []
    for m in (torch, tt):
        a = m.ones(2, requires_grad=True)
        b = a * 2
        b.retain_grad()
        handle = a.register_hook(lambda g: g * 3)
        (b * b).sum().backward()
        handle.remove()
        c = a * 2
        c.detach_()
        results.append((b.grad.tolist(), a.grad.tolist(), c.requires_grad, c.grad_fn is None, c.is_leaf))
    assert results[0] == results[1]


def test_deepcopy_keeps_leaf_state_and_refuses_non_leaves():
    for m in (torch, tt):
        a = m.ones(2, requires_grad=True)
        a.grad = m.full((2,), 3.0)
        b = copy.deepcopy(a)
        assert b.requires_grad and b.grad.tolist() == [3.0, 3.0] and b.data_ptr() != a.data_ptr()
        p = copy.deepcopy(m.nn.Parameter(m.ones(1)))
        assert type(p).__name__ == "Parameter" and p.requires_grad
    same(lambda m: copy.deepcopy(m.ones(2, requires_grad=True) * 2))


# ---- modules
def tied(m):
    class Tied(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = m.nn.Embedding(5, 3)
            self.out = m.nn.Linear(3, 5, bias=False)
            self.out.weight = self.emb.weight
    return Tied()


def layers(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Flatten(),
        nn.Sequential(nn.Linear(8, 4), nn.Dropout(0.1), nn.GELU()), nn.Embedding(10, 3, padding_idx=0),
        nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Conv1d(2, 3, 5, stride=2), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Tanh(), nn.Sigmoid(), nn.LeakyReLU(0.2), nn.Identity(), nn.Dropout2d(0.2),
        nn.ModuleList([nn.Linear(1, 1)]), nn.ModuleDict({"a": nn.ReLU()}), nn.CrossEntropyLoss(), nn.MSELoss(),
        nn.ConvTranspose2d(3, 2, 2, stride=2), nn.Linear(2, 3, bias=False), nn.ELU(), nn.SiLU(), nn.Softplus(),
        nn.MultiheadAttention(4, 2))


@pytest.mark.parametrize("fn", [
    lambda m: [n for n, _ in tied(m).named_parameters()],
    lambda m: [n for n, _ in tied(m).named_parameters(remove_duplicate=False)],
    lambda m: len(list(tied(m).parameters())),
    lambda m: list(tied(m).state_dict()),
    lambda m: [n for n, _ in tied(m).named_modules()],
    lambda m: [type(c).__name__ for c in tied(m).children()],
    lambda m: (lambda seen: (tied(m).apply(lambda mod: seen.append(type(mod).__name__)), seen)[1])([]),
    lambda m: repr(layers(m)),
    lambda m: [type(x).__name__ for x in layers(m).modules()],
    lambda m: m.nn.Linear(2, 2).double().weight.dtype,
    lambda m: m.nn.Linear(2, 2).half().weight.dtype,
    lambda m: m.nn.Linear(2, 2).double().float().weight.dtype,
    lambda m: m.nn.Linear(2, 2).to(m.float64).bias.dtype,
    lambda m: m.nn.Linear(2, 2).to(m.device("cpu")).weight.device,
    lambda m: m.nn.Linear(2, 2).to("cpu", m.float64).weight.dtype,
    lambda m: m.nn.Linear(2, 2).type(m.float64).weight.dtype,
    lambda m: m.nn.Linear(2, 2).to(m.int64),
    lambda m: (lambda lin: (lin.to(m.float64) is lin, lin.weight is lin.double().weight))(m.nn.Linear(2, 2)),
    lambda m: m.nn.functional.tanh(m.tensor([0.0, 1.0])),
    lambda m: m.nn.functional.sigmoid(m.tensor([0.0, 1.0])),
])
def test_module_traversal_conversion_and_repr(fn):
    same(fn)


def test_replacing_and_deleting_submodules():
    def edit(m):
        model = tied(m)
        model.fc = m.nn.Linear(2, 9)
        model.emb = m.nn.Embedding(2, 3)
        del model.out
        seq = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Linear(2, 3))
        seq[1] = m.nn.Linear(2, 7)
        lin = m.nn.Linear(2, 2)
        lin.bias = None
        return ({k: tuple(v.shape) for k, v in model.state_dict().items()}, repr(model), hasattr(model, "out"),
                {k: tuple(v.shape) for k, v in seq.state_dict().items()}, list(lin.state_dict()), repr(lin))
    same(edit)


def test_forward_hooks():
    def run(m):
        lin = m.nn.Linear(2, 3, bias=False)
        with m.no_grad():
            lin.weight.fill_(1.0)
        seen = []
        h1 = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = lin.register_forward_pre_hook(lambda mod, args, kwargs: seen.append(len(kwargs)), with_kwargs=True)
        h3 = lin.register_forward_hook(lambda mod, args, out: out + 1)
        first = lin(m.ones(1, 2))
        for h in (h1, h2, h3):
            h.remove()
        return first, lin(m.ones(1, 2)), seen
    same(run)


@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hook(input_grad):
    def run(m):
        lin = m.nn.Linear(2, 3)
        with m.no_grad():
            lin.weight.copy_(m.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        seen = []

        def hook(mod, grad_input, grad_output):
            seen.append(([None if g is None else g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
            if grad_input[0] is not None:
                return (grad_input[0] * 10,)
        lin.register_full_backward_hook(hook)
        x = m.ones(1, 2, requires_grad=input_grad)
        (lin(x) * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        return seen, None if x.grad is None else x.grad.tolist(), lin.weight.grad.tolist()
    same(run)


def test_zero_grad_and_freezing():
    def run(m):
        lin = m.nn.Linear(2, 1)
        lin(m.ones(1, 2)).sum().backward()
        lin.zero_grad(set_to_none=False)
        kept = lin.weight.grad.tolist()
        lin.zero_grad()
        lin.requires_grad_(False)
        return kept, lin.weight.grad, [p.requires_grad for p in lin.parameters()], lin(m.ones(1, 2)).requires_grad
    same(run)


@pytest.mark.parametrize("shape", [(40, 60), (4, 6, 50)])
def test_dropout2d_deprecated_inputs(shape):
    def run(m):
        m.manual_seed(0)
        y = m.nn.Dropout2d(0.5)(m.ones(*shape))
        constant_rows = bool((y == y[..., :1]).all())  # whole channels dropped together
        return y.shape, sorted(set(y.flatten().tolist())), constant_rows
    same(run, warns=True)


# ---- sampling and generators
@pytest.mark.parametrize("fn", [
    lambda m: m.multinomial(m.tensor([0.1, 0.9]), 5),
    lambda m: m.multinomial(m.tensor([-0.1, 0.9]), 1),
    lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    lambda m: m.multinomial(m.tensor([float("nan"), 1.0]), 1),
    lambda m: m.multinomial(m.tensor([float("inf"), 1.0]), 1),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    lambda m: m.multinomial(m.ones(3), 0),
    lambda m: m.multinomial(m.tensor([1, 2]), 1),
    lambda m: (lambda s: (s.shape, s.dtype))(m.multinomial(m.tensor([0.1, 0.9]), 5, replacement=True)),
    lambda m: (lambda s: (s.shape, sorted(s[0].tolist())))(m.ones(2, 3).multinomial(3)),
    lambda m: m.multinomial(m.tensor([0.0, 1.0, 0.0]), 1),
    lambda m: m.normal(0.0, -1.0, size=(2,)),
    lambda m: m.normal(m.zeros(2), -1.0),
    lambda m: m.normal(2.0, 3.0),
    lambda m: m.normal(m.zeros(3, 1), m.ones(1, 2)).shape,
    lambda m: m.normal(m.zeros(3), 1.0).shape,
    lambda m: m.normal(0.0, m.ones(2, 2)).shape,
    lambda m: m.normal(2.0, 3.0, size=(2, 3)).shape,
    lambda m: m.normal(2.0, 3.0, (2, 3), generator=m.Generator().manual_seed(0)).dtype,
    lambda m: m.normal(m.zeros(2, dtype=m.float64), 1.0).dtype,
    lambda m: (m.randn_like(m.ones(2, dtype=m.float64)).dtype, m.rand_like(m.ones(2), dtype=m.float64).dtype),
    lambda m: (m.randint_like(m.ones(2), 5).dtype, m.randint_like(m.ones(2), 3, 5).shape),
    lambda m: (m.rand(size=(2, 3)).shape, m.randn(size=(2, 3)).shape, m.rand((2, 3)).shape),
    lambda m: (m.randint(low=0, high=5, size=(3,)).dtype, m.randperm(4).dtype),
    lambda m: m.rand(2, requires_grad=True).requires_grad,
    lambda m: sorted(set(m.bernoulli(m.zeros(50), 1.0).tolist())),
    lambda m: m.bernoulli(m.full((3,), 0.5, dtype=m.float64)).dtype,
    lambda m: m.zeros(3).bernoulli_(m.full((3,), 1.0)),
    lambda m: m.zeros(3).bernoulli_(1.0),
    lambda m: (m.Generator().manual_seed(5).initial_seed(), m.Generator().get_state().dtype),
    lambda m: (lambda g: g.manual_seed(1) is g)(m.Generator()),
    lambda m: type(m.Generator().seed()).__name__,
])
def test_sampling_api(fn):
    same(fn)


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies_match_torch(replacement):
    """First-draw frequencies over many rows (and, with replacement, all draws) match the distribution and
    torch's own frequencies within sampling error."""
    probs = [0.1, 0.2, 0.3, 0.4]
    rows, k = 4000, 2

    def freq(m):
        g = m.Generator().manual_seed(0)
        s = m.multinomial(m.tensor([probs] * rows), k, replacement=replacement, generator=g)
        assert tuple(s.shape) == (rows, k) and str(s.dtype).endswith("int64")
        if not replacement:
            assert bool((s[:, 0] != s[:, 1]).all())
        return np.bincount(np.asarray(s[:, 0].tolist()), minlength=4) / rows
    ours, ref = freq(tt), freq(torch)
    tolerance = 4 * np.sqrt(0.25 / rows)
    assert np.abs(ours - np.array(probs)).max() < tolerance
    assert np.abs(ours - ref).max() < 2 * tolerance


def seeded_draws(m, g):
    """One draw from each sampler that takes generator=."""
    return [m.rand(3, generator=g), m.randn(2, generator=g), m.randint(0, 9, (4,), generator=g),
            m.randperm(5, generator=g), m.multinomial(m.ones(4), 2, generator=g),
            m.bernoulli(m.full((4,), 0.5), generator=g), m.normal(m.zeros(3), 1.0, generator=g),
            m.zeros(3).uniform_(generator=g), m.zeros(3).normal_(generator=g),
            m.zeros(3).exponential_(generator=g)]


def test_generator_state_and_argument():
    for m in (torch, tt):  # both replay the same numbers after set_state (the numbers themselves differ)
        g = m.Generator().manual_seed(3)
        state = g.get_state()
        first = [t.tolist() for t in seeded_draws(m, g)]
        g.set_state(state)
        assert [t.tolist() for t in seeded_draws(m, g)] == first
        g.manual_seed(3)
        assert [t.tolist() for t in seeded_draws(m, g)] == first
    tt.manual_seed(7)
    a = tt.rand(2).tolist()
    default_state = tt.get_rng_state()
    b = tt.rand(2).tolist()
    tt.set_rng_state(default_state)
    assert tt.rand(2).tolist() == b and a != b
    same(lambda m: m.Generator().set_state(m.zeros(3)))
    same(lambda m: m.Generator().set_state(m.zeros(3, dtype=m.uint8)))


@pytest.mark.parametrize("name,args,check", [
    ("exponential_", (2.0,), lambda t: (t >= 0).all()),
    ("geometric_", (0.5,), lambda t: ((t >= 1) & (t == t.floor())).all()),
    ("log_normal_", (), lambda t: (t > 0).all()),
    ("cauchy_", (), lambda t: t.isfinite().all()),
    ("uniform_", (2.0, 3.0), lambda t: ((t >= 2) & (t < 3)).all()),
    ("random_", (3, 7), lambda t: ((t >= 3) & (t < 7)).all()),
])
def test_inplace_samplers(name, args, check):
    for m in (torch, tt):
        m.manual_seed(0)
        t = m.zeros(2000, dtype=m.float64)
        assert getattr(t, name)(*args) is t
        assert bool(check(t))
    n = 20000
    ours = getattr(tt.zeros(n, dtype=tt.float64), name)(*args).numpy()
    ref = getattr(torch.zeros(n, dtype=torch.float64), name)(*args).numpy()
    if name == "cauchy_":  # no mean: compare the quartiles
        assert np.abs(np.percentile(ours, [25, 50, 75]) - np.percentile(ref, [25, 50, 75])).max() < 0.1
    else:
        assert abs(ours.mean() - ref.mean()) < 6 * ref.std() / np.sqrt(n)


# ---- data loading
def dict_dataset(m):
    class Items(m.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i, "f": i * 0.5, "s": str(i),
                    "t": (m.tensor(i), np.float64(i))}
    return Items()


def numbers(m):
    class Numbers(m.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))
    return Numbers()


def load_all(m, dataset, **kwargs):
    return list(m.utils.data.DataLoader(dataset, **kwargs))


@pytest.mark.parametrize("fn", [
    lambda m: load_all(m, dict_dataset(m), batch_size=2),
    lambda m: load_all(m, dict_dataset(m), batch_size=2, num_workers=2, persistent_workers=True, prefetch_factor=2,
                       worker_init_fn=lambda i: None, timeout=5, drop_last=True),
    lambda m: load_all(m, dict_dataset(m), batch_size=2, collate_fn=len),
    lambda m: load_all(m, m.utils.data.TensorDataset(m.arange(6)), batch_size=2, sampler=[5, 4, 3, 2, 1, 0]),
    lambda m: load_all(m, m.utils.data.TensorDataset(m.arange(6)), batch_sampler=[[0, 1, 2], [5]]),
    lambda m: load_all(m, m.utils.data.TensorDataset(m.arange(3)), batch_size=None),
    lambda m: load_all(m, numbers(m), batch_size=3),
    lambda m: load_all(m, numbers(m), batch_size=3, drop_last=True),
    lambda m: len(load_all(m, m.utils.data.TensorDataset(m.arange(6)), batch_size=4, shuffle=True,
                           generator=m.Generator().manual_seed(0))),
    lambda m: len(m.utils.data.DataLoader(dict_dataset(m), batch_size=2)),
    lambda m: m.utils.data.default_collate([(1, 2.0), (3, 4.0)]),
    lambda m: m.utils.data.default_collate([True, False]),
    lambda m: m.utils.data.default_collate([np.float32(1), np.float32(2)]),
    lambda m: m.utils.data.default_collate([np.ones(2), np.zeros(2)]),
    lambda m: m.utils.data.default_collate([[1, 2], [3, 4]]),
    lambda m: m.utils.data.default_collate(["a", "b"]),
    lambda m: m.utils.data.default_collate([collections.OrderedDict(a=1, b=2.0)] * 2),
    lambda m: repr(m.utils.data.default_collate([collections.namedtuple("P", "a b")(1, 2)] * 2)).split("(")[0],
    lambda m: m.utils.data.default_collate([m.ones(2), m.ones(3)]),
    lambda m: m.utils.data.default_collate([None, None]),
    lambda m: m.utils.data.default_convert({"a": np.ones(2), "b": (np.zeros(1), "s")}),
])
def test_dataloader_options_and_collation(fn):
    same(fn)


@pytest.mark.parametrize("fn", [
    lambda m: (lambda it: [0 <= next(it) < 10 for _ in range(5)])(
        iter(m.utils.data.RandomSampler(range(10), replacement=True, num_samples=10 ** 10))),
    lambda m: (lambda it: [0 <= next(it) < 10 for _ in range(5)])(
        iter(m.utils.data.RandomSampler(range(10), num_samples=10 ** 10))),
    lambda m: len(m.utils.data.RandomSampler(range(10), replacement=True, num_samples=10 ** 10)),
    lambda m: sorted(m.utils.data.RandomSampler(range(5), generator=m.Generator().manual_seed(1))),
    lambda m: (lambda s: (len(s), set(s)))(list(m.utils.data.RandomSampler(range(3), num_samples=7))),
    lambda m: m.utils.data.RandomSampler(range(5), num_samples=0),
    lambda m: [len(s) for s in m.utils.data.random_split(range(10), [0.7, 0.3],
                                                         generator=m.Generator().manual_seed(0))],
    lambda m: [len(s) for s in m.utils.data.random_split(range(11), [0.5, 0.3, 0.2])],
    lambda m: [len(s) for s in m.utils.data.random_split(range(10), [3, 7])],
    lambda m: sorted(x for s in m.utils.data.random_split(range(10), [0.3, 0.7]) for x in s),
    lambda m: m.utils.data.random_split(range(10), [3, 8]),
    lambda m: m.utils.data.random_split(range(10), [0.5, 0.6]),
    lambda m: (lambda s: (len(s), s[1], list(s)))(m.utils.data.Subset(range(10, 20), [3, 5])),
    lambda m: (lambda c: (len(c), c[4], c[-1], c.cumulative_sizes))(
        m.utils.data.ConcatDataset([range(3), range(10, 14)])),
    lambda m: len(m.utils.data.TensorDataset(m.ones(2)) + m.utils.data.TensorDataset(m.ones(3))),
])
def test_samplers_and_splits(fn):
    same(fn)


# ---- checkpoints
def checkpoint(m):
    lin = m.nn.Linear(2, 1)
    opt = m.optim.Adam(lin.parameters(), lr=0.1)
    lin(m.ones(1, 2)).sum().backward()
    opt.step()
    return {"model": lin.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "lr": 0.1, "name": "run",
            "flags": [True, False, None], "tup": (1, 2.5, "a"), "arr": np.arange(4, dtype=np.int16),
            "scalar": m.tensor(2.5), "nested": {"a": [m.arange(3), {"b": (m.tensor(True),)}]}, 1: "int key",
            "np_scalar": np.float32(1.5), "counter": m.tensor(7), "big": 2 ** 70, "inf": float("inf"),
            "set": {1, 2}, "bytes": b"abc", "dtype": m.float16, "device": m.device("cpu"), (1, 2): "tuple key",
            "param": m.nn.Parameter(m.ones(2)), "frozen": m.ones(2, requires_grad=True),
            "order": collections.OrderedDict(z=1, a=2)}


def roundtrip(m, obj, to_path=None, **load_kwargs):
    load_kwargs.setdefault("weights_only", False)  # torch refuses NumPy arrays otherwise; ours loads no code either way
    if to_path is not None:
        m.save(obj, to_path)
        return m.load(to_path, **load_kwargs)
    buf = io.BytesIO()
    m.save(obj, buf)
    buf.seek(0)
    return m.load(buf, **load_kwargs)


@pytest.mark.parametrize("load_kwargs", [{}, {"map_location": "cpu"}, {"map_location": "device"},
                                         {"map_location": {"cuda:0": "cpu"}},
                                         {"map_location": lambda storage, location: storage}])
def test_checkpoint_roundtrip_matches_torch(load_kwargs, tmp_path):
    def run(m, target):
        kwargs = {k: (m.device("cpu") if v == "device" else v) for k, v in load_kwargs.items()}
        out = roundtrip(m, checkpoint(m), target, **kwargs)
        out.pop("model"), out.pop("optimizer")  # initial values differ; their structure is checked below
        return out
    for target in (None, tmp_path / "ckpt.pt"):
        ref, ours = plain(run(torch, target)), plain(run(tt, target))
        assert ours == ref
        assert type(roundtrip(tt, checkpoint(tt))["param"]).__name__ == "Parameter"


def test_state_dict_checkpoint_keeps_structure():
    def structure(m):
        m.manual_seed(0)
        out = roundtrip(m, checkpoint(m))
        opt = out["optimizer"]
        return (type(out["model"]).__name__, list(out["model"]), {k: tuple(v.shape) for k, v in out["model"].items()},
                sorted(opt), opt["param_groups"][0]["params"], sorted(opt["state"][0]),
                type(opt["state"][0]["step"]).__name__)
    same(structure)


def test_tied_tensors_load_as_one():
    same(lambda m: (lambda d: (d["a"] is d["b"], d["a"].data_ptr() == d["b"].data_ptr()))(
        roundtrip(m, (lambda t: {"a": t, "b": t})(m.ones(2)))))


def test_saving_a_module_asks_for_its_state_dict():
    with pytest.raises(TypeError, match="state_dict"):
        tt.save(tt.nn.Linear(1, 1), io.BytesIO())


def test_save_errors_and_safe_globals(tmp_path):
    same(lambda m: m.save({}, tmp_path / "missing" / "file.pt"))
    same(lambda m: m.load(tmp_path / "absent.pt"))
    for m in (torch, tt):
        m.serialization.add_safe_globals([collections.OrderedDict])
        assert collections.OrderedDict in m.serialization.get_safe_globals()
        with m.serialization.safe_globals([dict]):
            buf = io.BytesIO()
            m.save({"a": 1}, buf)
            buf.seek(0)
            assert m.load(buf) == {"a": 1}


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    tt.save({"v": 1}, path)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        tt.save({"v": 2}, path)
    monkeypatch.undo()
    assert tt.load(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]
