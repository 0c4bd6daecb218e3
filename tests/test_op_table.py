"""The one op description (tt_ops.def, tt_attrs.def) as Python sees it: attrs layouts equal the C structs, plan
counters come from the TT_COUNTER fields, tt_op_supported agrees with what tt_run does, and every Python fallback
asks it (a device without a fused kernel gets the composite, with the same answer)."""
import struct

import numpy as np
import pytest
import torch

import tinytorch as tt
from tinytorch import _C, _core
from tinytorch._core import OP

DTYPES = ("float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool")
CPU = tt.device("cpu")


@pytest.mark.parametrize("name", sorted(_core.ATTRS_LAYOUTS))
def test_python_attrs_layout_is_the_c_struct(name):
    size, fields = _core.ATTRS_LAYOUTS[name]  # sizeof and offsetof, exported by the binding
    packer = _core.ATTRS[name]
    assert packer.size == size
    # distinct values, packed in field order, must be read back at C's offsets
    values, expected = [], []
    for i, (_, _, code, count, _) in enumerate(fields):
        for j in range(count):
            v = float(i * 8 + j + 1) if code == "d" else i * 8 + j + 1
            values.append(v)
            expected.append(v)
    blob = packer.pack(*values)
    got = []
    for _, offset, code, count, _ in fields:
        got.extend(struct.unpack_from(f"={count}{code}", blob, offset))
    assert got == expected
    # no two fields overlap and all lie inside the struct
    spans = sorted((f[1], f[1] + f[3] * struct.calcsize("=" + f[2])) for f in fields)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
    assert spans[-1][1] <= size


def test_every_op_names_a_known_attrs_struct():
    assert len(_core.OPS) == len(_core.OP_NAMES) > 0
    for name, family, n_in, n_out, attrs in _core.OPS:
        assert attrs == "none" or attrs in _core.ATTRS, (name, attrs)
        assert n_in >= 0 and n_out >= 1, name
    assert [_core.OP_NAMES[getattr(OP, n)] for n in _core.OP_NAMES] == list(_core.OP_NAMES)


def test_plan_counters_are_the_counter_fields():
    def field(op, offset):
        layout = _core.ATTRS_LAYOUTS[_core.OPS[op][4]][1]
        return next(f[0] for f in layout if f[1] == offset)
    named = {(_core.OP_NAMES[op], field(op, off)) for op, offsets in _core.COUNTERS.items() for off in offsets}
    assert named == {("RAND_UNIFORM", "offset"), ("RAND_NORMAL", "offset"), ("RAND_INT", "offset"),
                     ("ADAM_STEP", "step"), ("ADAGRAD_STEP", "step")}


def _zeros(shape, dtype):
    return tt.zeros(shape, dtype=getattr(tt, dtype))


def _call(name, family, n_out, attrs, d):
    """One small valid call of the op computing in dtype d (None for families this sketch does not cover)."""
    op = getattr(OP, name)
    x = lambda: _zeros((2,), d)  # noqa: E731
    packed = {"reduce": _core.REDUCE.pack(1), "dim": _core.DIM.pack(0), "scale": _core.SCALE.pack(1.0),
              "fill": _core.FILL.pack(0.0, 0), "arange": _core.ARANGE.pack(0.0, 1.0, 0, 1),
              "sort": _core.SORT.pack(0, 0, 2), "random": _core.RANDOM.pack(0, 0, 0.0, 1.0),
              "sgd": _core.SGD.pack(0.1, 0, 0, 0, 0, 0, 1), "adam": _core.ADAM.pack(.1, .9, .9, 1e-8, 0, 1, 0, 0, 0),
              "rmsprop": _core.RMSPROP.pack(.1, .9, 1e-8, 0, 0, 0, 0),
              "adagrad": _core.ADAGRAD.pack(.1, 0, 0, 1e-8, 1, 0)}.get(attrs, _core.NO_ATTRS)
    n_in = _core.OPS[op][2]
    if family in ("UNARY", "UNARY_FLOAT", "BINARY", "TERNARY", "COPY"):
        return op, tuple(x() for _ in range(n_in)), (x(),), packed
    if family in ("PREDICATE", "COMPARE"):
        return op, tuple(x() for _ in range(n_in)), (_zeros((2,), "bool"),), packed
    if family == "WHERE":
        return op, (_zeros((2,), "bool"), x(), x()), (x(),), packed
    if family.startswith("REDUCE"):
        out = {"REDUCE": d, "REDUCE_ARG": "int64", "REDUCE_BOOL": "bool"}[family]
        return op, (x(),), (_zeros((1,), out),), packed
    if family == "SCAN":
        return op, (x(),), (x(),), packed
    if family == "MATMUL":
        return op, (_zeros((2, 2), d), _zeros((2, 2), d)), (_zeros((2, 2), d),), packed
    if family == "GATHER":
        return op, (x(), _zeros((2,), "int64")), (x(),), packed
    if family == "SCATTER":
        return op, (_zeros((2,), "int64"), x()), (x(),), packed
    if family == "NONZERO":
        return op, (x(),), (_zeros((0, 1), "int64"),), packed
    if family == "SORT":
        return op, (x(),), (x(), _zeros((2,), "int64")), packed
    if family in ("RANDOM", "FILL", "ARANGE"):
        return op, (), (x(),), packed
    if family == "OPTIM":
        return op, (x(),), tuple(x() for _ in range(n_out)), packed
    return None


@pytest.mark.parametrize("row", _core.OPS, ids=_core.OP_NAMES)
def test_op_supported_agrees_with_tt_run(row):
    name, family, _, n_out, attrs = row
    op = getattr(OP, name)
    for d in DTYPES:
        says = _core.supported(op, CPU, getattr(tt, d))
        call = _call(name, family, n_out, attrs, d)
        if call is None:  # families of many-dims operands: the fused float kernels compute as stored
            assert says == (d in ("float32", "float64")) or name == "IM2COL", (name, d)
            continue
        try:
            _core.run(*call)
            ran = True
        except RuntimeError as e:  # a zero divisor is a value error of a call that did run
            ran = "division by zero" in str(e)
            assert ran or "not supported" in str(e), (name, d, e)
        except (TypeError, ValueError) as e:
            ran = "division by zero" in str(e)
            assert ran or "does not take" in str(e), (name, d, e)
        assert says == ran, f"{name} {d}: tt_op_supported says {says}, tt_run {'ran' if ran else 'refused'}"


def test_op_supported_refuses_bad_arguments():
    f32 = tt.float32.code
    assert not _C.op_supported(-1, 0, 0, f32) and not _C.op_supported(len(_core.OPS), 0, 0, f32)
    assert not _C.op_supported(OP.ADD, 0, 0, 99) and not _C.op_supported(OP.ADD, 0, 1, f32)
    assert not _C.op_supported(OP.ADD, 9, 0, f32) and not _C.op_supported(OP.ADD, 0, -1, f32)
    assert _C.op_supported(OP.ADD, 0, 0, f32)
    if _C.device_count(1) == 0:
        assert not _C.op_supported(OP.ADD, 1, 0, f32)


def test_dtype_refusal_names_what_the_op_takes():
    with pytest.raises(TypeError, match=r"exp\(\): does not take int32 \(takes float32, float64, float16, bfloat16\)"):
        _core.run(OP.EXP, (_zeros((2,), "int32"),), (_zeros((2,), "int32"),))


FUSED = ("ADDCMUL", "ADDCDIV", "CROSS_ENTROPY", "CROSS_ENTROPY_BACKWARD", "ATTENTION", "ATTENTION_BACKWARD",
         "RELU_BACKWARD", "MAX_POOL2D_BACKWARD", "SGD_STEP", "ADAM_STEP", "RMSPROP_STEP", "ADAGRAD_STEP")


def _workload(m):
    """Every op with a composite fallback, forward and backward, and one step of each fused optimizer."""
    gen = np.random.default_rng(0)
    arr = lambda *s: m.tensor(gen.standard_normal(s), dtype=m.float64)  # noqa: E731
    x, a, b = arr(3, 4), arr(3, 4), arr(4).abs() + 0.5
    x.requires_grad_(True)
    logits = arr(5, 3).requires_grad_(True)
    q, k, v = (arr(1, 2, 3, 4).requires_grad_(True) for _ in range(3))
    img = arr(1, 2, 4, 4).requires_grad_(True)
    y = (m.addcmul(x, a, b, value=0.5) + m.addcdiv(x, a, b, value=-2.0)).relu().sum()
    y = y + m.nn.functional.cross_entropy(logits, m.tensor([0, 2, 1, 1, 0]))
    y = y + m.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum()
    y = y + m.nn.functional.max_pool2d(img, 2).sum()
    y.backward()
    out = [y.detach()] + [t.grad for t in (x, logits, q, k, v, img)]
    for opt in (m.optim.SGD, m.optim.Adam, m.optim.RMSprop, m.optim.Adagrad):
        p = m.nn.Parameter(arr(3, 2))
        step = opt([p], lr=0.1)
        for _ in range(2):
            step.zero_grad()
            (p * p).sum().backward()
            step.step()
        out.append(p.detach())
    return [t.detach().numpy() for t in out]


def test_fallbacks_ask_op_supported(monkeypatch):
    """With the fused kernels reported missing (as on a backend that lacks them), every op falls back to its
    composite and gives the same numbers; the references come from the kernels and from torch."""
    with_kernels = _workload(tt)
    reference = _workload(torch)
    missing = {getattr(OP, n) for n in FUSED}
    real = _core.supported
    asked = set()

    def without_fused(op, device, dtype):
        asked.add(op)
        return False if op in missing else real(op, device, dtype)
    monkeypatch.setattr(_core, "supported", without_fused)
    composites = _workload(tt)
    assert {getattr(OP, n) for n in ("ADDCMUL", "ADDCDIV", "CROSS_ENTROPY", "ATTENTION", "RELU_BACKWARD",
                                     "MAX_POOL2D_BACKWARD", "SGD_STEP", "ADAM_STEP", "RMSPROP_STEP",
                                     "ADAGRAD_STEP")} <= asked
    for got, fused, want in zip(composites, with_kernels, reference):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(fused, want, rtol=1e-10, atol=1e-12)
