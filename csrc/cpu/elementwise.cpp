// Elementwise kernels: unary maths, predicates, binary arithmetic, comparisons and where, on views of any
// strides; the maths of each op is a functor of opmath/ that the CUDA backend calls too. tt::Walk hands each kernel rows of (pointers, byte strides, count); a row whose strides are the
// element sizes (or 0 for a broadcast operand) goes through a loop GCC vectorizes, any other row through a
// plain strided loop. An output may be one of the inputs (in-place ops) but must not partly overlap one.
// Semantics follow PyTorch; float16/bfloat16 maths is done by the Python layer in float32, so only the
// dtype-blind families (predicates, comparisons, where) take them here.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../opmath/binary.h"
#include "isa.h"
#include "loops.h"
#include "stream.h"

TT_ISA_BEGIN
namespace {

// A chunk handed to a thread should move about 1 MB (cheap ops) or compute for tens of microseconds.
constexpr int64_t kCheapGrain = 1 << 17;
constexpr int64_t kMathGrain = 1 << 15;

template <class T>
constexpr bool kInt = std::is_integral<T>::value;
template <class T>
using Unsigned = std::make_unsigned_t<T>;
using Bool = uint8_t;  // storage of TT_BOOL

tt_status bad_dtype(const Call& c, int32_t dtype) {
  return fail(TT_ERR_DTYPE, "%s: does not take %s", tt_op_name(c.op), tt_dtype_name(dtype));
}

template <class T>
struct Tag {
  using type = T;
};
// Calls f(Tag<T>{}) for the numeric dtypes that arithmetic takes (float16/bfloat16 and bool are not).
template <class F>
tt_status with_numeric(const Call& c, int32_t dtype, const F& f) {
  switch (dtype) {
    case TT_FLOAT32: f(Tag<float>{}); return TT_OK;
    case TT_FLOAT64: f(Tag<double>{}); return TT_OK;
    case TT_INT32: f(Tag<int32_t>{}); return TT_OK;
    case TT_INT64: f(Tag<int64_t>{}); return TT_OK;
    case TT_UINT8: f(Tag<uint8_t>{}); return TT_OK;
    default: return bad_dtype(c, dtype);
  }
}

// ---- loops over Walk rows ----

template <class A, class R, class F>
inline void map1_contig(const A* __restrict x, R* __restrict y, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// y = f(x) elementwise, A -> R.
template <class A, class R, class F>
void map1(const tt_view& in, const tt_view& out, int64_t grain, const F& f) {
  constexpr bool kStreams = kStreamable<A, R, F>;
  const bool stream = kStreams && should_stream(numel(out) * int64_t(sizeof(R)));
  const tt_view* views[2] = {&in, &out};
  Walk<2>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        if (s[0] == sizeof(A) && s[1] == sizeof(R)) {
          if constexpr (kStreams) {
            if (stream) return vector_row<true>((R*)p[1], n, f, Lane<A>{(const A*)p[0], false});
          }
          return map1_contig((const A*)p[0], (R*)p[1], n, f);
        }
        for (int64_t i = 0; i < n; ++i) *(R*)(p[1] + i * s[1]) = f(*(const A*)(p[0] + i * s[0]));
      },
      grain);
}

template <class A, class R, class F>
inline void map2_contig(const A* __restrict a, const A* __restrict b, R* __restrict y, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
}
template <class A, class R, class F>
inline void map2_scalar_b(const A* __restrict a, A b, R* __restrict y, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b);
}
template <class A, class R, class F>
inline void map2_scalar_a(A a, const A* __restrict b, R* __restrict y, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = f(a, b[i]);
}

// y = f(a, b) elementwise, A x A -> R; rows where one operand is broadcast have their own loops.
template <class A, class R, class F>
void map2(const Call& c, int64_t grain, const F& f) {
  const tt_view* views[3] = {&c.in[0], &c.in[1], &c.out[0]};
  constexpr bool kStreams = kStreamable<A, R, F>;
  const bool stream = kStreams && should_stream(numel(c.out[0]) * int64_t(sizeof(R)));
  Walk<3>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        const A *a = (const A*)p[0], *b = (const A*)p[1];
        R* y = (R*)p[2];
        if (s[2] == sizeof(R)) {
          if constexpr (kStreams) {
            if (stream && (s[0] == sizeof(A) || s[0] == 0) && (s[1] == sizeof(A) || s[1] == 0))
              return vector_row<true>(y, n, f, Lane<A>{a, s[0] == 0}, Lane<A>{b, s[1] == 0});
          }
          if (s[0] == sizeof(A) && s[1] == sizeof(A)) return map2_contig(a, b, y, n, f);
          if (s[0] == sizeof(A) && s[1] == 0) return map2_scalar_b(a, *b, y, n, f);
          if (s[0] == 0 && s[1] == sizeof(A)) return map2_scalar_a(*a, b, y, n, f);
        }
        for (int64_t i = 0; i < n; ++i)
          *(R*)(p[2] + i * s[2]) = f(*(const A*)(p[0] + i * s[0]), *(const A*)(p[1] + i * s[1]));
      },
      grain);
}

// As map2 for integer ops that can meet a bad value (a zero divisor, a negative power): f(a, b, bad)
// sets `bad` instead of trapping. Returns whether any element was bad. No vector unit divides integers,
// so one strided loop serves every row.
template <class T, class F>
bool map2_checked(const Call& c, const F& f) {
  bool any_bad = false;
  const tt_view* views[3] = {&c.in[0], &c.in[1], &c.out[0]};
  Walk<3>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        bool bad = false;
        for (int64_t i = 0; i < n; ++i)
          *(T*)(p[2] + i * s[2]) = f(*(const T*)(p[0] + i * s[0]), *(const T*)(p[1] + i * s[1]), bad);
        if (bad) __atomic_store_n(&any_bad, true, __ATOMIC_RELAXED);
      },
      kCheapGrain);
  return any_bad;
}

// True when every element of v is the same one (a broadcast scalar).
bool is_broadcast_scalar(const tt_view& v) {
  for (int d = 0; d < v.ndim; ++d)
    if (v.shape[d] != 1 && v.strides[d] != 0) return false;
  return true;
}

// ---- UNARY: same dtype in and out, float32/float64/int32/int64/uint8 ----

template <class Op>
tt_status unary_kernel(const Call& c) {
  return with_numeric(c, c.out[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map1<T, T>(c.in[0], c.out[0], kCheapGrain, Op{});
  });
}

// ---- UNARY_FLOAT: float32/float64 ----

template <class Op>
tt_status float_kernel(const Call& c) {
  switch (c.out[0].dtype) {
    case TT_FLOAT32: map1<float, float>(c.in[0], c.out[0], kMathGrain, Op{}); return TT_OK;
    case TT_FLOAT64: map1<double, double>(c.in[0], c.out[0], kMathGrain, Op{}); return TT_OK;
    default: return bad_dtype(c, c.out[0].dtype);
  }
}

// float32 sin/cos/tan: the vector code covers |x| <= kTrigMax. Rows are done in blocks through a buffer
// (the output may be the input) so that the rare larger |x| can be redone with libm afterwards.
template <class Op>
tt_status trig_kernel(const Call& c) {
  if (c.out[0].dtype != TT_FLOAT32) return float_kernel<Op>(c);
  const Op op;
  const tt_view* views[2] = {&c.in[0], &c.out[0]};
  Walk<2>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        constexpr int64_t kBlock = 256;
        float buf[kBlock];
        for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
          int64_t m = n - i0 < kBlock ? n - i0 : kBlock;
          const char* x = p[0] + i0 * s[0];
          int wide = 0;
          if (s[0] == sizeof(float)) {
            const float* xf = (const float*)x;
            for (int64_t i = 0; i < m; ++i) {
              buf[i] = op(xf[i]);
              wide |= std::fabs(xf[i]) > om::kTrigMax;
            }
          } else {
            for (int64_t i = 0; i < m; ++i) {
              float v = *(const float*)(x + i * s[0]);
              buf[i] = op(v);
              wide |= std::fabs(v) > om::kTrigMax;
            }
          }
          if (wide)
            for (int64_t i = 0; i < m; ++i) {
              float v = *(const float*)(x + i * s[0]);
              if (std::fabs(v) > om::kTrigMax) buf[i] = om::FullRange<Op>{}.wide(v);
            }
          char* y = p[1] + i0 * s[1];
          if (s[1] == sizeof(float)) {
            std::memcpy(y, buf, size_t(m) * sizeof(float));
          } else {
            for (int64_t i = 0; i < m; ++i) *(float*)(y + i * s[1]) = buf[i];
          }
        }
      },
      kMathGrain);
  return TT_OK;
}

// ---- PREDICATE: bool out, every dtype ----

// on_float(x) for float32/float64, on_bits16(magnitude bits, infinity bits) for float16/bfloat16,
// on_int(x) for the integer dtypes and bool.
template <class OnFloat, class OnBits16, class OnInt>
tt_status predicate(const Call& c, const OnFloat& on_float, const OnBits16& on_bits16, const OnInt& on_int) {
  const tt_view &x = c.in[0], &y = c.out[0];
  auto f = [&](auto v) { return Bool(on_float(v)); };
  auto i = [&](auto v) { return Bool(on_int(v)); };
  switch (x.dtype) {
    case TT_FLOAT32: map1<float, Bool>(x, y, kCheapGrain, f); return TT_OK;
    case TT_FLOAT64: map1<double, Bool>(x, y, kCheapGrain, f); return TT_OK;
    case TT_FLOAT16:
      map1<uint16_t, Bool>(x, y, kCheapGrain, [&](uint16_t h) { return Bool(on_bits16(h & 0x7fff, 0x7c00)); });
      return TT_OK;
    case TT_BFLOAT16:
      map1<uint16_t, Bool>(x, y, kCheapGrain, [&](uint16_t h) { return Bool(on_bits16(h & 0x7fff, 0x7f80)); });
      return TT_OK;
    case TT_INT32: map1<int32_t, Bool>(x, y, kCheapGrain, i); return TT_OK;
    case TT_INT64: map1<int64_t, Bool>(x, y, kCheapGrain, i); return TT_OK;
    case TT_UINT8: case TT_BOOL: map1<uint8_t, Bool>(x, y, kCheapGrain, i); return TT_OK;
    default: return bad_dtype(c, x.dtype);
  }
}
tt_status isnan_kernel(const Call& c) {
  return predicate(
      c, [](auto v) { return v != v; }, [](int mag, int inf) { return mag > inf; }, [](auto) { return false; });
}
tt_status isinf_kernel(const Call& c) {
  return predicate(
      c, [](auto v) { return std::fabs(v) == HUGE_VALF; }, [](int mag, int inf) { return mag == inf; },
      [](auto) { return false; });
}
tt_status logical_not_kernel(const Call& c) {
  return predicate(
      c, [](auto v) { return v == 0; }, [](int mag, int) { return mag == 0; }, [](auto v) { return v == 0; });
}

// ---- BINARY: one dtype for all three operands ----

// Integer division family: a zero divisor flags `bad` (the caller fails); x / -1 is negation so that
// INT_MIN / -1 wraps to INT_MIN instead of trapping.
template <class T>
T int_div(T a, T b, bool& bad, int32_t op) {
  bad |= b == 0;
  if (b == 0) return 0;
  if constexpr (std::is_signed<T>::value) {
    if (b == -1) return op == TT_OP_REMAINDER ? T(0) : T(Unsigned<T>(0) - Unsigned<T>(a));
  }
  T q = T(a / b), r = T(a % b);
  bool adjust = r != 0 && (r < 0) != (b < 0);  // floor and Python's % differ from C's when signs differ
  if (op == TT_OP_DIV) return q;
  if (op == TT_OP_FLOOR_DIV) return adjust ? T(q - 1) : q;
  return adjust ? T(r + b) : r;
}

// Integer power by squaring in unsigned arithmetic (wraps, as torch). Negative exponents have no integer
// result except for bases 1 and -1.
template <class T>
T int_pow(T base, T exp, bool& bad) {
  if (exp < 0) {
    bad |= base != 1 && base != T(-1);
    return base == 1 ? T(1) : base == T(-1) ? T(exp & 1 ? -1 : 1) : T(0);
  }
  Unsigned<T> result = 1, b = Unsigned<T>(base);
  for (Unsigned<T> e = Unsigned<T>(exp); e; e >>= 1) {
    if (e & 1) result = Unsigned<T>(result * b);
    b = Unsigned<T>(b * b);
  }
  return T(result);
}

template <class Op>
tt_status arith_kernel(const Call& c) {  // ADD, SUB, MUL, MAXIMUM, MINIMUM, RELU_BACKWARD
  int32_t dtype = c.out[0].dtype;
  if (dtype == TT_BOOL && (c.op == TT_OP_MAXIMUM || c.op == TT_OP_MINIMUM)) dtype = TT_UINT8;
  return with_numeric(c, dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    map2<T, T>(c, kCheapGrain, Op{});
  });
}

tt_status division_kernel(const Call& c) {  // DIV, FLOOR_DIV, REMAINDER
  int32_t op = c.op;
  bool by_zero = false;
  tt_status s = with_numeric(c, c.out[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (kInt<T>) {
      by_zero = map2_checked<T>(c, [op](T a, T b, bool& bad) { return int_div(a, b, bad, op); });
    } else if (op == TT_OP_DIV) {
      map2<T, T>(c, kCheapGrain, om::Div{});
    } else if (op == TT_OP_FLOOR_DIV) {
      map2<T, T>(c, kMathGrain, om::FloorDiv{});
    } else {
      map2<T, T>(c, kMathGrain, om::Remainder{});
    }
  });
  if (by_zero) return fail(TT_ERR_INVALID_ARGUMENT, "%s: integer division by zero", tt_op_name(op));
  return s;
}

// Float x ** e for one exponent shared by every element: the common exponents skip pow, as torch does
// (so x ** 0.5 is sqrt(x), -0 and -inf included).
template <class T>
bool pow_scalar_exponent(const Call& c, T e) {
  const tt_view &x = c.in[0], &y = c.out[0];
  if (e == 2) map1<T, T>(x, y, kCheapGrain, [](T v) { return v * v; });
  else if (e == 3) map1<T, T>(x, y, kCheapGrain, [](T v) { return v * v * v; });
  else if (e == 1) map1<T, T>(x, y, kCheapGrain, [](T v) { return v; });
  else if (e == 0) map1<T, T>(x, y, kCheapGrain, [](T) { return T(1); });
  else if (e == -1) map1<T, T>(x, y, kCheapGrain, [](T v) { return T(1) / v; });
  else if (e == -2) map1<T, T>(x, y, kCheapGrain, [](T v) { return T(1) / (v * v); });
  else if (e == T(0.5)) map1<T, T>(x, y, kCheapGrain, [](T v) { return std::sqrt(v); });
  else if (e == T(-0.5)) map1<T, T>(x, y, kCheapGrain, [](T v) { return T(1) / std::sqrt(v); });
  else return false;
  return true;
}

tt_status pow_kernel(const Call& c) {
  bool negative_power = false;
  tt_status s = with_numeric(c, c.out[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (kInt<T>) {
      negative_power = map2_checked<T>(c, [](T a, T b, bool& bad) { return int_pow(a, b, bad); });
    } else {
      if (numel(c.out[0]) > 0 && is_broadcast_scalar(c.in[1]) && pow_scalar_exponent(c, *data_ptr<T>(c.in[1])))
        return;
      map2<T, T>(c, kMathGrain, om::Pow{});
    }
  });
  if (negative_power)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: Integers to negative integer powers are not allowed", tt_op_name(c.op));
  return s;
}

// ---- COMPARE: bool out, every dtype (float16/bfloat16 compared as float) ----

template <class Op>
tt_status compare_kernel(const Call& c) {
  Op op;
  switch (c.in[0].dtype) {
    case TT_FLOAT32: map2<float, Bool>(c, kCheapGrain, op); return TT_OK;
    case TT_FLOAT64: map2<double, Bool>(c, kCheapGrain, op); return TT_OK;
    case TT_FLOAT16:
      map2<uint16_t, Bool>(c, kCheapGrain, [&](uint16_t a, uint16_t b) { return op(half_to_float(a), half_to_float(b)); });
      return TT_OK;
    case TT_BFLOAT16:
      map2<uint16_t, Bool>(c, kCheapGrain, [&](uint16_t a, uint16_t b) { return op(bf16_to_float(a), bf16_to_float(b)); });
      return TT_OK;
    case TT_INT32: map2<int32_t, Bool>(c, kCheapGrain, op); return TT_OK;
    case TT_INT64: map2<int64_t, Bool>(c, kCheapGrain, op); return TT_OK;
    case TT_UINT8: map2<uint8_t, Bool>(c, kCheapGrain, op); return TT_OK;
    case TT_BOOL:  // any nonzero byte is true
      map2<uint8_t, Bool>(c, kCheapGrain, [&](uint8_t a, uint8_t b) { return op(Bool(a != 0), Bool(b != 0)); });
      return TT_OK;
    default: return bad_dtype(c, c.in[0].dtype);
  }
}

// ---- WHERE: out = cond ? a : b, dispatched on the element size ----

template <class T>
inline void where_contig(const Bool* __restrict m, const T* __restrict a, const T* __restrict b, T* __restrict y,
                         int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = m[i] ? a[i] : b[i];
}
template <class T>
inline void where_scalar_b(const Bool* __restrict m, const T* __restrict a, T b, T* __restrict y, int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = m[i] ? a[i] : b;
}
template <class T>
inline void where_scalar_a(const Bool* __restrict m, T a, const T* __restrict b, T* __restrict y, int64_t n) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) y[i] = m[i] ? a : b[i];
}

template <class T>
void where_t(const Call& c) {
  const tt_view* views[4] = {&c.in[0], &c.in[1], &c.in[2], &c.out[0]};
  Walk<4>(views).run(
      [](char** p, const int64_t* s, int64_t n) {
        const Bool* m = (const Bool*)p[0];
        const T *a = (const T*)p[1], *b = (const T*)p[2];
        T* y = (T*)p[3];
        constexpr int64_t z = sizeof(T);
        if (s[0] == 1 && s[3] == z) {
          if (s[1] == z && s[2] == z) return where_contig(m, a, b, y, n);
          if (s[1] == z && s[2] == 0) return where_scalar_b(m, a, *b, y, n);
          if (s[1] == 0 && s[2] == z) return where_scalar_a(m, *a, b, y, n);
        }
        for (int64_t i = 0; i < n; ++i)
          *(T*)(p[3] + i * s[3]) = *(const Bool*)(p[0] + i * s[0]) ? *(const T*)(p[1] + i * s[1])
                                                                     : *(const T*)(p[2] + i * s[2]);
      },
      kCheapGrain);
}

tt_status where_kernel(const Call& c) {
  switch (dtype_size(c.out[0].dtype)) {
    case 1: where_t<uint8_t>(c); return TT_OK;
    case 2: where_t<uint16_t>(c); return TT_OK;
    case 4: where_t<uint32_t>(c); return TT_OK;
    case 8: where_t<uint64_t>(c); return TT_OK;
    default: return bad_dtype(c, c.out[0].dtype);
  }
}

// ---- TERNARY: out = x + value * a * b (ADDCMUL) or x + value * a / b (ADDCDIV) in one pass, in torch's order
// (value * a first), float32/float64 ----

template <template <class> class Op, class T>
void ternary_t(const Call& c) {
  const Op<T> f{T(c.attr<tt_scale_attrs>().value)};
  const bool stream = should_stream(numel(c.out[0]) * int64_t(sizeof(T)));
  const tt_view* views[4] = {&c.in[0], &c.in[1], &c.in[2], &c.out[0]};
  Walk<4>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        auto row = [&](int k) { return Lane<T>{(const T*)p[k], s[k] == 0}; };
        bool rows = s[3] == sizeof(T);
        for (int k = 0; k < 3; ++k) rows &= s[k] == sizeof(T) || s[k] == 0;
        if (rows && stream) return vector_row<true>((T*)p[3], n, f, row(0), row(1), row(2));
        if (rows) return vector_row<false>((T*)p[3], n, f, row(0), row(1), row(2));
        for (int64_t i = 0; i < n; ++i)
          *(T*)(p[3] + i * s[3]) = f(*(const T*)(p[0] + i * s[0]), *(const T*)(p[1] + i * s[1]),
                                     *(const T*)(p[2] + i * s[2]));
      },
      kCheapGrain);
}

template <template <class> class Op>
tt_status ternary_kernel(const Call& c) {
  if (c.out[0].dtype == TT_FLOAT64) ternary_t<Op, double>(c);
  else ternary_t<Op, float>(c);  // float32: tt_run admits no other dtype
  return TT_OK;
}

}  // namespace

void register_elementwise(Kernel* t) {
  t[TT_OP_NEG] = unary_kernel<om::Neg>;
  t[TT_OP_ABS] = unary_kernel<om::Abs>;
  t[TT_OP_SIGN] = unary_kernel<om::Sign>;
  t[TT_OP_RELU] = unary_kernel<om::Relu>;
  t[TT_OP_FLOOR] = unary_kernel<om::Floor>;
  t[TT_OP_CEIL] = unary_kernel<om::Ceil>;
  t[TT_OP_ROUND] = unary_kernel<om::Round>;
  t[TT_OP_TRUNC] = unary_kernel<om::Trunc>;

  t[TT_OP_EXP] = float_kernel<om::Exp>;
  t[TT_OP_EXP2] = float_kernel<om::Exp2>;
  t[TT_OP_LOG] = float_kernel<om::Log>;
  t[TT_OP_LOG2] = float_kernel<om::Log2>;
  t[TT_OP_LOG1P] = float_kernel<om::Log1p>;
  t[TT_OP_EXPM1] = float_kernel<om::Expm1>;
  t[TT_OP_SQRT] = float_kernel<om::Sqrt>;
  t[TT_OP_RSQRT] = float_kernel<om::Rsqrt>;
  t[TT_OP_RECIPROCAL] = float_kernel<om::Reciprocal>;
  t[TT_OP_SIN] = trig_kernel<om::Sin>;
  t[TT_OP_COS] = trig_kernel<om::Cos>;
  t[TT_OP_TAN] = trig_kernel<om::Tan>;
  t[TT_OP_TANH] = float_kernel<om::Tanh>;
  t[TT_OP_SINH] = float_kernel<om::Sinh>;
  t[TT_OP_COSH] = float_kernel<om::Cosh>;
  t[TT_OP_SIGMOID] = float_kernel<om::Sigmoid>;
  t[TT_OP_GELU] = float_kernel<om::Gelu>;
  t[TT_OP_GELU_TANH] = float_kernel<om::GeluTanh>;
  t[TT_OP_SILU] = float_kernel<om::Silu>;
  t[TT_OP_SOFTPLUS] = float_kernel<om::Softplus>;
  t[TT_OP_ERF] = float_kernel<om::Erf>;

  t[TT_OP_ISNAN] = isnan_kernel;
  t[TT_OP_ISINF] = isinf_kernel;
  t[TT_OP_LOGICAL_NOT] = logical_not_kernel;

  t[TT_OP_ADD] = arith_kernel<om::Add>;
  t[TT_OP_SUB] = arith_kernel<om::Sub>;
  t[TT_OP_MUL] = arith_kernel<om::Mul>;
  t[TT_OP_MAXIMUM] = arith_kernel<om::Maximum>;
  t[TT_OP_MINIMUM] = arith_kernel<om::Minimum>;
  t[TT_OP_RELU_BACKWARD] = arith_kernel<om::ReluBackward>;
  t[TT_OP_DIV] = division_kernel;
  t[TT_OP_FLOOR_DIV] = division_kernel;
  t[TT_OP_REMAINDER] = division_kernel;
  t[TT_OP_POW] = pow_kernel;

  t[TT_OP_EQ] = compare_kernel<om::Eq>;
  t[TT_OP_NE] = compare_kernel<om::Ne>;
  t[TT_OP_LT] = compare_kernel<om::Lt>;
  t[TT_OP_LE] = compare_kernel<om::Le>;
  t[TT_OP_GT] = compare_kernel<om::Gt>;
  t[TT_OP_GE] = compare_kernel<om::Ge>;
  t[TT_OP_LOGICAL_AND] = compare_kernel<om::LogicalAnd>;
  t[TT_OP_LOGICAL_OR] = compare_kernel<om::LogicalOr>;
  t[TT_OP_LOGICAL_XOR] = compare_kernel<om::LogicalXor>;
  t[TT_OP_WHERE] = where_kernel;
  t[TT_OP_ADDCMUL] = ternary_kernel<om::Addcmul>;
  t[TT_OP_ADDCDIV] = ternary_kernel<om::Addcdiv>;
}

TT_ISA_END
