// The host-side geometry of the CUDA row kernels (csrc/cuda/rows_plan.h), checked with g++ on a machine without a
// GPU: for many row counts and lengths, the launch stays within CUDA's limits and the kernels' launch bounds, and
// the thread groups' rows loop reaches every row exactly once, past the grid cap too; for NORM's views [A, M, B] of
// random strides, the plane walk reaches every element of every plane once, at the same logical element in each
// operand.
#include <stdio.h>
#include <stdlib.h>

#include <map>
#include <vector>

#include "../../csrc/cuda/rows_plan.h"
#include "check.h"

using namespace tt::cu;

static void check_rows(int64_t rows, int64_t len) {
  const int before = failures;
  const RowsPlan p = plan_rows(rows, len);
  const int block = p.launch.block;
  CHECK(p.launch.grid >= 1 && p.launch.grid <= kMaxGrid, "rows %lld len %lld: grid %lld", (long long)rows,
        (long long)len, (long long)p.launch.grid);
  CHECK(block >= kWarp && block <= kWideBlock && block % kWarp == 0, "rows %lld len %lld: block %d", (long long)rows,
        (long long)len, block);
  CHECK(p.width == (len <= kWarpRowMax ? kWarp : block), "rows %lld len %lld: width %d", (long long)rows,
        (long long)len, p.width);
  CHECK(p.width == kWarp ? block <= kPlanThreads : true, "rows %lld: warp kernels are bound to %d threads, got %d",
        (long long)rows, kPlanThreads, block);
  CHECK(p.rows_per_block * p.width == block, "rows %lld len %lld: %d rows of %d threads in %d", (long long)rows,
        (long long)len, p.rows_per_block, p.width, block);
  if (failures != before) return;
  std::vector<int> seen(size_t(rows), 0);
  for (int64_t b = 0; b < p.launch.grid; ++b)
    for (int t = 0; t < block; t += p.width)  // one thread stands for its group: all of it walks the same rows
      for (int64_t r = group_first_row(b, t, p.width, p.rows_per_block); r < rows;
           r += group_row_step(p.launch.grid, p.rows_per_block)) {
        CHECK(r >= 0, "rows %lld: row %lld", (long long)rows, (long long)r);
        if (r < 0) return;
        ++seen[size_t(r)];
      }
  for (int64_t r = 0; r < rows; ++r)
    CHECK(seen[size_t(r)] == 1, "rows %lld len %lld: row %lld walked %d times", (long long)rows, (long long)len,
          (long long)r, seen[size_t(r)]);
}

// Dense strides in a random dim order, each dim's step possibly doubled (a gap) or negated, so element offsets stay
// distinct; sometimes plain row-major, so that planes' rows merge. Size-1 dims get arbitrary strides.
static void random_strides(tt_view& v) {
  int order[3] = {0, 1, 2};
  if (draw(3) != 0)
    for (int d = 2; d > 0; --d) {
      int k = int(draw(d + 1)), t = order[d];
      order[d] = order[k];
      order[k] = t;
    }
  bool plain = draw(3) == 0;
  int64_t acc = 1;
  for (int i = 2; i >= 0; --i) {
    int d = plain ? i : order[i];
    int64_t step = acc * (!plain && draw(4) == 0 ? 2 : 1);
    v.strides[d] = v.shape[d] == 1 ? draw(7) - 3 : (!plain && draw(4) == 0 ? -step : step);
    acc = step * (v.shape[d] > 1 ? v.shape[d] : 1);
  }
}

static void check_planes(int64_t A, int64_t M, int64_t B) {
  constexpr int K = 3;
  tt_view v[K] = {};
  const tt_view* views[K];
  bool same = draw(2) == 0;  // all operands of one layout, as NORM's are in practice
  for (int k = 0; k < K; ++k) {
    v[k].ndim = 3;
    v[k].shape[0] = A;
    v[k].shape[1] = M;
    v[k].shape[2] = B;
    if (same && k > 0) {
      for (int d = 0; d < 3; ++d) v[k].strides[d] = v[0].strides[d];
    } else {
      random_strides(v[k]);
    }
    views[k] = &v[k];
  }
  const PlaneWalk<K> p = plan_planes(views);
  CHECK(p.planes == M && p.n == A * B && p.outer * p.inner == p.n, "[%lld, %lld, %lld]: %lld planes of %lld x %lld",
        (long long)A, (long long)M, (long long)B, (long long)p.planes, (long long)p.outer, (long long)p.inner);
  // operand 0's offset -> its logical element (m, a, b)
  std::map<int64_t, int64_t> logical;
  auto flat = [&](int64_t m, int64_t a, int64_t b) { return (m * A + a) * B + b; };
  auto offset = [&](int k, int64_t m, int64_t a, int64_t b) {
    return m * v[k].strides[1] + a * v[k].strides[0] + b * v[k].strides[2];
  };
  for (int64_t m = 0; m < M; ++m)
    for (int64_t a = 0; a < A; ++a)
      for (int64_t b = 0; b < B; ++b) logical[offset(0, m, a, b)] = flat(m, a, b);
  std::vector<int> seen(size_t(A * M * B), 0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < p.n; ++i) {
      auto it = logical.find(plane_offset(p, 0, m, i));
      CHECK(it != logical.end(), "[%lld, %lld, %lld]: plane %lld element %lld is outside operand 0", (long long)A,
            (long long)M, (long long)B, (long long)m, (long long)i);
      if (it == logical.end()) return;
      const int64_t e = it->second, em = e / (A * B), ea = e / B % A, eb = e % B;
      CHECK(em == m, "[%lld, %lld, %lld]: plane %lld element %lld lies in plane %lld", (long long)A, (long long)M,
            (long long)B, (long long)m, (long long)i, (long long)em);
      for (int k = 1; k < K; ++k)
        CHECK(plane_offset(p, k, m, i) == offset(k, em, ea, eb), "[%lld, %lld, %lld]: operand %d disagrees at %lld",
              (long long)A, (long long)M, (long long)B, k, (long long)i);
      ++seen[size_t(e)];
    }
  for (size_t e = 0; e < seen.size(); ++e)
    CHECK(seen[e] == 1, "[%lld, %lld, %lld]: element %zu walked %d times", (long long)A, (long long)M, (long long)B, e,
          seen[e]);
}

int main() {
  const int64_t lens[] = {0, 1, 31, 32, 33, kWarpRowMax, kWarpRowMax + 1, 50257};
  const int64_t rows[] = {1, 2, 7, 8, 9, 255, 256, 257, 1000, 65535, 65536, 65535 * 8 + 3, 200000};
  for (int64_t len : lens)
    for (int64_t r : rows) check_rows(r, len);
  for (int t = 0; t < 400; ++t) {
    int64_t A = 1 + draw(5), M = 1 + draw(5), B = 1 + draw(6);
    if (draw(4) == 0) A = 1;
    if (draw(4) == 0) B = 1;
    check_planes(A, M, B);
  }
  check_planes(3, 0, 4);  // no planes
  check_planes(0, 3, 4);  // empty planes
  if (failures) {
    fprintf(stderr, "test_cuda_rows_plan: %d failures\n", failures);
    return 1;
  }
  printf("test_cuda_rows_plan: ok\n");
  return 0;
}
