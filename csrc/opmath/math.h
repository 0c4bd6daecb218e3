// Branch-free float32 maths, the one exp/log/tanh/... that every backend's elementwise, softmax, loss, RNN and
// attention code calls. Each function is plain scalar code with no branches, calls or table lookups, so GCC
// vectorizes a loop that applies it at the width of the ISA the including file is compiled for, and a GPU
// thread runs it without divergence. Special inputs (inf, nan, -0, huge, subnormal) are handled with selects
// that match libm and PyTorch. Accuracy is a few ulp (checked against libm in double); polynomial coefficients
// are least-squares fits with relative weights on Chebyshev nodes, done for this file.
//
// Out-of-range conversions of NaN to integers would be UB, so integers come from the bits of a float
// rounded with the 1.5 * 2^23 (or 2^52) "magic" addition instead of from casts.
//
// float64 goes through the C library on the host and CUDA's maths on the device, under the same names, so
// that a functor templated on T calls om::exp(x) for both. Metal has no float64 (TT_OPMATH_NO_DOUBLE): there the
// float32 functions that would reduce in double (sin, cos, tan) are Metal's precise ones.
#pragma once
#include "hd.h"

#if defined(__METAL_VERSION__)
#include <metal_stdlib>
#else
#include <math.h>
#include <stdint.h>
#if !defined(__CUDA_ARCH__)
#include <string.h>
#endif
#endif

TT_OPMATH_BEGIN

#if defined(__METAL_VERSION__)
TT_HD_INLINE uint32_t bits(float x) { return metal::as_type<uint32_t>(x); }
TT_HD_INLINE float from_bits(uint32_t u) { return metal::as_type<float>(u); }
#elif defined(__CUDA_ARCH__)
TT_HD_INLINE uint32_t bits(float x) { return __float_as_uint(x); }
TT_HD_INLINE float from_bits(uint32_t u) { return __uint_as_float(u); }
TT_HD_INLINE uint64_t bits(double x) { return uint64_t(__double_as_longlong(x)); }
TT_HD_INLINE double from_bits(uint64_t u) { return __longlong_as_double((long long)u); }
#else
TT_HD_INLINE uint32_t bits(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  return u;
}
TT_HD_INLINE float from_bits(uint32_t u) {
  float x;
  memcpy(&x, &u, 4);
  return x;
}
TT_HD_INLINE uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return u;
}
TT_HD_INLINE double from_bits(uint64_t u) {
  double x;
  memcpy(&x, &u, 8);
  return x;
}
#endif
// c ? a : b for values that are already computed. Every select here goes through it: with a plain ?:
// GCC may move the computation of a value into the branch that uses it (or thread jumps through a
// clamp), and it does not vectorize a loop with an FP operation (which may trap) under a condition.
// A bitwise blend keeps both sides computed; it compiles to a vector blend.
TT_HD_INLINE float select(bool c, float a, float b) {
  uint32_t m = 0u - uint32_t(c);
  return from_bits((bits(a) & m) | (bits(b) & ~m));
}
#if !defined(TT_OPMATH_NO_DOUBLE)
TT_HD_INLINE double select(bool c, double a, double b) {
  uint64_t m = 0u - uint64_t(c);
  return from_bits((bits(a) & m) | (bits(b) & ~m));
}
#endif
// The float32 functions that are exact or correctly rounded everywhere: the platform's own.
#if defined(__METAL_VERSION__)
TT_HD_INLINE float fabs(float x) { return metal::fabs(x); }
TT_HD_INLINE float sqrt(float x) { return metal::precise::sqrt(x); }
TT_HD_INLINE float floor(float x) { return metal::floor(x); }
TT_HD_INLINE float ceil(float x) { return metal::ceil(x); }
TT_HD_INLINE float trunc(float x) { return metal::trunc(x); }
TT_HD_INLINE float nearbyint(float x) { return metal::rint(x); }  // half to even
TT_HD_INLINE float fmod(float a, float b) { return metal::precise::fmod(a, b); }
TT_HD_INLINE float copysign(float a, float b) { return metal::copysign(a, b); }
TT_HD_INLINE float pow(float a, float b) { return metal::precise::pow(a, b); }
#else
TT_HD_INLINE float fabs(float x) { return fabsf(x); }
TT_HD_INLINE float sqrt(float x) { return sqrtf(x); }
TT_HD_INLINE float floor(float x) { return floorf(x); }
TT_HD_INLINE float ceil(float x) { return ceilf(x); }
TT_HD_INLINE float trunc(float x) { return truncf(x); }
TT_HD_INLINE float nearbyint(float x) { return nearbyintf(x); }  // half to even: the default rounding mode
TT_HD_INLINE float fmod(float a, float b) { return fmodf(a, b); }
TT_HD_INLINE float copysign(float a, float b) { return copysignf(a, b); }
TT_HD_INLINE float pow(float a, float b) { return powf(a, b); }
#endif
// Comparisons written so that NaN passes through.
TT_HD_INLINE float clamp_nan(float x, float lo, float hi) {
  x = select(x < lo, lo, x);
  return select(x > hi, hi, x);
}
TT_HD_INLINE float copysign_pos(float magnitude, float sign_of) {  // magnitude has a clear sign bit
  return from_bits(bits(magnitude) | (bits(sign_of) & 0x80000000u));
}

constexpr float kInf = __builtin_inff();
constexpr float kNaN = __builtin_nanf("");
constexpr float kRound = 0x1.8p23f;  // adding it rounds |x| < 2^22 to an integer in the low mantissa bits
constexpr float kLn2Hi = 0x1.62e4p-1f;     // 16 bits: k * kLn2Hi is exact for |k| < 2^8
constexpr float kLn2Lo = 0x1.7f7d1cp-20f;  // ln 2 - kLn2Hi
constexpr float kLog2e = 0x1.715476p+0f;

// Reduction shared by exp and expm1: x = k ln2 + r, |r| <= ln2/2; returns r, k as an integer.
TT_HD_INLINE float exp_reduce(float x, int32_t& k) {
  float t = x * kLog2e + kRound;
  float kf = t - kRound;
  k = int32_t(bits(t) - bits(kRound));
  return (x - kf * kLn2Hi) - kf * kLn2Lo;
}
// expm1(r) for |r| <= ln2/2, to about 1 ulp relative.
TT_HD_INLINE float expm1_poly(float r) {
  float p = 1.985778217e-04f;
  p = p * r + 1.393359737e-03f;
  p = p * r + 8.333360776e-03f;
  p = p * r + 4.166646674e-02f;
  p = p * r + 1.666666716e-01f;
  p = p * r + 0.5f;
  return r + (r * r) * p;
}
TT_HD_INLINE float pow2i(int32_t k) { return from_bits(uint32_t(k + 127) << 23); }  // k in [-126, 127]

TT_HD_INLINE float exp(float x) {
  // Below -104 the result rounds to 0 and above 89 to inf; clamping keeps k in [-150, 128], and 2^k is
  // applied as two normal factors so that subnormal results come out right.
  int32_t k;
  float r = exp_reduce(clamp_nan(x, -104.f, 89.f), k);
  int32_t k1 = k >> 1;
  return ((1.f + expm1_poly(r)) * pow2i(k1)) * pow2i(k - k1);
}

TT_HD_INLINE float exp2(float x) {
  x = clamp_nan(x, -151.f, 129.f);
  float t = x + kRound;
  float kf = t - kRound;
  int32_t k = int32_t(bits(t) - bits(kRound)), k1 = k >> 1;
  float r = (x - kf) * 0x1.62e430p-1f;  // (x - k) ln 2, |r| <= ln2/2
  return ((1.f + expm1_poly(r)) * pow2i(k1)) * pow2i(k - k1);
}

TT_HD_INLINE float expm1(float x) {
  // expm1(x) = 2^k expm1(r) + 2^k - 1, evaluated as 2 (s expm1(r) + (s - 1/2)) with s = 2^(k-1) so that
  // k = 128 (results near FLT_MAX) needs no 2^128. Below -80 the result is -1 in float.
  int32_t k;
  float r = exp_reduce(clamp_nan(x, -80.f, 89.f), k);
  float s = pow2i(k - 1);
  float y = 2.f * (s * expm1_poly(r) + (s - 0.5f));
  return select(x == 0.f, x, y);  // keeps -0
}

// log of x > 0 split as e ln2 + log1p(f): the exponent e and the polynomial part l = log1p(f),
// with 1 + f in [sqrt(1/2), sqrt(2)). Subnormals are scaled up first. Other inputs give garbage
// that the callers replace.
TT_HD_INLINE void log_parts(float x, float& e, float& l) {
  bool sub = x < 0x1p-126f;
  x = select(sub, x * 0x1p23f, x);
  uint32_t u = bits(x) - 0x3f3504f3u;  // bits of sqrt(1/2)
  e = float((int32_t(u) >> 23) - (sub ? 23 : 0));  // in float, GCC would make the subtraction conditional
  float f = from_bits((u & 0x7fffffu) + 0x3f3504f3u) - 1.f;
  float q = -7.973792404e-02f;
  q = q * f + 1.265551001e-01f;
  q = q * f + -1.298933327e-01f;
  q = q * f + 1.420997083e-01f;
  q = q * f + -1.664157957e-01f;
  q = q * f + 2.000119984e-01f;
  q = q * f + -2.500030398e-01f;
  q = q * f + 3.333333135e-01f;
  float z = f * f;
  l = f + (z * f * q - 0.5f * z);
}
// What log-like functions give outside (0, inf): log(0) = -inf, log(<0) = nan, log(inf) = inf, nan.
TT_HD_INLINE float log_special(float x, float y) {
  y = select(x < 0.f, kNaN, y);
  y = select(x == 0.f, -kInf, y);
  y = select(x == kInf, kInf, y);
  return select(x != x, x, y);
}

TT_HD_INLINE float log(float x) {
  float e, l;
  log_parts(x, e, l);
  return log_special(x, e * kLn2Hi + (l + e * kLn2Lo));
}

TT_HD_INLINE float log2(float x) {
  float e, l;
  log_parts(x, e, l);
  return log_special(x, e + (l * kLog2e + l * 0x1.4ae0cp-26f));  // log2(e) in two parts
}

TT_HD_INLINE float log1p(float x) {
  // u = 1 + x rounds; c = (x - (u - 1)) / u is the first-order correction log(1 + x) - log(u).
  float u = 1.f + x, e, l;
  log_parts(u, e, l);
  float c = (x - (u - 1.f)) / u;
  float y = log_special(u, e * kLn2Hi + (l + (e * kLn2Lo + c)));
  return select(x == 0.f, x, y);  // keeps -0
}

TT_HD_INLINE float tanh(float x) {
  // tanh|x| = expm1(2|x|) / (expm1(2|x|) + 2): no cancellation anywhere; rounds to 1 beyond 10.
  float a = clamp_nan(fabs(x), 0.f, 10.f);
  float m = expm1(2.f * a);
  return copysign_pos(m / (m + 2.f), x);
}

TT_HD_INLINE float sigmoid(float x) { return 1.f / (1.f + exp(-x)); }
// e^a / 2 for a up to sinh's and cosh's overflow (89.4), past exp's (88.7): exp(a/2) squared, halved first.
TT_HD_INLINE float half_exp_large(float a) {
  float h = exp(0.5f * a);
  return (0.5f * h) * h;
}
TT_HD_INLINE float sinh(float x) {  // from expm1, which keeps the small |x| that exp(x) - exp(-x) would cancel
  float a = fabs(x), e = expm1(a);
  float r = select(a > 88.f, half_exp_large(a), 0.5f * (e + e / (e + 1.f)));
  return copysign_pos(r, x);
}
TT_HD_INLINE float cosh(float x) {
  float a = fabs(x), e = exp(a);
  return select(a > 88.f, half_exp_large(a), 0.5f * (e + 1.f / e));
}
TT_HD_INLINE float silu(float x) { return x / (1.f + exp(-x)); }

TT_HD_INLINE float gelu_tanh(float x) {
  // 0.5 x (1 + tanh(u)) = x sigmoid(2u): no cancellation for negative x.
  float u = x * (0x1.988454p-1f + 0x1.988454p-1f * 0.044715f * (x * x));  // sqrt(2/pi) (x + 0.044715 x^3)
  return x / (1.f + exp(-2.f * u));
}

TT_HD_INLINE float softplus(float x) {  // torch: beta 1, threshold 20
  return select(x > 20.f, x, log1p(exp(x)));
}

// erf(x) = x P(x^2) for |x| < 1 (3 ulp).
TT_HD_INLINE float erf_small(float x) {
  float z = x * x;
  float p = -5.631756503e-04f;
  p = p * z + 4.917643964e-03f;
  p = p * z + -2.671140432e-02f;
  p = p * z + 1.128018424e-01f;
  p = p * z + -3.761232793e-01f;
  p = p * z + 1.128379107e+00f;
  return x * p;
}
// erfc(a) for a >= 1 as exp(-a^2) t Q(t), t = 1 / (1 + 0.7a) (5 ulp up to where it underflows).
TT_HD_INLINE float erfc_large(float a) {
  a = clamp_nan(a, 0.f, 10.5f);
  float t = 1.f / (1.f + 0.7f * a);
  float q = -2.718607187e-01f;
  q = q * t + 8.033524156e-01f;
  q = q * t + -7.693156600e-01f;
  q = q * t + 7.876625657e-02f;
  q = q * t + 6.371393800e-02f;
  q = q * t + 3.033821583e-01f;
  q = q * t + 3.945674896e-01f;
  q = q * t + 3.949435353e-01f;
  // a^2 = hi + lo exactly (Dekker: a split into two 12-bit halves), then exp(-hi - lo) = exp(-hi)(1 - lo).
  float ah = from_bits(bits(a) & 0xfffff000u), al = a - ah;
  float hi = a * a, lo = ((ah * ah - hi) + 2.f * ah * al) + al * al;
  return (exp(-hi) * (1.f - lo)) * (t * q);
}
TT_HD_INLINE float erf(float x) {
  float a = fabs(x);
  float big = copysign_pos(1.f - erfc_large(a), x);
  return select(a < 1.f, erf_small(x), big);
}
TT_HD_INLINE float erfc(float x) {
  float a = fabs(x), e = erfc_large(a);
  float big = select(x < 0.f, 2.f - e, e);
  return select(a < 1.f, 1.f - erf_small(x), big);
}
// 0.5 x (1 + erf(x / sqrt2)), as erfc so that negative x keeps its relative accuracy.
TT_HD_INLINE float gelu(float x) { return 0.5f * x * erfc(x * -0x1.6a09e6p-1f); }

// sin, cos, tan: the reduction x = k pi/2 + r runs in double with pi/2 in three parts (k times each of
// the first two is exact for |k| < 2^28), and so do the polynomials; one rounding to float at the end.
// Valid for |x| <= kTrigMax; callers send larger |x| (rare) to libm.
constexpr float kTrigMax = 0x1p28f;
#if defined(TT_OPMATH_NO_DOUBLE)
TT_HD_INLINE float sin(float x) { return metal::precise::sin(x); }
TT_HD_INLINE float cos(float x) { return metal::precise::cos(x); }
TT_HD_INLINE float tan(float x) { return metal::precise::tan(x); }
#else
struct Reduced {
  double s, c;  // sin r, cos r
  uint64_t q;   // k mod 4 in the low bits
};
TT_HD_INLINE Reduced trig_reduce(float x) {
  double d = x;
  double t = d * 0x1.45f306dc9c883p-1 + 0x1.8p52;  // 2/pi, rounded to an integer by the addition
  double k = t - 0x1.8p52;
  double r = ((d - k * 0x1.921fb6p0) - k * -0x1.777a5cp-25) - k * -0x1.ee59d9cceba40p-50;
  double z = r * r;
  // Taylor series to r^11 and r^12: truncation below 1e-11 on |r| <= pi/4.
  double s = -2.505210838544172e-08;
  s = s * z + 2.7557319223985893e-06;
  s = s * z + -1.984126984126984e-04;
  s = s * z + 8.333333333333333e-03;
  s = s * z + -1.6666666666666666e-01;
  double c = 2.08767569878681e-09;
  c = c * z + -2.755731922398589e-07;
  c = c * z + 2.48015873015873e-05;
  c = c * z + -1.388888888888889e-03;
  c = c * z + 4.1666666666666664e-02;
  c = c * z + -0.5;
  return {r + r * z * s, 1.0 + z * c, bits(t)};
}
// sin(k pi/2 + r) for k mod 4 = 0, 1, 2, 3 is sin r, cos r, -sin r, -cos r.
TT_HD_INLINE float sin_quadrant(const Reduced& R, uint64_t q) {
  double v = select((q & 1) != 0, R.c, R.s);
  return float(from_bits(bits(v) ^ ((q & 2) << 62)));
}
TT_HD_INLINE float sin(float x) {
  Reduced R = trig_reduce(x);
  return select(x == 0.f, x, sin_quadrant(R, R.q));  // the reduction turns -0 into +0
}
TT_HD_INLINE float cos(float x) {
  Reduced R = trig_reduce(x);
  return sin_quadrant(R, R.q + 1);
}
TT_HD_INLINE float tan(float x) {
  Reduced R = trig_reduce(x);
  float y = float(select((R.q & 1) != 0, -R.c / R.s, R.s / R.c));
  return select(x == 0.f, x, y);
}
#endif

// ---- float64: the C library on the host, CUDA's maths on the device ----
#if !defined(TT_OPMATH_NO_DOUBLE)
TT_HD_INLINE double fabs(double x) { return ::fabs(x); }
TT_HD_INLINE double sqrt(double x) { return ::sqrt(x); }
TT_HD_INLINE double floor(double x) { return ::floor(x); }
TT_HD_INLINE double ceil(double x) { return ::ceil(x); }
TT_HD_INLINE double trunc(double x) { return ::trunc(x); }
TT_HD_INLINE double nearbyint(double x) { return ::nearbyint(x); }
TT_HD_INLINE double fmod(double a, double b) { return ::fmod(a, b); }
TT_HD_INLINE double copysign(double a, double b) { return ::copysign(a, b); }
TT_HD_INLINE double pow(double a, double b) { return ::pow(a, b); }

TT_HD_INLINE double exp(double x) { return ::exp(x); }
TT_HD_INLINE double exp2(double x) { return ::exp2(x); }
TT_HD_INLINE double expm1(double x) { return ::expm1(x); }
TT_HD_INLINE double sinh(double x) { return ::sinh(x); }
TT_HD_INLINE double cosh(double x) { return ::cosh(x); }
TT_HD_INLINE double log(double x) { return ::log(x); }
TT_HD_INLINE double log2(double x) { return ::log2(x); }
TT_HD_INLINE double log1p(double x) { return ::log1p(x); }
TT_HD_INLINE double sin(double x) { return ::sin(x); }
TT_HD_INLINE double cos(double x) { return ::cos(x); }
TT_HD_INLINE double tan(double x) { return ::tan(x); }
TT_HD_INLINE double tanh(double x) { return ::tanh(x); }
TT_HD_INLINE double erf(double x) { return ::erf(x); }
TT_HD_INLINE double sigmoid(double x) { return 1.0 / (1.0 + ::exp(-x)); }
TT_HD_INLINE double silu(double x) { return x / (1.0 + ::exp(-x)); }
TT_HD_INLINE double gelu(double x) { return 0.5 * x * ::erfc(x * -0.7071067811865476); }  // erfc: accurate for x << 0
TT_HD_INLINE double gelu_tanh(double x) {
  double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);  // sqrt(2/pi)
  return x / (1.0 + ::exp(-2.0 * u));
}
TT_HD_INLINE double softplus(double x) { return x > 20.0 ? x : ::log1p(::exp(x)); }
#endif

TT_OPMATH_END
