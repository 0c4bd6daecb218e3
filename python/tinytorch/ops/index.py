"""Indexing: basic indexing is a view; integer and boolean tensor indices go through GATHER and SCATTER on a
view whose indexed dims are flattened into one, so one kernel pair serves x[i], x[i, j], x[mask] and their writes.
Embedding lookups and one_hot are index reads too."""
import collections
import math
import numbers

import numpy as np

from .. import _core
from .. import _dtype as dt
from .._core import OP
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, empty
from . import elementwise as ew
from .broadcast import broadcast_shapes, broadcast_to, broadcast_view
from .copy import cast, clone, contiguous, copy_, fill_
from .creation import arange, as_tensor, full_like, scalar_tensor, tensor
from .reduce import amax, any as any_, sum as sum_
from .shape import _scatter_back, _view_strides, _zeros, narrow, pad, permute, reshape, transpose, unsqueeze
from ._public import declare

sort_result = collections.namedtuple("sort", ["values", "indices"])
topk_result = collections.namedtuple("topk", ["values", "indices"])


def _as_index(item):
    if isinstance(item, (list, np.ndarray)):
        return tensor(item) if len(item) or isinstance(item, np.ndarray) else tensor([], dtype=dt.int64)
    if isinstance(item, Tensor) and item.ndim == 0 and item._dtype.category == 1:
        return int(item.item())  # a 0-d integer tensor selects, as an int does (torch's rule too)
    return item


def _parse(x, index):
    """Basic indexing applied as a view, plus the advanced (tensor) indices left to apply:
    returns (view, [(dim of the view, int64 index tensor), ...])."""
    items = index if isinstance(index, tuple) else (index,)
    items = [_as_index(i) for i in items]
    consumed = 0
    for it in items:
        if it is None or it is Ellipsis:
            continue
        if isinstance(it, Tensor) and it._dtype is dt.bool_:
            consumed += max(it.ndim, 1) if it.ndim else 0
        elif isinstance(it, bool):
            continue
        else:
            consumed += 1
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {consumed}, shape {list(x.shape)})")
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    shape, strides, offset = [], [], x._offset
    adv = []
    d = 0
    for it in items:
        if it is None:
            shape.append(1)
            strides.append(0)
        elif it is Ellipsis:
            for _ in range(x.ndim - consumed):
                shape.append(x._shape[d])
                strides.append(x._strides[d])
                d += 1
        elif isinstance(it, bool):  # x[True] adds a dim of 1; x[False] one of 0
            shape.append(1 if it else 0)
            strides.append(0)
        elif isinstance(it, slice):
            size = x._shape[d]
            step = 1 if it.step is None else it.step.__index__()
            if step <= 0:
                raise ValueError(f"slice step must be positive, got {step}")
            start, stop, step = slice(it.start, it.stop, step).indices(size)
            n = len(range(start, stop, step))
            if n:
                offset += start * x._strides[d]
            shape.append(n)
            strides.append(x._strides[d] * step)
            d += 1
        elif isinstance(it, Tensor):
            if it._dtype is dt.bool_:
                k = it.ndim
                if it._shape != x._shape[d:d + k]:
                    raise IndexError(f"the shape of the mask {list(it.shape)} does not match the shape "
                                     f"{list(x._shape[d:d + k])} of the indexed tensor at dim {d}")
                if k == 0:  # a 0-d mask: a new dim of 1 or 0
                    adv.append((len(shape), nonzero(reshape(it, (1,)))[:, 0]))
                    shape.append(1)
                    strides.append(0)
                    continue
                cols = nonzero(it)
                for j in range(k):
                    adv.append((len(shape), cols[:, j]))
                    shape.append(x._shape[d])
                    strides.append(x._strides[d])
                    d += 1
            elif it._dtype.category == 1:
                adv.append((len(shape), it))
                shape.append(x._shape[d])
                strides.append(x._strides[d])
                d += 1
            else:
                raise IndexError(f"tensors used as indices must be long, int or bool tensors, got {it._dtype.name}")
        else:
            try:
                i = it.__index__()
            except (AttributeError, TypeError):
                raise IndexError(f"only integers, slices, None, ..., and integer or boolean tensors are valid "
                                 f"indices, got {type(it).__name__}") from None
            size = x._shape[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            offset += (i % size) * x._strides[d]
            d += 1
    shape += x._shape[d:]
    strides += x._strides[d:]
    return x._view_as(tuple(shape), tuple(strides), offset), adv


def _check_bounds(idx, size, dim, op):
    if idx.numel() == 0:
        return idx
    lo, hi = ew.lt(idx, -size), ew.ge(idx, size)
    bad = ew.logical_or(lo, hi)
    if any_(bad).item():
        value = idx[bad].reshape(-1)[0].item()
        raise IndexError(f"{op}: index {value} is out of bounds for dimension {dim} with size {size}")
    return ew.where(ew.lt(idx, 0), ew.add(idx, size), idx) if idx._dtype is dt.int64 else \
        cast(ew.where(ew.lt(idx, 0), ew.add(idx, size), idx), dt.int64)


class _Plan:
    """Where advanced indices put their result: the flattened source [N_src, *rest], the linear index [N], and
    how to arrange the gathered [N, *rest] into the shape NumPy's rules give."""

    def __init__(self, v, adv, op):
        dims = [p for p, _ in adv]
        idx = [_check_bounds(t, v._shape[p], p, op) for p, t in adv]
        self.bshape = broadcast_shapes(*[t._shape for t in idx], op=op)
        self.rest = [d for d in range(v.ndim) if d not in dims]
        self.order = dims + self.rest
        lin = None
        for p, t in zip(dims, idx):
            lin = t if lin is None else ew.add(ew.mul(lin, v._shape[p]), t)
        self.lin = reshape(broadcast_to(lin, self.bshape), (-1,))
        self.src_n = 1
        for p in dims:
            self.src_n *= v._shape[p]
        self.rest_shape = tuple(v._shape[d] for d in self.rest)
        # NumPy: adjacent advanced indices keep their place, separated ones go first
        self.front = dims[0] if dims == list(range(dims[0], dims[0] + len(dims))) else 0

    def index_view(self):
        """The linear index broadcast over the rest dims: [N, *rest] with stride 0 beyond dim 0."""
        n = self.lin._shape[0]
        return self.lin._view_as((n,) + self.rest_shape, (self.lin._strides[0],) + (0,) * len(self.rest_shape))

    def result_shape(self):
        r = self.rest_shape
        return r[:self.front] + self.bshape + r[self.front:]

    def to_result(self, gathered):
        out = reshape(gathered, self.bshape + self.rest_shape)
        if self.front:
            nb = len(self.bshape)
            order = list(range(nb, nb + self.front)) + list(range(nb)) + list(range(nb + self.front, out.ndim))
            out = permute(out, order)
        return out

    def from_result(self, value):
        """Inverse of to_result: a value of the result's shape as [N, *rest]."""
        if self.front:
            nb = len(self.bshape)
            order = list(range(self.front, self.front + nb)) + list(range(self.front)) + \
                list(range(self.front + nb, value.ndim))
            value = permute(value, order)
        return reshape(value, (self.lin._shape[0],) + self.rest_shape)


def getitem(x, index):
    v, adv = _parse(x, index)
    if not adv:
        if needs_grad(x):  # the gradient lands where the index looked
            record(v, "IndexBackward", (x,), lambda g: _index_grad(x, index, g, adv))
        return v
    with no_grad():
        plan = _Plan(v, adv, "index")
        flat = reshape(permute(v, plan.order), (plan.src_n,) + plan.rest_shape)
        out = empty((plan.lin._shape[0],) + plan.rest_shape, x._dtype, x._device, "index")
        _core.run(OP.GATHER, (flat, plan.index_view()), (out,), _core.DIM.pack(0), "index")
        out = plan.to_result(out)
    if needs_grad(x):
        record(out, "IndexBackward", (x,), lambda g: _index_grad(x, index, g, adv))
    return out


def _index_grad(x, index, g, adv):
    if not adv:
        return _scatter_back(x, g, lambda gx: _parse(gx, index)[0])
    gx = _zeros(x)
    with no_grad():
        setitem(gx, index, g, accumulate=True)
    if needs_grad(g):  # create_graph: the gradient of the scattered g is the same indexing of the incoming one
        record(gx, "IndexPutBackward", (g,), lambda gg: (getitem(gg, index),))
    return gx


def setitem(x, index, value, accumulate=False):
    v, adv = _parse(x, index)
    if not adv:
        if isinstance(value, numbers.Number) and not accumulate:
            fill_(v, value)
        elif accumulate:
            copy_(v, ew.add(v, value))
        else:  # a tensor, or data such as a list or an array
            copy_(v, value if isinstance(value, Tensor) else as_tensor(value, device=x._device))
        return
    plan = _Plan(v, adv, "index_put")
    src = value if isinstance(value, Tensor) else scalar_tensor(value, x._dtype, x._device)
    src = broadcast_view(src if src._dtype is x._dtype else cast(src, x._dtype), plan.result_shape(), "index_put")
    src = plan.from_result(src)
    target = permute(v, plan.order)
    shape = (plan.src_n,) + plan.rest_shape
    strides = _view_strides(target._shape, target._strides, shape)
    flat = target._view_as(shape, strides) if strides is not None else contiguous(target).reshape(shape)
    op = OP.SCATTER_ADD if accumulate else OP.SCATTER
    _core.run(op, (plan.index_view(), src), (flat,), _core.DIM.pack(0), "index_put")
    if strides is None:  # the layout could not be flattened in place: write the worked copy back
        copy_(target, reshape(flat, target._shape))


def index_put_(x, indices, values, accumulate=False):
    setitem(x, tuple(indices), values, accumulate)
    return x


def index_put(x, indices, values, accumulate=False):
    return index_put_(clone(x), indices, values, accumulate)


def _long_index(index, op):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a tensor, got {type(index).__name__}")
    if index._dtype.category != 1:
        raise TypeError(f"{op}(): index must be an integer tensor, got {index._dtype.name}")
    return index if index._dtype is dt.int64 else cast(index, dt.int64)


def gather(x, dim, index, sparse_grad=False):
    index = _long_index(index, "gather")
    d = x._dim(dim, "gather")
    if index.ndim != x.ndim:
        raise RuntimeError(f"gather(): index {list(index.shape)} and input {list(x.shape)} must have the same "
                           f"number of dims")
    out = empty(index._shape, x._dtype, x._device, "gather")
    _core.run(OP.GATHER, (x, index), (out,), _core.DIM.pack(d), "gather")
    if needs_grad(x):
        record(out, "GatherBackward", (x,), lambda g: _scatter_into(_zeros_like(x), d, index, g, OP.SCATTER_ADD,
                                                                     "gather_backward"))
    return out


def _zeros_like(x):
    return _zeros(x)


def _scatter_into(out, dim, index, src, op, name):
    index = _long_index(index, name)
    d = out._dim(dim, name)
    if not isinstance(src, Tensor):
        src = broadcast_to(scalar_tensor(src, out._dtype, out._device), index._shape)
    elif src._dtype is not out._dtype:
        src = cast(src, out._dtype)
    _core.run(op, (index, src), (out,), _core.DIM.pack(d), name)
    return out


def scatter(x, dim, index, src=None, value=None, reduce=None):
    s = value if src is None else src
    with no_grad():
        out = scatter_(clone(x), dim, index, src, value, reduce)
    if needs_grad(x, s if isinstance(s, Tensor) else None):
        d = x._dim(dim, "scatter")
        idx = _long_index(index, "scatter")
        srcs = (x, s if isinstance(s, Tensor) else None)
        if reduce is None:  # overwritten places pass no gradient to x
            rule = lambda g: (scatter(g, d, idx, value=0.0), gather(g, d, idx))  # noqa: E731
        elif reduce == "add":
            rule = lambda g: (g, gather(g, d, idx))  # noqa: E731
        else:
            raise RuntimeError("scatter(): reduce='multiply' has no gradient (as in torch); use scatter_reduce(..., "
                               "'prod')")
        record(out, "ScatterBackward", srcs, rule)
    return out


_SCATTER_REDUCE = {None: OP.SCATTER, "add": OP.SCATTER_ADD, "multiply": OP.SCATTER_MUL}


def scatter_(x, dim, index, src=None, value=None, reduce=None):
    src = value if src is None else src
    if src is None:
        raise TypeError("scatter(): give src or value")
    if reduce not in _SCATTER_REDUCE:
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
    return _scatter_into(x, dim, index, src, _SCATTER_REDUCE[reduce], "scatter")


@_core.reports_as("scatter_add")
def scatter_add(x, dim, index, src):
    return scatter(x, dim, index, src, reduce="add")


def scatter_add_(x, dim, index, src):
    return _scatter_into(x, dim, index, src, OP.SCATTER_ADD, "scatter_add_")


_REDUCTIONS = {"sum": OP.SCATTER_ADD, "mean": OP.SCATTER_ADD, "prod": OP.SCATTER_MUL, "amax": OP.SCATTER_AMAX,
               "amin": OP.SCATTER_AMIN}
_INT_RANGE = {dt.int32: (-(1 << 31), (1 << 31) - 1), dt.int64: (-(1 << 63), (1 << 63) - 1), dt.uint8: (0, 255),
              dt.bool_: (False, True)}


def _start(reduce, dtype):
    """What a reduction starts from where include_self=False (its identity)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.is_floating_point:
        return -math.inf if reduce == "amax" else math.inf
    return _INT_RANGE[dtype][0 if reduce == "amax" else 1]


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """torch.scatter_reduce: each src element folded into x at its index along dim by sum, prod, mean, amax or amin
    (x's own values among them unless include_self=False). Differentiable in x and src for float dtypes; amax and
    amin share the gradient evenly among the elements that reach the result, as torch."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be one of sum, prod, mean, amax, amin, got "
                           f"{reduce!r}")
    if not isinstance(x, Tensor) or not isinstance(src, Tensor):
        raise TypeError("scatter_reduce(): self and src must be tensors")
    if src._dtype is not x._dtype:
        raise RuntimeError(f"scatter_reduce(): expected self and src to have one dtype, got {x.dtype.name} and "
                           f"{src.dtype.name}")
    index = _long_index(index, "scatter_reduce")
    d = x._dim(dim, "scatter_reduce")
    op = _REDUCTIONS[reduce]
    if x._dtype is dt.bool_:  # bools: a sum is an or, a product an and (as torch); no mean
        if reduce == "mean":
            raise RuntimeError("scatter_reduce(): reduce='mean' does not take bool tensors")
        op = {"sum": OP.SCATTER_AMAX, "prod": OP.SCATTER_AMIN}.get(reduce, op)
    with no_grad():
        out = clone(x)
        if not include_self:
            _scatter_into(out, d, index, _start(reduce, x._dtype), OP.SCATTER, "scatter_reduce")
        _scatter_into(out, d, index, src, op, "scatter_reduce")
        count = None
        if reduce == "mean":
            count = _scatter_into(full_like(x, 1 if include_self else 0), d, index, 1, OP.SCATTER_ADD,
                                  "scatter_reduce")
            count = ew.where(ew.eq(count, 0), 1, count)
            out = ew.div(out, count, rounding_mode=None if x._dtype.is_floating_point else "floor")
    if needs_grad(x, src):
        record(out, "ScatterReduceBackward", (x, src),
               _scatter_reduce_grad(reduce, include_self, d, index, x, src, out, count))
    return out


def _scatter_reduce_grad(reduce, include_self, d, index, x, src, out, count):
    """The gradients of x and src: each element's share of its position's result."""
    used = _leading(src, index._shape)  # the part of src the index reads

    def place(g_used):  # a gradient of the used part of src as one of the whole src
        if used is src:
            return g_used
        whole = _zeros(src)
        copy_(_leading(whole, index._shape), g_used)
        return whole

    def rule(g):
        # where include_self=False: the positions of x that some src element reaches, whose own value is left out
        hit = None if include_self else ew.ne(_scatter_into(_zeros(x), d, index, 1, OP.SCATTER_ADD,
                                                            "scatter_reduce_backward"), 0)

        def of_x(gx):
            return gx if hit is None else ew.where(hit, 0.0, gx)

        if reduce == "sum":
            return of_x(g), place(gather(g, d, index))
        if reduce == "mean":
            share = ew.div(g, count)
            return of_x(share), place(gather(share, d, index))
        if reduce in ("amax", "amin"):  # x's equal values count among the ties even where excluded, as torch
            from_src = ew.eq(used, gather(out, d, index))
            from_x = ew.eq(x, out)
            n = _scatter_into(cast(from_x, g._dtype), d, index, cast(from_src, g._dtype), OP.SCATTER_ADD,
                              "scatter_reduce_backward")
            share = ew.div(g, n)
            return of_x(ew.where(from_x, share, 0.0)), place(ew.where(from_src, gather(share, d, index), 0.0))
        # prod: each factor's gradient is the product of the others, taken without dividing by a zero
        factor_x = x if hit is None else ew.where(hit, 1.0, x)  # a left-out x is a factor of 1
        zero_x = ew.eq(factor_x, 0)
        zeros = _scatter_into(cast(zero_x, g._dtype), d, index, cast(ew.eq(used, 0), g._dtype), OP.SCATTER_ADD,
                              "scatter_reduce_backward")
        start = ew.where(zero_x, 1.0, factor_x)
        nonzero = _scatter_into(clone(start), d, index, ew.where(ew.eq(used, 0), 1.0, used), OP.SCATTER_MUL,
                                "scatter_reduce_backward")

        def others(f, z, p):  # the product of the other factors of a factor f, from its position's zeros and product
            return ew.where(ew.eq(z, 0), ew.div(p, ew.where(ew.eq(f, 0), 1.0, f)),
                            ew.where(ew.logical_and(ew.eq(z, 1), ew.eq(f, 0)), p, 0.0))
        gx = ew.mul(g, others(x, zeros, nonzero))
        gsrc = ew.mul(gather(g, d, index), others(used, gather(zeros, d, index), gather(nonzero, d, index)))
        return of_x(gx), place(gsrc)
    return rule


def _leading(t, shape):
    """The view of t's first shape[k] elements along every dim k."""
    for k, n in enumerate(shape):
        if t._shape[k] != n:
            t = narrow(t, k, 0, n)
    return t


def _along(index, shape, d, op):
    """A 1-d index as a view of `shape` that varies only along dim d."""
    index = _long_index(index, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): index must be 1-d, got shape {list(index.shape)}")
    index = reshape(index, (-1,))
    strides = [0] * len(shape)
    strides[d] = index._strides[0]
    return index._view_as(tuple(shape), tuple(strides))


def index_select(x, dim, index):
    d = x._dim(dim, "index_select") if x.ndim else 0
    src = reshape(x, (1,)) if x.ndim == 0 else x
    n = index.numel()
    shape = src._shape[:d] + (n,) + src._shape[d + 1:]
    idx = _along(index, shape, d, "index_select")
    out = empty(shape, x._dtype, x._device, "index_select")
    _core.run(OP.GATHER, (src, idx), (out,), _core.DIM.pack(d), "index_select")
    if needs_grad(src):
        record(out, "IndexSelectBackward", (src,),
               lambda g: _scatter_into(_zeros_like(src), d, idx, g, OP.SCATTER_ADD, "index_select_backward"))
    return reshape(out, ()) if x.ndim == 0 else out


def index_add_(x, dim, index, source, alpha=1):
    d = x._dim(dim, "index_add")
    if not isinstance(source, Tensor) or source.ndim != x.ndim:
        raise RuntimeError(f"index_add(): source must be a tensor with the {x.ndim} dims of input {list(x.shape)}")
    if index.numel() != source._shape[d]:
        raise RuntimeError(f"index_add(): index has {index.numel()} entries but source {list(source.shape)} has "
                           f"{source._shape[d]} along dim {d}")
    if alpha != 1:
        source = ew.mul(source, alpha)
    idx = _along(index, source._shape, d, "index_add")
    return _scatter_into(x, d, idx, source, OP.SCATTER_ADD, "index_add")


def index_add(x, dim, index, source, alpha=1):
    with no_grad():
        out = index_add_(clone(x), dim, index, source, alpha)
    if needs_grad(x, source):
        d = x._dim(dim, "index_add")
        record(out, "IndexAddBackward", (x, source), lambda g: (g, ew.mul(index_select(g, d, index), alpha)))
    return out


def index_fill_(x, dim, index, value):
    d = x._dim(dim, "index_fill")
    setitem(x, (slice(None),) * d + (_long_index(index, "index_fill"),), value)
    return x


def index_fill(x, dim, index, value):
    return index_fill_(clone(x), dim, index, value)


def index_copy_(x, dim, index, source):
    d = x._dim(dim, "index_copy")
    setitem(x, (slice(None),) * d + (_long_index(index, "index_copy"),), source)
    return x


def masked_fill(x, mask, value):
    if not isinstance(mask, Tensor) or mask._dtype is not dt.bool_:
        raise TypeError("masked_fill(): mask must be a bool tensor")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill(): value must be a number or a 0-d tensor, got shape {list(value.shape)}")
        value = value.item()
    fill = scalar_tensor(value if x._dtype.is_floating_point else int(value), x._dtype, x._device)
    out = ew.where(mask, fill, x)
    if out._shape != x._shape:
        raise RuntimeError(f"masked_fill(): mask {list(mask.shape)} does not broadcast to input {list(x.shape)}")
    return out


def masked_select(x, mask):
    shape = broadcast_shapes(x._shape, mask._shape, op="masked_select")
    return getitem(broadcast_to(x, shape), broadcast_to(mask, shape))


def masked_scatter_(x, mask, source):
    n = int(mask.sum().item())
    setitem(x, mask, reshape(source, (-1,))[:n])
    return x


def nonzero(x, as_tuple=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"nonzero(): expected a tensor, got {type(x).__name__}")
    count = sum_(ew.ne(x, 0) if x._dtype is not dt.bool_ else x).item() if x.numel() else 0
    out = empty((count, x.ndim), dt.int64, x._device, "nonzero")
    _core.run(OP.NONZERO, (x,), (out,))
    if as_tuple:
        if x.ndim == 0:  # torch gives one index tensor of zeros for a 0-d input
            return (fill_(empty((count,), dt.int64, x._device), 0),)
        return tuple(out[:, j] for j in range(x.ndim))
    return out


def where(condition, input=None, other=None):  # noqa: A002
    """torch.where: with input and other the elementwise choice (ops.elementwise.where); with the condition alone,
    the indices where it holds, as nonzero(as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return ew.where(condition, input, other)


def argwhere(x):
    return nonzero(x)


def _sorted(x, dim, descending, stable, k, op):
    if x.ndim == 0:
        return clone(x), tensor(0, device=x.device)
    d = x._dim(dim, op)
    src = transpose(x, d, -1)
    if not 0 <= k <= src._shape[-1]:
        raise IndexError(f"{op}(): k = {k} out of range for dim {d} of size {src._shape[-1]}")
    shape = src._shape[:-1] + (k,)
    values = empty(shape, x._dtype, x._device, op)
    indices = empty(shape, dt.int64, x._device, op)
    attrs = _core.SORT.pack(int(bool(descending)), int(bool(stable)), k)
    _core.run(OP.SORT, (src,), (values, indices), attrs)
    values, indices = transpose(values, d, -1), transpose(indices, d, -1)
    if needs_grad(x):
        record(values, "SortBackward", (x,),
               lambda g: _scatter_into(_zeros_like(x), d, indices, g, OP.SCATTER_ADD, "sort_backward"))
    return values, indices


def sort(x, dim=-1, descending=False, stable=False):
    n = x._shape[x._dim(dim, "sort")] if x.ndim else 1
    return sort_result(*_sorted(x, dim, descending, stable, n, "sort"))


def argsort(x, dim=-1, descending=False, stable=False):
    return sort(x, dim, descending, stable).indices


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return topk_result(*_sorted(x, dim, largest, True, k, "topk"))


def take(x, index):
    return getitem(reshape(x, (-1,)), index)


def take_along_dim(x, indices, dim=None):
    """gather with the other dims of x and indices broadcast together; no dim: both read flat."""
    if dim is None:
        return gather(reshape(x, (-1,)), 0, reshape(indices, (-1,)))
    if x.ndim != indices.ndim:
        raise RuntimeError(f"take_along_dim(): input {list(x.shape)} and indices {list(indices.shape)} should have "
                           "the same number of dimensions")
    d = dim % x.ndim if x.ndim else 0
    shape = list(broadcast_shapes(*(s[:d] + (1,) + s[d + 1:] for s in (x._shape, indices._shape)),
                                  op="take_along_dim"))
    x_shape, i_shape = list(shape), list(shape)
    if x.ndim:
        x_shape[d], i_shape[d] = x._shape[d], indices._shape[d]
    return gather(broadcast_to(x, x_shape), d, broadcast_to(indices, i_shape))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    if input.dtype.category != 1:
        raise TypeError(f"embedding(): indices must be an integer tensor, got {input.dtype.name}")
    flat = reshape(input, (-1,))
    n = weight.shape[0]
    if flat.numel() and any_(ew.logical_or(ew.lt(flat, 0), ew.ge(flat, n))).item():
        bad = flat[ew.logical_or(ew.lt(flat, 0), ew.ge(flat, n))][0].item()
        raise IndexError(f"embedding(): index {bad} is out of range for {n} embeddings")
    if padding_idx is not None and weight.requires_grad:
        # the padding row gets no gradient: route its lookups through a detached copy of the weight
        pad_idx = padding_idx % n
        rows = index_select(weight, 0, flat)
        fixed = index_select(weight.detach(), 0, flat)
        out = ew.where(unsqueeze(ew.eq(flat, pad_idx), 1), fixed, rows)
    else:
        out = index_select(weight, 0, flat)
    return reshape(out, tuple(input.shape) + (weight.shape[1],))


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not dt.int64:
        raise RuntimeError(f"one_hot(): expected an int64 tensor, got {tensor.dtype.name}")
    if num_classes < 0:
        num_classes = int(amax(tensor).item()) + 1 if tensor.numel() else 0
    classes = arange(num_classes, device=tensor.device)
    return ew.eq(unsqueeze(tensor, -1), classes).long()


def diag(x, diagonal=0):
    """torch.diag: a 1-d x becomes the square matrix with x on its `diagonal`-th diagonal (zeros elsewhere, nan
    and inf included); a 2-d x gives its `diagonal`-th diagonal. A composite of where and index reads."""
    k = int(diagonal)
    if not isinstance(x, Tensor):
        raise TypeError(f"diag(): expected a tensor, got {type(x).__name__}")
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows, cols = arange(n, device=x.device), arange(n, device=x.device)
        on = getitem(cols, (None, slice(None))) - getitem(rows, (slice(None), None)) == k
        v = pad(x, (0, k) if k >= 0 else (-k, 0))  # row i of the result holds v[i] where it holds anything
        return where(on, getitem(v, (slice(None), None)), fill_(empty((), x._dtype, x._device, "diag"), 0))
    if x.ndim == 2:
        r, c = x.shape
        n = max(0, min(r + min(k, 0), c - max(k, 0)))
        i = arange(n, device=x.device)
        return getitem(x, (i - min(k, 0), i + max(k, 0)))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")

# public names (ops/_public.py)
declare(globals(), "argsort argwhere index_add index_fill index_put scatter scatter_add")
declare(globals(), "diag gather index_select masked_select nonzero sort take take_along_dim topk", out=True)
declare(globals(), "masked_fill", inplace=True)
declare(globals(), "scatter_reduce", inplace=True, out=True)
declare(globals(), "where", method=False, out=True)
declare(globals(), "scatter_ scatter_add_ index_add_ index_fill_ index_copy_ index_put_ masked_scatter_ "
        "__getitem__=getitem __setitem__=setitem", function=False)
