// Reductions (SUM .. ANY), softmax and log_softmax, and the cumulative scans on CUDA, any strides, the
// semantics of cpu/reduce.cpp: float16/bfloat16 accumulate in float32 and float32 sums in float64 (as the CPU
// combines its blocks), integer sums and products wrap, MAX/MIN propagate NaN, ARGMAX/ARGMIN give the first
// occurrence in the row-major order of the reduced axes with NaN beating everything, and softmax of a row of
// -inf is NaN. The geometry (which dims are kept or reduced, which kernel, how many blocks) is decided on the
// host by reduce_plan.h; threads cooperating on one output combine through warp shuffles, then shared memory.
#include "../core/ops.h"
#include "../opmath/math.h"
#include "common.cuh"
#include "reduce_plan.h"

namespace tt {
namespace cu {
namespace {

template <class T>
using Wide = decltype(widen(T{}));

// The type sums and products accumulate in: wrapping uint64 for integers, cut to the output's width at the end
// (arithmetic modulo 2^64 agrees with arithmetic modulo 2^32 or 2^8 in the low bits).
template <class T>
struct Arith {
  using A = uint64_t;
};
template <>
struct Arith<float> {
  using A = double;
};
template <>
struct Arith<double> {
  using A = double;
};
template <>
struct Arith<__half> {
  using A = float;
};
template <>
struct Arith<__nv_bfloat16> {
  using A = float;
};

template <class W>
struct Bounds {
  __device__ static W lo() { return -W(INFINITY); }
  __device__ static W hi() { return W(INFINITY); }
};
template <>
struct Bounds<int64_t> {
  __device__ static int64_t lo() { return INT64_MIN; }
  __device__ static int64_t hi() { return INT64_MAX; }
};

// ---- fold operations: init() is the empty accumulator, step(acc, x, j) folds in the reduced element x of
// row-major index j (each thread steps through increasing j), join(a, b) combines two accumulators in any
// grouping, out(acc, count) gives the output value.
template <class T>
struct Sum {
  using A = typename Arith<T>::A;
  using O = T;
  __device__ static A init() { return A(0); }
  __device__ static A step(A a, T x, int64_t) { return a + A(widen(x)); }
  __device__ static A join(A a, A b) { return a + b; }
  __device__ static O out(A a, int64_t) { return To<O>::from(a); }
};
template <class T>
struct Mean : Sum<T> {  // float dtypes only; an empty mean is 0/0 = NaN
  using A = typename Sum<T>::A;
  __device__ static T out(A a, int64_t n) { return To<T>::from(a / A(n)); }
};
template <class T>
struct Prod {
  using A = typename Arith<T>::A;
  using O = T;
  __device__ static A init() { return A(1); }
  __device__ static A step(A a, T x, int64_t) { return a * A(widen(x)); }
  __device__ static A join(A a, A b) { return a * b; }
  __device__ static O out(A a, int64_t) { return To<O>::from(a); }
};

// MAX (kMax) and MIN: a NaN accumulator stays, a NaN input replaces it.
template <class T, bool kMax>
struct Extreme {
  using A = Wide<T>;
  using O = T;
  __device__ static A init() { return kMax ? Bounds<A>::lo() : Bounds<A>::hi(); }
  __device__ static A join(A a, A b) { return (kMax ? b > a : b < a) || b != b ? b : a; }
  __device__ static A step(A a, T x, int64_t) { return join(a, widen(x)); }
  __device__ static O out(A a, int64_t) { return To<O>::from(a); }
};

template <class W>
struct ArgAcc {
  W v;
  int64_t i;  // the index of v; negative: no element yet
};
// ARGMAX (kMax) and ARGMIN. "Neither is better" means equal values (or two NaNs), and then the smaller index
// wins, so join is associative and the result is the first occurrence whatever the grouping.
template <class T, bool kMax>
struct Arg {
  using W = Wide<T>;
  using A = ArgAcc<W>;
  using O = int64_t;
  __device__ static bool better(W c, W cur) { return (kMax ? c > cur : c < cur) || (c != c && cur == cur); }
  __device__ static A init() { return {W(0), -1}; }
  __device__ static A step(A a, T x, int64_t j) {
    W w = widen(x);
    return a.i < 0 || better(w, a.v) ? A{w, j} : a;
  }
  __device__ static A join(A a, A b) {
    if (b.i < 0) return a;
    if (a.i < 0) return b;
    if (better(b.v, a.v)) return b;
    if (better(a.v, b.v)) return a;
    return b.i < a.i ? b : a;
  }
  __device__ static O out(A a, int64_t) { return a.i; }
};

// ALL (kAll) and ANY: an element is true when nonzero (NaN is, -0 is not).
template <class T, bool kAll>
struct Logical {
  using A = int;
  using O = Bool8;
  __device__ static A init() { return kAll ? 1 : 0; }
  __device__ static A join(A a, A b) { return kAll ? a & b : a | b; }
  __device__ static A step(A a, T x, int64_t) { return join(a, widen(x) != Wide<T>(0)); }
  __device__ static O out(A a, int64_t) { return Bool8{uint8_t(a)}; }
};

// Softmax's two block reductions over its float accumulator.
template <class A>
struct MaxJoin {
  __device__ static A init() { return -A(INFINITY); }
  __device__ static A join(A a, A b) { return b > a || b != b ? b : a; }
};
template <class A>
struct SumJoin {
  __device__ static A init() { return A(0); }
  __device__ static A join(A a, A b) { return a + b; }
};

// ---- warp and block combines
constexpr unsigned kFullMask = 0xffffffffu;
__device__ __forceinline__ float shfl_down(float v, int d) { return __shfl_down_sync(kFullMask, v, d); }
__device__ __forceinline__ double shfl_down(double v, int d) { return __shfl_down_sync(kFullMask, v, d); }
__device__ __forceinline__ int shfl_down(int v, int d) { return __shfl_down_sync(kFullMask, v, d); }
__device__ __forceinline__ int64_t shfl_down(int64_t v, int d) {
  return int64_t(__shfl_down_sync(kFullMask, (long long)v, d));
}
__device__ __forceinline__ uint64_t shfl_down(uint64_t v, int d) {
  return uint64_t(__shfl_down_sync(kFullMask, (unsigned long long)v, d));
}
template <class W>
__device__ __forceinline__ ArgAcc<W> shfl_down(ArgAcc<W> a, int d) {
  return {shfl_down(a.v, d), shfl_down(a.i, d)};
}

// Lane 0 gets the combine of all 32 lanes; every lane of the warp must call it.
template <class Op, class A>
__device__ __forceinline__ A warp_reduce(A v) {
#pragma unroll
  for (int d = kWarp / 2; d > 0; d /= 2) v = Op::join(v, shfl_down(v, d));
  return v;
}

// Every thread gets the combine of the whole block (blockDim.x a multiple of 32); every thread must call it.
template <class Op, class A>
__device__ A block_reduce(A v) {
  __shared__ A part[kWarp];
  __shared__ A total;
  int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  v = warp_reduce<Op>(v);
  if (lane == 0) part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = warp_reduce<Op>(lane < int(blockDim.x / kWarp) ? part[lane] : Op::init());
    if (lane == 0) total = v;
  }
  __syncthreads();
  v = total;
  __syncthreads();  // part and total are written again by the next call
  return v;
}

// ---- reduction kernels: outputs are walked in the row-major order of plan.kept, reduced elements in that of
// plan.red; grids are capped, so each kernel loops over the outputs its grid does not cover.
template <class Op, class T>
__device__ __forceinline__ typename Op::A fold(typename Op::A acc, const T* row, const Dims& red, int64_t j) {
  int64_t xo, unused;
  dims_offsets(red, j, xo, unused);
  return Op::step(acc, row[xo], j);
}

template <class Op, class T>
__global__ void reduce_cols_kernel(typename Op::O* y, const T* x, Dims kept, Dims red, int64_t kept_n, int64_t red_n) {
  TT_GRID_STRIDE(o, kept_n) {
    int64_t xo, yo;
    dims_offsets(kept, o, xo, yo);
    typename Op::A acc = Op::init();
    for (int64_t j = 0; j < red_n; ++j) acc = fold<Op>(acc, x + xo, red, j);
    y[yo] = Op::out(acc, red_n);
  }
}

template <class Op, class T>
__global__ void reduce_warps_kernel(typename Op::O* y, const T* x, Dims kept, Dims red, int64_t kept_n, int64_t red_n) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = blockDim.x / kWarp;
  for (int64_t o = int64_t(blockIdx.x) * warps + threadIdx.x / kWarp; o < kept_n; o += int64_t(gridDim.x) * warps) {
    int64_t xo, yo;
    dims_offsets(kept, o, xo, yo);
    typename Op::A acc = Op::init();
    for (int64_t j = lane; j < red_n; j += kWarp) acc = fold<Op>(acc, x + xo, red, j);
    acc = warp_reduce<Op>(acc);
    if (lane == 0) y[yo] = Op::out(acc, red_n);
  }
}

// Launched with up to 1024 threads (plan_reduce), so registers must fit 64 a thread.
template <class Op, class T>
__global__ void __launch_bounds__(1024) reduce_block_kernel(typename Op::O* y, const T* x, Dims kept, Dims red, int64_t kept_n, int64_t red_n) {
  for (int64_t o = blockIdx.x; o < kept_n; o += gridDim.x) {
    int64_t xo, yo;
    dims_offsets(kept, o, xo, yo);
    typename Op::A acc = Op::init();
    for (int64_t j = threadIdx.x; j < red_n; j += blockDim.x) acc = fold<Op>(acc, x + xo, red, j);
    acc = block_reduce<Op>(acc);
    if (threadIdx.x == 0) y[yo] = Op::out(acc, red_n);
  }
}

// ---- scans along one dim: rows in the row-major order of plan.other, n elements sx (sy) apart
template <class T, bool Log>
__global__ void softmax_kernel(T* y, const T* x, Dims other, int64_t rows, int64_t n, int64_t sx, int64_t sy) {
  using A = Wide<T>;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    int64_t xo, yo;
    dims_offsets(other, r, xo, yo);
    const T* xr = x + xo;
    T* yr = y + yo;
    A m = MaxJoin<A>::init();
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = MaxJoin<A>::join(m, widen(xr[j * sx]));
    m = block_reduce<MaxJoin<A>>(m);
    A s = 0;  // a row of -inf has m = -inf, so x - m and everything after is NaN, as torch
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += om::exp(widen(xr[j * sx]) - m);
    s = block_reduce<SumJoin<A>>(s);
    const A ls = om::log(s), inv = A(1) / s;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      A d = widen(xr[j * sx]) - m;
      yr[j * sy] = To<T>::from(Log ? d - ls : om::exp(d) * inv);
    }
  }
}

// One thread per row: rows are many where scans are used (cumsum over a sequence dim), and a serial scan keeps
// the CPU's order of rounding.
template <class T, bool Prod>
__global__ void cumulative_kernel(T* y, const T* x, Dims other, int64_t rows, int64_t n, int64_t sx, int64_t sy) {
  using A = typename Arith<T>::A;
  TT_GRID_STRIDE(r, rows) {
    int64_t xo, yo;
    dims_offsets(other, r, xo, yo);
    A a = Prod ? A(1) : A(0);
    for (int64_t j = 0; j < n; ++j) {
      A v = A(widen(x[xo + j * sx]));
      a = Prod ? a * v : a + v;
      y[yo + j * sy] = To<T>::from(a);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// launchers

// The dtypes each op's kernel takes (all that validate.cpp admits for it); 0: not an op of this file.
constexpr uint32_t dtypes_of(int32_t op) {
  switch (op) {
    case TT_OP_SUM: case TT_OP_PROD: case TT_OP_CUMSUM: case TT_OP_CUMPROD: return kNumeric;
    case TT_OP_MEAN: case TT_OP_SOFTMAX: case TT_OP_LOG_SOFTMAX: return kFloats;
    case TT_OP_MAX: case TT_OP_MIN: case TT_OP_ARGMAX: case TT_OP_ARGMIN: case TT_OP_ALL: case TT_OP_ANY:
      return kAllDtypes;
  }
  return 0;
}

// Calls f(T{}) with the storage type of dtype where Mask holds it, instantiating nothing for the others.
template <uint32_t Mask, class F>
bool dispatch(int32_t dtype, F&& f) {
  bool done = false;
  auto one = [&](auto t, int32_t code) {
    if (dtype == code) {
      f(t);
      done = true;
    }
  };
  if constexpr (Mask & dtype_bit(TT_FLOAT32)) one(float{}, TT_FLOAT32);
  if constexpr (Mask & dtype_bit(TT_FLOAT64)) one(double{}, TT_FLOAT64);
  if constexpr (Mask & dtype_bit(TT_FLOAT16)) one(__half{}, TT_FLOAT16);
  if constexpr (Mask & dtype_bit(TT_BFLOAT16)) one(__nv_bfloat16{}, TT_BFLOAT16);
  if constexpr (Mask & dtype_bit(TT_INT32)) one(int32_t{}, TT_INT32);
  if constexpr (Mask & dtype_bit(TT_INT64)) one(int64_t{}, TT_INT64);
  if constexpr (Mask & dtype_bit(TT_UINT8)) one(uint8_t{}, TT_UINT8);
  if constexpr (Mask & dtype_bit(TT_BOOL)) one(Bool8{}, TT_BOOL);
  return done;
}

tt_status no_dtype(const Call& c) {
  return fail(TT_ERR_DTYPE, "%s: the cuda backend does not take %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
}

template <class Op, class T>
void launch_reduce(const Call& c, bool ordered) {
  const tt_view &x = c.in[0], &y = c.out[0];
  const ReducePlan p = plan_reduce(x, y, c.attr<tt_reduce_attrs>().axes, ordered);
  typename Op::O* yp = data_ptr<typename Op::O>(y);
  const T* xp = data_ptr<const T>(x);
  const unsigned grid = unsigned(p.launch.grid), block = unsigned(p.launch.block);
  switch (p.kernel) {
    case kReduceNone: break;
    case kReduceCols: reduce_cols_kernel<Op><<<grid, block>>>(yp, xp, p.kept, p.red, p.kept_n, p.red_n); break;
    case kReduceWarps: reduce_warps_kernel<Op><<<grid, block>>>(yp, xp, p.kept, p.red, p.kept_n, p.red_n); break;
    case kReduceBlock: reduce_block_kernel<Op><<<grid, block>>>(yp, xp, p.kept, p.red, p.kept_n, p.red_n); break;
  }
}

// Op<T> for each dtype the op takes; `ordered`: the op counts indices in the reduced dims' own order.
template <int32_t Opcode, template <class> class Op, bool Ordered = false>
tt_status reduce(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  auto run = [&](auto t) { launch_reduce<Op<decltype(t)>, decltype(t)>(c, Ordered); };
  if (!dispatch<dtypes_of(Opcode)>(c.in[0].dtype, run)) return no_dtype(c);
  return launched(c);
}

template <class T>
using Max = Extreme<T, true>;
template <class T>
using Min = Extreme<T, false>;
template <class T>
using ArgMax = Arg<T, true>;
template <class T>
using ArgMin = Arg<T, false>;
template <class T>
using All = Logical<T, true>;
template <class T>
using Any = Logical<T, false>;

template <int32_t Opcode, bool Flag>
tt_status scan(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  constexpr bool kSoftmax = Opcode == TT_OP_SOFTMAX || Opcode == TT_OP_LOG_SOFTMAX;
  const tt_view &x = c.in[0], &y = c.out[0];
  const ScanPlan p = plan_scan(x, y, c.attr<tt_dim_attrs>().dim, kSoftmax);
  auto run = [&](auto t) {
    using T = decltype(t);
    if (p.rows == 0 || p.n == 0) return;
    const unsigned grid = unsigned(p.launch.grid), block = unsigned(p.launch.block);
    if constexpr (kSoftmax)
      softmax_kernel<T, Flag><<<grid, block>>>(data_ptr<T>(y), data_ptr<const T>(x), p.other, p.rows, p.n, p.sx, p.sy);
    else
      cumulative_kernel<T, Flag><<<grid, block>>>(data_ptr<T>(y), data_ptr<const T>(x), p.other, p.rows, p.n, p.sx, p.sy);
  };
  if (!dispatch<dtypes_of(Opcode)>(c.in[0].dtype, run)) return no_dtype(c);
  return launched(c);
}

}  // namespace

uint32_t reduce_dtypes(int32_t op) { return dtypes_of(op); }

void register_reduce(Kernel* t) {
  t[TT_OP_SUM] = reduce<TT_OP_SUM, Sum>;
  t[TT_OP_MEAN] = reduce<TT_OP_MEAN, Mean>;
  t[TT_OP_PROD] = reduce<TT_OP_PROD, Prod>;
  t[TT_OP_MAX] = reduce<TT_OP_MAX, Max>;
  t[TT_OP_MIN] = reduce<TT_OP_MIN, Min>;
  t[TT_OP_ARGMAX] = reduce<TT_OP_ARGMAX, ArgMax, true>;
  t[TT_OP_ARGMIN] = reduce<TT_OP_ARGMIN, ArgMin, true>;
  t[TT_OP_ALL] = reduce<TT_OP_ALL, All>;
  t[TT_OP_ANY] = reduce<TT_OP_ANY, Any>;
  t[TT_OP_SOFTMAX] = scan<TT_OP_SOFTMAX, false>;
  t[TT_OP_LOG_SOFTMAX] = scan<TT_OP_LOG_SOFTMAX, true>;
  t[TT_OP_CUMSUM] = scan<TT_OP_CUMSUM, false>;
  t[TT_OP_CUMPROD] = scan<TT_OP_CUMPROD, true>;
}

}  // namespace cu
}  // namespace tt
