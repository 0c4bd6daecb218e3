// The Metal backend (macOS). Buffers live in shared storage, so a buffer's contents pointer is both the
// address the core passes around and memory the CPU reads and writes directly: copies are memcpy.
// No kernels yet: every op slot is empty and answers TT_ERR_UNSUPPORTED.
// Objective-C stays in this file. It is built without ARC (CMake's default), so ownership is by hand:
// objects from MTLCreate... and new... are ours and released by us.
#if __has_feature(objc_arc)
#error "backend.mm manages Metal objects by hand; build it without -fobjc-arc"
#endif

#import <Metal/Metal.h>

#include <mutex>
#include <unordered_map>

#include "../core/internal.h"

namespace tt {
namespace {

// The system's default GPU, created once and kept for the life of the process (nil where Metal is absent).
id<MTLDevice> device() {
  static id<MTLDevice> d = [] {
    @autoreleasepool {
      return MTLCreateSystemDefaultDevice();
    }
  }();
  return d;
}

int32_t metal_count() { return device() != nil ? 1 : 0; }

// contents pointer -> the buffer that owns it, so that free() releases the right object. Never destroyed:
// buffers may still be released from other static destructors at exit.
struct Registry {
  std::mutex mutex;
  std::unordered_map<void*, id<MTLBuffer>> live;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

void* metal_alloc(int32_t index, int64_t nbytes) {
  id<MTLDevice> dev = device();
  if (index != 0 || dev == nil || nbytes < 0 || uint64_t(nbytes) > uint64_t([dev maxBufferLength])) return nullptr;
  id<MTLBuffer> buf;
  @autoreleasepool {
    // Metal refuses empty buffers; an empty tt buffer still needs a distinct, valid address.
    buf = [dev newBufferWithLength:NSUInteger(nbytes > 0 ? nbytes : 1) options:MTLResourceStorageModeShared];
  }
  if (buf == nil) return nullptr;
  void* p = [buf contents];
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  try {  // no exception may cross the C ABI
    r.live[p] = buf;
  } catch (...) {
    [buf release];
    return nullptr;
  }
  return p;
}

void metal_free(int32_t, void* p) {
  Registry& r = registry();
  id<MTLBuffer> buf = nil;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.live.find(p);
    if (it == r.live.end()) return;  // not ours: never release an unknown object
    buf = it->second;
    r.live.erase(it);
  }
  [buf release];
}

// Shared storage is coherent for the CPU once the GPU is done with it; with no kernels yet nothing is in
// flight. When kernels arrive, this must first wait for the command buffers that touch these buffers.
tt_status metal_copy(void* dst, bool, const void* src, bool, int64_t nbytes) {
  std::memmove(dst, src, size_t(nbytes));
  return TT_OK;
}

}  // namespace

Backend* metal_backend() {
  static Backend b = {"metal", metal_count, metal_alloc, metal_free, metal_copy, nullptr, nullptr, nullptr, nullptr, {}};
  return &b;
}

}  // namespace tt
