"""Dropout: element-wise, and channel-wise (one keep/drop draw per (N, C), broadcast over the spatial dims). Kept
values are scaled by 1 / (1 - p) so that the expectation is unchanged."""
import warnings

from . import elementwise as ew
from .random import rand


def _check_p(p, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}(): probability has to be between 0 and 1, but got {p}")


def dropout(x, p=0.5, training=True, inplace=False):
    _check_p(p, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return ew.mul(x, 0.0)
    keep = ew.ge(rand(x.shape, dtype=x.dtype if x.dtype.is_floating_point else None, device=x.device), p)
    return ew.mul(ew.where(keep, x, 0.0), 1.0 / (1.0 - p))


def _channel_dropout(x, p, training, op, spatial):
    _check_p(p, op)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}(): expected a {spatial + 1}-d or {spatial + 2}-d input, got {list(x.shape)}")
    if not training or p == 0.0:
        return x
    lead = x.ndim - spatial
    keep = ew.ge(rand(tuple(x.shape[:lead]) + (1,) * spatial, dtype=x.dtype, device=x.device), p)
    return ew.mul(ew.where(keep, x, 0.0), 1.0 / (1.0 - p)) if p < 1.0 else ew.mul(x, 0.0)


def dropout1d(x, p=0.5, training=True, inplace=False):
    return _channel_dropout(x, p, training, "dropout1d", 1)


def dropout2d(x, p=0.5, training=True, inplace=False):
    # torch's deprecated readings, with its warnings: a 2-D input gets element-wise dropout, a 3-D one is (N, C, L)
    if x.ndim == 2:
        warnings.warn("dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
        return dropout(x, p, training)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
        return _channel_dropout(x, p, training, "dropout2d", 1)
    return _channel_dropout(x, p, training, "dropout2d", 2)


def dropout3d(x, p=0.5, training=True, inplace=False):
    return _channel_dropout(x, p, training, "dropout3d", 3)
