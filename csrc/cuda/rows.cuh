// Device side of the row kernels (loss.cu, norm.cu): sums and maxima over the threads that share a row, a warp
// (Warp = true) or the whole block, laid out by rows_plan.h. Every thread of the group gets the result, and every
// thread of the group must call: the rows loop keeps a group together, as its condition is the same for all of it.
#pragma once
#include "common.cuh"
#include "rows_plan.h"

namespace tt {
namespace cu {

struct AddOp {
  template <class A>
  __device__ static A join(A a, A b) { return a + b; }
};
// NaN is skipped, as cpu/loss.cpp's row_max does (x > m is false for it); it shows later through exp(x - max).
struct MaxOp {
  template <class A>
  __device__ static A join(A a, A b) { return b > a ? b : a; }
};

template <class Op, class A>
__device__ __forceinline__ A warp_all(A v) {
#pragma unroll
  for (int d = kWarp / 2; d > 0; d /= 2) v = Op::join(v, A(__shfl_xor_sync(0xffffffffu, v, d)));
  return v;
}

// blockDim.x is a multiple of kWarp (rows_plan.h). The trailing barrier lets the next call reuse the buffer.
template <bool Warp, class Op, class A>
__device__ A group_all(A v) {
  v = warp_all<Op>(v);
  if constexpr (!Warp) {
    __shared__ A part[kWideBlock / kWarp];
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    v = part[0];
    for (int w = 1; w < warps; ++w) v = Op::join(v, part[w]);
    __syncthreads();
  }
  return v;
}

// The thread's place in its row group, and the rows loop over the grid.
template <bool Warp>
__device__ __forceinline__ int group_lane() {
  return Warp ? int(threadIdx.x % kWarp) : int(threadIdx.x);
}
template <bool Warp>
__device__ __forceinline__ int group_width() {
  return Warp ? kWarp : int(blockDim.x);
}
template <bool Warp>
__device__ __forceinline__ int group_rows() {  // rows a block holds at once
  return int(blockDim.x) / group_width<Warp>();
}
#define TT_ROWS_LOOP(Warp, r, rows)                                                                               \
  for (int64_t r = group_first_row(blockIdx.x, threadIdx.x, group_width<Warp>(), group_rows<Warp>()); r < (rows); \
       r += group_row_step(gridDim.x, group_rows<Warp>()))

}  // namespace cu
}  // namespace tt
