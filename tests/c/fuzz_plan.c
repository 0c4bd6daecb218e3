/* fuzz_plan <plan.ttp> [iterations=3000] [seed=1]: loads mutated copies of a valid plan (truncated, bytes
 * flipped, counts and sizes overwritten with edge values, 288-byte view-sized chunks duplicated or removed) and
 * runs each one that loads. The loader must refuse or accept every copy cleanly: a crash or a sanitizer report
 * is the failure. Pure C99 against the public header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinytorch/tinytorch.h"

/* A lying file may ask for petabytes: under AddressSanitizer that must fail as an allocation, not abort. */
const char* __asan_default_options(void);
const char* __asan_default_options(void) { return "allocator_may_return_null=1"; }

enum { CHUNK = 288, HEADER = 64 };
static const int64_t kMaxRunBytes = (int64_t)256 << 20; /* plans that need more are loaded but not run */

static uint64_t g_rng;
static uint64_t next(void) { /* xorshift64 */
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}
static size_t below(size_t n) { return n ? (size_t)(next() % n) : 0; }

static uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  int i;
  for (i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
static void put_le(unsigned char* p, uint64_t v, int n) {
  int i;
  for (i = 0; i < n; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

static const uint64_t kInteresting[] = {0, 1, 2, 3, 4, 7, 8, 9, 64, 255, 256, 288, 0x7fffffffu, 0x80000000u,
                                        0xffffffffu, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                        0xffffffffffffffffull, 0xfffffffffffffff8ull};

/* One mutated copy of src in dst (capacity len + CHUNK); returns its length. */
static size_t mutate(const unsigned char* src, size_t len, unsigned char* dst) {
  size_t n = len, k, rounds = 1 + below(3), r;
  memcpy(dst, src, len);
  for (r = 0; r < rounds; ++r) {
    size_t head = n < HEADER ? n : HEADER, body_end = n;
    if (n >= HEADER) {
      uint64_t body = get_u64(dst + 40);
      if (body < n - HEADER) body_end = HEADER + (size_t)body;
    }
    switch (below(6)) {
      case 0: /* truncation */
        n = below(n + 1);
        break;
      case 1: /* byte flips */
        for (k = 1 + below(8); k > 0 && n; --k) dst[below(n)] ^= (unsigned char)(1 + below(255));
        break;
      case 2: case 3: { /* an edge value over an aligned u32 or i64 of the header or body */
        int width = below(2) ? 8 : 4;
        size_t span = body_end >= (size_t)width ? (body_end - width) / width + 1 : 0, at;
        uint64_t v = kInteresting[below(sizeof kInteresting / sizeof kInteresting[0])];
        if (!span) break;
        at = below(below(4) ? span : (head >= (size_t)width ? (head - width) / width + 1 : 1)) * width;
        put_le(dst + at, below(4) ? v : v + below(3) - 1, width);
        break;
      }
      case 4: case 5: { /* duplicate or remove a view-sized chunk; half the time keep body_size consistent */
        int grow = below(2) == 0 && n <= len;
        size_t at;
        if (n < HEADER + (grow ? 0 : CHUNK)) break;
        at = HEADER + below(n - HEADER - (grow ? 0 : CHUNK) + 1);
        if (grow) {
          memmove(dst + at + CHUNK, dst + at, n - at); /* [at, at + CHUNK) still holds its old bytes */
          n += CHUNK;
        } else {
          memmove(dst + at, dst + at + CHUNK, n - at - CHUNK);
          n -= CHUNK;
        }
        if (below(2) && at < body_end) {
          uint64_t body = get_u64(dst + 40);
          put_le(dst + 40, grow ? body + CHUNK : body - CHUNK, 8);
        }
        break;
      }
    }
  }
  return n;
}

/* Runs a loaded plan once on zero inputs (batch 1 for batched ones); returns its status. */
static tt_status run_zero(tt_plan* plan, const unsigned char* file, size_t len, tt_buffer* zeros) {
  tt_device cpu = {TT_CPU, 0};
  int32_t n_in = tt_plan_num_inputs(plan), n_out = tt_plan_num_outputs(plan), i, d;
  int64_t consts = 0, inputs = 0, work = 0;
  tt_view* views;
  tt_buffer** bufs;
  tt_status s = TT_OK;
  uint32_t n_buffers = len >= HEADER ? (uint32_t)get_u64(file + 12) : 0, b;
  for (b = 0; b < n_buffers && b < 256; ++b) tt_plan_bind(plan, (int32_t)b, zeros); /* externals get zeros */
  if (tt_plan_memory(plan, &consts, &inputs, &work) != TT_OK) return TT_ERR_INTERNAL;
  if (consts > kMaxRunBytes || inputs > kMaxRunBytes || work > kMaxRunBytes) return TT_OK;
  views = (tt_view*)calloc((size_t)n_in + 1, sizeof *views);
  bufs = (tt_buffer**)calloc((size_t)n_in + 1, sizeof *bufs);
  if (!views || !bufs) abort();
  for (i = 0; i < n_in && s == TT_OK; ++i) {
    tt_plan_io io;
    int64_t numel = 1, stride = 1;
    if (tt_plan_input(plan, i, &io) != TT_OK) abort();
    if (io.batched && io.ndim > 0) io.shape[0] = 1;
    for (d = 0; d < io.ndim; ++d) numel = io.shape[d] && numel > kMaxRunBytes / io.shape[d] ? kMaxRunBytes : numel * io.shape[d];
    if (numel * tt_dtype_size(io.dtype) > kMaxRunBytes) {
      s = TT_ERR_OUT_OF_MEMORY;
      break;
    }
    s = tt_buffer_new(cpu, numel * tt_dtype_size(io.dtype), &bufs[i]);
    if (s == TT_OK && numel) {
      void* host = calloc((size_t)(numel * tt_dtype_size(io.dtype)), 1);
      if (!host) abort();
      s = tt_buffer_write(bufs[i], 0, host, numel * tt_dtype_size(io.dtype));
      free(host);
    }
    views[i].buf = bufs[i];
    views[i].dtype = io.dtype;
    views[i].ndim = io.ndim;
    for (d = io.ndim - 1; d >= 0; --d) {
      views[i].shape[d] = io.shape[d];
      views[i].strides[d] = stride;
      stride *= io.shape[d] ? io.shape[d] : 1;
    }
  }
  if (s == TT_OK) s = tt_plan_run(plan, views, n_in, NULL, 0);
  for (i = 0; s == TT_OK && i < n_out; ++i) {
    tt_view v;
    if (tt_plan_output_view(plan, i, &v) != TT_OK) abort();
  }
  for (i = 0; i < n_in; ++i) tt_buffer_release(bufs[i]);
  free(views);
  free(bufs);
  return s;
}

int main(int argc, char** argv) {
  tt_device cpu = {TT_CPU, 0};
  long iterations = argc > 2 ? atol(argv[2]) : 3000, it, refused = 0, ran = 0, ran_error = 0;
  unsigned char *file, *copy;
  size_t len;
  long size;
  FILE* f;
  tt_plan* plan = NULL;
  tt_buffer* zeros = NULL;
  tt_status s;
  if (argc < 2) {
    fprintf(stderr, "usage: fuzz_plan <plan.ttp> [iterations=3000] [seed=1]\n");
    return 2;
  }
  g_rng = argc > 3 ? strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ull + 1 : 0x9e3779b97f4a7c15ull;
  f = fopen(argv[1], "rb");
  if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    fprintf(stderr, "fuzz_plan: cannot read %s\n", argv[1]);
    return 2;
  }
  len = (size_t)size;
  file = (unsigned char*)malloc(len + 1);
  copy = (unsigned char*)malloc(len + CHUNK + 1);
  if (!file || !copy || fread(file, 1, len, f) != len) return 2;
  fclose(f);
  if (tt_buffer_new(cpu, (int64_t)1 << 20, &zeros) != TT_OK) return 2;
  {
    void* host = calloc((size_t)1 << 20, 1);
    if (!host || tt_buffer_write(zeros, 0, host, (int64_t)1 << 20) != TT_OK) return 2;
    free(host);
  }
  /* The seed itself must load and run. */
  s = tt_plan_load_memory(file, (int64_t)len, cpu, &plan);
  if (s == TT_OK) s = run_zero(plan, file, len, zeros);
  tt_plan_free(plan);
  if (s != TT_OK) {
    fprintf(stderr, "fuzz_plan: the seed %s does not load and run: %s\n", argv[1], tt_last_error());
    return 1;
  }
  for (it = 0; it < iterations; ++it) {
    size_t n = mutate(file, len, copy);
    plan = NULL;
    if (tt_plan_load_memory(copy, (int64_t)n, cpu, &plan) != TT_OK) {
      if (plan) {
        fprintf(stderr, "fuzz_plan: a refused load left its out pointer set\n");
        return 1;
      }
      ++refused;
      continue;
    }
    if (run_zero(plan, copy, n, zeros) == TT_OK) ++ran;
    else ++ran_error;
    tt_plan_free(plan);
  }
  tt_buffer_release(zeros);
  free(file);
  free(copy);
  printf("fuzz_plan %s: %ld iterations: %ld refused, %ld loaded and ran, %ld ran with an error\n", argv[1],
         iterations, refused, ran, ran_error);
  return 0;
}
