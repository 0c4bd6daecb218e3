// The op and attrs tables, generated from tt_ops.def and tt_attrs.def, and the C functions that read them.
#include "ops.h"

namespace tt {
namespace {

// Each attrs struct's TT_COUNTER offsets, gathered by expanding its field list with only counters visible.
struct Counters {
  int32_t n = 0;
  uint32_t at[kMaxCounters] = {};
  void add(uint32_t offset) { at[n++] = offset; }
};

#define TT_FIELD(type, name)
#define TT_ARRAY(type, name, count)
#define TT_COUNTER(type, name) c.add(uint32_t(offsetof(S, name)));
#define TT_PAD(type, name)
#define TT_ATTRS(aname, fields)                  \
  AttrsInfo aname##_info() {                     \
    using S = tt_##aname##_attrs;                \
    Counters c;                                  \
    fields                                       \
    AttrsInfo info{#aname, sizeof(S), c.n, {}};  \
    for (int i = 0; i < c.n; ++i) info.counters[i] = c.at[i]; \
    return info;                                 \
  }
#include "tinytorch/tt_attrs.def"
#undef TT_ATTRS
#undef TT_PAD
#undef TT_COUNTER
#undef TT_ARRAY
#undef TT_FIELD

const AttrsInfo kAttrs[A_COUNT] = {
    {"", 0, 0, {}},
#define TT_ATTRS(name, fields) name##_info(),
#include "tinytorch/tt_attrs.def"
#undef TT_ATTRS
};

const OpInfo kOps[] = {
#define TT_OP(name, number, family, n_in, n_out, attrs) {#name, F_##family, n_in, n_out, A_##attrs},
#include "tinytorch/tt_ops.def"
#undef TT_OP
};
static_assert(sizeof kOps / sizeof kOps[0] == TT_OP_COUNT, "tt_ops.def must number its ops 0..N-1 in order");
#define TT_OP(name, number, family, n_in, n_out, attrs) \
  static_assert(TT_OP_##name == number, "op " #name " is misnumbered");
#include "tinytorch/tt_ops.def"
#undef TT_OP

}  // namespace

const OpInfo* op_info(int32_t op) { return op >= 0 && op < TT_OP_COUNT ? &kOps[op] : nullptr; }
const AttrsInfo& attrs_info(AttrsKind kind) { return kAttrs[kind]; }

bool is_counter(int32_t op, uint32_t offset) {
  const OpInfo* info = op_info(op);
  if (!info) return false;
  const AttrsInfo& a = kAttrs[info->attrs];
  for (int i = 0; i < a.n_counters; ++i)
    if (a.counters[i] == offset) return true;
  return false;
}

bool op_signature(int32_t op, int32_t* n_in, int32_t* n_out, size_t* attrs_size) {
  const OpInfo* info = op_info(op);
  if (!info) return false;
  *n_in = info->n_in;
  *n_out = info->n_out;
  *attrs_size = kAttrs[info->attrs].size;
  return true;
}

}  // namespace tt

using namespace tt;

extern "C" const char* tt_op_name(int32_t op) { return op_info(op) ? kOps[op].name : "UNKNOWN_OP"; }

extern "C" int32_t tt_op_supported(int32_t op, tt_device device, int32_t dtype) {
  if (!op_info(op) || dtype < 0 || dtype >= TT_DTYPE_COUNT) return 0;
  if (device.type < 0 || device.type >= TT_DEVICE_TYPE_COUNT || device.index < 0) return 0;
  if (device.index >= tt_device_count(device.type)) return 0;
  Backend* backend = backend_for(device.type);
  if (!backend->kernels[op] || !(op_dtypes(op) & dtype_bit(dtype))) return 0;
  return !backend->dtypes || (backend->dtypes(op) & dtype_bit(dtype));
}
