"""Pooling, NCHW. Max pooling returns the flat index of each maximum in its input plane, so its backward is one
SCATTER_ADD; average pooling's backward is its own kernel, whose backward is the forward again. 1-d pooling runs
as 2-d with H = 1; the adaptive forms use the same kernels with windows [floor(i*H/OH), ceil((i+1)*H/OH))."""
from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from .conv import tuple_arg
from .creation import zeros
from .index import scatter_add
from .shape import reshape, squeeze, unsqueeze


def _pool_attrs(kernel=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), count_include_pad=True,
                adaptive=False, divisor_override=None):
    return _core.POOL.pack(*kernel, *stride, *padding, *dilation, int(count_include_pad), int(adaptive),
                           int(divisor_override or 0))


def _as_4d(op, x, spatial):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}(): expected a {spatial + 1}-d (unbatched) or {spatial + 2}-d (batched) input, got "
                           f"shape {list(x.shape)}")
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"{op}(): takes floating dtypes, not {x._dtype.name}")
    unbatched = x.ndim == spatial + 1
    if unbatched:
        x = unsqueeze(x, 0)
    if spatial == 1:
        x = unsqueeze(x, 2)
    if x._shape[1] == 0 or (x._shape[2] == 0 or x._shape[3] == 0):
        raise RuntimeError(f"{op}(): input of shape {list(x.shape)} has an empty channel or spatial dim")
    return x, unbatched


def _from_4d(out, spatial, unbatched):
    if spatial == 1:
        out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def _window_out(op, size, k, s, p, d, ceil_mode):
    """torch's pooling output size: the last window must start inside the input or its left padding."""
    if p * 2 > k:
        raise RuntimeError(f"{op}(): padding {p} must be at most half of the kernel size {k}")
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    if out < 1:
        raise RuntimeError(f"{op}(): the kernel {k} (dilation {d}, padding {p}) is larger than the input size {size}")
    return out


def _geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, n):
    kernel = tuple_arg(kernel_size, n, op, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        tuple_arg(stride, n, op, "stride")
    padding = tuple_arg(padding, n, op, "padding")
    dilation = tuple_arg(dilation, n, op, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"{op}(): kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive, "
                         f"padding {padding} non-negative")
    if n == 1:
        kernel, stride, padding, dilation = (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation
    out_hw = tuple(_window_out(op, x._shape[2 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
                   for i in range(2))
    return kernel, stride, padding, dilation, out_hw


def _max_pool(op, x, attrs, out_hw):
    n, c, h, w = x._shape
    values = empty((n, c) + out_hw, x._dtype, x._device, op)
    indices = empty((n, c) + out_hw, dt.int64, x._device, op)
    _core.run(OP.MAX_POOL2D, (x,), (values, indices), attrs, op)
    if needs_grad(x):
        record(values, "MaxPool2DBackward", (x,), lambda g: (_unpool(g, indices, (h, w)),))
    return values, indices


def _unpool(g, indices, hw):
    """The gradient of max pooling: each output's gradient added at the flat index of its maximum."""
    n, c = g._shape[:2]
    if not needs_grad(g) and _core.supported(OP.MAX_POOL2D_BACKWARD, g._device, g._dtype):
        grad = empty((n, c) + tuple(hw), g._dtype, g._device, "max_pool2d_backward")
        _core.run(OP.MAX_POOL2D_BACKWARD, (g, indices), (grad,), _core.NO_ATTRS, "max_pool2d_backward")
        return grad
    # the differentiable form, for a gradient that is itself differentiated (create_graph) or another device
    flat = zeros((n, c, hw[0] * hw[1]), dtype=g.dtype, device=g.device)
    grad = scatter_add(flat, 2, reshape(indices, (n, c, -1)), reshape(g, (n, c, -1)))
    return reshape(grad, (n, c) + tuple(hw))


def _avg_pool(op, x, attrs, out_hw):
    out = empty(x._shape[:2] + tuple(out_hw), x._dtype, x._device, op)
    _core.run(OP.AVG_POOL2D, (x,), (out,), attrs, op)
    if needs_grad(x):
        hw = x._shape[2:]
        record(out, "AvgPool2DBackward", (x,), lambda g: (_avg_pool_backward(op, g, attrs, hw),))
    return out


def _avg_pool_backward(op, g, attrs, hw):
    grad = empty(g._shape[:2] + tuple(hw), g._dtype, g._device, op)
    _core.run(OP.AVG_POOL2D_BACKWARD, (g,), (grad,), attrs, op)
    if needs_grad(g):  # the adjoint of the adjoint: pooling again
        out_hw = g._shape[2:]
        record(grad, "AvgPool2DBackwardBackward", (g,), lambda gg: (_avg_pool(op, gg, attrs, out_hw),))
    return grad


def _max_pool_nd(op, spatial, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x4, unbatched = _as_4d(op, x, spatial)
    kernel, stride, padding, dilation, out_hw = _geometry(op, x4, kernel_size, stride, padding, dilation, ceil_mode,
                                                          spatial)
    values, indices = _max_pool(op, x4, _pool_attrs(kernel, stride, padding, dilation), out_hw)
    values = _from_4d(values, spatial, unbatched)
    return (values, _from_4d(indices, spatial, unbatched)) if return_indices else values


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    return _max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    return _max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool_nd(op, spatial, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x4, unbatched = _as_4d(op, x, spatial)
    kernel, stride, padding, dilation, out_hw = _geometry(op, x4, kernel_size, stride, padding, 1, ceil_mode, spatial)
    if divisor_override is not None and divisor_override <= 0:
        raise ValueError(f"{op}(): divisor_override must be positive, got {divisor_override}")
    attrs = _pool_attrs(kernel, stride, padding, dilation, count_include_pad, False, divisor_override)
    return _from_4d(_avg_pool(op, x4, attrs, out_hw), spatial, unbatched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    return _avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    return _avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def _adaptive_size(op, x4, output_size, spatial):
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * spatial
    if len(size) != spatial:
        raise ValueError(f"{op}(): output_size must have {spatial} elements, got {output_size!r}")
    in_hw = x4._shape[4 - spatial:]
    size = tuple(i if s is None else int(s) for s, i in zip(size, in_hw))
    if min(size) < 0:
        raise ValueError(f"{op}(): output_size {size} must be non-negative")
    return ((1,) + size) if spatial == 1 else size


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    x4, unbatched = _as_4d("adaptive_avg_pool2d", input, 2)
    out_hw = _adaptive_size("adaptive_avg_pool2d", x4, output_size, 2)
    return _from_4d(_avg_pool("adaptive_avg_pool2d", x4, _pool_attrs(adaptive=True), out_hw), 2, unbatched)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    x4, unbatched = _as_4d("adaptive_avg_pool1d", input, 1)
    out_hw = _adaptive_size("adaptive_avg_pool1d", x4, output_size, 1)
    return _from_4d(_avg_pool("adaptive_avg_pool1d", x4, _pool_attrs(adaptive=True), out_hw), 1, unbatched)


def _adaptive_max(op, spatial, x, output_size, return_indices):
    x4, unbatched = _as_4d(op, x, spatial)
    out_hw = _adaptive_size(op, x4, output_size, spatial)
    values, indices = _max_pool(op, x4, _pool_attrs(adaptive=True), out_hw)
    values = _from_4d(values, spatial, unbatched)
    return (values, _from_4d(indices, spatial, unbatched)) if return_indices else values


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)

