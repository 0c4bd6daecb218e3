// CPU recurrent cells: the pointwise part of one LSTM or GRU time step, forward and backward, fused so that a step
// reads its gate pre-activations once and writes each result once. Every operand is a matrix [B, k*H] (validated in
// core/run.cpp); a row b holds the k gates of one batch element side by side, so element j of gate q sits at
// column q*H + j. Rows are independent: threads split them, and results do not depend on the thread count.
//
// Each op is one loop over the H columns of a row. When every operand's column stride is 1 the loop is compiled with
// unit strides and vectorizes (float32 through the branch-free maths of opmath/math.h, which is always inlined: a
// call left in the loop body would stop vectorization); otherwise the same body runs with the views' strides.
#include <cmath>

#include "../core/parallel.h"
#include "../opmath/math.h"
#include "isa.h"

TT_ISA_BEGIN
namespace {

constexpr int64_t kGrain = 16384;  // elements of state worth handing to a thread (each costs a few exp)

// One row of each of K operands: its first element and its column stride (1 in the unit-stride instantiation).
template <class T, int K>
struct Row {
  T* p[K];
  int64_t s[K];
};

// LSTM_CELL: gx, gh, c -> h', c', act (i, f, g, o activated).
template <class T, bool Unit>
void lstm_row(const Row<T, 6>& r, int64_t H) {
  const T *__restrict gx = r.p[0], *__restrict gh = r.p[1], *__restrict c = r.p[2];
  T *__restrict h1 = r.p[3], *__restrict c1 = r.p[4], *__restrict act = r.p[5];
  const int64_t sx = Unit ? 1 : r.s[0], sh = Unit ? 1 : r.s[1], sc = Unit ? 1 : r.s[2], sh1 = Unit ? 1 : r.s[3],
                sc1 = Unit ? 1 : r.s[4], sa = Unit ? 1 : r.s[5];
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    T i = om::sigmoid(gx[j * sx] + gh[j * sh]);
    T f = om::sigmoid(gx[(H + j) * sx] + gh[(H + j) * sh]);
    T g = om::tanh(gx[(2 * H + j) * sx] + gh[(2 * H + j) * sh]);
    T o = om::sigmoid(gx[(3 * H + j) * sx] + gh[(3 * H + j) * sh]);
    T cn = f * c[j * sc] + i * g;
    c1[j * sc1] = cn;
    h1[j * sh1] = o * om::tanh(cn);
    act[j * sa] = i;
    act[(H + j) * sa] = f;
    act[(2 * H + j) * sa] = g;
    act[(3 * H + j) * sa] = o;
  }
}

// LSTM_CELL_BACKWARD: act, c, c', dh', dc' -> dgates, dc. The gradient reaching c' is dc' plus what h' = o tanh(c')
// sends it; tanh(c') is recomputed rather than stored.
template <class T, bool Unit>
void lstm_backward_row(const Row<T, 7>& r, int64_t H) {
  const T *__restrict act = r.p[0], *__restrict c = r.p[1], *__restrict c1 = r.p[2], *__restrict dh1 = r.p[3],
          *__restrict dc1 = r.p[4];
  T *__restrict dg = r.p[5], *__restrict dc = r.p[6];
  const int64_t sa = Unit ? 1 : r.s[0], sc = Unit ? 1 : r.s[1], sc1 = Unit ? 1 : r.s[2], sdh = Unit ? 1 : r.s[3],
                sdc1 = Unit ? 1 : r.s[4], sg = Unit ? 1 : r.s[5], sdc = Unit ? 1 : r.s[6];
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    T i = act[j * sa], f = act[(H + j) * sa], g = act[(2 * H + j) * sa], o = act[(3 * H + j) * sa];
    T tc = om::tanh(c1[j * sc1]), dh = dh1[j * sdh];
    T dct = dc1[j * sdc1] + dh * o * (1 - tc * tc);
    dg[j * sg] = dct * g * i * (1 - i);
    dg[(H + j) * sg] = dct * c[j * sc] * f * (1 - f);
    dg[(2 * H + j) * sg] = dct * i * (1 - g * g);
    dg[(3 * H + j) * sg] = dh * tc * o * (1 - o);
    dc[j * sdc] = dct * f;
  }
}

// GRU_CELL: gi, gh, h -> h', saved (r, z, n, gh_n). n = tanh(gi_n + r gh_n), h' = (h - n) z + n as torch writes it.
template <class T, bool Unit>
void gru_row(const Row<T, 5>& r, int64_t H) {
  const T *__restrict gi = r.p[0], *__restrict gh = r.p[1], *__restrict h = r.p[2];
  T *__restrict h1 = r.p[3], *__restrict ws = r.p[4];
  const int64_t si = Unit ? 1 : r.s[0], sh = Unit ? 1 : r.s[1], sx = Unit ? 1 : r.s[2], sh1 = Unit ? 1 : r.s[3],
                sw = Unit ? 1 : r.s[4];
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    T rg = om::sigmoid(gi[j * si] + gh[j * sh]);
    T z = om::sigmoid(gi[(H + j) * si] + gh[(H + j) * sh]);
    T ghn = gh[(2 * H + j) * sh];
    T n = om::tanh(gi[(2 * H + j) * si] + rg * ghn);
    h1[j * sh1] = (h[j * sx] - n) * z + n;
    ws[j * sw] = rg;
    ws[(H + j) * sw] = z;
    ws[(2 * H + j) * sw] = n;
    ws[(3 * H + j) * sw] = ghn;
  }
}

// GRU_CELL_BACKWARD: saved, h, dh' -> dgi, dgh, dh. The r and z columns of dgi and dgh are equal; the n columns
// differ by the factor r that scales gh_n.
template <class T, bool Unit>
void gru_backward_row(const Row<T, 6>& r, int64_t H) {
  const T *__restrict ws = r.p[0], *__restrict h = r.p[1], *__restrict dh1 = r.p[2];
  T *__restrict dgi = r.p[3], *__restrict dgh = r.p[4], *__restrict dh = r.p[5];
  const int64_t sw = Unit ? 1 : r.s[0], sx = Unit ? 1 : r.s[1], sd1 = Unit ? 1 : r.s[2], si = Unit ? 1 : r.s[3],
                sg = Unit ? 1 : r.s[4], sd = Unit ? 1 : r.s[5];
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    T rg = ws[j * sw], z = ws[(H + j) * sw], n = ws[(2 * H + j) * sw], ghn = ws[(3 * H + j) * sw];
    T d = dh1[j * sd1];
    T dpn = d * (1 - z) * (1 - n * n);
    T dpz = d * (h[j * sx] - n) * z * (1 - z);
    T dpr = dpn * ghn * rg * (1 - rg);
    dgi[j * si] = dpr;
    dgh[j * sg] = dpr;
    dgi[(H + j) * si] = dpz;
    dgh[(H + j) * sg] = dpz;
    dgi[(2 * H + j) * si] = dpn;
    dgh[(2 * H + j) * sg] = dpn * rg;
    dh[j * sd] = d * z;
  }
}

// Runs a row function over the B rows of the op's K operands (inputs then outputs), split across threads.
template <class T, int K, void (*UnitRow)(const Row<T, K>&, int64_t), void (*StridedRow)(const Row<T, K>&, int64_t)>
tt_status run_rows(const Call& c) {
  const tt_view* v[K];
  for (int k = 0; k < K; ++k) v[k] = k < c.n_in ? &c.in[k] : &c.out[k - c.n_in];
  int64_t B = v[0]->shape[0], H = (c.op == TT_OP_GRU_CELL_BACKWARD ? c.in[1] : c.in[2]).shape[1];
  if (B == 0 || H == 0) return TT_OK;
  T* base[K];
  int64_t row[K];
  Row<T, K> r0;
  bool unit = true;
  for (int k = 0; k < K; ++k) {
    base[k] = data_ptr<T>(*v[k]);
    row[k] = v[k]->strides[0];
    r0.s[k] = v[k]->strides[1];
    unit = unit && r0.s[k] == 1;
  }
  parallel_for(B, kGrain / H + 1, [&](int64_t b0, int64_t b1) {
    Row<T, K> r = r0;
    for (int64_t b = b0; b < b1; ++b) {
      for (int k = 0; k < K; ++k) r.p[k] = base[k] + b * row[k];
      if (unit) UnitRow(r, H);
      else StridedRow(r, H);
    }
  });
  return TT_OK;
}

template <class T>
tt_status dispatch_t(const Call& c) {
  switch (c.op) {
    case TT_OP_LSTM_CELL: return run_rows<T, 6, lstm_row<T, true>, lstm_row<T, false>>(c);
    case TT_OP_LSTM_CELL_BACKWARD: return run_rows<T, 7, lstm_backward_row<T, true>, lstm_backward_row<T, false>>(c);
    case TT_OP_GRU_CELL: return run_rows<T, 5, gru_row<T, true>, gru_row<T, false>>(c);
    default: return run_rows<T, 6, gru_backward_row<T, true>, gru_backward_row<T, false>>(c);
  }
}

tt_status rnn_cell(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return dispatch_t<float>(c);
    case TT_FLOAT64: return dispatch_t<double>(c);
    default: return fail(TT_ERR_DTYPE, "%s: unsupported dtype %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
}

}  // namespace

void register_rnn(Kernel* table) {
  table[TT_OP_LSTM_CELL] = rnn_cell;
  table[TT_OP_LSTM_CELL_BACKWARD] = rnn_cell;
  table[TT_OP_GRU_CELL] = rnn_cell;
  table[TT_OP_GRU_CELL_BACKWARD] = rnn_cell;
}

TT_ISA_END
