"""Interleaved sampling: every library's callable is timed in turn, sample after sample (tt, np, torch, tt, np,
torch, ...), so that the load of a shared machine falls on all of them alike rather than on whichever ran last."""
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How long to sample: a sample is as many calls as last at least min_sample seconds; each library gets at least
    `samples` of them, and more (up to max_samples) while a figure has taken less than min_total seconds, which
    steadies the cheap figures at no cost to the expensive ones."""
    samples: int
    min_sample: float
    min_total: float
    max_samples: int
    quick: bool


FULL = Settings(samples=15, min_sample=0.02, min_total=2.0, max_samples=101, quick=False)
QUICK = Settings(samples=5, min_sample=0.003, min_total=0.3, max_samples=41, quick=True)


@dataclass(frozen=True)
class Stat:
    """Seconds per call: the median and the interquartile range (q1, q3) of the samples."""
    median: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples):
        if len(samples) < 2:
            return cls(samples[0], samples[0], samples[0], len(samples))
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(statistics.median(samples), q1, q3, len(samples))


def _calls_per_sample(fn, min_sample):
    """Enough calls in one sample for the clock to measure it well; fn runs at least once (its warm-up)."""
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - t0 >= min_sample or calls >= 1 << 20:
            return calls
        calls *= 4


def interleaved(fns, settings):
    """{name: Stat of seconds per call} for {name: callable}, sampled in turn."""
    fns = {k: f for k, f in fns.items() if f is not None}
    calls = {k: _calls_per_sample(f, settings.min_sample) for k, f in fns.items()}
    samples = {k: [] for k in fns}
    start = time.perf_counter()
    rounds = 0
    while rounds < settings.samples or (rounds < settings.max_samples and
                                        time.perf_counter() - start < settings.min_total):
        rounds += 1
        for k, f in fns.items():
            n = calls[k]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            samples[k].append((time.perf_counter() - t0) / n)
    return {k: Stat.of(v) for k, v in samples.items()}
