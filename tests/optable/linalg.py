"""Rows of the matrix products and einsum (every equation form torch takes, with its errors)."""
import numpy as np

from ._base import *  # noqa: F401,F403
from ._base import _f  # noqa: F401

# ---- matrix products
MM = [((3, 4), (4, 5)), ((1, 1), (1, 1)), ((3, 0), (0, 4)), ((0, 4), (4, 2)), ((17, 33), (33, 9))]
op("matmul_2d", lambda m, a, b: m.matmul(a, b), MM, FLOATS + ("int32", "int64", "uint8"),
   np_fn=lambda a, b: a @ b if a.dtype.kind != "f" else _f(a) @ _f(b), scale=8, grad=True, gradgrad=True, op="matmul",
   errors=(lambda m: m.matmul(m.ones(2, 3), m.ones(2, 3)), lambda m: m.matmul(m.ones(()), m.ones(3))))
op("matmul_batched", lambda m, a, b: a @ b,
   [((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)), ((4, 2), (5, 2, 3)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)),
    ((0, 3, 4), (4, 2)), ((2, 3, 4), (4, 5))], FLOATS + ("int64",), np_fn=lambda a, b: np.matmul(a, b)
   if a.dtype.kind != "f" else np.matmul(_f(a), _f(b)), scale=8, grad=True, gradgrad=True, op="matmul",
   errors=(lambda m: m.ones(2, 2, 3) @ m.ones(3, 2, 4),))
op("matmul_vec", lambda m, a, b: m.matmul(a, b), [((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)), ((0,), (0,))],
   FLOATS + ("int32", "int64"), np_fn=lambda a, b: np.matmul(a, b) if a.dtype.kind != "f" else
   np.matmul(_f(a), _f(b)), scale=8, grad=True, gradgrad=True)
op("mm", lambda m, a, b: m.mm(a, b), [((3, 4), (4, 5))], F32_64, np_fn=np.matmul, scale=8, grad=True,
   errors=(lambda m: m.mm(m.ones(2, 3, 4), m.ones(4, 2)),))
op("spmm", lambda m, a, b: m.spmm(a, b), [((3, 4), (4, 5)), ((0, 2), (2, 3))], F32_64, np_fn=np.matmul, scale=8,
   grad=True)  # torch.spmm on dense matrices (gcn's adjacency @ features)
op("bmm", lambda m, a, b: m.bmm(a, b), [((2, 3, 4), (2, 4, 5))], F32_64, np_fn=np.matmul, scale=8, grad=True,
   errors=(lambda m: m.bmm(m.ones(2, 3, 4), m.ones(3, 4, 5)),))
op("mv", lambda m, a, b: m.mv(a, b), [((3, 4), (4,))], F32_64, np_fn=np.matmul, scale=8, grad=True)
op("dot", lambda m, a, b: m.dot(a, b), [((4,), (4,)), ((100,), (100,))], F32_64 + ("int64",), np_fn=np.dot,
   scale=8, grad=True, errors=(lambda m: m.dot(m.ones(3), m.ones(4)),))
op("outer", lambda m, a, b: m.outer(a, b), [((4,), (3,))], F32_64 + ("int64",), np_fn=np.outer, grad=True)
op("inner", lambda m, a, b: m.inner(a, b), [((4,), (4,)), ((2, 3, 4), (5, 4)), ((3,), ()), ((0, 4), (2, 4))],
   F32_64 + ("int64",), np_fn=np.inner, scale=8, grad=True, errors=(lambda m: m.inner(m.ones(3), m.ones(4)),))
# tinytorch promotes integers meeting floats, matmul included (torch refuses); the reference casts first
op("matmul_int_float", lambda m, a, b: m.matmul(a.long(), b),
   [((3, 4), (4, 5)), ((4,), (4,)), ((2, 3, 4), (4,))], F32_64,
   torch_fn=lambda m, a, b: m.matmul(a.long().to(b.dtype), b), np_fn=lambda a, b: np.matmul(a.astype(np.int64), b),
   scale=8, domain="halves")


# ---- einsum: (name, equation, cases, NumPy takes it too)
_EINSUM = [
    ("matmul", "ij,jk->ik", [((3, 4), (4, 5)), ((0, 4), (4, 2)), ((3, 0), (0, 4))], True),
    ("implicit", "ij,jk", [((3, 4), (4, 5))], True),
    ("bmm", "bij,bjk->bik", [((2, 3, 4), (2, 4, 5))], True),
    ("attention", "bhqd,bhkd->bhqk", [((2, 3, 4, 5), (2, 3, 6, 5))], True),
    ("ellipsis", "...ij,...jk->...ik", [((2, 5, 2, 3), (5, 3, 4)), ((2, 3), (3, 4)), ((1, 2, 3), (4, 3, 2))], True),
    ("ellipsis_middle", "a...b,b...->a...", [((2, 3, 4), (4, 3)), ((2, 4), (4,))], True),
    ("ellipsis_summed", "...ij->ij", [((2, 3, 4),), ((3, 4),)], False),
    ("ellipsis_implicit", "...,...", [((2, 3), (3,)), ((), ())], True),
    ("outer", "i,j->ij", [((3,), (4,))], True),
    ("three_outer", "i,j,k->ijk", [((2,), (3,), (4,))], True),
    ("dot", "i,i", [((3,), (3,)), ((0,), (0,))], True),
    ("trace", "ii", [((3, 3),), ((0, 0),)], True),
    ("diagonal", "ii->i", [((3, 3),)], True),
    ("diagonal_batched", "iij->ji", [((3, 3, 2),)], True),
    ("diagonal_contract", "ijj,jk->ik", [((2, 3, 3), (3, 4))], True),
    ("sum_all", "ij->", [((2, 3),), ((0, 3),)], True),
    ("sum_one", "ijk->ik", [((2, 3, 4),)], True),
    ("sum_each", "ij,kl->", [((2, 3), (4, 5))], True),
    ("contract_keep", "ijk,jk->i", [((2, 3, 4), (3, 4))], True),
    ("transpose", "ij->ji", [((2, 3),)], True),
    ("identity", "i", [((3,),)], True),
    ("uppercase", "Ab,ab", [((2, 3), (2, 3))], True),
    ("broadcast_size1", "ij,ij->ij", [((1, 3), (2, 3)), ((2, 1), (2, 3))], False),
    ("chain", "ij,jk,kl->il", [((2, 3), (3, 4), (4, 5))], True),
    ("spaces", " i j , j k -> i k ", [((2, 3), (3, 4))], False),
]
_EINSUM_ERRORS = (
    lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(2, 3)),  # j: 3 != 2
    lambda m: m.einsum("ij,jk->", m.ones(2, 3)),  # fewer operands
    lambda m: m.einsum("i", m.ones(2), m.ones(2)),  # more operands
    lambda m: m.einsum("ij->k", m.ones(2, 3)),  # output subscript not in the inputs
    lambda m: m.einsum("ij->ii", m.ones(2, 3)),  # repeated in the output
    lambda m: m.einsum("i1->i", m.ones(2, 3)),  # not a letter
    lambda m: m.einsum("ijk->ij", m.ones(2, 3)),  # subscripts != dims
    lambda m: m.einsum("ii->i", m.ones(2, 3)),  # a diagonal of unequal sizes
    lambda m: m.einsum("i.j", m.ones(2, 3)),  # a lone '.'
    lambda m: m.einsum("...i...->i", m.ones(2, 3)),  # two ellipses
    lambda m: m.einsum("...ij,...jk", m.ones(2, 2, 3), m.ones(3, 3, 4)),  # ellipses that do not broadcast
    lambda m: m.einsum("i,i", m.ones(3), m.ones(3, dtype=m.int64)),  # two dtypes
    lambda m: m.einsum("ab"),  # no operand
    lambda m: m.einsum(m.ones(2), [60]),  # a sublist subscript out of range
)
for _name, _eq, _cases, _np_ok in _EINSUM:
    op(f"einsum_{_name}", lambda m, *xs, _eq=_eq: m.einsum(_eq, *xs), _cases, FLOATS + ("int64",) if _np_ok else F32_64,
       np_fn=(lambda *a, _eq=_eq: np.einsum(_eq, *[_f(x) for x in a])) if _np_ok else None, scale=8, grad=True,
       gradgrad=_name in ("matmul", "diagonal_contract", "chain"), errors=_EINSUM_ERRORS if _name == "matmul" else (),
       op="einsum")
op("einsum_list", lambda m, a, b: m.einsum("ij,jk", [a, b]), [((3, 4), (4, 5))], F32_64, np_fn=np.matmul, grad=True)
op("einsum_sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, Ellipsis], [0, Ellipsis]), [((3, 4), (4, 5, 2))],
   F32_64, np_fn=lambda a, b: np.einsum(a, [0, 1], b, [1, Ellipsis], [0, Ellipsis]), grad=True)
