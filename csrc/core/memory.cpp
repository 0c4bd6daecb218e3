// Memory statistics per device: the bytes live buffers hold and their peak, counted here for every backend
// (tt_buffer_new and the last release), and the bytes a backend has reserved from the system, which only it
// knows (a caching allocator). Also tt_device_synchronize, which waits for a backend's queue.
#include <atomic>

#include "internal.h"

namespace tt {
namespace {

constexpr int kMaxDevices = 64;  // per type; devices beyond are not counted (no machine has that many)

struct Counter {
  std::atomic<int64_t> now{0}, peak{0};
};
Counter counters[TT_DEVICE_TYPE_COUNT][kMaxDevices];

Counter* counter(tt_device d) {
  bool known = d.type >= 0 && d.type < TT_DEVICE_TYPE_COUNT && d.index >= 0 && d.index < kMaxDevices;
  return known ? &counters[d.type][d.index] : nullptr;
}

void raise_peak(std::atomic<int64_t>& peak, int64_t value) {
  int64_t seen = peak.load(std::memory_order_relaxed);
  while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

void count_allocated(tt_device device, int64_t nbytes) {
  if (Counter* c = counter(device)) raise_peak(c->peak, c->now.fetch_add(nbytes, std::memory_order_relaxed) + nbytes);
}

void count_freed(tt_device device, int64_t nbytes) {
  if (Counter* c = counter(device)) c->now.fetch_sub(nbytes, std::memory_order_relaxed);
}

}  // namespace tt

using namespace tt;

extern "C" {

tt_status tt_device_memory(tt_device device, tt_memory_stats* out) {
  if (!out) return fail(TT_ERR_INVALID_ARGUMENT, "tt_device_memory: out is null");
  if (tt_status s = check_device(device, "tt_device_memory")) return s;
  Counter* c = counter(device);
  out->allocated = c ? c->now.load(std::memory_order_relaxed) : 0;
  out->max_allocated = c ? c->peak.load(std::memory_order_relaxed) : 0;
  if (auto reserved = backend_for(device.type)->reserved) {
    reserved(device.index, false, &out->reserved, &out->max_reserved);
  } else {
    out->reserved = out->allocated;
    out->max_reserved = out->max_allocated;
  }
  return TT_OK;
}

tt_status tt_device_reset_peak(tt_device device) {
  if (tt_status s = check_device(device, "tt_device_reset_peak")) return s;
  if (Counter* c = counter(device)) c->peak.store(c->now.load(std::memory_order_relaxed), std::memory_order_relaxed);
  if (auto reserved = backend_for(device.type)->reserved) {
    int64_t now, peak;
    reserved(device.index, true, &now, &peak);
  }
  return TT_OK;
}

tt_status tt_device_synchronize(tt_device device) {
  if (tt_status s = check_device(device, "tt_device_synchronize")) return s;
  auto sync = backend_for(device.type)->synchronize;
  return sync ? sync(device.index) : TT_OK;
}

}  // extern "C"
