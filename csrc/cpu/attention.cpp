// CPU fused attention, flash style: ATTENTION and ATTENTION_BACKWARD for float32 and float64.
//
// Scores are made one block at a time and never as a whole matrix. A block is held transposed: up to kBN keys
// (rows) by up to kBM queries (columns), so that every per-query quantity (running max and sum, logsumexp, D_i) is a
// vector across the columns and the softmax needs only elementwise vector operations, never a horizontal
// reduction. Every product goes through one register-blocked micro-kernel, C (+)= A @ B, where A is read in place
// with any strides (a transposed read of a score block included) and B is a packed row-major panel whose width is
// a whole number of vectors.
// Forward: a task is one block of queries of one (b, h); it walks the key blocks with the online softmax.
// Backward: a task is one (b, h); it walks the key blocks (dK and dV of the block accumulate in scratch) and in
// each the query blocks (dQ accumulates in a scratch of L rows), recomputing P from the saved logsumexp.
// The order of every sum depends on the shapes alone, so results do not depend on the thread count.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "../core/parallel.h"
#include "../opmath/math.h"
#include "isa.h"

TT_ISA_BEGIN
namespace {

// Micro-tile: kMR rows by kNV vectors; kMR x kNV accumulators, kNV vectors of B and one broadcast of A must fit
// in the register file.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64, kMR = 6, kNV = 4;  // 24 + 4 + 1 of 32 zmm
#elif defined(__AVX2__)
constexpr int kVecBytes = 32, kMR = 6, kNV = 2;  // 12 + 2 + 1 of 16 ymm
#elif defined(__aarch64__)
constexpr int kVecBytes = 16, kMR = 6, kNV = 4;  // of 32 NEON registers
#else
constexpr int kVecBytes = 16, kMR = 6, kNV = 2;  // SSE2, the x86-64 baseline
#endif
constexpr int64_t kBM = 64;  // queries per block: the columns of a score block
constexpr int64_t kBN = 64;    // keys per block in the forward: its rows (the score block stays in L1)
constexpr int64_t kBNb = 128;  // keys per block in the backward, where dK and dV accumulate over the queries

template <class T>
constexpr int64_t lanes() {
  return kVecBytes / int64_t(sizeof(T));
}
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// c[mr x NV vectors] = (or +=) a[mr x K] @ b[K x NV vectors]; a(i, k) = a[i * rs + k * cs], b rows ldb apart.
template <class T, int NV>
void tile(int64_t K, const T* __restrict a, int64_t rs, int64_t cs, const T* __restrict b, int64_t ldb,
          T* __restrict c, int64_t ldc, int mr, bool acc) {
  typedef T V __attribute__((vector_size(kVecBytes)));
  typedef T VU __attribute__((vector_size(kVecBytes), aligned(sizeof(T)), may_alias));
  constexpr int VL = int(lanes<T>());
  int64_t off[kMR];  // rows past mr repeat the last one: they are computed and not stored
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) off[i] = (i < mr ? i : mr - 1) * rs;
  V sum[kMR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) sum[i][j] = V{};
  for (int64_t k = 0; k < K; ++k, a += cs, b += ldb) {
    V bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = *reinterpret_cast<const VU*>(b + j * VL);
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i) {
      T ai = a[off[i]];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) sum[i][j] += ai * bv[j];
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) {
    if (i >= mr) break;
    VU* row = reinterpret_cast<VU*>(c + i * ldc);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) row[j] = acc ? row[j] + sum[i][j] : sum[i][j];
  }
}

// The last, narrower column panel of a product.
template <class T, int NV>
void tile_nv(int nv, int64_t K, const T* a, int64_t rs, int64_t cs, const T* b, int64_t ldb, T* c, int64_t ldc,
             int mr, bool acc) {
  if constexpr (NV > 1)
    if (nv < NV) return tile_nv<T, NV - 1>(nv, K, a, rs, cs, b, ldb, c, ldc, mr, acc);
  tile<T, NV>(K, a, rs, cs, b, ldb, c, ldc, mr, acc);
}

// c[M x N] = (or +=) a[M x K] @ b[K x N], N a multiple of the vector length; c rows ldc apart.
template <class T>
void mm(int64_t M, int64_t N, int64_t K, const T* a, int64_t rs, int64_t cs, const T* b, int64_t ldb, T* c,
        int64_t ldc, bool acc) {
  constexpr int64_t VL = lanes<T>();
  for (int64_t n = 0; n < N; n += kNV * VL) {
    int nv = int(min64(kNV, (N - n) / VL));
    for (int64_t m = 0; m < M; m += kMR)
      tile_nv<T, kNV>(nv, K, a + m * rs, rs, cs, b + n, ldb, c + m * ldc + n, ldc, int(min64(kMR, M - m)), acc);
  }
}

// rows x cols of src (strides rs, cs) into rows of dst ld apart, zero from cols to ld.
template <class T>
void pack(T* __restrict dst, int64_t ld, const T* __restrict src, int64_t rows, int64_t cols, int64_t rs,
          int64_t cs) {
  for (int64_t r = 0; r < rows; ++r) {
    T* d = dst + r * ld;
    const T* s = src + r * rs;
    if (cs == 1) {
      std::memcpy(d, s, size_t(cols) * sizeof(T));
    } else {
      for (int64_t j = 0; j < cols; ++j) d[j] = s[j * cs];
    }
    for (int64_t j = cols; j < ld; ++j) d[j] = T(0);
  }
}

// dst(r, j) = src[r * ld + j] * mul for rows x cols, dst with strides (rs, cs).
template <class T>
void unpack(T* __restrict dst, int64_t rs, int64_t cs, const T* __restrict src, int64_t ld, int64_t rows,
            int64_t cols, T mul) {
  for (int64_t r = 0; r < rows; ++r) {
    T* d = dst + r * rs;
    const T* s = src + r * ld;
    if (cs == 1) {
      for (int64_t j = 0; j < cols; ++j) d[j] = s[j] * mul;
    } else {
      for (int64_t j = 0; j < cols; ++j) d[j * cs] = s[j] * mul;
    }
  }
}

// A 4-d operand (or the 3-d logsumexp): element pointer and element strides.
template <class T>
struct Operand {
  T* p;
  int64_t s[4] = {};
  explicit Operand(const tt_view& v) : p(data_ptr<T>(v)) {
    for (int d = 0; d < v.ndim; ++d) s[d] = v.strides[d];
  }
  T* at(int64_t b, int64_t h, int64_t row) const { return p + b * s[0] + h * s[1] + row * s[2]; }
};

template <class T>
struct Problem {
  Operand<const T> q, k, v, mask;
  int64_t B, H, L, S, E, D;
  T scale;
  bool causal;
  int64_t Ep, Dp, BMp, nqb;  // E, D rounded up to vectors; the padded width of a query block; query blocks
  explicit Problem(const Call& c)
      : q(c.in[0]), k(c.in[1]), v(c.in[2]), mask(c.in[3]), B(c.in[0].shape[0]), H(c.in[0].shape[1]),
        L(c.in[0].shape[2]), S(c.in[1].shape[2]), E(c.in[0].shape[3]), D(c.in[2].shape[3]),
        scale(T(c.attr<tt_attention_attrs>().scale)), causal(c.attr<tt_attention_attrs>().causal != 0) {
    Ep = round_up(E, lanes<T>());
    Dp = round_up(D, lanes<T>());
    BMp = round_up(min64(L, kBM), lanes<T>());
    nqb = (L + kBM - 1) / kBM;
  }

  // Row j of the score block st (keys from j0 as rows, BMp apart; bm queries from i0 as columns) holds q.k:
  // scale it, add the mask, put -inf above the causal diagonal and in the padding columns.
  T* score_row(T* st, int64_t j, int64_t bm, int64_t b, int64_t h, int64_t i0, int64_t j0) const {
    const T inf = T(INFINITY);
    T* __restrict s = st + j * BMp;
    const T* __restrict m = mask.at(b, h, i0) + (j0 + j) * mask.s[3];
    const int64_t ms = mask.s[2];
    if (ms == 0) {
      T mv = *m;
      for (int64_t i = 0; i < bm; ++i) s[i] = s[i] * scale + mv;
    } else {
      for (int64_t i = 0; i < bm; ++i) s[i] = s[i] * scale + m[i * ms];
    }
    int64_t masked = causal ? min64(bm, max64(0, j0 + j - i0)) : 0;  // queries before key j0 + j
    for (int64_t i = 0; i < masked; ++i) s[i] = -inf;
    for (int64_t i = bm; i < BMp; ++i) s[i] = -inf;
    return s;
  }
};

// One block of at most kBM queries: online softmax over the key blocks. Scratch: see forward().
template <class T>
void forward_block(const Problem<T>& p, const Operand<T>& o, const Operand<T>& lse, int64_t b, int64_t h,
                   int64_t i0, T* scratch) {
  const int64_t BMp = p.BMp, Dp = p.Dp, E = p.E, D = p.D, bm = min64(kBM, p.L - i0);
  T *qt = scratch, *st = qt + E * BMp, *vb = st + kBN * BMp, *acc = vb + kBN * Dp, *mrun = acc + kBM * Dp,
    *lrun = mrun + BMp, *base = lrun + BMp, *alpha = base + BMp;
  const T inf = T(INFINITY);
  pack(qt, BMp, p.q.at(b, h, i0), E, bm, p.q.s[3], p.q.s[2]);  // q transposed: E rows of queries
  for (int64_t i = 0; i < BMp; ++i) mrun[i] = -inf, lrun[i] = T(0);
  std::memset(acc, 0, size_t(bm * Dp) * sizeof(T));
  const int64_t jend = p.causal ? min64(p.S, i0 + bm) : p.S;  // later keys are masked for every query here
  for (int64_t j0 = 0; j0 < jend; j0 += kBN) {
    const int64_t nk = min64(kBN, jend - j0);
    mm<T>(nk, BMp, E, p.k.at(b, h, j0), p.k.s[2], p.k.s[3], qt, BMp, st, BMp, false);
    for (int64_t i = 0; i < BMp; ++i) base[i] = mrun[i];
    for (int64_t j = 0; j < nk; ++j) {
      const T* __restrict s = p.score_row(st, j, bm, b, h, i0, j0);
      for (int64_t i = 0; i < BMp; ++i) base[i] = s[i] > base[i] ? s[i] : base[i];
    }
    // Queries with only -inf so far take 0 as their base: every term and the rescale factor are exp(-inf) = 0.
    for (int64_t i = 0; i < BMp; ++i) {
      T m = base[i];
      base[i] = m == -inf ? T(0) : m;
      alpha[i] = om::exp(mrun[i] - base[i]);
      mrun[i] = m;
      lrun[i] *= alpha[i];
    }
    for (int64_t j = 0; j < nk; ++j) {
      T* __restrict s = st + j * BMp;
      for (int64_t i = 0; i < BMp; ++i) {
        T e = om::exp(s[i] - base[i]);
        s[i] = e;
        lrun[i] += e;
      }
    }
    for (int64_t i = 0; i < bm; ++i) {
      T* __restrict row = acc + i * Dp;
      for (int64_t d = 0; d < Dp; ++d) row[d] *= alpha[i];
    }
    pack(vb, Dp, p.v.at(b, h, j0), nk, D, p.v.s[2], p.v.s[3]);
    mm<T>(bm, Dp, nk, st, 1, BMp, vb, Dp, acc, Dp, true);  // acc += P @ V, P read from its transpose
  }
  for (int64_t i = 0; i < bm; ++i) {
    T l = lrun[i];
    *lse.at(b, h, i0 + i) = l > T(0) ? mrun[i] + std::log(l) : -inf;
    unpack(o.at(b, h, i0 + i), 0, o.s[3], acc + i * Dp, Dp, 1, D, l > T(0) ? T(1) / l : T(0));
  }
}

template <class T>
tt_status forward(const Call& c) {
  const Problem<T> p(c);
  const Operand<T> o(c.out[0]), lse(c.out[1]);
  const int64_t tasks = p.B * p.H * p.nqb;
  const size_t bytes = size_t(p.E * p.BMp + kBN * p.BMp + kBN * p.Dp + kBM * p.Dp + 4 * p.BMp) * sizeof(T);
  int failed = 0;
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    T* scratch = static_cast<T*>(std::aligned_alloc(64, round_up(max64(int64_t(bytes), 64), 64)));
    if (!scratch) return __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
    for (int64_t t = t0; t < t1; ++t) {
      int64_t bh = t / p.nqb;
      forward_block(p, o, lse, bh / p.H, bh % p.H, t % p.nqb * kBM, scratch);
    }
    std::free(scratch);
  });
  if (failed) return fail(TT_ERR_OUT_OF_MEMORY, "%s: no memory for %zu bytes of scratch", tt_op_name(c.op), bytes);
  return TT_OK;
}

// The scratch of one backward task, carved from one allocation (base null: only count the elements).
template <class T>
struct BackwardScratch {
  T *qt, *qr, *dot, *dor, *dq, *lse, *di, *st, *dpt, *kb, *vb, *dk, *dv;
  int64_t count;
  BackwardScratch(const Problem<T>& p, T* base) {
    const int64_t Lq = p.nqb * p.BMp, n[] = {p.E * Lq,       p.L * p.Ep, p.D * Lq,   p.L * p.Dp, p.L * p.Ep,
                                             Lq,             Lq,         kBNb * p.BMp, kBNb * p.BMp, kBNb * p.Ep,
                                             kBNb * p.Dp,     kBNb * p.Ep, kBNb * p.Dp};
    T** ptr[] = {&qt, &qr, &dot, &dor, &dq, &lse, &di, &st, &dpt, &kb, &vb, &dk, &dv};
    count = 0;
    for (int i = 0; i < 13; ++i) {
      *ptr[i] = base ? base + count : nullptr;
      count += round_up(n[i], lanes<T>());  // keeps every array vector aligned
    }
  }
};

// Gradients of one (b, h): dq, dk and dv overwritten.
template <class T>
void backward_bh(const Problem<T>& p, const Operand<const T>& o, const Operand<const T>& lse_in,
                 const Operand<const T>& dout, const Operand<T>& dq_out, const Operand<T>& dk_out,
                 const Operand<T>& dv_out, int64_t b, int64_t h, T* scratch) {
  const BackwardScratch<T> w(p, scratch);
  const int64_t L = p.L, S = p.S, E = p.E, D = p.D, Ep = p.Ep, Dp = p.Dp, BMp = p.BMp;
  const T inf = T(INFINITY);
  // Query-side operands, once per (b, h): q and do both transposed (per block) and by rows; lse with -inf
  // turned into +inf, so that exp(s - lse) = 0 for rows that saw no key; D_i = do_i . o_i.
  for (int64_t qb = 0; qb < p.nqb; ++qb) {
    const int64_t i0 = qb * kBM, bm = min64(kBM, L - i0);
    pack(w.qt + qb * E * BMp, BMp, p.q.at(b, h, i0), E, bm, p.q.s[3], p.q.s[2]);
    pack(w.dot + qb * D * BMp, BMp, dout.at(b, h, i0), D, bm, dout.s[3], dout.s[2]);
    for (int64_t i = 0; i < BMp; ++i) {
      T* lse = w.lse + qb * BMp;
      T* di = w.di + qb * BMp;
      if (i >= bm) {
        lse[i] = inf, di[i] = T(0);
        continue;
      }
      T l = *lse_in.at(b, h, i0 + i), sum = T(0);
      lse[i] = l == -inf ? inf : l;
      const T *orow = o.at(b, h, i0 + i), *drow = dout.at(b, h, i0 + i);
      for (int64_t d = 0; d < D; ++d) sum += orow[d * o.s[3]] * drow[d * dout.s[3]];
      di[i] = sum;
    }
  }
  pack(w.qr, Ep, p.q.at(b, h, 0), L, E, p.q.s[2], p.q.s[3]);
  pack(w.dor, Dp, dout.at(b, h, 0), L, D, dout.s[2], dout.s[3]);
  std::memset(w.dq, 0, size_t(L * Ep) * sizeof(T));
  for (int64_t j0 = 0; j0 < S; j0 += kBNb) {
    const int64_t nk = min64(kBNb, S - j0);
    pack(w.kb, Ep, p.k.at(b, h, j0), nk, E, p.k.s[2], p.k.s[3]);
    pack(w.vb, Dp, p.v.at(b, h, j0), nk, D, p.v.s[2], p.v.s[3]);
    std::memset(w.dk, 0, size_t(nk * Ep) * sizeof(T));
    std::memset(w.dv, 0, size_t(nk * Dp) * sizeof(T));
    // Causal: query blocks that end before key j0 see none of these keys.
    for (int64_t qb = p.causal ? j0 / kBM : 0; qb < p.nqb; ++qb) {
      const int64_t i0 = qb * kBM, bm = min64(kBM, L - i0);
      const T *lse = w.lse + qb * BMp, *di = w.di + qb * BMp;
      mm<T>(nk, BMp, E, w.kb, Ep, 1, w.qt + qb * E * BMp, BMp, w.st, BMp, false);
      for (int64_t j = 0; j < nk; ++j) {
        T* __restrict s = p.score_row(w.st, j, bm, b, h, i0, j0);
        for (int64_t i = 0; i < BMp; ++i) s[i] = om::exp(s[i] - lse[i]);  // P transposed
      }
      mm<T>(nk, BMp, D, w.vb, Dp, 1, w.dot + qb * D * BMp, BMp, w.dpt, BMp, false);  // dP transposed
      for (int64_t j = 0; j < nk; ++j) {
        const T* __restrict s = w.st + j * BMp;
        T* __restrict dp = w.dpt + j * BMp;
        for (int64_t i = 0; i < BMp; ++i) dp[i] = s[i] * (dp[i] - di[i]);  // dS transposed
      }
      mm<T>(nk, Dp, bm, w.st, BMp, 1, w.dor + i0 * Dp, Dp, w.dv, Dp, true);        // dV += P^T dO
      mm<T>(nk, Ep, bm, w.dpt, BMp, 1, w.qr + i0 * Ep, Ep, w.dk, Ep, true);        // dK += dS^T Q
      mm<T>(bm, Ep, nk, w.dpt, 1, BMp, w.kb, Ep, w.dq + i0 * Ep, Ep, true);        // dQ += dS K
    }
    unpack(dk_out.at(b, h, j0), dk_out.s[2], dk_out.s[3], w.dk, Ep, nk, E, p.scale);
    unpack(dv_out.at(b, h, j0), dv_out.s[2], dv_out.s[3], w.dv, Dp, nk, D, T(1));
  }
  unpack(dq_out.at(b, h, 0), dq_out.s[2], dq_out.s[3], w.dq, Ep, L, E, p.scale);
}

template <class T>
tt_status backward(const Call& c) {
  const Problem<T> p(c);
  const Operand<const T> o(c.in[4]), lse(c.in[5]), dout(c.in[6]);
  const Operand<T> dq(c.out[0]), dk(c.out[1]), dv(c.out[2]);
  const size_t bytes = size_t(BackwardScratch<T>(p, nullptr).count) * sizeof(T);
  int failed = 0;
  parallel_for(p.B * p.H, 1, [&](int64_t t0, int64_t t1) {
    T* scratch = static_cast<T*>(std::aligned_alloc(64, round_up(max64(int64_t(bytes), 64), 64)));
    if (!scratch) return __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
    for (int64_t t = t0; t < t1; ++t) backward_bh(p, o, lse, dout, dq, dk, dv, t / p.H, t % p.H, scratch);
    std::free(scratch);
  });
  if (failed) return fail(TT_ERR_OUT_OF_MEMORY, "%s: no memory for %zu bytes of scratch", tt_op_name(c.op), bytes);
  return TT_OK;
}

tt_status attention(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return c.op == TT_OP_ATTENTION ? forward<float>(c) : backward<float>(c);
    case TT_FLOAT64: return c.op == TT_OP_ATTENTION ? forward<double>(c) : backward<double>(c);
  }
  return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
}

}  // namespace

void register_attention(Kernel* table) {
  table[TT_OP_ATTENTION] = attention;
  table[TT_OP_ATTENTION_BACKWARD] = attention;
}

TT_ISA_END
