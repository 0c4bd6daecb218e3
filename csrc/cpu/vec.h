// SIMD vectors as wide as the instruction set a per-ISA file is compiled for (GCC vector extensions), shared by
// the families that write their loops with them. Lives in the ISA's inline namespace like all per-ISA code.
#pragma once
#include "isa.h"

TT_ISA_BEGIN

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX2__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif

template <class T>
struct VecOf {
  typedef T type __attribute__((vector_size(kVecBytes)));
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
constexpr int64_t lanes_of() {
  return kVecBytes / sizeof(T);
}

TT_ISA_END
