// MAX_POOL2D, AVG_POOL2D and AVG_POOL2D_BACKWARD over NCHW planes, with PyTorch's windows and divisors.
//
// Window (i, j) of a fixed pool reads rows i*sh - ph + k*dh (k < KH) that fall inside [0, H), columns likewise.
// An adaptive window spans rows [floor(i*H/OH), ceil((i+1)*H/OH)). Average divisors follow torch:
// divisor_override when set; else the taps inside the padded image [-p, size + p) when count_include_pad
// (torch's (min(start + K, size + p) - start) at dilation 1), else the taps inside the image; adaptive windows
// divide by their rows, then by their columns, as torch does. A window with no tap gives -inf (max, index 0)
// or 0 (avg); torch gives such a max window an index past the plane, which no backward could scatter to.
// Max pooling keeps the first maximum and lets a NaN win (the window's last NaN), as torch's CPU kernels.
// One (n, c) plane per task, summed in a fixed order: results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "../core/parallel.h"
#include "isa.h"

namespace tt {
namespace generic {
namespace {

// One spatial axis of the pooling geometry.
struct Axis {
  int64_t size, out, kernel, stride, pad, dil;
  bool adaptive;

  // Window i: taps first + k*step for k < count; `padded` is its tap count inside [-pad, size + pad).
  struct Window {
    int64_t first, step, count, padded;
  };
  Window window(int64_t i) const {
    if (adaptive) {
      int64_t a = i * size / out, b = ((i + 1) * size + out - 1) / out;
      return {a, 1, b - a, b - a};
    }
    int64_t start = i * stride - pad, lo, hi;
    if (dil == 1) {  // the common case, without divisions
      lo = start >= 0 ? 0 : -start;
      hi = size - start < kernel ? size - start : kernel;
    } else {
      lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
      hi = size - start <= 0 ? 0 : (size - start + dil - 1) / dil;
      if (hi > kernel) hi = kernel;
    }
    if (lo > hi) lo = hi;
    int64_t room = size + pad - start;  // start >= -pad, so only the end can leave the padded image
    int64_t padded = room <= 0 ? 0 : (room + dil - 1) / dil;
    return {start + lo * dil, dil, hi - lo, padded < kernel ? padded : kernel};
  }
  // The outputs [*lo, *hi) whose fixed window lies wholly inside [0, size) (none for adaptive windows).
  void interior(int64_t* lo, int64_t* hi) const {
    int64_t last = size - 1 - (kernel - 1) * dil + pad;  // the largest start + pad that still fits
    *lo = adaptive ? 0 : (pad + stride - 1) / stride;
    *hi = adaptive || last < 0 ? 0 : last / stride + 1;
    if (*hi > out) *hi = out;
    if (*lo > *hi) *lo = *hi;
  }
};

// Every position computed before clipping fits in int64 (the end of a window may reach size + 2*pad).
bool axis_fits(const Axis& a) {
  int64_t x, y, z;
  bool over = __builtin_add_overflow(a.out, 1, &x) | __builtin_mul_overflow(x, a.adaptive ? a.size : a.stride, &x) |
              __builtin_mul_overflow(a.kernel, a.dil, &y) | __builtin_mul_overflow(a.pad, 2, &z) |
              __builtin_add_overflow(x, y, &x) | __builtin_add_overflow(x, z, &x) |
              __builtin_add_overflow(x, a.size, &x) | __builtin_add_overflow(x, a.out, &x) |
              __builtin_add_overflow(x, a.dil, &x);
  return !over;
}

struct Geometry {
  Axis h, w;
  int64_t divisor_override;
  bool include_pad;
};

tt_status geometry(const Call& c, Geometry* g) {
  const tt_pool_attrs& a = c.attr<tt_pool_attrs>();
  bool backward = c.op == TT_OP_AVG_POOL2D_BACKWARD;
  const tt_view& x = backward ? c.out[0] : c.in[0];
  const tt_view& y = backward ? c.in[0] : c.out[0];
  bool adaptive = a.adaptive != 0;
  g->h = {x.shape[2], y.shape[2], a.kernel[0], a.stride[0], a.padding[0], adaptive ? 1 : a.dilation[0], adaptive};
  g->w = {x.shape[3], y.shape[3], a.kernel[1], a.stride[1], a.padding[1], adaptive ? 1 : a.dilation[1], adaptive};
  g->divisor_override = a.divisor_override;
  g->include_pad = a.count_include_pad != 0;
  if (!axis_fits(g->h) || !axis_fits(g->w))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: the pooling geometry overflows int64 positions", tt_op_name(c.op));
  return TT_OK;
}

// Planes per task: a task should read some tens of thousands of elements (counted in double: sizes of an
// empty batch may multiply past int64).
int64_t grain_for(double work) { return work >= 32768 ? 1 : int64_t(32768 / (work > 1 ? work : 1)); }
int64_t plane_grain(const Geometry& g) {
  double taps = g.h.adaptive ? (double(g.h.size) / double(g.h.out) + 1) * (double(g.w.size) / double(g.w.out) + 1)
                             : double(g.h.kernel) * double(g.w.kernel);
  double work = double(g.h.out) * double(g.w.out) * (taps < 64 ? taps : 64) + double(g.h.size) * double(g.w.size);
  return grain_for(work);
}

// A view's plane (n, c) and its (row, column) element strides.
template <class T>
struct Plane {
  T* p;
  int64_t rs, cs;
  T& at(int64_t r, int64_t q) const { return p[r * rs + q * cs]; }
};
template <class T>
Plane<T> plane(const tt_view& v, int64_t n, int64_t ch) {
  return {data_ptr<T>(v) + n * v.strides[0] + ch * v.strides[1], v.strides[2], v.strides[3]};
}

// Runs f(n, c) for every plane of the [N, C, ...] view v, in parallel.
template <class F>
void for_planes(const tt_view& v, const Geometry& g, const F& f) {
  int64_t C = v.shape[1];
  parallel_for(v.shape[0] * C, plane_grain(g), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) f(p / C, p % C);
  });
}

// Interior outputs of a row are done kBlock at a time, tap by tap across the block: the outputs' chains are
// independent (no wait on one compare-and-select after another) and each output still sees its taps in
// row-major order, so the sums and the winning index are those of the one-by-one loop. Edge outputs, whose
// windows are clipped, and adaptive windows go one by one.
constexpr int64_t kBlock = 64;

// Calls block(j0, n) for runs of interior outputs (n <= kBlock) and one(j) for the others, j increasing.
template <class Block, class One>
inline void split_row(const Axis& w, const Block& block, const One& one) {
  int64_t lo, hi;
  w.interior(&lo, &hi);
  for (int64_t j = 0; j < w.out;) {
    if (j >= lo && j < hi) {
      int64_t n = hi - j < kBlock ? hi - j : kBlock;
      block(j, n);
      j += n;
    } else {
      one(j++);
    }
  }
}

// ---- MAX_POOL2D ----
// A block of interior outputs runs in 16-byte vectors (SSE2 and NEON have them everywhere) whose lanes are
// outputs: compare and select are bit operations, free of the mispredicted branches of a scalar running max.
// Each lane remembers where its winning tap lies relative to the window's first tap (an offset in the plane).
// Tap offsets must fit the lanes' integers (`max_block_fits`).
template <class T>
struct Lanes;
template <>
struct Lanes<float> { typedef int32_t I; };
template <>
struct Lanes<double> { typedef int64_t I; };

template <class T>
void max_block(Plane<const T> x, Plane<T> y, Plane<int64_t> idx, const Geometry& g, int64_t i,
               const Axis::Window& r, int64_t j0, int64_t n) {
  typedef typename Lanes<T>::I I;
  typedef T vT __attribute__((vector_size(16)));
  typedef I vI __attribute__((vector_size(16)));
  constexpr int64_t L = 16 / sizeof(T);
  const int64_t KW = g.w.kernel, sw = g.w.stride, step = sw * x.cs, groups = (n + L - 1) / L;
  const int64_t c0 = j0 * sw - g.w.pad;  // first column of window j0
  vT best[kBlock / L];
  vI tap[kBlock / L];
  for (int64_t k = 0; k < groups; ++k) {
    best[k] = vT{} - T(INFINITY);
    tap[k] = vI{};
  }
  for (int64_t a = 0; a < r.count; ++a) {
    const T* xr = x.p + (r.first + a * r.step) * x.rs;
    for (int64_t b = 0; b < KW; ++b) {
      const T* s = xr + (c0 + b * g.w.dil) * x.cs;
      I t = I(a * r.step * g.w.size + b * g.w.dil);
      for (int64_t k = 0; k < groups; ++k) {
        // Lanes past the block repeat its last output. The vector is built from registers: a 16-byte load
        // of four scalar stores would stall on store forwarding.
        const T* p = s + k * L * step;
        int64_t last = n - 1 - k * L;
        auto lane = [&](int64_t l) { return p[(l < last ? l : last) * step]; };
        vT v;
        if constexpr (L == 4) v = vT{lane(0), lane(1), lane(2), lane(3)};
        else v = vT{lane(0), lane(1)};
        vI take = (v > best[k]) | (v != v);
        best[k] = (vT)(((vI)v & take) | ((vI)best[k] & ~take));
        tap[k] = (take & t) | (tap[k] & ~take);
      }
    }
  }
  for (int64_t jj = 0; jj < n; ++jj) {
    y.at(i, j0 + jj) = best[jj / L][jj % L];
    idx.at(i, j0 + jj) = r.count > 0 ? r.first * g.w.size + c0 + jj * sw + tap[jj / L][jj % L] : 0;
  }
}

// The offset of the window's last tap from its first fits an int32 (it always does for real images).
inline bool max_block_fits(const Geometry& g, const Axis::Window& r) {
  int64_t rows, cols;
  return r.count == 0 || (!__builtin_mul_overflow((r.count - 1) * r.step, g.w.size, &rows) &&
                          !__builtin_mul_overflow(g.w.kernel - 1, g.w.dil, &cols) &&
                          !__builtin_add_overflow(rows, cols, &rows) && rows <= INT32_MAX);
}

template <class T>
void max_plane(Plane<const T> x, Plane<T> y, Plane<int64_t> idx, const Geometry& g) {
  const int64_t W = g.w.size;
  for (int64_t i = 0; i < g.h.out; ++i) {
    Axis::Window r = g.h.window(i);
    auto one = [&](int64_t j) {
      Axis::Window q = g.w.window(j);
      T best = -INFINITY;
      int64_t at = r.count > 0 && q.count > 0 ? r.first * W + q.first : 0;
      for (int64_t a = 0; a < r.count; ++a) {
        int64_t row = r.first + a * r.step;
        const T* xr = x.p + row * x.rs;
        for (int64_t b = 0; b < q.count; ++b) {
          int64_t col = q.first + b * q.step;
          T v = xr[col * x.cs];
          if (v > best || v != v) {
            best = v;
            at = row * W + col;
          }
        }
      }
      y.at(i, j) = best;
      idx.at(i, j) = at;
    };
    if (max_block_fits(g, r))
      split_row(g.w, [&](int64_t j0, int64_t n) { max_block(x, y, idx, g, i, r, j0, n); }, one);
    else
      for (int64_t j = 0; j < g.w.out; ++j) one(j);
  }
}

// MaxPool2d(2), the usual case: 2x2 windows, stride 2, every window inside the image, rows contiguous. Vectors
// of outputs as in max_block, each pair of input rows split into its even and odd columns by shuffles; the taps in
// row-major order with the general loop's rule (first maximum, last NaN).
bool is_max_2x2(const Geometry& g, const tt_view& x) {
  auto plain = [](const Axis& a) {
    return !a.adaptive && a.kernel == 2 && a.stride == 2 && a.pad == 0 && a.dil == 1 && a.out * 2 <= a.size;
  };
  return plain(g.h) && plain(g.w) && x.strides[3] == 1 && g.w.size < (int64_t(1) << 30);  // offsets fit int32 lanes
}

template <class T>
void max_plane_2x2(Plane<const T> x, Plane<T> y, Plane<int64_t> idx, const Geometry& g) {
  typedef typename Lanes<T>::I I;
  typedef T vT __attribute__((vector_size(16)));
  typedef I vI __attribute__((vector_size(16)));
  constexpr int L = 16 / sizeof(T);
  vI even, odd;
  for (int l = 0; l < L; ++l) even[l] = I(2 * l), odd[l] = I(2 * l + 1);
  const int64_t W = g.w.size;
  auto load = [](const T* p) {
    vT v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  for (int64_t i = 0; i < g.h.out; ++i) {
    const T* r0 = x.p + 2 * i * x.rs;
    const T* r1 = r0 + x.rs;
    const int64_t base = 2 * i * W;
    int64_t j = 0;
    for (; j + L <= g.w.out; j += L) {
      vT a0 = load(r0 + 2 * j), a1 = load(r0 + 2 * j + L), b0 = load(r1 + 2 * j), b1 = load(r1 + 2 * j + L);
      vT best = __builtin_shuffle(a0, a1, even);
      vI at = vI{};
      auto tap = [&](vT v, I offset) {
        vI take = (v > best) | (v != v);
        best = (vT)(((vI)v & take) | ((vI)best & ~take));
        at = (take & offset) | (at & ~take);
      };
      tap(__builtin_shuffle(a0, a1, odd), I(1));
      tap(__builtin_shuffle(b0, b1, even), I(W));
      tap(__builtin_shuffle(b0, b1, odd), I(W + 1));
      for (int l = 0; l < L; ++l) {
        y.at(i, j + l) = best[l];
        idx.at(i, j + l) = base + 2 * (j + l) + at[l];
      }
    }
    for (; j < g.w.out; ++j) {
      const T taps[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
      const int64_t offsets[4] = {0, 1, W, W + 1};
      T best = taps[0];
      int64_t at = 0;
      for (int t = 1; t < 4; ++t)
        if (taps[t] > best || taps[t] != taps[t]) best = taps[t], at = offsets[t];
      y.at(i, j) = best;
      idx.at(i, j) = base + 2 * j + at;
    }
  }
}

template <class T>
void max_pool(const Call& c, const Geometry& g) {
  const bool two = is_max_2x2(g, c.in[0]);
  for_planes(c.in[0], g, [&](int64_t n, int64_t ch) {
    Plane<const T> x = plane<const T>(c.in[0], n, ch);
    Plane<T> y = plane<T>(c.out[0], n, ch);
    Plane<int64_t> idx = plane<int64_t>(c.out[1], n, ch);
    if (two)
      max_plane_2x2<T>(x, y, idx, g);
    else
      max_plane<T>(x, y, idx, g);
  });
}

// ---- AVG_POOL2D and its backward ----
// What window (r, q) divides by; 0 for a window with no tap.
template <class T>
inline T divisor(const Axis::Window& r, const Axis::Window& q, const Geometry& g) {
  if (r.count == 0 || q.count == 0) return 0;
  if (g.divisor_override > 0) return T(g.divisor_override);
  // the product in double is exact for any real window, and rounds once to T as torch's int64 divisor does
  return g.include_pad ? T(double(r.padded) * double(q.padded)) : T(double(r.count) * double(q.count));
}
// sum / divisor, torch's way: adaptive windows divide by their rows, then by their columns.
template <class T>
inline T average(T sum, const Axis::Window& r, const Axis::Window& q, const Geometry& g) {
  if (r.count == 0 || q.count == 0) return 0;
  if (g.h.adaptive) return sum / T(r.count) / T(q.count);
  return sum / divisor<T>(r, q, g);
}

template <class T>
void avg_plane(Plane<const T> x, Plane<T> y, const Geometry& g) {
  for (int64_t i = 0; i < g.h.out; ++i) {
    Axis::Window r = g.h.window(i);
    auto block = [&](int64_t j0, int64_t n) {
      T sum[kBlock];
      int64_t c0 = j0 * g.w.stride - g.w.pad;
      for (int64_t jj = 0; jj < n; ++jj) sum[jj] = 0;
      for (int64_t a = 0; a < r.count; ++a) {
        const T* xr = x.p + (r.first + a * r.step) * x.rs;
        for (int64_t b = 0; b < g.w.kernel; ++b) {
          const T* s = xr + (c0 + b * g.w.dil) * x.cs;
          int64_t step = g.w.stride * x.cs;
          for (int64_t jj = 0; jj < n; ++jj) sum[jj] += s[jj * step];
        }
      }
      Axis::Window q = {c0, g.w.dil, g.w.kernel, g.w.kernel};  // every interior window is whole
      for (int64_t jj = 0; jj < n; ++jj) y.at(i, j0 + jj) = average(sum[jj], r, q, g);
    };
    auto one = [&](int64_t j) {
      Axis::Window q = g.w.window(j);
      T sum = 0;
      for (int64_t a = 0; a < r.count; ++a) {
        const T* xr = x.p + (r.first + a * r.step) * x.rs + q.first * x.cs;
        int64_t step = q.step * x.cs;
        for (int64_t b = 0; b < q.count; ++b) sum += xr[b * step];
      }
      y.at(i, j) = average(sum, r, q, g);
    };
    split_row(g.w, block, one);
  }
}

template <class T>
void avg_pool(const Call& c, const Geometry& g) {
  for_planes(c.in[0], g, [&](int64_t n, int64_t ch) {
    avg_plane<T>(plane<const T>(c.in[0], n, ch), plane<T>(c.out[0], n, ch), g);
  });
}

// The input gradient plane is zeroed, then each output gradient, divided as in the forward pass, is added to
// every tap of its window, windows in row-major order.
template <class T>
void avg_backward_plane(Plane<const T> dy, Plane<T> dx, const Geometry& g) {
  for (int64_t r = 0; r < g.h.size; ++r) {
    T* row = dx.p + r * dx.rs;
    if (dx.cs == 1) {
      std::memset(row, 0, size_t(g.w.size) * sizeof(T));
    } else {
      for (int64_t q = 0; q < g.w.size; ++q) row[q * dx.cs] = 0;
    }
  }
  for (int64_t i = 0; i < g.h.out; ++i) {
    Axis::Window r = g.h.window(i);
    for (int64_t j = 0; j < g.w.out; ++j) {
      Axis::Window q = g.w.window(j);
      if (r.count == 0 || q.count == 0) continue;
      T delta = average(dy.at(i, j), r, q, g);
      for (int64_t a = 0; a < r.count; ++a) {
        T* xr = dx.p + (r.first + a * r.step) * dx.rs + q.first * dx.cs;
        int64_t step = q.step * dx.cs;
        for (int64_t b = 0; b < q.count; ++b) xr[b * step] += delta;
      }
    }
  }
}

template <class T>
void avg_pool_backward(const Call& c, const Geometry& g) {
  for_planes(c.out[0], g, [&](int64_t n, int64_t ch) {
    avg_backward_plane<T>(plane<const T>(c.in[0], n, ch), plane<T>(c.out[0], n, ch), g);
  });
}

// The shared entry: geometry, then the float32 or float64 instance of `run`.
template <template <class> class Run>
tt_status pool_kernel(const Call& c) {
  Geometry g;
  if (tt_status s = geometry(c, &g)) return s;
  switch (c.in[0].dtype) {
    case TT_FLOAT32: Run<float>::go(c, g); return TT_OK;
    case TT_FLOAT64: Run<double>::go(c, g); return TT_OK;
  }
  return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
}
template <class T>
struct MaxRun { static void go(const Call& c, const Geometry& g) { max_pool<T>(c, g); } };
template <class T>
struct AvgRun { static void go(const Call& c, const Geometry& g) { avg_pool<T>(c, g); } };
template <class T>
struct AvgBackwardRun { static void go(const Call& c, const Geometry& g) { avg_pool_backward<T>(c, g); } };

// ---- MAX_POOL2D_BACKWARD: each plane zeroed, then every output's gradient added at its maximum's index, in
// row-major order of the outputs (overlapping windows may share a maximum). A plane with an index outside it is
// left unwritten and reported.
template <class T>
bool unpool_plane(Plane<const T> g, Plane<const int64_t> idx, Plane<T> x, int64_t OH, int64_t OW, int64_t H,
                  int64_t W, int64_t* bad) {
  for (int64_t i = 0; i < OH; ++i)
    for (int64_t j = 0; j < OW; ++j)
      if (uint64_t(idx.at(i, j)) >= uint64_t(H * W)) return *bad = idx.at(i, j), false;
  if (x.cs == 1 && x.rs == W) {  // a contiguous plane: the indices are offsets in it (no division)
    std::fill(x.p, x.p + H * W, T(0));
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) x.p[idx.at(i, j)] += g.at(i, j);
    return true;
  }
  for (int64_t r = 0; r < H; ++r)
    for (int64_t q = 0; q < W; ++q) x.at(r, q) = T(0);
  for (int64_t i = 0; i < OH; ++i)
    for (int64_t j = 0; j < OW; ++j) {
      int64_t at = idx.at(i, j);
      x.at(at / W, at % W) += g.at(i, j);
    }
  return true;
}

template <class T>
tt_status unpool(const Call& c) {
  const tt_view &g = c.in[0], &idx = c.in[1], &x = c.out[0];
  const int64_t C = g.shape[1], OH = g.shape[2], OW = g.shape[3], H = x.shape[2], W = x.shape[3];
  int failed = 0;
  int64_t bad = 0;
  parallel_for(g.shape[0] * C, grain_for(double(OH) * double(OW) + double(H) * double(W)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      int64_t n = p / C, ch = p % C, value = 0;
      if (!unpool_plane<T>(plane<const T>(g, n, ch), plane<const int64_t>(idx, n, ch), plane<T>(x, n, ch), OH, OW, H,
                           W, &value) &&
          !__atomic_exchange_n(&failed, 1, __ATOMIC_RELAXED))
        bad = value;
    }
  });
  if (failed)
    return fail(TT_ERR_INDEX, "%s: index %lld lies outside the %lldx%lld plane of output %s", tt_op_name(c.op),
                (long long)bad, (long long)H, (long long)W, TT_SHAPE(x));
  return TT_OK;
}

tt_status unpool_kernel(const Call& c) {
  if (c.out[0].dtype == TT_FLOAT32) return unpool<float>(c);
  if (c.out[0].dtype == TT_FLOAT64) return unpool<double>(c);
  return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", tt_op_name(c.op), tt_dtype_name(c.out[0].dtype));
}

}  // namespace

void register_pool(Kernel* table) {
  table[TT_OP_MAX_POOL2D_BACKWARD] = unpool_kernel;
  table[TT_OP_MAX_POOL2D] = pool_kernel<MaxRun>;
  table[TT_OP_AVG_POOL2D] = pool_kernel<AvgRun>;
  table[TT_OP_AVG_POOL2D_BACKWARD] = pool_kernel<AvgBackwardRun>;
}

}  // namespace generic
}  // namespace tt
