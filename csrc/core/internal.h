// Private to the library: what the core, the backends and the kernels share. Never included by clients.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstring>

#include "tinytorch/tinytorch.h"

// Kernel sources are compiled once per instruction set (csrc/cpu/CMakeLists). Every inline function and
// template they share lives in an inline namespace named after that set, so the linker can never merge an
// AVX-512 copy of a helper into the code that runs on an older CPU. TT_ISA_BEGIN/END wrap kernel code.
#ifndef TT_ISA
#define TT_ISA generic
#endif
#define TT_ISA_BEGIN namespace tt { inline namespace TT_ISA {
#define TT_ISA_END } }

namespace tt {

// Records the message for tt_last_error() and returns the status, so that `return fail(...)` reads well.
tt_status fail(tt_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// One validated call of tt_run, as a kernel receives it.
struct Call {
  int32_t op;
  const tt_view* in;
  int32_t n_in;
  const tt_view* out;
  int32_t n_out;
  const void* attrs;
  template <class A>
  const A& attr() const {
    return *static_cast<const A*>(attrs);
  }
};

using Kernel = tt_status (*)(const Call&);

// A backend fills one of these; an empty kernel slot answers TT_ERR_UNSUPPORTED.
struct Backend {
  const char* name;
  int32_t (*device_count)();
  void* (*alloc)(int32_t device_index, int64_t nbytes);  // null when out of memory
  void (*free)(int32_t device_index, void* ptr);
  // Byte copies; src and dst may be host memory (host flags) or this backend's memory.
  tt_status (*copy)(void* dst, bool dst_host, const void* src, bool src_host, int64_t nbytes);
  void (*release_cached)();  // gives idle cached memory back to the system; null when the backend keeps none
  // The dtypes (one bit each) this backend's kernel for op takes, within those the op admits (op_dtypes);
  // null: all of them. tt_op_supported reads it, so a Python fallback never has to guess.
  uint32_t (*dtypes)(int32_t op);
  // The bytes a backend has taken from the system for a device, caches included, and their peak (reset_peak:
  // start the peak again from now); null where that is just what its live buffers hold.
  void (*reserved)(int32_t device_index, bool reset_peak, int64_t* now, int64_t* peak);
  tt_status (*synchronize)(int32_t device_index);  // null: the backend queues nothing
  Kernel kernels[TT_OP_COUNT];
};

Backend* cpu_backend();
Backend* cuda_backend();   // csrc/cuda/ or csrc/core/no_cuda.cpp
Backend* metal_backend();  // csrc/metal/ or csrc/core/no_metal.cpp
Backend* backend_for(int32_t device_type);
// TT_OK when the device exists; else the error, in fn's name.
tt_status check_device(tt_device device, const char* fn);
// The live-buffer byte counts of tt_device_memory (core/memory.cpp), kept by tt_buffer_new and its release.
void count_allocated(tt_device device, int64_t nbytes);
void count_freed(tt_device device, int64_t nbytes);

// tt_run in two halves, so that a plan validates a call once and then runs its kernel on every replay:
// validate_call makes every check of tt_run (same codes and messages) and gives the kernel to call.
tt_status validate_call(int32_t op, const tt_view* in, int32_t n_in, const tt_view* out, int32_t n_out,
                        const void* attrs, size_t attrs_size, Kernel* kernel_out);
// An op's operand counts and attrs struct size (0 for none); false for an op number outside tt_ops.def.
bool op_signature(int32_t op, int32_t* n_in, int32_t* n_out, size_t* attrs_size);

// The elements [first, last] (counted from the buffer's start) that a view with non-negative sizes reaches.
enum class Extent { ok, empty, too_many /* numel overflows int64 */, overflow /* the span does */ };
Extent view_extent(const tt_view& v, int64_t* first, int64_t* last);

void* buffer_data(const tt_buffer* buf);
const char* shape_str(const tt_view& v, char* out, size_t n);  // "[2, 3]" for error messages

}  // namespace tt

TT_ISA_BEGIN

inline int64_t dtype_size(int32_t dtype) { return tt_dtype_size(dtype); }
inline bool is_float(int32_t dtype) {
  return dtype == TT_FLOAT32 || dtype == TT_FLOAT64 || dtype == TT_FLOAT16 || dtype == TT_BFLOAT16;
}

inline int64_t numel(const tt_view& v) {
  int64_t n = 1;
  for (int d = 0; d < v.ndim; ++d) n *= v.shape[d];
  return n;
}
inline bool is_contiguous(const tt_view& v) {
  int64_t expected = 1;
  for (int d = v.ndim - 1; d >= 0; --d) {
    if (v.shape[d] != 1 && v.strides[d] != expected) return false;
    expected *= v.shape[d];
  }
  return true;
}
// Address of element 0 of the view.
template <class T = char>
inline T* data_ptr(const tt_view& v) {
  return reinterpret_cast<T*>(static_cast<char*>(buffer_data(v.buf)) + v.offset * dtype_size(v.dtype));
}

struct ShapeStr {
  char s[160];
  explicit ShapeStr(const tt_view& v) { shape_str(v, s, sizeof s); }
};
#define TT_SHAPE(v) (::tt::ShapeStr(v).s)

// half-precision conversions (round to nearest even), shared by every kernel that stores them.
inline float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do { ++e; mant <<= 1; } while (!(mant & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else {
    bits = sign | (exp + 112) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return uint16_t(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 | ((absx >> 13) & 0x3ff) : 0));
  if (absx >= 0x477ff000u) return uint16_t(sign | 0x7c00);  // rounds to infinity
  if (absx < 0x38800000u) {                                   // subnormal or zero in half
    if (absx < 0x33000000u) return uint16_t(sign);
    // m * 2^(e-150) in units of the half subnormal step 2^-24
    uint32_t e = absx >> 23, m = (absx & 0x7fffff) | 0x800000, total_shift = 126 - e;
    uint32_t half = m >> total_shift, rest;
    rest = m & ((1u << total_shift) - 1);
    uint32_t midpoint = 1u << (total_shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return uint16_t(sign | half);
  }
  uint32_t h = ((absx - 0x38000000u) >> 13);
  uint32_t rest = absx & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;
  return uint16_t(sign | h);
}
inline float bf16_to_float(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline uint16_t float_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fff + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

TT_ISA_END
