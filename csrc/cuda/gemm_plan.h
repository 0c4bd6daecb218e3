// The CUDA MATMUL kernel's decisions and per-thread arithmetic, in plain C++ with no CUDA include, so that
// tests/c/test_cuda_gemm_plan.cpp (g++, no GPU) checks them: how views map to one strided GEMM and a batch,
// which tile runs, how the grid splits across launches, and what each thread fetches, stashes, multiplies
// and stores. gemm.cu composes these pieces into the kernel; the test composes them the same way on the CPU.
#pragma once
#include <stdint.h>

#include "tinytorch/tinytorch.h"

#ifdef __CUDACC__
#define TT_GEMM_HD __host__ __device__ __forceinline__
#define TT_GEMM_UNROLL _Pragma("unroll")
#else
#define TT_GEMM_HD inline
#define TT_GEMM_UNROLL  // the host emulation needs no unrolling
#endif

namespace tt {
namespace cu {
namespace gemm {

// A block tile BM x BN, stepped over k by BK, computed by 16 x 16 threads, each a TM x TN micro-tile whose rows
// are 16 apart and columns 16 apart: neighbouring threads then read neighbouring shared-memory words (no bank
// conflicts) and store neighbouring columns of out (coalesced when out is row-major).
template <int BM_, int BN_, int BK_, int TM_, int TN_>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int TY = BM / TM, TX = BN / TN, kThreads = TY * TX;
  static constexpr int LA = BM * BK / kThreads, LB = BK * BN / kThreads;  // elements each thread fetches
  // Shared rows padded by 4: a k-fast fetch then stores 8 k's of 4 rows to 32 distinct banks.
  static constexpr int PA = BM + 4, PB = BN + 4;
  static_assert(TY == 16 && TX == 16, "the micro-tile spacing assumes 16 x 16 threads");
  static_assert(LA * kThreads == BM * BK && LB * kThreads == BK * BN, "fetches must cover a tile exactly");
};
typedef Tile<128, 128, 8, 8, 8> Large;  // 64 accumulators a thread: 4-byte types on big problems
typedef Tile<64, 64, 8, 4, 4> Small;    // 16 accumulators: 8-byte types, and problems too small to fill the GPU

constexpr int64_t kMaxGridYZ = 65535;
constexpr int64_t kMaxGridX = 2147483647;

// The batch dims left after folding, and each operand's element strides over them.
struct Batch {
  int nd;
  int64_t count;
  int64_t shape[TT_MAX_DIMS], sa[TT_MAX_DIMS], sb[TT_MAX_DIMS], sc[TT_MAX_DIMS];
};

// One strided GEMM per batch index: out[i, j] = sum_k a[i, k] b[k, j], element strides.
struct Problem {
  int64_t M, N, K;
  int64_t am, ak, bk, bn, cm, cn;
  Batch batch;
};

// Matrix idx of the batch: element offsets into a, b and out. Unrolled over the fixed maximum so that every
// access has a constant index and the batch stays in the kernel's parameter space.
TT_GEMM_HD void batch_offsets(const Batch& b, int64_t idx, int64_t* oa, int64_t* ob, int64_t* oc) {
  int64_t a = 0, bb = 0, c = 0;
TT_GEMM_UNROLL
  for (int d = TT_MAX_DIMS - 1; d >= 0; --d) {
    if (d < b.nd) {
      int64_t q = idx / b.shape[d], r = idx - q * b.shape[d];
      a += r * b.sa[d], bb += r * b.sb[d], c += r * b.sc[d];
      idx = q;
    }
  }
  *oa = a, *ob = bb, *oc = c;
}

// The views as one GEMM and a batch (the check of the MATMUL family has passed: equal ranks >= 2, agreeing
// shapes). As on the CPU (cpu/gemm.cpp describe), trailing batch dims over which b is broadcast and a and out
// step by whole matrices fold into M: x[B, M, K] @ w[K, N] is one tall GEMM. Size-1 batch dims are dropped.
inline Problem describe(const tt_view& a, const tt_view& b, const tt_view& o) {
  int nd = o.ndim, im = nd - 2, in = nd - 1;
  Problem p{};
  p.M = o.shape[im], p.N = o.shape[in], p.K = a.shape[in];
  p.am = a.strides[im], p.ak = a.strides[in], p.bk = b.strides[im], p.bn = b.strides[in];
  p.cm = o.strides[im], p.cn = o.strides[in];
  int d = nd - 3;
  for (; d >= 0; --d) {
    int64_t n = o.shape[d];
    if (n == 1) continue;
    if (b.strides[d] != 0) break;
    if (p.M == 1) {
      p.am = a.strides[d], p.cm = o.strides[d];
    } else if (a.strides[d] != p.M * p.am || o.strides[d] != p.M * p.cm) {
      break;
    }
    p.M *= n;
  }
  p.batch.count = 1;
  for (int e = 0; e <= d; ++e) {
    if (o.shape[e] == 1) continue;
    int k = p.batch.nd++;
    p.batch.shape[k] = o.shape[e], p.batch.sa[k] = a.strides[e], p.batch.sb[k] = b.strides[e];
    p.batch.sc[k] = o.strides[e];
    p.batch.count *= o.shape[e];
  }
  return p;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

// Which tile, the tile counts, and the order each operand's tile is fetched in: along the operand's smaller
// stride, so that neighbouring threads read neighbouring addresses (a row-major a is fetched k-fast, a
// transposed one m-fast).
struct Plan {
  bool large;
  int64_t tiles_m, tiles_n, count;
  bool a_m_fast, b_n_fast;
};

// Large tiles only for 4-byte types (8 x 8 doubles would take 128 registers of accumulators alone) and when
// they still give every SM a block; otherwise Small, which gives 4x the blocks.
inline Plan make_plan(const Problem& p, int elem_bytes, int sm_count) {
  Plan q{};
  q.count = p.batch.count;
  int64_t big_blocks = ceil_div(p.M, Large::BM) * ceil_div(p.N, Large::BN) * q.count;
  q.large = elem_bytes <= 4 && big_blocks >= sm_count;
  int bm = q.large ? Large::BM : Small::BM, bn = q.large ? Large::BN : Small::BN;
  q.tiles_m = ceil_div(p.M, bm), q.tiles_n = ceil_div(p.N, bn);
  q.a_m_fast = abs64(p.am) < abs64(p.ak);
  q.b_n_fast = abs64(p.bn) <= abs64(p.bk);
  return q;
}

// One launch: grid (gx, gy, gz) over n tiles, m tiles from tile_m0 on, and batch matrices from batch0 on.
struct Launch {
  unsigned gx, gy, gz;
  int64_t tile_m0, batch0;
};

// False when there is nothing to launch. An empty out launches nothing; K = 0 still launches (out is zeroed).
inline bool launchable(const Problem& p, const Plan& q) {
  return p.M > 0 && p.N > 0 && q.count > 0;
}

// Calls f(Launch) for each launch, splitting m tiles and the batch over grid y and z's limit of 65535.
template <class F>
inline void for_each_launch(const Plan& q, F&& f) {
  for (int64_t z0 = 0; z0 < q.count; z0 += kMaxGridYZ)
    for (int64_t y0 = 0; y0 < q.tiles_m; y0 += kMaxGridYZ) {
      int64_t gy = q.tiles_m - y0 < kMaxGridYZ ? q.tiles_m - y0 : kMaxGridYZ;
      int64_t gz = q.count - z0 < kMaxGridYZ ? q.count - z0 : kMaxGridYZ;
      f(Launch{unsigned(q.tiles_n), unsigned(gy), unsigned(gz), y0, z0});
    }
}

// What a kernel launch receives: the problem, the plan's fetch orders and the launch's offsets.
template <class T>
struct Args {
  const T* a;
  const T* b;
  T* c;
  Problem p;
  bool a_m_fast, b_n_fast;
  int64_t tile_m0, batch0;
};

// ---- the per-thread arithmetic: the kernel and the test's emulation run exactly these.

// The block's corner and its matrix of the batch, from the block's index in the launch's grid.
template <class T>
struct Block {
  const T* a;
  const T* b;
  T* c;
  int64_t m0, n0;
};
template <class Cfg, class T>
TT_GEMM_HD Block<T> block_at(const Args<T>& g, unsigned bx, unsigned by, unsigned bz) {
  int64_t oa, ob, oc;
  batch_offsets(g.p.batch, g.batch0 + bz, &oa, &ob, &oc);
  return Block<T>{g.a + oa, g.b + ob, g.c + oc, (g.tile_m0 + by) * Cfg::BM, int64_t(bx) * Cfg::BN};
}

// Element e of a thread's share of the a tile (BM x BK) and the b tile (BK x BN): tile coordinates.
// l runs over 0 .. BM*BK - 1 once across the block's threads and e's.
template <class Cfg>
TT_GEMM_HD void a_slot(int tid, int e, bool m_fast, int* i, int* k) {
  int l = tid + e * Cfg::kThreads;
  if (m_fast) *i = l % Cfg::BM, *k = l / Cfg::BM;
  else *k = l % Cfg::BK, *i = l / Cfg::BK;
}
template <class Cfg>
TT_GEMM_HD void b_slot(int tid, int e, bool n_fast, int* k, int* j) {
  int l = tid + e * Cfg::kThreads;
  if (n_fast) *j = l % Cfg::BN, *k = l / Cfg::BN;
  else *k = l % Cfg::BK, *j = l / Cfg::BK;
}

// Global memory to registers: the k tile starting at k0, zero outside the matrices.
template <class Cfg, class T, class Acc>
TT_GEMM_HD void fetch(const Args<T>& g, const Block<T>& blk, int64_t k0, int tid, Acc (&ra)[Cfg::LA],
                      Acc (&rb)[Cfg::LB]) {
  const Problem& p = g.p;
TT_GEMM_UNROLL
  for (int e = 0; e < Cfg::LA; ++e) {
    int i, k;
    a_slot<Cfg>(tid, e, g.a_m_fast, &i, &k);
    int64_t gi = blk.m0 + i, gk = k0 + k;
    ra[e] = gi < p.M && gk < p.K ? Acc(blk.a[gi * p.am + gk * p.ak]) : Acc(0);
  }
TT_GEMM_UNROLL
  for (int e = 0; e < Cfg::LB; ++e) {
    int k, j;
    b_slot<Cfg>(tid, e, g.b_n_fast, &k, &j);
    int64_t gk = k0 + k, gj = blk.n0 + j;
    rb[e] = gk < p.K && gj < p.N ? Acc(blk.b[gk * p.bk + gj * p.bn]) : Acc(0);
  }
}

// Registers to one shared-memory stage: sa[k * PA + i], sb[k * PB + j].
template <class Cfg, class Acc>
TT_GEMM_HD void stash(bool a_m_fast, bool b_n_fast, int tid, const Acc (&ra)[Cfg::LA], const Acc (&rb)[Cfg::LB],
                      Acc* sa, Acc* sb) {
TT_GEMM_UNROLL
  for (int e = 0; e < Cfg::LA; ++e) {
    int i, k;
    a_slot<Cfg>(tid, e, a_m_fast, &i, &k);
    sa[k * Cfg::PA + i] = ra[e];
  }
TT_GEMM_UNROLL
  for (int e = 0; e < Cfg::LB; ++e) {
    int k, j;
    b_slot<Cfg>(tid, e, b_n_fast, &k, &j);
    sb[k * Cfg::PB + j] = rb[e];
  }
}

// The thread's micro-tile: row r and column c within the block tile.
template <class Cfg>
TT_GEMM_HD int tile_row(int tid, int r) { return tid / Cfg::TX + r * Cfg::TY; }
template <class Cfg>
TT_GEMM_HD int tile_col(int tid, int c) { return tid % Cfg::TX + c * Cfg::TX; }

// acc += one stage's BK slice; k ascends, so each output sums over k in order 0 .. K-1.
template <class Cfg, class Acc>
TT_GEMM_HD void multiply(const Acc* sa, const Acc* sb, int tid, Acc (&acc)[Cfg::TM][Cfg::TN]) {
TT_GEMM_UNROLL
  for (int k = 0; k < Cfg::BK; ++k) {
    Acc fa[Cfg::TM], fb[Cfg::TN];
TT_GEMM_UNROLL
    for (int r = 0; r < Cfg::TM; ++r) fa[r] = sa[k * Cfg::PA + tile_row<Cfg>(tid, r)];
TT_GEMM_UNROLL
    for (int c = 0; c < Cfg::TN; ++c) fb[c] = sb[k * Cfg::PB + tile_col<Cfg>(tid, c)];
TT_GEMM_UNROLL
    for (int r = 0; r < Cfg::TM; ++r)
TT_GEMM_UNROLL
      for (int c = 0; c < Cfg::TN; ++c) acc[r][c] += fa[r] * fb[c];
  }
}

// The micro-tile into out, inside the matrix only. T(acc) wraps the integer types as the CPU's kernel does.
template <class Cfg, class T, class Acc>
TT_GEMM_HD void store(const Args<T>& g, const Block<T>& blk, int tid, const Acc (&acc)[Cfg::TM][Cfg::TN]) {
  const Problem& p = g.p;
TT_GEMM_UNROLL
  for (int r = 0; r < Cfg::TM; ++r) {
    int64_t gi = blk.m0 + tile_row<Cfg>(tid, r);
    if (gi >= p.M) continue;
TT_GEMM_UNROLL
    for (int c = 0; c < Cfg::TN; ++c) {
      int64_t gj = blk.n0 + tile_col<Cfg>(tid, c);
      if (gj < p.N) blk.c[gi * p.cm + gj * p.cn] = T(acc[r][c]);
    }
  }
}

}  // namespace gemm
}  // namespace cu
}  // namespace tt
