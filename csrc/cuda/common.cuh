// Shared by the CUDA family files: error mapping, the strided layout kernels receive by value, dtype
// storage types and conversions, and the registration each family provides to backend.cu.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "../core/internal.h"

namespace tt {
namespace cu {

void register_copy(Kernel* table);
void register_elementwise(Kernel* table);
void register_optim(Kernel* table);
void register_gemm(Kernel* table);
void register_compare(Kernel* table);
void register_reduce(Kernel* table);
// The dtypes the kernels of register_reduce take for op; 0 for the ops it does not register.
uint32_t reduce_dtypes(int32_t op);
void register_loss(Kernel* table);
void register_norm(Kernel* table);
void register_rnn(Kernel* table);
void register_random(Kernel* table);
uint32_t random_dtypes(int32_t op);  // as reduce_dtypes, for register_random
void register_index(Kernel* table);
uint32_t index_dtypes(int32_t op);  // as reduce_dtypes, for register_index

// Maps a CUDA error to TT_ERR_DEVICE with CUDA's own words. Clears the runtime's last error so a
// recoverable failure (an allocation, a bad launch) does not resurface in the next unrelated call.
inline tt_status check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return TT_OK;
  cudaGetLastError();
  return fail(TT_ERR_DEVICE, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

// Makes the output's device current for this host thread; every launcher calls it first.
inline tt_status use_device_of(const Call& c) {
  return check(cudaSetDevice(tt_buffer_device(c.out[0].buf).index), tt_op_name(c.op));
}

// After a launch: configuration errors show at once, faults inside the kernel at the next sync.
inline tt_status launched(const Call& c) { return check(cudaGetLastError(), tt_op_name(c.op)); }

// N views of one shape, with size-1 dims dropped and neighbours that are contiguous in every view merged
// (as cpu/loops.h Walk does), strides in elements. Passed to kernels by value, so it lives in parameter space.
template <int N>
struct Layout {
  int ndim;
  int64_t shape[TT_MAX_DIMS];
  int64_t strides[N][TT_MAX_DIMS];
};

template <int N>
inline Layout<N> make_layout(const tt_view* const (&views)[N]) {
  Layout<N> l{};
  const tt_view& ref = *views[0];
  for (int d = 0; d < ref.ndim; ++d) {
    if (ref.shape[d] == 1) continue;
    bool merge = l.ndim > 0;
    for (int k = 0; k < N && merge; ++k) merge = l.strides[k][l.ndim - 1] == views[k]->strides[d] * ref.shape[d];
    if (merge) {
      l.shape[l.ndim - 1] *= ref.shape[d];
      for (int k = 0; k < N; ++k) l.strides[k][l.ndim - 1] = views[k]->strides[d];
    } else {
      l.shape[l.ndim] = ref.shape[d];
      for (int k = 0; k < N; ++k) l.strides[k][l.ndim] = views[k]->strides[d];
      ++l.ndim;
    }
  }
  if (l.ndim == 0) {  // a single element
    l.ndim = 1;
    l.shape[0] = 1;
  }
  return l;
}

// Element offsets of the row-major linear index i in each view. The loop is unrolled over the fixed
// maximum so every shape/stride access has a constant index and stays in parameter space.
template <int N>
__host__ __device__ __forceinline__ void offsets(const Layout<N>& l, int64_t i, int64_t (&off)[N]) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
#pragma unroll
  for (int d = TT_MAX_DIMS - 1; d >= 1; --d) {
    if (d < l.ndim) {
      int64_t q = i / l.shape[d], r = i - q * l.shape[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * l.strides[k][d];
      i = q;
    }
  }
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] += i * l.strides[k][0];
}

// Grid-stride launches: enough blocks to fill any current GPU, each thread looping over the rest.
constexpr int kThreads = 256;
inline unsigned blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return unsigned(b < 65536 ? b : 65536);
}
#define TT_GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// ---- dtypes: storage types, and conversions through a wide type (float, double or int64).
struct Bool8 {  // bool as stored: any nonzero byte reads as true
  uint8_t v;
};

__host__ __device__ __forceinline__ float widen(__half x) { return __half2float(x); }
__host__ __device__ __forceinline__ float widen(__nv_bfloat16 x) { return __bfloat162float(x); }
__host__ __device__ __forceinline__ float widen(float x) { return x; }
__host__ __device__ __forceinline__ double widen(double x) { return x; }
__host__ __device__ __forceinline__ int64_t widen(int32_t x) { return x; }
__host__ __device__ __forceinline__ int64_t widen(int64_t x) { return x; }
__host__ __device__ __forceinline__ int64_t widen(uint8_t x) { return x; }
__host__ __device__ __forceinline__ int64_t widen(Bool8 x) { return x.v != 0; }

// Float to integer out of range is undefined in C++ and torch; CUDA's conversions saturate (NaN gives 0).
// uint8 goes through int64 so negative values wrap as they do on the CPU.
template <class D>
struct To {
  template <class W>
  __host__ __device__ __forceinline__ static D from(W w) { return static_cast<D>(w); }
};
template <>
struct To<__half> {
  __host__ __device__ __forceinline__ static __half from(float w) { return __float2half_rn(w); }
  __host__ __device__ __forceinline__ static __half from(double w) { return __double2half(w); }
  __host__ __device__ __forceinline__ static __half from(int64_t w) { return __float2half_rn(float(w)); }
};
template <>
struct To<__nv_bfloat16> {
  __host__ __device__ __forceinline__ static __nv_bfloat16 from(float w) { return __float2bfloat16_rn(w); }
  __host__ __device__ __forceinline__ static __nv_bfloat16 from(double w) { return __double2bfloat16(w); }
  __host__ __device__ __forceinline__ static __nv_bfloat16 from(int64_t w) { return __float2bfloat16_rn(float(w)); }
};
template <>
struct To<uint8_t> {
  template <class W>
  __host__ __device__ __forceinline__ static uint8_t from(W w) { return uint8_t(static_cast<int64_t>(w)); }
};
template <>
struct To<Bool8> {
  template <class W>
  __host__ __device__ __forceinline__ static Bool8 from(W w) { return Bool8{uint8_t(w != W(0))}; }
};

template <class D, class S>
__host__ __device__ __forceinline__ D convert(S x) {
  return To<D>::from(widen(x));
}

// Calls f(T{}) with the storage type of a dtype; false for an unknown code.
template <class F>
inline bool with_dtype(int32_t dtype, F&& f) {
  switch (dtype) {
    case TT_FLOAT32: f(float{}); return true;
    case TT_FLOAT64: f(double{}); return true;
    case TT_FLOAT16: f(__half{}); return true;
    case TT_BFLOAT16: f(__nv_bfloat16{}); return true;
    case TT_INT32: f(int32_t{}); return true;
    case TT_INT64: f(int64_t{}); return true;
    case TT_UINT8: f(uint8_t{}); return true;
    case TT_BOOL: f(Bool8{}); return true;
  }
  return false;
}

}  // namespace cu
}  // namespace tt
