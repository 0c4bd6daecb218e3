// Built when nvcc is absent: the CUDA backend exists and reports no devices, so the core needs no #ifdef.
#include "internal.h"

namespace tt {
static int32_t no_devices() { return 0; }
Backend* cuda_backend() {
  static Backend b = {"cuda", no_devices, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, {}};
  return &b;
}
}  // namespace tt
