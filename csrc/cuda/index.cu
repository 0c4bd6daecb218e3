// GATHER, SCATTER and its reductions on CUDA, the semantics of cpu/index.cpp, any strides. Index values are
// checked first by a kernel of their own that records the row-major position of the first bad one in device
// memory; the host reads it back (a synchronisation) and fails the call as the CPU does, before anything is
// written. Then one thread per index element moves or combines its element.
//
// Unlike the CPU, SCATTER with repeated indices keeps one of the competing sources, not necessarily the last,
// and the float sums of SCATTER_ADD come in any order (as torch on CUDA). The reductions combine through
// atomics: atomicAdd for sums, atomicCAS loops for products, maxima and minima (NaN wins, as on the CPU).
// CUDA's atomics work on 4- and 8-byte words, so the reductions take float32, float64, int32 and int64 only;
// float16, bfloat16 and uint8 stay on the CPU.
#include <cstring>
#include <mutex>
#include <type_traits>

#include "../core/ops.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// The row-major position of the first bad index value of the last check on this device; all ones for none.
__device__ unsigned long long first_bad;

__global__ void check_kernel(const int64_t* index, Layout<1> l, int64_t n, int64_t size) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[1];
    offsets(l, i, off);
    if (uint64_t(index[off[0]]) >= uint64_t(size)) atomicMin(&first_bad, (unsigned long long)i);
  }
}

inline int64_t dim_size(const tt_view& v, int dim) { return v.ndim ? v.shape[dim] : 1; }
inline int64_t dim_stride(const tt_view& v, int dim) { return v.ndim ? v.strides[dim] : 0; }

// Fails the call on the first index value outside [0, size) in row-major order. Broadcast (stride 0) dims are
// read once: the values there repeat, and the first bad one sits at their coordinate 0.
tt_status check_indices(const Call& c, const tt_view& index, int dim, int64_t size) {
  static std::mutex mutex;  // one `first_bad` per device: a check runs from reset to read-back alone
  tt_view v = index;
  for (int d = 0; d < v.ndim; ++d)
    if (v.strides[d] == 0) v.shape[d] = 1;
  const int64_t n = numel(v);
  const tt_view* views[1] = {&v};
  const Layout<1> l = make_layout(views);
  const int64_t* data = data_ptr<const int64_t>(v);
  std::lock_guard<std::mutex> lock(mutex);
  void* flag = nullptr;
  if (tt_status s = check(cudaGetSymbolAddress(&flag, first_bad), tt_op_name(c.op))) return s;
  if (tt_status s = check(cudaMemset(flag, 0xff, sizeof(unsigned long long)), tt_op_name(c.op))) return s;
  check_kernel<<<blocks_for(n), kThreads>>>(data, l, n, size);
  if (tt_status s = launched(c)) return s;
  unsigned long long pos = 0;
  if (tt_status s = check(cudaMemcpy(&pos, flag, sizeof pos, cudaMemcpyDeviceToHost), tt_op_name(c.op))) return s;
  if (pos == ~0ull) return TT_OK;
  int64_t off[1];
  offsets(l, int64_t(pos), off);
  int64_t bad = 0;
  if (tt_status s = check(cudaMemcpy(&bad, data + off[0], sizeof bad, cudaMemcpyDeviceToHost), tt_op_name(c.op)))
    return s;
  return fail(TT_ERR_INDEX, "%s: index %lld is out of range for dim %d of size %lld", tt_op_name(c.op),
              (long long)bad, dim, (long long)size);
}

// ---- GATHER: out[i][j][k] = src[index[i][j][k]][j][k] (dim 0), walked as (out, index, src with dim's stride 0).
template <class T>
__global__ void gather_kernel(T* out, const int64_t* index, const T* src, Layout<3> l, int64_t n, int64_t stride) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsets(l, i, off);
    out[off[0]] = src[off[2] + index[off[1]] * stride];
  }
}

template <class T>
tt_status gather_as(const Call& c, const Layout<3>& l, int64_t n, int64_t stride) {
  gather_kernel<T><<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), data_ptr<const int64_t>(c.in[1]),
                                                data_ptr<const T>(c.in[0]), l, n, stride);
  return launched(c);
}

tt_status gather(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &src = c.in[0], &index = c.in[1], &out = c.out[0];
  const int dim = c.attr<tt_dim_attrs>().dim;
  const int64_t n = numel(out);
  if (n == 0) return TT_OK;
  if (tt_status s = check_indices(c, index, dim, dim_size(src, dim))) return s;
  tt_view src0 = src;  // src seen with index's shape, standing at coordinate 0 of dim
  for (int d = 0; d < index.ndim; ++d) src0.shape[d] = index.shape[d];
  if (src0.ndim) src0.strides[dim] = 0;
  const tt_view* views[3] = {&out, &index, &src0};
  const Layout<3> l = make_layout(views);
  const int64_t stride = dim_stride(src, dim);
  switch (dtype_size(out.dtype)) {
    case 1: return gather_as<uint8_t>(c, l, n, stride);
    case 2: return gather_as<uint16_t>(c, l, n, stride);
    case 4: return gather_as<uint32_t>(c, l, n, stride);
    default: return gather_as<uint64_t>(c, l, n, stride);
  }
}

// ---- SCATTER and its reductions: Op::apply(p, s) puts or combines the source value s into *p.
struct Put {
  template <class T>
  __device__ static void apply(T* p, T s) { *p = s; }
};
struct Add {  // int32 and int64 sums wrap, as the CPU's unsigned ones
  __device__ static void apply(float* p, float s) { atomicAdd(p, s); }
  __device__ static void apply(double* p, double s) { atomicAdd(p, s); }
  __device__ static void apply(int32_t* p, int32_t s) {
    atomicAdd(reinterpret_cast<unsigned int*>(p), static_cast<unsigned int>(s));
  }
  __device__ static void apply(int64_t* p, int64_t s) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(s));
  }
};

// *p = f(*p, s) by compare-and-swap on the element's bits, retried while another thread changed them.
template <class T, class F>
__device__ void cas_update(T* p, T s, F f) {
  using U = std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>;
  static_assert(sizeof(T) == sizeof(U), "CUDA's atomicCAS takes 4- and 8-byte words");
  U* word = reinterpret_cast<U*>(p);
  U old = *word, assumed;
  do {
    assumed = old;
    T cur, next;
    memcpy(&cur, &assumed, sizeof cur);
    next = f(cur, s);
    U bits;
    memcpy(&bits, &next, sizeof bits);
    if (bits == assumed) return;  // already the result: nothing to write
    old = atomicCAS(word, assumed, bits);
  } while (old != assumed);
}

// Integer products wrap, computed in the unsigned type as on the CPU.
template <class T>
__device__ T times(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    using U = std::make_unsigned_t<T>;
    return T(U(a) * U(b));
  } else {
    return a * b;
  }
}
struct Mul {
  template <class T>
  __device__ static void apply(T* p, T s) { cas_update(p, s, [](T o, T v) { return times(o, v); }); }
};
struct Max {  // NaN wins, as torch's scatter_reduce amax
  template <class T>
  __device__ static void apply(T* p, T s) { cas_update(p, s, [](T o, T v) { return v != v || v > o ? v : o; }); }
};
struct Min {
  template <class T>
  __device__ static void apply(T* p, T s) { cas_update(p, s, [](T o, T v) { return v != v || v < o ? v : o; }); }
};

// Views (index, src, out with dim's stride 0), all with index's shape; the index value scales out's stride.
template <class Op, class T>
__global__ void scatter_kernel(T* out, const int64_t* index, const T* src, Layout<3> l, int64_t n, int64_t stride) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsets(l, i, off);
    Op::apply(out + off[2] + index[off[0]] * stride, src[off[1]]);
  }
}

template <class Op, class T>
tt_status scatter_as(const Call& c, const Layout<3>& l, int64_t n, int64_t stride) {
  scatter_kernel<Op, T><<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), data_ptr<const int64_t>(c.in[0]),
                                                     data_ptr<const T>(c.in[1]), l, n, stride);
  return launched(c);
}

template <class Op>
tt_status combine(const Call& c, const Layout<3>& l, int64_t n, int64_t stride) {
  switch (c.out[0].dtype) {
    case TT_FLOAT32: return scatter_as<Op, float>(c, l, n, stride);
    case TT_FLOAT64: return scatter_as<Op, double>(c, l, n, stride);
    case TT_INT32: return scatter_as<Op, int32_t>(c, l, n, stride);
    case TT_INT64: return scatter_as<Op, int64_t>(c, l, n, stride);
  }
  return fail(TT_ERR_DTYPE, "%s: the cuda backend takes float32, float64, int32 and int64, not %s", tt_op_name(c.op),
              tt_dtype_name(c.out[0].dtype));
}

tt_status scatter(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &index = c.in[0], &src = c.in[1], &out = c.out[0];
  const int dim = c.attr<tt_dim_attrs>().dim;
  const int64_t n = numel(index);
  if (n == 0) return TT_OK;
  if (tt_status s = check_indices(c, index, dim, dim_size(out, dim))) return s;
  tt_view src1 = src, out0 = out;  // both seen with index's shape, out standing at coordinate 0 of dim
  for (int d = 0; d < index.ndim; ++d) src1.shape[d] = out0.shape[d] = index.shape[d];
  if (out0.ndim) out0.strides[dim] = 0;
  const tt_view* views[3] = {&index, &src1, &out0};
  const Layout<3> l = make_layout(views);
  const int64_t stride = dim_stride(out, dim);
  switch (c.op) {
    case TT_OP_SCATTER_ADD: return combine<Add>(c, l, n, stride);
    case TT_OP_SCATTER_MUL: return combine<Mul>(c, l, n, stride);
    case TT_OP_SCATTER_AMAX: return combine<Max>(c, l, n, stride);
    case TT_OP_SCATTER_AMIN: return combine<Min>(c, l, n, stride);
  }
  switch (dtype_size(out.dtype)) {
    case 1: return scatter_as<Put, uint8_t>(c, l, n, stride);
    case 2: return scatter_as<Put, uint16_t>(c, l, n, stride);
    case 4: return scatter_as<Put, uint32_t>(c, l, n, stride);
    default: return scatter_as<Put, uint64_t>(c, l, n, stride);
  }
}

}  // namespace

uint32_t index_dtypes(int32_t op) {
  switch (op) {
    case TT_OP_GATHER: case TT_OP_SCATTER: return kAllDtypes;
    case TT_OP_SCATTER_ADD: case TT_OP_SCATTER_MUL: case TT_OP_SCATTER_AMAX: case TT_OP_SCATTER_AMIN:
      return kFullFloats | dtype_bit(TT_INT32) | dtype_bit(TT_INT64);
    default: return 0;
  }
}

void register_index(Kernel* table) {
  table[TT_OP_GATHER] = gather;
  table[TT_OP_SCATTER] = scatter;
  table[TT_OP_SCATTER_ADD] = scatter;
  table[TT_OP_SCATTER_MUL] = scatter;
  table[TT_OP_SCATTER_AMAX] = scatter;
  table[TT_OP_SCATTER_AMIN] = scatter;
}

}  // namespace cu
}  // namespace tt
