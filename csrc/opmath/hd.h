// What lets the op maths of csrc/opmath/ compile for every backend: functions marked TT_HD are host and device
// code under nvcc and plain inline functions in Metal's C++14 dialect and on the CPU. TT_HD_INLINE also forces
// inlining: the maths functions of math.h carry it, because a CPU loop vectorizes only once they sit inside it
// (GCC's inliner gives up on a loop body that calls five of them). The functors keep the compiler's own
// inlining: forcing it moves where GCC fuses a*b+c into an FMA, and with that the last bit of an Adam step.
//
// On the CPU the maths lives in the instruction set's inline namespace (core/internal.h, TT_ISA_BEGIN): the
// same inline function is compiled with different -m flags in different files, and the linker must never merge
// an AVX-512 copy into the code that runs on an older CPU. CUDA files get a namespace of their own for the same
// reason (their host side is compiled by nvcc's host pass with its own flags). Code inside namespace tt calls
// the maths as om::name. tests/c/test_opmath_metal.cpp compiles it all as Metal would see it (no double).
#pragma once

#if defined(__CUDACC__)
#define TT_HD __host__ __device__ inline
#define TT_HD_INLINE __host__ __device__ __forceinline__
#define TT_OPMATH_BEGIN namespace tt { inline namespace cuda { namespace om {
#define TT_OPMATH_END } } }
#elif defined(__METAL_VERSION__)
#define TT_HD inline
#define TT_HD_INLINE inline
#define TT_OPMATH_BEGIN namespace tt { namespace om {
#define TT_OPMATH_END } }
#define TT_OPMATH_NO_DOUBLE  // Metal has no float64: its overloads and the float64 trig reduction are left out
#define TT_IF_DOUBLE(...)
#else
#include "../core/internal.h"
#define TT_HD inline
#define TT_HD_INLINE inline __attribute__((always_inline))
#define TT_OPMATH_BEGIN TT_ISA_BEGIN namespace om {
#define TT_OPMATH_END } TT_ISA_END
#endif
#if !defined(TT_OPMATH_NO_DOUBLE)
#define TT_IF_DOUBLE(...) __VA_ARGS__
#endif
