// Reference-counted device memory. The backend that owns the device allocates and frees it; memory
// wrapped from outside (a NumPy array) is given back through the caller's deleter.
#include <atomic>
#include <new>

#include "internal.h"

struct tt_buffer {
  std::atomic<int64_t> refs{1};
  tt_device device{};
  void* data = nullptr;
  int64_t nbytes = 0;
  bool wrapped = false;              // memory the caller owns: never freed here
  void (*deleter)(void*) = nullptr;  // called for wrapped memory when the last reference goes (may be null)
  void* deleter_ctx = nullptr;
};

namespace tt {

void* buffer_data(const tt_buffer* buf) { return buf->data; }

tt_status check_device(tt_device device, const char* fn) {
  if (device.type < 0 || device.type >= TT_DEVICE_TYPE_COUNT)
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: unknown device type %d", fn, device.type);
  int32_t count = backend_for(device.type)->device_count();
  if (device.index < 0 || device.index >= count)
    return fail(TT_ERR_DEVICE, "%s: device %s:%d is not available (%d device(s) found%s)", fn,
                backend_for(device.type)->name, device.index, count,
                tt_backend_built(device.type) ? "" : "; this build has no such backend");
  return TT_OK;
}

}  // namespace tt

using namespace tt;

extern "C" {

tt_status tt_buffer_new(tt_device device, int64_t nbytes, tt_buffer** out) {
  if (!out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_new: out is null");
  *out = nullptr;
  if (nbytes < 0) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_new: negative size %lld", (long long)nbytes);
  if (tt_status s = check_device(device, "tt_buffer_new")) return s;
  void* data = backend_for(device.type)->alloc(device.index, nbytes);
  if (!data)
    return fail(TT_ERR_OUT_OF_MEMORY, "tt_buffer_new: cannot allocate %lld bytes on %s:%d", (long long)nbytes,
                backend_for(device.type)->name, device.index);
  tt_buffer* buf = new (std::nothrow) tt_buffer;
  if (!buf) {
    backend_for(device.type)->free(device.index, data);
    return fail(TT_ERR_OUT_OF_MEMORY, "tt_buffer_new: out of host memory");
  }
  buf->device = device;
  buf->data = data;
  buf->nbytes = nbytes;
  count_allocated(device, nbytes);
  *out = buf;
  return TT_OK;
}

tt_status tt_buffer_wrap(tt_device device, void* data, int64_t nbytes, void (*deleter)(void*), void* ctx,
                         tt_buffer** out) {
  if (!out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_wrap: out is null");
  *out = nullptr;
  if (!data && nbytes > 0) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_wrap: data is null");
  if (nbytes < 0) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_wrap: negative size %lld", (long long)nbytes);
  if (device.type != TT_CPU) return fail(TT_ERR_UNSUPPORTED, "tt_buffer_wrap: only CPU memory can be wrapped");
  if (tt_status s = check_device(device, "tt_buffer_wrap")) return s;
  tt_buffer* buf = new (std::nothrow) tt_buffer;
  if (!buf) return fail(TT_ERR_OUT_OF_MEMORY, "tt_buffer_wrap: out of host memory");
  buf->device = device;
  buf->data = data;
  buf->nbytes = nbytes;
  buf->wrapped = true;
  buf->deleter = deleter;
  buf->deleter_ctx = ctx;
  *out = buf;
  return TT_OK;
}

void tt_buffer_retain(tt_buffer* buf) {
  if (buf) buf->refs.fetch_add(1, std::memory_order_relaxed);
}

void tt_buffer_release(tt_buffer* buf) {
  if (!buf || buf->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (buf->wrapped) {
    if (buf->deleter) buf->deleter(buf->deleter_ctx);
  } else {
    if (buf->data) backend_for(buf->device.type)->free(buf->device.index, buf->data);
    count_freed(buf->device, buf->nbytes);
  }
  delete buf;
}

int64_t tt_buffer_nbytes(const tt_buffer* buf) { return buf ? buf->nbytes : 0; }
tt_device tt_buffer_device(const tt_buffer* buf) { return buf ? buf->device : tt_device{TT_CPU, 0}; }
void* tt_buffer_data(const tt_buffer* buf) { return buf ? buf->data : nullptr; }

static tt_status check_range(const tt_buffer* buf, int64_t offset, int64_t nbytes, const char* fn, const char* what) {
  if (!buf) return fail(TT_ERR_INVALID_ARGUMENT, "%s: %s buffer is null", fn, what);
  if (offset < 0 || nbytes < 0 || offset > buf->nbytes || nbytes > buf->nbytes - offset)
    return fail(TT_ERR_SHAPE, "%s: bytes [%lld, %lld + %lld) lie outside the %s buffer of %lld bytes", fn,
                (long long)offset, (long long)offset, (long long)nbytes, what, (long long)buf->nbytes);
  return TT_OK;
}

tt_status tt_buffer_copy(tt_buffer* dst, int64_t dst_offset, const tt_buffer* src, int64_t src_offset,
                         int64_t nbytes) {
  if (tt_status s = check_range(dst, dst_offset, nbytes, "tt_buffer_copy", "destination")) return s;
  if (tt_status s = check_range(src, src_offset, nbytes, "tt_buffer_copy", "source")) return s;
  if (nbytes == 0) return TT_OK;
  char* d = static_cast<char*>(dst->data) + dst_offset;
  const char* s = static_cast<const char*>(src->data) + src_offset;
  bool dst_host = dst->device.type == TT_CPU, src_host = src->device.type == TT_CPU;
  if (dst_host && src_host) {
    std::memmove(d, s, size_t(nbytes));
    return TT_OK;
  }
  if (!dst_host && !src_host && dst->device.type != src->device.type)
    return fail(TT_ERR_DEVICE, "tt_buffer_copy: no direct copy between %s and %s", backend_for(src->device.type)->name,
                backend_for(dst->device.type)->name);
  Backend* b = backend_for(dst_host ? src->device.type : dst->device.type);
  return b->copy(d, dst_host, s, src_host, nbytes);
}

tt_status tt_buffer_write(tt_buffer* dst, int64_t dst_offset, const void* src, int64_t nbytes) {
  if (tt_status s = check_range(dst, dst_offset, nbytes, "tt_buffer_write", "destination")) return s;
  if (!src && nbytes) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_write: source pointer is null");
  if (nbytes == 0) return TT_OK;
  char* d = static_cast<char*>(dst->data) + dst_offset;
  if (dst->device.type == TT_CPU) {
    std::memmove(d, src, size_t(nbytes));
    return TT_OK;
  }
  return backend_for(dst->device.type)->copy(d, false, src, true, nbytes);
}

tt_status tt_buffer_read(const tt_buffer* src, int64_t src_offset, void* dst, int64_t nbytes) {
  if (tt_status s = check_range(src, src_offset, nbytes, "tt_buffer_read", "source")) return s;
  if (!dst && nbytes) return fail(TT_ERR_INVALID_ARGUMENT, "tt_buffer_read: destination pointer is null");
  if (nbytes == 0) return TT_OK;
  const char* s = static_cast<const char*>(src->data) + src_offset;
  if (src->device.type == TT_CPU) {
    std::memmove(dst, s, size_t(nbytes));
    return TT_OK;
  }
  return backend_for(src->device.type)->copy(dst, true, s, false, nbytes);
}

}  // extern "C"
