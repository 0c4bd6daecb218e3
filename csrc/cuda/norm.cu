// NORM and NORM_BACKWARD on CUDA, float32 and float64, the semantics of cpu/norm.cpp: one set of statistics per
// plane m of the view [A, M, B] (layer, rms, group, instance and batch norm all map onto it), saved as mean [M]
// and rstd [M]; rms norm saves mean 0. Each plane goes to a warp or a block (rows_plan.h). Statistics accumulate
// in double over two passes, a sum for the mean and then the deviations from it (the CPU's shifted sums), so
// float32 planes of millions of elements lose nothing to cancellation.
#include <cmath>

#include "../core/ops.h"
#include "rows.cuh"

namespace tt {
namespace cu {
namespace {

// Operands: x, xhat. A thread writes only elements that it alone reads, after reading them, so xhat may be x.
template <class T, bool Warp>
__global__ void __launch_bounds__(Warp ? kPlanThreads : kWideBlock)
    norm_kernel(T* y, T* mean, T* rstd, const T* x, PlaneWalk<2> p, int64_t s_mean, int64_t s_rstd, double eps,
                bool rms) {
  const int lane = group_lane<Warp>(), width = group_width<Warp>();
  const double n = double(p.n);
  TT_ROWS_LOOP(Warp, m, p.planes) {
    double shift = 0;
    if (!rms) {
      double s = 0;
      for (int64_t i = lane; i < p.n; i += width) s += double(x[plane_offset(p, 0, m, i)]);
      s = group_all<Warp, AddOp>(s);
      if (p.n > 0) shift = s / n;
    }
    double sd = 0, sdd = 0;
    for (int64_t i = lane; i < p.n; i += width) {
      double d = double(x[plane_offset(p, 0, m, i)]) - shift;
      sd += d;
      sdd += d * d;
    }
    sd = group_all<Warp, AddOp>(sd);
    sdd = group_all<Warp, AddOp>(sdd);
    double mu = 0, var = 0;  // an empty plane: mean 0, rstd 1/sqrt(eps), as on the CPU
    if (p.n > 0) {
      double m2 = rms ? sdd : sdd - sd * sd / n;
      mu = rms ? 0 : shift + sd / n;
      var = m2 < 0 ? 0 : m2 / n;  // rounding may leave a tiny negative; NaN stays NaN
    }
    const T mu_t = T(mu), r = T(1 / ::sqrt(var + eps));
    if (lane == 0) {
      mean[m * s_mean] = mu_t;
      rstd[m * s_rstd] = r;
    }
    for (int64_t i = lane; i < p.n; i += width) y[plane_offset(p, 1, m, i)] = (x[plane_offset(p, 0, m, i)] - mu_t) * r;
  }
}

// Operands: xhat, g, dx. dx = (g - mean_g) * rstd - rstd * mean(g xhat) * xhat, the CPU's order of operations;
// dx may be g, for the reason norm_kernel's output may be x.
template <class T, bool Warp>
__global__ void __launch_bounds__(Warp ? kPlanThreads : kWideBlock)
    norm_backward_kernel(T* dx, const T* xhat, const T* rstd, const T* g, PlaneWalk<3> p, int64_t s_rstd, bool rms) {
  const int lane = group_lane<Warp>(), width = group_width<Warp>();
  const double n = double(p.n);
  TT_ROWS_LOOP(Warp, m, p.planes) {
    double sg = 0, sgx = 0;
    for (int64_t i = lane; i < p.n; i += width) {
      T gi = g[plane_offset(p, 1, m, i)];
      sg += double(gi);
      sgx += double(gi * xhat[plane_offset(p, 0, m, i)]);
    }
    sg = group_all<Warp, AddOp>(sg);
    sgx = group_all<Warp, AddOp>(sgx);
    const double r = double(rstd[m * s_rstd]);
    const T mean_g = T(rms ? 0 : sg / n), r_t = T(r), c = T(-r * (sgx / n));
    for (int64_t i = lane; i < p.n; i += width)
      dx[plane_offset(p, 2, m, i)] = (g[plane_offset(p, 1, m, i)] - mean_g) * r_t + c * xhat[plane_offset(p, 0, m, i)];
  }
}

template <class T>
void launch_norm(const Call& c, const RowsPlan& rp) {
  const tt_norm_attrs& at = c.attr<tt_norm_attrs>();
  const tt_view* const views[2] = {&c.in[0], &c.out[0]};
  const PlaneWalk<2> p = plan_planes(views);
  const unsigned grid = unsigned(rp.launch.grid), block = unsigned(rp.launch.block);
  T *y = data_ptr<T>(c.out[0]), *mean = data_ptr<T>(c.out[1]), *rstd = data_ptr<T>(c.out[2]);
  const T* x = data_ptr<const T>(c.in[0]);
  const int64_t sm = c.out[1].strides[0], sr = c.out[2].strides[0];
  const bool rms = at.rms != 0;
  if (rp.width == kWarp) norm_kernel<T, true><<<grid, block>>>(y, mean, rstd, x, p, sm, sr, at.eps, rms);
  else norm_kernel<T, false><<<grid, block>>>(y, mean, rstd, x, p, sm, sr, at.eps, rms);
}

template <class T>
void launch_norm_backward(const Call& c, const RowsPlan& rp) {
  const tt_view* const views[3] = {&c.in[0], &c.in[2], &c.out[0]};
  const PlaneWalk<3> p = plan_planes(views);
  if (p.n == 0) return;  // dx is empty
  const unsigned grid = unsigned(rp.launch.grid), block = unsigned(rp.launch.block);
  T* dx = data_ptr<T>(c.out[0]);
  const T *xhat = data_ptr<const T>(c.in[0]), *rstd = data_ptr<const T>(c.in[1]), *g = data_ptr<const T>(c.in[2]);
  const int64_t sr = c.in[1].strides[0];
  const bool rms = c.attr<tt_norm_attrs>().rms != 0;
  if (rp.width == kWarp) norm_backward_kernel<T, true><<<grid, block>>>(dx, xhat, rstd, g, p, sr, rms);
  else norm_backward_kernel<T, false><<<grid, block>>>(dx, xhat, rstd, g, p, sr, rms);
}

template <bool Backward>
tt_status norm(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view& x = c.in[0];
  const int64_t planes = x.shape[1], n = x.shape[0] * x.shape[2];
  if (planes == 0) return TT_OK;
  const RowsPlan rp = plan_rows(planes, n);
  switch (x.dtype) {
    case TT_FLOAT32: Backward ? launch_norm_backward<float>(c, rp) : launch_norm<float>(c, rp); break;
    case TT_FLOAT64: Backward ? launch_norm_backward<double>(c, rp) : launch_norm<double>(c, rp); break;
    default: return fail(TT_ERR_DTYPE, "%s: unsupported dtype %s", tt_op_name(c.op), tt_dtype_name(x.dtype));
  }
  return launched(c);
}

}  // namespace

void register_norm(Kernel* t) {
  t[TT_OP_NORM] = norm<false>;
  t[TT_OP_NORM_BACKWARD] = norm<true>;
}

}  // namespace cu
}  // namespace tt
