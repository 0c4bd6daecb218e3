"""Shape ops. Most are views (new strides on the same buffer); cat, flip, roll, repeat and pad copy; resize_
reallocates. Broadcasting views are in ops/broadcast.py."""
import builtins

from .. import _core
from .._dtype import promote, to_dtype
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, _make, empty
from .broadcast import broadcast_to, sum_to
from .copy import contiguous, copy_, fill_
from .creation import _shape
from ._public import declare


def _zeros(x):
    """A zero tensor shaped like x for backward rules (never tracked itself)."""
    return fill_(empty(x._shape, x._dtype, x._device, "zeros"), 0)


def _track(out, x, name, rule):
    if needs_grad(x):
        record(out, name, (x,), rule)
    return out


def _view(x, shape, strides, op, offset=None):
    return x._view_as(shape, strides, offset)


def expand(x, *shape):
    shape = _sizes(shape)
    return broadcast_to(x, shape, "expand")


def expand_as(x, other):
    return broadcast_to(x, other.shape, "expand_as")


def _sizes(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(s.__index__() for s in shape)
    except AttributeError:
        raise TypeError(f"expected integer sizes, got {shape!r}") from None


def _infer_size(shape, numel, op, src_shape):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred, got {shape}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}(): invalid size {s} in shape {shape}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}(): shape {shape} is invalid for input of size {numel} (shape {list(src_shape)})")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"{op}(): shape {shape} is invalid for input of size {numel} (shape {list(src_shape)})")
    return tuple(shape)


def _view_strides(old_shape, old_strides, new_shape):
    """Strides that give new_shape over the same memory, or None when the layout does not allow it."""
    if not old_shape or not new_shape or not builtins.all(old_shape) or not builtins.all(new_shape):
        return _core.layout(new_shape)[1]  # one element, or none: any strides serve
    # group old dims into contiguous chunks, then lay the new dims over each chunk
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1] if old_strides else 1
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = old_strides[d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def view(x, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and shape[0] is not None:
        return view_dtype(x, to_dtype(shape[0]))
    shape = _infer_size(_sizes(shape), x.numel(), "view", x._shape)
    strides = _view_strides(x._shape, x._strides, shape)
    if strides is None:
        raise RuntimeError(f"view(): view size {list(shape)} is not compatible with input shape {list(x._shape)} "
                           f"and strides {list(x._strides)}; use .reshape(...) instead")
    return _reshaped(x, shape, strides)


def _reshaped(x, shape, strides):
    src_shape = x._shape
    return _track(_view(x, shape, strides, "view"), x, "ViewBackward", lambda g: reshape(g, src_shape))


def view_dtype(x, dtype):
    if dtype.itemsize != x._dtype.itemsize:
        raise RuntimeError(f"view(dtype): {x._dtype.name} and {dtype.name} differ in size")
    return _make(x._buf, x._offset, x._shape, x._strides, dtype, x._device, x)


def reshape(x, *shape):
    shape = _infer_size(_sizes(shape), x.numel(), "reshape", x._shape)
    strides = _view_strides(x._shape, x._strides, shape)
    if strides is None:
        return view(contiguous(x), shape)
    return _reshaped(x, shape, strides)


def view_as(x, other):
    return view(x, other.shape)


def reshape_as(x, other):
    return reshape(x, other.shape)


def permute(x, *dims):
    dims = _sizes(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(): got {len(dims)} dims {list(dims)} for a tensor of shape {list(x._shape)}")
    dims = x._dims(dims, "permute")
    out = _view(x, tuple(x._shape[d] for d in dims), tuple(x._strides[d] for d in dims), "permute")
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return _track(out, x, "PermuteBackward", lambda g: permute(g, inverse))


def transpose(x, dim0, dim1):
    if x.ndim == 0:
        return x
    d0, d1 = x._dim(dim0, "transpose"), x._dim(dim1, "transpose")
    order = list(range(x.ndim))
    order[d0], order[d1] = d1, d0
    return permute(x, order)


swapaxes = swapdims = transpose


def t(x):
    if x.ndim > 2:
        raise RuntimeError(f"t(): expects a tensor with <= 2 dims, got shape {list(x._shape)}")
    return transpose(x, 0, 1) if x.ndim == 2 else permute(x, tuple(range(x.ndim)))  # a view, as torch's


def T(x):  # noqa: N802
    return permute(x, tuple(range(x.ndim - 1, -1, -1)))


def mT(x):  # noqa: N802
    if x.ndim < 2:
        raise RuntimeError(f"mT: needs at least 2 dims, got shape {list(x._shape)}")
    return transpose(x, -2, -1)


def movedim(x, source, destination):
    src = x._dims(source, "movedim")
    dst = x._dims(destination, "movedim")
    if len(src) != len(dst):
        raise RuntimeError("movedim(): source and destination must have the same number of dims")
    order = [d for d in range(x.ndim) if d not in src]
    for s, d in sorted(zip(dst, src)):
        order.insert(s, d)
    return permute(x, order)


moveaxis = movedim


def squeeze(x, dim=None):
    if x.ndim == 0:
        if dim is not None:
            x._dims(dim, "squeeze")
        return _reshaped(x, (), ())
    if dim is None:
        keep = [d for d in range(x.ndim) if x._shape[d] != 1]
    else:
        drop = {d for d in x._dims(dim, "squeeze") if x._shape[d] == 1}
        keep = [d for d in range(x.ndim) if d not in drop]
    return _reshaped(x, tuple(x._shape[d] for d in keep), tuple(x._strides[d] for d in keep))


def unsqueeze(x, dim):
    d = x._dim(dim, "unsqueeze", extra=1)
    stride = x._strides[d] * x._shape[d] if d < x.ndim else 1
    return _reshaped(x, x._shape[:d] + (1,) + x._shape[d:], x._strides[:d] + (stride,) + x._strides[d:])


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = x._dim(start_dim, "flatten"), x._dim(end_dim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten(): start_dim {start_dim} comes after end_dim {end_dim}")
    n = 1
    for d in range(s, e + 1):
        n *= x._shape[d]
    return reshape(x, x._shape[:s] + (n,) + x._shape[e + 1:])


def unflatten(x, dim, sizes):
    d = x._dim(dim, "unflatten")
    sizes = _infer_size(_sizes(sizes), x._shape[d], "unflatten", x._shape)
    return reshape(x, x._shape[:d] + sizes + x._shape[d + 1:])


def resize_(x, *sizes):
    """x with a new shape, contiguous, as torch's: the first elements (in row-major order) are kept, new ones are
    uninitialised. Its memory is new when the shape changes, so views of the old shape no longer share it."""
    shape = _shape(sizes, "resize_")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"resize_(): negative size in {list(shape)}")
    if x.requires_grad:
        raise RuntimeError("resize_(): cannot resize variables that require grad")
    if shape == x._shape:
        return x
    fresh = empty(shape, x._dtype, x._device, "resize_")
    keep = min(x.numel(), fresh.numel())
    if keep:
        copy_(narrow(reshape(fresh, (-1,)), 0, 0, keep), narrow(reshape(x, (-1,)), 0, 0, keep))
    x._buf, x._offset, x._shape, x._strides = fresh._buf, 0, fresh._shape, fresh._strides
    x._base = None
    x._version[0] += 1  # rules that saved the old contents must see them gone
    return x


def narrow(x, dim, start, length):
    d = x._dim(dim, "narrow")
    size = x._shape[d]
    start = start.__index__()
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow(): start {start} and length {length} out of range for dim {d} of size {size}")
    shape = x._shape[:d] + (length,) + x._shape[d + 1:]
    out = _view(x, shape, x._strides, "narrow", x._offset + start * x._strides[d])
    return _track(out, x, "NarrowBackward", lambda g: _scatter_back(x, g, lambda gx: narrow(gx, d, start, length)))


def _scatter_back(x, g, same_view):
    """The gradient of a view of x: zeros, with g written where the view looks. Under create_graph the result
    is itself differentiable in g: its gradient is the same view of the incoming one."""
    gx = _zeros(x)
    with no_grad():
        copy_(same_view(gx), g)
    if needs_grad(g):
        record(gx, "ViewScatterBackward", (g,), lambda gg: (same_view(gg),))
    return gx


def split(x, split_size_or_sections, dim=0):
    d = x._dim(dim, "split")
    size = x._shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split(): split size must be positive, got {step}")
        sections = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(f"split(): sections {sections} do not sum to the size {size} of dim {d}")
    out, start = [], 0
    for n in sections:
        out.append(narrow(x, d, start, n))
        start += n
    return tuple(out)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be positive, got {chunks}")
    size = x._shape[x._dim(dim, "chunk")]
    if size == 0:  # torch: `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    step = max(1, -(-size // chunks))
    return split(x, step, dim)


def unbind(x, dim=0):
    d = x._dim(dim, "unbind")
    return tuple(select(x, d, i) for i in range(x._shape[d]))


def select(x, dim, index):
    d = x._dim(dim, "select")
    size = x._shape[d]
    i = index.__index__()
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} is out of bounds for dim {d} with size {size}")
    i %= size
    out = _view(x, x._shape[:d] + x._shape[d + 1:], x._strides[:d] + x._strides[d + 1:], "select",
                x._offset + i * x._strides[d])
    return _track(out, x, "SelectBackward", lambda g: _scatter_back(x, g, lambda gx: select(gx, d, i)))


def cat(tensors, dim=0):
    tensors = [t for t in tensors]
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected tensors, got {type(t).__name__}")
    # torch skips legacy empty 1-d tensors of shape (0,)
    parts = [t for t in tensors if not (t.ndim == 1 and t._shape[0] == 0)] or tensors[:1]
    ref = parts[0]
    if ref.ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensors cannot be concatenated")
    d = ref._dim(dim, "cat")
    dtype = ref.dtype
    for t in parts[1:]:
        dtype = promote(dtype, t.dtype)
        if t.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(t._shape, ref._shape)) if i != d):
            raise RuntimeError(f"cat(): tensors must match except in dim {d}: got {list(ref._shape)} and "
                               f"{list(t._shape)}")
    shape = list(ref._shape)
    shape[d] = sum(t._shape[d] for t in parts)
    result = empty(shape, dtype, ref.device, "cat")
    start = 0
    with no_grad():
        for t in parts:
            copy_(narrow(result, d, start, t._shape[d]), t)
            start += t._shape[d]
    if needs_grad(*parts):
        sizes = [t._shape[d] for t in parts]
        record(result, "CatBackward", tuple(parts), lambda g: split(g, sizes, d))
    return result


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack(): expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t._shape != tensors[0]._shape:
            raise RuntimeError(f"stack(): all tensors must have one shape, got {list(tensors[0]._shape)} and "
                               f"{list(t._shape)}")
    d = tensors[0]._dim(dim, "stack", extra=1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def flip(x, dims):
    dims = x._dims(dims, "flip")
    if not dims or x.numel() == 0:
        return x.clone()
    offset = x._offset
    strides = list(x._strides)
    for d in dims:
        offset += (x._shape[d] - 1) * strides[d]
        strides[d] = -strides[d]
    with no_grad():
        out = _view(x, x._shape, tuple(strides), "flip", offset).clone()
    return _track(out, x, "FlipBackward", lambda g: flip(g, dims))


def roll(x, shifts, dims=None):
    if dims is None:
        return reshape(roll(flatten(x), shifts, 0), x._shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts {shifts} and dims {dims} must have one length")
    out = x
    for s, d in zip(shifts, dims):
        d = x._dim(d, "roll")
        n = x._shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return out if out is not x else x.clone()


def repeat(x, *sizes):
    sizes = _sizes(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat(): {len(sizes)} repeat sizes for a tensor of shape {list(x._shape)}; "
                           f"give at least {x.ndim}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat(): negative repeat size in {list(sizes)}")
    src = reshape(x, (1,) * (len(sizes) - x.ndim) + x._shape)
    # [r0, s0, r1, s1, ...] broadcast view, then materialised
    expanded_shape, view_shape = [], []
    for r, s in zip(sizes, src._shape):
        expanded_shape += [r, s]
        view_shape += [1, s]
    tiled = expand(reshape(src, view_shape), expanded_shape)
    return reshape(contiguous(tiled), tuple(r * s for r, s in zip(sizes, src._shape)))  # differentiable by parts


def tile(x, *dims):
    dims = _sizes(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, dims)


def _edge_parts(x, d, lo, hi, mode):
    """The slices of x that go before and after it along d to pad it by (lo, hi) in mode reflect, replicate or
    circular: views, so the gradient of each padded element flows back to the element it copies."""
    n = x._shape[d]
    if mode == "reflect":
        return flip(narrow(x, d, 1, lo), d), flip(narrow(x, d, n - 1 - hi, hi), d)
    if mode == "replicate":
        return _stretch(narrow(x, d, 0, 1), d, lo), _stretch(narrow(x, d, n - 1, 1), d, hi)
    return narrow(x, d, n - lo, lo), narrow(x, d, 0, hi)


def _stretch(edge, d, size):
    shape = list(edge._shape)
    shape[d] = size
    return broadcast_to(edge, shape, "pad")


def _pad_edges(x, pad, mode):
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        lo, hi, n = pad[2 * i], pad[2 * i + 1], x._shape[d]
        limit = n - 1 if mode == "reflect" else n
        if min(lo, hi) < 0 or max(lo, hi) > limit or n == 0:
            raise RuntimeError(f"pad(): {mode} padding {pad} needs non-negative sizes of at most {limit} for dim {d} "
                               f"of input {list(x._shape)}")
        before, after = _edge_parts(x, d, lo, hi, mode)
        x = cat([t for t in (before, x, after) if t._shape[d]], d)
    return x


def pad(x, pad, mode="constant", value=0.0):
    pad = list(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad(): padding {pad} must have an even length of at most {2 * x.ndim} "
                           f"for shape {list(x._shape)}")
    if mode in ("reflect", "replicate", "circular"):
        return _pad_edges(x, pad, mode)
    if mode != "constant":
        raise ValueError(f"pad(): mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if value is None:
        value = 0.0
    shape = list(x._shape)
    src = x
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if shape[d] + lo + hi < 0:
            raise RuntimeError(f"pad(): padding {pad} leaves a negative size in dim {d} of {list(x._shape)}")
        # negative padding crops the input
        if lo < 0:
            src = narrow(src, d, -lo, src._shape[d] + lo)
        if hi < 0:
            src = narrow(src, d, 0, src._shape[d] + hi)
        shape[d] += lo + hi
    out = fill_(empty(shape, x.dtype, x.device, "pad"), value)

    def interior(t):
        for i in range(len(pad) // 2):
            d = x.ndim - 1 - i
            t = narrow(t, d, max(pad[2 * i], 0), src._shape[d])
        return t
    with no_grad():
        copy_(interior(out), src)
    if needs_grad(src):
        record(out, "PadBackward", (src,), lambda g: interior(g))
    return out


def pixel_shuffle(x, upscale_factor):
    r = int(upscale_factor)
    if r < 1:
        raise ValueError(f"pixel_shuffle(): upscale_factor must be positive, got {upscale_factor}")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle(): input {list(x.shape)} needs at least 3 dims and channels divisible by "
                           f"upscale_factor^2 = {r * r}")
    *lead, c, h, w = x.shape
    y = reshape(x, (-1, c // (r * r), r, r, h, w))
    y = permute(y, 0, 1, 4, 2, 5, 3)
    return reshape(y, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(x, downscale_factor):
    r = int(downscale_factor)
    if r < 1:
        raise ValueError(f"pixel_unshuffle(): downscale_factor must be positive, got {downscale_factor}")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle(): input {list(x.shape)} needs at least 3 dims and H, W divisible by "
                           f"downscale_factor = {r}")
    *lead, c, h, w = x.shape
    y = reshape(x, (-1, c, h // r, r, w // r, r))
    y = permute(y, 0, 1, 3, 5, 2, 4)
    return reshape(y, tuple(lead) + (c * r * r, h // r, w // r))

def sum_to_size(x, *size):
    return sum_to(x, _sizes(size))


# public names (ops/_public.py)
declare(globals(), "cat concat=cat concatenate=cat stack", method=False, out=True)
declare(globals(), "chunk flatten flip moveaxis movedim narrow permute reshape roll select split squeeze swapaxes "
        "swapdims t tile transpose unbind unflatten unsqueeze")
declare(globals(), "resize_ view view_as reshape_as expand expand_as repeat sum_to_size", function=False)
