// The bool-valued and selecting elementwise ops on CUDA, any strides (stride 0 broadcasts an input): COMPARE and
// PREDICATE for every dtype (float16/bfloat16 compared as float, bool as 0/1, as on the CPU), WHERE for every
// element size, and the fused ADDCMUL/ADDCDIV for float32/float64. The maths is opmath's, shared with the CPU.
#include "../opmath/binary.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// Predicates on a widened value (float, double or int64): integers are never NaN or infinite.
struct IsNan {
  template <class W>
  __device__ bool operator()(W v) const { return v != v; }
};
struct IsInf {
  __device__ bool operator()(float v) const { return fabsf(v) == INFINITY; }
  __device__ bool operator()(double v) const { return fabs(v) == INFINITY; }
  __device__ bool operator()(int64_t) const { return false; }
};
struct LogicalNot {
  template <class W>
  __device__ bool operator()(W v) const { return v == W(0); }
};

template <class T, class Op>
__global__ void compare_kernel(Bool8* out, const T* a, const T* b, Layout<3> l, int64_t n, Op op) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsets(l, i, off);
    out[off[0]].v = op(widen(a[off[1]]), widen(b[off[2]]));
  }
}

template <class T, class Op>
__global__ void predicate_kernel(Bool8* out, const T* x, Layout<2> l, int64_t n, Op op) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[2];
    offsets(l, i, off);
    out[off[0]].v = op(widen(x[off[1]]));
  }
}

// T: an unsigned integer of the element's size; where only moves bits.
template <class T>
__global__ void where_kernel(T* out, const Bool8* cond, const T* a, const T* b, Layout<4> l, int64_t n) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[4];
    offsets(l, i, off);
    out[off[0]] = cond[off[1]].v ? a[off[2]] : b[off[3]];
  }
}

template <class T, class Op>
__global__ void ternary_kernel(T* out, const T* x, const T* a, const T* b, Layout<4> l, int64_t n, Op op) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[4];
    offsets(l, i, off);
    out[off[0]] = op(x[off[1]], a[off[2]], b[off[3]]);
  }
}

template <class Op>
tt_status compare(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &out = c.out[0], &a = c.in[0], &b = c.in[1];
  const tt_view* views[3] = {&out, &a, &b};
  int64_t n = numel(out);
  with_dtype(a.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (n) compare_kernel<<<blocks_for(n), kThreads>>>(data_ptr<Bool8>(out), data_ptr<const T>(a),
                                                       data_ptr<const T>(b), make_layout(views), n, Op{});
  });
  return launched(c);
}

template <class Op>
tt_status predicate(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &out = c.out[0], &x = c.in[0];
  const tt_view* views[2] = {&out, &x};
  int64_t n = numel(out);
  with_dtype(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    if (n) predicate_kernel<<<blocks_for(n), kThreads>>>(data_ptr<Bool8>(out), data_ptr<const T>(x),
                                                         make_layout(views), n, Op{});
  });
  return launched(c);
}

template <class T>
void launch_where(const Call& c, int64_t n) {
  const tt_view* views[4] = {&c.out[0], &c.in[0], &c.in[1], &c.in[2]};
  where_kernel<<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), data_ptr<const Bool8>(c.in[0]),
                                            data_ptr<const T>(c.in[1]), data_ptr<const T>(c.in[2]),
                                            make_layout(views), n);
}

tt_status where(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  int64_t n = numel(c.out[0]);
  if (n) {
    switch (tt_dtype_size(c.out[0].dtype)) {
      case 1: launch_where<uint8_t>(c, n); break;
      case 2: launch_where<uint16_t>(c, n); break;
      case 4: launch_where<uint32_t>(c, n); break;
      default: launch_where<uint64_t>(c, n); break;  // tt_run admits no other element size
    }
  }
  return launched(c);
}

template <template <class> class Op, class T>
void launch_ternary(const Call& c, int64_t n) {
  const tt_view* views[4] = {&c.out[0], &c.in[0], &c.in[1], &c.in[2]};
  ternary_kernel<<<blocks_for(n), kThreads>>>(data_ptr<T>(c.out[0]), data_ptr<const T>(c.in[0]),
                                              data_ptr<const T>(c.in[1]), data_ptr<const T>(c.in[2]),
                                              make_layout(views), n, Op<T>{T(c.attr<tt_scale_attrs>().value)});
}

template <template <class> class Op>
tt_status ternary(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  int64_t n = numel(c.out[0]);
  if (n) {
    if (c.out[0].dtype == TT_FLOAT64) launch_ternary<Op, double>(c, n);
    else launch_ternary<Op, float>(c, n);  // float32: tt_run admits no other dtype
  }
  return launched(c);
}

}  // namespace

void register_compare(Kernel* t) {
  t[TT_OP_EQ] = compare<om::Eq>;
  t[TT_OP_NE] = compare<om::Ne>;
  t[TT_OP_LT] = compare<om::Lt>;
  t[TT_OP_LE] = compare<om::Le>;
  t[TT_OP_GT] = compare<om::Gt>;
  t[TT_OP_GE] = compare<om::Ge>;
  t[TT_OP_LOGICAL_AND] = compare<om::LogicalAnd>;
  t[TT_OP_LOGICAL_OR] = compare<om::LogicalOr>;
  t[TT_OP_LOGICAL_XOR] = compare<om::LogicalXor>;
  t[TT_OP_ISNAN] = predicate<IsNan>;
  t[TT_OP_ISINF] = predicate<IsInf>;
  t[TT_OP_LOGICAL_NOT] = predicate<LogicalNot>;
  t[TT_OP_WHERE] = where;
  t[TT_OP_ADDCMUL] = ternary<om::Addcmul>;
  t[TT_OP_ADDCDIV] = ternary<om::Addcdiv>;
}

}  // namespace cu
}  // namespace tt
