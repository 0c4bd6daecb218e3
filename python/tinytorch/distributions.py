"""torch.distributions' Categorical (the policy of the reinforcement-learning examples): probabilities or logits
over the last dim, sample (multinomial), log_prob (gather), entropy. A composite of tensor ops, so log_prob and
entropy are differentiable."""
from . import _dtype as dt
from .ops import elementwise as ew
from .ops import index as ix
from .ops import random as rnd
from .ops import reduce as rd
from .ops import shape as sh
from .ops.broadcast import broadcast_shapes, broadcast_to
from .tensor import Size, Tensor


def _finfo(dtype):
    import numpy as np
    return np.finfo(np.float32 if dtype in (dt.float16, dt.bfloat16) else dtype.np)


class Categorical:
    """Categorical(probs=None, logits=None): a distribution over range(probs.shape[-1]) for each batch index."""
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical(): either `probs` or `logits` must be specified, but not both")
        if probs is not None:
            if not isinstance(probs, Tensor) or probs.ndim < 1:
                raise ValueError("Categorical(): `probs` parameter must be at least one-dimensional")
            self.probs = ew.div(probs, rd.sum(probs, -1, keepdim=True))
            eps = float(_finfo(self.probs.dtype).eps)
            self.logits = ew.log(ew.clamp(self.probs, eps, 1 - eps))  # torch's probs_to_logits
        else:
            if not isinstance(logits, Tensor) or logits.ndim < 1:
                raise ValueError("Categorical(): `logits` parameter must be at least one-dimensional")
            self.logits = ew.sub(logits, rd.logsumexp(logits, -1, keepdim=True))
            self.probs = rd.softmax(self.logits, -1)
        self._num_events = self.probs.shape[-1]
        self.batch_shape = Size(self.probs.shape[:-1])
        self.event_shape = Size(())

    @property
    def param_shape(self):
        return self.probs.shape

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        n = 1
        for s in sample_shape:
            n *= s
        probs_2d = sh.reshape(self.probs, (-1, self._num_events))
        samples_2d = sh.t(rnd.multinomial(probs_2d, n, True))
        return sh.reshape(samples_2d, tuple(sample_shape) + tuple(self.batch_shape))

    def log_prob(self, value):
        value = sh.unsqueeze(value.long(), -1)
        shape = broadcast_shapes(tuple(value.shape[:-1]), tuple(self.logits.shape[:-1]))
        log_pmf = broadcast_to(self.logits, shape + (self._num_events,))
        value = broadcast_to(value, shape + (1,))
        return sh.squeeze(ix.gather(log_pmf, -1, value), -1)

    def entropy(self):
        logits = ew.clamp(self.logits, min=float(_finfo(self.logits.dtype).min))
        return ew.neg(rd.sum(ew.mul(logits, self.probs), -1))

    def enumerate_support(self, expand=True):
        from .ops.creation import arange
        values = sh.reshape(arange(self._num_events, device=self.probs.device),
                            (-1,) + (1,) * len(self.batch_shape))
        return sh.expand(values, (-1,) + tuple(self.batch_shape)) if expand else values

    def __repr__(self):
        return f"Categorical(probs: {tuple(self.probs.shape)})"
