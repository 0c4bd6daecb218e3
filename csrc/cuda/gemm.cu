// MATMUL on CUDA: out[B..., M, N] = a[B..., M, K] @ b[B..., K, N], any strides, batch dims broadcast by stride 0,
// the dtypes the CPU takes (float32, float64, int32, int64, uint8; integers wrap). Hand-written, no cuBLAS.
//
// One block computes a BM x BN tile of one matrix of the batch: k advances BK at a time through two
// shared-memory stages, the next slice fetched from global memory into registers while the current one is
// multiplied, so one barrier per slice suffices. Each thread keeps a TM x TN micro-tile of accumulators.
// float32 is computed in full FP32 (torch's default matmul precision, "highest"): each output is a chain of
// FMAs over k in ascending order. A TF32 tensor-core path is not written: the C ABI has no way for a caller to
// allow it.
// The decisions (tile, grid, launches, fetch order) and each thread's index arithmetic are in gemm_plan.h,
// checked on the host by tests/c/test_cuda_gemm_plan.cpp.
#include "common.cuh"
#include "gemm_plan.h"

namespace tt {
namespace cu {
namespace {

using gemm::Args;
using gemm::Large;
using gemm::Small;

template <class Cfg, class T, class Acc>
__global__ void __launch_bounds__(Cfg::kThreads) gemm_kernel(Args<T> g) {
  __shared__ Acc sa[2][Cfg::BK * Cfg::PA];
  __shared__ Acc sb[2][Cfg::BK * Cfg::PB];
  const int tid = threadIdx.x;
  const gemm::Block<T> blk = gemm::block_at<Cfg>(g, blockIdx.x, blockIdx.y, blockIdx.z);
  Acc acc[Cfg::TM][Cfg::TN];
#pragma unroll
  for (int r = 0; r < Cfg::TM; ++r)
#pragma unroll
    for (int c = 0; c < Cfg::TN; ++c) acc[r][c] = Acc(0);
  Acc ra[Cfg::LA], rb[Cfg::LB];
  const int64_t slices = (g.p.K + Cfg::BK - 1) / Cfg::BK;
  gemm::fetch<Cfg>(g, blk, 0, tid, ra, rb);
  gemm::stash<Cfg>(g.a_m_fast, g.b_n_fast, tid, ra, rb, sa[0], sb[0]);
  __syncthreads();
  // Stage s is read while stage s^1 is written: s^1 was last read in the previous slice, before its barrier.
  for (int64_t t = 0; t < slices; ++t) {
    const int s = int(t & 1);
    const bool more = t + 1 < slices;
    if (more) gemm::fetch<Cfg>(g, blk, (t + 1) * Cfg::BK, tid, ra, rb);
    gemm::multiply<Cfg>(sa[s], sb[s], tid, acc);
    if (more) gemm::stash<Cfg>(g.a_m_fast, g.b_n_fast, tid, ra, rb, sa[s ^ 1], sb[s ^ 1]);
    __syncthreads();
  }
  gemm::store<Cfg>(g, blk, tid, acc);
}

template <class Cfg, class T, class Acc>
void launch_all(const gemm::Plan& q, Args<T> g) {
  gemm::for_each_launch(q, [&](const gemm::Launch& l) {
    g.tile_m0 = l.tile_m0, g.batch0 = l.batch0;
    gemm_kernel<Cfg, T, Acc><<<dim3(l.gx, l.gy, l.gz), Cfg::kThreads>>>(g);
  });
}

int sm_count(int device) {
  int n = 0;
  if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
    cudaGetLastError();
    n = 1;  // only the tile choice depends on it
  }
  return n;
}

// Acc: the type products are summed in; unsigned for the integers, so that overflow wraps as on the CPU.
// 8-byte accumulators always take the Small tile (make_plan's rule), so Large is not instantiated for them.
template <class T, class Acc>
tt_status matmul_as(const Call& c) {
  const tt_view &a = c.in[0], &b = c.in[1], &o = c.out[0];
  gemm::Problem p = gemm::describe(a, b, o);
  gemm::Plan q = gemm::make_plan(p, int(sizeof(Acc)), sm_count(tt_buffer_device(o.buf).index));
  if (q.tiles_n > gemm::kMaxGridX)
    return fail(TT_ERR_SHAPE, "%s: %lld columns are more than one launch covers", tt_op_name(c.op),
                (long long)p.N);
  if (!gemm::launchable(p, q)) return TT_OK;
  Args<T> g{data_ptr<const T>(a), data_ptr<const T>(b), data_ptr<T>(o), p, q.a_m_fast, q.b_n_fast, 0, 0};
  if constexpr (sizeof(Acc) <= 4) {
    if (q.large) {
      launch_all<Large, T, Acc>(q, g);
      return launched(c);
    }
  }
  launch_all<Small, T, Acc>(q, g);
  return launched(c);
}

tt_status matmul(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  switch (c.out[0].dtype) {
    case TT_FLOAT32: return matmul_as<float, float>(c);
    case TT_FLOAT64: return matmul_as<double, double>(c);
    case TT_INT32: return matmul_as<int32_t, uint32_t>(c);
    case TT_INT64: return matmul_as<int64_t, uint64_t>(c);
    case TT_UINT8: return matmul_as<uint8_t, uint32_t>(c);
    default:
      return fail(TT_ERR_DTYPE, "%s: the cuda backend does not take %s", tt_op_name(c.op),
                  tt_dtype_name(c.out[0].dtype));
  }
}

}  // namespace

void register_gemm(Kernel* t) { t[TT_OP_MATMUL] = matmul; }

}  // namespace cu
}  // namespace tt
