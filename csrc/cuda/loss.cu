// CROSS_ENTROPY and CROSS_ENTROPY_BACKWARD on CUDA, float32 and float64, the semantics and rounding of
// cpu/loss.cpp: the row max in the logits' type, sums of exponentials in double, ignore_index rows give 0, and an
// out-of-range target fails the call before anything is written. Each row goes to a warp or a block
// (rows_plan.h), whose threads combine through shuffles (rows.cuh).
#include <mutex>

#include "../core/ops.h"
#include "../opmath/math.h"
#include "rows.cuh"

namespace tt {
namespace cu {
namespace {

struct CeRows {
  int64_t N, C;
  int64_t sx0, sx1;  // logits
  int64_t st;        // target
  int64_t so0, so1;  // output: the row losses (so0) or the gradient [N, C]
  int64_t sg;        // backward: the row losses' gradient
  int64_t ignore;
  double ls, hit, spread;  // label smoothing, 1 - ls, ls / C, rounded to T in the kernels as on the CPU
};

// The first bad row of the last check on this device; a module global exists once per device.
__device__ unsigned long long g_bad_row;

__global__ void check_targets_kernel(const int64_t* t, CeRows a) {
  TT_GRID_STRIDE(n, a.N) {
    int64_t v = t[n * a.st];
    if (v != a.ignore && (v < 0 || v >= a.C)) atomicMin(&g_bad_row, (unsigned long long)n);
  }
}

template <class T, bool Warp>
__device__ __forceinline__ T row_max(const T* row, const CeRows& a) {
  T m = -T(INFINITY);
  for (int64_t k = group_lane<Warp>(); k < a.C; k += group_width<Warp>()) m = MaxOp::join(m, row[k * a.sx1]);
  return group_all<Warp, MaxOp>(m);
}

template <class T, bool Warp>
__global__ void __launch_bounds__(Warp ? kPlanThreads : kWideBlock)
    cross_entropy_kernel(T* y, const T* x, const int64_t* t, CeRows a) {
  const int lane = group_lane<Warp>(), width = group_width<Warp>();
  const bool smooth = T(a.ls) != T(0);
  TT_ROWS_LOOP(Warp, n, a.N) {
    const int64_t tn = t[n * a.st];
    if (tn == a.ignore) {
      if (lane == 0) y[n * a.so0] = T(0);
      continue;
    }
    const T* row = x + n * a.sx0;
    const T m = row_max<T, Warp>(row, a);
    double se = 0, sd = 0;  // sum exp(x - max), and sum (x - max) for the smoothing term
    for (int64_t k = lane; k < a.C; k += width) {
      T d = row[k * a.sx1] - m;
      se += om::exp(d);
      sd += d;
    }
    se = group_all<Warp, AddOp>(se);
    if (smooth) sd = group_all<Warp, AddOp>(sd);
    if (lane == 0) {
      const T lse = T(om::log(se));
      T loss = -T(a.hit) * ((row[tn * a.sx1] - m) - lse);
      if (smooth) loss = loss - T(a.spread) * T(sd - double(a.C) * double(lse));
      y[n * a.so0] = loss;
    }
  }
}

// A thread writes only the elements of dx whose logits it alone reads, after reading them, so dx may be the
// logits themselves, as on the CPU.
template <class T, bool Warp>
__global__ void __launch_bounds__(Warp ? kPlanThreads : kWideBlock)
    cross_entropy_backward_kernel(T* dx, const T* x, const int64_t* t, const T* g, CeRows a) {
  const int lane = group_lane<Warp>(), width = group_width<Warp>();
  const T hit = T(a.hit), spread = T(a.spread);
  TT_ROWS_LOOP(Warp, n, a.N) {
    const int64_t tn = t[n * a.st];
    T* drow = dx + n * a.so0;
    if (tn == a.ignore) {
      for (int64_t k = lane; k < a.C; k += width) drow[k * a.so1] = T(0);
      continue;
    }
    const T* row = x + n * a.sx0;
    const T gn = g[n * a.sg];
    const T m = row_max<T, Warp>(row, a);
    double se = 0;
    for (int64_t k = lane; k < a.C; k += width) se += om::exp(row[k * a.sx1] - m);
    se = group_all<Warp, AddOp>(se);
    const T inv = T(1 / se);
    for (int64_t k = lane; k < a.C; k += width) {
      T p = om::exp(row[k * a.sx1] - m) * inv;
      drow[k * a.so1] = k == tn ? gn * (p - hit - spread) : gn * (p - spread);
    }
  }
}

CeRows rows_of(const Call& c) {
  const tt_cross_entropy_attrs& at = c.attr<tt_cross_entropy_attrs>();
  const tt_view &x = c.in[0], &out = c.out[0];
  CeRows a{};
  a.N = x.shape[0];
  a.C = x.shape[1];
  a.sx0 = x.strides[0];
  a.sx1 = x.strides[1];
  a.st = c.in[1].strides[0];
  a.so0 = out.strides[0];
  a.so1 = out.ndim == 2 ? out.strides[1] : 0;
  a.sg = c.n_in > 2 ? c.in[2].strides[0] : 0;
  a.ignore = at.ignore_index;
  a.ls = at.label_smoothing;
  a.hit = 1 - at.label_smoothing;
  a.spread = at.label_smoothing / double(a.C);
  return a;
}

// The host learns of a bad target only by reading the flag back: this sync is what torch pays too, through the
// device-side assert its kernel raises. The check runs before the loss kernel, so a failing call writes nothing.
tt_status check_targets(const Call& c, const CeRows& a) {
  static std::mutex mutex;  // one flag per device, shared by every host thread
  std::lock_guard<std::mutex> lock(mutex);
  const char* op = tt_op_name(c.op);
  const unsigned long long none = ~0ull;
  if (tt_status s = check(cudaMemcpyToSymbol(g_bad_row, &none, sizeof none), op)) return s;
  const int64_t* t = data_ptr<const int64_t>(c.in[1]);
  check_targets_kernel<<<blocks_for(a.N), kThreads>>>(t, a);
  if (tt_status s = launched(c)) return s;
  unsigned long long bad = none;
  if (tt_status s = check(cudaMemcpyFromSymbol(&bad, g_bad_row, sizeof bad), op)) return s;
  if (bad == none) return TT_OK;
  int64_t v = 0;
  const int64_t n = int64_t(bad);
  if (tt_status s = check(cudaMemcpy(&v, t + n * a.st, sizeof v, cudaMemcpyDeviceToHost), op)) return s;
  return fail(TT_ERR_INDEX, "%s: target %lld of row %lld is out of range for %lld classes", op, (long long)v,
              (long long)n, (long long)a.C);
}

template <bool Backward>
tt_status cross_entropy(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const int32_t dtype = c.in[0].dtype;
  if (dtype != TT_FLOAT32 && dtype != TT_FLOAT64)
    return fail(TT_ERR_DTYPE, "%s: takes float32 or float64 logits, not %s", tt_op_name(c.op), tt_dtype_name(dtype));
  const CeRows a = rows_of(c);
  if (a.N == 0) return TT_OK;
  if (tt_status s = check_targets(c, a)) return s;
  const RowsPlan p = plan_rows(a.N, a.C);
  const unsigned grid = unsigned(p.launch.grid), block = unsigned(p.launch.block);
  const bool warp = p.width == kWarp;
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const T* x = data_ptr<const T>(c.in[0]);
    const int64_t* t = data_ptr<const int64_t>(c.in[1]);
    T* out = data_ptr<T>(c.out[0]);
    if constexpr (Backward) {
      const T* g = data_ptr<const T>(c.in[2]);
      if (warp) cross_entropy_backward_kernel<T, true><<<grid, block>>>(out, x, t, g, a);
      else cross_entropy_backward_kernel<T, false><<<grid, block>>>(out, x, t, g, a);
    } else {
      if (warp) cross_entropy_kernel<T, true><<<grid, block>>>(out, x, t, a);
      else cross_entropy_kernel<T, false><<<grid, block>>>(out, x, t, a);
    }
  };
  if (dtype == TT_FLOAT32) run(float{});
  else run(double{});
  return launched(c);
}

}  // namespace

void register_loss(Kernel* t) {
  t[TT_OP_CROSS_ENTROPY] = cross_entropy<false>;
  t[TT_OP_CROSS_ENTROPY_BACKWARD] = cross_entropy<true>;
}

}  // namespace cu
}  // namespace tt
