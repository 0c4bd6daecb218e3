"""The op table's row format and the helpers shared by the generic tests (test_ops.py) and the property tests.

A row is one op form: its name, the input shapes (one tuple of shapes per case), the dtypes it runs in, the
expression `fn(m, *inputs)` applied to m = tinytorch or torch (a separate `torch_fn` where torch spells it
differently), an optional NumPy reference, the inputs' value domains and a tolerance scale; then what the
generic tests do with it: gradients (backward against torch.autograd.grad, float64 gradcheck, second
derivatives), error inputs, and the layouts it runs in. A module row (`module=`) builds a layer from m.nn in
both libraries, copies tinytorch's weights into torch's, and calls `fn(m, layer, *inputs)`."""
import math
import re
from dataclasses import dataclass, field

import numpy as np
import torch

import tinytorch

DTYPES = ("float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool")
FLOATS = ("float32", "float64", "float16", "bfloat16")
INTS = ("int32", "int64", "uint8")
NUMERIC = FLOATS + INTS
F32_64 = ("float32", "float64")
TORCH_DTYPE = {n: getattr(torch, n) for n in DTYPES}
TT_DTYPE = {n: getattr(tinytorch, n) for n in DTYPES}
NP_DTYPE = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": np.float32,
            "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}
# (rtol, atol) by result dtype
TOL = {"float32": (2e-5, 1e-5), "float64": (1e-10, 1e-12), "float16": (2e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2)}
LAYOUTS = ("contig", "T", "step", "bcast")
NO_BCAST = ("contig", "T", "step")  # for ops whose answer depends on ties (bcast repeats values)
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 3.0, 1e-3, -1e-3, 20.0, -20.0]


def dname(d):
    """'float32' for tinytorch.float32, torch.float32 and numpy's float32."""
    return str(d).split(".")[-1]


# ---------------------------------------------------------------- inputs
def make_np(shape, dtype, domain="any", rng=None):
    """Values for one input: a NumPy array of the dtype (float32 holding exact bfloat16 values for bfloat16)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    n = int(np.prod(shape, dtype=np.int64))
    if domain.startswith("index"):  # class indices / token ids in [0, N); the first one is 2 % N (padding rows)
        a = rng.integers(0, int(domain[5:]), n)
        if n:
            a[0] = 2 % int(domain[5:])
        return a.reshape(shape).astype(np.int64)
    if domain == "mask":
        return (rng.random(n) < 0.7).reshape(shape)
    if domain == "const":  # values as "any", but never differentiated
        domain = "any"
    if dtype == "bool":
        a = rng.random(n) < 0.5
    elif dtype in FLOATS:
        if domain == "pos":
            a = rng.uniform(0.1, 4.0, n)
        elif domain == "nonzero":
            a = rng.choice([-1, 1], n) * rng.uniform(0.5, 3.0, n)
        elif domain == "unit":
            a = rng.uniform(-0.9, 0.9, n)
        elif domain == "halves":
            a = rng.integers(-8, 9, n) / 2.0
        elif domain == "distinct":
            a = (rng.permutation(n) - n // 2) * 0.5
        elif domain == "near1":
            a = rng.uniform(0.5, 1.5, n)
        elif domain == "expo":
            a = rng.uniform(-2.0, 2.0, n)
        else:
            a = rng.standard_normal(n) * 2.0
    else:
        lo = 0 if dtype == "uint8" else -5
        if domain in ("pos", "near1"):
            a = rng.integers(1, 6, n)
        elif domain == "nonzero":
            a = rng.integers(1, 6, n) * (1 if dtype == "uint8" else rng.choice([-1, 1], n))
        elif domain == "distinct":
            a = rng.permutation(n) - (0 if dtype == "uint8" else n // 2)
        elif domain == "expo":
            a = rng.integers(0, 4, n)
        else:
            a = rng.integers(lo, 6, n)
    a = np.asarray(a).reshape(shape)
    if dtype == "bfloat16":
        return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).float().numpy()
    return a.astype(NP_DTYPE[dtype])


def to_tt(arr, dtype, device=None):
    t = tinytorch.tensor(np.array(arr, dtype=NP_DTYPE[dtype]), device=device)
    return t.to(tinytorch.bfloat16) if dtype == "bfloat16" else t


def to_torch(arr, dtype):
    return torch.from_numpy(np.array(arr, dtype=NP_DTYPE[dtype])).to(TORCH_DTYPE[dtype])


def layout_values(arr, layout):
    """The values an input holds once given `layout` (only broadcasting changes them)."""
    d = _bcast_dim(arr.shape)
    if layout == "bcast" and d is not None:
        return np.broadcast_to(np.take(arr, [0], axis=d), arr.shape).copy()
    return arr


def _bcast_dim(shape):
    for d, s in enumerate(shape):
        if s > 1:
            return d
    return None


def with_layout(arr, dtype, layout, module, device=None, leaves=None):
    """A tensor of `module` holding layout_values(arr, layout), laid out as asked: contiguous, transposed (a
    permuted view), stepped (a [1::2] slice of a bigger buffer, so also a nonzero offset) or broadcast (an
    expanded view with stride 0). With a list `leaves`, the buffer the view is made from requires grad and is
    appended there (gradients are compared on it: same layout in both libraries)."""
    def make(a):
        t = to_tt(a, dtype, device) if module is tinytorch else to_torch(a, dtype)
        if leaves is not None:
            t.requires_grad_()
            leaves.append(t)
        return t
    nd = arr.ndim
    if layout == "T" and nd == 1:
        layout = "step"
    if layout == "T" and nd >= 2:
        rev = tuple(range(nd - 1, -1, -1))
        return make(np.ascontiguousarray(arr.transpose(rev))).permute(*rev)
    if layout == "step" and nd >= 1:
        big = np.zeros(tuple(2 * s + 1 for s in arr.shape), dtype=arr.dtype)
        sl = (slice(1, None, 2),) * nd
        big[sl] = arr
        return make(big)[sl]
    if layout == "bcast":
        d = _bcast_dim(arr.shape)
        if d is not None:
            return make(np.take(arr, [0], axis=d)).expand(*arr.shape)
    return make(arr)


def to_numpy(t):
    """A NumPy copy of a tinytorch or torch tensor (bfloat16 read as float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy().copy()
    if isinstance(t, tinytorch.Tensor):
        return (t.float() if t.dtype is tinytorch.bfloat16 else t).cpu().numpy().copy()
    return np.asarray(t)


def tol(dtype_name, scale=1.0):
    rtol, atol = TOL.get(dtype_name, (0.0, 0.0))
    return rtol * scale, atol * scale


def check(got, want, what="", scale=1.0, check_dtype=True, signed_zero=False):
    """Asserts that a tinytorch result matches a torch (or NumPy) one: structure, shape, dtype and values."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)), f"{what}: got {type(got).__name__}, expected a sequence"
        assert len(got) == len(want), f"{what}: got {len(got)} results, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            check(g, w, f"{what}[{i}]", scale, check_dtype, signed_zero)
        return
    if isinstance(want, (torch.Tensor, np.ndarray, np.generic)):
        if isinstance(want, torch.Tensor):
            assert isinstance(got, tinytorch.Tensor), f"{what}: got {type(got).__name__}, expected a tensor"
        want_shape = tuple(want.shape)
        got_shape = tuple(got.shape) if hasattr(got, "shape") else ()
        assert got_shape == want_shape, f"{what}: shape {got_shape}, expected {want_shape}"
        if check_dtype and isinstance(want, torch.Tensor):
            assert dname(got.dtype) == dname(want.dtype), f"{what}: dtype {dname(got.dtype)}, expected " \
                                                          f"{dname(want.dtype)}"
        g, w = to_numpy(got), to_numpy(want)
    else:  # a Python number
        g, w = np.asarray(got), np.asarray(want)
    kind = dname(want.dtype) if isinstance(want, torch.Tensor) else dname(getattr(got, "dtype", "float64"))
    if w.dtype.kind in "fc" or g.dtype.kind == "f":
        rtol, atol = tol(kind if kind in TOL else "float64", scale)
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
        if signed_zero:
            zero = (g == 0) & (w == 0)
            np.testing.assert_array_equal(np.signbit(g[zero]), np.signbit(w[zero]),
                                          err_msg=f"{what}: sign of zero differs")
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


# ---------------------------------------------------------------- the row format
def input_dtype(domain, dtype):
    """The dtype an input of this domain is made in: class indices are int64 and masks bool whatever the row's
    dtype; every other input takes the row's dtype."""
    return "int64" if domain.startswith("index") else "bool" if domain == "mask" else dtype


@dataclass
class Row:
    name: str
    fn: object  # fn(m, *inputs), or fn(m, layer, *inputs) for a module row
    shapes: list  # the cases: each a list of input shapes
    dtypes: tuple
    torch_fn: object = None  # torch's spelling, where it differs
    np_fn: object = None  # NumPy reference np_fn(*arrays) (float64 arrays for the half types); None entries skip
    domain: object = "any"  # per input (a tuple) or for all: any pos nonzero unit halves distinct near1 expo
    #                         const (float, never differentiated) mask (bool) index<N> (int64 in [0, N))
    scale: float = 1.0  # tolerance scale of the forward comparisons
    layouts: tuple = ("contig", "T", "step", "bcast")
    special: bool = False  # also run on nan, +-inf, -0.0 and friends
    signed_zero: bool = False  # the sign of zero results must match torch's
    grad: object = False  # True: backward vs torch.autograd.grad + float64 gradcheck; "torch": vs torch only
    grad_inputs: tuple = None  # the inputs differentiated (default: every float input not in the "const" domain)
    grad_shapes: list = None  # the cases of the finite-difference checks (default: the row's first few non-empty)
    grad_scale: float = 1.0  # tolerance scale of the gradient comparisons with torch
    gradgrad: bool = False  # also second derivatives (Hessian-vector products vs torch and finite differences)
    module: object = None  # module(nn) -> layer, for rows of nn.Module layers
    errors: tuple = ()  # callables err(m): bad input; tinytorch must raise torch's exception class, naming `op`
    op: str = None  # the public name error messages name (default: the row's name up to "(", "-" or "#")
    empty: bool = True  # test_empty derives a case with a zero-size leading dim (torch says whether it is taken)
    known: dict = None  # {test: reason}: a known difference from torch, an expected (strict) failure until fixed
    id: str = field(default="")

    def domains(self, n):
        return self.domain if isinstance(self.domain, tuple) else (self.domain,) * n

    def diff_inputs(self, n):
        if self.grad_inputs is not None:
            return tuple(self.grad_inputs)
        return tuple(i for i, d in enumerate(self.domains(n)) if d not in ("const", "mask") and
                     not d.startswith("index"))

    @property
    def op_name(self):
        return self.op or re.split(r"[(\-#]", self.name)[0]


OPS = []


def _cases(shapes):
    return [s if isinstance(s, list) else [s] if not s or not isinstance(s[0], tuple) else list(s) for s in shapes]


def op(name, fn, shapes, dtypes, **kw):
    """Adds a row; `shapes` lists the cases, each a shape (one input) or a tuple of shapes."""
    if kw.get("grad_shapes") is not None:
        kw["grad_shapes"] = _cases(kw["grad_shapes"])
    OPS.append(Row(name, fn, _cases(shapes), tuple(dtypes), **kw))
    return OPS[-1]


def F(m):
    """m.nn.functional: layer rows are written once for both libraries."""
    return m.nn.functional


def call(m, layer, *inputs):
    return layer(*inputs)


def layer(name, make, shapes, dtypes=("float32", "float64"), fn=call, **kw):
    """A row of an nn.Module layer: make(nn) builds it (in each library, tinytorch's weights copied into torch's)."""
    kw.setdefault("layouts", ("contig", "T"))
    kw.setdefault("grad", True)
    return op(name, fn, shapes, dtypes, module=make, **kw)


U = [(), (0,), (2, 0, 3), (7,), (3, 5), (2, 3, 4), (67,)]  # unary shapes; 67 reaches the SIMD tails
B = [((), ()), ((0,), (0,)), ((0, 3), (1, 3)), ((5,), ()), ((), (4,)), ((3, 4), (3, 4)), ((2, 3, 4), (4,)),
     ((3, 1), (1, 4)), ((2, 1, 5), (3, 1)), ((37,), (37,))]


def _np_erf(a):
    return np.vectorize(math.erf, otypes=[np.float64])(a) if a.size else a.astype(np.float64)


def _f(a):  # NumPy references for float ops run in float64
    return a.astype(np.float64)


_UNSUPPORTED = re.compile(r"(?:^|\(\): )not supported")


def unsupported(exc):
    """The device's reason for not running an op, or None: the binding raises TT_ERR_UNSUPPORTED as a
    RuntimeError "not supported: ..." (prefixed "<op>(): " by the op that met it)."""
    return str(exc) if isinstance(exc, RuntimeError) and _UNSUPPORTED.search(str(exc)) else None


def differentiable(names, **kw):
    """Marks the rows of these names (already in the table) as differentiable: grad=True and any other fields."""
    names, found = set(names), set()
    for row in OPS:
        if row.name in names:
            row.grad = True
            for k, v in kw.items():
                setattr(row, k, v)
            found.add(row.name)
    assert found == names, f"no rows named {sorted(names - found)}"
