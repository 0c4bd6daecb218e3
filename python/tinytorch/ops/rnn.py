"""Recurrent cells and layers. The GEMMs are MATMULs; the pointwise part of a step is one fused kernel each way
(LSTM_CELL, GRU_CELL and their backwards; a plain RNN step is an add and a tanh or relu).

Two levels, both differentiable:
- lstm_cell / gru_cell: one step, one autograd node (LSTMCell, GRUCell and the create_graph path use them).
- recurrence: one layer in one direction over a whole sequence, one autograd node. A node per step would cost a
  gradient of the size of the sequence for every slice of it; here the backward rule runs the steps in reverse on
  raw views and multiplies out dW_hh in one GEMM at the end.
Under create_graph the backward rules run the same maths in differentiable ops, which autograd can differentiate
again (written out rather than obtained by autograd.grad of a composite forward: that would also count the paths
from one input to another, as from gx to the h of the next step)."""
from .. import _core
from .._core import NO_ATTRS, OP
from ..autograd.graph import needs_grad, record
from ..tensor import _make, empty
from . import elementwise as ew
from . import reduce as rd
from .linalg import matmul
from .shape import cat, chunk, narrow, select, stack, transpose

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _run(op, inputs, outputs, name):
    _core.run(op, inputs, outputs, NO_ATTRS, name)


def _at(t, i):
    """t[i] as a view that autograd does not see (the rules below work on raw views)."""
    return _make(t._buf, t._offset + i * t._strides[0], t._shape[1:], t._strides[1:], t._dtype, t._device, t)


def _span(t, start, n):
    """t[start:start + n] of a contiguous [T, B, K] tensor, viewed as [n * B, K]."""
    b, k = t._shape[1:]
    return _make(t._buf, t._offset + start * b * k, (n * b, k), (k, 1), t._dtype, t._device, t)


def _t(t):
    return _make(t._buf, t._offset, t._shape[::-1], t._strides[::-1], t._dtype, t._device, t)


def _like(t, shape, name):
    return empty(shape, t._dtype, t._device, name)


# ---- one step ----

def lstm_cell(gx, gh, c, name="lstm_cell"):
    """One LSTM step from the gate pre-activations gx + gh [B, 4H] (order i, f, g, o) and the cell state c [B, H]:
    returns (h', c'), two views of one [2, B, H] result."""
    b, h = c._shape
    hc = _like(c, (2, b, h), name)
    act = _like(c, (b, 4 * h), name)
    _run(OP.LSTM_CELL, (gx, gh, c), (_at(hc, 0), _at(hc, 1), act), name)
    if needs_grad(gx, gh, c):
        record(hc, "LstmCellBackward", (gx, gh, c), lambda g, *s: _lstm_cell_grad(g, *s, name=name),
               (gx, gh, c, hc, act))
    return select(hc, 0, 0), select(hc, 0, 1)


def _lstm_cell_grad(g, gx, gh, c, hc, act, name):
    if needs_grad(g, gx, gh, c):
        dgates, dc = _lstm_cell_backward_ops(gx, gh, c, select(g, 0, 0), select(g, 0, 1))
        return dgates, dgates, dc
    g = g.to(c._dtype)
    dgates, dc = _like(act, act._shape, name), _like(c, c._shape, name)
    _run(OP.LSTM_CELL_BACKWARD, (act, c, _at(hc, 1), _at(g, 0), _at(g, 1)), (dgates, dc), name)
    return dgates, dgates, dc


def _sigmoid_slope(y):
    return ew.mul(y, ew.rsub(y, 1))


def _tanh_slope(y):
    return ew.rsub(ew.mul(y, y), 1)


def _lstm_cell_backward_ops(gx, gh, c, dh, dc):
    """LSTM_CELL_BACKWARD in differentiable ops, the gates recomputed from gx + gh: (dgates, dc)."""
    i, f, g, o = chunk(ew.add(gx, gh), 4, 1)
    i, f, g, o = ew.sigmoid(i), ew.sigmoid(f), ew.tanh(g), ew.sigmoid(o)
    tc = ew.tanh(ew.add(ew.mul(f, c), ew.mul(i, g)))
    dct = ew.add(dc, ew.mul(ew.mul(dh, o), _tanh_slope(tc)))
    dgates = cat([ew.mul(ew.mul(dct, g), _sigmoid_slope(i)), ew.mul(ew.mul(dct, c), _sigmoid_slope(f)),
                  ew.mul(ew.mul(dct, i), _tanh_slope(g)), ew.mul(ew.mul(dh, tc), _sigmoid_slope(o))], 1)
    return dgates, ew.mul(dct, f)


def gru_cell(gi, gh, h, name="gru_cell"):
    """One GRU step from gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh [B, 3H] (order r, z, n) and h [B, H]."""
    b, n = h._shape
    h1 = _like(h, (b, n), name)
    saved = _like(h, (b, 4 * n), name)
    _run(OP.GRU_CELL, (gi, gh, h), (h1, saved), name)
    if needs_grad(gi, gh, h):
        record(h1, "GruCellBackward", (gi, gh, h), lambda g, *s: _gru_cell_grad(g, *s, name=name), (gi, gh, h, saved))
    return h1


def _gru_cell_grad(g, gi, gh, h, saved, name):
    if needs_grad(g, gi, gh, h):
        return _gru_cell_backward_ops(gi, gh, h, g)
    dgi, dgh, dh = _like(gi, gi._shape, name), _like(gh, gh._shape, name), _like(h, h._shape, name)
    _run(OP.GRU_CELL_BACKWARD, (saved, h, g.to(h._dtype)), (dgi, dgh, dh), name)
    return dgi, dgh, dh


def _gru_cell_backward_ops(gi, gh, h, dh1):
    """GRU_CELL_BACKWARD in differentiable ops, the gates recomputed: (dgi, dgh, dh)."""
    ir, iz, in_ = chunk(gi, 3, 1)
    hr, hz, hn = chunk(gh, 3, 1)
    r, z = ew.sigmoid(ew.add(ir, hr)), ew.sigmoid(ew.add(iz, hz))
    n = ew.tanh(ew.add(in_, ew.mul(r, hn)))
    dpn = ew.mul(ew.mul(dh1, ew.rsub(z, 1)), _tanh_slope(n))
    dpz = ew.mul(ew.mul(dh1, ew.sub(h, n)), _sigmoid_slope(z))
    dpr = ew.mul(ew.mul(dpn, hn), _sigmoid_slope(r))
    return cat([dpr, dpz, dpn], 1), cat([dpr, dpz, ew.mul(dpn, r)], 1), ew.mul(dh1, z)


# ---- one layer, one direction ----

def recurrence(mode, gx, w_hh, b_hh, h0, c0, reverse, name):
    """Runs the steps of one layer over gx [T, B, G*H], the input's share of the gate pre-activations (with b_hh
    folded in, except for GRU, whose b_hh sits inside r * (h W_hn^T + b_hn)). h0, c0 [B, H]; c0 for LSTM only.
    Returns (output [T, B, H], h_n, c_n or None)."""
    steps = gx._shape[0]
    lstm = mode == "LSTM"
    z, saved = _forward(mode, gx, w_hh, b_hh, h0, c0, reverse, name)
    inputs = (gx, w_hh, b_hh, h0, c0)
    if needs_grad(*inputs):
        everything = inputs + (z,) + saved
        present = tuple(t is not None for t in everything)  # record() saves tensors only; Nones keep their place

        def rule(g, *kept):
            kept = iter(kept)
            return _backward(g, mode, reverse, name, *(next(kept) if p else None for p in present))
        record(z, "RnnBackward", inputs, rule, tuple(t for t in everything if t is not None))
    last = 0 if reverse else steps - 1
    return narrow(z, 0, 0, steps), select(z, 0, last), select(z, 0, steps) if lstm else None


def _order(steps, reverse):
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _forward(mode, gx, w_hh, b_hh, h0, c0, reverse, name):
    """z [T, B, H] holds h at every time (and c_n after it for LSTM); saved: what the backward needs besides."""
    steps, batch = gx._shape[:2]
    hidden = h0._shape[1]
    lstm, gru = mode == "LSTM", mode == "GRU"
    z = _like(gx, (steps + lstm, batch, hidden), name)
    gh = _like(gx, (batch, gx._shape[2]), name)
    pre = _like(gh, gh._shape, name) if not lstm else None  # gh + b_hh (GRU), or the step's pre-activation (RNN)
    cells = _like(gx, (steps, batch, hidden), name) if lstm else None  # c after each step
    work = _like(gx, (steps, batch, 4 * hidden), name) if lstm or gru else None
    w_t = _like(w_hh, w_hh._shape[::-1], name)  # W_hh^T laid out for the GEMM: the steps' small GEMMs pack it faster
    _run(OP.COPY, (_t(w_hh),), (w_t,), name)
    if gru and b_hh is not None:
        bias = _make(b_hh._buf, b_hh._offset, gh._shape, (0, b_hh._strides[0]), b_hh._dtype, b_hh._device, b_hh)
    h, c = h0, c0
    for s, t in enumerate(_order(steps, reverse)):
        out = _at(z, t)
        _run(OP.MATMUL, (h, w_t), (gh,), name)
        if lstm:
            c = _at(cells, s)
            _run(OP.LSTM_CELL, (_at(gx, t), gh, _at(cells, s - 1) if s else c0), (out, c, _at(work, s)), name)
        elif gru:
            if b_hh is not None:
                _run(OP.ADD, (gh, bias), (pre,), name)
            _run(OP.GRU_CELL, (_at(gx, t), gh if b_hh is None else pre, h), (out, _at(work, s)), name)
        else:
            _run(OP.ADD, (gh, _at(gx, t)), (pre,), name)
            _run(OP.TANH if mode == "RNN_TANH" else OP.RELU, (pre,), (out,), name)
        h = out
    if lstm and steps:
        _run(OP.COPY, (c,), (_at(z, steps),), name)
    return z, (cells, work)


def _backward(g, mode, reverse, name, gx, w_hh, b_hh, h0, c0, z, cells, work):
    inputs = (gx, w_hh, b_hh, h0, c0)
    if needs_grad(g, *inputs):
        return _backward_ops(g, mode, reverse, *inputs)
    steps, batch, width = gx._shape
    lstm, gru = mode == "LSTM", mode == "GRU"
    g = g.to(z._dtype)
    dgx = _like(gx, gx._shape, name)
    dgh = _like(gx, gx._shape, name) if gru else dgx  # the hidden state's share; the same except GRU's n gate
    slope = None
    if not (lstm or gru):  # d output / d pre-activation, from the outputs
        y = narrow(z, 0, 0, steps)
        slope = _tanh_slope(y) if mode == "RNN_TANH" else ew.gt(y, 0).to(y.dtype)

    def state():
        return _like(h0, h0._shape, name)
    # [B, H] buffers reused by every step; no kernel writes into one of its own inputs
    dh_in, dh_step, dh_rec, dh_total, dc_bufs = state(), state(), state(), state(), (state(), state())
    dh = None  # the gradient reaching h_t from step t + 1
    dc = _at(g, steps) if lstm else None
    order = list(_order(steps, reverse))
    for s in range(steps - 1, -1, -1):
        t = order[s]
        if dh is None:
            d = _at(g, t)
        else:
            _run(OP.ADD, (_at(g, t), dh), (dh_in,), name)
            d = dh_in
        if lstm:
            c_prev = _at(cells, s - 1) if s else c0
            _run(OP.LSTM_CELL_BACKWARD, (_at(work, s), c_prev, _at(cells, s), d, dc), (_at(dgx, t), dc_bufs[s % 2]),
                 name)
            dc = dc_bufs[s % 2]
        elif gru:
            h_prev = _at(z, order[s - 1]) if s else h0
            _run(OP.GRU_CELL_BACKWARD, (_at(work, s), h_prev, d), (_at(dgx, t), _at(dgh, t), dh_step), name)
        else:
            _run(OP.MUL, (d, _at(slope, t)), (_at(dgx, t),), name)
        if s == 0 and not h0.requires_grad:
            break
        # step 0's result is the gradient of h0, returned: a buffer of its own
        dh = state() if s == 0 and not gru else dh_rec
        _run(OP.MATMUL, (_at(dgh, t), w_hh), (dh,), name)
        if gru:  # h also reaches h' directly, through z
            total = state() if s == 0 else dh_total
            _run(OP.ADD, (dh, dh_step), (total,), name)
            dh = total
    dw = _weight_grad(dgh, z, h0, steps, reverse, name) if w_hh.requires_grad else None
    db = rd.sum(dgh.reshape(steps * batch, width), 0) if gru and b_hh is not None and b_hh.requires_grad else None
    return (dgx, dw, db, dh if h0.requires_grad else None, dc if lstm and c0.requires_grad else None)


def _weight_grad(dgh, z, h0, steps, reverse, name):
    """dW_hh = sum over steps of dgh_t^T h_prev: the steps after the first in one GEMM, then the first's with h0."""
    first = steps - 1 if reverse else 0
    dw = _like(dgh, (dgh._shape[2], h0._shape[1]), name)
    _run(OP.MATMUL, (_t(_at(dgh, first)), h0), (dw,), name)
    if steps > 1:
        rest = _like(dw, dw._shape, name)
        grads, prev = (_span(dgh, 0, steps - 1), _span(z, 1, steps - 1)) if reverse else \
            (_span(dgh, 1, steps - 1), _span(z, 0, steps - 1))
        _run(OP.MATMUL, (_t(grads), prev), (rest,), name)
        total = _like(dw, dw._shape, name)
        _run(OP.ADD, (dw, rest), (total,), name)
        dw = total
    return dw


def _backward_ops(g, mode, reverse, gx, w_hh, b_hh, h0, c0):
    """_backward in differentiable ops (create_graph): the steps are recomputed forward, then run back."""
    steps = gx._shape[0]
    order = list(_order(steps, reverse))
    lstm, gru = mode == "LSTM", mode == "GRU"
    hs, cs, ghs = [h0], [c0], []  # the state before each step, and what h sent into its gates
    for t in order:
        gh = matmul(hs[-1], transpose(w_hh, 0, 1))
        gh = ew.add(gh, b_hh) if gru and b_hh is not None else gh
        x = select(gx, 0, t)
        if lstm:
            h, c = lstm_cell(x, gh, cs[-1])
            cs.append(c)
        elif gru:
            h = gru_cell(x, gh, hs[-1])
        else:
            h = ew.tanh(ew.add(x, gh)) if mode == "RNN_TANH" else ew.relu(ew.add(x, gh))
        hs.append(h)
        ghs.append(gh)
    dgx, dgh = [None] * steps, [None] * steps
    dh, dc = None, select(g, 0, steps) if lstm else None
    for s in range(steps - 1, -1, -1):
        t = order[s]
        d = select(g, 0, t) if dh is None else ew.add(select(g, 0, t), dh)
        direct = None
        if lstm:
            dgx[t], dc = _lstm_cell_backward_ops(select(gx, 0, t), ghs[s], cs[s], d, dc)
        elif gru:
            dgx[t], dgh[t], direct = _gru_cell_backward_ops(select(gx, 0, t), ghs[s], hs[s], d)
        else:
            y = hs[s + 1]
            dgx[t] = ew.mul(d, _tanh_slope(y)) if mode == "RNN_TANH" else ew.where(ew.gt(y, 0), d, 0.0)
        dgh[t] = dgh[t] if gru else dgx[t]
        dh = matmul(dgh[t], w_hh)
        dh = ew.add(dh, direct) if gru else dh
    dw = None
    for s, t in enumerate(order):
        term = matmul(transpose(dgh[t], 0, 1), hs[s])
        dw = term if dw is None else ew.add(dw, term)
    db = rd.sum(stack(dgh), (0, 1)) if gru and b_hh is not None else None
    return (stack(dgx), dw, db, dh, dc if lstm else None)
