// CROSS_ENTROPY and CROSS_ENTROPY_BACKWARD over class indices, fused and parallel over rows.
//
// For row n with logits x[n, :], C classes, target t and label smoothing ls:
//   logp_c = (x_c - max) - log(sum_c exp(x_c - max))                   (stable: every exponent is <= 0)
//   loss   = -(1-ls)*logp_t - (ls/C)*sum_c logp_c                       (torch's reduction='none')
//   grad_c = grad_row * (softmax_c - (1-ls)*[c == t] - ls/C)
// Rows whose target is ignore_index give 0. Every target is checked before anything is written.
#include <cmath>
#include <cstdint>

#include "../core/parallel.h"
#include "../opmath/math.h"
#include "isa.h"

namespace tt {
namespace generic {
namespace {

// Rows per chunk: a chunk should touch some tens of thousands of logits.
int64_t row_grain(int64_t C) { return C >= 16384 ? 1 : 16384 / (C > 0 ? C : 1); }

tt_status check_targets(const Call& c) {
  const tt_view& target = c.in[1];
  const int64_t* t = data_ptr<int64_t>(target);
  int64_t N = c.in[0].shape[0], C = c.in[0].shape[1], ignore = c.attr<tt_cross_entropy_attrs>().ignore_index;
  for (int64_t n = 0; n < N; ++n) {
    int64_t v = t[n * target.strides[0]];
    if (v != ignore && (v < 0 || v >= C))
      return fail(TT_ERR_INDEX, "%s: target %lld of row %lld is out of range for %lld classes", tt_op_name(c.op),
                  (long long)v, (long long)n, (long long)C);
  }
  return TT_OK;
}

// max and log(sum exp(x - max)) of a row of C logits, s elements apart. NaN logits make lse NaN.
template <class T>
struct RowStats {
  T max, lse;
};
template <class T>
inline T row_max(const T* x, int64_t s, int64_t C) {
  T m = -INFINITY;
  for (int64_t k = 0; k < C; ++k) m = x[k * s] > m ? x[k * s] : m;
  return m;
}
template <class T>
inline RowStats<T> row_stats(const T* x, int64_t s, int64_t C) {
  T m = row_max(x, s, C);
  double sum = 0;
  for (int64_t k = 0; k < C; ++k) sum += om::exp(x[k * s] - m);
  return {m, T(om::log(sum))};
}

// sum_c logp_c = sum_c (x_c - max) - C*lse
template <class T>
inline T sum_logp(const T* x, int64_t s, int64_t C, RowStats<T> st) {
  double sum = 0;
  for (int64_t k = 0; k < C; ++k) sum += x[k * s] - st.max;
  return T(sum - double(C) * st.lse);
}

// out_c = g * (softmax_c - off), and returns softmax at index t. The exponentials are parked in out, so
// each is computed once; every x_c is read before out_c is written, so out may be x itself.
template <class T>
inline T row_grad(const T* x, int64_t sx, T* out, int64_t so, int64_t C, int64_t t, T max, T g, T off) {
  double sum = 0;
  for (int64_t k = 0; k < C; ++k) {
    T e = om::exp(x[k * sx] - max);
    out[k * so] = e;
    sum += e;
  }
  T inv = T(1 / sum), p_t = out[t * so] * inv;
  for (int64_t k = 0; k < C; ++k) out[k * so] = g * (out[k * so] * inv - off);
  return p_t;
}

template <class F>
tt_status with_float(const Call& c, const F& f) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: f(float{}); return TT_OK;
    case TT_FLOAT64: f(double{}); return TT_OK;
    default:
      return fail(TT_ERR_DTYPE, "%s: takes float32 or float64 logits, not %s", tt_op_name(c.op),
                  tt_dtype_name(c.in[0].dtype));
  }
}

tt_status cross_entropy(const Call& c) {
  if (tt_status s = check_targets(c)) return s;
  const tt_cross_entropy_attrs& a = c.attr<tt_cross_entropy_attrs>();
  const tt_view &logits = c.in[0], &target = c.in[1], &out = c.out[0];
  int64_t N = logits.shape[0], C = logits.shape[1];
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    const T* x = data_ptr<T>(logits);
    const int64_t* t = data_ptr<int64_t>(target);
    T* y = data_ptr<T>(out);
    int64_t sx0 = logits.strides[0], sx1 = logits.strides[1];
    T ls = T(a.label_smoothing), hit = T(1 - a.label_smoothing), spread = T(a.label_smoothing / double(C));
    parallel_for(N, row_grain(C), [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        int64_t tn = t[n * target.strides[0]];
        T& loss = y[n * out.strides[0]];
        if (tn == a.ignore_index) {
          loss = 0;
          continue;
        }
        const T* row = x + n * sx0;
        RowStats<T> st = sx1 == 1 ? row_stats(row, 1, C) : row_stats(row, sx1, C);
        T logp_t = (row[tn * sx1] - st.max) - st.lse;
        loss = -hit * logp_t;
        if (ls != 0) loss = loss - spread * (sx1 == 1 ? sum_logp(row, 1, C, st) : sum_logp(row, sx1, C, st));
      }
    });
  });
}

tt_status cross_entropy_backward(const Call& c) {
  if (tt_status s = check_targets(c)) return s;
  const tt_cross_entropy_attrs& a = c.attr<tt_cross_entropy_attrs>();
  const tt_view &logits = c.in[0], &target = c.in[1], &grad = c.in[2], &out = c.out[0];
  int64_t N = logits.shape[0], C = logits.shape[1];
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    const T* x = data_ptr<T>(logits);
    const int64_t* t = data_ptr<int64_t>(target);
    const T* gr = data_ptr<T>(grad);
    T* dx = data_ptr<T>(out);
    int64_t sx0 = logits.strides[0], sx1 = logits.strides[1], so0 = out.strides[0], so1 = out.strides[1];
    T hit = T(1 - a.label_smoothing), spread = T(a.label_smoothing / double(C));
    parallel_for(N, row_grain(C), [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        int64_t tn = t[n * target.strides[0]];
        T* drow = dx + n * so0;
        if (tn == a.ignore_index) {
          for (int64_t k = 0; k < C; ++k) drow[k * so1] = 0;
          continue;
        }
        const T* row = x + n * sx0;
        T g = gr[n * grad.strides[0]];
        T m = row_max(row, sx1, C);
        T p_t = sx1 == 1 && so1 == 1 ? row_grad(row, 1, drow, 1, C, tn, m, g, spread)
                                     : row_grad(row, sx1, drow, so1, C, tn, m, g, spread);
        // The target's class also loses 1-ls: recomputed whole so that it rounds once.
        drow[tn * so1] = g * (p_t - hit - spread);
      }
    });
  });
}

}  // namespace

void register_loss(Kernel* table) {
  table[TT_OP_CROSS_ENTROPY] = cross_entropy;
  table[TT_OP_CROSS_ENTROPY_BACKWARD] = cross_entropy_backward;
}

}  // namespace generic
}  // namespace tt
