// Library-wide facts: version, dtype table, backends, threads.
#include "internal.h"
#include "parallel.h"

namespace tt {
Backend* backend_for(int32_t device_type) {
  switch (device_type) {
    case TT_CUDA: return cuda_backend();
    case TT_METAL: return metal_backend();
    default: return cpu_backend();
  }
}
}  // namespace tt

using namespace tt;

extern "C" {

int32_t tt_abi_version(void) { return TT_ABI_VERSION; }

const char* tt_dtype_name(int32_t dtype) {
  static const char* const names[TT_DTYPE_COUNT] = {"float32", "float64", "float16", "bfloat16",
                                                    "int32",   "int64",   "uint8",   "bool"};
  return dtype >= 0 && dtype < TT_DTYPE_COUNT ? names[dtype] : "unknown";
}

int64_t tt_dtype_size(int32_t dtype) {
  static const int64_t sizes[TT_DTYPE_COUNT] = {4, 8, 2, 2, 4, 8, 1, 1};
  return dtype >= 0 && dtype < TT_DTYPE_COUNT ? sizes[dtype] : 0;
}

tt_status tt_set_num_threads(int32_t n) {
  if (n < 1 || n > 1024) return fail(TT_ERR_INVALID_ARGUMENT, "set_num_threads: %d is not in [1, 1024]", n);
  set_num_threads(n);
  return TT_OK;
}
int32_t tt_get_num_threads(void) { return num_threads(); }

int32_t tt_device_count(int32_t device_type) {
  if (device_type < 0 || device_type >= TT_DEVICE_TYPE_COUNT) return 0;
  return backend_for(device_type)->device_count();
}

tt_status tt_empty_cache(int32_t device_type) {
  if (device_type < 0 || device_type >= TT_DEVICE_TYPE_COUNT)
    return fail(TT_ERR_INVALID_ARGUMENT, "empty_cache: unknown device type %d", device_type);
  if (void (*release)() = backend_for(device_type)->release_cached) release();
  return TT_OK;
}

}  // extern "C"
