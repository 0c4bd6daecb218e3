// The plan runtime (docs/plan-format.md): a .ttp file is checked whole before any memory is allocated on the
// device, its work buffers are laid out in one arena by a liveness pass, and every call is validated once per
// batch size, so that a replay only copies the inputs in and calls the kernels.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <new>
#include <vector>

#include "ops.h"

namespace tt {
namespace plan {

constexpr uint64_t kHeaderBytes = 64, kBufferBytes = 48, kViewBytes = 288, kIoBytes = 352, kCallBytes = 24,
                   kAdvanceBytes = 16, kMaxAttrs = 256, kMaxAdvances = 8, kSlotAlign = 64;
enum Kind : uint32_t { kConstant = 0, kInput = 1, kWork = 2 };
constexpr uint32_t kExternal = 1;  // buffer flag: a constant bound at run time

uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
uint32_t u32(const uint8_t* p) { return uint32_t(le(p, 4)); }
int64_t i64(const uint8_t* p) { return int64_t(le(p, 8)); }

// A batch-dependent integer: base + per_batch * B.
struct Dim {
  int64_t base, per_batch;
};
Dim read_dim(const uint8_t* p) { return Dim{i64(p), i64(p + 8)}; }
bool eval(Dim d, int64_t B, int64_t* out) {
  int64_t p;
  return !__builtin_mul_overflow(d.per_batch, B, &p) && !__builtin_add_overflow(d.base, p, out);
}

struct FileView {
  uint32_t buffer;
  int32_t dtype, ndim;
  Dim offset, shape[TT_MAX_DIMS], strides[TT_MAX_DIMS];
  bool batched() const {
    for (int d = 0; d < ndim; ++d)
      if (shape[d].per_batch) return true;
    return false;
  }
};

struct Buffer {
  uint32_t kind, flags;
  Dim nbytes;
  uint64_t data_offset, data_size;
  int64_t capacity = 0;      // the most bytes it holds at any batch (sizes are affine: one of the two ends)
  tt_buffer* buf = nullptr;  // constants and inputs; an unbound external holds a placeholder or null
  bool bound = false;        // externals: tt_plan_bind gave it a buffer
  int64_t first_use = -1, last_use = -1;  // work: the calls using it (n_calls for a plan output)
  int64_t slot = 0;                       // work: byte offset in the arena
};

struct Io {
  char name[64];
  FileView view;
};

struct Advance {
  uint32_t offset;
  int64_t per_run;
  uint64_t stored;
};

struct Step {
  int32_t op, n_in, n_out;
  size_t first_view;              // operands: views[first_view ..], inputs then outputs
  size_t attrs_size;              // 0: the op takes no attrs
  std::vector<uint64_t> attrs;    // this run's attrs (advances rewrite their counters), 8-aligned for the kernel
  std::vector<Advance> advances;
  bool recheck = false;           // an advance moves a field that tt_run's checks read: validate every run
  Kernel kernel = nullptr;
};

// Names a view in messages: "call 4 (MATMUL) input 1", "input 0", "output 2".
struct Where {
  const char* table;
  uint32_t index;
  int32_t op = -1;
  int operand = 0, n_in = 0;
  const char* str(char* s, size_t n) const {
    if (op < 0) std::snprintf(s, n, "%s %u", table, index);
    else std::snprintf(s, n, "call %u (%s) %s %d", index, tt_op_name(op), operand < n_in ? "input" : "output",
                       operand < n_in ? operand : operand - n_in);
    return s;
  }
};
#define TT_WHERE(w) ((w).str(where_buf, sizeof where_buf))

}  // namespace plan
}  // namespace tt

using namespace tt;
using namespace tt::plan;

struct tt_plan {
  tt_device device{};
  int64_t max_batch = 0;
  std::vector<plan::Buffer> buffers;
  std::vector<Io> inputs, outputs;
  std::vector<Step> steps;
  std::vector<FileView> file_views;         // every call's operands, in call order
  std::vector<tt_view> views;               // the same at the prepared batch, on real buffers
  std::vector<tt_view> in_views, out_views;  // the inputs' and outputs' views at the prepared batch
  std::vector<uint32_t> externals;          // indices of the external constants
  tt_buffer* arena = nullptr;
  int64_t arena_bytes = 0;
  int64_t prepared = -1;    // the batch that `views` are for; -1: none
  bool has_run = false;     // the outputs hold a finished run
  uint64_t runs = 0;        // completed runs: the k of the advances

  ~tt_plan() {
    for (plan::Buffer& b : buffers) tt_buffer_release(b.buf);
    tt_buffer_release(arena);
  }
  bool dynamic() const { return max_batch > 0; }
  // The batches at which the loader checks sizes: both ends of the range (a static plan has one).
  int n_ends() const { return dynamic() ? 2 : 1; }
  int64_t end(int i) const { return dynamic() ? (i ? max_batch : 1) : 0; }
  int64_t top() const { return dynamic() ? max_batch : 0; }  // the batch whose shapes tt_plan_io reports
};

namespace tt {
namespace plan {
namespace {

constexpr char kLoad[] = "tt_plan_load";

// The view at batch B on its plan buffer, checked: no overflow, sizes non-negative, elements inside the buffer's
// own bytes at B (so that neighbours in the arena are never reachable). buf is left null.
tt_status view_at(const tt_plan& p, const FileView& fv, int64_t B, tt_status code, const char* fn, const Where& w,
                  tt_view* out) {
  char where_buf[96];
  tt_view v{};
  v.dtype = fv.dtype;
  v.ndim = fv.ndim;
  bool ok = eval(fv.offset, B, &v.offset);
  for (int d = 0; d < fv.ndim; ++d) ok = ok && eval(fv.shape[d], B, &v.shape[d]) && eval(fv.strides[d], B, &v.strides[d]);
  int64_t nbytes = 0;
  ok = ok && eval(p.buffers[fv.buffer].nbytes, B, &nbytes);
  if (!ok) return fail(code, "%s: %s: a number overflows int64 at batch %lld", fn, TT_WHERE(w), (long long)B);
  for (int d = 0; d < v.ndim; ++d)
    if (v.shape[d] < 0)
      return fail(code, "%s: %s: size %lld of dim %d is negative at batch %lld", fn, TT_WHERE(w),
                  (long long)v.shape[d], d, (long long)B);
  int64_t first = 0, last = 0, limit = nbytes / dtype_size(v.dtype);
  Extent e = view_extent(v, &first, &last);
  if (e == Extent::too_many)
    return fail(code, "%s: %s: shape %s has more elements than int64 holds", fn, TT_WHERE(w), TT_SHAPE(v));
  if (e == Extent::empty && (v.offset < 0 || v.offset > limit))  // no elements, but an address inside the buffer
    return fail(code, "%s: %s: empty view at offset %lld, outside its buffer %u of %lld %s elements", fn, TT_WHERE(w),
                (long long)v.offset, fv.buffer, (long long)limit, tt_dtype_name(v.dtype));
  if (e == Extent::overflow || (e == Extent::ok && (first < 0 || last >= limit)))
    return fail(code,
                "%s: %s (shape %s, offset %lld) reaches elements [%lld, %lld] at batch %lld, outside its buffer %u "
                "of %lld %s elements", fn, TT_WHERE(w), TT_SHAPE(v), (long long)v.offset, (long long)first,
                (long long)last, (long long)B, fv.buffer, (long long)limit, tt_dtype_name(v.dtype));
  *out = v;
  return TT_OK;
}

// The 288-byte view at q, checked against the buffer table and at both ends of the batch range.
tt_status read_view(const tt_plan& p, const uint8_t* q, const Where& w, FileView* v) {
  char where_buf[96];
  v->buffer = u32(q);
  v->dtype = int32_t(u32(q + 4));
  v->ndim = int32_t(u32(q + 8));
  if (v->buffer >= p.buffers.size())
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: buffer index %u out of range (%zu buffers)", kLoad, TT_WHERE(w),
                v->buffer, p.buffers.size());
  if (v->dtype < 0 || v->dtype >= TT_DTYPE_COUNT)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: dtype code %d is not a tt_dtype", kLoad, TT_WHERE(w), v->dtype);
  if (v->ndim < 0 || v->ndim > TT_MAX_DIMS)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: ndim %d is not in 0..%d", kLoad, TT_WHERE(w), v->ndim, TT_MAX_DIMS);
  if (u32(q + 12))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: reserved field is %u, not 0", kLoad, TT_WHERE(w), u32(q + 12));
  v->offset = read_dim(q + 16);
  bool any_per_batch = v->offset.per_batch != 0;
  for (int d = 0; d < TT_MAX_DIMS; ++d) {
    v->shape[d] = read_dim(q + 32 + 16 * d);
    v->strides[d] = read_dim(q + 160 + 16 * d);
    any_per_batch |= v->shape[d].per_batch || v->strides[d].per_batch;
    if (d >= v->ndim && (v->shape[d].base || v->shape[d].per_batch || v->strides[d].base || v->strides[d].per_batch))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: unused dim %d of the shape or strides is not zero", kLoad,
                  TT_WHERE(w), d);
  }
  if (!p.dynamic() && any_per_batch)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s: a per_batch is not zero in a static plan (max_batch 0)", kLoad,
                TT_WHERE(w));
  tt_view unused;
  for (int e = 0; e < p.n_ends(); ++e)
    if (tt_status s = view_at(p, *v, p.end(e), TT_ERR_INVALID_ARGUMENT, kLoad, w, &unused)) return s;
  return TT_OK;
}

// An input's view covers its whole buffer contiguously from offset 0; dim 0 is the batch or static, others static.
tt_status check_input(const tt_plan& p, uint32_t i, const FileView& v, std::vector<int32_t>& owner) {
  const plan::Buffer& b = p.buffers[v.buffer];
  const char* name = p.inputs[i].name;
  if (b.kind != kInput)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): buffer %u is of kind %u, not 1 (input)", kLoad, i, name,
                v.buffer, b.kind);
  if (owner[v.buffer] >= 0)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): buffer %u already holds input %d", kLoad, i, name,
                v.buffer, owner[v.buffer]);
  owner[v.buffer] = int32_t(i);
  if (v.offset.base || v.offset.per_batch)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): offset is not 0", kLoad, i, name);
  int64_t stride = 1;  // row-major, from the last dim; dims after 0 are static, so the strides are too
  for (int d = v.ndim - 1; d >= 0; --d) {
    Dim s = v.shape[d];
    bool batch = d == 0 && s.base == 0 && s.per_batch == 1;
    if (s.per_batch && !batch)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): dim %d is %lld + %lld * B, neither static nor the "
                  "batch", kLoad, i, name, d, (long long)s.base, (long long)s.per_batch);
    if (v.strides[d].base != stride || v.strides[d].per_batch)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): stride of dim %d is %lld + %lld * B, not the "
                  "contiguous %lld", kLoad, i, name, d, (long long)v.strides[d].base,
                  (long long)v.strides[d].per_batch, (long long)stride);
    if (d > 0 && __builtin_mul_overflow(stride, s.base, &stride))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): its size overflows int64", kLoad, i, name);
  }
  // The buffer's size must be the view's: stride now holds the elements of one batch row (or of all, if static).
  bool batched = v.ndim > 0 && v.shape[0].per_batch;
  int64_t row_bytes = 0, whole = 0;
  bool overflow = __builtin_mul_overflow(stride, dtype_size(v.dtype), &row_bytes);
  whole = row_bytes;
  if (overflow || (!batched && v.ndim > 0 && __builtin_mul_overflow(row_bytes, v.shape[0].base, &whole)))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): its size overflows int64", kLoad, i, name);
  Dim want = batched ? Dim{0, row_bytes} : Dim{whole, 0};
  if (b.nbytes.base != want.base || b.nbytes.per_batch != want.per_batch)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: input %u (%s): buffer %u has %lld + %lld * B bytes, its view covers "
                "%lld + %lld * B", kLoad, i, name, v.buffer, (long long)b.nbytes.base, (long long)b.nbytes.per_batch,
                (long long)want.base, (long long)want.per_batch);
  return TT_OK;
}

tt_status read_io(tt_plan& p, const uint8_t* q, const char* table, uint32_t i, Io* io) {
  std::memcpy(io->name, q, sizeof io->name);
  const void* nul = std::memchr(io->name, 0, sizeof io->name);
  if (!nul) return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s %u: name is not NUL-terminated within 64 bytes", kLoad, table, i);
  for (const char* c = static_cast<const char*>(nul); c < io->name + sizeof io->name; ++c)
    if (*c) return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s %u: name is not NUL-padded", kLoad, table, i);
  // UTF-8: each lead byte announces its continuation bytes (overlong forms are not worth refusing here)
  for (const unsigned char* c = reinterpret_cast<const unsigned char*>(io->name); *c;) {
    int more = *c < 0x80 ? 0 : (*c >> 5) == 6 ? 1 : (*c >> 4) == 14 ? 2 : (*c >> 3) == 30 ? 3 : -1;
    for (int k = 1; more > 0 && k <= more; ++k)
      if ((c[k] >> 6) != 2) more = -1;
    if (more < 0) return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s %u: name is not UTF-8", kLoad, table, i);
    c += 1 + more;
  }
  return read_view(p, q + 64, Where{table, i}, &io->view);
}

// One call record at q (at most `left` bytes); *used is its size.
tt_status read_call(tt_plan& p, uint32_t index, const uint8_t* q, uint64_t left, uint64_t* used) {
  if (left < kCallBytes)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u: its header runs past the body (%llu bytes left)", kLoad, index,
                (unsigned long long)left);
  Step s;
  s.op = int32_t(u32(q));
  uint32_t n_in = u32(q + 4), n_out = u32(q + 8), attrs_size = u32(q + 12), n_adv = u32(q + 16);
  int32_t want_in, want_out;
  size_t want_attrs;
  if (!op_signature(s.op, &want_in, &want_out, &want_attrs))
    return fail(TT_ERR_UNSUPPORTED, "%s: call %u: op %d is not an op of this library (0..%d)", kLoad, index, s.op,
                TT_OP_COUNT - 1);
  const char* name = tt_op_name(s.op);
  if (n_in != uint32_t(want_in) || n_out != uint32_t(want_out))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): n_in %u and n_out %u, the op takes %d and %d", kLoad,
                index, name, n_in, n_out, want_in, want_out);
  if (attrs_size > kMaxAttrs || attrs_size != want_attrs)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): attrs_size %u, the op's attrs struct has %zu bytes", kLoad,
                index, name, attrs_size, want_attrs);
  if (n_adv > kMaxAdvances)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): n_advance %u exceeds %llu", kLoad, index, name, n_adv,
                (unsigned long long)kMaxAdvances);
  if (u32(q + 20))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): reserved field is %u, not 0", kLoad, index, name, u32(q + 20));
  s.n_in = want_in;
  s.n_out = want_out;
  s.attrs_size = attrs_size;
  uint64_t n_views = n_in + n_out, padded = (attrs_size + 7) / 8 * 8;
  uint64_t size = kCallBytes + n_views * kViewBytes + padded + n_adv * kAdvanceBytes;  // small: no overflow
  if (size > left)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): its %llu views, %u attrs bytes and %u advances run past "
                "the body (%llu bytes left)", kLoad, index, name, (unsigned long long)n_views, attrs_size, n_adv,
                (unsigned long long)left);
  s.first_view = p.file_views.size();
  const uint8_t* at = q + kCallBytes;
  for (int k = 0; k < int(n_views); ++k, at += kViewBytes) {
    FileView v;
    if (tt_status st = read_view(p, at, Where{"call", index, s.op, k, s.n_in}, &v)) return st;
    plan::Buffer& b = p.buffers[v.buffer];
    if (b.kind == kWork) {
      if (b.first_use < 0) b.first_use = index;
      b.last_use = index;
    }
    p.file_views.push_back(v);
  }
  s.attrs.assign(padded / 8, 0);
  if (padded) std::memcpy(s.attrs.data(), at, padded);
  for (uint64_t k = attrs_size; k < padded; ++k)
    if (at[k]) return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): attrs padding byte %llu is not zero", kLoad,
                           index, name, (unsigned long long)k);
  at += padded;
  for (uint32_t k = 0; k < n_adv; ++k, at += kAdvanceBytes) {
    Advance a{u32(at), i64(at + 8), 0};
    if (a.offset % 8 || uint64_t(a.offset) + 8 > attrs_size)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): advance %u: attrs_offset %u is not an 8-aligned int64 "
                  "inside the %u attrs bytes", kLoad, index, name, k, a.offset, attrs_size);
    if (u32(at + 4))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): advance %u: reserved field is %u, not 0", kLoad, index,
                  name, k, u32(at + 4));
    for (const Advance& other : s.advances)
      if (other.offset == a.offset)
        return fail(TT_ERR_INVALID_ARGUMENT, "%s: call %u (%s): advance %u: attrs_offset %u is advanced twice", kLoad,
                    index, name, k, a.offset);
    std::memcpy(&a.stored, reinterpret_cast<const char*>(s.attrs.data()) + a.offset, 8);
    s.recheck |= !is_counter(s.op, a.offset);  // validation never reads a counter: no need to redo it each run
    s.advances.push_back(a);
  }
  *used = size;
  p.steps.push_back(std::move(s));
  return TT_OK;
}

// Everything the format says a loader checks, before any device memory is touched.
tt_status parse(tt_plan& p, const uint8_t* f, uint64_t n) {
  if (n < kHeaderBytes)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %llu bytes is shorter than the 64-byte header", kLoad, (unsigned long long)n);
  if (std::memcmp(f, "TTPLAN\0\0", 8))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: bad magic (not a .ttp plan file)", kLoad);
  if (u32(f + 8) != 1)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: format_version %u, this library reads version 1", kLoad, u32(f + 8));
  uint32_t n_buffers = u32(f + 12), n_inputs = u32(f + 16), n_outputs = u32(f + 20), n_calls = u32(f + 24);
  if (u32(f + 28) || le(f + 56, 8))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: header reserved fields (offsets 28 and 56) are not 0", kLoad);
  p.max_batch = i64(f + 32);
  uint64_t body_size = le(f + 40, 8), consts_size = le(f + 48, 8), total;
  if (p.max_batch < 0)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: max_batch %lld is negative", kLoad, (long long)p.max_batch);
  if (__builtin_add_overflow(kHeaderBytes, body_size, &total) || __builtin_add_overflow(total, consts_size, &total) ||
      total != n)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: file is %llu bytes, the header says 64 + body_size %llu + consts_size %llu",
                kLoad, (unsigned long long)n, (unsigned long long)body_size, (unsigned long long)consts_size);
  // Each entry has a minimum size (a call has at least one output view): the counts must fit the body.
  uint64_t need = uint64_t(n_buffers) * kBufferBytes + (uint64_t(n_inputs) + n_outputs) * kIoBytes +
                  uint64_t(n_calls) * (kCallBytes + kViewBytes);  // < 2^44: no overflow
  if (need > body_size || n_inputs > INT32_MAX || n_outputs > INT32_MAX)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: %u buffers, %u inputs, %u outputs and %u calls need at least %llu bytes, "
                "body_size is %llu", kLoad, n_buffers, n_inputs, n_outputs, n_calls, (unsigned long long)need,
                (unsigned long long)body_size);
  const uint8_t* body = f + kHeaderBytes;
  const uint8_t* consts = body + body_size;

  // The constants block: a safetensors image whose data area holds every constant that carries data.
  bool any_data = false;
  for (uint32_t i = 0; i < n_buffers; ++i) {
    const uint8_t* q = body + i * kBufferBytes;
    any_data |= u32(q) == kConstant && !(u32(q + 4) & kExternal);
  }
  uint64_t data_start = 0, data_size = 0;
  if (!any_data && consts_size)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: consts_size is %llu, but no constant carries data", kLoad,
                (unsigned long long)consts_size);
  if (any_data) {
    uint64_t json = consts_size >= 8 ? le(consts, 8) : 0;
    if (consts_size < 8 || json > consts_size - 8)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: constants block of %llu bytes has no room for its safetensors header "
                  "(length %llu)", kLoad, (unsigned long long)consts_size, (unsigned long long)json);
    data_start = 8 + json;
    data_size = consts_size - data_start;
  }

  p.buffers.resize(n_buffers);
  for (uint32_t i = 0; i < n_buffers; ++i) {
    const uint8_t* q = body + i * kBufferBytes;
    plan::Buffer& b = p.buffers[i];
    b.kind = u32(q);
    b.flags = u32(q + 4);
    b.nbytes = read_dim(q + 8);
    b.data_offset = le(q + 24, 8);
    b.data_size = le(q + 32, 8);
    if (b.kind > kWork)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: kind %u is not 0 (constant), 1 (input) or 2 (work)", kLoad,
                  i, b.kind);
    if (b.flags & ~kExternal || (b.flags && b.kind != kConstant))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: flags 0x%x (only a constant may set bit 0, external)",
                  kLoad, i, b.flags);
    if (le(q + 40, 8)) return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: reserved field is not 0", kLoad, i);
    if (b.nbytes.per_batch && (!p.dynamic() || b.kind == kConstant))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: nbytes has per_batch %lld in a %s", kLoad, i,
                  (long long)b.nbytes.per_batch, b.kind == kConstant ? "constant (constants are static)" : "static plan");
    for (int e = 0; e < p.n_ends(); ++e) {
      int64_t size;
      if (!eval(b.nbytes, p.end(e), &size) || size < 0)
        return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: nbytes %lld + %lld * B is negative or overflows at batch "
                    "%lld", kLoad, i, (long long)b.nbytes.base, (long long)b.nbytes.per_batch, (long long)p.end(e));
      b.capacity = std::max(b.capacity, size);
    }
    bool with_data = b.kind == kConstant && !(b.flags & kExternal);
    if (!with_data && (b.data_offset || b.data_size))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: data_offset %llu and data_size %llu must be 0 for a buffer "
                  "without data", kLoad, i, (unsigned long long)b.data_offset, (unsigned long long)b.data_size);
    if (with_data && (b.data_size != uint64_t(b.nbytes.base) || b.data_offset > data_size ||
                      b.data_size > data_size - b.data_offset))
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u: data [%llu, %llu + %llu) for nbytes %lld does not fit the "
                  "%llu-byte data area", kLoad, i, (unsigned long long)b.data_offset, (unsigned long long)b.data_offset,
                  (unsigned long long)b.data_size, (long long)b.nbytes.base, (unsigned long long)data_size);
    if (b.flags & kExternal) p.externals.push_back(i);
  }

  const uint8_t* q = body + uint64_t(n_buffers) * kBufferBytes;
  std::vector<int32_t> owner(n_buffers, -1);  // the input that each input buffer holds
  p.inputs.resize(n_inputs);
  bool any_batched = false;
  for (uint32_t i = 0; i < n_inputs; ++i, q += kIoBytes) {
    if (tt_status s = read_io(p, q, "input", i, &p.inputs[i])) return s;
    if (tt_status s = check_input(p, i, p.inputs[i].view, owner)) return s;
    any_batched |= p.inputs[i].view.batched();
  }
  for (uint32_t i = 0; i < n_buffers; ++i)
    if (p.buffers[i].kind == kInput && owner[i] < 0)
      return fail(TT_ERR_INVALID_ARGUMENT, "%s: buffer %u is of kind input but no input names it", kLoad, i);
  if (p.dynamic() && !any_batched)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: a dynamic plan (max_batch %lld) has no batched input", kLoad,
                (long long)p.max_batch);
  p.outputs.resize(n_outputs);
  for (uint32_t i = 0; i < n_outputs; ++i, q += kIoBytes)
    if (tt_status s = read_io(p, q, "output", i, &p.outputs[i])) return s;

  const uint8_t* body_end = body + body_size;
  p.steps.reserve(n_calls);
  for (uint32_t i = 0; i < n_calls; ++i) {
    uint64_t used = 0;
    if (tt_status s = read_call(p, i, q, uint64_t(body_end - q), &used)) return s;
    q += used;
  }
  if (q != body_end)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: the calls end %llu bytes before body_size", kLoad,
                (unsigned long long)(body_end - q));
  // A plan output in a work buffer lives to the end.
  for (const Io& o : p.outputs) {
    plan::Buffer& b = p.buffers[o.view.buffer];
    if (b.kind != kWork) continue;
    if (b.first_use < 0) b.first_use = n_calls;
    b.last_use = n_calls;
  }
  return TT_OK;
}

// Greedy placement, largest first: each work buffer takes the lowest 64-aligned offset that overlaps no placed
// buffer alive at the same time. Buffers used by nothing take no space.
tt_status layout(tt_plan& p) {
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < p.buffers.size(); ++i) {
    plan::Buffer& b = p.buffers[i];
    if (b.kind != kWork || b.first_use < 0 || b.capacity == 0) continue;
    if (b.capacity > INT64_MAX - int64_t(kSlotAlign))
      return fail(TT_ERR_OUT_OF_MEMORY, "%s: work buffer %u of %lld bytes", kLoad, i, (long long)b.capacity);
    order.push_back(i);
  }
  auto size_of = [&](uint32_t i) { return (p.buffers[i].capacity + int64_t(kSlotAlign) - 1) & ~int64_t(kSlotAlign - 1); };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return size_of(a) > size_of(b); });
  std::vector<std::pair<int64_t, int64_t>> taken;  // [start, end) of placed buffers alive with this one
  for (size_t k = 0; k < order.size(); ++k) {
    plan::Buffer& b = p.buffers[order[k]];
    int64_t size = size_of(order[k]), at = 0, end;
    taken.clear();
    for (size_t j = 0; j < k; ++j) {
      const plan::Buffer& o = p.buffers[order[j]];
      if (o.first_use <= b.last_use && b.first_use <= o.last_use) taken.emplace_back(o.slot, o.slot + size_of(order[j]));
    }
    std::sort(taken.begin(), taken.end());
    for (const auto& t : taken) {
      if (t.first >= at && t.first - at >= size) break;  // the gap before t fits
      at = std::max(at, t.second);
    }
    if (__builtin_add_overflow(at, size, &end))
      return fail(TT_ERR_OUT_OF_MEMORY, "%s: work memory exceeds int64", kLoad);
    b.slot = at;
    p.arena_bytes = std::max(p.arena_bytes, end);
  }
  return TT_OK;
}

// The concrete view of a file view at batch B: on its buffer, or on the arena at its work slot.
tt_status resolve(const tt_plan& p, const FileView& fv, int64_t B, tt_status code, const char* fn, const Where& w,
                  tt_view* out) {
  if (tt_status s = view_at(p, fv, B, code, fn, w, out)) return s;
  const plan::Buffer& b = p.buffers[fv.buffer];
  if (b.kind == kWork) {
    out->buf = p.arena;
    out->offset += b.slot / dtype_size(fv.dtype);  // exact: slots are 64-aligned; in range: the arena was allocated
  } else {
    out->buf = b.buf;
  }
  return TT_OK;
}

// Every view at batch B, and every call through tt_run's checks; the kernels are kept for the replays.
tt_status prepare(tt_plan& p, int64_t B, tt_status code, const char* fn) {
  p.prepared = -1;
  for (Step& s : p.steps)
    for (int k = 0; k < s.n_in + s.n_out; ++k)
      if (tt_status st = resolve(p, p.file_views[s.first_view + k], B, code, fn,
                                 Where{"call", uint32_t(&s - p.steps.data()), s.op, k, s.n_in},
                                 &p.views[s.first_view + k]))
        return st;
  for (size_t i = 0; i < p.inputs.size(); ++i)
    if (tt_status st = resolve(p, p.inputs[i].view, B, code, fn, Where{"input", uint32_t(i)}, &p.in_views[i])) return st;
  for (size_t i = 0; i < p.outputs.size(); ++i)
    if (tt_status st = resolve(p, p.outputs[i].view, B, code, fn, Where{"output", uint32_t(i)}, &p.out_views[i]))
      return st;
  for (Step& s : p.steps) {
    const tt_view* v = p.views.data() + s.first_view;
    if (tt_status st = validate_call(s.op, v, s.n_in, v + s.n_in, s.n_out, s.attrs_size ? s.attrs.data() : nullptr,
                                     s.attrs_size, &s.kernel)) {
      char msg[1024];
      std::snprintf(msg, sizeof msg, "%s", tt_last_error());
      // The loader refuses a bad file as such; a run keeps tt_run's own code.
      if (code == TT_ERR_INVALID_ARGUMENT && st != TT_ERR_UNSUPPORTED) st = code;
      return fail(st, "%s: call %u at batch %lld: %s", fn, unsigned(&s - p.steps.data()), (long long)B, msg);
    }
  }
  p.prepared = B;
  return TT_OK;
}

// Unbound externals on the CPU get a stand-in of their declared size, never read, so that the loader can run
// tt_run's checks on every call now; on other devices those checks wait for the first run after binding.
char g_placeholder;

tt_status allocate(tt_plan& p, const uint8_t* consts) {
  uint64_t data_start = 0;
  if (consts) data_start = 8 + le(consts, 8);
  for (uint32_t i = 0; i < p.buffers.size(); ++i) {
    plan::Buffer& b = p.buffers[i];
    if (b.kind == kWork) continue;
    if (b.flags & kExternal) {
      if (p.device.type == TT_CPU)
        if (tt_status s = tt_buffer_wrap(p.device, &g_placeholder, b.capacity, nullptr, nullptr, &b.buf)) return s;
      continue;
    }
    if (tt_status s = tt_buffer_new(p.device, b.capacity, &b.buf)) return s;
    if (b.kind == kConstant)
      if (tt_status s = tt_buffer_write(b.buf, 0, consts + data_start + b.data_offset, int64_t(b.data_size))) return s;
  }
  if (tt_status s = layout(p)) return s;
  return tt_buffer_new(p.device, p.arena_bytes, &p.arena);
}

tt_status load_memory(const uint8_t* data, uint64_t n, tt_device device, tt_plan** out) {
  std::unique_ptr<tt_plan> p(new tt_plan);
  p->device = device;
  tt_status s = parse(*p, data, n);
  if (!s) {
    p->views.resize(p->file_views.size());
    p->in_views.resize(p->inputs.size());
    p->out_views.resize(p->outputs.size());
    uint64_t body_size = le(data + 40, 8), consts_size = le(data + 48, 8);
    s = allocate(*p, consts_size ? data + kHeaderBytes + body_size : nullptr);
  }
  bool can_check = p->device.type == TT_CPU || p->externals.empty();
  if (!s && can_check) s = prepare(*p, p->top(), TT_ERR_INVALID_ARGUMENT, kLoad);
  if (s) return s;
  *out = p.release();
  return TT_OK;
}

// Keeps C++ exceptions (std::bad_alloc from a vector) inside the library.
template <class F>
tt_status guarded(const char* fn, F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(TT_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  } catch (...) {
    return fail(TT_ERR_INTERNAL, "%s: unexpected C++ exception", fn);
  }
}

bool same_shape(const tt_view& a, const tt_view& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d)
    if (a.shape[d] != b.shape[d]) return false;
  return true;
}

// A caller's view against the plan's: dtype and shape, then tt_run's checks of the copy (bounds, device).
tt_status check_io(const char* role, size_t i, const char* name, const tt_view& caller, const tt_view& mine,
                   bool copy_in, Kernel* copy) {
  if (caller.ndim < 0 || caller.ndim > TT_MAX_DIMS)
    return fail(TT_ERR_SHAPE, "tt_plan_run: %s %zu (%s) has %d dims (at most %d)", role, i, name, caller.ndim,
                TT_MAX_DIMS);
  if (caller.dtype != mine.dtype)
    return fail(TT_ERR_DTYPE, "tt_plan_run: %s %zu (%s) is %s, the plan's is %s", role, i, name,
                tt_dtype_name(caller.dtype), tt_dtype_name(mine.dtype));
  if (!same_shape(caller, mine)) {
    char theirs[160];
    shape_str(caller, theirs, sizeof theirs);
    return fail(TT_ERR_SHAPE, "tt_plan_run: %s %zu (%s) has shape %s, the plan's is %s", role, i, name, theirs,
                TT_SHAPE(mine));
  }
  tt_status s = copy_in ? validate_call(TT_OP_COPY, &caller, 1, &mine, 1, nullptr, 0, copy)
                         : validate_call(TT_OP_COPY, &mine, 1, &caller, 1, nullptr, 0, copy);
  if (s) {
    char msg[1024];
    std::snprintf(msg, sizeof msg, "%s", tt_last_error());
    return fail(s, "tt_plan_run: %s %zu (%s): %s", role, i, name, msg);
  }
  return TT_OK;
}

tt_status run(tt_plan& p, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs, int32_t n_outputs) {
  if (size_t(n_inputs) != p.inputs.size() || n_inputs < 0)
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_run: the plan takes %zu inputs, got %d", p.inputs.size(), n_inputs);
  if (n_outputs != 0 && (n_outputs < 0 || size_t(n_outputs) != p.outputs.size()))
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_run: the plan has %zu outputs, got %d (0 leaves them in the plan)",
                p.outputs.size(), n_outputs);
  if ((n_inputs && !inputs) || (n_outputs && !outputs))
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_run: null inputs or outputs array");
  for (uint32_t i : p.externals)
    if (!p.buffers[i].bound)
      return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_run: external constant buffer %u is not bound (tt_plan_bind)", i);
  int64_t B = 0;
  if (p.dynamic()) {
    for (size_t i = 0; i < p.inputs.size(); ++i) {
      if (!p.inputs[i].view.batched()) continue;
      const tt_view& v = inputs[i];
      int64_t b = v.ndim >= 1 && v.ndim <= TT_MAX_DIMS ? v.shape[0] : -1;
      if (b < 1 || b > p.max_batch || (B && b != B)) {
        char shape[160];
        shape_str(v, shape, sizeof shape);
        if (v.ndim < 0 || v.ndim > TT_MAX_DIMS) std::snprintf(shape, sizeof shape, "of %d dims", v.ndim);
        return fail(TT_ERR_SHAPE, "tt_plan_run: batched input %zu (%s) has shape %s: dim 0 is the batch, from 1 to %lld%s",
                    i, p.inputs[i].name, shape, (long long)p.max_batch, B ? ", the same for every batched input" : "");
      }
      B = b;
    }
  }
  if (B != p.prepared) {
    p.has_run = false;  // the output views move to the new batch
    if (tt_status s = prepare(p, B, TT_ERR_SHAPE, "tt_plan_run")) return s;
  }
  Kernel copy = nullptr;
  for (size_t i = 0; i < p.inputs.size(); ++i)
    if (tt_status s = check_io("input", i, p.inputs[i].name, inputs[i], p.in_views[i], true, &copy)) return s;
  for (int32_t i = 0; i < n_outputs; ++i)
    if (tt_status s = check_io("output", size_t(i), p.outputs[i].name, outputs[i], p.out_views[i], false, &copy))
      return s;

  p.has_run = false;
  for (size_t i = 0; i < p.inputs.size(); ++i)
    if (tt_status s = copy(Call{TT_OP_COPY, &inputs[i], 1, &p.in_views[i], 1, nullptr})) return s;
  for (Step& s : p.steps) {
    const tt_view* v = p.views.data() + s.first_view;
    for (const Advance& a : s.advances) {  // unsigned: wraps instead of overflowing
      uint64_t value = a.stored + p.runs * uint64_t(a.per_run);
      std::memcpy(reinterpret_cast<char*>(s.attrs.data()) + a.offset, &value, 8);
    }
    const void* attrs = s.attrs_size ? s.attrs.data() : nullptr;
    if (s.recheck)
      if (tt_status st = validate_call(s.op, v, s.n_in, v + s.n_in, s.n_out, attrs, s.attrs_size, &s.kernel)) return st;
    if (tt_status st = s.kernel(Call{s.op, v, s.n_in, v + s.n_in, s.n_out, attrs})) return st;
  }
  for (int32_t i = 0; i < n_outputs; ++i)
    if (tt_status s = copy(Call{TT_OP_COPY, &p.out_views[i], 1, &outputs[i], 1, nullptr})) return s;
  p.has_run = true;
  ++p.runs;
  return TT_OK;
}

tt_status io(const tt_plan* p, int32_t i, tt_plan_io* out, bool input, const char* fn) {
  if (!p || !out) return fail(TT_ERR_INVALID_ARGUMENT, "%s: null plan or out", fn);
  const std::vector<Io>& table = input ? p->inputs : p->outputs;
  if (i < 0 || size_t(i) >= table.size())
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: index %d out of range (%zu)", fn, i, table.size());
  const FileView& v = table[size_t(i)].view;
  *out = tt_plan_io{};
  out->name = table[size_t(i)].name;
  out->dtype = v.dtype;
  out->ndim = v.ndim;
  for (int d = 0; d < v.ndim; ++d) eval(v.shape[d], p->top(), &out->shape[d]);  // checked at load
  out->batched = v.batched();
  return TT_OK;
}

}  // namespace
}  // namespace plan
}  // namespace tt

extern "C" {

tt_status tt_plan_load_memory(const void* data, int64_t nbytes, tt_device device, tt_plan** out) {
  if (!out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load_memory: out is null");
  *out = nullptr;
  if (nbytes < 0 || (!data && nbytes))
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load_memory: %lld bytes at %p", (long long)nbytes, data);
  return guarded("tt_plan_load", [&] {
    return load_memory(static_cast<const uint8_t*>(data), uint64_t(nbytes), device, out);
  });
}

tt_status tt_plan_load(const char* path, tt_device device, tt_plan** out) {
  if (!out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load: out is null");
  *out = nullptr;
  if (!path) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load: path is null");
  return guarded("tt_plan_load", [&] {
    std::FILE* file = std::fopen(path, "rb");
    if (!file) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load: cannot open %s: %s", path, std::strerror(errno));
    std::vector<uint8_t> bytes;
    size_t got = 0;
    do {
      bytes.resize(got + (1 << 20));
      got += std::fread(bytes.data() + got, 1, bytes.size() - got, file);
    } while (got == bytes.size());
    bool failed = std::ferror(file);
    std::fclose(file);
    if (failed) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_load: cannot read %s", path);
    return load_memory(bytes.data(), got, device, out);
  });
}

void tt_plan_free(tt_plan* plan) { delete plan; }

int32_t tt_plan_num_inputs(const tt_plan* plan) { return plan ? int32_t(plan->inputs.size()) : -1; }
int32_t tt_plan_num_outputs(const tt_plan* plan) { return plan ? int32_t(plan->outputs.size()) : -1; }

tt_status tt_plan_input(const tt_plan* plan, int32_t i, tt_plan_io* out) {
  return io(plan, i, out, true, "tt_plan_input");
}
tt_status tt_plan_output(const tt_plan* plan, int32_t i, tt_plan_io* out) {
  return io(plan, i, out, false, "tt_plan_output");
}

int64_t tt_plan_max_batch(const tt_plan* plan) { return plan ? plan->max_batch : 0; }

tt_status tt_plan_memory(const tt_plan* plan, int64_t* constant_bytes, int64_t* input_bytes, int64_t* work_bytes) {
  if (!plan) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_memory: plan is null");
  int64_t sums[2] = {0, 0};  // constants (with data, or bound), inputs
  for (const plan::Buffer& b : plan->buffers)
    if (b.kind == kInput || (b.kind == kConstant && (b.bound || !(b.flags & kExternal))))
      sums[b.kind == kInput] += b.capacity;  // each fits in memory that exists: the sums do too
  if (constant_bytes) *constant_bytes = sums[0];
  if (input_bytes) *input_bytes = sums[1];
  if (work_bytes) *work_bytes = plan->arena_bytes;
  return TT_OK;
}

tt_status tt_plan_bind(tt_plan* plan, int32_t buffer_index, tt_buffer* buf) {
  if (!plan || !buf) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_bind: null plan or buffer");
  if (buffer_index < 0 || size_t(buffer_index) >= plan->buffers.size())
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_bind: buffer index %d out of range (%zu buffers)", buffer_index,
                plan->buffers.size());
  plan::Buffer& b = plan->buffers[size_t(buffer_index)];
  if (!(b.flags & kExternal))
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_bind: buffer %d is not an external constant", buffer_index);
  tt_device d = tt_buffer_device(buf);
  if (d.type != plan->device.type || d.index != plan->device.index)
    return fail(TT_ERR_DEVICE, "tt_plan_bind: buffer %d: the buffer is on device %d:%d, the plan on %d:%d", buffer_index,
                d.type, d.index, plan->device.type, plan->device.index);
  if (tt_buffer_nbytes(buf) < b.capacity)
    return fail(TT_ERR_SHAPE, "tt_plan_bind: buffer %d needs %lld bytes, the buffer has %lld", buffer_index,
                (long long)b.capacity, (long long)tt_buffer_nbytes(buf));
  tt_buffer_retain(buf);
  tt_buffer_release(b.buf);
  b.buf = buf;
  b.bound = true;
  plan->prepared = -1;  // the views move to the new buffer (and, off the CPU, the calls get their first check)
  return TT_OK;
}

tt_status tt_plan_run(tt_plan* plan, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                      int32_t n_outputs) {
  if (!plan) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_run: plan is null");
  return guarded("tt_plan_run", [&] { return run(*plan, inputs, n_inputs, outputs, n_outputs); });
}

tt_status tt_plan_output_view(const tt_plan* plan, int32_t i, tt_view* out) {
  if (!plan || !out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_output_view: null plan or out");
  if (i < 0 || size_t(i) >= plan->outputs.size())
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_output_view: index %d out of range (%zu outputs)", i,
                plan->outputs.size());
  if (!plan->has_run)
    return fail(TT_ERR_INVALID_ARGUMENT, "tt_plan_output_view: the plan has no finished run yet");
  *out = plan->out_views[size_t(i)];
  return TT_OK;
}

}  // extern "C"
