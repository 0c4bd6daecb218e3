// The Philox 4x32-10 that every backend's random kernels share (csrc/opmath/philox.h), checked with g++
// against the known-answer vectors published with Random123 (kat_vectors, philox4x32 with 10 rounds), and
// the stream's counter and key layout checked against the block function.
#include <stdio.h>

#include "../../csrc/opmath/philox.h"

using tt::om::PhiloxBlock;

static int failures = 0;

static void expect(const char* what, PhiloxBlock got, const uint32_t (&want)[4]) {
  for (int k = 0; k < 4; ++k)
    if (got.w[k] != want[k]) {
      fprintf(stderr, "%s: word %d is %08x, want %08x\n", what, k, got.w[k], want[k]);
      ++failures;
    }
}

int main() {
  const uint32_t zeros[4] = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
  expect("counter 0, key 0", tt::om::philox4x32_10(0, 0, 0, 0, 0, 0), zeros);
  const uint32_t ones[4] = {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu};
  expect("counter and key all ff",
         tt::om::philox4x32_10(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu), ones);
  const uint32_t pi[4] = {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u};
  expect("counter and key from pi",
         tt::om::philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u), pi);
  // the stream: key (seed low, seed high), counter (offset low, offset high, word 2, 0)
  expect("philox_block", tt::om::philox_block(0x299f31d0a4093822ull, 0x85a308d3243f6a88ull, 0x13198a2eu),
         tt::om::philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0, 0xa4093822u, 0x299f31d0u).w);
  if (failures) return 1;
  printf("test_philox: the known-answer vectors match\n");
  return 0;
}
