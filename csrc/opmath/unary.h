// The elementwise one-operand ops, each a functor templated on the element type that every backend's kernel
// loop calls: float32 through the branch-free maths of math.h, float64 through libm (CUDA's maths on the
// device), integers where the op takes them. Semantics follow PyTorch.
//
// A functor whose operator() also takes whole vectors (GCC vector extensions on the CPU) says so with
// kVectors; the CPU may then stream its output (cpu/stream.h).
#pragma once
#include "math.h"

TT_OPMATH_BEGIN

// Integer + - * and negation wrap, as torch's do; signed overflow is UB, so they go through the unsigned type
// of the same width. Floats and vectors are their own "unsigned" type.
template <class T>
struct Unsigned {
  typedef T type;
};
template <>
struct Unsigned<int32_t> {
  typedef uint32_t type;
};
template <>
struct Unsigned<int64_t> {
  typedef uint64_t type;
};

// ---- UNARY: float32/float64/int32/int64/uint8 ----

struct Neg {
  template <class T>
  TT_HD T operator()(T x) const { return T(-typename Unsigned<T>::type(x)); }  // -INT_MIN == INT_MIN
};
struct Abs {
  template <class T>
  TT_HD T operator()(T x) const { return x < 0 ? T(-typename Unsigned<T>::type(x)) : x; }
  TT_HD float operator()(float x) const { return fabs(x); }
  TT_IF_DOUBLE(TT_HD double operator()(double x) const { return fabs(x); })
};
struct Sign {  // torch.sign: 0 for 0, -0 and NaN
  template <class T>
  TT_HD T operator()(T x) const { return T(int(x > T(0)) - int(x < T(0))); }
};
struct Relu {  // keeps NaN and -0, as torch
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T x) const { return x < T{} ? T{} : x; }
};
// Rounding: integers are already whole.
#define TT_ROUNDING(Name, fn)                                  \
  struct Name {                                                \
    template <class T>                                         \
    TT_HD T operator()(T x) const { return x; }                \
    TT_HD float operator()(float x) const { return fn(x); }    \
    TT_IF_DOUBLE(TT_HD double operator()(double x) const { return fn(x); })  \
  };
TT_ROUNDING(Floor, floor)
TT_ROUNDING(Ceil, ceil)
TT_ROUNDING(Round, nearbyint)  // half to even
TT_ROUNDING(Trunc, trunc)
#undef TT_ROUNDING

// ---- UNARY_FLOAT: float32/float64, one function of math.h each ----

#define TT_FLOAT_UNARY(Name, fn)                                 \
  struct Name {                                                  \
    template <class T>                                           \
    TT_HD T operator()(T x) const { return fn(x); }              \
  };
TT_FLOAT_UNARY(Exp, exp)
TT_FLOAT_UNARY(Exp2, exp2)
TT_FLOAT_UNARY(Log, log)
TT_FLOAT_UNARY(Log2, log2)
TT_FLOAT_UNARY(Log1p, log1p)
TT_FLOAT_UNARY(Expm1, expm1)
TT_FLOAT_UNARY(Sqrt, sqrt)
TT_FLOAT_UNARY(Tanh, tanh)
TT_FLOAT_UNARY(Sinh, sinh)
TT_FLOAT_UNARY(Cosh, cosh)
TT_FLOAT_UNARY(Sigmoid, sigmoid)
TT_FLOAT_UNARY(Gelu, gelu)
TT_FLOAT_UNARY(GeluTanh, gelu_tanh)
TT_FLOAT_UNARY(Silu, silu)
TT_FLOAT_UNARY(Softplus, softplus)
TT_FLOAT_UNARY(Erf, erf)
// float32 sin/cos/tan hold for |x| <= kTrigMax only: see FullRange.
TT_FLOAT_UNARY(Sin, sin)
TT_FLOAT_UNARY(Cos, cos)
TT_FLOAT_UNARY(Tan, tan)
#undef TT_FLOAT_UNARY

struct Rsqrt {
  template <class T>
  TT_HD T operator()(T x) const { return T(1) / sqrt(x); }
};
struct Reciprocal {
  template <class T>
  TT_HD T operator()(T x) const { return T(1) / x; }
};

// Trigonometry over every float32: beyond kTrigMax (rare) in float64 and rounded once. The CPU keeps the
// vectorized loop free of that branch and redoes the rare elements afterwards; a GPU thread just branches.
template <class Op>
struct FullRange {
#if defined(TT_OPMATH_NO_DOUBLE)
  TT_HD float operator()(float x) const { return Op{}(x); }  // Metal's precise trig covers every float
#else
  TT_HD float wide(float x) const { return float(Op{}(double(x))); }
  TT_HD float operator()(float x) const { return fabs(x) > kTrigMax ? wide(x) : Op{}(x); }
  TT_HD double operator()(double x) const { return Op{}(x); }
#endif
};

TT_OPMATH_END
