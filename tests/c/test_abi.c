/* The C ABI seen from C99: this file includes only the public header, so compiling it as C proves the
 * header is C. It runs a few ops on CPU buffers against hand-computed answers and walks the error paths
 * that every entry point promises to catch. Exit code 0 only when every check passed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinytorch/tinytorch.h"

static int g_checks, g_failures;

#define CHECK(cond, ...)                                        \
  do {                                                          \
    ++g_checks;                                                 \
    if (!(cond)) {                                              \
      ++g_failures;                                             \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
      printf(__VA_ARGS__);                                      \
      printf("\n");                                             \
    }                                                           \
  } while (0)

/* A call that must succeed; on failure prints the status and the library's message. */
#define CHECK_OK(call) expect_status((call), TT_OK, NULL, #call, __LINE__)
/* A call that must fail with `status`, and whose message must contain `needle` (when not NULL). */
#define CHECK_ERR(call, status, needle) expect_status((call), (status), (needle), #call, __LINE__)

static int expect_status(tt_status got, tt_status want, const char* needle, const char* text, int line) {
  ++g_checks;
  if (got != want) {
    ++g_failures;
    printf("FAIL %s:%d: %s returned %d, expected %d (last error: \"%s\")\n", __FILE__, line, text, (int)got,
           (int)want, tt_last_error());
    return 0;
  }
  if (needle && !strstr(tt_last_error(), needle)) {
    ++g_failures;
    printf("FAIL %s:%d: %s: message \"%s\" does not mention \"%s\"\n", __FILE__, line, text, tt_last_error(), needle);
    return 0;
  }
  return 1;
}

static const tt_device kCpu = {TT_CPU, 0};

static tt_buffer* new_buffer(int64_t nbytes) {
  tt_buffer* b = NULL;
  CHECK_OK(tt_buffer_new(kCpu, nbytes, &b));
  return b;
}

static tt_buffer* buffer_from(const void* data, int64_t nbytes) {
  tt_buffer* b = new_buffer(nbytes);
  if (b) CHECK_OK(tt_buffer_write(b, 0, data, nbytes));
  return b;
}

/* A view of `ndim` dims; strides NULL means contiguous (row-major). */
static tt_view make_view(tt_buffer* buf, int32_t dtype, int32_t ndim, const int64_t* shape, const int64_t* strides,
                         int64_t offset) {
  tt_view v;
  int d;
  uint64_t step = 1; /* unsigned: the huge shapes of the overflow checks must not overflow here */
  memset(&v, 0, sizeof v);
  v.buf = buf;
  v.offset = offset;
  v.dtype = dtype;
  v.ndim = ndim;
  for (d = ndim - 1; d >= 0; --d) {
    v.shape[d] = shape[d];
    v.strides[d] = strides ? strides[d] : (int64_t)step;
    step *= (uint64_t)shape[d];
  }
  return v;
}

/* No libm: CMake links the test against the library alone. */
static double absd(double x) { return x < 0 ? -x : x; }
static int close_to(double got, double want, double tol) { return absd(got - want) <= tol * (1.0 + absd(want)); }

static void check_floats(const char* what, tt_buffer* buf, const float* want, int n, double tol) {
  float got[64];
  int i;
  if (!buf || !CHECK_OK(tt_buffer_read(buf, 0, got, (int64_t)(n * sizeof(float))))) return;
  for (i = 0; i < n; ++i) CHECK(close_to(got[i], want[i], tol), "%s[%d] = %g, expected %g", what, i, got[i], want[i]);
}

static void check_int64s(const char* what, tt_buffer* buf, const int64_t* want, int n) {
  int64_t got[64];
  int i;
  if (!buf || !CHECK_OK(tt_buffer_read(buf, 0, got, (int64_t)(n * sizeof(int64_t))))) return;
  for (i = 0; i < n; ++i)
    CHECK(got[i] == want[i], "%s[%d] = %lld, expected %lld", what, i, (long long)got[i], (long long)want[i]);
}

/* ---- ops ---- */

static void test_fill(void) {
  const int64_t shape[2] = {2, 3}, strided[2] = {6, 2}; /* every other element of a 2x6 buffer */
  tt_buffer* b = new_buffer(12 * sizeof(float));
  tt_buffer* ib = new_buffer(4 * sizeof(int64_t));
  tt_fill_attrs zero = {0.0, 0}, a = {1.5, 0}, ia = {0.0, -7};
  const int64_t n4 = 4;
  const float want[12] = {1.5f, 0, 1.5f, 0, 1.5f, 0, 1.5f, 0, 1.5f, 0, 1.5f, 0};
  const int64_t iwant[4] = {-7, -7, -7, -7};
  const int64_t flat[1] = {12};
  tt_view all = make_view(b, TT_FLOAT32, 1, flat, NULL, 0);
  tt_view v = make_view(b, TT_FLOAT32, 2, shape, strided, 0);
  tt_view iv = make_view(ib, TT_INT64, 1, &n4, NULL, 0);
  CHECK_OK(tt_run(TT_OP_FILL, NULL, 0, &all, 1, &zero, sizeof zero));
  if (CHECK_OK(tt_run(TT_OP_FILL, NULL, 0, &v, 1, &a, sizeof a)))
    check_floats("FILL float32 strided", b, want, 12, 0);
  if (CHECK_OK(tt_run(TT_OP_FILL, NULL, 0, &iv, 1, &ia, sizeof ia))) check_int64s("FILL int64", ib, iwant, 4);
  tt_buffer_release(b);
  tt_buffer_release(ib);
}

static void test_arange(void) {
  const int64_t n = 5;
  tt_buffer* b = new_buffer(n * sizeof(float));
  tt_buffer* ib = new_buffer(n * sizeof(int64_t));
  tt_arange_attrs a = {1.0, 0.5, 0, 0}, ia = {0.0, 0.0, 3, -2};
  tt_view v = make_view(b, TT_FLOAT32, 1, &n, NULL, 0), iv = make_view(ib, TT_INT64, 1, &n, NULL, 0);
  const float want[5] = {1.0f, 1.5f, 2.0f, 2.5f, 3.0f};
  const int64_t iwant[5] = {3, 1, -1, -3, -5};
  if (CHECK_OK(tt_run(TT_OP_ARANGE, NULL, 0, &v, 1, &a, sizeof a))) check_floats("ARANGE float32", b, want, 5, 0);
  if (CHECK_OK(tt_run(TT_OP_ARANGE, NULL, 0, &iv, 1, &ia, sizeof ia))) check_int64s("ARANGE int64", ib, iwant, 5);
  tt_buffer_release(b);
  tt_buffer_release(ib);
}

/* ADD with a row broadcast by stride 0, MUL with a transposed operand, EXP on a strided slice. */
static void test_elementwise(void) {
  const float x[6] = {1, 2, 3, 4, 5, 6}, row[3] = {10, 20, 30};
  const float yt[6] = {1, 4, 2, 5, 3, 6}; /* the 3x2 transpose of [[1,2,3],[4,5,6]] */
  const int64_t shape[2] = {2, 3}, bcast[2] = {0, 1}, transposed[2] = {1, 2};
  tt_buffer *bx = buffer_from(x, sizeof x), *brow = buffer_from(row, sizeof row), *by = buffer_from(yt, sizeof yt);
  tt_buffer* bout = new_buffer(6 * sizeof(float));
  tt_view in[2], out;
  const float add_want[6] = {11, 22, 33, 14, 25, 36}, mul_want[6] = {1, 4, 9, 16, 25, 36};
  const float exp_want[6] = {2.71828183f, 7.3890561f, 20.0855369f, 54.59815f, 148.413159f, 403.428793f};

  in[0] = make_view(bx, TT_FLOAT32, 2, shape, NULL, 0);
  in[1] = make_view(brow, TT_FLOAT32, 2, shape, bcast, 0);
  out = make_view(bout, TT_FLOAT32, 2, shape, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_ADD, in, 2, &out, 1, NULL, 0))) check_floats("ADD broadcast", bout, add_want, 6, 0);

  in[1] = make_view(by, TT_FLOAT32, 2, shape, transposed, 0);
  if (CHECK_OK(tt_run(TT_OP_MUL, in, 2, &out, 1, NULL, 0))) check_floats("MUL transposed", bout, mul_want, 6, 0);

  if (CHECK_OK(tt_run(TT_OP_EXP, in, 1, &out, 1, NULL, 0))) check_floats("EXP", bout, exp_want, 6, 1e-6);

  /* ADDCMUL: x + value * row * transposed y, in one kernel; float only, one dtype, its own attrs */
  {
    tt_view three[3] = {make_view(bx, TT_FLOAT32, 2, shape, NULL, 0), make_view(brow, TT_FLOAT32, 2, shape, bcast, 0),
                        make_view(by, TT_FLOAT32, 2, shape, transposed, 0)};
    const tt_scale_attrs half = {0.5};
    const float want[6] = {1 + 5, 2 + 20, 3 + 45, 4 + 20, 5 + 50, 6 + 90};
    if (CHECK_OK(tt_run(TT_OP_ADDCMUL, three, 3, &out, 1, &half, sizeof half)))
      check_floats("ADDCMUL", bout, want, 6, 0);
    const float div_want[6] = {1 + 5, 2 + 5, 3 + 5, 4 + 1.25f, 5 + 2, 6 + 2.5f};
    if (CHECK_OK(tt_run(TT_OP_ADDCDIV, three, 3, &out, 1, &half, sizeof half)))
      check_floats("ADDCDIV", bout, div_want, 6, 1e-7);
    CHECK_ERR(tt_run(TT_OP_ADDCMUL, three, 3, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "ADDCMUL");
    three[2].dtype = TT_INT32;
    CHECK_ERR(tt_run(TT_OP_ADDCMUL, three, 3, &out, 1, &half, sizeof half), TT_ERR_DTYPE, "ADDCMUL");
    three[0].dtype = three[1].dtype = out.dtype = TT_INT32;
    CHECK_ERR(tt_run(TT_OP_ADDCMUL, three, 3, &out, 1, &half, sizeof half), TT_ERR_DTYPE, "float");
    out.dtype = TT_FLOAT32;
  }

  tt_buffer_release(bx);
  tt_buffer_release(brow);
  tt_buffer_release(by);
  tt_buffer_release(bout);
}

static void test_sum(void) {
  const float x[6] = {1, 2, 3, 4, 5, 6};
  const int64_t shape[2] = {2, 3}, rows[2] = {2, 1}, cols[2] = {1, 3};
  tt_buffer *bx = buffer_from(x, sizeof x), *bout = new_buffer(3 * sizeof(float));
  tt_view in = make_view(bx, TT_FLOAT32, 2, shape, NULL, 0), out;
  tt_reduce_attrs axis1 = {1u << 1}, axis0 = {1u << 0};
  const float want1[2] = {6, 15}, want0[3] = {5, 7, 9};
  out = make_view(bout, TT_FLOAT32, 2, rows, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_SUM, &in, 1, &out, 1, &axis1, sizeof axis1)))
    check_floats("SUM axis 1", bout, want1, 2, 0);
  out = make_view(bout, TT_FLOAT32, 2, cols, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_SUM, &in, 1, &out, 1, &axis0, sizeof axis0)))
    check_floats("SUM axis 0", bout, want0, 3, 0);
  tt_buffer_release(bx);
  tt_buffer_release(bout);
}

/* [2,3] @ [3,2], then a batch of two with B shared by stride 0 and read transposed. */
static void test_matmul(void) {
  const float a[12] = {1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 0, -2}, b[6] = {7, 8, 9, 10, 11, 12};
  const float bt[6] = {7, 9, 11, 8, 10, 12}; /* b transposed, stored [2,3] */
  const int64_t sa[2] = {2, 3}, sb[2] = {3, 2}, so[2] = {2, 2};
  const int64_t ba[3] = {2, 2, 3}, bb[3] = {2, 3, 2}, bo[3] = {2, 2, 2}, bt_strides[3] = {0, 1, 3};
  tt_buffer *bufa = buffer_from(a, sizeof a), *bufb = buffer_from(b, sizeof b), *bufbt = buffer_from(bt, sizeof bt);
  tt_buffer* bout = new_buffer(8 * sizeof(float));
  tt_view in[2], out;
  const float want[4] = {58, 64, 139, 154};
  const float bwant[8] = {58, 64, 139, 154, 4, 4, -8, -8};
  in[0] = make_view(bufa, TT_FLOAT32, 2, sa, NULL, 0);
  in[1] = make_view(bufb, TT_FLOAT32, 2, sb, NULL, 0);
  out = make_view(bout, TT_FLOAT32, 2, so, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_MATMUL, in, 2, &out, 1, NULL, 0))) check_floats("MATMUL", bout, want, 4, 1e-6);
  in[0] = make_view(bufa, TT_FLOAT32, 3, ba, NULL, 0);
  in[1] = make_view(bufbt, TT_FLOAT32, 3, bb, bt_strides, 0);
  out = make_view(bout, TT_FLOAT32, 3, bo, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_MATMUL, in, 2, &out, 1, NULL, 0)))
    check_floats("MATMUL batched, B broadcast and transposed", bout, bwant, 8, 1e-6);
  tt_buffer_release(bufa);
  tt_buffer_release(bufb);
  tt_buffer_release(bufbt);
  tt_buffer_release(bout);
}

/* float32 -> int32 truncates toward zero; float32 -> float16 rounds to nearest even; int64 -> float64. */
static void test_copy(void) {
  const float x[4] = {2.7f, -2.7f, 0.1f, 65504.0f};
  const int64_t ix[3] = {-3, 0, (int64_t)1 << 40};
  const int64_t n4 = 4, n3 = 3, rev = -1;
  tt_buffer *bx = buffer_from(x, sizeof x), *bix = buffer_from(ix, sizeof ix);
  tt_buffer *bi32 = new_buffer(4 * 4), *bh = new_buffer(4 * 2), *bd = new_buffer(3 * 8);
  tt_view in = make_view(bx, TT_FLOAT32, 1, &n4, NULL, 0), out = make_view(bi32, TT_INT32, 1, &n4, NULL, 0);
  int32_t i32[4];
  uint16_t h[4];
  double d[3];
  const int32_t i32_want[4] = {2, -2, 0, 65504};
  const uint16_t h_want[4] = {0x4166, 0xC166, 0x2E66, 0x7BFF};
  int i;
  if (CHECK_OK(tt_run(TT_OP_COPY, &in, 1, &out, 1, NULL, 0)) && CHECK_OK(tt_buffer_read(bi32, 0, i32, sizeof i32)))
    for (i = 0; i < 4; ++i) CHECK(i32[i] == i32_want[i], "COPY f32->i32 [%d] = %d, want %d", i, i32[i], i32_want[i]);
  out = make_view(bh, TT_FLOAT16, 1, &n4, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_COPY, &in, 1, &out, 1, NULL, 0)) && CHECK_OK(tt_buffer_read(bh, 0, h, sizeof h)))
    for (i = 0; i < 4; ++i) CHECK(h[i] == h_want[i], "COPY f32->f16 [%d] = 0x%04x, want 0x%04x", i, h[i], h_want[i]);
  /* read the int64 input backwards (negative stride) */
  in = make_view(bix, TT_INT64, 1, &n3, &rev, 2);
  out = make_view(bd, TT_FLOAT64, 1, &n3, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_COPY, &in, 1, &out, 1, NULL, 0)) && CHECK_OK(tt_buffer_read(bd, 0, d, sizeof d)))
    for (i = 0; i < 3; ++i) CHECK(d[i] == (double)ix[2 - i], "COPY i64->f64 reversed [%d] = %g", i, d[i]);
  tt_buffer_release(bx);
  tt_buffer_release(bix);
  tt_buffer_release(bi32);
  tt_buffer_release(bh);
  tt_buffer_release(bd);
}

/* out[i][j] = src[index[i][j]][j] along dim 0; an index of 3 (or -1) into 3 rows is TT_ERR_INDEX. */
static void test_gather(void) {
  const float src[6] = {1, 2, 3, 4, 5, 6}; /* [3,2] */
  int64_t index[4] = {2, 0, 1, 1};         /* [2,2] */
  const int64_t ss[2] = {3, 2}, is[2] = {2, 2};
  tt_buffer *bs = buffer_from(src, sizeof src), *bi = buffer_from(index, sizeof index), *bo = new_buffer(4 * 4);
  tt_view in[2], out;
  tt_dim_attrs dim0 = {0};
  const float want[4] = {5, 2, 3, 4};
  in[0] = make_view(bs, TT_FLOAT32, 2, ss, NULL, 0);
  in[1] = make_view(bi, TT_INT64, 2, is, NULL, 0);
  out = make_view(bo, TT_FLOAT32, 2, is, NULL, 0);
  if (CHECK_OK(tt_run(TT_OP_GATHER, in, 2, &out, 1, &dim0, sizeof dim0))) check_floats("GATHER", bo, want, 4, 0);
  index[3] = 3;
  CHECK_OK(tt_buffer_write(bi, 0, index, sizeof index));
  CHECK_ERR(tt_run(TT_OP_GATHER, in, 2, &out, 1, &dim0, sizeof dim0), TT_ERR_INDEX, "GATHER");
  index[3] = -1;
  CHECK_OK(tt_buffer_write(bi, 0, index, sizeof index));
  CHECK_ERR(tt_run(TT_OP_GATHER, in, 2, &out, 1, &dim0, sizeof dim0), TT_ERR_INDEX, "GATHER");
  tt_buffer_release(bs);
  tt_buffer_release(bi);
  tt_buffer_release(bo);
}

/* ---- error paths: each must be refused with the right status, touching no memory out of bounds ---- */

static void test_errors(void) {
  const int64_t s23[2] = {2, 3}, s32[2] = {3, 2}, n4 = 4, n3 = 3;
  tt_buffer* b = new_buffer(6 * sizeof(double));
  tt_buffer* small = new_buffer(3 * sizeof(float));
  tt_buffer* out_buf = NULL;
  tt_view x = make_view(b, TT_FLOAT32, 2, s23, NULL, 0), in[2], out = x, bad;
  tt_reduce_attrs axes = {1};
  tt_device cuda0 = {TT_CUDA, 0}, metal0 = {TT_METAL, 0}, cpu1 = {TT_CPU, 1}, nodev = {TT_DEVICE_TYPE_COUNT, 0};
  uint8_t bytes[8];
  in[0] = x;
  in[1] = x;

  /* null pointers */
  CHECK_ERR(tt_buffer_new(kCpu, 16, NULL), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ERR(tt_run(TT_OP_ADD, NULL, 2, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "ADD");
  CHECK_ERR(tt_run(TT_OP_ADD, in, 2, NULL, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "ADD");
  bad = x;
  bad.buf = NULL;
  CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "NEG");
  CHECK_ERR(tt_run(TT_OP_SUM, &x, 1, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "SUM"); /* attrs missing */
  CHECK_ERR(tt_buffer_read(b, 0, NULL, 4), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ERR(tt_buffer_write(NULL, 0, bytes, 4), TT_ERR_INVALID_ARGUMENT, NULL);
  tt_buffer_release(NULL);

  /* wrong input and output counts */
  CHECK_ERR(tt_run(TT_OP_ADD, in, 1, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "ADD");
  CHECK_ERR(tt_run(TT_OP_ADD, in, 3, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, "ADD");
  CHECK_ERR(tt_run(TT_OP_EXP, in, 1, &out, 0, NULL, 0), TT_ERR_INVALID_ARGUMENT, "EXP");

  /* views that reach outside their buffer: too long, negative offset, a stride past the end, a byte range */
  bad = make_view(small, TT_FLOAT32, 1, &n4, NULL, 0);
  CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &bad, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
  bad = make_view(small, TT_FLOAT32, 1, &n3, NULL, -1);
  CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &bad, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
  {
    const int64_t stride2 = 2, back = -1;
    tt_view ok = make_view(small, TT_FLOAT32, 1, &n3, NULL, 0);
    bad = make_view(small, TT_FLOAT32, 1, &n3, &stride2, 0);
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &ok, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
    bad = make_view(small, TT_FLOAT32, 1, &n3, &back, 1); /* reaches element -1 */
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &ok, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
    bad = make_view(small, TT_FLOAT64, 1, &n3, NULL, 0); /* 24 bytes in a 12-byte buffer */
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &bad, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
  }
  CHECK_ERR(tt_buffer_read(small, 8, bytes, 8), TT_ERR_SHAPE, NULL);
  CHECK_ERR(tt_buffer_write(small, -1, bytes, 1), TT_ERR_SHAPE, NULL);

  /* mismatched shapes (the message names the op: tt_last_error() is how a caller learns which one) */
  in[1] = make_view(b, TT_FLOAT32, 2, s32, NULL, 0);
  CHECK_ERR(tt_run(TT_OP_ADD, in, 2, &out, 1, NULL, 0), TT_ERR_SHAPE, "ADD");
  CHECK(strstr(tt_last_error(), "[2, 3]") != NULL, "message \"%s\" does not show the shapes", tt_last_error());
  {
    const int64_t s22[2] = {2, 2};
    tt_view mm[2];
    tt_view mo = make_view(b, TT_FLOAT32, 2, s22, NULL, 0);
    mm[0] = x;
    mm[1] = x; /* [2,3] @ [2,3] */
    CHECK_ERR(tt_run(TT_OP_MATMUL, mm, 2, &mo, 1, NULL, 0), TT_ERR_SHAPE, "MATMUL");
    CHECK_ERR(tt_run(TT_OP_SUM, &x, 1, &mo, 1, &axes, sizeof axes), TT_ERR_SHAPE, "SUM");
  }

  /* mismatched and unknown dtypes */
  in[1] = make_view(b, TT_FLOAT64, 2, s23, NULL, 0);
  CHECK_ERR(tt_run(TT_OP_ADD, in, 2, &out, 1, NULL, 0), TT_ERR_DTYPE, "ADD");
  bad = x;
  bad.dtype = 99;
  CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &out, 1, NULL, 0), TT_ERR_DTYPE, "NEG");
  bad = make_view(b, TT_INT32, 2, s23, NULL, 0);
  CHECK_ERR(tt_run(TT_OP_EXP, &bad, 1, &bad, 1, NULL, 0), TT_ERR_DTYPE, "EXP"); /* EXP takes floats only */

  /* sizes that overflow int64: the element count, and the reach of a stride */
  {
    const int64_t huge[2] = {(int64_t)1 << 40, (int64_t)1 << 40}, far = (int64_t)1 << 62;
    bad = make_view(b, TT_FLOAT32, 2, huge, NULL, 0);
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &bad, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
    bad = make_view(b, TT_FLOAT32, 1, &n3, &far, 0);
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &x, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
    bad = make_view(b, TT_FLOAT32, 1, &n3, NULL, INT64_MAX - 1);
    CHECK_ERR(tt_run(TT_OP_NEG, &bad, 1, &x, 1, NULL, 0), TT_ERR_SHAPE, "NEG");
    CHECK_ERR(tt_buffer_read(b, INT64_MAX, bytes, 8), TT_ERR_SHAPE, NULL);
    CHECK_ERR(tt_buffer_new(kCpu, INT64_MAX, &out_buf), TT_ERR_OUT_OF_MEMORY, NULL);
    CHECK(out_buf == NULL, "a failed tt_buffer_new must leave *out NULL");
  }

  /* the allocator's cache: a large freed block goes back to the system on request; a reallocation still works */
  {
    tt_buffer* big = NULL;
    CHECK(tt_buffer_new(kCpu, 1 << 20, &big) == TT_OK, "tt_buffer_new 1 MiB");
    tt_buffer_release(big);
    CHECK(tt_empty_cache(TT_CPU) == TT_OK && tt_empty_cache(TT_CUDA) == TT_OK, "tt_empty_cache");
    CHECK_ERR(tt_empty_cache(TT_DEVICE_TYPE_COUNT), TT_ERR_INVALID_ARGUMENT, NULL);
    CHECK(tt_buffer_new(kCpu, 1 << 20, &big) == TT_OK, "tt_buffer_new after tt_empty_cache");
    tt_buffer_release(big);
  }

  /* unknown ops */
  CHECK_ERR(tt_run(TT_OP_COUNT, in, 1, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ERR(tt_run(-1, in, 1, &out, 1, NULL, 0), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK(strcmp(tt_op_name(TT_OP_COUNT), "UNKNOWN_OP") == 0, "tt_op_name(TT_OP_COUNT) = %s", tt_op_name(TT_OP_COUNT));
  CHECK(strcmp(tt_op_name(TT_OP_MATMUL), "MATMUL") == 0, "tt_op_name(TT_OP_MATMUL) = %s", tt_op_name(TT_OP_MATMUL));

  /* buffers: negative size, absent devices */
  out_buf = b; /* must be reset to NULL on failure */
  CHECK_ERR(tt_buffer_new(kCpu, -1, &out_buf), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK(out_buf == NULL, "a failed tt_buffer_new must leave *out NULL");
  CHECK_ERR(tt_buffer_new(cpu1, 16, &out_buf), TT_ERR_DEVICE, NULL);
  CHECK_ERR(tt_buffer_new(nodev, 16, &out_buf), TT_ERR_INVALID_ARGUMENT, NULL);
  CHECK(tt_device_count(TT_CPU) == 1, "tt_device_count(TT_CPU) = %d", tt_device_count(TT_CPU));
  CHECK(tt_device_count(-1) == 0 && tt_device_count(TT_DEVICE_TYPE_COUNT) == 0, "unknown device types count 0");
  if (tt_device_count(TT_CUDA) == 0) CHECK_ERR(tt_buffer_new(cuda0, 16, &out_buf), TT_ERR_DEVICE, "cuda");
  if (tt_device_count(TT_METAL) == 0) CHECK_ERR(tt_buffer_new(metal0, 16, &out_buf), TT_ERR_DEVICE, "metal");

  tt_buffer_release(b);
  tt_buffer_release(small);
}

/* The library facts every client checks at load. */
static void test_library(void) {
  tt_buffer* b = new_buffer(0); /* an empty buffer is a valid buffer */
  CHECK(tt_abi_version() == TT_ABI_VERSION, "tt_abi_version() = %d, header says %d", tt_abi_version(), TT_ABI_VERSION);
  CHECK(tt_dtype_size(TT_FLOAT16) == 2 && tt_dtype_size(TT_INT64) == 8 && tt_dtype_size(99) == 0, "tt_dtype_size");
  CHECK(strcmp(tt_dtype_name(TT_BFLOAT16), "bfloat16") == 0, "tt_dtype_name(TT_BFLOAT16) = %s",
        tt_dtype_name(TT_BFLOAT16));
  CHECK(tt_cpu_isa() != NULL && tt_get_num_threads() >= 1, "tt_cpu_isa / tt_get_num_threads");
  CHECK(b && tt_buffer_nbytes(b) == 0 && tt_buffer_device(b).type == TT_CPU, "empty buffer");
  tt_buffer_retain(b);
  tt_buffer_release(b);
  tt_buffer_release(b);
}

/* tt_op_supported asks the backend's table: it agrees with what tt_run does, and refuses bad arguments. */
// An infinite bound of a uniform range used to spin forever looking for the largest value below it.
static void test_random_bounds(void) {
  const int64_t n = 4;
  tt_buffer* b = new_buffer(n * sizeof(float));
  tt_view v = make_view(b, TT_FLOAT32, 1, &n, NULL, 0);
  tt_random_attrs a;
  memset(&a, 0, sizeof a);
  a.a = -INFINITY;
  a.b = -INFINITY;
  CHECK(tt_run(TT_OP_RAND_UNIFORM, NULL, 0, &v, 1, &a, sizeof a) == TT_ERR_INVALID_ARGUMENT,
        "RAND_UNIFORM refuses [-inf, -inf)");
  a.a = 0;
  a.b = INFINITY;
  CHECK(tt_run(TT_OP_RAND_UNIFORM, NULL, 0, &v, 1, &a, sizeof a) == TT_ERR_INVALID_ARGUMENT,
        "RAND_UNIFORM refuses [0, inf)");
  a.b = 1;
  CHECK(tt_run(TT_OP_RAND_UNIFORM, NULL, 0, &v, 1, &a, sizeof a) == TT_OK, "RAND_UNIFORM takes [0, 1): %s",
        tt_last_error());
  tt_buffer_release(b);
}

static void test_device_memory(void) {
  const tt_device cpu = {TT_CPU, 0}, cpu1 = {TT_CPU, 1}, cuda = {TT_CUDA, 0};
  tt_memory_stats before, now;
  CHECK(tt_device_memory(cpu, &before) == TT_OK, "tt_device_memory on the CPU: %s", tt_last_error());
  CHECK(tt_device_reset_peak(cpu) == TT_OK, "tt_device_reset_peak on the CPU");
  tt_buffer* b = new_buffer(1000);
  tt_device_memory(cpu, &now);
  CHECK(now.allocated == before.allocated + 1000, "a 1000-byte buffer counts 1000 bytes (got %lld more)",
        (long long)(now.allocated - before.allocated));
  CHECK(now.max_allocated >= now.allocated && now.reserved == now.allocated, "peak and reserved follow allocated");
  tt_buffer_release(b);
  tt_device_memory(cpu, &now);
  CHECK(now.allocated == before.allocated && now.max_allocated >= before.allocated + 1000,
        "the release gives the bytes back and the peak stays");
  tt_device_reset_peak(cpu);
  tt_device_memory(cpu, &now);
  CHECK(now.max_allocated == now.allocated, "the reset peak starts from now");
  double host[4];
  tt_buffer* wrapped = NULL;
  CHECK(tt_buffer_wrap(cpu, host, sizeof host, NULL, NULL, &wrapped) == TT_OK, "wrap");
  tt_device_memory(cpu, &now);
  CHECK(now.allocated == before.allocated, "wrapped memory is not counted");
  tt_buffer_release(wrapped);
  CHECK(tt_device_memory(cpu, NULL) == TT_ERR_INVALID_ARGUMENT, "tt_device_memory refuses a null out");
  CHECK(tt_device_memory(cpu1, &now) == TT_ERR_DEVICE, "tt_device_memory refuses cpu:1");
  CHECK(tt_device_synchronize(cpu) == TT_OK, "tt_device_synchronize on the CPU has nothing to wait for");
  if (tt_device_count(TT_CUDA) == 0) {
    CHECK(tt_device_synchronize(cuda) == TT_ERR_DEVICE, "tt_device_synchronize refuses an absent CUDA device");
    CHECK(tt_device_reset_peak(cuda) == TT_ERR_DEVICE, "tt_device_reset_peak refuses an absent CUDA device");
  }
}

static void test_op_supported(void) {
  const tt_device cpu = {TT_CPU, 0}, cpu1 = {TT_CPU, 1}, cuda = {TT_CUDA, 0}, metal = {TT_METAL, 0};
  const int64_t n = 2;
  tt_buffer* b = new_buffer(4 * sizeof(uint16_t));
  tt_view x = make_view(b, TT_FLOAT16, 1, &n, NULL, 0), y = make_view(b, TT_FLOAT16, 1, &n, NULL, 2);
  CHECK(tt_op_supported(TT_OP_ADD, cpu, TT_FLOAT32) == 1, "ADD float32 on the CPU");
  CHECK(tt_op_supported(TT_OP_EQ, cpu, TT_FLOAT16) == 1, "EQ float16 on the CPU");
  CHECK(tt_op_supported(TT_OP_EXP, cpu, TT_INT32) == 0, "EXP int32: exp takes floating dtypes");
  CHECK(tt_op_supported(TT_OP_ADAM_STEP, cpu, TT_FLOAT16) == 0, "ADAM_STEP float16");
  /* no float16 arithmetic kernel on the CPU: tt_run says so as tt_op_supported does */
  CHECK(tt_op_supported(TT_OP_ADD, cpu, TT_FLOAT16) == 0, "ADD float16 on the CPU");
  const tt_view in[2] = {x, x};
  CHECK_ERR(tt_run(TT_OP_ADD, in, 2, &y, 1, NULL, 0), TT_ERR_UNSUPPORTED, "no kernel for float16");
  CHECK(tt_op_supported(-1, cpu, TT_FLOAT32) == 0 && tt_op_supported(TT_OP_COUNT, cpu, TT_FLOAT32) == 0, "bad op");
  CHECK(tt_op_supported(TT_OP_ADD, cpu, -1) == 0 && tt_op_supported(TT_OP_ADD, cpu, TT_DTYPE_COUNT) == 0, "bad dtype");
  CHECK(tt_op_supported(TT_OP_ADD, cpu1, TT_FLOAT32) == 0, "a second CPU does not exist");
  CHECK(tt_device_count(TT_CUDA) > 0 || tt_op_supported(TT_OP_ADD, cuda, TT_FLOAT32) == 0, "CUDA absent");
  CHECK(tt_device_count(TT_METAL) > 0 || tt_op_supported(TT_OP_ADD, metal, TT_FLOAT32) == 0, "Metal absent");
  tt_buffer_release(b);
}

int main(void) {
  test_library();
  test_op_supported();
  test_device_memory();
  test_random_bounds();
  test_fill();
  test_arange();
  test_elementwise();
  test_sum();
  test_matmul();
  test_copy();
  test_gather();
  test_errors();
  printf("test_abi: %d checks, %d failed (cpu isa %s, cuda devices %d, metal devices %d)\n", g_checks, g_failures,
         tt_cpu_isa(), tt_device_count(TT_CUDA), tt_device_count(TT_METAL));
  return g_failures ? 1 : 0;
}
