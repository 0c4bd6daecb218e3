// The CPU backend: aligned host memory, and the kernel table of the best instruction set this CPU has
// (or the one TINYTORCH_CPU_ISA / tt_set_cpu_isa names).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../core/ops.h"
#include "isa.h"

namespace tt {
namespace {

int32_t cpu_count() { return 1; }

// Large blocks are cached after free and handed out again for a request of the same size class: a training step
// allocates the same activation sizes every time, and fresh pages from the system cost a page fault each (more
// than the kernel that fills them). Small blocks go straight to malloc, whose bins already recycle them.
constexpr size_t kCachedFrom = size_t(1) << 18;   // 256 KiB
constexpr size_t kCacheLimit = size_t(1) << 31;   // at most 2 GiB kept idle

struct BlockCache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> idle;  // size class -> free blocks
  std::unordered_map<void*, size_t> live;               // cached-size blocks in use -> their class
  size_t idle_bytes = 0;
};
BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;  // never destroyed: buffers may be freed during interpreter exit
  return *cache;
}

// Classes 1/8 of a power of two apart, so sizes that differ by a little share blocks (at most 12.5% slack).
size_t size_class(size_t n) {
  size_t step = size_t(1) << (63 - __builtin_clzll(n) - 3);
  return (n + step - 1) / step * step;
}

void* system_alloc(size_t size) { return std::aligned_alloc(64, size); }

void release_idle(BlockCache& cache) {  // with cache.mutex held
  for (auto& entry : cache.idle)
    for (void* q : entry.second) std::free(q);
  cache.idle.clear();
  cache.idle_bytes = 0;
}

void cpu_release_cached() {
  BlockCache& cache = block_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  release_idle(cache);
}

void* cpu_alloc(int32_t, int64_t nbytes) {
  // 64-byte alignment feeds full-width vector loads; round the size up as aligned_alloc requires.
  if (nbytes > INT64_MAX - 63) return nullptr;
  size_t size = size_t((nbytes + 63) / 64 * 64);
  if (size < kCachedFrom) return system_alloc(size ? size : 64);
  size = size_class(size);
  BlockCache& cache = block_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  void* p = nullptr;
  auto it = cache.idle.find(size);
  if (it != cache.idle.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    cache.idle_bytes -= size;
  } else {
    p = system_alloc(size);
    if (!p) {  // give the idle blocks back and try once more
      release_idle(cache);
      p = system_alloc(size);
    }
    if (!p) return nullptr;
  }
  cache.live[p] = size;
  return p;
}

void cpu_free(int32_t, void* p) {
  if (!p) return;
  BlockCache& cache = block_cache();
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.live.find(p);
    if (it != cache.live.end()) {
      size_t size = it->second;
      cache.live.erase(it);
      if (cache.idle_bytes + size <= kCacheLimit) {
        cache.idle[size].push_back(p);
        cache.idle_bytes += size;
        return;
      }
    }
  }
  std::free(p);
}
tt_status cpu_copy(void* dst, bool, const void* src, bool, int64_t nbytes) {
  std::memmove(dst, src, size_t(nbytes));
  return TT_OK;
}

// The arithmetic kernels compute as stored, in float32/float64 and the integers; half-precision arithmetic is
// run by the Python layer through float32. Kernels that move, compare or draw values take every dtype.
uint32_t cpu_dtypes(int32_t op) {
  switch (op_info(op)->family) {
    case F_UNARY: case F_UNARY_FLOAT: case F_BINARY: case F_REDUCE: case F_REDUCE_ARG: case F_SCAN: case F_MATMUL:
      return kAllDtypes & ~kHalves;
    default:
      return kAllDtypes;
  }
}

struct Isa {
  const char* name;
  bool (*supported)();
  void (*install)(Kernel* table);
};

#define TT_CALL_REGISTER(family) register_##family(t);
bool always() { return true; }
const Isa kIsas[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {"avx512",
     [] {
       __builtin_cpu_init();
       return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
              __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
     },
     [](Kernel* t) { using namespace avx512; TT_CPU_ISA_FAMILIES(TT_CALL_REGISTER) }},
    {"avx2",
     [] {
       __builtin_cpu_init();
       return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
     },
     [](Kernel* t) { using namespace avx2; TT_CPU_ISA_FAMILIES(TT_CALL_REGISTER) }},
#endif
#if defined(__aarch64__)
    {"neon", always, [](Kernel* t) { using namespace neon; TT_CPU_ISA_FAMILIES(TT_CALL_REGISTER) }},
#endif
    {"scalar", always, [](Kernel* t) { using namespace scalar; TT_CPU_ISA_FAMILIES(TT_CALL_REGISTER) }},
};

Backend g_cpu = {"cpu", cpu_count, cpu_alloc, cpu_free, cpu_copy, cpu_release_cached, cpu_dtypes, nullptr, nullptr, {}};
const Isa* g_isa = nullptr;
std::mutex g_isa_mutex;

void install(const Isa& isa) {
  Kernel table[TT_OP_COUNT] = {};
  { using namespace generic; Kernel* t = table; TT_CPU_GENERIC_FAMILIES(TT_CALL_REGISTER) }
  isa.install(table);
  std::memcpy(g_cpu.kernels, table, sizeof table);
  g_isa = &isa;
}

const Isa* find_isa(const char* name) {
  for (const Isa& isa : kIsas)
    if (std::strcmp(isa.name, name) == 0) return &isa;
  return nullptr;
}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* forced = std::getenv("TINYTORCH_CPU_ISA");
    const Isa* isa = forced && *forced ? find_isa(forced) : nullptr;
    if (isa && isa->supported()) return install(*isa);
    for (const Isa& candidate : kIsas)  // best first
      if (candidate.supported()) return install(candidate);
  });
}

}  // namespace

Backend* cpu_backend() {
  init_once();
  return &g_cpu;
}

}  // namespace tt

using namespace tt;

extern "C" const char* tt_cpu_isa(void) {
  init_once();
  return g_isa->name;
}

extern "C" tt_status tt_set_cpu_isa(const char* name) {
  if (!name) return fail(TT_ERR_INVALID_ARGUMENT, "set_cpu_isa: name is null");
  init_once();
  const Isa* isa = find_isa(name);
  if (!isa) return fail(TT_ERR_INVALID_ARGUMENT, "set_cpu_isa: '%s' is not built for this architecture", name);
  if (!isa->supported()) return fail(TT_ERR_UNSUPPORTED, "set_cpu_isa: this CPU lacks '%s'", name);
  std::lock_guard<std::mutex> lock(g_isa_mutex);
  install(*isa);
  return TT_OK;
}

extern "C" int32_t tt_backend_built(int32_t device_type) {
  if (device_type == TT_CPU) return 1;
  if (device_type < 0 || device_type >= TT_DEVICE_TYPE_COUNT) return 0;
  return backend_for(device_type)->alloc != nullptr;
}
