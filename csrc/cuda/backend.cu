// The CUDA backend: device discovery, a caching allocator, copies, and the kernel table.
// The runtime is linked statically, so with no driver or no GPU every call here must fail quietly:
// the device count is then 0 and the core refuses CUDA buffers before anything else is reached.
// All work runs on each device's legacy default stream, so frees, reuses, kernels and copies are ordered
// without events, and cudaMemcpy to the host waits for the kernels that wrote the data.
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../core/ops.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

int32_t device_count() {
  static const int32_t count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {  // no driver, no device, or a broken install: all mean 0
      cudaGetLastError();
      n = 0;
    }
    return int32_t(n);
  }();
  return count;
}

// ---- caching allocator: blocks are rounded up to a size class and kept per device for reuse, because
// cudaMalloc is slow and cudaFree synchronises the device: both cost more than a small model's kernels.
struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // size class -> cached blocks
  std::unordered_map<void*, size_t> live;                      // block in use -> its size class
  int64_t reserved = 0, peak_reserved = 0;                     // bytes from cudaMalloc still held
};

// Never destroyed: at exit the runtime may already be gone, and the driver frees everything anyway.
Cache* caches() {
  static Cache* c = new Cache[device_count() > 0 ? device_count() : 1];
  return c;
}

// 512-byte granules for small blocks, then four classes per power of two, so at most 25% is wasted.
size_t size_class(int64_t nbytes) {
  if (nbytes <= 512) return 512;
  uint64_t n = uint64_t(nbytes);
  uint64_t step = uint64_t(1) << (63 - __builtin_clzll(n - 1) - 2);
  return size_t((n + step - 1) / step * step);
}

// Gives the device's cached blocks back to CUDA (caller holds the lock).
void empty_cache(Cache& cache) {
  for (auto& entry : cache.free_blocks)
    for (void* p : entry.second) {
      cudaFree(p);
      cache.reserved -= int64_t(entry.first);
    }
  cache.free_blocks.clear();
}

// A block newly taken from CUDA (caller holds the lock).
void reserve(Cache& cache, size_t size) {
  cache.reserved += int64_t(size);
  if (cache.reserved > cache.peak_reserved) cache.peak_reserved = cache.reserved;
}

void* alloc(int32_t device, int64_t nbytes) {
  if (nbytes < 0 || device < 0 || device >= device_count()) return nullptr;
  if (cudaSetDevice(device) != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  size_t size = size_class(nbytes);
  Cache& cache = caches()[device];
  std::lock_guard<std::mutex> lock(cache.mutex);
  void* p = nullptr;
  auto it = cache.free_blocks.find(size);
  if (it != cache.free_blocks.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
  } else if (cudaMalloc(&p, size) == cudaSuccess) {
    reserve(cache, size);
  } else {
    cudaGetLastError();
    empty_cache(cache);  // the memory may be sitting in other size classes
    if (cudaMalloc(&p, size) != cudaSuccess) {
      cudaGetLastError();
      return nullptr;
    }
    reserve(cache, size);
  }
  try {  // no exception may cross the C ABI; without bookkeeping the block cannot be cached, so give it back
    cache.live[p] = size;
  } catch (...) {
    cudaFree(p);
    cache.reserved -= int64_t(size);
    return nullptr;
  }
  return p;
}

// tt_empty_cache: every device's cached blocks back to CUDA.
void release_cached() {
  for (int32_t d = 0; d < device_count(); ++d) {
    if (cudaSetDevice(d) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    std::lock_guard<std::mutex> lock(caches()[d].mutex);
    empty_cache(caches()[d]);
  }
}

void release(int32_t device, void* p) {
  if (!p || device < 0 || device >= device_count()) return;
  Cache& cache = caches()[device];
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.live.find(p);
  if (it == cache.live.end()) return;  // not ours: never hand an unknown pointer to cudaFree
  size_t size = it->second;
  cache.live.erase(it);
  try {
    cache.free_blocks[size].push_back(p);
  } catch (...) {
    cudaFree(p);
    cache.reserved -= int64_t(size);
  }
}

void reserved(int32_t device, bool reset_peak, int64_t* now, int64_t* peak) {
  Cache& cache = caches()[device];
  std::lock_guard<std::mutex> lock(cache.mutex);
  if (reset_peak) cache.peak_reserved = cache.reserved;
  *now = cache.reserved;
  *peak = cache.peak_reserved;
}

tt_status synchronize(int32_t device) {
  if (tt_status s = check(cudaSetDevice(device), "cuda synchronize")) return s;
  return check(cudaDeviceSynchronize(), "cuda synchronize");
}

// The device owning a device pointer (pointers are unified across devices, so CUDA can tell).
tt_status owner(const void* p, int* device) {
  cudaPointerAttributes attr;
  if (tt_status s = check(cudaPointerGetAttributes(&attr, p), "cuda copy")) return s;
  if (attr.type != cudaMemoryTypeDevice) return fail(TT_ERR_DEVICE, "cuda copy: %p is not CUDA device memory", p);
  *device = attr.device;
  return TT_OK;
}

tt_status copy(void* dst, bool dst_host, const void* src, bool src_host, int64_t nbytes) {
  if (nbytes <= 0) return TT_OK;
  if (dst_host && src_host) {
    std::memmove(dst, src, size_t(nbytes));
    return TT_OK;
  }
  int src_dev = 0, dst_dev = 0;
  if (!src_host)
    if (tt_status s = owner(src, &src_dev)) return s;
  if (!dst_host)
    if (tt_status s = owner(dst, &dst_dev)) return s;
  if (!src_host && !dst_host && src_dev != dst_dev)  // ordered after and before both devices' work
    return check(cudaMemcpyPeer(dst, dst_dev, src, src_dev, size_t(nbytes)), "cuda copy");
  if (tt_status s = check(cudaSetDevice(src_host ? dst_dev : src_dev), "cuda copy")) return s;
  // Synchronous towards the host for host memory: a read returns finished data, a write may reuse its source.
  return check(cudaMemcpy(dst, src, size_t(nbytes), cudaMemcpyDefault), "cuda copy");
}

// Copies, creation, comparisons, predicates and where take every dtype; the reductions, scans, random numbers and
// indexing theirs (reduce.cu, random.cu, index.cu); MATMUL the CPU's (floats and integers, no halves); the other
// arithmetic kernels float32 and float64, cross-entropy, the norms and the recurrent cells among them.
uint32_t dtypes(int32_t op) {
  if (uint32_t reduce = reduce_dtypes(op)) return reduce;
  if (uint32_t random = random_dtypes(op)) return random;
  if (uint32_t index = index_dtypes(op)) return index;
  Family family = op_info(op)->family;
  if (family == F_COMPARE || family == F_PREDICATE) return kAllDtypes;
  switch (op) {
    case TT_OP_COPY: case TT_OP_FILL: case TT_OP_ARANGE: case TT_OP_WHERE: return kAllDtypes;
    case TT_OP_MATMUL: return kFullFloats | kInts;
    default: return kFullFloats;
  }
}

}  // namespace
}  // namespace cu

Backend* cuda_backend() {
  static Backend* b = [] {
    static Backend backend = {"cuda",      cu::device_count,   cu::alloc,    cu::release,     cu::copy,
                              cu::release_cached, cu::dtypes, cu::reserved, cu::synchronize, {}};
    cu::register_copy(backend.kernels);
    cu::register_elementwise(backend.kernels);
    cu::register_optim(backend.kernels);
    cu::register_gemm(backend.kernels);
    cu::register_compare(backend.kernels);
    cu::register_reduce(backend.kernels);
    cu::register_loss(backend.kernels);
    cu::register_norm(backend.kernels);
    cu::register_rnn(backend.kernels);
    cu::register_random(backend.kernels);
    cu::register_index(backend.kernels);
    return &backend;
  }();
  return b;
}

}  // namespace tt
