// Random numbers: RAND_UNIFORM, RAND_NORMAL, RAND_INT from Philox 4x32-10 (Salmon et al., SC'11).
//
// The stream, which every backend reproduces:
// - Element i of the output (row-major order of its shape, whatever its strides) takes the Philox block of
//   key = (seed low 32 bits, seed high 32 bits) and counter = (offset + i low 32, offset + i high 32, 0, 0),
//   words w0..w3. The caller advances `offset` by the element count after each call.
// - RAND_UNIFORM: float32, float16, bfloat16: u = (w0 >> 8) * 2^-24; float64: u = ((w0:w1) >> 11) * 2^-53,
//   where w0:w1 is the 64-bit number with w0 high. The value a + (b - a) u is computed in double and rounded to
//   the dtype; one that rounds up to b becomes the largest value of the dtype below b (or a, if none is >= a).
// - RAND_NORMAL: Box-Muller, z = sqrt(-2 ln u1) cos(2 pi u2), value a + b z. float32/16/bf16 compute in float
//   with u1 = ((w0 >> 8) + 1) * 2^-24 (in (0, 1], so the log is finite) and u2 = (w1 >> 8) * 2^-24; float64
//   computes in double with u1 = (((w0:w1) >> 11) + 1) * 2^-53 and u2 = ((w2:w3) >> 11) * 2^-53.
// - RAND_INT: r = w0:w1, reduced to [0, b - a) by Lemire's multiply-shift with rejection (unbiased); a rejected
//   draw takes w2:w3 next, then w0:w1 and w2:w3 of the blocks with counter word 2 = 1, 2, ... in turn.
//   A range of 2^64 takes r itself.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../opmath/philox.h"
#include "isa.h"
#include "loops.h"

namespace tt {
namespace generic {
namespace {

constexpr int kLanes = 8;  // blocks computed together, in fixed-length loops that GCC vectorizes

struct Blocks {
  uint32_t w[4][kLanes];
};

// Philox 4x32-10 for the counters (c, c2), (c + 1, c2), ... (c + kLanes - 1, c2).
inline void philox(uint64_t seed, uint64_t counter, uint32_t c2_init, Blocks& out) {
  uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    c0[l] = uint32_t(counter + uint64_t(l));
    c1[l] = uint32_t((counter + uint64_t(l)) >> 32);
    c2[l] = c2_init;
    c3[l] = 0;
  }
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    for (int l = 0; l < kLanes; ++l) om::philox_round(c0[l], c1[l], c2[l], c3[l], k0, k1);
    k0 += om::kPhiloxW0;
    k1 += om::kPhiloxW1;
  }
  for (int l = 0; l < kLanes; ++l) {
    out.w[0][l] = c0[l];
    out.w[1][l] = c1[l];
    out.w[2][l] = c2[l];
    out.w[3][l] = c3[l];
  }
}

inline om::PhiloxBlock lane_block(const Blocks& blk, int l) {
  return om::PhiloxBlock{{blk.w[0][l], blk.w[1][l], blk.w[2][l], blk.w[3][l]}};
}

// Walks the output in row-major order, kLanes elements at a time: value(blocks, lane, counter) gives the element.
template <class T, class Value>
void generate(const Call& c, const Value& value) {
  const tt_view& out = c.out[0];
  const tt_random_attrs& a = c.attr<tt_random_attrs>();
  const tt_view* views[1] = {&out};
  Walk<1> w(views);
  parallel_for(w.numel(), 16384, [&](int64_t begin, int64_t end) {
    int64_t pos = begin;
    w.run_range(begin, end, [&](char* const* p, const int64_t* s, int64_t n) {
      Blocks blk;
      for (int64_t i = 0; i < n; i += kLanes) {
        const uint64_t counter = a.offset + uint64_t(pos + i);
        philox(a.seed, counter, 0, blk);
        const int lanes = int(std::min<int64_t>(kLanes, n - i));
        for (int l = 0; l < lanes; ++l) {
          T v = value(blk, l, counter + uint64_t(l));
          std::memcpy(p[0] + (i + l) * s[0], &v, sizeof v);
        }
      }
      pos += n;
    });
  });
}

// The floating dtypes as (storage T, from double, to double, the next value toward -inf).
struct F32 {
  using T = float;
  static T enc(double v) { return float(v); }
  static double dec(T x) { return x; }
  static T down(T x) { return std::nextafter(x, -INFINITY); }
};
struct F64 {
  using T = double;
  static T enc(double v) { return v; }
  static double dec(T x) { return x; }
  static T down(T x) { return std::nextafter(x, -INFINITY); }
};
// float16 and bfloat16 bits are sign-magnitude: a step down is -1 on a positive magnitude, +1 on a negative one.
inline uint16_t down16(uint16_t x) { return x == 0 ? uint16_t(0x8001) : (x & 0x8000) ? uint16_t(x + 1) : uint16_t(x - 1); }
struct F16 {
  using T = uint16_t;
  static T enc(double v) { return float_to_half(float(v)); }
  static double dec(T x) { return half_to_float(x); }
  static T down(T x) { return down16(x); }
};
struct BF16 {
  using T = uint16_t;
  static T enc(double v) { return float_to_bf16(float(v)); }
  static double dec(T x) { return bf16_to_float(x); }
  static T down(T x) { return down16(x); }
};

template <class F>
void uniform(const Call& c) {
  using T = typename F::T;
  const double a = c.attr<tt_random_attrs>().a, b = c.attr<tt_random_attrs>().b, span = b - a;
  // the largest value below b, kept at a or above when the dtype has nothing in [a, b)
  T below = F::enc(b);
  while (F::dec(below) >= b) below = F::down(below);
  if (F::dec(below) < a) below = F::enc(a);
  generate<T>(c, [&](const Blocks& blk, int l, uint64_t) {
    const double u = std::is_same_v<T, double> ? om::uniform53(blk.w[0][l], blk.w[1][l]) : om::uniform24(blk.w[0][l]);
    const T v = F::enc(a + span * u);
    return F::dec(v) < b ? v : below;
  });
}

template <class F>
void normal(const Call& c) {
  using T = typename F::T;
  const double mean = c.attr<tt_random_attrs>().a, std = c.attr<tt_random_attrs>().b;
  if constexpr (std::is_same_v<T, double>) {
    generate<T>(c, [&](const Blocks& blk, int l, uint64_t) {
      const double u1 = om::uniform53(blk.w[0][l], blk.w[1][l], 1), u2 = om::uniform53(blk.w[2][l], blk.w[3][l]);
      return mean + std * (std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    });
  } else {
    const float m = float(mean), sd = float(std);
    generate<T>(c, [&](const Blocks& blk, int l, uint64_t) {
      const float u1 = om::uniform24(blk.w[0][l], 1), u2 = om::uniform24(blk.w[1][l]);
      return F::enc(m + sd * (std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2)));
    });
  }
}

template <class T>
tt_status integers(const Call& c, double lo, double hi) {
  const tt_random_attrs& attrs = c.attr<tt_random_attrs>();
  const double a = attrs.a, b = attrs.b;
  if (std::floor(a) != a || std::floor(b) != b || a < lo || b > hi)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: range [%.17g, %.17g) must hold integers within %s", tt_op_name(c.op), a,
                b, tt_dtype_name(c.out[0].dtype));
  const int64_t first = int64_t(a);  // a < b <= 2^63, so a fits
  const int64_t last = b >= 0x1p63 ? INT64_MAX : int64_t(b) - 1;
  const uint64_t range = uint64_t(last) - uint64_t(first) + 1;  // 0 stands for 2^64
  generate<T>(c, [&](const Blocks& blk, int l, uint64_t counter) {
    return T(uint64_t(first) + om::draw_below(range, lane_block(blk, l), attrs.seed, counter));  // wraps into T's range
  });
  return TT_OK;
}

tt_status uniform_kernel(const Call& c) {
  switch (c.out[0].dtype) {
    case TT_FLOAT32: uniform<F32>(c); return TT_OK;
    case TT_FLOAT64: uniform<F64>(c); return TT_OK;
    case TT_FLOAT16: uniform<F16>(c); return TT_OK;
    case TT_BFLOAT16: uniform<BF16>(c); return TT_OK;
  }
  return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", tt_op_name(c.op), tt_dtype_name(c.out[0].dtype));
}

tt_status normal_kernel(const Call& c) {
  switch (c.out[0].dtype) {
    case TT_FLOAT32: normal<F32>(c); return TT_OK;
    case TT_FLOAT64: normal<F64>(c); return TT_OK;
    case TT_FLOAT16: normal<F16>(c); return TT_OK;
    case TT_BFLOAT16: normal<BF16>(c); return TT_OK;
  }
  return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", tt_op_name(c.op), tt_dtype_name(c.out[0].dtype));
}

tt_status int_kernel(const Call& c) {
  switch (c.out[0].dtype) {
    case TT_INT32: return integers<int32_t>(c, -0x1p31, 0x1p31);
    case TT_INT64: return integers<int64_t>(c, -0x1p63, 0x1p63);
    case TT_UINT8: return integers<uint8_t>(c, 0, 256);
    case TT_BOOL: return integers<uint8_t>(c, 0, 2);
  }
  return fail(TT_ERR_DTYPE, "%s: takes integer dtypes, not %s", tt_op_name(c.op), tt_dtype_name(c.out[0].dtype));
}

}  // namespace

void register_random(Kernel* table) {
  table[TT_OP_RAND_UNIFORM] = uniform_kernel;
  table[TT_OP_RAND_NORMAL] = normal_kernel;
  table[TT_OP_RAND_INT] = int_kernel;
}

}  // namespace generic
}  // namespace tt
