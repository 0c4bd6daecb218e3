// Streaming (non-temporal) stores for outputs much bigger than the caches. An ordinary store first reads the line
// it writes (read for ownership), so y = a + b moves 16 bytes per element for 12 useful; a streaming store writes
// the line without reading it and without evicting the inputs' lines. Measured on the 2-core AVX-512 machine
// (2 MB of L2 per core), two threads: y = a + b then z = y + b over 4 MB outputs ran 1.08x faster when y was
// streamed, 1.2-1.3x at 8-16 MB, 1.15x at 64 MB; one a + b over 64 MB went from 31 to 43 GB/s. Below the
// threshold the next op is likely to find the output in cache, which streaming would forfeit.
//
// The vectors are stored as they are computed: staging them through an L1 buffer and streaming that out kept
// only half the gain (loads of the inputs then wait behind the buffer's stores).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "isa.h"
#include "vec.h"

TT_ISA_BEGIN

constexpr int64_t kStreamBytes = int64_t(4) << 20;

#if defined(__x86_64__) || defined(_M_X64)
constexpr bool kCanStream = true;
// One vector to an address aligned to its size.
template <class V>
inline void stream_store(void* dst, V v) {
  static_assert(sizeof(V) == kVecBytes, "one vector of the ISA");
#if defined(__AVX512F__)
  _mm512_stream_si512((__m512i*)dst, (__m512i)v);
#elif defined(__AVX2__)
  _mm256_stream_si256((__m256i*)dst, (__m256i)v);
#else
  _mm_stream_si128((__m128i*)dst, (__m128i)v);
#endif
}
// Streamed lines are weakly ordered: fence them before the pool reports the chunk done.
inline void stream_fence() { _mm_sfence(); }
#else
constexpr bool kCanStream = false;
template <class V>
inline void stream_store(void* dst, V v) { std::memcpy(dst, &v, sizeof v); }
inline void stream_fence() {}
#endif

// Whether an op writing `bytes` of output should stream it.
inline bool should_stream(int64_t bytes) { return kCanStream && bytes >= kStreamBytes; }

// Functors whose operator() also takes whole vectors say so (static constexpr bool kVectors), and may stream.
template <class F, class = void>
struct TakesVectors : std::false_type {};
template <class F>
struct TakesVectors<F, std::void_t<decltype(F::kVectors)>> : std::true_type {};

// Whether an elementwise map A -> R by F can stream: float in and out alike, F taking whole vectors.
template <class A, class R, class F>
constexpr bool kStreamable = std::is_floating_point_v<A> && std::is_same_v<A, R> && TakesVectors<F>::value;

// An input row of a streamed op: contiguous, or one element broadcast (stride 0).
template <class T>
struct Lane {
  const T* p;
  bool broadcast;
  T at(int64_t i) const { return broadcast ? *p : p[i]; }
  Vec<T> vec(int64_t i) const {
    if (broadcast) return Vec<T>{} + *p;
    Vec<T> v;
    std::memcpy(&v, p + i, sizeof v);
    return v;
  }
};

// y[i] = f(x[i]...) over a row, f taking elements or whole vectors (GCC vector extensions), with y's aligned
// middle done in vectors (streamed to y when kStream) and the rest element by element. y may be one of the inputs.
template <bool kStream, class T, class F, class... X>
void vector_row(T* y, int64_t n, const F& f, X... x) {  // x by value: a local flag is not reloaded after each store
  constexpr int64_t L = lanes_of<T>();
  int64_t i = 0;
  for (; i < n && reinterpret_cast<uintptr_t>(y + i) % kVecBytes != 0; ++i) y[i] = f(x.at(i)...);
  for (; i + L <= n; i += L) {
    if constexpr (kStream) {
      stream_store(y + i, f(x.vec(i)...));
    } else {
      auto v = f(x.vec(i)...);
      std::memcpy(y + i, &v, sizeof v);
    }
  }
  for (; i < n; ++i) y[i] = f(x.at(i)...);
  if constexpr (kStream) stream_fence();
}

TT_ISA_END
