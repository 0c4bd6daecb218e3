// Elementwise ops on CUDA, float32 and float64, any strides (stride 0 broadcasts an input):
// binary ADD SUB MUL DIV MAXIMUM MINIMUM, unary NEG EXP LOG TANH SIGMOID RELU.
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// ---------------------------------------------------------------------------------------------
// kernels: the maths of each op is a functor, one strided loop serves them all

struct Add { template <class T> __device__ T operator()(T a, T b) const { return a + b; } };
struct Sub { template <class T> __device__ T operator()(T a, T b) const { return a - b; } };
struct Mul { template <class T> __device__ T operator()(T a, T b) const { return a * b; } };
struct Div { template <class T> __device__ T operator()(T a, T b) const { return a / b; } };
// NaN propagates, as in torch.maximum (fmax would drop it).
struct Maximum {
  template <class T> __device__ T operator()(T a, T b) const { return a != a ? a : b != b ? b : a > b ? a : b; }
};
struct Minimum {
  template <class T> __device__ T operator()(T a, T b) const { return a != a ? a : b != b ? b : a < b ? a : b; }
};

struct Neg { template <class T> __device__ T operator()(T x) const { return -x; } };
struct Exp { template <class T> __device__ T operator()(T x) const { return exp(x); } };
struct Log { template <class T> __device__ T operator()(T x) const { return log(x); } };
struct Tanh { template <class T> __device__ T operator()(T x) const { return tanh(x); } };
struct Sigmoid { template <class T> __device__ T operator()(T x) const { return T(1) / (T(1) + exp(-x)); } };
struct Relu {  // NaN stays NaN, as torch.relu
  template <class T> __device__ T operator()(T x) const { return x < T(0) ? T(0) : x; }
};

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
  t[TT_OP_ADD] = binary<Add>;
  t[TT_OP_SUB] = binary<Sub>;
  t[TT_OP_MUL] = binary<Mul>;
  t[TT_OP_DIV] = binary<Div>;
  t[TT_OP_MAXIMUM] = binary<Maximum>;
  t[TT_OP_MINIMUM] = binary<Minimum>;
  t[TT_OP_NEG] = unary<Neg>;
  t[TT_OP_EXP] = unary<Exp>;
  t[TT_OP_LOG] = unary<Log>;
  t[TT_OP_TANH] = unary<Tanh>;
  t[TT_OP_SIGMOID] = unary<Sigmoid>;
  t[TT_OP_RELU] = unary<Relu>;
}

}  // namespace cu
}  // namespace tt
