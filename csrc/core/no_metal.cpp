// Built outside macOS (or with TT_METAL off): the Metal backend exists and reports no devices.
#include "internal.h"

namespace tt {
static int32_t no_devices() { return 0; }
Backend* metal_backend() {
  static Backend b = {"metal", no_devices, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, {}};
  return &b;
}
}  // namespace tt
