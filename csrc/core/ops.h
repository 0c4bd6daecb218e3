// The op table of the library, generated from tt_ops.def and tt_attrs.def: what the core, the plan runtime,
// the backends and the binding know of an op. Private; never included by clients.
#pragma once

#include <cstddef>
#include <cstdint>

#include "internal.h"

namespace tt {

// The validation rules of tt_ops.def's family column; validate.cpp has one function per family.
#define TT_OP_FAMILIES(X)                                                                                         \
  X(COPY) X(FILL) X(ARANGE) X(UNARY) X(UNARY_FLOAT) X(PREDICATE) X(BINARY) X(COMPARE) X(WHERE) X(REDUCE)          \
  X(REDUCE_ARG) X(REDUCE_BOOL) X(SCAN) X(MATMUL) X(GATHER) X(SCATTER) X(NONZERO) X(SORT) X(RANDOM) X(OPTIM)     \
  X(CROSS_ENTROPY) X(IM2COL) X(POOL) X(UNPOOL) X(NORM) X(ATTENTION) X(RNN) X(TERNARY)

enum Family {
#define TT_ENUM_FAMILY(f) F_##f,
  TT_OP_FAMILIES(TT_ENUM_FAMILY)
#undef TT_ENUM_FAMILY
  F_COUNT
};

// The attrs structs of tt_attrs.def, numbered; A_none for ops that take none.
enum AttrsKind {
  A_none,
#define TT_ATTRS(name, fields) A_##name,
#include "tinytorch/tt_attrs.def"
#undef TT_ATTRS
  A_COUNT
};

constexpr int kMaxCounters = 2;  // TT_COUNTER fields in one attrs struct

struct AttrsInfo {
  const char* name;  // "adam" for tt_adam_attrs; "" for none
  size_t size;
  int32_t n_counters;
  uint32_t counters[kMaxCounters];  // byte offsets of the TT_COUNTER fields
};

struct OpInfo {
  const char* name;
  Family family;
  int32_t n_in, n_out;
  AttrsKind attrs;
};

// One bit per tt_dtype.
constexpr uint32_t dtype_bit(int32_t dtype) { return 1u << dtype; }
constexpr uint32_t kAllDtypes = (1u << TT_DTYPE_COUNT) - 1;
constexpr uint32_t kHalves = dtype_bit(TT_FLOAT16) | dtype_bit(TT_BFLOAT16);
constexpr uint32_t kFullFloats = dtype_bit(TT_FLOAT32) | dtype_bit(TT_FLOAT64);
constexpr uint32_t kFloats = kFullFloats | kHalves;
constexpr uint32_t kInts = dtype_bit(TT_INT32) | dtype_bit(TT_INT64) | dtype_bit(TT_UINT8);
constexpr uint32_t kNumeric = kFloats | kInts;  // every dtype but bool

// null for an op number outside tt_ops.def.
const OpInfo* op_info(int32_t op);
const AttrsInfo& attrs_info(AttrsKind kind);
// Whether bytes [offset, offset + 8) of op's attrs are a TT_COUNTER field.
bool is_counter(int32_t op, uint32_t offset);

// validate.cpp: the family's rule for one call whose views are already checked (buffers, extents, devices).
tt_status validate_family(const OpInfo& info, const Call& c);
// The dtype a call computes in, the one tt_op_supported names: its first input's (the source's for SCATTER*),
// or its output's when it has no input.
int32_t compute_dtype(const OpInfo& info, const Call& c);
// The dtypes op computes in by its meaning (the dtype tt_op_supported names); a backend may take fewer.
uint32_t op_dtypes(int32_t op);

}  // namespace tt
