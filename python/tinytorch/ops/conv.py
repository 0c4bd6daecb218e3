"""Convolutions, NCHW, through the one batched GEMM: IM2COL lays each window out as a column, MATMUL multiplies
by the weights, COL2IM sums columns back into an image. The two layout kernels are each other's adjoint, so each
is the other's backward rule; conv2d has its own (see _Window), conv_transpose2d takes MATMUL's. 1-d layers run as
2-d with H = 1."""
from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from .broadcast import broadcast_view
from .linalg import matmul
from .reduce import sum as sum_
from .shape import narrow, pad as pad_, reshape, squeeze, transpose, unsqueeze


def tuple_arg(value, n, op, what):
    """An int or a sequence of n ints (torch's _pair / _single)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}(): {what} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(out) == 1:
        return out * n
    if len(out) != n:
        raise ValueError(f"{op}(): {what} must be an int or a tuple of {n} ints, got {value!r}")
    return out


def _conv_attrs(stride, padding, dilation):
    return _core.CONV.pack(*stride, *padding, *dilation)


def im2col(x, kernel, stride, padding, dilation, out_hw, op="unfold"):
    """[N, C, H, W] -> [N, C, KH, KW, OH, OW] windows (zeros outside the image)."""
    n, c = x._shape[:2]
    cols = empty((n, c) + tuple(kernel) + tuple(out_hw), x._dtype, x._device, op)
    _core.run(OP.IM2COL, (x,), (cols,), _conv_attrs(stride, padding, dilation), op)
    if needs_grad(x):
        hw = x._shape[2:]
        record(cols, "Im2ColBackward", (x,),
               lambda g: (col2im(g, hw, stride, padding, dilation, op),))
    return cols


def col2im(cols, hw, stride, padding, dilation, op="fold"):
    """[N, C, KH, KW, OH, OW] -> [N, C, H, W]: every pixel gets the sum of the windows that cover it."""
    if not cols._dtype.is_floating_point:
        raise RuntimeError(f"{op}(): takes floating dtypes, not {cols._dtype.name}")
    n, c, kh, kw, oh, ow = cols._shape
    image = empty((n, c) + tuple(hw), cols._dtype, cols._device, op)
    _core.run(OP.COL2IM, (cols,), (image,), _conv_attrs(stride, padding, dilation), op)
    if needs_grad(cols):
        record(image, "Col2ImBackward", (cols,),
               lambda g: (im2col(g, (kh, kw), stride, padding, dilation, (oh, ow), op),))
    return image


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _float_operands(op, x, weight, bias):
    for name, t in (("input", x), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {name} must be a Tensor, got {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): bias must be a Tensor or None, got {type(bias).__name__}")
    dtype = dt.promote(x._dtype, weight._dtype)
    if not dtype.is_floating_point:
        dtype = dt.get_default_dtype()
    compute = dt.float32 if dtype in (dt.float16, dt.bfloat16) else dtype
    cast = (lambda t: t if t is None or t._dtype is compute else t.to(compute))
    return cast(x), cast(weight), cast(bias), dtype, compute


def _batched(op, x, spatial, weight_desc):
    """Accepts the unbatched form [C, *spatial] as torch does; returns (batched input, unbatched?)."""
    if x.ndim == spatial + 1:
        return unsqueeze(x, 0), True
    if x.ndim != spatial + 2:
        raise RuntimeError(f"{op}(): expected a {spatial + 1}-d (unbatched) or {spatial + 2}-d (batched) input for "
                           f"weight {weight_desc}, got input of shape {list(x.shape)}")
    return x, False


def _add_bias(out, bias, op):
    if bias is None:
        return out
    if bias.ndim != 1 or bias._shape[0] != out._shape[1]:
        raise RuntimeError(f"{op}(): bias of shape {list(bias.shape)} does not match {out._shape[1]} output channels")
    return ew.add(out, reshape(bias, (1, -1) + (1,) * (out.ndim - 2)))


def _same_padding(op, kernel, stride, dilation, x):
    """'same' pads d*(k-1) in total, the odd one on the right as torch does; returns (input, symmetric padding)."""
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}(): padding='same' is not supported for strided convolutions (stride {stride})")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    extra = [t % 2 for t in total]
    if any(extra):
        x = pad_(x, (0, extra[1], 0, extra[0]))
    return x, tuple(t // 2 for t in total)


def _stride_dilation_groups(op, stride, dilation, groups):
    """The window arguments both convolutions check the same way: positive strides, dilations and groups."""
    stride = tuple_arg(stride, 2, op, "stride")
    dilation = tuple_arg(dilation, 2, op, "dilation")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}(): groups must be a positive int, got {groups!r}")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{op}(): stride {stride} and dilation {dilation} must be positive")
    return stride, dilation


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, op="conv2d",  # noqa: A002
           shapes=None):
    """shapes: the caller's (input, weight) shapes for messages, when a 1-d layer calls with H = 1 added."""
    x, weight, bias, dtype, compute = _float_operands(op, input, weight, bias)
    in_shape, w_shape = shapes or (list(input.shape), list(weight.shape))
    if weight.ndim != 4:
        raise RuntimeError(f"{op}(): weight must be 4-d [out_channels, in_channels/groups, kH, kW], got "
                           f"{w_shape}")
    x, unbatched = _batched(op, x, 2, list(weight.shape))
    cout, cin_g, kh, kw = weight._shape
    n, cin, h, w = x._shape
    stride, dilation = _stride_dilation_groups(op, stride, dilation, groups)
    if cin != cin_g * groups or cout % groups:
        raise RuntimeError(f"{op}(): input of shape {in_shape} has {cin} channels, but weight of shape "
                           f"{w_shape} with groups={groups} expects {cin_g * groups} input channels "
                           f"and out_channels divisible by groups")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            x, padding = _same_padding(op, (kh, kw), stride, dilation, x)
            h, w = x._shape[2:]
        else:
            raise ValueError(f"{op}(): padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    padding = tuple_arg(padding, 2, op, "padding")
    if any(p < 0 for p in padding):
        raise ValueError(f"{op}(): padding {padding} must be non-negative")
    oh, ow = _out_size(h, kh, stride[0], padding[0], dilation[0]), _out_size(w, kw, stride[1], padding[1], dilation[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{op}(): kernel {kh}x{kw} (dilation {dilation}) is larger than the padded input "
                           f"{h + 2 * padding[0]}x{w + 2 * padding[1]} of input shape {in_shape}")
    if bias is not None and (bias.ndim != 1 or bias._shape[0] != cout):
        raise RuntimeError(f"{op}(): bias of shape {list(bias.shape)} does not match {cout} output channels")
    w3 = reshape(weight, (groups, cout // groups, cin_g * kh * kw))
    win = _Window((kh, kw), stride, padding, dilation, (oh, ow), op)
    out = win.forward(x, w3, keep=needs_grad(w3))
    if bias is not None:  # added in place, its gradient part of the one node: no second output-sized tensor
        with no_grad():
            out.add_(reshape(bias, (1, cout, 1, 1)))
    if needs_grad(x, w3, bias):
        record(out, "ConvolutionBackward", (x, w3, bias), win.rule(bias is not None and bias.requires_grad), (x, w3))
    if unbatched:
        out = squeeze(out, 0)
    return out if compute is dtype else out.to(dtype)


class _Window:
    """conv2d as IM2COL + MATMUL, a chunk of images at a time, rather than the whole batch's columns at once: a
    chunk's columns (KH*KW times its images) are still in cache when MATMUL reads what IM2COL wrote. Chunks of at
    most 16 MB (one image at least): ResNet's 3x3 layer at batch 32 (7.2 MB of columns per image) ran 15% faster
    forward than in chunks of 64 MB (A/B in one process: 90-97 -> 107-113 GFLOP/s), and 8 MB was no faster than
    16 but cut the CNN step's 64 images into chunks of 12 and a last of 4 (too few to give each thread whole
    products).
    When the weights want a gradient and the whole batch's columns fit in 64 MB, they go into one buffer, chunk
    after chunk, and are kept for the weight gradient (backward reuses that buffer for the input gradient's
    columns anyway, so the peak does not grow); otherwise backward makes them again from the input.
    The chunks depend on the sizes alone, so results do not depend on the thread count. Under jit tracing the
    batch is one chunk: a plan replays one list of calls, the same at every batch size."""
    chunk_bytes = 1 << 24
    keep_bytes = 1 << 26

    def __init__(self, kernel, stride, padding, dilation, out_hw, op):
        self.kernel, self.stride, self.padding, self.dilation, self.out_hw, self.op = (
            kernel, stride, padding, dilation, out_hw, op)
        self.attrs = _conv_attrs(stride, padding, dilation)
        self.kept = None  # the forward's columns of the whole batch, while they hold the input's windows

    def columns(self, x, keep=False, buf=None):
        """The columns buffer (the whole batch's where it is to be kept, or `buf`, a kept one; else one chunk's) and
        each chunk as (first image, count, its columns)."""
        n, c = x._shape[:2]
        shape = self.kernel + self.out_hw
        per_image = c * shape[0] * shape[1] * shape[2] * shape[3] * x._dtype.itemsize
        step = n if _core.tracing else max(1, min(n, self.chunk_bytes // max(1, per_image)))
        if buf is None:
            whole = keep and n * per_image <= self.keep_bytes
            buf = empty((n if whole else step, c) + shape, x._dtype, x._device, self.op)
        whole = buf._shape[0] == n
        return buf, [(i, min(step, n - i), narrow(buf, 0, i if whole else 0, min(step, n - i)))
                     for i in range(0, n, step)]

    def forward(self, x, w3, keep=False):
        """[N, C, H, W] -> [N, Cout, OH, OW], written as [N, G, Cout/G, OH*OW]. keep: hold the columns for the
        weight gradient (where the whole batch's fit)."""
        g, cout_g, ck = w3._shape
        n, ohw = x._shape[0], self.out_hw[0] * self.out_hw[1]
        image = empty((n, g * cout_g) + self.out_hw, x._dtype, x._device, self.op)
        out = reshape(image, (n, g, cout_g, ohw))
        buf, chunks = self.columns(x, keep)
        for i, m, cols in chunks:
            _core.run(OP.IM2COL, (narrow(x, 0, i, m),), (cols,), self.attrs, self.op)
            _core.run(OP.MATMUL, (broadcast_view(w3, (m, g, cout_g, ck)), reshape(cols, (m, g, ck, ohw))),
                      (narrow(out, 0, i, m),))
        if keep and buf._shape[0] == n:
            self.kept = buf
        return image

    def rule(self, bias_grad):
        """The node's rule: gradients of the input, the weights and (when asked) the bias, summed over the batch and
        the positions."""
        def rule(grad, x, w3):
            n, (g, cout_g) = grad._shape[0], w3._shape[:2]
            gx, gw = self.backward(reshape(grad, (n, g, cout_g, self.out_hw[0] * self.out_hw[1])), x, w3)
            return gx, gw, sum_(grad, (0, 2, 3)) if bias_grad else None
        return rule

    def backward(self, grad, x, w3):
        if is_grad_enabled():  # create_graph: the same products through differentiable ops
            return self.backward_graph(grad, x, w3)
        g, cout_g, ck = w3._shape
        n, ohw = x._shape[0], self.out_hw[0] * self.out_hw[1]
        kept, self.kept = self.kept, None
        buf, chunks = self.columns(x, buf=kept)
        gx = empty(x._shape, x._dtype, x._device, self.op) if x.requires_grad else None
        # The weight's gradient per image, summed over the batch at the end, as cols @ grad^T rather than
        # grad @ cols^T: MATMUL then reads the columns in place and packs only the small grad^T (twice as fast).
        gw = empty((n, g, ck, cout_g), x._dtype, x._device, self.op) if w3.requires_grad else None
        wt = transpose(w3, -2, -1)
        for i, m, cols in chunks:
            gi = narrow(grad, 0, i, m)
            if gw is not None:
                if kept is None:
                    _core.run(OP.IM2COL, (narrow(x, 0, i, m),), (cols,), self.attrs, self.op)
                _core.run(OP.MATMUL, (reshape(cols, (m, g, ck, ohw)), transpose(gi, -2, -1)), (narrow(gw, 0, i, m),))
            if gx is not None:
                _core.run(OP.MATMUL, (broadcast_view(wt, (m, g, ck, cout_g)), gi), (reshape(cols, (m, g, ck, ohw)),))
                _core.run(OP.COL2IM, (cols,), (narrow(gx, 0, i, m),), self.attrs, self.op)
        if gx is None:  # the columns still hold the input's windows (a retained graph's next backward)
            self.kept = kept
        return gx, None if gw is None else transpose(sum_(gw, 0), -2, -1)

    def backward_graph(self, grad, x, w3):
        n, g, ck = x._shape[0], w3._shape[0], w3._shape[2]
        cols = reshape(im2col(x, self.kernel, self.stride, self.padding, self.dilation, self.out_hw, self.op),
                       (n, g, ck, self.out_hw[0] * self.out_hw[1]))
        gx = gw = None
        if x.requires_grad:
            gcols = reshape(matmul(transpose(w3, -2, -1), grad), (n, x._shape[1]) + self.kernel + self.out_hw)
            gx = col2im(gcols, x._shape[2:], self.stride, self.padding, self.dilation, self.op)
        if w3.requires_grad:
            gw = transpose(sum_(matmul(cols, transpose(grad, -2, -1)), 0), -2, -1)
        return gx, gw


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    _check_rank("conv1d", weight, 3)
    x, unbatched = _batched("conv1d", input, 1, list(weight.shape))
    if isinstance(padding, str):
        pad2 = padding
    else:
        pad2 = (0,) + tuple_arg(padding, 1, "conv1d", "padding")
    out = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1,) + tuple_arg(stride, 1, "conv1d", "stride"), pad2,
                 (1,) + tuple_arg(dilation, 1, "conv1d", "dilation"), groups, op="conv1d",
                 shapes=(list(input.shape), list(weight.shape)))
    out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def _check_rank(op, weight, ndim):
    if not isinstance(weight, Tensor) or weight.ndim != ndim:
        shape = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise RuntimeError(f"{op}(): weight must be {ndim}-d, got {shape}")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1, op="conv_transpose2d", shapes=None):
    x, weight, bias, dtype, compute = _float_operands(op, input, weight, bias)
    in_shape, w_shape = shapes or (list(input.shape), list(weight.shape))
    if weight.ndim != 4:
        raise RuntimeError(f"{op}(): weight must be 4-d [in_channels, out_channels/groups, kH, kW], got "
                           f"{w_shape}")
    x, unbatched = _batched(op, x, 2, list(weight.shape))
    cin, cout_g, kh, kw = weight._shape
    n, c, h, w = x._shape
    stride, dilation = _stride_dilation_groups(op, stride, dilation, groups)
    padding = tuple_arg(padding, 2, op, "padding")
    output_padding = tuple_arg(output_padding, 2, op, "output_padding")
    if any(p < 0 for p in padding):
        raise ValueError(f"{op}(): padding {padding} must be non-negative")
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation)) or min(output_padding) < 0:
        raise ValueError(f"{op}(): output_padding {output_padding} must be smaller than stride {stride} or "
                         f"dilation {dilation}")
    if c != cin or cin % groups:
        raise RuntimeError(f"{op}(): input of shape {in_shape} has {c} channels, but weight of shape "
                           f"{w_shape} expects {cin} (divisible by groups={groups})")
    oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    ow = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    if oh < 0 or ow < 0:
        raise RuntimeError(f"{op}(): input {in_shape} with weight {w_shape} gives a negative output size "
                           f"{oh}x{ow}")
    cin_g = cin // groups
    wg = transpose(reshape(weight, (groups, cin_g, cout_g * kh * kw)), 1, 2)  # [G, Cout/G*KH*KW, Cin/G]
    cols = matmul(wg, reshape(x, (n, groups, cin_g, h * w)))
    cols = reshape(cols, (n, groups * cout_g, kh, kw, h, w))
    out = _add_bias(col2im(cols, (oh, ow), stride, padding, dilation, op), bias, op)
    if unbatched:
        out = squeeze(out, 0)
    return out if compute is dtype else out.to(dtype)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    op = "conv_transpose1d"
    _check_rank(op, weight, 3)
    x, unbatched = _batched(op, input, 1, list(weight.shape))
    out = conv_transpose2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1,) + tuple_arg(stride, 1, op, "stride"),
                           (0,) + tuple_arg(padding, 1, op, "padding"),
                           (0,) + tuple_arg(output_padding, 1, op, "output_padding"), groups,
                           (1,) + tuple_arg(dilation, 1, op, "dilation"), op=op,
                           shapes=(list(input.shape), list(weight.shape)))
    out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    op = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        raise RuntimeError(f"{op}(): expected a 3-d or 4-d input, got {getattr(input, 'shape', type(input))}")
    x, unbatched = (unsqueeze(input, 0), True) if input.ndim == 3 else (input, False)
    kernel = tuple_arg(kernel_size, 2, op, "kernel_size")
    dilation, padding, stride = (tuple_arg(v, 2, op, w) for v, w in
                                 ((dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"{op}(): kernel_size {kernel}, stride {stride}, dilation {dilation} must be positive and "
                         f"padding {padding} non-negative")
    n, c, h, w = x._shape
    oh, ow = (_out_size(s, k, st, p, d) for s, k, st, p, d in zip((h, w), kernel, stride, padding, dilation))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{op}(): kernel {kernel} is larger than the padded input of shape {list(input.shape)}")
    cols = reshape(im2col(x, kernel, stride, padding, dilation, (oh, ow), op), (n, c * kernel[0] * kernel[1], oh * ow))
    return squeeze(cols, 0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    op = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise RuntimeError(f"{op}(): expected a 2-d or 3-d input, got {getattr(input, 'shape', type(input))}")
    x, unbatched = (unsqueeze(input, 0), True) if input.ndim == 2 else (input, False)
    size = tuple_arg(output_size, 2, op, "output_size")
    kernel = tuple_arg(kernel_size, 2, op, "kernel_size")
    dilation, padding, stride = (tuple_arg(v, 2, op, w) for v, w in
                                 ((dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"{op}(): kernel_size {kernel}, stride {stride}, dilation {dilation} must be positive and "
                         f"padding {padding} non-negative")
    n, ck, length = x._shape
    oh, ow = (_out_size(s, k, st, p, d) for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))
    kk = kernel[0] * kernel[1]
    if ck % kk or oh < 1 or ow < 1 or oh * ow != length:
        raise RuntimeError(f"{op}(): input of shape {list(input.shape)} does not fit output_size {size} with kernel "
                           f"{kernel}: expected [N, C*{kk}, {max(oh, 0) * max(ow, 0)}]")
    cols = reshape(x, (n, ck // kk) + kernel + (oh, ow))
    out = col2im(cols, size, stride, padding, dilation, op)
    return squeeze(out, 0) if unbatched else out
