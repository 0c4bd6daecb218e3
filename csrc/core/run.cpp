// tt_run: every argument is checked here, once for every backend, before a kernel sees it: the views against
// their buffers and devices here, shapes, dtypes and attrs by the op family's rule (validate.cpp). Kernels may
// then trust shapes, dtypes and bounds; only index *values* are left for them to check.
#include "ops.h"

namespace tt {
namespace {

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

tt_status validate_call(int32_t op, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                        int32_t n_outputs, const void* attrs, size_t attrs_size, Kernel* kernel_out) {
  const OpInfo* found = op_info(op);
  if (!found) return fail(TT_ERR_INVALID_ARGUMENT, "tt_run: unknown op %d", op);
  const OpInfo& info = *found;
  const char* name = info.name;
  if (n_inputs != info.n_in || n_outputs != info.n_out)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: takes %d inputs and %d outputs, got %d and %d", name, info.n_in,
                info.n_out, n_inputs, n_outputs);
  if ((n_inputs && !inputs) || !outputs)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: null inputs or outputs array", name);
  size_t want = attrs_info(info.attrs).size;
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
  if (tt_status s = validate_family(info, call)) return s;
  Backend* backend = backend_for(device.type);
  Kernel kernel = backend->kernels[op];
  if (!kernel) return fail(TT_ERR_UNSUPPORTED, "%s: not implemented on the %s backend", name, backend->name);
  int32_t dtype = compute_dtype(info, call);
  if (backend->dtypes && !(backend->dtypes(op) & dtype_bit(dtype)))
    return fail(TT_ERR_UNSUPPORTED, "%s: the %s backend has no kernel for %s", name, backend->name,
                tt_dtype_name(dtype));
  *kernel_out = kernel;
  return TT_OK;
}

}  // namespace tt

using namespace tt;

extern "C" tt_status tt_run(int32_t op, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                            int32_t n_outputs, const void* attrs, size_t attrs_size) {
  Kernel kernel;
  if (tt_status s = validate_call(op, inputs, n_inputs, outputs, n_outputs, attrs, attrs_size, &kernel)) return s;
  return kernel(Call{op, inputs, n_inputs, outputs, n_outputs, attrs});
}
