// Philox 4x32-10 (Salmon et al., SC'11) and the maps from its words to numbers, shared by every backend's
// random kernels so that the same seed and offset give the same bits everywhere (the stream is described in
// cpu/random.cpp). Integer code only, apart from the 24- and 53-bit uniforms, which are exact conversions.
// tests/c/test_philox.cpp checks the block function against Random123's known-answer vectors.
#pragma once
#include <stdint.h>

#include "hd.h"

TT_OPMATH_BEGIN

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // the Weyl key schedule

// One round on counter words c0..c3 with round key (k0, k1). The CPU calls it lane by lane inside fixed-length
// loops, which GCC vectorizes once it is inlined.
TT_HD_INLINE void philox_round(uint32_t& c0, uint32_t& c1, uint32_t& c2, uint32_t& c3, uint32_t k0, uint32_t k1) {
  const uint64_t p0 = uint64_t(kPhiloxM0) * c0, p1 = uint64_t(kPhiloxM1) * c2;
  const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0, n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
  c1 = uint32_t(p1);
  c3 = uint32_t(p0);
  c0 = n0;
  c2 = n2;
}

struct PhiloxBlock {
  uint32_t w[4];
};

TT_HD_INLINE PhiloxBlock philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                                       uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    philox_round(c0, c1, c2, c3, k0, k1);
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return PhiloxBlock{{c0, c1, c2, c3}};
}

// The block of the stream: key = seed, counter = (counter low, counter high, word2, 0).
TT_HD_INLINE PhiloxBlock philox_block(uint64_t seed, uint64_t counter, uint32_t word2) {
  return philox4x32_10(uint32_t(counter), uint32_t(counter >> 32), word2, 0, uint32_t(seed), uint32_t(seed >> 32));
}

TT_HD_INLINE uint64_t join_words(uint32_t hi, uint32_t lo) { return uint64_t(hi) << 32 | lo; }

// Uniforms in [0, 1) (or, with add_one, in (0, 1]) from the top 24 bits of a word or 53 bits of two words.
TT_HD_INLINE float uniform24(uint32_t w, uint32_t add_one = 0) { return float((w >> 8) + add_one) * 0x1p-24f; }
TT_HD_INLINE double uniform53(uint32_t hi, uint32_t lo, uint64_t add_one = 0) {
  return double((join_words(hi, lo) >> 11) + add_one) * 0x1p-53;
}

// The high 64 bits of a * b.
TT_HD_INLINE uint64_t mul_hi64(uint64_t a, uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(a, b);
#else
  return uint64_t((unsigned __int128)a * b >> 64);
#endif
}

// RAND_INT: an integer in [0, range) (range 0 standing for 2^64) from the block `first` of `counter`, by Lemire's
// multiply-shift with rejection of the short interval, so every value is equally likely. Draw j > 0 (rare: a
// rejection) takes words 2j..2j+1 of the blocks with counter word 2 = 0, 1, 2, ... in turn.
TT_HD_INLINE uint64_t draw_below(uint64_t range, PhiloxBlock first, uint64_t seed, uint64_t counter) {
  uint64_t r = join_words(first.w[0], first.w[1]);
  if (range == 0) return r;
  uint64_t lo = r * range;
  if (lo < range) {  // perhaps in the biased sliver; the exact bound costs a division
    const uint64_t threshold = (0 - range) % range;  // 2^64 mod range
    PhiloxBlock more = first;
    for (uint32_t j = 1; lo < threshold; ++j) {
      if (j % 2 == 0) more = philox_block(seed, counter, j / 2);
      const int word = 2 * int(j % 2);
      r = join_words(more.w[word], more.w[word + 1]);
      lo = r * range;
    }
  }
  return mul_hi64(r, range);
}

TT_OPMATH_END
