// tt_run: every argument is checked here, once for every backend, before a kernel sees it.
// Kernels may then trust shapes, dtypes and bounds; only index *values* are left for them to check.
#include <climits>

#include "internal.h"

namespace tt {
namespace {

enum Family {
#define TT_FAMILY(f) F_##f,
  TT_FAMILY(COPY) TT_FAMILY(FILL) TT_FAMILY(ARANGE) TT_FAMILY(UNARY) TT_FAMILY(UNARY_FLOAT) TT_FAMILY(PREDICATE)
  TT_FAMILY(BINARY) TT_FAMILY(COMPARE) TT_FAMILY(WHERE) TT_FAMILY(REDUCE) TT_FAMILY(REDUCE_ARG)
  TT_FAMILY(REDUCE_BOOL) TT_FAMILY(SCAN) TT_FAMILY(MATMUL) TT_FAMILY(GATHER) TT_FAMILY(SCATTER)
  TT_FAMILY(NONZERO) TT_FAMILY(SORT) TT_FAMILY(RANDOM) TT_FAMILY(OPTIM) TT_FAMILY(CROSS_ENTROPY)
  TT_FAMILY(IM2COL) TT_FAMILY(POOL) TT_FAMILY(UNPOOL) TT_FAMILY(NORM) TT_FAMILY(ATTENTION) TT_FAMILY(RNN)
  TT_FAMILY(TERNARY)
#undef TT_FAMILY
};

struct OpInfo {
  const char* name;
  Family family;
  int32_t n_in, n_out;
};

const OpInfo kOps[] = {
#define TT_OP(name, number, family, n_in, n_out) {#name, F_##family, n_in, n_out},
#include "tinytorch/tt_ops.def"
#undef TT_OP
};
static_assert(sizeof kOps / sizeof kOps[0] == TT_OP_COUNT, "tt_ops.def must number its ops 0..N-1 in order");
#define TT_OP(name, number, family, n_in, n_out) static_assert(TT_OP_##name == number, "op " #name " is misnumbered");
#include "tinytorch/tt_ops.def"
#undef TT_OP

size_t attrs_size_of(Family f, int32_t op) {
  switch (op) {
    case TT_OP_SGD_STEP: return sizeof(tt_sgd_attrs);
    case TT_OP_ADAM_STEP: return sizeof(tt_adam_attrs);
    case TT_OP_RMSPROP_STEP: return sizeof(tt_rmsprop_attrs);
    case TT_OP_ADAGRAD_STEP: return sizeof(tt_adagrad_attrs);
    default: break;
  }
  switch (f) {
    case F_FILL: return sizeof(tt_fill_attrs);
    case F_ARANGE: return sizeof(tt_arange_attrs);
    case F_REDUCE: case F_REDUCE_ARG: case F_REDUCE_BOOL: return sizeof(tt_reduce_attrs);
    case F_SCAN: case F_GATHER: case F_SCATTER: return sizeof(tt_dim_attrs);
    case F_SORT: return sizeof(tt_sort_attrs);
    case F_RANDOM: return sizeof(tt_random_attrs);
    case F_CROSS_ENTROPY: return sizeof(tt_cross_entropy_attrs);
    case F_IM2COL: return sizeof(tt_conv_attrs);
    case F_POOL: return sizeof(tt_pool_attrs);
    case F_NORM: return sizeof(tt_norm_attrs);
    case F_ATTENTION: return sizeof(tt_attention_attrs);
    case F_TERNARY: return sizeof(tt_scale_attrs);
    default: return 0;
  }
}

// The element span of a view must lie inside its buffer, with no int64 overflow on the way.
tt_status check_view(const char* op, const char* role, int i, const tt_view& v) {
  if (!v.buf) return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s %d has a null buffer", op, role, i);
  if (v.dtype < 0 || v.dtype >= TT_DTYPE_COUNT)
    return fail(TT_ERR_DTYPE, "%s: %s %d has unknown dtype code %d", op, role, i, v.dtype);
  if (v.ndim < 0 || v.ndim > TT_MAX_DIMS)
    return fail(TT_ERR_SHAPE, "%s: %s %d has %d dims (at most %d)", op, role, i, v.ndim, TT_MAX_DIMS);
  for (int d = 0; d < v.ndim; ++d)
    if (v.shape[d] < 0) return fail(TT_ERR_SHAPE, "%s: %s %d has negative size %lld in dim %d", op, role, i,
                                    (long long)v.shape[d], d);
  int64_t first = 0, last = 0;
  Extent extent = view_extent(v, &first, &last);
  if (extent == Extent::too_many)
    return fail(TT_ERR_SHAPE, "%s: %s %d of shape %s has more elements than int64 holds", op, role, i, TT_SHAPE(v));
  if (extent == Extent::empty) return TT_OK;
  int64_t limit = tt_buffer_nbytes(v.buf) / dtype_size(v.dtype);
  if (extent == Extent::overflow || first < 0 || last >= limit)
    return fail(TT_ERR_SHAPE,
                "%s: %s %d (shape %s, offset %lld) reaches elements [%lld, %lld], outside its buffer of %lld %s elements",
                op, role, i, TT_SHAPE(v), (long long)v.offset, (long long)first, (long long)last, (long long)limit,
                tt_dtype_name(v.dtype));
  return TT_OK;
}

bool same_shape(const tt_view& a, const tt_view& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}

tt_status shape_mismatch(const char* op, const tt_view& a, const tt_view& b, const char* what) {
  return fail(TT_ERR_SHAPE, "%s: %s: shapes %s and %s", op, what, TT_SHAPE(a), TT_SHAPE(b));
}
tt_status dtype_mismatch(const char* op, const tt_view& a, const tt_view& b) {
  return fail(TT_ERR_DTYPE, "%s: dtypes %s and %s must agree", op, tt_dtype_name(a.dtype), tt_dtype_name(b.dtype));
}
tt_status want_dtype(const char* op, const tt_view& v, int32_t dtype, const char* role) {
  if (v.dtype == dtype) return TT_OK;
  return fail(TT_ERR_DTYPE, "%s: %s must be %s, not %s", op, role, tt_dtype_name(dtype), tt_dtype_name(v.dtype));
}

tt_status want_float(const char* op, const tt_view& v) {
  if (v.dtype == TT_FLOAT32 || v.dtype == TT_FLOAT64) return TT_OK;
  return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", op, tt_dtype_name(v.dtype));
}
tt_status want_rank(const char* op, const tt_view& v, int ndim, const char* role) {
  if (v.ndim == ndim) return TT_OK;
  return fail(TT_ERR_SHAPE, "%s: %s must have %d dims, got %s", op, role, ndim, TT_SHAPE(v));
}
// Every (h, w) pair of a window geometry: stride and dilation >= 1, padding >= 0.
tt_status check_window(const char* op, const int64_t* stride, const int64_t* padding, const int64_t* dilation) {
  for (int i = 0; i < 2; ++i)
    if (stride[i] < 1 || dilation[i] < 1 || padding[i] < 0)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: stride %lld, dilation %lld and padding %lld: stride and dilation "
                  "must be at least 1 and padding non-negative", op, (long long)stride[i], (long long)dilation[i],
                  (long long)padding[i]);
  return TT_OK;
}
// Views of one rank whose dims `first`.. must agree with another's.
bool same_dims(const tt_view& a, const tt_view& b, int first, int count) {
  for (int d = 0; d < count; ++d)
    if (a.shape[first + d] != b.shape[first + d]) return false;
  return true;
}

tt_status check_family(const char* name, Family family, const Call& c) {
  const tt_view* in = c.in;
  const tt_view& out = c.out[0];
  switch (family) {
    case F_COPY:
      if (!same_shape(in[0], out)) return shape_mismatch(name, in[0], out, "input and output must have one shape");
      return TT_OK;
    case F_FILL:
      return TT_OK;
    case F_ARANGE:
      if (out.ndim != 1) return fail(TT_ERR_SHAPE, "%s: output must be 1-d, got %s", name, TT_SHAPE(out));
      return TT_OK;
    case F_UNARY: case F_UNARY_FLOAT: case F_BINARY: case F_COMPARE: case F_WHERE: case F_PREDICATE: case F_TERNARY:
      for (int i = 0; i < c.n_in; ++i)
        if (!same_shape(in[i], out)) return shape_mismatch(name, in[i], out, "input and output must have one shape");
      if (family == F_TERNARY) {
        for (int i = 0; i < c.n_in; ++i)
          if (in[i].dtype != out.dtype) return dtype_mismatch(name, in[i], out);
        return want_float(name, out);
      }
      if (family == F_WHERE) {
        if (tt_status s = want_dtype(name, in[0], TT_BOOL, "the condition")) return s;
        if (in[1].dtype != in[2].dtype) return dtype_mismatch(name, in[1], in[2]);
        if (in[1].dtype != out.dtype) return dtype_mismatch(name, in[1], out);
        return TT_OK;
      }
      if (c.n_in == 2 && in[0].dtype != in[1].dtype) return dtype_mismatch(name, in[0], in[1]);
      if (family == F_COMPARE || family == F_PREDICATE) return want_dtype(name, out, TT_BOOL, "the output");
      if (in[0].dtype != out.dtype) return dtype_mismatch(name, in[0], out);
      if (family == F_UNARY_FLOAT && !is_float(out.dtype))
        return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", name, tt_dtype_name(out.dtype));
      return TT_OK;
    case F_REDUCE: case F_REDUCE_ARG: case F_REDUCE_BOOL: {
      uint32_t axes = c.attr<tt_reduce_attrs>().axes;
      if (in[0].ndim != out.ndim)
        return shape_mismatch(name, in[0], out, "the output keeps the input's dims (reduced ones of size 1)");
      if (in[0].ndim < 32 && (axes >> in[0].ndim) != 0)
        return fail(TT_ERR_SHAPE, "%s: axes mask 0x%x names a dim beyond the %d of input %s", name, axes, in[0].ndim,
                    TT_SHAPE(in[0]));
      for (int d = 0; d < out.ndim; ++d) {
        int64_t want = (axes >> d & 1) ? 1 : in[0].shape[d];
        if (out.shape[d] != want)
          return shape_mismatch(name, in[0], out, "the output must be the input with reduced dims of size 1");
        if ((axes >> d & 1) && in[0].shape[d] == 0 && (family == F_REDUCE_ARG || c.op == TT_OP_MAX || c.op == TT_OP_MIN))
          return fail(TT_ERR_SHAPE, "%s: cannot reduce the empty dim %d of %s (the op has no identity)", name, d,
                      TT_SHAPE(in[0]));
      }
      if (family == F_REDUCE_ARG) return want_dtype(name, out, TT_INT64, "the output");
      if (family == F_REDUCE_BOOL) return want_dtype(name, out, TT_BOOL, "the output");
      if (in[0].dtype != out.dtype) return dtype_mismatch(name, in[0], out);
      if (c.op == TT_OP_MEAN && !is_float(out.dtype))
        return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", name, tt_dtype_name(out.dtype));
      return TT_OK;
    }
    case F_SCAN: {
      int32_t dim = c.attr<tt_dim_attrs>().dim;
      if (!same_shape(in[0], out)) return shape_mismatch(name, in[0], out, "input and output must have one shape");
      if (in[0].dtype != out.dtype) return dtype_mismatch(name, in[0], out);
      if (dim < 0 || dim >= (in[0].ndim ? in[0].ndim : 1))
        return fail(TT_ERR_INDEX, "%s: dim %d out of range for shape %s", name, dim, TT_SHAPE(in[0]));
      if ((c.op == TT_OP_SOFTMAX || c.op == TT_OP_LOG_SOFTMAX) && !is_float(out.dtype))
        return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", name, tt_dtype_name(out.dtype));
      return TT_OK;
    }
    case F_MATMUL: {
      const tt_view &a = in[0], &b = in[1];
      int nd = out.ndim;
      if (nd < 2 || a.ndim != nd || b.ndim != nd)
        return fail(TT_ERR_SHAPE, "%s: operands must share a rank of at least 2, got %s @ %s -> %s", name, TT_SHAPE(a),
                    TT_SHAPE(b), TT_SHAPE(out));
      bool ok = a.shape[nd - 1] == b.shape[nd - 2] && out.shape[nd - 2] == a.shape[nd - 2] &&
                out.shape[nd - 1] == b.shape[nd - 1];
      for (int d = 0; d < nd - 2; ++d) ok &= a.shape[d] == out.shape[d] && b.shape[d] == out.shape[d];
      if (!ok) return fail(TT_ERR_SHAPE, "%s: shapes %s @ %s -> %s do not agree", name, TT_SHAPE(a), TT_SHAPE(b),
                           TT_SHAPE(out));
      if (a.dtype != b.dtype) return dtype_mismatch(name, a, b);
      if (a.dtype != out.dtype) return dtype_mismatch(name, a, out);
      if (a.dtype == TT_BOOL) return fail(TT_ERR_DTYPE, "%s: does not take bool", name);
      return TT_OK;
    }
    case F_GATHER: case F_SCATTER: {
      // GATHER: in = (src, index), out; SCATTER: in = (index, src), out updated in place.
      int32_t dim = c.attr<tt_dim_attrs>().dim;
      const tt_view& index = family == F_GATHER ? in[1] : in[0];
      const tt_view& src = family == F_GATHER ? in[0] : in[1];
      const tt_view& big = family == F_GATHER ? src : out;  // the tensor that `index` points into
      if (tt_status s = want_dtype(name, index, TT_INT64, "the index")) return s;
      if (src.dtype != out.dtype) return dtype_mismatch(name, src, out);
      if (index.ndim != big.ndim || (family == F_GATHER ? !same_shape(index, out) : index.ndim != src.ndim))
        return fail(TT_ERR_SHAPE, "%s: index %s does not fit input %s and output %s", name, TT_SHAPE(index),
                    TT_SHAPE(src), TT_SHAPE(out));
      if (dim < 0 || dim >= (big.ndim ? big.ndim : 1))
        return fail(TT_ERR_INDEX, "%s: dim %d out of range for shape %s", name, dim, TT_SHAPE(big));
      for (int d = 0; d < index.ndim; ++d) {
        bool ok = (d == dim || index.shape[d] <= big.shape[d]) && (family == F_GATHER || index.shape[d] <= src.shape[d]);
        if (!ok) return fail(TT_ERR_SHAPE, "%s: index %s is larger than input %s or output %s in dim %d", name,
                             TT_SHAPE(index), TT_SHAPE(src), TT_SHAPE(out), d);
      }
      return TT_OK;
    }
    case F_NONZERO:
      if (tt_status s = want_dtype(name, out, TT_INT64, "the output")) return s;
      if (out.ndim != 2 || out.shape[1] != in[0].ndim)
        return fail(TT_ERR_SHAPE, "%s: output must be [count, %d], got %s", name, in[0].ndim, TT_SHAPE(out));
      return TT_OK;
    case F_SORT: {
      const tt_sort_attrs& a = c.attr<tt_sort_attrs>();
      const tt_view &x = in[0], &idx = c.out[1];
      if (x.ndim < 1) return fail(TT_ERR_SHAPE, "%s: input must have at least one dim", name);
      int64_t n = x.shape[x.ndim - 1];
      if (a.k < 0 || a.k > n)
        return fail(TT_ERR_INDEX, "%s: k = %lld out of range for a last dim of %lld", name, (long long)a.k, (long long)n);
      if (x.dtype != out.dtype) return dtype_mismatch(name, x, out);
      if (tt_status s = want_dtype(name, idx, TT_INT64, "the indices")) return s;
      bool ok = out.ndim == x.ndim && same_shape(out, idx) && out.shape[x.ndim - 1] == a.k;
      for (int d = 0; ok && d < x.ndim - 1; ++d) ok = out.shape[d] == x.shape[d];
      if (!ok) return fail(TT_ERR_SHAPE, "%s: outputs %s and %s do not fit input %s with k = %lld", name, TT_SHAPE(out),
                           TT_SHAPE(idx), TT_SHAPE(x), (long long)a.k);
      return TT_OK;
    }
    case F_RANDOM: {
      const tt_random_attrs& a = c.attr<tt_random_attrs>();
      if (c.op == TT_OP_RAND_INT) {
        if (!(a.a < a.b)) return fail(TT_ERR_INVALID_ARGUMENT, "%s: empty range [%g, %g)", name, a.a, a.b);
        if (out.dtype == TT_BOOL || is_float(out.dtype))
          return fail(TT_ERR_DTYPE, "%s: takes integer dtypes, not %s", name, tt_dtype_name(out.dtype));
        return TT_OK;
      }
      if (!is_float(out.dtype))
        return fail(TT_ERR_DTYPE, "%s: takes floating dtypes, not %s", name, tt_dtype_name(out.dtype));
      if (c.op == TT_OP_RAND_NORMAL && !(a.b >= 0))
        return fail(TT_ERR_INVALID_ARGUMENT, "%s: std must be non-negative, got %g", name, a.b);
      if (c.op == TT_OP_RAND_UNIFORM && !(a.a <= a.b))
        return fail(TT_ERR_INVALID_ARGUMENT, "%s: range [%g, %g) is reversed", name, a.a, a.b);
      return TT_OK;
    }
    case F_OPTIM:
      for (int i = 0; i < c.n_out; ++i) {
        if (!same_shape(in[0], c.out[i]))
          return shape_mismatch(name, in[0], c.out[i], "the gradient and every state must have one shape");
        if (c.out[i].dtype != in[0].dtype) return dtype_mismatch(name, in[0], c.out[i]);
      }
      if (in[0].dtype != TT_FLOAT32 && in[0].dtype != TT_FLOAT64)
        return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", name, tt_dtype_name(in[0].dtype));
      return TT_OK;
    case F_CROSS_ENTROPY: {
      const tt_view &logits = in[0], &target = in[1];
      if (logits.ndim != 2 || target.ndim != 1 || target.shape[0] != logits.shape[0])
        return fail(TT_ERR_SHAPE, "%s: expects logits [N, C] and target [N], got %s and %s", name, TT_SHAPE(logits),
                    TT_SHAPE(target));
      if (tt_status s = want_dtype(name, target, TT_INT64, "the target")) return s;
      if (logits.dtype != TT_FLOAT32 && logits.dtype != TT_FLOAT64)
        return fail(TT_ERR_DTYPE, "%s: takes float32 or float64 logits, not %s", name, tt_dtype_name(logits.dtype));
      if (out.dtype != logits.dtype) return dtype_mismatch(name, logits, out);
      if (c.op == TT_OP_CROSS_ENTROPY) {
        if (out.ndim != 1 || out.shape[0] != logits.shape[0])
          return fail(TT_ERR_SHAPE, "%s: output must be [%lld], got %s", name, (long long)logits.shape[0], TT_SHAPE(out));
        return TT_OK;
      }
      if (!same_shape(out, logits)) return shape_mismatch(name, logits, out, "the gradient has the logits' shape");
      if (!same_shape(in[2], target)) return shape_mismatch(name, target, in[2], "the row gradients are [N]");
      if (in[2].dtype != logits.dtype) return dtype_mismatch(name, logits, in[2]);
      return TT_OK;
    }
    case F_IM2COL: {
      const tt_conv_attrs& a = c.attr<tt_conv_attrs>();
      const tt_view& image = c.op == TT_OP_IM2COL ? in[0] : out;
      const tt_view& cols = c.op == TT_OP_IM2COL ? out : in[0];
      if (tt_status s = want_rank(name, image, 4, "the image [N, C, H, W]")) return s;
      if (tt_status s = want_rank(name, cols, 6, "the columns [N, C, KH, KW, OH, OW]")) return s;
      if (!same_dims(image, cols, 0, 2)) return shape_mismatch(name, image, cols, "N and C must agree");
      if (in[0].dtype != out.dtype) return dtype_mismatch(name, in[0], out);
      return check_window(name, a.stride, a.padding, a.dilation);
    }
    case F_POOL: {
      const tt_pool_attrs& a = c.attr<tt_pool_attrs>();
      bool backward = c.op == TT_OP_AVG_POOL2D_BACKWARD;
      const tt_view& x = backward ? out : in[0];
      const tt_view& y = backward ? in[0] : out;
      if (tt_status s = want_rank(name, x, 4, "the input [N, C, H, W]")) return s;
      if (tt_status s = want_rank(name, y, 4, "the output [N, C, OH, OW]")) return s;
      if (!same_dims(x, y, 0, 2)) return shape_mismatch(name, x, y, "N and C must agree");
      if (in[0].dtype != out.dtype) return dtype_mismatch(name, in[0], out);
      if (tt_status s = want_float(name, x)) return s;
      if (c.op == TT_OP_MAX_POOL2D) {
        if (!same_shape(out, c.out[1])) return shape_mismatch(name, out, c.out[1], "values and indices");
        if (tt_status s = want_dtype(name, c.out[1], TT_INT64, "the indices")) return s;
      }
      if (a.adaptive) {
        if ((x.shape[2] == 0 || x.shape[3] == 0) && numel(y) > 0)
          return fail(TT_ERR_SHAPE, "%s: adaptive pooling of the empty input %s", name, TT_SHAPE(x));
        return TT_OK;
      }
      if (a.kernel[0] < 1 || a.kernel[1] < 1)
        return fail(TT_ERR_INVALID_ARGUMENT, "%s: kernel size %lldx%lld must be positive", name,
                    (long long)a.kernel[0], (long long)a.kernel[1]);
      return check_window(name, a.stride, a.padding, a.dilation);
    }
    case F_UNPOOL: {
      const tt_view &g = in[0], &index = in[1];
      if (tt_status s = want_rank(name, g, 4, "the gradient [N, C, OH, OW]")) return s;
      if (tt_status s = want_rank(name, out, 4, "the output [N, C, H, W]")) return s;
      if (!same_shape(g, index)) return shape_mismatch(name, g, index, "gradient and indices");
      if (tt_status s = want_dtype(name, index, TT_INT64, "the indices")) return s;
      if (!same_dims(g, out, 0, 2)) return shape_mismatch(name, g, out, "N and C must agree");
      if (g.dtype != out.dtype) return dtype_mismatch(name, g, out);
      return want_float(name, out);
    }
    case F_NORM: {
      const tt_view& x = in[0];  // NORM: x; NORM_BACKWARD: xhat
      if (tt_status s = want_rank(name, x, 3, "the input [A, M, B]")) return s;
      if (tt_status s = want_float(name, x)) return s;
      for (int i = 0; i < c.n_in + c.n_out; ++i) {
        const tt_view& v = i < c.n_in ? in[i] : c.out[i - c.n_in];
        if (v.dtype != x.dtype) return dtype_mismatch(name, x, v);
        bool is_stat = c.op == TT_OP_NORM ? i > c.n_in : i == 1;
        bool ok = is_stat ? v.ndim == 1 && v.shape[0] == x.shape[1] : same_shape(v, x);
        if (!ok) return shape_mismatch(name, x, v, is_stat ? "statistics are [M]" : "operands share the input's shape");
      }
      return TT_OK;
    }
    case F_ATTENTION: {
      const tt_view &q = in[0], &k = in[1], &v = in[2], &mask = in[3];
      for (int i = 0; i < c.n_in + c.n_out; ++i) {
        const tt_view& t = i < c.n_in ? in[i] : c.out[i - c.n_in];
        if (t.dtype != q.dtype) return dtype_mismatch(name, q, t);
      }
      if (tt_status s = want_float(name, q)) return s;
      bool ok = q.ndim == 4 && k.ndim == 4 && v.ndim == 4 && mask.ndim == 4 && same_dims(q, k, 0, 2) &&
                same_dims(q, v, 0, 2) && k.shape[3] == q.shape[3] && v.shape[2] == k.shape[2] &&
                same_dims(q, mask, 0, 3) && mask.shape[3] == k.shape[2];
      if (!ok) return fail(TT_ERR_SHAPE, "%s: q %s, k %s, v %s and mask %s do not agree", name, TT_SHAPE(q),
                           TT_SHAPE(k), TT_SHAPE(v), TT_SHAPE(mask));
      const tt_view& o = c.op == TT_OP_ATTENTION ? c.out[0] : in[4];
      const tt_view& lse = c.op == TT_OP_ATTENTION ? c.out[1] : in[5];
      ok = o.ndim == 4 && same_dims(o, q, 0, 3) && o.shape[3] == v.shape[3] && lse.ndim == 3 && same_dims(lse, q, 0, 3);
      if (c.op == TT_OP_ATTENTION_BACKWARD)
        ok = ok && same_shape(in[6], o) && same_shape(c.out[0], q) && same_shape(c.out[1], k) && same_shape(c.out[2], v);
      if (!ok) return fail(TT_ERR_SHAPE, "%s: outputs or gradients do not fit q %s, k %s, v %s", name, TT_SHAPE(q),
                           TT_SHAPE(k), TT_SHAPE(v));
      return TT_OK;
    }
    case F_RNN: {
      // Every operand is [B, k*H]; k per operand, inputs then outputs, from tt_ops.def.
      static const int8_t kLstm[] = {4, 4, 1, 1, 1, 4}, kLstmBack[] = {4, 1, 1, 1, 1, 4, 1},
                          kGru[] = {3, 3, 1, 1, 4}, kGruBack[] = {4, 1, 1, 3, 3, 1};
      const int8_t* k = c.op == TT_OP_LSTM_CELL ? kLstm : c.op == TT_OP_LSTM_CELL_BACKWARD ? kLstmBack
                        : c.op == TT_OP_GRU_CELL ? kGru : kGruBack;
      const tt_view& state = c.op == TT_OP_GRU_CELL_BACKWARD ? in[1] : in[2];  // the [B, H] input: c or h
      if (tt_status s = want_rank(name, state, 2, "the state [B, H]")) return s;
      if (tt_status s = want_float(name, state)) return s;
      int64_t B = state.shape[0], H = state.shape[1];
      if (H > INT64_MAX / 4) return fail(TT_ERR_SHAPE, "%s: state %s is too wide", name, TT_SHAPE(state));
      for (int i = 0; i < c.n_in + c.n_out; ++i) {
        const tt_view& v = i < c.n_in ? in[i] : c.out[i - c.n_in];
        if (v.dtype != state.dtype) return dtype_mismatch(name, state, v);
        if (v.ndim != 2 || v.shape[0] != B || v.shape[1] != k[i] * H)
          return fail(TT_ERR_SHAPE, "%s: %s %d must be [%lld, %d * %lld] for the state %s, got %s", name,
                      i < c.n_in ? "input" : "output", i < c.n_in ? i : i - c.n_in, (long long)B, k[i], (long long)H,
                      TT_SHAPE(state), TT_SHAPE(v));
      }
      return TT_OK;
    }
  }
  return fail(TT_ERR_INTERNAL, "%s: unknown op family", name);
}

}  // namespace

Extent view_extent(const tt_view& v, int64_t* first, int64_t* last) {
  int64_t n = 1, lo = 0, hi = 0;
  bool overflow = false;
  for (int d = 0; d < v.ndim; ++d) overflow |= __builtin_mul_overflow(n, v.shape[d], &n);
  if (overflow) return Extent::too_many;
  if (n == 0) return Extent::empty;
  for (int d = 0; d < v.ndim; ++d) {
    int64_t reach;
    overflow |= __builtin_mul_overflow(v.shape[d] - 1, v.strides[d], &reach);
    overflow |= __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi);
  }
  overflow |= __builtin_add_overflow(v.offset, lo, first) || __builtin_add_overflow(v.offset, hi, last);
  return overflow ? Extent::overflow : Extent::ok;
}

bool op_signature(int32_t op, int32_t* n_in, int32_t* n_out, size_t* attrs_size) {
  if (op < 0 || op >= TT_OP_COUNT) return false;
  *n_in = kOps[op].n_in;
  *n_out = kOps[op].n_out;
  *attrs_size = attrs_size_of(kOps[op].family, op);
  return true;
}

tt_status validate_call(int32_t op, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                        int32_t n_outputs, const void* attrs, size_t attrs_size, Kernel* kernel_out) {
  if (op < 0 || op >= TT_OP_COUNT) return fail(TT_ERR_INVALID_ARGUMENT, "tt_run: unknown op %d", op);
  const OpInfo& info = kOps[op];
  const char* name = info.name;
  if (n_inputs != info.n_in || n_outputs != info.n_out)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: takes %d inputs and %d outputs, got %d and %d", name, info.n_in,
                info.n_out, n_inputs, n_outputs);
  if ((n_inputs && !inputs) || !outputs)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: null inputs or outputs array", name);
  size_t want = attrs_size_of(info.family, op);
  if (want && (!attrs || attrs_size < want))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: needs an attrs struct of %zu bytes, got %zu", name, want,
                attrs ? attrs_size : 0);
  for (int i = 0; i < n_inputs; ++i)
    if (tt_status s = check_view(name, "input", i, inputs[i])) return s;
  for (int i = 0; i < n_outputs; ++i)
    if (tt_status s = check_view(name, "output", i, outputs[i])) return s;
  tt_device device = tt_buffer_device(outputs[0].buf);
  for (int i = 0; i < n_inputs + n_outputs; ++i) {
    tt_device d = tt_buffer_device(i < n_inputs ? inputs[i].buf : outputs[i - n_inputs].buf);
    if (d.type != device.type || d.index != device.index)
      return fail(TT_ERR_DEVICE, "%s: operands on different devices (%s:%d and %s:%d)", name,
                  backend_for(device.type)->name, device.index, backend_for(d.type)->name, d.index);
  }
  Call call{op, inputs, n_inputs, outputs, n_outputs, attrs};
  if (tt_status s = check_family(name, info.family, call)) return s;
  Backend* backend = backend_for(device.type);
  Kernel kernel = backend->kernels[op];
  if (!kernel) return fail(TT_ERR_UNSUPPORTED, "%s: not implemented on the %s backend", name, backend->name);
  *kernel_out = kernel;
  return TT_OK;
}

}  // namespace tt

using namespace tt;

extern "C" const char* tt_op_name(int32_t op) { return op >= 0 && op < TT_OP_COUNT ? kOps[op].name : "UNKNOWN_OP"; }

extern "C" tt_status tt_run(int32_t op, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                            int32_t n_outputs, const void* attrs, size_t attrs_size) {
  Kernel kernel;
  if (tt_status s = validate_call(op, inputs, n_inputs, outputs, n_outputs, attrs, attrs_size, &kernel)) return s;
  return kernel(Call{op, inputs, n_inputs, outputs, n_outputs, attrs});
}
