// CPU normalisation: NORM and NORM_BACKWARD over a view [A, M, B], one set of statistics per m.
//
// Every layer maps onto this layout (layer/rms norm [1, rows, D], group norm [1, N*G, C/G*H*W], instance norm
// [1, N*C, H*W], batch norm [N, C, H*W]), so the elements of one m form a "plane" of A rows of B elements.
// A plane is cut into fixed blocks of kBlock elements. Each block's statistics are folded in vector lanes of the
// input type, two passes over the block while it sits in L1 (a shifted sum, then the deviations from it); block
// results are merged in double, in block order (Chan's pairwise formula for the variance). Threads only decide
// who computes which block, so results do not depend on the thread count, and a plane with one block (layer
// norm rows) is normalised by the thread that measured it, while it is still in cache.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "../core/parallel.h"
#include "isa.h"
#include "vec.h"

TT_ISA_BEGIN
namespace {

constexpr int64_t kBlock = 4096;  // elements per block of statistics: stays in L1 between its two passes
constexpr int kAcc = 4;  // independent accumulators: hide the add latency, and keep lane sums short
static_assert(kAcc == 4, "Lanes::total adds four accumulators");
constexpr int64_t kGrain = 32768; // elements worth handing to a thread

template <class T>
inline T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
// n (<= lanes) elements `stride` bytes apart, the other lanes set to pad.
template <class T>
inline Vec<T> gather(const char* p, int64_t stride, int64_t n, T pad) {
  Vec<T> v = Vec<T>{} + pad;
  for (int64_t j = 0; j < n; ++j) v[j] = load<T>(p + j * stride);
  return v;
}

// The elements of one plane as `outer` rows of `inner` elements, for K operands of one shape: byte strides of a
// row, of an element and of a plane. Rows are merged into one when every operand allows it.
template <int K>
struct Planes {
  int64_t outer, inner;
  int64_t row[K], step[K], plane[K];
  char* base[K];

  explicit Planes(const tt_view* const (&v)[K]) {
    int64_t A = v[0]->shape[0], B = v[0]->shape[2];
    bool merge = true;
    for (int k = 0; k < K; ++k) {
      int64_t es = dtype_size(v[k]->dtype);
      base[k] = data_ptr(*v[k]);
      row[k] = v[k]->strides[0] * es;
      plane[k] = v[k]->strides[1] * es;
      step[k] = v[k]->strides[2] * es;
      merge = merge && row[k] == B * step[k];
    }
    outer = A;
    inner = B;
    if (B == 1) {  // the rows are single elements: walk down them instead
      for (int k = 0; k < K; ++k) step[k] = row[k];
      inner = A;
      outer = 1;
    } else if (A == 1 || merge) {
      inner = A * B;
      outer = 1;
    }
  }
  // Calls seg(pointers, byte steps, count) over the elements [k0, k1) of plane m, in order.
  template <class Seg>
  void run(int64_t m, int64_t k0, int64_t k1, const Seg& seg) const {
    int64_t a = k0 / inner, b = k0 % inner;
    char* p[K];
    while (k0 < k1) {
      int64_t n = inner - b < k1 - k0 ? inner - b : k1 - k0;
      for (int k = 0; k < K; ++k) p[k] = base[k] + m * plane[k] + a * row[k] + b * step[k];
      seg(p, step, n);
      k0 += n;
      ++a;
      b = 0;
    }
  }
};

// Lane accumulators: kAcc independent sets of two sums.
template <class T>
struct Lanes {
  Vec<T> acc[kAcc][2] = {};
  // Four chains, not one: this runs once per block, and a long chain of dependent adds costs as much as the
  // block's own loop when the block is a short row.
  double total(int j) const {
    Vec<T> v = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j]);
    double t[4] = {0, 0, 0, 0};
    for (int64_t l = 0; l < lanes_of<T>(); ++l) t[l % 4] += double(v[l]);
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
};

// Feeds f(sums, values) one vector of each of the first NV operands at a time over n elements. Lanes past the
// end hold pad[k], which f must turn into nothing.
template <class T, int NV, class F>
inline void fold(Lanes<T>& s, char* const* p, const int64_t* step, int64_t n, const T* pad, const F& f) {
  constexpr int64_t L = lanes_of<T>();
  Vec<T> v[NV];
  bool contiguous = true;
  for (int k = 0; k < NV; ++k) contiguous = contiguous && step[k] == int64_t(sizeof(T));
  int64_t i = 0;
  if (contiguous) {
    for (; i + kAcc * L <= n; i += kAcc * L)
      for (int u = 0; u < kAcc; ++u) {
        for (int k = 0; k < NV; ++k) v[k] = load<Vec<T>>(p[k] + (i + u * L) * int64_t(sizeof(T)));
        f(s.acc[u], v);
      }
  }
  for (int u = 0; i < n; i += L, u = (u + 1) % kAcc) {
    int64_t m = n - i < L ? n - i : L;
    for (int k = 0; k < NV; ++k) v[k] = gather<T>(p[k] + i * step[k], step[k], m, pad[k]);
    f(s.acc[u], v);
  }
}

// ---- forward ----

struct Moments {  // of one block or plane: element count, mean, sum of squared deviations (of x^2 for rms)
  double n, mean, m2;
};
inline Moments merge(const Moments& a, const Moments& b) {
  double n = a.n + b.n, d = b.mean - a.mean;
  return {n, a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n / n * b.n)};
}

template <class T>
Moments block_moments(const Planes<2>& pl, int64_t m, int64_t k0, int64_t k1, bool rms) {
  double n = double(k1 - k0);
  T shift = 0;
  if (!rms) {
    Lanes<T> s;
    pl.run(m, k0, k1, [&](char* const* p, const int64_t* step, int64_t cnt) {
      fold<T, 1>(s, p, step, cnt, &shift, [](Vec<T>* acc, const Vec<T>* v) { acc[0] += v[0]; });
    });
    shift = T(s.total(0) / n);
  }
  // Deviations from a shift near the mean: no cancellation, and the shift's own error is corrected exactly.
  Lanes<T> s;
  pl.run(m, k0, k1, [&](char* const* p, const int64_t* step, int64_t cnt) {
    fold<T, 1>(s, p, step, cnt, &shift, [shift](Vec<T>* acc, const Vec<T>* v) {
      Vec<T> d = v[0] - shift;
      acc[0] += d;
      acc[1] += d * d;
    });
  });
  double sd = s.total(0), sdd = s.total(1);
  if (rms) return {n, 0, sdd};
  return {n, double(shift) + sd / n, sdd - sd * sd / n};
}

template <class T>
void normalize(const Planes<2>& pl, int64_t m, int64_t k0, int64_t k1, T mean, T rstd) {
  pl.run(m, k0, k1, [&](char* const* p, const int64_t* step, int64_t n) {
    if (step[0] == int64_t(sizeof(T)) && step[1] == int64_t(sizeof(T))) {
      const T* __restrict x = reinterpret_cast<const T*>(p[0]);
      T* __restrict y = reinterpret_cast<T*>(p[1]);
      for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd;
    } else {
      for (int64_t i = 0; i < n; ++i) store<T>(p[1] + i * step[1], (load<T>(p[0] + i * step[0]) - mean) * rstd);
    }
  });
}

// ---- backward ----

struct GradSums {  // of g and of g * xhat
  double g, gx;
};
inline GradSums merge(const GradSums& a, const GradSums& b) { return {a.g + b.g, a.gx + b.gx}; }

template <class T>
GradSums block_grad_sums(const Planes<3>& pl, int64_t m, int64_t k0, int64_t k1) {
  Lanes<T> s;
  const T pad[2] = {0, 0};
  pl.run(m, k0, k1, [&](char* const* p, const int64_t* step, int64_t cnt) {
    // operands: xhat, g (dx, the third, is not read)
    fold<T, 2>(s, p, step, cnt, pad, [](Vec<T>* acc, const Vec<T>* v) {
      acc[0] += v[1];
      acc[1] += v[1] * v[0];
    });
  });
  return {s.total(0), s.total(1)};
}

// dx = (g - mean_g) * rstd + c * xhat. The subtraction comes first: where g is near its mean (a plane of one
// element), it is exact, and dx is not the difference of two large products.
template <class T>
void grad_input(const Planes<3>& pl, int64_t m, int64_t k0, int64_t k1, T mean_g, T rstd, T c) {
  pl.run(m, k0, k1, [&](char* const* p, const int64_t* step, int64_t n) {
    const int64_t es = sizeof(T);
    if (step[0] == es && step[1] == es && step[2] == es) {
      const T* __restrict xh = reinterpret_cast<const T*>(p[0]);
      const T* __restrict g = reinterpret_cast<const T*>(p[1]);
      T* __restrict dx = reinterpret_cast<T*>(p[2]);
      for (int64_t i = 0; i < n; ++i) dx[i] = (g[i] - mean_g) * rstd + c * xh[i];
    } else {
      for (int64_t i = 0; i < n; ++i)
        store<T>(p[2] + i * step[2], (load<T>(p[1] + i * step[1]) - mean_g) * rstd + c * load<T>(p[0] + i * step[0]));
    }
  });
}

// ---- driver shared by both ops ----

// Per plane m of n elements: S = stats(m, k0, k1) for each block, merged in order; C = finish(m, S); then
// apply(m, k0, k1, C) over each block.
template <class S, class C, class Stats, class Finish, class Apply>
tt_status by_blocks(const char* op, int64_t M, int64_t n, const Stats& stats, const Finish& finish,
                    const Apply& apply) {
  int64_t nblk = (n + kBlock - 1) / kBlock;
  if (nblk == 1) {  // small planes: one thread does all of a plane while it is in cache
    parallel_for(M, kGrain / n + 1, [&](int64_t b, int64_t e) {
      for (int64_t m = b; m < e; ++m) apply(m, int64_t(0), n, finish(m, stats(m, int64_t(0), n)));
    });
    return TT_OK;
  }
  // Large planes (batch norm, or M = 1): blocks of every plane are spread over the threads.
  S* part = static_cast<S*>(std::malloc(sizeof(S) * size_t(M * nblk)));
  C* coef = static_cast<C*>(std::malloc(sizeof(C) * size_t(M)));
  if (!part || !coef) {
    std::free(part);
    std::free(coef);
    return fail(TT_ERR_OUT_OF_MEMORY, "%s: no memory for %lld partial statistics", op, (long long)(M * nblk));
  }
  auto block_end = [&](int64_t j) { return (j + 1) * kBlock < n ? (j + 1) * kBlock : n; };
  int64_t grain = kGrain / kBlock;
  parallel_for(M * nblk, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) part[t] = stats(t / nblk, t % nblk * kBlock, block_end(t % nblk));
  });
  for (int64_t m = 0; m < M; ++m) {
    S s = part[m * nblk];
    for (int64_t j = 1; j < nblk; ++j) s = merge(s, part[m * nblk + j]);
    coef[m] = finish(m, s);
  }
  parallel_for(M * nblk, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) apply(t / nblk, t % nblk * kBlock, block_end(t % nblk), coef[t / nblk]);
  });
  std::free(part);
  std::free(coef);
  return TT_OK;
}

// The constants of a plane's write pass: out = (in - shift) * scale [+ xhat_coef * xhat, backward only].
template <class T>
struct Coef {
  T shift, scale, xhat_coef;
};

template <class T>
tt_status norm_t(const Call& c) {
  const tt_norm_attrs& at = c.attr<tt_norm_attrs>();
  const tt_view &x = c.in[0], &mean_v = c.out[1], &rstd_v = c.out[2];
  const tt_view* const views[2] = {&x, &c.out[0]};
  Planes<2> pl(views);
  int64_t M = x.shape[1], n = x.shape[0] * x.shape[2];
  bool rms = at.rms != 0;
  char *mean_p = data_ptr(mean_v), *rstd_p = data_ptr(rstd_v);
  int64_t mean_s = mean_v.strides[0] * int64_t(sizeof(T)), rstd_s = rstd_v.strides[0] * int64_t(sizeof(T));
  if (n == 0) {
    for (int64_t m = 0; m < M; ++m) {
      store<T>(mean_p + m * mean_s, T(0));
      store<T>(rstd_p + m * rstd_s, T(1 / std::sqrt(at.eps)));
    }
    return TT_OK;
  }
  auto stats = [&](int64_t m, int64_t k0, int64_t k1) { return block_moments<T>(pl, m, k0, k1, rms); };
  auto finish = [&](int64_t m, const Moments& s) {
    double var = s.m2 < 0 ? 0 : s.m2 / s.n;  // rounding may leave a tiny negative; NaN stays NaN
    Coef<T> k = {T(s.mean), T(1 / std::sqrt(var + at.eps)), T(0)};
    store<T>(mean_p + m * mean_s, k.shift);
    store<T>(rstd_p + m * rstd_s, k.scale);
    return k;
  };
  auto apply = [&](int64_t m, int64_t k0, int64_t k1, const Coef<T>& k) { normalize<T>(pl, m, k0, k1, k.shift, k.scale); };
  return by_blocks<Moments, Coef<T>>(tt_op_name(c.op), M, n, stats, finish, apply);
}

template <class T>
tt_status norm_backward_t(const Call& c) {
  bool rms = c.attr<tt_norm_attrs>().rms != 0;
  const tt_view &xhat = c.in[0], &rstd_v = c.in[1];
  const tt_view* const views[3] = {&xhat, &c.in[2], &c.out[0]};
  Planes<3> pl(views);
  int64_t M = xhat.shape[1], n = xhat.shape[0] * xhat.shape[2];
  if (n == 0) return TT_OK;
  const char* rstd_p = data_ptr(rstd_v);
  int64_t rstd_s = rstd_v.strides[0] * int64_t(sizeof(T));
  auto stats = [&](int64_t m, int64_t k0, int64_t k1) { return block_grad_sums<T>(pl, m, k0, k1); };
  auto finish = [&](int64_t m, const GradSums& s) {
    double r = double(load<T>(rstd_p + m * rstd_s));
    double mean_g = rms ? 0 : s.g / double(n), mean_gx = s.gx / double(n);
    return Coef<T>{T(mean_g), T(r), T(-r * mean_gx)};
  };
  auto apply = [&](int64_t m, int64_t k0, int64_t k1, const Coef<T>& k) {
    grad_input<T>(pl, m, k0, k1, k.shift, k.scale, k.xhat_coef);
  };
  return by_blocks<GradSums, Coef<T>>(tt_op_name(c.op), M, n, stats, finish, apply);
}

tt_status norm(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return norm_t<float>(c);
    case TT_FLOAT64: return norm_t<double>(c);
    default: return fail(TT_ERR_DTYPE, "%s: unsupported dtype %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
}

tt_status norm_backward(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return norm_backward_t<float>(c);
    case TT_FLOAT64: return norm_backward_t<double>(c);
    default: return fail(TT_ERR_DTYPE, "%s: unsupported dtype %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
}

}  // namespace

void register_norm(Kernel* table) {
  table[TT_OP_NORM] = norm;
  table[TT_OP_NORM_BACKWARD] = norm_backward;
}

TT_ISA_END
