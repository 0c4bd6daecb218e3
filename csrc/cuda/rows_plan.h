// Host-side geometry of the CUDA row kernels (loss.cu, norm.cu): which rows a thread group walks, how many
// threads share a row, and how a NORM plane's elements map to memory. Plain C++ with no CUDA header, so that
// tests/c/test_cuda_rows_plan.cpp checks it with g++ on a machine without a GPU; the index functions are host
// and device code, so the test runs the very arithmetic the kernels use.
#pragma once
#include <stdint.h>

#include "reduce_plan.h"  // Launch, kWarp, kPlanThreads, clamp_grid, cdiv64, TT_PLAN_HD

namespace tt {
namespace cu {

// A row goes to a warp when it is short (most rows are, and a block would leave most threads idle), to a whole
// block when it is long. Few long rows get the widest block, as each row has one block only.
constexpr int64_t kWarpRowMax = 1024;
constexpr int64_t kFewRows = 256;
constexpr int kWideBlock = 1024;  // the block-per-row kernels declare it in __launch_bounds__

struct RowsPlan {
  Launch launch;
  int width;           // threads per row: kWarp, or the whole block
  int rows_per_block;  // launch.block / width
};

inline RowsPlan plan_rows(int64_t rows, int64_t len) {
  if (len <= kWarpRowMax) {
    const int per_block = kPlanThreads / kWarp;
    return {{clamp_grid(cdiv64(rows, per_block)), kPlanThreads}, kWarp, per_block};
  }
  const int block = rows <= kFewRows ? kWideBlock : kPlanThreads;
  return {{clamp_grid(rows), block}, block, 1};
}

// The first row of the group of `width` threads holding thread `thread` of block `block`, and the step to its
// next row: grids are capped at kMaxGrid blocks, so a group loops over the rows the grid does not cover.
TT_PLAN_HD int64_t group_first_row(int64_t block, int thread, int width, int rows_per_block) {
  return block * rows_per_block + thread / width;
}
TT_PLAN_HD int64_t group_row_step(int64_t grid, int rows_per_block) { return grid * rows_per_block; }

// NORM's view [A, M, B] as M planes of n = A*B elements, for K operands of one shape (element strides). Element
// i of a plane is (i / inner, i % inner) in `outer` rows of `inner`; rows merge into one (outer = 1, no division)
// when every operand allows it, and single-element rows are walked down instead, as cpu/norm.cpp's Planes.
template <int K>
struct PlaneWalk {
  int64_t planes, n, outer, inner;
  int64_t row[K], step[K], plane[K];
};

template <int K>
inline PlaneWalk<K> plan_planes(const tt_view* const (&v)[K]) {
  PlaneWalk<K> p{};
  const int64_t A = v[0]->shape[0], B = v[0]->shape[2];
  p.planes = v[0]->shape[1];
  p.n = A * B;
  bool merge = true;
  for (int k = 0; k < K; ++k) {
    p.row[k] = v[k]->strides[0];
    p.plane[k] = v[k]->strides[1];
    p.step[k] = v[k]->strides[2];
    merge = merge && p.row[k] == B * p.step[k];
  }
  p.outer = A;
  p.inner = B;
  if (B == 1) {
    for (int k = 0; k < K; ++k) p.step[k] = p.row[k];
    p.outer = 1;
    p.inner = A;
  } else if (A == 1 || merge) {
    p.outer = 1;
    p.inner = A * B;
  }
  return p;
}

// The element offset in operand k of element i (0 <= i < n) of plane m.
template <int K>
TT_PLAN_HD int64_t plane_offset(const PlaneWalk<K>& p, int k, int64_t m, int64_t i) {
  int64_t a = p.outer == 1 ? 0 : i / p.inner, b = i - a * p.inner;
  return m * p.plane[k] + a * p.row[k] + b * p.step[k];
}

}  // namespace cu
}  // namespace tt
