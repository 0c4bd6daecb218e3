// Elementwise ops on CUDA, float32 and float64, any strides (stride 0 broadcasts an input): the UNARY,
// UNARY_FLOAT and BINARY families through the functors of opmath/, so each op computes what the CPU computes.
// POW is left to the CPU: its kernel there skips pow for the common scalar exponents, a choice made on the host
// from the exponent's value.
#include "../opmath/binary.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// ---------------------------------------------------------------------------------------------
// kernels: one strided loop per arity, the maths from opmath/, shared with the CPU

template <class T, class Op>
__global__ void binary_kernel(T* out, const T* a, const T* b, Layout<3> l, int64_t n, Op op) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsets(l, i, off);
    out[off[0]] = op(a[off[1]], b[off[2]]);
  }
}

template <class T, class Op>
__global__ void unary_kernel(T* out, const T* x, Layout<2> l, int64_t n, Op op) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[2];
    offsets(l, i, off);
    out[off[0]] = op(x[off[1]]);
  }
}

// ---------------------------------------------------------------------------------------------
// launchers

tt_status no_dtype(const Call& c) {
  return fail(TT_ERR_DTYPE, "%s: the cuda backend takes float32 and float64, not %s", tt_op_name(c.op),
              tt_dtype_name(c.out[0].dtype));
}

template <class Op>
tt_status binary(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &out = c.out[0], &a = c.in[0], &b = c.in[1];
  int64_t n = numel(out);
  const tt_view* views[3] = {&out, &a, &b};
  Layout<3> l = make_layout(views);
  switch (out.dtype) {
    case TT_FLOAT32:
      if (n) binary_kernel<<<blocks_for(n), kThreads>>>(data_ptr<float>(out), data_ptr<const float>(a),
                                                        data_ptr<const float>(b), l, n, Op{});
      break;
    case TT_FLOAT64:
      if (n) binary_kernel<<<blocks_for(n), kThreads>>>(data_ptr<double>(out), data_ptr<const double>(a),
                                                        data_ptr<const double>(b), l, n, Op{});
      break;
    default: return no_dtype(c);
  }
  return launched(c);
}

template <class Op>
tt_status unary(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &out = c.out[0], &x = c.in[0];
  int64_t n = numel(out);
  const tt_view* views[2] = {&out, &x};
  Layout<2> l = make_layout(views);
  switch (out.dtype) {
    case TT_FLOAT32:
      if (n) unary_kernel<<<blocks_for(n), kThreads>>>(data_ptr<float>(out), data_ptr<const float>(x), l, n, Op{});
      break;
    case TT_FLOAT64:
      if (n) unary_kernel<<<blocks_for(n), kThreads>>>(data_ptr<double>(out), data_ptr<const double>(x), l, n, Op{});
      break;
    default: return no_dtype(c);
  }
  return launched(c);
}

}  // namespace

void register_elementwise(Kernel* t) {
  t[TT_OP_NEG] = unary<om::Neg>;
  t[TT_OP_ABS] = unary<om::Abs>;
  t[TT_OP_SIGN] = unary<om::Sign>;
  t[TT_OP_RELU] = unary<om::Relu>;
  t[TT_OP_FLOOR] = unary<om::Floor>;
  t[TT_OP_CEIL] = unary<om::Ceil>;
  t[TT_OP_ROUND] = unary<om::Round>;
  t[TT_OP_TRUNC] = unary<om::Trunc>;

  t[TT_OP_EXP] = unary<om::Exp>;
  t[TT_OP_EXP2] = unary<om::Exp2>;
  t[TT_OP_LOG] = unary<om::Log>;
  t[TT_OP_LOG2] = unary<om::Log2>;
  t[TT_OP_LOG1P] = unary<om::Log1p>;
  t[TT_OP_EXPM1] = unary<om::Expm1>;
  t[TT_OP_SQRT] = unary<om::Sqrt>;
  t[TT_OP_RSQRT] = unary<om::Rsqrt>;
  t[TT_OP_RECIPROCAL] = unary<om::Reciprocal>;
  t[TT_OP_SIN] = unary<om::FullRange<om::Sin>>;
  t[TT_OP_COS] = unary<om::FullRange<om::Cos>>;
  t[TT_OP_TAN] = unary<om::FullRange<om::Tan>>;
  t[TT_OP_TANH] = unary<om::Tanh>;
  t[TT_OP_SINH] = unary<om::Sinh>;
  t[TT_OP_COSH] = unary<om::Cosh>;
  t[TT_OP_SIGMOID] = unary<om::Sigmoid>;
  t[TT_OP_GELU] = unary<om::Gelu>;
  t[TT_OP_GELU_TANH] = unary<om::GeluTanh>;
  t[TT_OP_SILU] = unary<om::Silu>;
  t[TT_OP_SOFTPLUS] = unary<om::Softplus>;
  t[TT_OP_ERF] = unary<om::Erf>;

  t[TT_OP_ADD] = binary<om::Add>;
  t[TT_OP_SUB] = binary<om::Sub>;
  t[TT_OP_MUL] = binary<om::Mul>;
  t[TT_OP_DIV] = binary<om::Div>;
  t[TT_OP_FLOOR_DIV] = binary<om::FloorDiv>;
  t[TT_OP_REMAINDER] = binary<om::Remainder>;
  t[TT_OP_MAXIMUM] = binary<om::Maximum>;
  t[TT_OP_MINIMUM] = binary<om::Minimum>;
  t[TT_OP_RELU_BACKWARD] = binary<om::ReluBackward>;
}

}  // namespace cu
}  // namespace tt
