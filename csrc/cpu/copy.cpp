// COPY (strided copy with dtype conversion), FILL and ARANGE.
//
// Conversion rules, for every pair of the 8 dtypes:
// - float -> integer truncates toward zero as C and torch do, but is defined for every input (C leaves NaN
//   and out-of-range values undefined): NaN gives 0, values beyond int32/int64 saturate to the type's range,
//   and uint8 takes the saturated int64 result modulo 256 (so -1.0 -> 255, as torch and NumPy give on x86).
// - integer -> integer wraps (two's complement), as torch.
// - anything -> bool is `!= 0` (NaN -> true); bool -> anything is 0 or 1.
// - float16/bfloat16 round to nearest even (the helpers of core/internal.h); double -> half goes through float.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "isa.h"
#include "loops.h"
#include "stream.h"

namespace tt {
namespace generic {
namespace {

// Storage types of the dtypes that C++ lacks. A bool element is read as a byte, so that any non-zero byte
// counts as true (loading a byte other than 0/1 as C++ bool would be undefined).
struct f16 { uint16_t bits; };
struct bf16 { uint16_t bits; };
struct boolean { uint8_t byte; };

template <class F>
inline void with_type(int32_t dtype, const F& f) {
  switch (dtype) {
    case TT_FLOAT32: return f(float{});
    case TT_FLOAT64: return f(double{});
    case TT_FLOAT16: return f(f16{});
    case TT_BFLOAT16: return f(bf16{});
    case TT_INT32: return f(int32_t{});
    case TT_INT64: return f(int64_t{});
    case TT_UINT8: return f(uint8_t{});
    case TT_BOOL: return f(boolean{});
  }
}

// Every element passes through a wide value on its way: float (float32/16, bfloat16), double, int64 or bool.
inline float load(float x) { return x; }
inline double load(double x) { return x; }
inline float load(f16 x) { return half_to_float(x.bits); }
inline float load(bf16 x) { return bf16_to_float(x.bits); }
inline int64_t load(int32_t x) { return x; }
inline int64_t load(int64_t x) { return x; }
inline int64_t load(uint8_t x) { return x; }
inline bool load(boolean x) { return x.byte != 0; }

template <class I>
inline I float_to_int(double v) {
  if (v != v) return 0;
  if constexpr (std::is_same_v<I, uint8_t>) {
    return uint8_t(uint64_t(float_to_int<int64_t>(v)));
  } else {
    constexpr double limit = -double(std::numeric_limits<I>::min());  // 2^31 or 2^63, exact in double
    if (v >= limit) return std::numeric_limits<I>::max();
    if (v < -limit) return std::numeric_limits<I>::min();
    return I(v);
  }
}

template <class D, class W>
inline D store(W w) {
  if constexpr (std::is_same_v<W, bool>) {
    return store<D>(int64_t(w));
  } else if constexpr (std::is_same_v<D, boolean>) {
    return boolean{uint8_t(w != 0)};
  } else if constexpr (std::is_same_v<D, f16>) {
    return f16{float_to_half(float(w))};
  } else if constexpr (std::is_same_v<D, bf16>) {
    return bf16{float_to_bf16(float(w))};
  } else if constexpr (std::is_floating_point_v<D> || std::is_integral_v<W>) {
    return D(w);  // int -> float rounds; int -> int wraps
  } else {
    return float_to_int<D>(w);
  }
}

template <class D, class S>
inline D convert(S s) {
  return store<D>(load(s));
}

// One row of a copy: n elements at byte strides.
using RowFn = void (*)(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t n);

template <class S, class D>
void convert_row(char* dst, int64_t ds, const char* src, int64_t ss, int64_t n) {
  if (ds == int64_t(sizeof(D)) && ss == int64_t(sizeof(S))) {
    D* __restrict d = reinterpret_cast<D*>(dst);
    const S* __restrict s = reinterpret_cast<const S*>(src);
    for (int64_t i = 0; i < n; ++i) d[i] = convert<D>(s[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<D*>(dst + i * ds) = convert<D>(*reinterpret_cast<const S*>(src + i * ss));
  }
}

// ---- contiguous float32 <-> float16/bfloat16/float64, four lanes at a time with GCC vector extensions (16-byte
// vectors: SSE2 and NEON have them everywhere). They give the same bits as the scalar helpers of core/internal.h
// (checked exhaustively for 16-bit inputs). A cast between vector types of one width reinterprets the bits.
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef uint16_t u16x4 __attribute__((vector_size(8)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x4 __attribute__((vector_size(32)));

// Lane-wise `mask ? a : b` for a comparison mask, in plain bit operations (GCC's `?:` on vectors may go per lane).
inline u32x4 select(u32x4 mask, u32x4 a, u32x4 b) { return (a & mask) | (b & ~mask); }
#define TT_MASK(cond) ((u32x4)(cond))

inline void half_from_float4(f16* dst, const float* src) {
  u32x4 x;
  std::memcpy(&x, src, sizeof x);
  u32x4 sign = (x >> 16) & 0x8000, a = x & 0x7fffffff;
  // normal halves: rebias the exponent, round the 13 dropped bits to nearest even (a carry may bump the exponent)
  u32x4 normal = (a - 0x38000000u + 0xfffu + ((a >> 13) & 1)) >> 13;
  // subnormal halves: adding 0.5f leaves the value in units of 2^-24 in the low mantissa bits, rounded by the FPU
  u32x4 sub = (u32x4)((f32x4)a + 0.5f) - 0x3f000000u;
  u32x4 h = select(TT_MASK(a < 0x38800000u), sub, normal);
  h = select(TT_MASK(a >= 0x477ff000u), a - a + 0x7c00u, h);  // overflows to infinity
  h = select(TT_MASK(a > 0x7f800000u), 0x7e00u | ((a >> 13) & 0x3ff), h);  // NaN: quiet, payload kept
  u16x4 out = __builtin_convertvector(h | sign, u16x4);
  std::memcpy(dst, &out, sizeof out);
}

inline void float_from_half4(float* dst, const f16* src) {
  u16x4 h16;
  std::memcpy(&h16, src, sizeof h16);
  u32x4 h = __builtin_convertvector(h16, u32x4);
  u32x4 o = ((h & 0x7fff) << 13) + 0x38000000u;  // rebias 15 -> 127
  u32x4 e = h & 0x7c00;
  o = select(TT_MASK(e == 0x7c00), o + 0x38000000u, o);  // infinity, NaN: exponent all ones
  // zero, subnormal: exponent set to 2^-14, then 2^-14 taken away in float arithmetic (exact)
  o = select(TT_MASK(e == 0), (u32x4)((f32x4)(o + 0x00800000u) - 6.103515625e-05f), o);
  o |= (h & 0x8000) << 16;
  std::memcpy(dst, &o, sizeof o);
}

inline void bf16_from_float4(bf16* dst, const float* src) {
  u32x4 x;
  std::memcpy(&x, src, sizeof x);
  u32x4 rounded = (x + 0x7fffu + ((x >> 16) & 1)) >> 16;
  u32x4 h = select(TT_MASK((x & 0x7fffffff) > 0x7f800000u), (x >> 16) | 0x40, rounded);  // NaN stays a quiet NaN
  u16x4 out = __builtin_convertvector(h, u16x4);
  std::memcpy(dst, &out, sizeof out);
}
#undef TT_MASK

inline void float_from_bf16_4(float* dst, const bf16* src) {
  u16x4 h;
  std::memcpy(&h, src, sizeof h);
  u32x4 o = __builtin_convertvector(h, u32x4) << 16;
  std::memcpy(dst, &o, sizeof o);
}

inline void double_from_float4(double* dst, const float* src) {
  f32x4 x;
  std::memcpy(&x, src, sizeof x);
  f64x4 o = __builtin_convertvector(x, f64x4);
  std::memcpy(dst, &o, sizeof o);
}

inline void float_from_double4(float* dst, const double* src) {
  f64x4 x;
  std::memcpy(&x, src, sizeof x);
  f32x4 o = __builtin_convertvector(x, f32x4);
  std::memcpy(dst, &o, sizeof o);
}

// The row of a pair with a vector routine: that routine when both operands are contiguous.
template <class S, class D, void (*Fn4)(D*, const S*)>
void vector_row(char* dst, int64_t ds, const char* src, int64_t ss, int64_t n) {
  if (ds != int64_t(sizeof(D)) || ss != int64_t(sizeof(S))) return convert_row<S, D>(dst, ds, src, ss, n);
  D* d = reinterpret_cast<D*>(dst);
  const S* s = reinterpret_cast<const S*>(src);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) Fn4(d + i, s + i);
  for (; i < n; ++i) d[i] = convert<D>(s[i]);
}

template <class S, class D>
RowFn pick_row() {
  if constexpr (std::is_same_v<S, float> && std::is_same_v<D, f16>) return vector_row<S, D, half_from_float4>;
  if constexpr (std::is_same_v<S, f16> && std::is_same_v<D, float>) return vector_row<S, D, float_from_half4>;
  if constexpr (std::is_same_v<S, float> && std::is_same_v<D, bf16>) return vector_row<S, D, bf16_from_float4>;
  if constexpr (std::is_same_v<S, bf16> && std::is_same_v<D, float>) return vector_row<S, D, float_from_bf16_4>;
  if constexpr (std::is_same_v<S, float> && std::is_same_v<D, double>) return vector_row<S, D, double_from_float4>;
  if constexpr (std::is_same_v<S, double> && std::is_same_v<D, float>) return vector_row<S, D, float_from_double4>;
  return convert_row<S, D>;
}

// Same dtype: a copy of element-sized words.
template <class T>
void move_row(char* dst, int64_t ds, const char* src, int64_t ss, int64_t n) {
  if (ds == int64_t(sizeof(T)) && ss == int64_t(sizeof(T))) {
    std::memcpy(dst, src, size_t(n) * sizeof(T));
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * ds, src + i * ss, sizeof(T));  // one load and store of a T, any alignment
}

RowFn move_row_for(int64_t size) {
  switch (size) {
    case 1: return move_row<uint8_t>;
    case 2: return move_row<uint16_t>;
    case 4: return move_row<uint32_t>;
    default: return move_row<uint64_t>;
  }
}

// A walk whose innermost stride jumps between cache lines for one operand while that operand is compact
// along the next dim (a transpose) goes tile by tile over its last two dims, so that both operands stay in cache.
bool wants_tiles(const Walk<2>& w) {
  if (w.ndim < 2 || w.shape[w.ndim - 1] < 16 || w.shape[w.ndim - 2] < 16) return false;
  for (int k = 0; k < 2; ++k) {
    int64_t inner = std::llabs(w.strides[k][w.ndim - 1]), next = std::llabs(w.strides[k][w.ndim - 2]);
    if (inner > 64 && next < inner) return true;
  }
  return false;
}

void run_tiled(const Walk<2>& w, RowFn row) {
  constexpr int64_t T = 32;
  const int nd = w.ndim;
  const int64_t rows = w.shape[nd - 2], cols = w.shape[nd - 1], row_blocks = (rows + T - 1) / T;
  const int64_t outer = w.numel() / (rows * cols);
  const int64_t grain = std::max<int64_t>(1, 32768 / (T * cols));
  parallel_for(outer * row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      char* p[2] = {w.base[0], w.base[1]};
      for (int64_t o = u / row_blocks, d = nd - 3; d >= 0; --d) {  // the outer dims of block u
        for (int k = 0; k < 2; ++k) p[k] += (o % w.shape[d]) * w.strides[k][d];
        o /= w.shape[d];
      }
      const int64_t r0 = u % row_blocks * T, r1 = std::min(rows, r0 + T);
      const int64_t *s0 = w.strides[0] + nd - 2, *s1 = w.strides[1] + nd - 2;
      for (int64_t c0 = 0; c0 < cols; c0 += T)
        for (int64_t r = r0; r < r1; ++r)
          row(p[0] + r * s0[0] + c0 * s0[1], s0[1], p[1] + r * s1[0] + c0 * s1[1], s1[1], std::min(T, cols - c0));
    }
  });
}

// The input may be the output itself (x.copy_(x), an in-place cast of a view onto itself): identical views
// of one dtype are left as they are. Other overlaps between input and output are not supported.
tt_status copy_kernel(const Call& c) {
  const tt_view &in = c.in[0], &out = c.out[0];
  if (numel(out) == 0) return TT_OK;
  const tt_view* views[2] = {&out, &in};
  Walk<2> w(views);
  RowFn row = nullptr;
  if (in.dtype == out.dtype) {
    const int64_t size = dtype_size(out.dtype);
    bool same = w.base[0] == w.base[1];
    for (int d = 0; d < w.ndim && same; ++d) same = w.strides[0][d] == w.strides[1][d];
    if (same) return TT_OK;
    if (w.ndim == 1 && w.strides[0][0] == size && w.strides[1][0] == size) {
      char* dst = w.base[0];
      const char* src = w.base[1];
      const int64_t bytes = w.shape[0] * size;
      const bool stream = should_stream(bytes);
      parallel_for(bytes, int64_t(1) << 20, [&](int64_t b, int64_t e) {
        if (!stream) return (void)std::memcpy(dst + b, src + b, size_t(e - b));
        const Lane<uint8_t> bytes_in{reinterpret_cast<const uint8_t*>(src) + b, false};
        vector_row<true>(reinterpret_cast<uint8_t*>(dst) + b, e - b, [](auto v) { return v; }, bytes_in);
      });
      return TT_OK;
    }
    row = move_row_for(size);
  } else {
    with_type(in.dtype, [&](auto s) {
      with_type(out.dtype, [&](auto d) { row = pick_row<decltype(s), decltype(d)>(); });
    });
  }
  if (wants_tiles(w)) {
    run_tiled(w, row);
  } else {
    w.run([&](char* const* p, const int64_t* s, int64_t n) { row(p[0], s[0], p[1], s[1], n); });
  }
  return TT_OK;
}

// FILL: the value converted once to the dtype's bytes, then stored as raw words (whole blocks when contiguous).
template <class T>
void fill_words(const Walk<1>& w, T value) {
  w.run([&](char* const* p, const int64_t* s, int64_t n) {
    if (s[0] == int64_t(sizeof(T))) {
      T block[64];
      for (T& b : block) b = value;
      int64_t i = 0;
      for (; i + 64 <= n; i += 64) std::memcpy(p[0] + i * sizeof(T), block, sizeof block);
      std::memcpy(p[0] + i * sizeof(T), block, size_t(n - i) * sizeof(T));
    } else {
      for (int64_t i = 0; i < n; ++i) std::memcpy(p[0] + i * s[0], &value, sizeof(T));
    }
  });
}

tt_status fill_kernel(const Call& c) {
  const tt_view& out = c.out[0];
  const tt_fill_attrs& a = c.attr<tt_fill_attrs>();
  if (numel(out) == 0) return TT_OK;
  uint64_t word = 0;
  with_type(out.dtype, [&](auto d) {
    using D = decltype(d);
    D v = is_float(out.dtype) ? store<D>(a.value) : store<D>(a.ivalue);
    std::memcpy(&word, &v, sizeof v);
  });
  const tt_view* views[1] = {&out};
  Walk<1> w(views);
  switch (dtype_size(out.dtype)) {
    case 1: fill_words(w, uint8_t(word)); break;
    case 2: fill_words(w, uint16_t(word)); break;
    case 4: fill_words(w, uint32_t(word)); break;
    default: fill_words(w, word); break;
  }
  return TT_OK;
}

// ARANGE: each element computed from its index (no running sum, so no drift and no order dependence);
// integers wrap in unsigned arithmetic.
tt_status arange_kernel(const Call& c) {
  const tt_view& out = c.out[0];
  const tt_arange_attrs& a = c.attr<tt_arange_attrs>();
  char* base = data_ptr(out);
  const int64_t stride = out.strides[0] * dtype_size(out.dtype);
  with_type(out.dtype, [&](auto d) {
    using D = decltype(d);
    parallel_for(out.shape[0], 32768, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        D v = is_float(out.dtype) ? store<D>(a.start + double(i) * a.step)
                                  : store<D>(int64_t(uint64_t(a.istart) + uint64_t(i) * uint64_t(a.istep)));
        std::memcpy(base + i * stride, &v, sizeof v);
      }
    });
  });
  return TT_OK;
}

}  // namespace

void register_copy(Kernel* table) {
  table[TT_OP_COPY] = copy_kernel;
  table[TT_OP_FILL] = fill_kernel;
  table[TT_OP_ARANGE] = arange_kernel;
}

}  // namespace generic
}  // namespace tt
