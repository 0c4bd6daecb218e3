"""Random numbers from the counter-based Philox kernels: a generator is (seed, offset), and each call takes
numel counters, so the same seed gives the same numbers at any thread count and on any backend."""
import math
import time

from .. import _core
from .. import _dtype as dt
from .._core import OP
from .._device import to_device
from ..tensor import Tensor, empty
from . import elementwise as ew
from .broadcast import broadcast_shapes
from .copy import cast, copy_
from .creation import _shape, tensor, user_tensor
from .index import argsort, topk
from .reduce import all as all_, any as any_, cumsum, sum as sum_
from ._public import declare


class Generator:
    def __init__(self, device="cpu"):
        self.device = to_device(device)
        self._seed = 67280421310721
        self._offset = 0

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError(f"manual_seed(): seed {seed} does not fit in 64 bits")
        self._seed = seed & ((1 << 64) - 1)
        self._offset = 0
        return self

    def seed(self):
        self.manual_seed(time.time_ns())
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor (torch's type for it): the seed and the offset, 8 little-endian bytes each."""
        raw = self._seed.to_bytes(8, "little") + self._offset.to_bytes(8, "little")
        return tensor(list(raw), dtype=dt.uint8)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state.dtype is not dt.uint8:
            raise TypeError(f"set_state(): expected a uint8 tensor from get_state(), got "
                            f"{getattr(new_state, 'dtype', type(new_state).__name__)}")
        if new_state.numel() != 16:
            raise RuntimeError(f"set_state(): expected the 16 bytes get_state() gives, got {new_state.numel()}")
        raw = bytes(new_state.tolist())
        self._seed, self._offset = int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")
        return self

    def _take(self, n):
        offset = self._offset
        self._offset += n
        return self._seed, offset


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _fill_random(out, op, a, b, generator):
    gen = generator or default_generator
    s, offset = gen._take(out.numel())
    _core.run(op, (), (out,), _core.RANDOM.pack(s, offset, float(a), float(b)))
    return out


def _float_out(size, dtype, device, op, requires_grad):
    dtype = dt.to_dtype(dtype) or dt.get_default_dtype()
    if not dtype.is_floating_point:
        raise TypeError(f"{op}(): needs a floating dtype, got {dtype.name}")
    out = empty(_shape(size, op), dtype, to_device(device), op)
    return out


def _size_kw(size, kwargs, op):
    """rand(2, 3), rand((2, 3)) and rand(size=(2, 3)) alike."""
    if "size" in kwargs:
        if size:
            raise TypeError(f"{op}(): size given both positionally and as a keyword")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    return size


def rand(*size, generator=None, dtype=None, device=None, requires_grad=None, **kwargs):
    size = _size_kw(size, kwargs, "rand")
    out = _fill_random(_float_out(size, dtype, device, "rand", requires_grad), OP.RAND_UNIFORM, 0.0, 1.0, generator)
    return user_tensor(out, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=None, **kwargs):
    size = _size_kw(size, kwargs, "randn")
    out = _fill_random(_float_out(size, dtype, device, "randn", requires_grad), OP.RAND_NORMAL, 0.0, 1.0, generator)
    return user_tensor(out, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=None):
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): size is required")
    if not low < high:
        raise RuntimeError(f"randint(): random_ expects 'from' < 'to', got from={low} >= to={high}")
    out = empty(_shape((size,), "randint"), dt.to_dtype(dtype) or dt.int64, to_device(device), "randint")
    if out._dtype.is_floating_point:
        tmp = _fill_random(empty(out._shape, dt.int64, out._device), OP.RAND_INT, low, high, generator)
        return cast(tmp, out._dtype)
    return _fill_random(out, OP.RAND_INT, low, high, generator)


def rand_like(x, dtype=None, device=None, requires_grad=None, **_):
    return rand(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=None, **_):
    return randn(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def randint_like(x, low, high=None, dtype=None, device=None, **_):
    return randint(low, high, x.shape, dtype=dtype or x.dtype, device=device or x.device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=None):
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    keys = _fill_random(empty((n,), dt.float64, to_device(device)), OP.RAND_UNIFORM, 0.0, 1.0, generator)
    perm = argsort(keys, stable=True)
    return perm if dtype is None or dt.to_dtype(dtype) is dt.int64 else cast(perm, dt.to_dtype(dtype))


def bernoulli(x, p=None, generator=None):
    """Each element 1 with probability p (a number) or with the probability held in x."""
    probs = x if p is None else p
    shape = x.shape
    u = _fill_random(empty(shape, dt.float64 if x.dtype is dt.float64 else dt.float32, x.device),
                     OP.RAND_UNIFORM, 0.0, 1.0, generator)
    out = ew.lt(u, probs)
    return cast(out, x.dtype if x.dtype.is_floating_point else dt.get_default_dtype())


def uniform_(x, a=0.0, b=1.0, generator=None):
    if not x.dtype.is_floating_point:
        raise TypeError(f"uniform_(): needs a floating tensor, got {x.dtype.name}")
    for name, bound in (("from", a), ("to", b)):
        if not math.isfinite(bound):
            raise RuntimeError(f"uniform_(): {name} = {bound} is out of bounds for {x.dtype.name}")
    return _fill_random(x, OP.RAND_UNIFORM, a, b, generator)


def normal_(x, mean=0.0, std=1.0, generator=None):
    if not x.dtype.is_floating_point:
        raise TypeError(f"normal_(): needs a floating tensor, got {x.dtype.name}")
    return _fill_random(x, OP.RAND_NORMAL, mean, std, generator)


def random_(x, low=0, high=None, generator=None):
    if high is None:
        low, high = 0, low if low else (1 << 24 if x.dtype.is_floating_point else 1 << 31)
    if x.dtype.is_floating_point:
        return copy_(x, randint(low, high, x.shape, generator=generator))
    return _fill_random(x, OP.RAND_INT, low, high, generator)


def bernoulli_(x, p=0.5, generator=None):
    return copy_(x, bernoulli(x, p, generator))


def _open_uniform(x, generator, op):
    """Uniform numbers in (0, 1), never 0, in x's floating dtype, for the inverse-CDF samplers below."""
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}(): needs a floating tensor, got {x.dtype.name}")
    u = _fill_random(empty(x.shape, dt.float64, x.device), OP.RAND_UNIFORM, 0.0, 1.0, generator)
    return ew.sub(1.0, u)  # (0, 1]: log() below stays finite


def exponential_(x, lambd=1.0, generator=None):
    if lambd <= 0:
        raise RuntimeError(f"exponential_(): expects lambda > 0.0, but found lambda={lambd}")
    return copy_(x, ew.div(ew.neg(ew.log(_open_uniform(x, generator, "exponential_"))), lambd))


def geometric_(x, p, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_(): expects p to be in (0, 1), but got p={p}")
    u = _open_uniform(x if x.dtype.is_floating_point else empty(x.shape, dt.float32, x.device), generator,
                      "geometric_")
    return copy_(x, ew.ceil(ew.div(ew.log(u), math.log1p(-p))).clamp(min=1))


def log_normal_(x, mean=1.0, std=2.0, generator=None):
    return ew.inplace(x, ew.exp(normal_(x, mean, std, generator)), "log_normal_")


def cauchy_(x, median=0.0, sigma=1.0, generator=None):
    u = _open_uniform(x, generator, "cauchy_")
    return copy_(x, ew.add(ew.mul(ew.tan(ew.mul(ew.sub(u, 0.5), math.pi)), sigma), median))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=None):
    """normal(Tensor, Tensor), normal(Tensor, float), normal(float, Tensor) broadcast the means and stds;
    normal(float, float, size) fills a new tensor."""
    negative = any_(ew.lt(std, 0)).item() if isinstance(std, Tensor) else std < 0
    if negative:
        raise RuntimeError(f"normal(): expects std >= 0.0, but found std {std}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = ref.shape if size is None else size
        if isinstance(mean, Tensor) and isinstance(std, Tensor) and size is None:
            shape = broadcast_shapes(mean.shape, std.shape)
        noise = randn(shape, generator=generator, dtype=ref.dtype, device=ref.device)
        return ew.add(ew.mul(noise, std), mean)
    if size is None:
        raise TypeError("normal(): with a float mean and std, give the size of the result")
    out = normal_(empty(_shape((size,), "normal"), dt.to_dtype(dtype) or dt.get_default_dtype(),
                        to_device(device)), mean, std, generator)
    return user_tensor(out, requires_grad)


def _check_distribution(probs, num_samples, replacement):
    """torch's checks, with its exception classes: one or two dims, floating, finite non-negative rows with a
    positive sum, and at most as many draws as categories without replacement."""
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): prob_dist must be 1 or 2 dim, got shape {list(probs.shape)}")
    if not probs.dtype.is_floating_point:
        raise RuntimeError(f"multinomial(): only supports floating-point dtypes for input, got {probs.dtype.name}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial(): cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement: {num_samples} > {probs.shape[-1]}")
    if probs.numel() and not all_(ew.logical_and(ew.isfinite(probs), ew.ge(probs, 0))).item():
        raise RuntimeError("multinomial(): probability tensor contains either `inf`, `nan` or element < 0")
    if probs.numel() and any_(ew.le(sum_(probs, -1), 0)).item():
        raise RuntimeError("multinomial(): invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(probs, num_samples, replacement=False, generator=None):
    """Samples by inverse CDF (with replacement) or by Gumbel top-k (without)."""
    _check_distribution(probs, num_samples, replacement)
    p = probs if probs.ndim == 2 else probs.reshape(1, -1)
    if replacement:
        cdf = cumsum(p, -1)
        cdf = ew.div(cdf, sum_(p, -1, keepdim=True))
        u = rand(p.shape[0], num_samples, generator=generator, dtype=cdf.dtype)
        # index of the first cdf entry above u: count of entries <= u
        out = sum_(ew.le(cdf.unsqueeze(1), u.unsqueeze(2)), -1).clamp(max=p.shape[1] - 1)
    else:
        g = ew.neg(ew.log(ew.neg(ew.log(rand(p.shape, generator=generator, dtype=dt.float64)))))
        out = topk(ew.add(ew.log(cast(p, dt.float64)), g), num_samples, -1).indices
    return out if probs.ndim == 2 else out.reshape(-1)

# public names (ops/_public.py)
declare(globals(), "Generator default_generator get_rng_state initial_seed rand_like randint_like randn_like seed "
        "set_rng_state", method=False)
declare(globals(), "normal", method=False, out=True)
declare(globals(), "bernoulli multinomial", out=True)
declare(globals(), "manual_seed", method=False, static=True)
declare(globals(), "rand randint randn", method=False, creation=True, static=True)
declare(globals(), "randperm", method=False, creation=True)
declare(globals(), "uniform_ normal_ random_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_", function=False)
