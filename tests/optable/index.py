"""Rows of the indexing, joining, sorting and padding ops."""
import numpy as np

from ._base import *  # noqa: F401,F403
from ._base import _f  # noqa: F401

# ---- indexing ops (index constants made with m.tensor, so they land on the test device)
X34 = [((3, 4),)]
op("gather_dim1", lambda m, x: m.gather(x, 1, m.tensor([[0, 3], [1, 1], [2, 0]])), X34, DTYPES,
   np_fn=lambda a: np.take_along_axis(a, np.array([[0, 3], [1, 1], [2, 0]]), 1))
op("gather_dim0", lambda m, x: m.gather(x, 0, m.tensor([[2, 0, 1, 1], [0, 0, 2, 1]])), X34, NUMERIC,
   np_fn=lambda a: np.take_along_axis(a, np.array([[2, 0, 1, 1], [0, 0, 2, 1]]), 0))
op("take_along_dim_flat", lambda m, x: m.take_along_dim(x, m.tensor([5, 0, 11, 5])), X34, NUMERIC,
   np_fn=lambda a: np.take_along_axis(a.ravel(), np.array([5, 0, 11, 5]), None),
   layouts=("contig",))  # torch flattens with view(), which refuses other layouts; tinytorch reshapes
op("take_along_dim_broadcast", lambda m, x: m.take_along_dim(x, m.tensor([[[0], [2]]]), 2), [((3, 1, 4),)], F32_64,
   np_fn=lambda a: np.take_along_axis(a, np.array([[[0], [2]]]), 2), grad=True)
op("gather_neg_dim_small_index", lambda m, x: x.gather(-1, m.tensor([[1], [0]])), [((2, 4),)], NUMERIC)
op("gather_int32_index", lambda m, x: x.gather(1, m.tensor([[1, 0]], dtype=m.int32)), [((1, 4),)], F32_64)
op("scatter_src", lambda m, x, s: x.scatter(1, m.tensor([[0, 3], [1, 2], [3, 0]]), s), [((3, 4), (3, 2))], DTYPES)
op("scatter_value", lambda m, x: x.scatter(0, m.tensor([[2, 0, 1, 1]]), value=1.5), X34, F32_64)
op("scatter_add", lambda m, x, s: x.scatter_add(1, m.tensor([[0, 0], [1, 3], [3, 3]]), s), [((3, 4), (3, 2))],
   NUMERIC)
op("scatter_add_dim0", lambda m, x, s: m.scatter_add(x, 0, m.tensor([[1, 1, 0, 2], [1, 0, 0, 2]]), s),
   [((3, 4), (2, 4))], F32_64)
op("index_select_dim0", lambda m, x: m.index_select(x, 0, m.tensor([2, 0, 2])), X34, DTYPES,
   np_fn=lambda a: a[[2, 0, 2]])
op("index_select_dim-1", lambda m, x: x.index_select(-1, m.tensor([3, 1])), X34 + [((2, 0, 4),)], DTYPES,
   np_fn=lambda a: a[..., [3, 1]])
op("index_select_empty", lambda m, x: x.index_select(1, m.tensor([], dtype=m.int64)), X34, F32_64)
op("index_add", lambda m, x, s: x.index_add(0, m.tensor([0, 2, 0]), s), [((3, 4), (3, 4))], NUMERIC)
op("index_add_alpha_dim1", lambda m, x, s: x.index_add(1, m.tensor([3, 0]), s, alpha=2), [((3, 4), (3, 2))],
   F32_64)
op("masked_fill", lambda m, x: x.masked_fill(m.tensor([True, False, True, False]), 2.0), X34, NUMERIC,
   np_fn=lambda a: np.where(np.array([True, False, True, False]), np.array(2).astype(a.dtype), a))
op("masked_fill_2d", lambda m, x: x.masked_fill(x > 0, 0.5), X34 + [((0, 3),), ((),)], FLOATS,
   np_fn=lambda a: np.where(a > 0, 0.5, a))
op("masked_select", lambda m, x: m.masked_select(x, x > 0), X34 + [((0, 3),)], F32_64 + ("int64",),
   np_fn=lambda a: a[a > 0])
op("nonzero", lambda m, x: m.nonzero(x), [(), (0,), (7,), (3, 4), (2, 3, 4)], DTYPES, domain="halves",
   np_fn=lambda a: np.argwhere(a))
op("nonzero_tuple", lambda m, x: m.nonzero(x, as_tuple=True), [(7,), (3, 4)], ("float32", "bool"), domain="halves",
   np_fn=lambda a: np.nonzero(a))
op("cat_dim0", lambda m, x, y: m.cat([x, y], 0), [((2, 3), (4, 3)), ((0, 3), (2, 3)), ((2,), (0,))], DTYPES,
   np_fn=lambda a, b: np.concatenate([a, b], 0))
op("cat_dim1", lambda m, x, y: m.cat((x, y, x), dim=-1), [((2, 3), (2, 1)), ((2, 0), (2, 2)), ((2, 3, 2), (2, 3, 1))],
   DTYPES, np_fn=lambda a, b: np.concatenate([a, b, a], -1))
op("cat_legacy_empty", lambda m, x: m.cat([x, m.zeros(0, dtype=x.dtype)], 1), [((2, 3),)], F32_64)
op("cat_mixed_dtypes", lambda m, x: m.cat([x, x.double()], 0), [((2, 3),)], ("float32", "int64"))
op("stack", lambda m, x, y: (m.stack([x, y]), m.stack([x, y], 1), m.stack([x, y, x], -1)),
   [((2, 3), (2, 3)), ((), ()), ((0, 2), (0, 2))], DTYPES,
   np_fn=lambda a, b: (np.stack([a, b]), np.stack([a, b], 1) if a.ndim else None, np.stack([a, b, a], -1)))
op("pad", lambda m, x: F(m).pad(x, (1, 2)), [(3,), (2, 3), (0, 2)], DTYPES,
   np_fn=lambda a: np.pad(a, [(0, 0)] * (a.ndim - 1) + [(1, 2)]))
op("pad_2d_value", lambda m, x: F(m).pad(x, (1, 0, 2, 1), value=1.5), [(2, 3), (2, 2, 3)], F32_64,
   np_fn=lambda a: np.pad(a, [(0, 0)] * (a.ndim - 2) + [(2, 1), (1, 0)], constant_values=1.5))
op("pad_negative", lambda m, x: F(m).pad(x, (-1, 2)), [(2, 4)], F32_64)
op("flip", lambda m, x: (m.flip(x, (0,)), m.flip(x, (-1,)), x.flip((0, 1))), [(3, 4), (2, 3, 4), (0, 3)], DTYPES,
   np_fn=lambda a: (np.flip(a, 0), np.flip(a, -1), np.flip(a, (0, 1))))
op("roll", lambda m, x: (m.roll(x, 1, 0), m.roll(x, (1, -2), (0, 1)), m.roll(x, 3), x.roll(-7, 1)),
   [(3, 4), (2, 3, 4), (0, 3)], DTYPES,
   np_fn=lambda a: (np.roll(a, 1, 0), np.roll(a, (1, -2), (0, 1)), np.roll(a, 3), np.roll(a, -7, 1)))
op("tril_triu", lambda m, x: (m.tril(x), m.tril(x, 1), m.tril(x, -1), m.triu(x), m.triu(x, 2), m.triu(x, -1)),
   [(4, 5), (2, 3, 3), (5, 2), (0, 3)], DTYPES,
   np_fn=lambda a: (np.tril(a), np.tril(a, 1), np.tril(a, -1), np.triu(a), np.triu(a, 2), np.triu(a, -1)))
op("repeat", lambda m, x: (x.repeat(2, 1), x.repeat(2, 1, 3), x.repeat(1, 0)), [(3, 4), (0, 2)], DTYPES,
   np_fn=lambda a: (np.tile(a, (2, 1)), np.tile(a, (2, 1, 3)), np.tile(a, (1, 0))))
op("repeat_0d", lambda m, x: x.repeat(3), [()], F32_64)
op("topk", lambda m, x: (m.topk(x, 2), x.topk(3, dim=0, largest=False), m.topk(x, 0)), [(4, 5), (3, 4, 6)],
   NUMERIC, domain="distinct", layouts=NO_BCAST)
op("topk_1d", lambda m, x: m.topk(x, 5), [(5,), (67,)], F32_64 + ("int64",), domain="distinct", layouts=NO_BCAST,
   np_fn=lambda a: (-np.sort(-a)[:5], np.argsort(-a, kind="stable")[:5]))
op("sort", lambda m, x: (m.sort(x), x.sort(dim=0, descending=True), m.sort(x, dim=-1, stable=True)),
   [(7,), (4, 5), (2, 3, 4), (0, 3), (1, 0), (100,)], NUMERIC, domain="distinct", layouts=NO_BCAST,
   np_fn=lambda a: ((np.sort(a), np.argsort(a, kind="stable")),
                    (np.flip(np.sort(a, 0), 0), np.flip(np.argsort(a, 0, kind="stable"), 0)),
                    (np.sort(a, -1), np.argsort(a, -1, kind="stable"))))
op("sort_0d", lambda m, x: m.sort(x), [()], F32_64)
op("sort_stable_ties", lambda m, x: (m.sort(x, stable=True), m.sort(x, descending=True, stable=True),
                                     m.argsort(x, stable=True)), [(40,), (3, 17)], ("float32", "int64"),
   domain="halves",
   np_fn=lambda a: ((np.sort(a, kind="stable"), np.argsort(a, kind="stable")), None,
                    np.argsort(a, kind="stable")))
op("sort_nan", lambda m, x: (m.sort(x / x.round()), m.sort(x / x.round(), descending=True)), [(12,)], F32_64,
   domain="halves")
op("argsort", lambda m, x: (m.argsort(x), x.argsort(dim=0, descending=True)), [(7,), (4, 5), (2, 3, 4)], NUMERIC,
   domain="distinct", layouts=NO_BCAST, np_fn=lambda a: (np.argsort(a), np.flip(np.argsort(a, 0), 0)))

differentiable(["gather_dim1", "gather_dim0", "gather_neg_dim_small_index", "gather_int32_index", "scatter_src",
                "scatter_value", "scatter_add", "scatter_add_dim0", "index_select_dim0", "index_select_dim-1",
                "index_select_empty", "index_add", "index_add_alpha_dim1", "masked_fill", "masked_fill_2d",
                "masked_select", "cat_dim0", "cat_dim1", "cat_legacy_empty", "cat_mixed_dtypes", "stack", "pad",
                "pad_2d_value", "pad_negative", "flip", "roll", "tril_triu", "repeat", "repeat_0d", "topk", "topk_1d",
                "sort", "sort_0d"])
differentiable(["sort_stable_ties"], grad="torch")  # ties: finite differences reorder them

# scatter_reduce: every reduction, with and without x's own values (repeated indices; positions no index reaches)
_SR_INDEX = [[0, 1, 0, 2], [1, 1, 0, 0], [2, 0, 0, 1]]
for _reduce in ("sum", "prod", "mean", "amax", "amin"):
    for _self in (True, False):
        op(f"scatter_reduce_{_reduce}{'' if _self else '_no_self'}",
           lambda m, x, src, _r=_reduce, _s=_self: m.scatter_reduce(x, 0, m.tensor(_SR_INDEX), src, _r,
                                                                    include_self=_s),
           [((3, 4), (5, 4)), ((3, 4), (3, 4))], F32_64,
           domain="any" if _reduce in ("amax", "amin") else "near1",  # "any": no ties between x and src
           layouts=NO_BCAST, grad=True, op="scatter_reduce")
