// Strided iteration shared by the CPU kernels: N views of one shape are walked together, row by row,
// after merging the dimensions that are contiguous in all of them. The kernel sees only (pointers,
// byte strides, count) for each innermost row, so one loop body serves contiguous, transposed and
// broadcast (stride 0) operands alike.
#pragma once
#include <algorithm>

#include "../core/internal.h"
#include "../core/parallel.h"

TT_ISA_BEGIN

template <int N>
struct Walk {
  int ndim = 0;
  int64_t shape[TT_MAX_DIMS];
  int64_t strides[N][TT_MAX_DIMS];  // bytes
  char* base[N];

  explicit Walk(const tt_view* const* views) {
    const tt_view& ref = *views[0];
    for (int k = 0; k < N; ++k) base[k] = data_ptr(*views[k]);
    // Drop size-1 dims, then merge neighbours that are contiguous for every operand.
    for (int d = 0; d < ref.ndim; ++d) {
      if (ref.shape[d] == 1) continue;
      bool merge = ndim > 0;
      for (int k = 0; k < N && merge; ++k)
        merge = strides[k][ndim - 1] == views[k]->strides[d] * ref.shape[d] * dtype_size(views[k]->dtype);
      if (merge) {
        shape[ndim - 1] *= ref.shape[d];
        for (int k = 0; k < N; ++k) strides[k][ndim - 1] = views[k]->strides[d] * dtype_size(views[k]->dtype);
      } else {
        shape[ndim] = ref.shape[d];
        for (int k = 0; k < N; ++k) strides[k][ndim] = views[k]->strides[d] * dtype_size(views[k]->dtype);
        ++ndim;
      }
    }
    if (ndim == 0) {  // a single element
      shape[0] = 1;
      for (int k = 0; k < N; ++k) strides[k][0] = 0;
      ndim = 1;
    }
  }
  int64_t inner() const { return shape[ndim - 1]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
  }

  // Calls row(ptrs, byte_strides, count) over the elements [begin, end) in row-major order.
  template <class Row>
  void run_range(int64_t begin, int64_t end, const Row& row) const {
    int64_t idx[TT_MAX_DIMS];
    int64_t rem = begin;
    for (int d = ndim - 1; d >= 0; --d) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    char* p[N];
    int64_t inner_stride[N];
    for (int k = 0; k < N; ++k) {
      p[k] = base[k];
      for (int d = 0; d < ndim; ++d) p[k] += idx[d] * strides[k][d];
      inner_stride[k] = strides[k][ndim - 1];
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t left_in_row = shape[ndim - 1] - idx[ndim - 1];
      int64_t count = end - pos < left_in_row ? end - pos : left_in_row;
      row(p, inner_stride, count);
      pos += count;
      // advance the multi-index past this row
      for (int k = 0; k < N; ++k) p[k] += count * inner_stride[k];
      idx[ndim - 1] += count;
      for (int d = ndim - 1; d > 0 && idx[d] == shape[d]; --d) {
        for (int k = 0; k < N; ++k) p[k] -= shape[d] * strides[k][d] - strides[k][d - 1];
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  }

  // The whole walk, split across the pool when it is big enough to pay for it.
  template <class Row>
  void run(const Row& row, int64_t grain = 32768) const {
    parallel_for(numel(), grain, [&](int64_t b, int64_t e) { run_range(b, e, row); });
  }
};

TT_ISA_END
