// CPU matrix multiply: out[B..., M, N] = a[B..., M, K] @ b[B..., K, N], any strides, batch dims broadcast by stride 0.
//
// float32/float64 follow the GotoBLAS/BLIS structure. For each block of KC rows of b and NC columns, the block is
// packed into NR-wide panels; for each block of MC rows of a, that block is packed into MR-tall panels; a
// register-blocked micro-kernel then computes MR x NR tiles of out from one panel of each. Packing is where every
// stride (transposed, sliced, broadcast) is absorbed. When few panels of b reuse a (tall-skinny and small
// products) and a is contiguous along k or m, the micro-kernel reads a in place instead of packing it; a single
// row or column of out (vector-matrix products) skips packing altogether.
// Each element of out is summed over k in the same order whatever the thread count or the M/N blocking, since k is
// never split across threads and its blocks depend on K alone: results do not depend on the number of threads.
// Integer dtypes take a plain triple loop with wrapping (unsigned) arithmetic.
#include <cstdlib>
#include <cstring>

#include "../core/parallel.h"
#include "isa.h"

TT_ISA_BEGIN
namespace {

// Vector width and micro-tile height follow the register file: MR x 2 accumulators, 2 vectors of b and one
// broadcast of a must fit in it.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64, kMR = 14;  // 28 + 3 of 32 zmm
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kVecBytes = 32, kMR = 6;  // 12 + 3 of 16 ymm
#elif defined(__aarch64__)
constexpr int kVecBytes = 16, kMR = 8;  // 16 + 3 of 32 NEON registers
#else
constexpr int kVecBytes = 16, kMR = 6;  // SSE2, the x86-64 baseline (other targets lower it to scalars)
#endif
constexpr int kNV = 2;  // vectors per micro-tile row
constexpr int kDirectPanels = 4;  // see Gemm::direct_a

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// Shuffle indices are integers as wide as the lanes they pick.
template <size_t Bytes> struct Lanes;
template <> struct Lanes<4> { typedef int32_t type; };
template <> struct Lanes<8> { typedef int64_t type; };

// A per-thread scratch block that grows and is kept: packing buffers are reused from call to call.
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(p); }
  template <class T>
  T* get(int64_t count) {
    size_t want = (size_t(count) * sizeof(T) + 63) / 64 * 64;
    if (want > bytes) {
      std::free(p);
      p = std::aligned_alloc(64, want);
      bytes = p ? want : 0;
    }
    return static_cast<T*>(p);
  }
};
thread_local Scratch t_pack_a, t_pack_b;

// One matrix of the batch: element pointers and element strides.
template <class T>
struct Mat {
  const T* a;
  const T* b;
  T* c;
  int64_t M, N, K;
  int64_t am, ak, bk, bn, cm, cn;
};

template <class T>
struct Gemm {
  typedef T V __attribute__((vector_size(kVecBytes)));
  typedef T VU __attribute__((vector_size(kVecBytes), aligned(sizeof(T)), may_alias));  // unaligned access to out
  typedef typename Lanes<sizeof(T)>::type IV __attribute__((vector_size(kVecBytes)));  // shuffle indices
  static constexpr int VL = kVecBytes / int(sizeof(T)), MR = kMR, RS = kMR / 2 + 1, NR = kNV * VL;
  // KC: a panel of b (KC x NR) stays in L1 while the MR panels of a stream by; MC: the packed block of a
  // (MC x KC) stays in L2; NC bounds the packed block of b.
  static constexpr int64_t KC = 256, MC = (256 * 4 / int64_t(sizeof(T))) / MR * MR, NC = 2048;

  // out tile (mr x nr at c) = a (R x kc) @ b panel (kc x NR), or += when !first (a later block of k), for
  // mr <= R rows: R is MR, or RS for a short last tile (M = 64 with MR = 14 leaves 8), which then costs RS
  // rows' FMAs rather than MR's. Each element's sum runs over k in the same order in either.
  // a is a packed panel (kPacked: element (i, k) at a[k * MR + i]) or read in place with strides (ars, acs).
  template <bool kPacked, int R>
  static void kernel(int64_t kc, const T* __restrict a, int64_t ars, int64_t acs, const T* __restrict b,
                     T* __restrict c, int64_t cm, int64_t cn, int mr, int nr, bool first) {
    const int64_t rs = kPacked ? 1 : ars, cs = kPacked ? MR : acs;
    if (cn == 1)  // the tile of out arrives while the k loop runs, rather than stalling the stores after it
      for (int i = 0; i < mr; ++i)
        for (int j = 0; j < kNV; ++j) __builtin_prefetch(c + i * cm + j * VL, 1);
    V acc[R][kNV];
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kNV; ++j) acc[i][j] = V{};
    for (int64_t k = 0; k < kc; ++k, a += cs, b += NR) {
      V bv[kNV];
#pragma GCC unroll 4
      for (int j = 0; j < kNV; ++j) bv[j] = *reinterpret_cast<const V*>(b + j * VL);
#pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        T ai = a[i * rs];
#pragma GCC unroll 4
        for (int j = 0; j < kNV; ++j) acc[i][j] += ai * bv[j];
      }
    }
    if (cn == 1 && nr == NR) {
#pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        if (i >= mr) break;
        VU* row = reinterpret_cast<VU*>(c + i * cm);
#pragma GCC unroll 4
        for (int j = 0; j < kNV; ++j) row[j] = first ? acc[i][j] : row[j] + acc[i][j];
      }
      return;
    }
    alignas(64) T tile[R][NR];
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kNV; ++j) *reinterpret_cast<V*>(&tile[i][j * VL]) = acc[i][j];
    for (int i = 0; i < R && i < mr; ++i)
      for (int j = 0; j < nr; ++j) {
        T* o = c + i * cm + j * cn;
        *o = first ? tile[i][j] : *o + tile[i][j];
      }
  }

  // Rows [0, mc) x cols [0, kc) of a (strides am, ak) into MR-tall panels, k-major, zero-padded to MR rows.
  static void pack_a(const T* a, int64_t am, int64_t ak, int64_t mc, int64_t kc, T* __restrict dst) {
    const Transpose transpose;
    for (int64_t q = 0; q < mc; q += MR, dst += kc * MR) {
      int64_t mr = min64(MR, mc - q);
      const T* src = a + q * am;
      if (mr == MR && am == 1) {  // a transposed: each k is MR contiguous values
        for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * MR, src + k * ak, MR * sizeof(T));
      } else if (mr == MR && ak == 1 && MR <= VL) {
        // rows contiguous along k (a row-major a): VL x VL blocks, rows past MR zero, transposed in registers.
        // A full vector store spills VL - MR lanes into the next k's place, which the next store overwrites;
        // each block's last k is stored exactly.
        int64_t k = 0;
        for (; k + VL <= kc; k += VL) {
          V r[VL];
#pragma GCC unroll 16
          for (int i = 0; i < VL; ++i) r[i] = i < MR ? *reinterpret_cast<const VU*>(src + i * am + k) : V{};
          transpose(r);
#pragma GCC unroll 16
          for (int i = 0; i < VL - 1; ++i) *reinterpret_cast<VU*>(dst + (k + i) * MR) = r[i];
          std::memcpy(dst + (k + VL - 1) * MR, &r[VL - 1], MR * sizeof(T));
        }
        for (; k < kc; ++k)
          for (int i = 0; i < MR; ++i) dst[k * MR + i] = src[i * am + k];
      } else if (mr == MR) {
        for (int64_t k = 0; k < kc; ++k)
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) dst[k * MR + i] = src[i * am + k * ak];
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < mr ? src[i * am + k * ak] : T(0);
      }
    }
  }

  // Transposes VL x VL values held as VL vectors: at level w (VL/2 .. 1), rows i and i + w swap their
  // off-diagonal w-wide blocks, after which every element sits across the diagonal. The shuffle indices are
  // made once per packing call: built inside the loop, they would cost more than the shuffles.
  struct Transpose {
    static constexpr int kLevels = __builtin_ctz(VL);
    IV lo[kLevels], hi[kLevels];
    Transpose() {
      for (int l = 0, w = VL / 2; l < kLevels; ++l, w /= 2)
        for (int c = 0; c < VL; ++c) lo[l][c] = c & w ? VL + c - w : c, hi[l][c] = c & w ? VL + c : c + w;
    }
    void operator()(V* r) const {
#pragma GCC unroll 8
      for (int l = 0; l < kLevels; ++l) {
        const int w = VL >> (l + 1);
#pragma GCC unroll 16
        for (int i = 0; i < VL; ++i)
          if (!(i & w)) {
            V x = r[i], y = r[i + w];
            r[i] = __builtin_shuffle(x, y, lo[l]), r[i + w] = __builtin_shuffle(x, y, hi[l]);
          }
      }
    }
  };

  // A kc x nc block of b (strides bk, bn) into NR-wide panels, k-major, zero-padded to NR.
  static void pack_b(const T* b, int64_t bk, int64_t bn, int64_t kc, int64_t nc, T* __restrict dst) {
    const Transpose transpose;
    for (int64_t p = 0; p < ceil_div(nc, NR); ++p) {
      T* d = dst + p * kc * NR;
      int64_t j0 = p * NR, nr = min64(NR, nc - j0);
      const T* src = b + j0 * bn;
      if (nr == NR && bn == 1) {  // rows of b are contiguous
        for (int64_t k = 0; k < kc; ++k) std::memcpy(d + k * NR, src + k * bk, NR * sizeof(T));
      } else if (bk == 1) {  // b transposed (x @ w.T): VL x VL blocks read along k, transposed in registers
        int64_t k = 0;
        for (; k + VL <= kc; k += VL)
          for (int j0 = 0; j0 < NR; j0 += VL) {
            V r[VL];
#pragma GCC unroll 16
            for (int j = 0; j < VL; ++j)
              r[j] = j0 + j < nr ? *reinterpret_cast<const VU*>(src + (j0 + j) * bn + k) : V{};
            transpose(r);
#pragma GCC unroll 16
            for (int i = 0; i < VL; ++i) *reinterpret_cast<V*>(d + (k + i) * NR + j0) = r[i];
          }
        for (; k < kc; ++k)
          for (int64_t j = 0; j < NR; ++j) d[k * NR + j] = j < nr ? src[j * bn + k] : T(0);
      } else {
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = 0; j < NR; ++j) d[k * NR + j] = j < nr ? src[j * bn + k * bk] : T(0);
      }
    }
  }

  // Whether the micro-kernel reads a in place rather than from packed panels: when at most kDirectPanels panels
  // of b reuse each block of a (out at most 4 panels wide), packing a costs more than it saves; from about 8
  // panels on the packed a is faster (784x128 @ 128x512: 205 -> 236 GFLOP/s, best of 30). Rows of a must be
  // contiguous in k or in m so that the kernel's loads stream.
  static bool direct_a(const Mat<T>& m) { return ceil_div(m.N, NR) <= kDirectPanels && (m.ak == 1 || m.am == 1); }

  // k is cut into equal blocks of at most KC: no thin last block, and the cut depends on K alone.
  static int64_t k_block(int64_t K) { return ceil_div(K, ceil_div(K, KC)); }

  // out[ic.., jc..] for rows [ic, ic + mc) of a over k block [pc, pc + kc) and every panel of the packed block
  // of b. ap holds those rows packed, or, when direct, is scratch for the last rows short of MR.
  static void macro(const Mat<T>& m, T* ap, bool direct, const T* bp, int64_t ic, int64_t jc, int64_t pc,
                    int64_t mc, int64_t nc, int64_t kc) {
    const T* a = m.a + ic * m.am + pc * m.ak;
    int64_t in_place = direct ? mc / MR * MR : 0;
    if (direct && in_place < mc) pack_a(a + in_place * m.am, m.am, m.ak, mc - in_place, kc, ap);
    for (int64_t p = 0; p < ceil_div(nc, NR); ++p) {
      int nr = int(min64(NR, nc - p * NR));
      const T* b = bp + p * kc * NR;
      T* c = m.c + ic * m.cm + (jc + p * NR) * m.cn;
      for (int64_t q = 0; q < mc; q += MR) {
        int mr = int(min64(MR, mc - q));
        if (q < in_place)
          kernel<false, MR>(kc, a + q * m.am, m.am, m.ak, b, c + q * m.cm, m.cm, m.cn, mr, nr, pc == 0);
        else if (mr > RS)
          kernel<true, MR>(kc, ap + (q - in_place) * kc, 0, 0, b, c + q * m.cm, m.cm, m.cn, mr, nr, pc == 0);
        else
          kernel<true, RS>(kc, ap + (q - in_place) * kc, 0, 0, b, c + q * m.cm, m.cm, m.cn, mr, nr, pc == 0);
      }
    }
  }

  // A product with one row (M == 1) or one column (N == 1) of out is y[j] = sum_k x[k] * w[k, j]: each element
  // of w is used once, so nothing is worth packing and the loops stream w instead.
  struct Gemv {
    const T* x;
    const T* w;
    T* y;
    int64_t xs, wk, wj, ys, K, J;
  };
  // False when w is contiguous neither along j (axpy form) nor, with x, along k (dot form).
  static bool as_gemv(const Mat<T>& m, Gemv* g) {
    if (m.M == 1)
      *g = Gemv{m.a, m.b, m.c, m.ak, m.bk, m.bn, m.cn, m.K, m.N};
    else if (m.N == 1)
      *g = Gemv{m.b, m.a, m.c, m.bk, m.ak, m.am, m.cm, m.K, m.M};
    else
      return false;
    return g->wj == 1 || (g->wk == 1 && g->xs == 1);
  }
  static void gemv(const Gemv& g, int64_t j0, int64_t j1) {
    constexpr int U = 4;  // independent accumulators, to hide the latency of the FMA chains
    if (g.wj == 1) {
      int64_t j = j0;
      for (; j + U * VL <= j1; j += U * VL) {
        V acc[U] = {};
        for (int64_t k = 0; k < g.K; ++k) {
          const VU* row = reinterpret_cast<const VU*>(g.w + k * g.wk + j);
          T xk = g.x[k * g.xs];
#pragma GCC unroll 4
          for (int u = 0; u < U; ++u) acc[u] += xk * row[u];
        }
        for (int u = 0; u < U; ++u)
          for (int l = 0; l < VL; ++l) g.y[(j + u * VL + l) * g.ys] = acc[u][l];
      }
      for (; j < j1; ++j) {
        T sum = 0;
        for (int64_t k = 0; k < g.K; ++k) sum += g.x[k * g.xs] * g.w[k * g.wk + j];
        g.y[j * g.ys] = sum;
      }
      return;
    }
    for (int64_t j = j0; j < j1; ++j) {
      const T* w = g.w + j * g.wj;
      V acc[U] = {};
      int64_t k = 0;
      for (; k + U * VL <= g.K; k += U * VL)
#pragma GCC unroll 4
        for (int u = 0; u < U; ++u)
          acc[u] += *reinterpret_cast<const VU*>(g.x + k + u * VL) * *reinterpret_cast<const VU*>(w + k + u * VL);
      V v = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      T sum = 0;
      for (int l = 0; l < VL; ++l) sum += v[l];
      for (; k < g.K; ++k) sum += g.x[k] * w[k];
      g.y[j * g.ys] = sum;
    }
  }

  static void zero(const Mat<T>& m) {
    for (int64_t i = 0; i < m.M; ++i)
      for (int64_t j = 0; j < m.N; ++j) m.c[i * m.cm + j * m.cn] = T(0);
  }

  // One matrix on the calling thread alone. Returns false when scratch memory cannot be had.
  static bool serial(const Mat<T>& m) {
    if (m.K == 0) return zero(m), true;
    bool direct = direct_a(m);
    int64_t kb = k_block(m.K), mc_max = min64(MC, ceil_div(m.M, MR) * MR), nc_max = min64(NC, ceil_div(m.N, NR) * NR);
    T* ap = t_pack_a.get<T>((direct ? MR : mc_max) * kb);
    T* bp = t_pack_b.get<T>(nc_max * kb);
    if (!ap || !bp) return false;
    for (int64_t jc = 0; jc < m.N; jc += NC) {
      int64_t nc = min64(NC, m.N - jc);
      for (int64_t pc = 0; pc < m.K; pc += kb) {
        int64_t kc = min64(kb, m.K - pc);
        pack_b(m.b + pc * m.bk + jc * m.bn, m.bk, m.bn, kc, nc, bp);
        for (int64_t ic = 0; ic < m.M; ic += MC) {
          int64_t mc = min64(MC, m.M - ic);
          if (!direct) pack_a(m.a + ic * m.am + pc * m.ak, m.am, m.ak, mc, kc, ap);
          macro(m, ap, direct, bp, ic, jc, pc, mc, nc, kc);
        }
      }
    }
    return true;
  }

  // The rows [r0, r1) and columns [c0, c1) of m as a matrix of their own.
  static Mat<T> part(const Mat<T>& m, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    Mat<T> p = m;
    p.a += r0 * m.am, p.b += c0 * m.bn, p.c += r0 * m.cm + c0 * m.cn;
    p.M = r1 - r0, p.N = c1 - c0;
    return p;
  }

  // Packing one element costs about as much as this many multiply-adds of the micro-kernel.
  static constexpr int64_t kPackCost = 8;

  // One matrix with every thread, as a grid of gi x gj tasks, each a rectangle of whole micro-tiles computed
  // by serial() with its own packing: no thread waits for another's packing, and the grid (a multiple of the
  // thread count, cut as evenly as the tiles allow) is the one whose busiest thread has the least to do,
  // counting the packing of a and b that neighbouring tasks repeat (a read in place costs its trip from memory).
  static bool parallel(const Mat<T>& m, int64_t threads) {
    int64_t mt = ceil_div(m.M, MR), np = ceil_div(m.N, NR), gi = 1, gj = 1;
    int64_t best = INT64_MAX;
    for (int64_t tasks = threads; tasks <= 4 * threads; tasks += threads)
      for (int64_t i = 1; i <= min64(tasks, mt); ++i) {
        int64_t j = tasks / i;
        if (i * j != tasks || j > np) continue;
        int64_t ti = ceil_div(mt, i), tj = ceil_div(np, j);
        int64_t cost = tasks / threads * (ti * tj * MR * NR + kPackCost * (ti * MR + tj * NR));
        if (cost < best) best = cost, gi = i, gj = j;
      }
    int failed = 0;
    parallel_for(gi * gj, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        int64_t i = t / gj, j = t % gj;
        Mat<T> p = part(m, i * mt / gi * MR, min64(m.M, (i + 1) * mt / gi * MR), j * np / gj * NR,
                        min64(m.N, (j + 1) * np / gj * NR));
        if (!serial(p)) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
      }
    });
    return !failed;
  }
};

// The batch dims left after folding, and each operand's element strides over them.
struct Batch {
  int nd = 0;
  int64_t count = 1;
  int64_t shape[TT_MAX_DIMS], sa[TT_MAX_DIMS], sb[TT_MAX_DIMS], sc[TT_MAX_DIMS];
  void offsets(int64_t idx, int64_t* oa, int64_t* ob, int64_t* oc) const {
    *oa = *ob = *oc = 0;
    for (int d = nd - 1; d >= 0; --d) {
      int64_t i = idx % shape[d];
      idx /= shape[d];
      *oa += i * sa[d], *ob += i * sb[d], *oc += i * sc[d];
    }
  }
};

// Sets up m (strides, sizes) and the batch. Trailing batch dims over which b is broadcast and a, out step
// by whole matrices fold into M, so x[B, M, K] @ w[K, N] is one tall GEMM that packs w once.
template <class T>
void describe(const Call& c, Mat<T>* m, Batch* batch) {
  const tt_view &a = c.in[0], &b = c.in[1], &o = c.out[0];
  int nd = o.ndim, im = nd - 2, in = nd - 1;
  *m = Mat<T>{data_ptr<T>(a), data_ptr<T>(b), data_ptr<T>(o), o.shape[im], o.shape[in], a.shape[in],
              a.strides[im], a.strides[in], b.strides[im], b.strides[in], o.strides[im], o.strides[in]};
  int d = nd - 3;
  for (; d >= 0; --d) {
    int64_t n = o.shape[d];
    if (n == 1) continue;
    if (b.strides[d] != 0) break;
    if (m->M == 1) {
      m->am = a.strides[d], m->cm = o.strides[d];
    } else if (a.strides[d] != m->M * m->am || o.strides[d] != m->M * m->cm) {
      break;
    }
    m->M *= n;
  }
  for (int e = 0; e <= d; ++e) {
    if (o.shape[e] == 1) continue;
    int k = batch->nd++;
    batch->shape[k] = o.shape[e], batch->sa[k] = a.strides[e], batch->sb[k] = b.strides[e];
    batch->sc[k] = o.strides[e];
    batch->count *= o.shape[e];
  }
}

template <class T>
tt_status matmul_float(const Call& c) {
  Mat<T> m;
  Batch batch;
  describe(c, &m, &batch);
  if (m.M == 0 || m.N == 0 || batch.count == 0) return TT_OK;
  auto at = [&](int64_t i) {
    Mat<T> mi = m;
    int64_t oa, ob, oc;
    batch.offsets(i, &oa, &ob, &oc);
    mi.a += oa, mi.b += ob, mi.c += oc;
    return mi;
  };
  int64_t threads = num_threads(), work = m.M * m.N * m.K;
  typename Gemm<T>::Gemv g;
  if (Gemm<T>::as_gemv(m, &g)) {
    // Tasks over (matrix, block of 256 outputs); the blocks are fixed, so results do not depend on the threads.
    constexpr int64_t kBlock = 256;
    int64_t blocks = ceil_div(g.J, kBlock);
    parallel_for(batch.count * blocks, max64(1, (int64_t(1) << 16) / max64(1, kBlock * g.K)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        typename Gemm<T>::Gemv gi = g;
        int64_t oa, ob, oc, j0 = t % blocks * kBlock;
        batch.offsets(t / blocks, &oa, &ob, &oc);
        gi.x += m.M == 1 ? oa : ob, gi.w += m.M == 1 ? ob : oa, gi.y += oc;
        Gemm<T>::gemv(gi, j0, min64(g.J, j0 + kBlock));
      }
    });
    return TT_OK;
  }
  // out = a @ b runs as out^T = b^T @ a^T when out is narrower than one panel of b and taller than wide (a
  // classifier's logits): the micro-tile's vector lanes then span the long side instead of padding.
  auto oriented = [&](Mat<T> mi) {
    if (m.N < Gemm<T>::NR && m.M > m.N)
      mi = Mat<T>{mi.b, mi.a, mi.c, mi.N, mi.M, mi.K, mi.bn, mi.bk, mi.ak, mi.am, mi.cn, mi.cm};
    return mi;
  };
  bool ok = true;
  // Small matrices (under about 30 us of work, which waking another thread would cost as much as it saves), or
  // enough of them, go one matrix per thread; big ones use every thread each.
  if (threads == 1 || work < (int64_t(1) << 20) || batch.count >= 4 * threads) {
    int failed = 0;
    parallel_for(batch.count, max64(1, (int64_t(1) << 20) / max64(1, work)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        if (!Gemm<T>::serial(oriented(at(i)))) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
    });
    ok = !failed;
  } else {
    for (int64_t i = 0; i < batch.count && ok; ++i) ok = Gemm<T>::parallel(oriented(at(i)), threads);
  }
  if (!ok) return fail(TT_ERR_OUT_OF_MEMORY, "%s: no memory for the packing buffers", tt_op_name(c.op));
  return TT_OK;
}

// Integers wrap: products and sums are taken in the unsigned type U, as two's complement hardware does.
template <class T, class U>
tt_status matmul_int(const Call& c) {
  Mat<T> m;
  Batch batch;
  describe(c, &m, &batch);
  if (m.M == 0 || m.N == 0) return TT_OK;
  parallel_for(batch.count * m.M, max64(1, 65536 / max64(1, m.N * m.K)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t oa, ob, oc, i = r % m.M;
      batch.offsets(r / m.M, &oa, &ob, &oc);
      const T* a = m.a + oa + i * m.am;
      const T* b = m.b + ob;
      T* out = m.c + oc + i * m.cm;
      for (int64_t j = 0; j < m.N; ++j) {
        U acc = 0;
        for (int64_t k = 0; k < m.K; ++k) acc += U(a[k * m.ak]) * U(b[k * m.bk + j * m.bn]);
        out[j * m.cn] = T(acc);
      }
    }
  });
  return TT_OK;
}

tt_status matmul(const Call& c) {
  switch (c.out[0].dtype) {
    case TT_FLOAT32: return matmul_float<float>(c);
    case TT_FLOAT64: return matmul_float<double>(c);
    case TT_INT32: return matmul_int<int32_t, uint32_t>(c);
    case TT_INT64: return matmul_int<int64_t, uint64_t>(c);
    case TT_UINT8: return matmul_int<uint8_t, uint32_t>(c);
    default:
      return fail(TT_ERR_DTYPE, "%s: does not take %s (cast to float32 first)", tt_op_name(c.op),
                  tt_dtype_name(c.out[0].dtype));
  }
}

}  // namespace

void register_gemm(Kernel* table) { table[TT_OP_MATMUL] = matmul; }

TT_ISA_END
