// CPU reductions (SUM .. ANY), scans (CUMSUM, CUMPROD) and fused softmax along one dim.
//
// A reduction splits the input's dims into kept and reduced groups, each sorted by input stride and merged where
// contiguous, then takes one of two layouts:
//  - rows: the innermost reduced dim is contiguous: each output folds its elements in vector lanes (x.sum(1));
//  - columns: the innermost kept dim is contiguous: whole input rows are accumulated into a tile of
//    per-column accumulators (x.sum(0)), so no column is ever walked with a stride.
// Any other layout uses rows with gathered loads.
// Determinism and accuracy: reduced elements are cut into fixed blocks (kBlock elements, or kRowBlock rows) that
// are folded in lanes of the input type; block results are combined in a wider type (double for float32), in
// block order. Threads only decide who computes which block, so results do not depend on the thread count.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "../core/parallel.h"
#include "../opmath/math.h"
#include "isa.h"
#include "vec.h"

TT_ISA_BEGIN
namespace {

// All memory goes through memcpy: unaligned, and free of aliasing rules (int32 data read as uint32, floats as bits).
template <class T>
inline T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
inline Vec<T> splat(T x) {
  Vec<T> v = {};
  for (int64_t j = 0; j < lanes_of<T>(); ++j) v[j] = x;
  return v;
}
// The first n (< lanes) elements at p, the other lanes set to pad.
template <class T>
inline Vec<T> load_part(const char* p, int64_t n, T pad) {
  Vec<T> v = splat(pad);
  std::memcpy(&v, p, size_t(n) * sizeof(T));
  return v;
}
template <class V>
inline void store_part(char* p, V v, int64_t n) {
  std::memcpy(p, &v, size_t(n) * sizeof(v[0]));
}
// n (<= lanes) elements `stride` bytes apart, the other lanes set to pad.
template <class T>
inline Vec<T> gather(const char* p, int64_t stride, int64_t n, T pad) {
  Vec<T> v = splat(pad);
  for (int64_t j = 0; j < n; ++j) v[j] = load<T>(p + j * stride);
  return v;
}
template <class M>
inline bool any_lane(M m) {
  uint64_t w[sizeof(M) / 8], r = 0;
  std::memcpy(w, &m, sizeof m);
  for (uint64_t x : w) r |= x;
  return r != 0;
}
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// exp in vector lanes for softmax: Cody-Waite reduction to |r| <= ln2/2, a Taylor polynomial (degree 7 for float,
// 13 for double: below half an ulp), and 2^n applied as two normal factors so that results that overflow
// or are subnormal come out right. NaN propagates; -inf gives 0.
struct InvFactorials {
  double c[14];
  constexpr InvFactorials() : c() {
    double f = 1;
    for (int k = 0; k < 14; ++k) {
      if (k) f *= k;
      c[k] = 1.0 / f;
    }
  }
};
constexpr InvFactorials kInvFact;

template <class F>
struct ExpConst;
template <>
struct ExpConst<float> {
  using U = uint32_t;
  using I = int32_t;
  static constexpr float lo = -104.0f, hi = 89.0f, log2e = 1.44269504088896341f, magic = 12582912.0f,  // 1.5 * 2^23
      ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  static constexpr int degree = 7, mant = 23;
  static constexpr U bias = 127;
};
template <>
struct ExpConst<double> {
  using U = uint64_t;
  using I = int64_t;
  static constexpr double lo = -746.0, hi = 710.0, log2e = 1.4426950408889634, magic = 6755399441055744.0,  // 1.5 * 2^52
      ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  static constexpr int degree = 13, mant = 52;
  static constexpr U bias = 1023;
};

template <class F>
inline Vec<F> vexp(Vec<F> x) {
  using K = ExpConst<F>;
  using V = Vec<F>;
  using VU = Vec<typename K::U>;
  using VI = Vec<typename K::I>;
  V lo = splat(K::lo), hi = splat(K::hi), magic = splat(K::magic);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  V t = x * K::log2e + magic;  // round(x * log2e) sits in the low mantissa bits of t
  V n = t - magic;
  V r = x - n * K::ln2_hi;
  r = r - n * K::ln2_lo;
  V p = splat(F(kInvFact.c[K::degree]));
  for (int k = K::degree - 1; k >= 0; --k) p = p * r + F(kInvFact.c[k]);
  VU ni = (VU)t - (VU)magic;
  VU n1 = (VU)((VI)ni >> 1), n2 = ni - n1;
  return p * (V)((n1 + K::bias) << K::mant) * (V)((n2 + K::bias) << K::mant);
}
template <class F>
inline F sexp(F x) {
  return vexp<F>(splat(x))[0];
}
// float32 softmax takes opmath's exp, lane by lane (GCC keeps the lanes in one vector): the one float32 exp of
// every kernel. float64 keeps vexp, a vector exp that libm has no counterpart of.
inline Vec<float> softmax_exp(Vec<float> x) {
  Vec<float> y;
  for (int j = 0; j < int(lanes_of<float>()); ++j) y[j] = om::exp(x[j]);
  return y;
}
inline Vec<double> softmax_exp(Vec<double> x) { return vexp<double>(x); }
inline float softmax_exp(float x) { return om::exp(x); }
inline double softmax_exp(double x) { return sexp(x); }

// ---- fold operations: lane type L (as the input's bits are read), wide type A that blocks are combined in ----
template <class T>
struct Limits;
template <>
struct Limits<float> {
  static constexpr float lo = -INFINITY, hi = INFINITY;
};
template <>
struct Limits<double> {
  static constexpr double lo = -INFINITY, hi = INFINITY;
};
template <>
struct Limits<int32_t> {
  static constexpr int32_t lo = INT32_MIN, hi = INT32_MAX;
};
template <>
struct Limits<int64_t> {
  static constexpr int64_t lo = INT64_MIN, hi = INT64_MAX;
};
template <>
struct Limits<uint8_t> {
  static constexpr uint8_t lo = 0, hi = 255;
};

// init() starts an accumulator, pad() is the input that leaves one unchanged (fills partial vectors);
// step(acc, input) folds an input in, join(acc, acc) two accumulators of the lane type.
// Integers use unsigned lanes, so sums and products wrap instead of overflowing.
template <class L_, class A_>
struct SumOp {
  using L = L_;
  using A = A_;
  using O = L_;
  static L init() { return L(0); }
  static L pad() { return init(); }
  template <class V>
  static V step(V a, V x) { return a + x; }
  template <class V>
  static V join(V a, V b) { return a + b; }
  static A to_acc(L v) { return A(v); }
  static A merge(A a, A b) { return a + b; }
  static A empty() { return A(0); }
  static O out(A a, int64_t) { return O(a); }
};
template <class L_, class A_>
struct MeanOp : SumOp<L_, A_> {
  static typename SumOp<L_, A_>::O out(A_ a, int64_t n) { return L_(a / A_(n)); }  // empty: 0/0 = NaN
};
template <class L_, class A_>
struct ProdOp {
  using L = L_;
  using A = A_;
  using O = L_;
  static L init() { return L(1); }
  static L pad() { return init(); }
  template <class V>
  static V step(V a, V x) { return a * x; }
  template <class V>
  static V join(V a, V b) { return a * b; }
  static A to_acc(L v) { return A(v); }
  static A merge(A a, A b) { return a * b; }
  static A empty() { return A(1); }
  static O out(A a, int64_t) { return O(a); }
};
// NaN wins (torch): a NaN accumulator stays, a NaN input replaces it.
template <class L_>
struct MaxOp {
  using L = L_;
  using A = L_;
  using O = L_;
  static constexpr bool kMax = true;
  static L init() { return Limits<L>::lo; }
  static L pad() { return init(); }
  template <class V>
  static V step(V a, V x) { return (x > a) | (x != x) ? x : a; }
  template <class V>
  static V join(V a, V b) { return step(a, b); }
  static A to_acc(L v) { return v; }
  static A merge(A a, A b) { return step(a, b); }
  static A empty() { return init(); }
  static O out(A a, int64_t) { return a; }
};
template <class L_>
struct MinOp {
  using L = L_;
  using A = L_;
  using O = L_;
  static constexpr bool kMax = false;
  static L init() { return Limits<L>::hi; }
  static L pad() { return init(); }
  template <class V>
  static V step(V a, V x) { return (x < a) | (x != x) ? x : a; }
  template <class V>
  static V join(V a, V b) { return step(a, b); }
  static A to_acc(L v) { return v; }
  static A merge(A a, A b) { return step(a, b); }
  static A empty() { return init(); }
  static O out(A a, int64_t) { return a; }
};
// ANY/ALL read every dtype as unsigned bits; Mask drops the sign bit of floats, so -0 is zero and NaN is nonzero.
template <class U, U Mask>
struct AnyOp {
  using L = U;
  using A = U;
  using O = uint8_t;
  static L init() { return 0; }
  static L pad() { return init(); }
  template <class V>
  static V step(V a, V x) { return a | (x & Mask); }
  template <class V>
  static V join(V a, V b) { return a | b; }
  static A to_acc(L v) { return v; }
  static A merge(A a, A b) { return a | b; }
  static A empty() { return 0; }
  static O out(A a, int64_t) { return a != 0; }
};
template <class U, U Mask>
struct AllOp {  // accumulates "some element is zero"
  using L = U;
  using A = U;
  using O = uint8_t;
  static L init() { return 0; }
  static L pad() { return Mask; }
  template <class V>
  static V step(V a, V x) { return a | (V)((x & Mask) == 0); }
  template <class V>
  static V join(V a, V b) { return a | b; }
  static A to_acc(L v) { return v; }
  static A merge(A a, A b) { return a | b; }
  static A empty() { return 0; }
  static O out(A a, int64_t) { return a == 0; }
};

// U accumulators of full vectors; the lane order of the final fold is fixed.
template <class Op>
struct Lanes {
  using L = typename Op::L;
  using V = Vec<L>;
  static constexpr int64_t W = lanes_of<L>(), U = 4, S = sizeof(L);
  V v[U];
  Lanes() {
    for (V& x : v) x = splat(Op::init());
  }
  void contig(const char* p, int64_t n) {
    int64_t i = 0;
    for (; i + U * W <= n; i += U * W)
      for (int k = 0; k < U; ++k) v[k] = Op::step(v[k], load<V>(p + (i + k * W) * S));
    for (; i + W <= n; i += W) v[0] = Op::step(v[0], load<V>(p + i * S));
    if (i < n) v[1] = Op::step(v[1], load_part<L>(p + i * S, n - i, Op::pad()));
  }
  void strided(const char* p, int64_t stride, int64_t n) {
    int64_t i = 0;
    for (; i + U * W <= n; i += U * W)
      for (int k = 0; k < U; ++k) v[k] = Op::step(v[k], gather<L>(p + (i + k * W) * stride, stride, W, L()));
    for (; i < n; i += W) v[0] = Op::step(v[0], gather<L>(p + i * stride, stride, min64(W, n - i), Op::pad()));
  }
  typename Op::A result() const {
    V s = v[0];
    for (int k = 1; k < U; ++k) s = Op::join(s, v[k]);
    L h = s[0];
    for (int64_t j = 1; j < W; ++j) h = Op::join(h, s[j]);
    return Op::to_acc(h);
  }
};

// ---- geometry ----
// A group of dims after dropping size-1 dims and merging contiguous neighbours; strides in elements for two
// operands (a: input, b: output).
struct Axes {
  int n = 0;
  int64_t size[TT_MAX_DIMS], a[TT_MAX_DIMS], b[TT_MAX_DIMS];
  void add(int64_t sz, int64_t sa, int64_t sb) {
    if (sz == 1) return;
    if (n > 0 && a[n - 1] == sa * sz && b[n - 1] == sb * sz) {
      size[n - 1] *= sz;
      a[n - 1] = sa;
      b[n - 1] = sb;
      return;
    }
    size[n] = sz;
    a[n] = sa;
    b[n] = sb;
    ++n;
  }
  int64_t count() const {
    int64_t c = 1;
    for (int d = 0; d < n; ++d) c *= size[d];
    return c;
  }
};

// Walks the first nd dims of an Axes in row-major order, tracking both operands' offsets. Needs nonzero sizes.
struct Cursor {
  const Axes& ax;
  int nd;
  int64_t idx[TT_MAX_DIMS] = {}, oa = 0, ob = 0;
  Cursor(const Axes& axes, int dims, int64_t flat) : ax(axes), nd(dims) {
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = flat % ax.size[d];
      flat /= ax.size[d];
      oa += idx[d] * ax.a[d];
      ob += idx[d] * ax.b[d];
    }
  }
  void next() {
    for (int d = nd - 1; d >= 0; --d) {
      oa += ax.a[d];
      ob += ax.b[d];
      if (++idx[d] < ax.size[d]) return;
      oa -= ax.a[d] * ax.size[d];
      ob -= ax.b[d] * ax.size[d];
      idx[d] = 0;
    }
  }
};

// Dims by decreasing input stride (stable), broadcast dims (stride 0) outermost, so that the smallest stride
// ends innermost and permuted-contiguous dims merge.
void sort_by_stride(int* dims, int n, const int64_t* strides) {
  auto key = [&](int d) { return strides[d] == 0 ? INT64_MAX : (strides[d] < 0 ? -strides[d] : strides[d]); };
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && key(dims[j - 1]) < key(dims[j]); --j) {
      int t = dims[j];
      dims[j] = dims[j - 1];
      dims[j - 1] = t;
    }
}

// Calls f(ptr, byte_stride, count) for the runs of the innermost dim covering flat elements [begin, end) of r.
template <class F>
void for_runs(const char* base, const Axes& r, int64_t esize, int64_t begin, int64_t end, const F& f) {
  if (r.n == 0) {  // a single element
    if (begin < end) f(base, esize, end - begin);
    return;
  }
  int in = r.n - 1;
  int64_t len = r.size[in];
  Cursor outer(r, in, begin / len);
  for (int64_t pos = begin, i = begin % len; pos < end; i = 0, outer.next()) {
    int64_t cnt = min64(end - pos, len - i);
    f(base + (outer.oa + i * r.a[in]) * esize, r.a[in] * esize, cnt);
    pos += cnt;
  }
}

// ---- reductions ----
constexpr int64_t kBlock = 8192;     // reduced elements folded in lanes before a wide combine (rows layout)
constexpr int64_t kTile = 512;       // columns per task in the columns layout: their accumulators stay in L1
constexpr int64_t kRowBlock = 64;    // rows folded in lanes before a wide combine (columns layout)
constexpr int64_t kChunkRows = 1024; // rows per task when there are too few column tiles to share out

template <class Op>
typename Op::A fold_block(const char* row, const Axes& r, int64_t begin, int64_t end) {
  using L = typename Op::L;
  Lanes<Op> acc;
  for_runs(row, r, sizeof(L), begin, end, [&](const char* p, int64_t st, int64_t n) {
    if (st == int64_t(sizeof(L)))
      acc.contig(p, n);
    else
      acc.strided(p, st, n);
  });
  return acc.result();
}

// A reducer gives the drivers below: block() over flat reduced elements [begin, end) of one output, tile() over
// rows [row0, row1) for tw contiguous columns, merge(earlier, later), and write(), which may look at the
// output's reduced elements again (row, r) in the rows layout.
template <class Op>
struct Plain {
  using L = typename Op::L;
  using R = typename Op::A;
  static constexpr bool kOrdered = false;  // the reduced dims may be reordered
  static constexpr int64_t kOutSize = sizeof(typename Op::O);
  static R empty() { return Op::empty(); }
  static R block(const char* row, const Axes& r, int64_t begin, int64_t end) { return fold_block<Op>(row, r, begin, end); }
  static R merge(R a, R b) { return Op::merge(a, b); }
  static void write(char* dst, R a, int64_t count, const char*, const Axes&) { store(dst, Op::out(a, count)); }
  static void tile(const char* x, const Axes& r, int64_t row0, int64_t row1, int64_t tw, R* out) {
    using V = Vec<L>;
    constexpr int64_t W = lanes_of<L>(), S = sizeof(L);
    L lane[kTile];
    char* acc = reinterpret_cast<char*>(lane);
    for (int64_t j = 0; j < tw; ++j) {
      lane[j] = Op::init();
      out[j] = Op::empty();
    }
    if (row0 == row1) return;
    Cursor rc(r, r.n, row0);
    for (int64_t row = row0; row < row1; ++row, rc.next()) {
      const char* p = x + rc.oa * S;
      int64_t j = 0;
      for (; j + W <= tw; j += W) store(acc + j * S, Op::step(load<V>(acc + j * S), load<V>(p + j * S)));
      if (j < tw)
        store_part(acc + j * S, Op::step(load<V>(acc + j * S), load_part<L>(p + j * S, tw - j, L())), tw - j);
      if ((row + 1) % kRowBlock == 0 || row + 1 == row1) {  // fold the lanes into the wide accumulators
        bool first = row - row0 < kRowBlock;
        for (int64_t k = 0; k < tw; ++k) {
          out[k] = first ? Op::to_acc(lane[k]) : Op::merge(out[k], Op::to_acc(lane[k]));
          lane[k] = Op::init();
        }
      }
    }
  }
};

// ARGMAX/ARGMIN: the first occurrence of the best value; a NaN beats everything and the first NaN wins.
template <class L>
struct ArgBest {
  L v;
  int64_t i, end;  // the index of v, or (end > i) the block [i, end) where v first occurs
};
template <class Op>
struct Arg {
  using L = typename Op::L;
  using R = ArgBest<L>;
  static constexpr bool kOrdered = true;  // indices count in the reduced dims' own order
  static constexpr int64_t kOutSize = sizeof(int64_t);
  static bool better(L cand, L cur) {
    return (Op::kMax ? cand > cur : cand < cur) || (cand != cand && cur == cur);
  }
  static R empty() { return {L(), 0, 0}; }
  static R merge(R a, R b) { return better(b.v, a.v) ? b : a; }
  static void write(char* dst, R a, int64_t, const char* row, const Axes& r) {
    store(dst, a.end > a.i ? locate(row, r, a) : a.i);
  }

  static int64_t find_first(const char* p, int64_t st, int64_t n, L target, bool nan) {
    using V = Vec<L>;
    constexpr int64_t W = lanes_of<L>();
    int64_t i = 0;
    if (st == int64_t(sizeof(L))) {
      V t = splat(target);
      for (; i + W <= n; i += W) {
        V v = load<V>(p + i * st);
        if (nan ? any_lane(v != v) : any_lane(v == t)) break;
      }
    }
    for (; i < n; ++i) {
      L v = load<L>(p + i * st);
      if (nan ? v != v : v == target) return i;
    }
    return -1;
  }
  // Blocks give their best value in lanes; merging keeps the earliest block holding the overall best, so
  // only that one block is searched for the first place the value occurs.
  static R block(const char* row, const Axes& r, int64_t begin, int64_t end) {
    return {fold_block<Op>(row, r, begin, end), begin, end};
  }
  static int64_t locate(const char* row, const Axes& r, R a) {
    bool nan = a.v != a.v;
    int64_t pos = a.i, found = -1;
    for_runs(row, r, sizeof(L), a.i, a.end, [&](const char* p, int64_t st, int64_t n) {
      if (found >= 0) return;
      int64_t k = find_first(p, st, n, a.v, nan);
      if (k >= 0) found = pos + k;
      pos += n;
    });
    return found;
  }
  static void tile(const char* x, const Axes& r, int64_t row0, int64_t row1, int64_t tw, R* out) {
    L best[kTile];
    int64_t idx[kTile];
    Cursor rc(r, r.n, row0);
    for (int64_t j = 0; j < tw; ++j) {
      best[j] = load<L>(x + (rc.oa + j) * int64_t(sizeof(L)));
      idx[j] = row0;
    }
    rc.next();
    for (int64_t row = row0 + 1; row < row1; ++row, rc.next()) {
      const char* p = x + rc.oa * int64_t(sizeof(L));
      for (int64_t j = 0; j < tw; ++j) {
        L v = load<L>(p + j * int64_t(sizeof(L)));
        bool up = better(v, best[j]);
        best[j] = up ? v : best[j];
        idx[j] = up ? row : idx[j];
      }
    }
    for (int64_t j = 0; j < tw; ++j) out[j] = {best[j], idx[j], 0};
  }
};

struct Geom {
  Axes kept, red;  // kept: a = input stride, b = output stride; red: a = input stride
  int64_t kept_n, red_n;
};

Geom reduce_geom(const tt_view& x, const tt_view& y, uint32_t axes, bool sort_reduced) {
  int kd[TT_MAX_DIMS], rd[TT_MAX_DIMS], nk = 0, nr = 0;
  for (int d = 0; d < x.ndim; ++d) {
    if (axes >> d & 1)
      rd[nr++] = d;
    else
      kd[nk++] = d;
  }
  sort_by_stride(kd, nk, x.strides);
  if (sort_reduced) sort_by_stride(rd, nr, x.strides);
  Geom g;
  for (int i = 0; i < nk; ++i) g.kept.add(x.shape[kd[i]], x.strides[kd[i]], y.strides[kd[i]]);
  for (int i = 0; i < nr; ++i) g.red.add(x.shape[rd[i]], x.strides[rd[i]], 0);
  g.kept_n = g.kept.count();
  g.red_n = g.red.count();
  return g;
}

tt_status out_of_memory(int64_t bytes) {
  return fail(TT_ERR_OUT_OF_MEMORY, "reduce: cannot allocate %lld bytes of scratch", (long long)bytes);
}

// Rows layout: every output folds its reduced elements block by block.
template <class Red>
tt_status reduce_rows(const Geom& g, const char* x, char* y) {
  using R = typename Red::R;
  constexpr int64_t S = sizeof(typename Red::L);
  int64_t nblocks = cdiv(g.red_n, kBlock);
  auto block = [&](const char* row, int64_t b) {
    return Red::block(row, g.red, b * kBlock, min64(g.red_n, (b + 1) * kBlock));
  };
  if (g.kept_n >= 4 * num_threads() || nblocks < 4) {  // enough outputs to share out
    parallel_for(g.kept_n, max64(1, 32768 / max64(g.red_n, 1)), [&](int64_t begin, int64_t end) {
      Cursor k(g.kept, g.kept.n, begin);
      for (int64_t o = begin; o < end; ++o, k.next()) {
        const char* row = x + k.oa * S;
        R t = nblocks ? block(row, 0) : Red::empty();
        for (int64_t b = 1; b < nblocks; ++b) t = Red::merge(t, block(row, b));
        Red::write(y + k.ob * Red::kOutSize, t, g.red_n, row, g.red);
      }
    });
    return TT_OK;
  }
  // Few long outputs: their blocks are shared out, then combined in order.
  R* parts = static_cast<R*>(std::malloc(size_t(nblocks) * sizeof(R)));
  if (!parts) return out_of_memory(nblocks * int64_t(sizeof(R)));
  Cursor k(g.kept, g.kept.n, 0);
  for (int64_t o = 0; o < g.kept_n; ++o, k.next()) {
    const char* row = x + k.oa * S;
    parallel_for(nblocks, 8, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) parts[b] = block(row, b);
    });
    R t = parts[0];
    for (int64_t b = 1; b < nblocks; ++b) t = Red::merge(t, parts[b]);
    Red::write(y + k.ob * Red::kOutSize, t, g.red_n, row, g.red);
  }
  std::free(parts);
  return TT_OK;
}

// Columns layout: tasks are (row chunk, outer kept index, column tile); with several row chunks, their partial
// results are combined in chunk order afterwards.
template <class Red>
tt_status reduce_cols(const Geom& g, const char* x, char* y) {
  using R = typename Red::R;
  constexpr int64_t S = sizeof(typename Red::L);
  const Axes& k = g.kept;
  int in = k.n - 1;
  int64_t width = k.size[in], ystride = k.b[in];
  int64_t outer_n = g.kept_n / width, tiles = cdiv(width, kTile);
  int64_t chunks = outer_n * tiles >= 16 || g.red_n <= kChunkRows ? 1 : cdiv(g.red_n, kChunkRows);
  int64_t chunk_rows = chunks == 1 ? g.red_n : kChunkRows;
  R* parts = nullptr;
  if (chunks > 1) {
    parts = static_cast<R*>(std::malloc(size_t(chunks * g.kept_n) * sizeof(R)));
    if (!parts) return out_of_memory(chunks * g.kept_n * int64_t(sizeof(R)));
  }
  int64_t tasks = chunks * outer_n * tiles;
  int64_t work = max64(1, chunk_rows) * min64(width, kTile);
  parallel_for(tasks, max64(1, 65536 / work), [&](int64_t begin, int64_t end) {
    R acc[kTile];
    for (int64_t t = begin; t < end; ++t) {
      int64_t c = t / (outer_n * tiles), o = t % (outer_n * tiles) / tiles, col0 = t % tiles * kTile;
      int64_t tw = min64(kTile, width - col0);
      Cursor oc(k, in, o);
      Red::tile(x + (oc.oa + col0) * S, g.red, c * chunk_rows, min64(g.red_n, (c + 1) * chunk_rows), tw, acc);
      if (parts) {
        std::memcpy(parts + c * g.kept_n + o * width + col0, acc, size_t(tw) * sizeof(R));
      } else {
        for (int64_t j = 0; j < tw; ++j) Red::write(y + (oc.ob + (col0 + j) * ystride) * Red::kOutSize, acc[j], g.red_n, x, g.red);
      }
    }
  });
  if (parts) {
    parallel_for(g.kept_n, 4096, [&](int64_t begin, int64_t end) {
      Cursor q(k, k.n, begin);
      for (int64_t i = begin; i < end; ++i, q.next()) {
        R t = parts[i];
        for (int64_t c = 1; c < chunks; ++c) t = Red::merge(t, parts[c * g.kept_n + i]);
        Red::write(y + q.ob * Red::kOutSize, t, g.red_n, x, g.red);
      }
    });
    std::free(parts);
  }
  return TT_OK;
}

template <class Red>
tt_status run_reduce(const Call& c) {
  const tt_view &x = c.in[0], &y = c.out[0];
  Geom g = reduce_geom(x, y, c.attr<tt_reduce_attrs>().axes, !Red::kOrdered);
  if (g.kept_n == 0) return TT_OK;
  bool red_contig = g.red.n > 0 && g.red.a[g.red.n - 1] == 1;
  bool kept_contig = g.kept.n > 0 && g.kept.a[g.kept.n - 1] == 1;
  if (kept_contig && !red_contig) return reduce_cols<Red>(g, data_ptr(x), data_ptr(y));
  return reduce_rows<Red>(g, data_ptr(x), data_ptr(y));
}

tt_status bad_dtype(const Call& c) {
  return fail(TT_ERR_DTYPE, "%s: does not take %s on the CPU", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
}

template <template <class, class> class Op>
tt_status arithmetic(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_reduce<Plain<Op<float, double>>>(c);
    case TT_FLOAT64: return run_reduce<Plain<Op<double, double>>>(c);
    case TT_INT32: return run_reduce<Plain<Op<uint32_t, uint32_t>>>(c);
    case TT_INT64: return run_reduce<Plain<Op<uint64_t, uint64_t>>>(c);
    case TT_UINT8: return run_reduce<Plain<Op<uint8_t, uint8_t>>>(c);
  }
  return bad_dtype(c);
}

tt_status k_mean(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_reduce<Plain<MeanOp<float, double>>>(c);
    case TT_FLOAT64: return run_reduce<Plain<MeanOp<double, double>>>(c);
  }
  return bad_dtype(c);
}

// MAX/MIN (Wrap = Plain) and ARGMAX/ARGMIN (Wrap = Arg).
template <template <class> class Wrap, template <class> class Op>
tt_status ordered(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_reduce<Wrap<Op<float>>>(c);
    case TT_FLOAT64: return run_reduce<Wrap<Op<double>>>(c);
    case TT_INT32: return run_reduce<Wrap<Op<int32_t>>>(c);
    case TT_INT64: return run_reduce<Wrap<Op<int64_t>>>(c);
    case TT_UINT8: case TT_BOOL: return run_reduce<Wrap<Op<uint8_t>>>(c);
  }
  return bad_dtype(c);
}

template <template <class U, U> class Op>
tt_status logical(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_reduce<Plain<Op<uint32_t, 0x7fffffffu>>>(c);
    case TT_FLOAT64: return run_reduce<Plain<Op<uint64_t, 0x7fffffffffffffffu>>>(c);
    case TT_FLOAT16: case TT_BFLOAT16: return run_reduce<Plain<Op<uint16_t, 0x7fff>>>(c);
    case TT_INT32: return run_reduce<Plain<Op<uint32_t, 0xffffffffu>>>(c);
    case TT_INT64: return run_reduce<Plain<Op<uint64_t, ~uint64_t(0)>>>(c);
    case TT_UINT8: case TT_BOOL: return run_reduce<Plain<Op<uint8_t, 0xff>>>(c);
  }
  return bad_dtype(c);
}

// ---- scans along one dim: the dim is walked as rows (contiguous or strided), or, when another dim is contiguous
// in both operands, as tiles of columns advanced together ----
template <class L_, class A, bool Prod>
struct Cum {  // accumulates in A (double for float32, as torch; wrapping unsigned for integers)
  using L = L_;
  static A op(A a, A x) { return Prod ? a * x : a + x; }
  static void row(const char* x, int64_t sx, char* y, int64_t sy, int64_t n) {
    A a = Prod ? A(1) : A(0);
    for (int64_t i = 0; i < n; ++i) {
      a = op(a, A(load<L>(x + i * sx * int64_t(sizeof(L)))));
      store(y + i * sy * int64_t(sizeof(L)), L(a));
    }
  }
  static void tile(const char* x, int64_t sx, char* y, int64_t sy, int64_t n, int64_t tw) {
    A acc[kTile];
    for (int64_t j = 0; j < tw; ++j) acc[j] = Prod ? A(1) : A(0);
    for (int64_t k = 0; k < n; ++k) {
      const char* xk = x + k * sx * int64_t(sizeof(L));
      char* yk = y + k * sy * int64_t(sizeof(L));
      for (int64_t j = 0; j < tw; ++j) {
        acc[j] = op(acc[j], A(load<L>(xk + j * int64_t(sizeof(L)))));
        store(yk + j * int64_t(sizeof(L)), L(acc[j]));
      }
    }
  }
};

// softmax = exp(x - max) / sum, log_softmax = (x - max) - log(sum); a row of -inf gives NaN, as torch.
template <class F, bool Log>
struct Softmax {
  using L = F;
  using V = Vec<F>;
  static constexpr int64_t W = lanes_of<F>(), S = sizeof(F);

  static void row(const char* x, int64_t sx, char* y, int64_t sy, int64_t n) {
    if (sx != 1 || sy != 1) return row_strided(x, sx * S, y, sy * S, n);
    Lanes<MaxOp<F>> mx;
    mx.contig(x, n);
    V m = splat(F(mx.result())), sum = splat(F(0));
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      V e = softmax_exp(load<V>(x + i * S) - m);
      if (!Log) store(y + i * S, e);
      sum += e;
    }
    if (i < n) {  // the padding's exp is 0 (or NaN where the whole row is -inf, which makes it NaN anyway)
      V e = softmax_exp(load_part<F>(x + i * S, n - i, -INFINITY) - m);
      if (!Log) store_part(y + i * S, e, n - i);
      sum += e;
    }
    F s = sum[0];
    for (int64_t j = 1; j < W; ++j) s += sum[j];
    if (Log) {
      V ls = splat(std::log(s));
      for (i = 0; i + W <= n; i += W) store(y + i * S, (load<V>(x + i * S) - m) - ls);
      if (i < n) store_part(y + i * S, (load_part<F>(x + i * S, n - i, F(0)) - m) - ls, n - i);
    } else {
      V inv = splat(F(1) / s);
      for (i = 0; i + W <= n; i += W) store(y + i * S, load<V>(y + i * S) * inv);
      if (i < n) store_part(y + i * S, load_part<F>(y + i * S, n - i, F(0)) * inv, n - i);
    }
  }
  static void row_strided(const char* x, int64_t sx, char* y, int64_t sy, int64_t n) {  // byte strides
    F m = -INFINITY, s = 0;
    for (int64_t i = 0; i < n; ++i) m = MaxOp<F>::step(m, load<F>(x + i * sx));
    for (int64_t i = 0; i < n; ++i) {
      F e = softmax_exp(load<F>(x + i * sx) - m);
      if (!Log) store(y + i * sy, e);
      s += e;
    }
    F ls = std::log(s), inv = F(1) / s;
    for (int64_t i = 0; i < n; ++i)
      store(y + i * sy, Log ? (load<F>(x + i * sx) - m) - ls : load<F>(y + i * sy) * inv);
  }
  // tw contiguous columns, each a softmax over n elements sx / sy elements apart.
  static void tile(const char* x, int64_t sx, char* y, int64_t sy, int64_t n, int64_t tw) {
    F mbuf[kTile], sbuf[kTile];
    char *mb = reinterpret_cast<char*>(mbuf), *sb = reinterpret_cast<char*>(sbuf);
    sx *= S;
    sy *= S;
    // each pass visits the tile W columns at a time, the last chunk partial
    auto chunks = [&](auto&& f) {
      for (int64_t j = 0; j < tw; j += W) f(j * S, min64(W, tw - j));
    };
    auto ld = [](const char* p, int64_t cnt) { return cnt == W ? load<V>(p) : load_part<F>(p, cnt, F(0)); };
    auto st = [](char* p, V v, int64_t cnt) { cnt == W ? store(p, v) : store_part(p, v, cnt); };
    chunks([&](int64_t o, int64_t cnt) { st(mb + o, splat(F(-INFINITY)), cnt); st(sb + o, splat(F(0)), cnt); });
    for (int64_t k = 0; k < n; ++k)
      chunks([&](int64_t o, int64_t cnt) { st(mb + o, MaxOp<F>::step(ld(mb + o, cnt), ld(x + k * sx + o, cnt)), cnt); });
    for (int64_t k = 0; k < n; ++k)
      chunks([&](int64_t o, int64_t cnt) {
        V e = softmax_exp(ld(x + k * sx + o, cnt) - ld(mb + o, cnt));
        if (!Log) st(y + k * sy + o, e, cnt);
        st(sb + o, ld(sb + o, cnt) + e, cnt);
      });
    for (int64_t j = 0; j < tw; ++j) sbuf[j] = Log ? std::log(sbuf[j]) : F(1) / sbuf[j];
    for (int64_t k = 0; k < n; ++k)
      chunks([&](int64_t o, int64_t cnt) {
        V v = Log ? (ld(x + k * sx + o, cnt) - ld(mb + o, cnt)) - ld(sb + o, cnt) : ld(y + k * sy + o, cnt) * ld(sb + o, cnt);
        st(y + k * sy + o, v, cnt);
      });
  }
};

template <class K>
tt_status run_scan(const Call& c) {
  const tt_view &x = c.in[0], &y = c.out[0];
  int dim = c.attr<tt_dim_attrs>().dim;
  constexpr int64_t S = sizeof(typename K::L);
  int64_t n = 1, sx = 0, sy = 0;
  int od[TT_MAX_DIMS], no = 0;
  for (int d = 0; d < x.ndim; ++d)
    if (d != dim) od[no++] = d;
  if (x.ndim > 0) {
    n = x.shape[dim];
    sx = x.strides[dim];
    sy = y.strides[dim];
  }
  sort_by_stride(od, no, x.strides);
  Axes other;
  for (int i = 0; i < no; ++i) other.add(x.shape[od[i]], x.strides[od[i]], y.strides[od[i]]);
  int64_t rows = other.count();
  if (n == 0 || rows == 0) return TT_OK;
  const char* xp = data_ptr(x);
  char* yp = data_ptr(y);
  int in = other.n - 1;
  bool tiles_fit = other.n > 0 && other.a[in] == 1 && other.b[in] == 1;
  if ((sx == 1 && sy == 1) || !tiles_fit) {
    parallel_for(rows, max64(1, 16384 / n), [&](int64_t begin, int64_t end) {
      Cursor q(other, other.n, begin);
      for (int64_t r = begin; r < end; ++r, q.next()) K::row(xp + q.oa * S, sx, yp + q.ob * S, sy, n);
    });
    return TT_OK;
  }
  int64_t width = other.size[in], tiles = cdiv(width, kTile);
  parallel_for(rows / width * tiles, max64(1, 16384 / (n * min64(width, kTile))), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t col0 = t % tiles * kTile;
      Cursor q(other, in, t / tiles);
      K::tile(xp + (q.oa + col0) * S, sx, yp + (q.ob + col0) * S, sy, n, min64(kTile, width - col0));
    }
  });
  return TT_OK;
}

template <bool Prod>
tt_status cumulative(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_scan<Cum<float, double, Prod>>(c);
    case TT_FLOAT64: return run_scan<Cum<double, double, Prod>>(c);
    case TT_INT32: return run_scan<Cum<uint32_t, uint32_t, Prod>>(c);
    case TT_INT64: return run_scan<Cum<uint64_t, uint64_t, Prod>>(c);
    case TT_UINT8: return run_scan<Cum<uint8_t, uint8_t, Prod>>(c);
  }
  return bad_dtype(c);
}

template <bool Log>
tt_status softmax(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return run_scan<Softmax<float, Log>>(c);
    case TT_FLOAT64: return run_scan<Softmax<double, Log>>(c);
  }
  return bad_dtype(c);
}

}  // namespace

void register_reduce(Kernel* table) {
  table[TT_OP_SUM] = arithmetic<SumOp>;
  table[TT_OP_PROD] = arithmetic<ProdOp>;
  table[TT_OP_MEAN] = k_mean;
  table[TT_OP_MAX] = ordered<Plain, MaxOp>;
  table[TT_OP_MIN] = ordered<Plain, MinOp>;
  table[TT_OP_ARGMAX] = ordered<Arg, MaxOp>;
  table[TT_OP_ARGMIN] = ordered<Arg, MinOp>;
  table[TT_OP_ANY] = logical<AnyOp>;
  table[TT_OP_ALL] = logical<AllOp>;
  table[TT_OP_CUMSUM] = cumulative<false>;
  table[TT_OP_CUMPROD] = cumulative<true>;
  table[TT_OP_SOFTMAX] = softmax<false>;
  table[TT_OP_LOG_SOFTMAX] = softmax<true>;
}

TT_ISA_END
