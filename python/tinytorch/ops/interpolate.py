"""Resizing the spatial dims of [N, C, ...] inputs: nearest and (bi/tri)linear interpolation, one dim at a time,
as gathers (index_select) and lerps, so autograd needs nothing new."""
import math

from .. import _dtype as dt
from ..tensor import Tensor
from . import elementwise as ew
from .creation import arange
from .index import index_select
from .shape import reshape


def _source_coords(out_size, in_size, scale, align_corners, mode):
    """Where each output position samples the input, as torch computes it (float64 positions)."""
    i = arange(out_size, dtype=dt.float64)
    if mode == "nearest":
        step = 1.0 / scale if scale else in_size / out_size
        return ew.clamp(ew.floor(ew.mul(i, step)), 0, in_size - 1)
    if align_corners:
        step = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        return ew.mul(i, step)
    step = 1.0 / scale if scale else in_size / out_size
    return ew.clamp(ew.sub(ew.mul(ew.add(i, 0.5), step), 0.5), 0, None)


def _linear_axis(x, dim, out_size, scale, align_corners):
    """Linear interpolation along one dim: two gathers and a lerp."""
    n = x.shape[dim]
    pos = _source_coords(out_size, n, scale, align_corners, "linear")
    lo = ew.clamp(ew.floor(pos), 0, n - 1)
    frac = (ew.sub(pos, lo)).to(x.dtype)
    lo = lo.long()
    hi = ew.clamp(ew.add(lo, 1), 0, n - 1)
    shape = [1] * x.ndim
    shape[dim] = out_size
    a, b = index_select(x, dim, lo), index_select(x, dim, hi)
    return ew.add(a, ew.mul(ew.sub(b, a), reshape(frac, tuple(shape))))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): expected a tensor, got {type(input).__name__}")
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(f"interpolate(): expected at least 3-d input [N, C, ...], got {list(input.shape)}")
    modes = {"nearest": None, "linear": 1, "bilinear": 2, "bicubic": None, "trilinear": 3, "nearest-exact": None}
    if mode not in ("nearest", "linear", "bilinear", "trilinear"):
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not supported (nearest, linear, bilinear, "
                                  f"trilinear)" if mode in modes else f"interpolate(): unknown mode {mode!r}")
    if modes[mode] is not None and modes[mode] != spatial:
        raise ValueError(f"interpolate(): mode {mode!r} expects a {modes[mode] + 2}-d input, got {list(input.shape)}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate(): align_corners can only be set with the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate(): give exactly one of size and scale_factor")
    in_sizes = input.shape[2:]
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
        scales = (None,) * spatial
    else:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * spatial
        sizes = tuple(int(math.floor(n * f)) for n, f in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * spatial
    if len(sizes) != spatial or min(sizes) < 1:
        raise ValueError(f"interpolate(): output size {sizes} does not fit input {list(input.shape)}")
    x = input
    for i, (out_size, scale) in enumerate(zip(sizes, scales)):
        dim = 2 + i
        if mode == "nearest":
            idx = _source_coords(out_size, in_sizes[i], scale, False, "nearest").long()
            x = index_select(x, dim, idx)
        else:
            x = _linear_axis(x, dim, out_size, scale, bool(align_corners))
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)
