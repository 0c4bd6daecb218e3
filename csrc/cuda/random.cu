// RAND_UNIFORM, RAND_NORMAL and RAND_INT on CUDA: the stream of cpu/random.cpp, one Philox block per element
// from opmath/philox.h, so the integers and the uniforms match the CPU bit for bit. Products and sums are
// written with explicit rounding (__dmul_rn, __fadd_rn, ...) because nvcc would otherwise fuse them into FMAs
// that the CPU build does not make. RAND_NORMAL calls CUDA's logf/cosf (log/cos), which are not glibc's: its
// values agree with the CPU's to a few ulp, not bit for bit.
#include <cmath>
#include <type_traits>

#include "../core/ops.h"
#include "../opmath/philox.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// The floating dtypes as stored on the device: enc rounds a double as the CPU's F32/F64/F16/BF16 do (halves
// through float), dec widens back.
template <class T>
struct Dev;
template <>
struct Dev<float> {
  __device__ static float enc(double v) { return __double2float_rn(v); }
  __device__ static float enc(float v) { return v; }
  __device__ static double dec(float x) { return x; }
};
template <>
struct Dev<double> {
  __device__ static double enc(double v) { return v; }
  __device__ static double dec(double x) { return x; }
};
template <>
struct Dev<__half> {
  __device__ static __half enc(double v) { return __float2half_rn(__double2float_rn(v)); }
  __device__ static __half enc(float v) { return __float2half_rn(v); }
  __device__ static double dec(__half x) { return __half2float(x); }
};
template <>
struct Dev<__nv_bfloat16> {
  __device__ static __nv_bfloat16 enc(double v) { return __float2bfloat16_rn(__double2float_rn(v)); }
  __device__ static __nv_bfloat16 enc(float v) { return __float2bfloat16_rn(v); }
  __device__ static double dec(__nv_bfloat16 x) { return __bfloat162float(x); }
};

template <class T>
__global__ void uniform_kernel(T* out, Layout<1> l, int64_t n, uint64_t seed, uint64_t offset, double a,
                               double span, double b, T below) {
  TT_GRID_STRIDE(i, n) {
    const om::PhiloxBlock blk = om::philox_block(seed, offset + uint64_t(i), 0);
    const double u = std::is_same<T, double>::value ? om::uniform53(blk.w[0], blk.w[1]) : om::uniform24(blk.w[0]);
    const T v = Dev<T>::enc(__dadd_rn(a, __dmul_rn(span, u)));
    int64_t off[1];
    offsets(l, i, off);
    out[off[0]] = Dev<T>::dec(v) < b ? v : below;
  }
}

template <class T>
__global__ void normal_kernel(T* out, Layout<1> l, int64_t n, uint64_t seed, uint64_t offset, double mean,
                              double std) {
  TT_GRID_STRIDE(i, n) {
    const om::PhiloxBlock blk = om::philox_block(seed, offset + uint64_t(i), 0);
    T v;
    if constexpr (std::is_same<T, double>::value) {
      const double u1 = om::uniform53(blk.w[0], blk.w[1], 1), u2 = om::uniform53(blk.w[2], blk.w[3]);
      const double z = __dmul_rn(sqrt(-2.0 * log(u1)), cos(__dmul_rn(6.283185307179586, u2)));
      v = __dadd_rn(mean, __dmul_rn(std, z));
    } else {
      const float u1 = om::uniform24(blk.w[0], 1), u2 = om::uniform24(blk.w[1]);
      const float z = __fmul_rn(sqrtf(-2.0f * logf(u1)), cosf(__fmul_rn(6.2831853f, u2)));
      v = Dev<T>::enc(__fadd_rn(float(mean), __fmul_rn(float(std), z)));
    }
    int64_t off[1];
    offsets(l, i, off);
    out[off[0]] = v;
  }
}

template <class T>
__global__ void int_kernel(T* out, Layout<1> l, int64_t n, uint64_t seed, uint64_t offset, uint64_t first,
                           uint64_t range) {
  TT_GRID_STRIDE(i, n) {
    const uint64_t counter = offset + uint64_t(i);
    const uint64_t r = om::draw_below(range, om::philox_block(seed, counter, 0), seed, counter);
    int64_t off[1];
    offsets(l, i, off);
    out[off[0]] = T(first + r);  // wraps into T's range, as on the CPU
  }
}

// ---- host side: `below` is found exactly as cpu/random.cpp finds it, with the CPU's conversions.
template <class T>
struct Host;
template <>
struct Host<float> {
  static float enc(double v) { return float(v); }
  static double dec(float x) { return x; }
  static float down(float x) { return std::nextafter(x, -INFINITY); }
  static float store(float x) { return x; }
};
template <>
struct Host<double> {
  static double enc(double v) { return v; }
  static double dec(double x) { return x; }
  static double down(double x) { return std::nextafter(x, -INFINITY); }
  static double store(double x) { return x; }
};
inline uint16_t down16(uint16_t x) { return x == 0 ? uint16_t(0x8001) : (x & 0x8000) ? uint16_t(x + 1) : uint16_t(x - 1); }
inline __half_raw raw_half(uint16_t x) {
  __half_raw r;
  r.x = x;
  return r;
}
inline __nv_bfloat16_raw raw_bf16(uint16_t x) {
  __nv_bfloat16_raw r;
  r.x = x;
  return r;
}
template <>
struct Host<__half> {
  static uint16_t enc(double v) { return float_to_half(float(v)); }
  static double dec(uint16_t x) { return half_to_float(x); }
  static uint16_t down(uint16_t x) { return down16(x); }
  static __half store(uint16_t x) { return __half(raw_half(x)); }
};
template <>
struct Host<__nv_bfloat16> {
  static uint16_t enc(double v) { return float_to_bf16(float(v)); }
  static double dec(uint16_t x) { return bf16_to_float(x); }
  static uint16_t down(uint16_t x) { return down16(x); }
  static __nv_bfloat16 store(uint16_t x) { return __nv_bfloat16(raw_bf16(x)); }
};

template <class T>
tt_status uniform(const Call& c, const Layout<1>& l, int64_t n) {
  using H = Host<T>;
  const tt_random_attrs& attrs = c.attr<tt_random_attrs>();
  const double a = attrs.a, b = attrs.b;
  auto below = H::enc(b);  // the largest value below b, kept at a or above when the dtype has nothing in [a, b)
  while (H::dec(below) >= b) below = H::down(below);
  if (H::dec(below) < a) below = H::enc(a);
  uniform_kernel<T><<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), l, n, attrs.seed, attrs.offset, a, b - a, b,
                                                 H::store(below));
  return launched(c);
}

template <class T>
tt_status integers(const Call& c, const Layout<1>& l, int64_t n, double lo, double hi) {
  const tt_random_attrs& attrs = c.attr<tt_random_attrs>();
  const double a = attrs.a, b = attrs.b;
  if (std::floor(a) != a || std::floor(b) != b || a < lo || b > hi)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: range [%.17g, %.17g) must hold integers within %s", tt_op_name(c.op), a,
                b, tt_dtype_name(c.out[0].dtype));
  if (n == 0) return TT_OK;
  const int64_t first = int64_t(a);  // a < b <= 2^63, so a fits
  const int64_t last = b >= 0x1p63 ? INT64_MAX : int64_t(b) - 1;
  const uint64_t range = uint64_t(last) - uint64_t(first) + 1;  // 0 stands for 2^64
  int_kernel<T><<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), l, n, attrs.seed, attrs.offset, uint64_t(first),
                                             range);
  return launched(c);
}

template <class T>
tt_status normal(const Call& c, const Layout<1>& l, int64_t n) {
  const tt_random_attrs& attrs = c.attr<tt_random_attrs>();
  normal_kernel<T><<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), l, n, attrs.seed, attrs.offset, attrs.a,
                                                attrs.b);
  return launched(c);
}

template <class T>
tt_status floating(const Call& c, const Layout<1>& l, int64_t n) {
  if (n == 0) return TT_OK;
  return c.op == TT_OP_RAND_UNIFORM ? uniform<T>(c, l, n) : normal<T>(c, l, n);
}

tt_status random_kernel(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view& out = c.out[0];
  const int64_t n = numel(out);
  const tt_view* views[1] = {&out};
  const Layout<1> l = make_layout(views);
  switch (out.dtype) {
    case TT_FLOAT32: return floating<float>(c, l, n);
    case TT_FLOAT64: return floating<double>(c, l, n);
    case TT_FLOAT16: return floating<__half>(c, l, n);
    case TT_BFLOAT16: return floating<__nv_bfloat16>(c, l, n);
    case TT_INT32: return integers<int32_t>(c, l, n, -0x1p31, 0x1p31);
    case TT_INT64: return integers<int64_t>(c, l, n, -0x1p63, 0x1p63);
    case TT_UINT8: return integers<uint8_t>(c, l, n, 0, 256);
  }
  return fail(TT_ERR_DTYPE, "%s: the cuda backend does not take %s", tt_op_name(c.op), tt_dtype_name(out.dtype));
}

}  // namespace

uint32_t random_dtypes(int32_t op) {
  switch (op) {
    case TT_OP_RAND_UNIFORM: case TT_OP_RAND_NORMAL: return kFloats;
    case TT_OP_RAND_INT: return kInts;
    default: return 0;
  }
}

void register_random(Kernel* table) {
  table[TT_OP_RAND_UNIFORM] = random_kernel;
  table[TT_OP_RAND_NORMAL] = random_kernel;
  table[TT_OP_RAND_INT] = random_kernel;
}

}  // namespace cu
}  // namespace tt
