#include <cstdio>

#include "internal.h"

namespace tt {
namespace {
thread_local char t_message[1024] = "";
}

tt_status fail(tt_status status, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(t_message, sizeof t_message, fmt, args);
  va_end(args);
  return status;
}

const char* shape_str(const tt_view& v, char* out, size_t n) {
  size_t used = size_t(std::snprintf(out, n, "["));
  for (int d = 0; d < v.ndim && used < n; ++d)
    used += size_t(std::snprintf(out + used, n - used, d ? ", %lld" : "%lld", (long long)v.shape[d]));
  if (used < n) std::snprintf(out + used, n - used, "]");
  return out;
}

}  // namespace tt

extern "C" const char* tt_last_error(void) { return tt::t_message; }
