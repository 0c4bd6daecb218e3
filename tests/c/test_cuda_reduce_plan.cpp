// The host-side geometry of the CUDA reductions and scans (csrc/cuda/reduce_plan.h), checked with g++ on a
// machine without a GPU: for many shapes, strides (permuted, stepped, negative) and axis masks, the kept and
// reduced groups that the kernels walk through dims_offsets reach every input element exactly once and put it
// in the right output, ARGMAX's reduced order is row-major in the input's reduced axes, and launch sizes stay
// within CUDA's limits.
#include <stdio.h>
#include <stdlib.h>

#include <map>
#include <vector>

#include "../../csrc/cuda/reduce_plan.h"
#include "check.h"

using namespace tt::cu;

static int64_t numel(const tt_view& v) {
  int64_t n = 1;
  for (int d = 0; d < v.ndim; ++d) n *= v.shape[d];
  return n;
}

// Strides of a dense layout in a random dim order, each dim's step possibly doubled (a gap) or negated: element
// offsets stay distinct. Size-1 dims get arbitrary strides, as torch's views may.
static void random_strides(tt_view& v) {
  int order[TT_MAX_DIMS];
  for (int d = 0; d < v.ndim; ++d) order[d] = d;
  for (int d = v.ndim - 1; d > 0; --d) {
    int k = int(draw(d + 1)), t = order[d];
    order[d] = order[k];
    order[k] = t;
  }
  int64_t acc = 1;
  for (int i = v.ndim - 1; i >= 0; --i) {
    int d = order[i];
    int64_t step = acc * (draw(4) == 0 ? 2 : 1);
    v.strides[d] = v.shape[d] == 1 ? draw(7) - 3 : (draw(4) == 0 ? -step : step);
    acc = step * (v.shape[d] > 1 ? v.shape[d] : 1);
  }
}
static void contiguous_strides(tt_view& v) {
  int64_t acc = 1;
  for (int d = v.ndim - 1; d >= 0; --d) {
    v.strides[d] = acc;
    acc *= v.shape[d] > 1 ? v.shape[d] : 1;
  }
}
static int64_t offset_of(const tt_view& v, const int64_t* coord) {
  int64_t o = 0;
  for (int d = 0; d < v.ndim; ++d) o += coord[d] * v.strides[d];
  return o;
}
static void coord_of(const tt_view& v, int64_t flat, int64_t* coord) {
  for (int d = v.ndim - 1; d >= 0; --d) {
    coord[d] = flat % v.shape[d];
    flat /= v.shape[d];
  }
}

static void check_launch(const Launch& l, const char* what) {
  CHECK(l.grid >= 1 && l.grid <= 65535, "%s: grid %lld", what, (long long)l.grid);
  CHECK(l.block >= 32 && l.block <= 1024 && l.block % 32 == 0, "%s: block %d", what, l.block);
}

static void check_dims(const Dims& g, const char* what) {
  CHECK(g.n >= 0 && g.n <= TT_MAX_DIMS, "%s: %d dims", what, g.n);
  for (int d = 0; d < g.n; ++d) CHECK(g.size[d] != 1, "%s: a size-1 dim %d was kept", what, d);
}

static long long reduce_cases = 0, scan_cases = 0;

static void check_reduce(const tt_view& x, const tt_view& y, uint32_t axes, bool ordered) {
  ReducePlan p = plan_reduce(x, y, axes, ordered);
  ++reduce_cases;
  check_dims(p.kept, "kept");
  check_dims(p.red, "reduced");
  CHECK(p.kept_n == numel(y), "kept_n %lld, output numel %lld", (long long)p.kept_n, (long long)numel(y));
  CHECK(p.kept_n * p.red_n == numel(x), "kept_n %lld * red_n %lld != numel %lld", (long long)p.kept_n,
        (long long)p.red_n, (long long)numel(x));
  CHECK((p.kernel == kReduceNone) == (p.kept_n == 0), "kernel %d for %lld outputs", p.kernel, (long long)p.kept_n);
  if (p.kernel == kReduceWarps || p.kernel == kReduceBlock)
    CHECK(p.red_n > kColsMaxReduced, "cooperative kernel %d for %lld reduced elements", p.kernel, (long long)p.red_n);
  if (p.kernel != kReduceNone) check_launch(p.launch, "reduce");  // no outputs: nothing is launched
  if (numel(x) == 0) return;

  std::map<int64_t, int64_t> flat_at;  // input offset -> flat index
  int64_t coord[TT_MAX_DIMS];
  for (int64_t f = 0; f < numel(x); ++f) {
    coord_of(x, f, coord);
    flat_at[offset_of(x, coord)] = f;
  }
  CHECK(int64_t(flat_at.size()) == numel(x), "test bug: input offsets not distinct");
  std::vector<int> seen(size_t(numel(x)), 0);
  std::map<int64_t, int> outputs;
  for (int64_t o = 0; o < p.kept_n; ++o) {
    int64_t ko, yo;
    dims_offsets(p.kept, o, ko, yo);
    ++outputs[yo];
    for (int64_t j = 0; j < p.red_n; ++j) {
      int64_t ro, unused;
      dims_offsets(p.red, j, ro, unused);
      CHECK(unused == 0, "reduced dims move the output");
      auto it = flat_at.find(ko + ro);
      CHECK(it != flat_at.end(), "output %lld, element %lld: offset %lld is no input element", (long long)o,
            (long long)j, (long long)(ko + ro));
      if (it == flat_at.end()) continue;
      ++seen[size_t(it->second)];
      coord_of(x, it->second, coord);
      int64_t rank = 0, ycoord[TT_MAX_DIMS];
      for (int d = 0; d < x.ndim; ++d) {
        bool reduced = axes >> d & 1;
        ycoord[d] = reduced ? 0 : coord[d];
        if (reduced) rank = rank * x.shape[d] + coord[d];
      }
      CHECK(offset_of(y, ycoord) == yo, "element %lld lands in output offset %lld, not %lld", (long long)it->second,
            (long long)yo, (long long)offset_of(y, ycoord));
      if (ordered) CHECK(rank == j, "reduced element %lld has row-major rank %lld", (long long)j, (long long)rank);
    }
  }
  for (int64_t f = 0; f < numel(x); ++f) CHECK(seen[size_t(f)] == 1, "element %lld reached %d times", (long long)f, seen[size_t(f)]);
  CHECK(int64_t(outputs.size()) == p.kept_n, "%lld distinct outputs for %lld", (long long)outputs.size(), (long long)p.kept_n);
}

static void check_scan(const tt_view& x, const tt_view& y, int dim, bool block_per_row) {
  ScanPlan p = plan_scan(x, y, dim, block_per_row);
  ++scan_cases;
  check_dims(p.other, "other");
  check_launch(p.launch, "scan");
  CHECK(p.rows * p.n == numel(x), "rows %lld * n %lld != numel %lld", (long long)p.rows, (long long)p.n,
        (long long)numel(x));
  if (block_per_row)
    CHECK(p.launch.block <= 256 && (p.launch.block - 32 < p.n || p.launch.block == 32), "block %d for rows of %lld",
          p.launch.block, (long long)p.n);
  if (numel(x) == 0) return;
  std::map<int64_t, int64_t> flat_at;
  int64_t coord[TT_MAX_DIMS];
  for (int64_t f = 0; f < numel(x); ++f) {
    coord_of(x, f, coord);
    flat_at[offset_of(x, coord)] = f;
  }
  std::vector<int> seen(size_t(numel(x)), 0);
  for (int64_t r = 0; r < p.rows; ++r) {
    int64_t xo, yo;
    dims_offsets(p.other, r, xo, yo);
    for (int64_t j = 0; j < p.n; ++j) {
      auto it = flat_at.find(xo + j * p.sx);
      CHECK(it != flat_at.end(), "row %lld, element %lld is no input element", (long long)r, (long long)j);
      if (it == flat_at.end()) continue;
      ++seen[size_t(it->second)];
      coord_of(x, it->second, coord);
      CHECK(x.ndim == 0 || coord[dim] == j, "row element %lld has coordinate %lld", (long long)j, (long long)coord[dim]);
      CHECK(offset_of(y, coord) == yo + j * p.sy, "output offset of element %lld", (long long)it->second);
    }
  }
  for (int64_t f = 0; f < numel(x); ++f) CHECK(seen[size_t(f)] == 1, "element %lld reached %d times", (long long)f, seen[size_t(f)]);
}

static tt_view random_view(int ndim, int64_t max_numel) {
  tt_view x = {};
  x.ndim = ndim;
  static const int64_t sizes[] = {1, 1, 2, 3, 4, 5, 7, 8, 17, 33, 0};
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    x.shape[d] = sizes[draw(draw(8) == 0 ? 11 : 10)];
    if (n * x.shape[d] > max_numel) x.shape[d] = 1;
    n *= x.shape[d];
  }
  if (draw(3) == 0)
    contiguous_strides(x);
  else
    random_strides(x);
  return x;
}

int main() {
  for (int iter = 0; iter < 3000; ++iter) {
    int ndim = int(draw(TT_MAX_DIMS + 1));
    tt_view x = random_view(ndim, 3000);
    uint32_t axes = ndim ? uint32_t(draw(int64_t(1) << ndim)) : 0;
    tt_view y = x;
    for (int d = 0; d < ndim; ++d)
      if (axes >> d & 1) y.shape[d] = 1;
    if (draw(2))
      contiguous_strides(y);
    else
      random_strides(y);
    check_reduce(x, y, axes, false);
    check_reduce(x, y, axes, true);
    if (ndim > 0) {
      int dim = int(draw(ndim));
      tt_view ys = x;
      if (draw(2)) random_strides(ys);
      check_scan(x, ys, dim, true);
      check_scan(x, ys, dim, false);
    }
  }

  // A contiguous row reduction merges into one contiguous reduced dim and takes a cooperative kernel.
  tt_view x = {};
  x.ndim = 3;
  x.shape[0] = 4, x.shape[1] = 50, x.shape[2] = 60;
  contiguous_strides(x);
  tt_view y = x;
  y.shape[1] = y.shape[2] = 1;
  contiguous_strides(y);
  ReducePlan p = plan_reduce(x, y, 6, false);
  CHECK(p.red.n == 1 && p.red.in[0] == 1 && p.red_n == 3000, "rows: %d reduced dims", p.red.n);
  CHECK(p.kernel == kReduceBlock, "rows: kernel %d", p.kernel);
  // A column reduction with many outputs goes a thread per output, consecutive threads on consecutive columns.
  x.shape[0] = 3000, x.shape[1] = 4, x.shape[2] = 1000;
  contiguous_strides(x);
  y = x;
  y.shape[0] = 1;
  contiguous_strides(y);
  p = plan_reduce(x, y, 1, false);
  CHECK(p.kernel == kReduceCols && p.kept.in[p.kept.n - 1] == 1, "columns: kernel %d", p.kernel);

  // Huge shapes (no data: only the plan) keep the grid within CUDA's limits; kernels loop over the rest.
  x.ndim = 2;
  x.shape[0] = int64_t(1) << 31, x.shape[1] = 3;
  contiguous_strides(x);
  for (uint32_t axes = 0; axes < 4; ++axes) {
    y = x;
    for (int d = 0; d < 2; ++d)
      if (axes >> d & 1) y.shape[d] = 1;
    contiguous_strides(y);
    check_launch(plan_reduce(x, y, axes, false).launch, "huge reduce");
    check_launch(plan_scan(x, x, int(axes & 1), true).launch, "huge softmax");
    check_launch(plan_scan(x, x, int(axes & 1), false).launch, "huge scan");
  }

  printf("test_cuda_reduce_plan: %lld reduction and %lld scan plans, %d failures\n", reduce_cases, scan_cases,
         failures);
  return failures ? 1 : 0;
}
