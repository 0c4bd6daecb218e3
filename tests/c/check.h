// What the C++ tests under tests/c/ share: a failure count, CHECK (prints the first 20 failures, counts them all)
// and a seeded generator, so that every run draws the same cases.
#pragma once
#include <stdint.h>
#include <stdio.h>

static int failures = 0;
#define CHECK(cond, ...)                                           \
  do {                                                             \
    if (!(cond)) {                                                 \
      if (++failures <= 20) {                                      \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__);                              \
        fprintf(stderr, "\n");                                     \
      }                                                            \
    }                                                              \
  } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static inline int64_t draw(int64_t n) {  // uniform enough in [0, n)
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return int64_t((rng >> 33) % uint64_t(n));
}
