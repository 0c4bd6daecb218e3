// The elementwise two-operand ops and comparisons as functors templated on the element type, called by every
// backend's kernel loop (see unary.h for the conventions). Semantics follow PyTorch.
#pragma once
#include "unary.h"

TT_OPMATH_BEGIN

// ---- BINARY: one dtype for all three operands ----

struct Add {
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T a, T b) const {
    typedef typename Unsigned<T>::type U;
    return T(U(a) + U(b));
  }
};
struct Sub {
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T a, T b) const {
    typedef typename Unsigned<T>::type U;
    return T(U(a) - U(b));
  }
};
struct Mul {
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T a, T b) const {
    typedef typename Unsigned<T>::type U;
    return T(U(a) * U(b));
  }
};
struct Div {  // float true division (integer division needs a zero check: the CPU's int_div)
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T a, T b) const { return a / b; }
};
struct Maximum {  // NaN wins, as torch.maximum (fmax would drop it)
  template <class T>
  TT_HD T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
struct Minimum {
  template <class T>
  TT_HD T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};
struct ReluBackward {  // a NaN output passes the gradient on, as torch's threshold_backward
  static constexpr bool kVectors = true;
  template <class T>
  TT_HD T operator()(T g, T y) const { return y <= T{} ? T{} : g; }
};

// Float floor division and remainder as torch (and Python) define them, through the exact fmod.
struct FloorDiv {
  template <class T>
  TT_HD T operator()(T a, T b) const {
    if (b == 0) return a / b;  // inf or nan
    T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
    if (div == 0) return copysign(T(0), a / b);
    T floored = floor(div);
    return div - floored > T(0.5) ? floored + 1 : floored;
  }
};
struct Remainder {
  template <class T>
  TT_HD T operator()(T a, T b) const {
    T mod = fmod(a, b);
    return mod != 0 && (b < 0) != (mod < 0) ? mod + b : mod;
  }
};
struct Pow {  // float; the CPU skips pow for the common scalar exponents, as torch does
  template <class T>
  TT_HD T operator()(T a, T b) const { return pow(a, b); }
};

// ---- COMPARE: bool out ----

#define TT_COMPARE(Name, expr)                                \
  struct Name {                                               \
    template <class T>                                        \
    TT_HD bool operator()(T a, T b) const { return expr; }    \
  };
TT_COMPARE(Eq, a == b)
TT_COMPARE(Ne, a != b)
TT_COMPARE(Lt, a < b)
TT_COMPARE(Le, a <= b)
TT_COMPARE(Gt, a > b)
TT_COMPARE(Ge, a >= b)
TT_COMPARE(LogicalAnd, (a != T(0)) & (b != T(0)))
TT_COMPARE(LogicalOr, (a != T(0)) | (b != T(0)))
TT_COMPARE(LogicalXor, (a != T(0)) ^ (b != T(0)))
#undef TT_COMPARE

// ---- TERNARY: x + value * a * b (addcmul) and x + value * a / b (addcdiv), value * a first as torch ----

template <class T>
struct Addcmul {
  static constexpr bool kVectors = true;
  T value;
  template <class V>
  TT_HD V operator()(V x, V a, V b) const { return x + value * a * b; }
};
template <class T>
struct Addcdiv {
  static constexpr bool kVectors = true;
  T value;
  template <class V>
  TT_HD V operator()(V x, V a, V b) const { return x + value * a / b; }
};

TT_OPMATH_END
