"""Rows of the reductions, scans and softmax."""
import numpy as np

from ._base import *  # noqa: F401,F403
from ._base import _f  # noqa: F401

# ---- reductions
R3 = [(2, 3, 4), (3, 1, 5)]
R_ALL = [(), (0,), (7,), (3, 5), (2, 3, 4), (2, 0, 3), (100,)]
R_DIM = [(), (7,), (3, 5), (2, 3, 4), (4, 0), (0, 3)]


def _np_reduce(fn, axis, keep):
    # a 0-d tensor takes dim 0 / -1 in torch; NumPy wants no axis there. Integers multiply in int64, as torch.
    return lambda a: fn(a.astype(np.int64) if a.dtype.kind in "ub" and fn is np.prod else a,
                        axis=axis if a.ndim else None, keepdims=keep)


_NP_RED = {"sum": np.sum, "mean": lambda a, axis, keepdims: np.mean(_f(a), axis=axis, keepdims=keepdims),
           "prod": np.prod, "amax": np.max, "amin": np.min, "all": np.all, "any": np.any,
           "logsumexp": lambda a, axis, keepdims: np.log(np.sum(np.exp(_f(a)), axis=axis, keepdims=keepdims)),
           "var0": lambda a, axis, keepdims: np.var(_f(a), axis=axis, keepdims=keepdims, ddof=0),
           "std0": lambda a, axis, keepdims: np.std(_f(a), axis=axis, keepdims=keepdims, ddof=0)}
_RED_DTYPES = {"sum": DTYPES, "mean": FLOATS, "prod": DTYPES, "amax": NUMERIC + ("bool",), "amin": NUMERIC,
               "all": FLOATS + ("int32", "int64", "bool"), "any": FLOATS + ("int32", "int64", "bool"), "logsumexp": FLOATS, "var0": FLOATS, "var1": F32_64, "std0": FLOATS,
               "std1": F32_64}
_RED_DOMAIN = {"prod": "near1"}


def _red_call(name, dim, keep):
    base = name.rstrip("01")
    kw = {"correction": int(name[-1])} if base in ("var", "std") else {}
    if dim is None:
        return lambda m, x: getattr(m, base)(x, **kw)
    return lambda m, x: getattr(m, base)(x, dim, keepdim=keep, **kw)


_GRADGRAD = {("sum", (0, 2)), ("mean", -1), ("var1", 0), ("logsumexp", -1)}
for _r in ("sum", "mean", "prod", "amax", "amin", "all", "any", "logsumexp", "var0", "var1", "std0", "std1"):
    _np_fn = _NP_RED.get(_r)
    _needs_values = _r in ("amax", "amin")
    _shapes_all = [s for s in R_ALL if not (_needs_values and 0 in s)]
    if _r != "logsumexp":  # torch.logsumexp requires dim
        op(f"{_r}()", _red_call(_r, None, False), _shapes_all, _RED_DTYPES[_r],
           np_fn=_np_fn and _np_reduce(_np_fn, None, False), domain=_RED_DOMAIN.get(_r, "any"), scale=4,
           grad=_r not in ("all", "any"))
    for _dim, _shapes in ((0, R_DIM), (-1, R_DIM), ((0, 2), R3 + [(2, 0, 3)] if _r != "prod" else None),
                          ((-1, 0, 1), R3 if _r != "prod" else None),
                          ((), R3) if _r not in ("all", "any", "logsumexp", "var0", "var1", "std0", "std1")
                          and _r != "prod" else (None, None)):
        if _shapes is None:
            continue
        for _keep in (False, True):
            if _needs_values:
                _shapes = [s for s in _shapes if 0 not in s]
            _npd = _np_fn and _np_reduce(_np_fn, (None if _dim == () else _dim), _keep)
            op(f"{_r}(dim={_dim},keepdim={_keep})", _red_call(_r, _dim, _keep), _shapes, _RED_DTYPES[_r],
               np_fn=_npd, domain=_RED_DOMAIN.get(_r, "any"), scale=4, grad=_r not in ("all", "any"),
               gradgrad=not _keep and (_r, _dim) in _GRADGRAD)

for _r, _np_fn in (("max", np.max), ("min", np.min)):
    op(f"{_r}()", lambda m, x, _r=_r: getattr(m, _r)(x), [s for s in R_ALL if 0 not in s], NUMERIC + ("bool",),
       np_fn=_np_fn, domain="distinct", grad=True)
    for _dim in (0, -1, 1):
        for _keep in (False, True):
            op(f"{_r}(dim={_dim},keepdim={_keep})", lambda m, x, _r=_r, _d=_dim, _k=_keep: getattr(m, _r)(x, _d, _k),
               [(3, 5), (2, 3, 4), (1, 7)] + ([(2, 0)] if _dim == 1 else []), NUMERIC, domain="distinct", grad=True)
    op(f"{_r}_binary", lambda m, x, y, _r=_r: getattr(m, _r)(x, y), B, NUMERIC,
       np_fn=np.maximum if _r == "max" else np.minimum, grad=True)
for _r, _np_fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    op(f"{_r}()", lambda m, x, _r=_r: getattr(m, _r)(x), [s for s in R_ALL if 0 not in s], NUMERIC,
       np_fn=_np_fn, domain="distinct")
    for _dim in (0, -1):
        for _keep in (False, True):
            op(f"{_r}(dim={_dim},keepdim={_keep})", lambda m, x, _r=_r, _d=_dim, _k=_keep: getattr(m, _r)(x, _d, _k),
               [(), (7,), (3, 5), (2, 3, 4)], NUMERIC, domain="distinct",
               np_fn=lambda a, _f=_np_fn, _d=_dim, _k=_keep: _f(a, axis=_d if a.ndim else None, keepdims=_k))
    op(f"{_r}(keepdim=True)", lambda m, x, _r=_r: getattr(m, _r)(x, keepdim=True), [(3, 5)], F32_64,
       domain="distinct")
op("argmax_ties", lambda m, x: (m.argmax(x, 1), m.argmin(x, 1), m.argmax(x)), [(4, 9)], ("float32", "int64"),
   domain="halves", np_fn=lambda a: (np.argmax(a, 1), np.argmin(a, 1), np.argmax(a)))

for _r in ("cumsum", "cumprod"):
    _npf = np.cumsum if _r == "cumsum" else np.cumprod
    for _dim in (0, -1, 1):
        op(f"{_r}(dim={_dim})", lambda m, x, _r=_r, _d=_dim: getattr(m, _r)(x, _d),
           [(), (7,), (3, 5), (2, 3, 4), (0, 3), (4, 0), (2, 50)] if _dim != 1 else [(3, 5), (2, 3, 4), (4, 0)],
           DTYPES, np_fn=lambda a, _d=_dim, _npf=_npf: _npf(a if a.dtype.kind == "f" else a.astype(np.int64),
                                                            axis=_d) if a.ndim else a.astype(
               np.float64 if a.dtype.kind == "f" else np.int64),
           domain="near1" if _r == "cumprod" else "any", scale=4, grad=True)
    op(f"{_r}(dtype=float64)", lambda m, x, _r=_r: getattr(m, _r)(x, 0, dtype=m.float64), [(5, 3)],
       ("float32", "int32"), domain="near1", grad=True)


def _np_softmax(a, d):
    a = _f(a)
    e = np.exp(a - a.max(axis=d, keepdims=True))
    return e / e.sum(axis=d, keepdims=True)


for _dim in (0, -1, 1):
    _shapes = [(), (7,), (3, 5), (2, 3, 4), (0, 3), (2, 33)] if _dim != 1 else [(3, 5), (2, 3, 4), (3, 0)]
    op(f"softmax(dim={_dim})", lambda m, x, _d=_dim: m.softmax(x, _d), _shapes, FLOATS, scale=2, grad=True,
       gradgrad=_dim == 1,
       np_fn=lambda a, _d=_dim: _np_softmax(a, _d if a.ndim else None) if a.size else _f(a))
    op(f"log_softmax(dim={_dim})", lambda m, x, _d=_dim: m.log_softmax(x, _d), _shapes, FLOATS, scale=2, grad=True,
       gradgrad=_dim == 0,
       np_fn=lambda a, _d=_dim: np.log(_np_softmax(a, _d if a.ndim else None)) if a.size else _f(a))
op("softmax_big", lambda m, x: (m.softmax(x * 100, -1), m.log_softmax(x * 100, -1)), [(4, 9)], F32_64, scale=4,
   grad=True)
op("softmax(dtype=float64)", lambda m, x: m.softmax(x, -1, dtype=m.float64), [(3, 4)], ("float32", "float16"),
   grad=True)

