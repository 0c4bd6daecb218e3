// Host-side geometry of the CUDA reductions and scans (reduce.cu): how an input's dims split into kept and
// reduced groups, which kernel a shape takes, and its launch sizes. Plain C++ with no CUDA header, so that
// tests/c/test_cuda_reduce_plan.cpp checks it with g++ on a machine without a GPU; the offset arithmetic is
// host and device code, so the test runs the very function the kernels call.
#pragma once
#include <stdint.h>

#include "tinytorch/tinytorch.h"

#if defined(__CUDACC__)
#define TT_PLAN_HD __host__ __device__ __forceinline__
#define TT_PLAN_UNROLL _Pragma("unroll")
#else
#define TT_PLAN_HD inline
#define TT_PLAN_UNROLL
#endif

namespace tt {
namespace cu {

// A group of dims, size-1 dims dropped and neighbours merged where contiguous in both operands; element
// strides of the input (in) and of the output (out). Passed to kernels by value.
struct Dims {
  int n;
  int64_t size[TT_MAX_DIMS], in[TT_MAX_DIMS], out[TT_MAX_DIMS];
};

inline void add_dim(Dims& g, int64_t size, int64_t in, int64_t out) {
  if (size == 1) return;
  if (g.n > 0 && g.in[g.n - 1] == in * size && g.out[g.n - 1] == out * size) {
    g.size[g.n - 1] *= size;
    g.in[g.n - 1] = in;
    g.out[g.n - 1] = out;
    return;
  }
  g.size[g.n] = size;
  g.in[g.n] = in;
  g.out[g.n] = out;
  ++g.n;
}

inline int64_t count(const Dims& g) {
  int64_t c = 1;
  for (int d = 0; d < g.n; ++d) c *= g.size[d];
  return c;
}

// Offsets in both operands of the row-major index i (0 <= i < count(g)). The loop runs over the fixed
// maximum so that every array index is a constant and the struct stays in the kernel's parameter space.
TT_PLAN_HD void dims_offsets(const Dims& g, int64_t i, int64_t& in, int64_t& out) {
  in = 0;
  out = 0;
  TT_PLAN_UNROLL
  for (int d = TT_MAX_DIMS - 1; d >= 0; --d) {
    if (d < g.n) {
      int64_t q = i / g.size[d], r = i - q * g.size[d];
      in += r * g.in[d];
      out += r * g.out[d];
      i = q;
    }
  }
}

// Dims by decreasing |input stride| (stable), stride-0 dims outermost, so that the smallest stride ends
// innermost and permuted-contiguous dims merge.
inline void sort_by_stride(int* dims, int n, const int64_t* strides) {
  auto key = [&](int d) { return strides[d] == 0 ? INT64_MAX : (strides[d] < 0 ? -strides[d] : strides[d]); };
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && key(dims[j - 1]) < key(dims[j]); --j) {
      int t = dims[j];
      dims[j] = dims[j - 1];
      dims[j - 1] = t;
    }
}

constexpr int kWarp = 32;
constexpr int kPlanThreads = 256;
constexpr int64_t kMaxGrid = 65535;  // kernels loop over what a grid this size does not cover

struct Launch {
  int64_t grid;  // blocks along x (y and z are 1)
  int block;     // threads, a multiple of the warp
};

inline int64_t cdiv64(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t clamp_grid(int64_t blocks) { return blocks < 1 ? 1 : (blocks > kMaxGrid ? kMaxGrid : blocks); }

// ---- reductions
enum ReduceKernel {
  kReduceNone,   // no outputs
  kReduceCols,   // a thread per output walks its reduced elements (consecutive threads: neighbouring outputs)
  kReduceWarps,  // a warp per output
  kReduceBlock,  // a block per output
};

struct ReducePlan {
  Dims kept;  // in: input strides, out: output strides
  Dims red;   // in: input strides (out unused, 0)
  int64_t kept_n, red_n;
  ReduceKernel kernel;
  Launch launch;
};

// Short reductions go one thread per output; a contiguous reduced dim, or too few outputs to fill the GPU
// with threads, gets cooperating threads per output. `ordered`: the reduced dims stay in the input's order,
// as ARGMAX/ARGMIN count indices row-major in them; the others sort them for contiguous innermost loads.
constexpr int64_t kColsMaxReduced = 16;
constexpr int64_t kColsMinOutputs = 1024;
constexpr int64_t kWarpsMaxReduced = 1024;
inline ReducePlan plan_reduce(const tt_view& x, const tt_view& y, uint32_t axes, bool ordered) {
  int kd[TT_MAX_DIMS], rd[TT_MAX_DIMS], nk = 0, nr = 0;
  for (int d = 0; d < x.ndim; ++d) {
    if (axes >> d & 1)
      rd[nr++] = d;
    else
      kd[nk++] = d;
  }
  sort_by_stride(kd, nk, x.strides);
  if (!ordered) sort_by_stride(rd, nr, x.strides);
  ReducePlan p{};
  for (int i = 0; i < nk; ++i) add_dim(p.kept, x.shape[kd[i]], x.strides[kd[i]], y.strides[kd[i]]);
  for (int i = 0; i < nr; ++i) add_dim(p.red, x.shape[rd[i]], x.strides[rd[i]], 0);
  p.kept_n = count(p.kept);
  p.red_n = count(p.red);
  bool red_contig = p.red.n > 0 && p.red.in[p.red.n - 1] == 1;
  if (p.kept_n == 0) {
    p.kernel = kReduceNone;
    p.launch = {0, kPlanThreads};
  } else if (p.red_n <= kColsMaxReduced || (!red_contig && p.kept_n >= kColsMinOutputs)) {
    p.kernel = kReduceCols;
    p.launch = {clamp_grid(cdiv64(p.kept_n, kPlanThreads)), kPlanThreads};
  } else if (p.red_n <= kWarpsMaxReduced) {
    p.kernel = kReduceWarps;
    p.launch = {clamp_grid(cdiv64(p.kept_n, kPlanThreads / kWarp)), kPlanThreads};
  } else {
    p.kernel = kReduceBlock;  // few long outputs: the widest block, as each output has one block only
    p.launch = {clamp_grid(p.kept_n), p.kept_n <= 256 ? 1024 : kPlanThreads};
  }
  return p;
}

// ---- scans along one dim: `other` holds the remaining dims; each row of n elements is sx/sy apart.
struct ScanPlan {
  Dims other;
  int64_t rows, n, sx, sy;
  Launch launch;
};

// block_per_row: softmax gives each row a block (block sized to the row, up to 256 threads); the
// cumulative scans give each row one thread.
inline ScanPlan plan_scan(const tt_view& x, const tt_view& y, int dim, bool block_per_row) {
  int od[TT_MAX_DIMS], no = 0;
  for (int d = 0; d < x.ndim; ++d)
    if (d != dim) od[no++] = d;
  sort_by_stride(od, no, x.strides);
  ScanPlan p{};
  for (int i = 0; i < no; ++i) add_dim(p.other, x.shape[od[i]], x.strides[od[i]], y.strides[od[i]]);
  p.rows = count(p.other);
  p.n = 1;
  if (x.ndim > 0) {
    p.n = x.shape[dim];
    p.sx = x.strides[dim];
    p.sy = y.strides[dim];
  }
  if (block_per_row) {
    int64_t threads = cdiv64(p.n, kWarp) * kWarp;
    p.launch = {clamp_grid(p.rows), int(threads < kWarp ? kWarp : (threads > kPlanThreads ? kPlanThreads : threads))};
  } else {
    p.launch = {clamp_grid(cdiv64(p.rows, kPlanThreads)), kPlanThreads};
  }
  return p;
}

}  // namespace cu
}  // namespace tt
