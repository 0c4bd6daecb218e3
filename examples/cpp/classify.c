/* classify_c: classify.cpp written in C99 against the C ABI alone (tinytorch.h).
 *
 *   classify_c <model.ttp> <images.bin> [--logits out.bin] [--repeat N]
 *
 * images.bin (little-endian): char magic[4] = "TTIM"; u32 n, c, h, w; n*c*h*w float32 pixels; n int64 labels.
 * The plan's input 0 is the image batch [B, c, h, w] (float32), its output 0 the logits [B, classes] (float32).
 * Errors end the program with exit code 1; the operating system reclaims what it held. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <tinytorch/tinytorch.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail(const char* message, const char* detail) {
  fprintf(stderr, "classify_c: %s%s\n", message, detail);
  exit(1);
}

static void check(tt_status s) {
  if (s != TT_OK) fail("tinytorch error: ", tt_last_error());
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

int main(int argc, char** argv) {
  const char* logits_path = NULL;
  long repeat = 0;
  if (argc < 3) fail("usage: classify_c <model.ttp> <images.bin> [--logits out.bin] [--repeat N]", "");
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--logits") && i + 1 < argc) {
      logits_path = argv[++i];
    } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = strtol(argv[++i], NULL, 10);
      if (repeat <= 0) fail("--repeat takes a positive count", "");
    } else {
      fail("unknown argument ", argv[i]);
    }
  }
  if (tt_abi_version() != TT_ABI_VERSION) fail("libtinytorch has another ABI version than tinytorch.h", "");

  tt_device cpu = {TT_CPU, 0};
  tt_plan* plan;
  check(tt_plan_load(argv[1], cpu, &plan));

  /* the images: header, then check the file size before reading (each size is below 2^32: divide, never overflow) */
  FILE* f = fopen(argv[2], "rb");
  if (!f) fail("cannot open ", argv[2]);
  char magic[4];
  uint32_t dims[4];
  if (fread(magic, 1, 4, f) != 4 || fread(dims, 4, 4, f) != 4 || memcmp(magic, "TTIM", 4) != 0)
    fail("not an images file (it must start with \"TTIM\" and four u32 sizes): ", argv[2]);
  const int64_t n = dims[0], c = dims[1], h = dims[2], w = dims[3];
  if (fseek(f, 0, SEEK_END) != 0) fail("cannot seek in ", argv[2]);
  const uint64_t room = (uint64_t)ftell(f) - 20, per_image = (uint64_t)c * (uint64_t)h;
  if (n == 0 || per_image == 0 || w == 0) fail("no images, or an image of zero size, in ", argv[2]);
  const int fits = per_image <= room / 4 / (uint64_t)w;
  const uint64_t record = fits ? per_image * w * 4 + 8 : 1; /* one image and its label */
  if (!fits || room % record != 0 || room / record != (uint64_t)n)
    fail("the file size does not match the header's sizes: ", argv[2]);
  const int64_t image_floats = c * h * w;
  float* pixels = malloc((size_t)(n * image_floats) * sizeof(float));
  int64_t* labels = malloc((size_t)n * sizeof(int64_t));
  if (!pixels || !labels) fail("out of memory", "");
  fseek(f, 20, SEEK_SET);
  if (fread(pixels, sizeof(float), (size_t)(n * image_floats), f) != (size_t)(n * image_floats) ||
      fread(labels, sizeof(int64_t), (size_t)n, f) != (size_t)n)
    fail("read error in ", argv[2]);
  fclose(f);

  /* the plan must take [B, c, h, w] float32 and give [B, classes] float32 */
  tt_plan_io in, out;
  if (tt_plan_num_inputs(plan) != 1 || tt_plan_num_outputs(plan) < 1)
    fail("the plan must take one input and give an output", "");
  check(tt_plan_input(plan, 0, &in));
  check(tt_plan_output(plan, 0, &out));
  if (in.dtype != TT_FLOAT32 || in.ndim != 4 || in.shape[1] != c || in.shape[2] != h || in.shape[3] != w)
    fail("the plan's input is not a float32 batch of images of the file's size: ", in.name);
  if (out.dtype != TT_FLOAT32 || out.ndim != 2 || out.shape[0] != in.shape[0] || out.shape[1] < 1)
    fail("the plan's output is not float32 logits [batch, classes]: ", out.name);
  const int64_t batch = in.shape[0], classes = out.shape[1];
  /* a static plan takes exactly `batch` images: the last batch is padded with zeros and its padding ignored */
  const int pad = !(tt_plan_max_batch(plan) > 0 && in.batched);

  tt_buffer* xbuf;
  check(tt_buffer_new(cpu, batch * image_floats * (int64_t)sizeof(float), &xbuf));
  float* x = tt_buffer_data(xbuf);
  tt_view xv = {xbuf, 0, TT_FLOAT32, 4, {batch, c, h, w}, {c * h * w, h * w, w, 1}};
  float* logits = malloc((size_t)(n * classes) * sizeof(float));
  if (!logits) fail("out of memory", "");
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t rows = n - start < batch ? n - start : batch, b = pad ? batch : rows;
    memcpy(x, pixels + start * image_floats, (size_t)(rows * image_floats) * sizeof(float));
    memset(x + rows * image_floats, 0, (size_t)((b - rows) * image_floats) * sizeof(float));
    xv.shape[0] = b;
    check(tt_plan_run(plan, &xv, 1, NULL, 0));
    tt_view y;
    check(tt_plan_output_view(plan, 0, &y));
    if (y.dtype != TT_FLOAT32 || y.ndim != 2 || y.shape[0] != b || y.shape[1] != classes ||
        tt_buffer_device(y.buf).type != TT_CPU)
      fail("the plan gave logits of an unexpected shape", "");
    const float* p = (const float*)tt_buffer_data(y.buf) + y.offset;
    for (int64_t i = 0; i < rows; i++) {
      if (labels[start + i] < 0 || labels[start + i] >= classes) fail("a label is not a class of the plan", "");
      int64_t best = 0;
      for (int64_t k = 0; k < classes; k++) {
        logits[(start + i) * classes + k] = p[i * y.strides[0] + k * y.strides[1]];
        if (p[i * y.strides[0] + k * y.strides[1]] > p[i * y.strides[0] + best * y.strides[1]]) best = k;
      }
      correct += best == labels[start + i];
    }
  }
  printf("accuracy %.4f (%lld images)\n", (double)correct / (double)n, (long long)n);

  if (logits_path) {
    FILE* lf = fopen(logits_path, "wb");
    if (!lf || fwrite(logits, sizeof(float), (size_t)(n * classes), lf) != (size_t)(n * classes) || fclose(lf) != 0)
      fail("cannot write ", logits_path);
  }
  if (repeat > 0) { /* x still holds the last batch; a full batch keeps the timing comparable across files */
    double* us = malloc((size_t)repeat * sizeof(double));
    if (!us) fail("out of memory", "");
    xv.shape[0] = batch;
    for (long r = 0; r < repeat; r++) {
      const double t0 = now_us();
      check(tt_plan_run(plan, &xv, 1, NULL, 0));
      us[r] = now_us() - t0;
    }
    qsort(us, (size_t)repeat, sizeof(double), cmp_double);
    printf("per-run microseconds: %.1f\n", us[repeat / 2]);
    free(us);
  }
  free(logits);
  free(labels);
  free(pixels);
  tt_buffer_release(xbuf);
  tt_plan_free(plan);
  return 0;
}
