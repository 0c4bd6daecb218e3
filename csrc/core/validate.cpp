// The validation rule of every op family (tt_ops.def's family column), one function each, and the dtypes each op
// admits. tt_run (run.cpp) has already checked every view against its buffer and the devices; a rule checks
// shapes, dtypes and attrs, so that kernels may trust them (only index *values* are left to the kernels).
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "ops.h"

namespace tt {
namespace {

bool same_shape(const tt_view& a, const tt_view& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}
// Views whose dims `first`.. agree, `count` of them.
bool same_dims(const tt_view& a, const tt_view& b, int first, int count) {
  for (int d = 0; d < count; ++d)
    if (a.shape[first + d] != b.shape[first + d]) return false;
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
tt_status want_rank(const char* op, const tt_view& v, int ndim, const char* role) {
  if (v.ndim == ndim) return TT_OK;
  return fail(TT_ERR_SHAPE, "%s: %s must have %d dims, got %s", op, role, ndim, TT_SHAPE(v));
}
tt_status want_same_dtype(const char* op, const Call& c, const tt_view& like) {
  for (int i = 0; i < c.n_in + c.n_out; ++i) {
    const tt_view& v = i < c.n_in ? c.in[i] : c.out[i - c.n_in];
    if (v.dtype != like.dtype) return dtype_mismatch(op, like, v);
  }
  return TT_OK;
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
tt_status dim_in_range(const char* op, int32_t dim, const tt_view& v) {
  if (dim >= 0 && dim < (v.ndim ? v.ndim : 1)) return TT_OK;
  return fail(TT_ERR_INDEX, "%s: dim %d out of range for shape %s", op, dim, TT_SHAPE(v));
}

// ---- elementwise: every input has the output's shape (broadcast inputs come as stride-0 views)

tt_status inputs_fit_output(const char* op, const Call& c) {
  for (int i = 0; i < c.n_in; ++i)
    if (!same_shape(c.in[i], c.out[0])) return shape_mismatch(op, c.in[i], c.out[0], "input and output must have one shape");
  return TT_OK;
}
// Inputs of one dtype; the output has it too, or is bool.
tt_status elementwise(const char* op, const Call& c, bool bool_out) {
  if (tt_status s = inputs_fit_output(op, c)) return s;
  if (c.n_in == 2 && c.in[0].dtype != c.in[1].dtype) return dtype_mismatch(op, c.in[0], c.in[1]);
  if (bool_out) return want_dtype(op, c.out[0], TT_BOOL, "the output");
  if (c.in[0].dtype != c.out[0].dtype) return dtype_mismatch(op, c.in[0], c.out[0]);
  return TT_OK;
}

tt_status check_COPY(const char* op, const Call& c) {
  if (!same_shape(c.in[0], c.out[0])) return shape_mismatch(op, c.in[0], c.out[0], "input and output must have one shape");
  return TT_OK;
}
tt_status check_FILL(const char*, const Call&) { return TT_OK; }
tt_status check_ARANGE(const char* op, const Call& c) {
  if (c.out[0].ndim != 1) return fail(TT_ERR_SHAPE, "%s: output must be 1-d, got %s", op, TT_SHAPE(c.out[0]));
  return TT_OK;
}
tt_status check_UNARY(const char* op, const Call& c) { return elementwise(op, c, false); }
tt_status check_UNARY_FLOAT(const char* op, const Call& c) { return elementwise(op, c, false); }
tt_status check_PREDICATE(const char* op, const Call& c) { return elementwise(op, c, true); }
tt_status check_BINARY(const char* op, const Call& c) { return elementwise(op, c, false); }
tt_status check_COMPARE(const char* op, const Call& c) { return elementwise(op, c, true); }
tt_status check_TERNARY(const char* op, const Call& c) {
  if (tt_status s = inputs_fit_output(op, c)) return s;
  return want_same_dtype(op, c, c.out[0]);
}
tt_status check_WHERE(const char* op, const Call& c) {
  const tt_view* in = c.in;
  if (tt_status s = inputs_fit_output(op, c)) return s;
  if (tt_status s = want_dtype(op, in[0], TT_BOOL, "the condition")) return s;
  if (in[1].dtype != in[2].dtype) return dtype_mismatch(op, in[1], in[2]);
  if (in[1].dtype != c.out[0].dtype) return dtype_mismatch(op, in[1], c.out[0]);
  return TT_OK;
}

// ---- reductions and scans

// The output keeps the input's dims, reduced ones of size 1; `result` is the output's dtype (-1: the input's).
tt_status reduction(const char* op, const Call& c, bool needs_identity, int32_t result) {
  const tt_view &x = c.in[0], &out = c.out[0];
  uint32_t axes = c.attr<tt_reduce_attrs>().axes;
  if (x.ndim != out.ndim)
    return shape_mismatch(op, x, out, "the output keeps the input's dims (reduced ones of size 1)");
  if (x.ndim < 32 && (axes >> x.ndim) != 0)
    return fail(TT_ERR_SHAPE, "%s: axes mask 0x%x names a dim beyond the %d of input %s", op, axes, x.ndim,
                TT_SHAPE(x));
  for (int d = 0; d < out.ndim; ++d) {
    bool reduced = axes >> d & 1;
    if (out.shape[d] != (reduced ? 1 : x.shape[d]))
      return shape_mismatch(op, x, out, "the output must be the input with reduced dims of size 1");
    if (reduced && x.shape[d] == 0 && needs_identity)
      return fail(TT_ERR_SHAPE, "%s: cannot reduce the empty dim %d of %s (the op has no identity)", op, d,
                  TT_SHAPE(x));
  }
  if (result >= 0) return want_dtype(op, out, result, "the output");
  if (x.dtype != out.dtype) return dtype_mismatch(op, x, out);
  return TT_OK;
}
tt_status check_REDUCE(const char* op, const Call& c) {
  return reduction(op, c, c.op == TT_OP_MAX || c.op == TT_OP_MIN, -1);
}
tt_status check_REDUCE_ARG(const char* op, const Call& c) { return reduction(op, c, true, TT_INT64); }
tt_status check_REDUCE_BOOL(const char* op, const Call& c) { return reduction(op, c, false, TT_BOOL); }
tt_status check_SCAN(const char* op, const Call& c) {
  if (!same_shape(c.in[0], c.out[0])) return shape_mismatch(op, c.in[0], c.out[0], "input and output must have one shape");
  if (c.in[0].dtype != c.out[0].dtype) return dtype_mismatch(op, c.in[0], c.out[0]);
  return dim_in_range(op, c.attr<tt_dim_attrs>().dim, c.in[0]);
}

// ---- linear algebra, indexing, sorting

tt_status check_MATMUL(const char* op, const Call& c) {
  const tt_view &a = c.in[0], &b = c.in[1], &out = c.out[0];
  int nd = out.ndim;
  if (nd < 2 || a.ndim != nd || b.ndim != nd)
    return fail(TT_ERR_SHAPE, "%s: operands must share a rank of at least 2, got %s @ %s -> %s", op, TT_SHAPE(a),
                TT_SHAPE(b), TT_SHAPE(out));
  bool ok = a.shape[nd - 1] == b.shape[nd - 2] && out.shape[nd - 2] == a.shape[nd - 2] &&
            out.shape[nd - 1] == b.shape[nd - 1];
  for (int d = 0; d < nd - 2; ++d) ok &= a.shape[d] == out.shape[d] && b.shape[d] == out.shape[d];
  if (!ok) return fail(TT_ERR_SHAPE, "%s: shapes %s @ %s -> %s do not agree", op, TT_SHAPE(a), TT_SHAPE(b), TT_SHAPE(out));
  return want_same_dtype(op, c, a);
}

// GATHER: in = (src, index), out; SCATTER: in = (index, src), out updated in place.
tt_status indexing(const char* op, const Call& c, bool gather) {
  int32_t dim = c.attr<tt_dim_attrs>().dim;
  const tt_view& out = c.out[0];
  const tt_view& index = gather ? c.in[1] : c.in[0];
  const tt_view& src = gather ? c.in[0] : c.in[1];
  const tt_view& big = gather ? src : out;  // the tensor that `index` points into
  if (tt_status s = want_dtype(op, index, TT_INT64, "the index")) return s;
  if (src.dtype != out.dtype) return dtype_mismatch(op, src, out);
  if (index.ndim != big.ndim || (gather ? !same_shape(index, out) : index.ndim != src.ndim))
    return fail(TT_ERR_SHAPE, "%s: index %s does not fit input %s and output %s", op, TT_SHAPE(index), TT_SHAPE(src),
                TT_SHAPE(out));
  if (tt_status s = dim_in_range(op, dim, big)) return s;
  for (int d = 0; d < index.ndim; ++d) {
    bool ok = (d == dim || index.shape[d] <= big.shape[d]) && (gather || index.shape[d] <= src.shape[d]);
    if (!ok) return fail(TT_ERR_SHAPE, "%s: index %s is larger than input %s or output %s in dim %d", op,
                         TT_SHAPE(index), TT_SHAPE(src), TT_SHAPE(out), d);
  }
  return TT_OK;
}
tt_status check_GATHER(const char* op, const Call& c) { return indexing(op, c, true); }
tt_status check_SCATTER(const char* op, const Call& c) { return indexing(op, c, false); }

tt_status check_NONZERO(const char* op, const Call& c) {
  const tt_view& out = c.out[0];
  if (tt_status s = want_dtype(op, out, TT_INT64, "the output")) return s;
  if (out.ndim != 2 || out.shape[1] != c.in[0].ndim)
    return fail(TT_ERR_SHAPE, "%s: output must be [count, %d], got %s", op, c.in[0].ndim, TT_SHAPE(out));
  return TT_OK;
}

tt_status check_SORT(const char* op, const Call& c) {
  const tt_sort_attrs& a = c.attr<tt_sort_attrs>();
  const tt_view &x = c.in[0], &out = c.out[0], &idx = c.out[1];
  if (x.ndim < 1) return fail(TT_ERR_SHAPE, "%s: input must have at least one dim", op);
  int64_t n = x.shape[x.ndim - 1];
  if (a.k < 0 || a.k > n)
    return fail(TT_ERR_INDEX, "%s: k = %lld out of range for a last dim of %lld", op, (long long)a.k, (long long)n);
  if (x.dtype != out.dtype) return dtype_mismatch(op, x, out);
  if (tt_status s = want_dtype(op, idx, TT_INT64, "the indices")) return s;
  bool ok = out.ndim == x.ndim && same_shape(out, idx) && out.shape[x.ndim - 1] == a.k;
  for (int d = 0; ok && d < x.ndim - 1; ++d) ok = out.shape[d] == x.shape[d];
  if (!ok) return fail(TT_ERR_SHAPE, "%s: outputs %s and %s do not fit input %s with k = %lld", op, TT_SHAPE(out),
                       TT_SHAPE(idx), TT_SHAPE(x), (long long)a.k);
  return TT_OK;
}

tt_status check_RANDOM(const char* op, const Call& c) {
  const tt_random_attrs& a = c.attr<tt_random_attrs>();
  if (c.op == TT_OP_RAND_INT && !(a.a < a.b)) return fail(TT_ERR_INVALID_ARGUMENT, "%s: empty range [%g, %g)", op, a.a, a.b);
  if (c.op == TT_OP_RAND_NORMAL && !(a.b >= 0))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: std must be non-negative, got %g", op, a.b);
  if (c.op == TT_OP_RAND_UNIFORM && !(a.a <= a.b))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: range [%g, %g) is reversed", op, a.a, a.b);
  if (c.op != TT_OP_RAND_NORMAL && !(std::isfinite(a.a) && std::isfinite(a.b)))  // an infinite bound has no value below it
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: range [%g, %g) is not finite", op, a.a, a.b);
  return TT_OK;
}

// ---- fused training ops

tt_status check_OPTIM(const char* op, const Call& c) {
  for (int i = 0; i < c.n_out; ++i)
    if (!same_shape(c.in[0], c.out[i]))
      return shape_mismatch(op, c.in[0], c.out[i], "the gradient and every state must have one shape");
  return want_same_dtype(op, c, c.in[0]);
}

tt_status check_CROSS_ENTROPY(const char* op, const Call& c) {
  const tt_view &logits = c.in[0], &target = c.in[1], &out = c.out[0];
  if (logits.ndim != 2 || target.ndim != 1 || target.shape[0] != logits.shape[0])
    return fail(TT_ERR_SHAPE, "%s: expects logits [N, C] and target [N], got %s and %s", op, TT_SHAPE(logits),
                TT_SHAPE(target));
  if (tt_status s = want_dtype(op, target, TT_INT64, "the target")) return s;
  if (out.dtype != logits.dtype) return dtype_mismatch(op, logits, out);
  if (c.op == TT_OP_CROSS_ENTROPY) {
    if (out.ndim != 1 || out.shape[0] != logits.shape[0])
      return fail(TT_ERR_SHAPE, "%s: output must be [%lld], got %s", op, (long long)logits.shape[0], TT_SHAPE(out));
    return TT_OK;
  }
  if (!same_shape(out, logits)) return shape_mismatch(op, logits, out, "the gradient has the logits' shape");
  if (!same_shape(c.in[2], target)) return shape_mismatch(op, target, c.in[2], "the row gradients are [N]");
  if (c.in[2].dtype != logits.dtype) return dtype_mismatch(op, logits, c.in[2]);
  return TT_OK;
}

tt_status check_IM2COL(const char* op, const Call& c) {
  const tt_conv_attrs& a = c.attr<tt_conv_attrs>();
  const tt_view& image = c.op == TT_OP_IM2COL ? c.in[0] : c.out[0];
  const tt_view& cols = c.op == TT_OP_IM2COL ? c.out[0] : c.in[0];
  if (tt_status s = want_rank(op, image, 4, "the image [N, C, H, W]")) return s;
  if (tt_status s = want_rank(op, cols, 6, "the columns [N, C, KH, KW, OH, OW]")) return s;
  if (!same_dims(image, cols, 0, 2)) return shape_mismatch(op, image, cols, "N and C must agree");
  if (c.in[0].dtype != c.out[0].dtype) return dtype_mismatch(op, c.in[0], c.out[0]);
  return check_window(op, a.stride, a.padding, a.dilation);
}

tt_status check_POOL(const char* op, const Call& c) {
  const tt_pool_attrs& a = c.attr<tt_pool_attrs>();
  bool backward = c.op == TT_OP_AVG_POOL2D_BACKWARD;
  const tt_view& x = backward ? c.out[0] : c.in[0];
  const tt_view& y = backward ? c.in[0] : c.out[0];
  if (tt_status s = want_rank(op, x, 4, "the input [N, C, H, W]")) return s;
  if (tt_status s = want_rank(op, y, 4, "the output [N, C, OH, OW]")) return s;
  if (!same_dims(x, y, 0, 2)) return shape_mismatch(op, x, y, "N and C must agree");
  if (c.in[0].dtype != c.out[0].dtype) return dtype_mismatch(op, c.in[0], c.out[0]);
  if (c.op == TT_OP_MAX_POOL2D) {
    if (!same_shape(c.out[0], c.out[1])) return shape_mismatch(op, c.out[0], c.out[1], "values and indices");
    if (tt_status s = want_dtype(op, c.out[1], TT_INT64, "the indices")) return s;
  }
  if (a.adaptive) {
    if ((x.shape[2] == 0 || x.shape[3] == 0) && numel(y) > 0)
      return fail(TT_ERR_SHAPE, "%s: adaptive pooling of the empty input %s", op, TT_SHAPE(x));
    return TT_OK;
  }
  if (a.kernel[0] < 1 || a.kernel[1] < 1)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: kernel size %lldx%lld must be positive", op, (long long)a.kernel[0],
                (long long)a.kernel[1]);
  return check_window(op, a.stride, a.padding, a.dilation);
}

tt_status check_UNPOOL(const char* op, const Call& c) {
  const tt_view &g = c.in[0], &index = c.in[1], &out = c.out[0];
  if (tt_status s = want_rank(op, g, 4, "the gradient [N, C, OH, OW]")) return s;
  if (tt_status s = want_rank(op, out, 4, "the output [N, C, H, W]")) return s;
  if (!same_shape(g, index)) return shape_mismatch(op, g, index, "gradient and indices");
  if (tt_status s = want_dtype(op, index, TT_INT64, "the indices")) return s;
  if (!same_dims(g, out, 0, 2)) return shape_mismatch(op, g, out, "N and C must agree");
  if (g.dtype != out.dtype) return dtype_mismatch(op, g, out);
  return TT_OK;
}

tt_status check_NORM(const char* op, const Call& c) {
  const tt_view& x = c.in[0];  // NORM: x; NORM_BACKWARD: xhat
  if (tt_status s = want_rank(op, x, 3, "the input [A, M, B]")) return s;
  if (tt_status s = want_same_dtype(op, c, x)) return s;
  for (int i = 0; i < c.n_in + c.n_out; ++i) {
    const tt_view& v = i < c.n_in ? c.in[i] : c.out[i - c.n_in];
    bool is_stat = c.op == TT_OP_NORM ? i > c.n_in : i == 1;
    bool ok = is_stat ? v.ndim == 1 && v.shape[0] == x.shape[1] : same_shape(v, x);
    if (!ok) return shape_mismatch(op, x, v, is_stat ? "statistics are [M]" : "operands share the input's shape");
  }
  return TT_OK;
}

tt_status check_ATTENTION(const char* op, const Call& c) {
  const tt_view &q = c.in[0], &k = c.in[1], &v = c.in[2], &mask = c.in[3];
  if (tt_status s = want_same_dtype(op, c, q)) return s;
  bool ok = q.ndim == 4 && k.ndim == 4 && v.ndim == 4 && mask.ndim == 4 && same_dims(q, k, 0, 2) &&
            same_dims(q, v, 0, 2) && k.shape[3] == q.shape[3] && v.shape[2] == k.shape[2] &&
            same_dims(q, mask, 0, 3) && mask.shape[3] == k.shape[2];
  if (!ok) return fail(TT_ERR_SHAPE, "%s: q %s, k %s, v %s and mask %s do not agree", op, TT_SHAPE(q), TT_SHAPE(k),
                       TT_SHAPE(v), TT_SHAPE(mask));
  bool forward = c.op == TT_OP_ATTENTION;
  const tt_view& o = forward ? c.out[0] : c.in[4];
  const tt_view& lse = forward ? c.out[1] : c.in[5];
  ok = o.ndim == 4 && same_dims(o, q, 0, 3) && o.shape[3] == v.shape[3] && lse.ndim == 3 && same_dims(lse, q, 0, 3);
  if (!forward)
    ok = ok && same_shape(c.in[6], o) && same_shape(c.out[0], q) && same_shape(c.out[1], k) && same_shape(c.out[2], v);
  if (!ok) return fail(TT_ERR_SHAPE, "%s: outputs or gradients do not fit q %s, k %s, v %s", op, TT_SHAPE(q),
                       TT_SHAPE(k), TT_SHAPE(v));
  return TT_OK;
}

tt_status check_RNN(const char* op, const Call& c) {
  // Every operand is [B, k*H]; k per operand, inputs then outputs, as tt_ops.def describes them.
  static const int8_t kLstm[] = {4, 4, 1, 1, 1, 4}, kLstmBack[] = {4, 1, 1, 1, 1, 4, 1}, kGru[] = {3, 3, 1, 1, 4},
                      kGruBack[] = {4, 1, 1, 3, 3, 1};
  const int8_t* k = c.op == TT_OP_LSTM_CELL ? kLstm : c.op == TT_OP_LSTM_CELL_BACKWARD ? kLstmBack
                    : c.op == TT_OP_GRU_CELL ? kGru : kGruBack;
  const tt_view& state = c.op == TT_OP_GRU_CELL_BACKWARD ? c.in[1] : c.in[2];  // the [B, H] input: c or h
  if (tt_status s = want_rank(op, state, 2, "the state [B, H]")) return s;
  if (tt_status s = want_same_dtype(op, c, state)) return s;
  int64_t B = state.shape[0], H = state.shape[1];
  if (H > INT64_MAX / 4) return fail(TT_ERR_SHAPE, "%s: state %s is too wide", op, TT_SHAPE(state));
  for (int i = 0; i < c.n_in + c.n_out; ++i) {
    const tt_view& v = i < c.n_in ? c.in[i] : c.out[i - c.n_in];
    if (v.ndim != 2 || v.shape[0] != B || v.shape[1] != k[i] * H)
      return fail(TT_ERR_SHAPE, "%s: %s %d must be [%lld, %d * %lld] for the state %s, got %s", op,
                  i < c.n_in ? "input" : "output", i < c.n_in ? i : i - c.n_in, (long long)B, k[i], (long long)H,
                  TT_SHAPE(state), TT_SHAPE(v));
  }
  return TT_OK;
}

using Rule = tt_status (*)(const char* op, const Call& c);
const Rule kRules[F_COUNT] = {
#define TT_RULE(f) check_##f,
    TT_OP_FAMILIES(TT_RULE)
#undef TT_RULE
};

}  // namespace

int32_t compute_dtype(const OpInfo& info, const Call& c) {
  if (info.n_in == 0) return c.out[0].dtype;
  return info.family == F_SCATTER ? c.in[1].dtype : c.in[0].dtype;
}

uint32_t op_dtypes(int32_t op) {
  const OpInfo* info = op_info(op);
  if (!info) return 0;
  switch (op) {  // ops whose meaning narrows their family's dtypes
    case TT_OP_MAXIMUM: case TT_OP_MINIMUM: case TT_OP_MAX: case TT_OP_MIN: case TT_OP_SCATTER_AMAX:
    case TT_OP_SCATTER_AMIN: case TT_OP_IM2COL:
      return kAllDtypes;
    case TT_OP_MEAN: case TT_OP_SOFTMAX: case TT_OP_LOG_SOFTMAX: case TT_OP_RAND_UNIFORM: case TT_OP_RAND_NORMAL:
      return kFloats;
    case TT_OP_RAND_INT: return kInts;
    default: break;
  }
  switch (info->family) {
    case F_UNARY: case F_BINARY: case F_REDUCE: case F_SCAN: case F_MATMUL: return kNumeric;
    case F_UNARY_FLOAT: return kFloats;
    case F_SCATTER: return op == TT_OP_SCATTER ? kAllDtypes : kNumeric;
    case F_OPTIM: case F_CROSS_ENTROPY: case F_IM2COL: case F_POOL: case F_UNPOOL: case F_NORM: case F_ATTENTION:
    case F_RNN: case F_TERNARY:
      return kFullFloats;  // kernels that compute as stored; Python runs half precision through float32
    default: return kAllDtypes;
  }
}

tt_status validate_family(const OpInfo& info, const Call& c) {
  int32_t dtype = compute_dtype(info, c);
  uint32_t admitted = op_dtypes(c.op);
  if (!(admitted & dtype_bit(dtype))) {
    char names[96] = "";
    for (int32_t d = 0; d < TT_DTYPE_COUNT; ++d)
      if (admitted & dtype_bit(d)) std::snprintf(names + std::strlen(names), sizeof names - std::strlen(names),
                                                 "%s%s", names[0] ? ", " : "", tt_dtype_name(d));
    return fail(TT_ERR_DTYPE, "%s: does not take %s (takes %s)", info.name, tt_dtype_name(dtype), names);
  }
  return kRules[info.family](info.name, c);
}

}  // namespace tt
