// IM2COL and COL2IM: the two halves of convolution through the GEMM, over NCHW images.
//
//   cols[n, c, kh, kw, oh, ow] = image[n, c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw]   (0 outside the image)
//
// COL2IM is its adjoint: each pixel receives the sum of every column entry that reads it. Both run one (n, c)
// plane per task, so every output element is written by one thread in a fixed order (deterministic sums).
// Along ow the positions that fall inside the image form one interval, found once per (kw): the rows become
// a zero fill, one copy (a memcpy when stride 1 meets contiguous rows) and another zero fill.
#include <cstring>

#include "../core/parallel.h"
#include "isa.h"

namespace tt {
namespace generic {
namespace {

struct Geometry {
  int64_t H, W, KH, KW, OH, OW;
  int64_t sh, sw, ph, pw, dh, dw;
};

// The k in [0, n) for which 0 <= first + k*step < limit, as [*lo, *hi) (empty: lo == hi).
inline void clip(int64_t first, int64_t step, int64_t limit, int64_t n, int64_t* lo, int64_t* hi) {
  int64_t a = first >= 0 ? 0 : (-first + step - 1) / step;
  int64_t b = limit - first <= 0 ? 0 : (limit - first + step - 1) / step;
  if (b > n) b = n;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

// Every position the kernels compute (before clipping) fits in int64: out*stride + kernel*dil + size + pad.
bool axis_fits(int64_t out, int64_t kernel, int64_t size, int64_t stride, int64_t pad, int64_t dil) {
  int64_t a, b;
  bool over = __builtin_mul_overflow(out, stride, &a) | __builtin_mul_overflow(kernel, dil, &b) |
              __builtin_add_overflow(a, b, &a) | __builtin_add_overflow(a, size, &a) |
              __builtin_add_overflow(a, pad, &a) | __builtin_add_overflow(a, stride, &a) |
              __builtin_add_overflow(a, dil, &a);
  return !over;
}

tt_status geometry(const Call& c, Geometry* g) {
  const tt_conv_attrs& a = c.attr<tt_conv_attrs>();
  const tt_view& image = c.op == TT_OP_IM2COL ? c.in[0] : c.out[0];
  const tt_view& cols = c.op == TT_OP_IM2COL ? c.out[0] : c.in[0];
  *g = {image.shape[2], image.shape[3], cols.shape[2], cols.shape[3], cols.shape[4], cols.shape[5],
        a.stride[0], a.stride[1], a.padding[0], a.padding[1], a.dilation[0], a.dilation[1]};
  if (!axis_fits(g->OH, g->KH, g->H, g->sh, g->ph, g->dh) || !axis_fits(g->OW, g->KW, g->W, g->sw, g->pw, g->dw))
    return fail(TT_ERR_INVALID_ARGUMENT, "%s: stride, padding and dilation (%lld, %lld, %lld)x(%lld, %lld, %lld) "
                "overflow int64 positions", tt_op_name(c.op), (long long)g->sh, (long long)g->ph, (long long)g->dh,
                (long long)g->sw, (long long)g->pw, (long long)g->dw);
  return TT_OK;
}

// Planes per task: a task should move some tens of thousands of elements (counted in double: sizes of an
// empty batch may multiply past int64).
int64_t plane_grain(const Geometry& g) {
  double work = double(g.KH) * double(g.KW) * double(g.OH) * double(g.OW) + double(g.H) * double(g.W);
  return work >= 32768 ? 1 : int64_t(32768 / (work > 1 ? work : 1));
}

// ---- IM2COL: a copy, so elements are moved as unsigned integers of their size ----
// Rows are short (tens of elements) and there are millions of them: contiguous rows go 16 bytes at a time
// through fixed-size memcpy, which compiles to plain vector moves, instead of calls to memset and memcpy.
template <class T>
inline void zero_row(T* d, int64_t ds, int64_t n) {
  int64_t i = 0;
  if (ds == 1) {
    constexpr int64_t L = 16 / sizeof(T);
    const unsigned char zeros[16] = {};
    for (; i + L <= n; i += L) std::memcpy(d + i, zeros, 16);
  }
  for (; i < n; ++i) d[i * ds] = 0;
}

template <class T>
inline void copy_row(T* __restrict d, int64_t ds, const T* __restrict s, int64_t ss, int64_t n) {
  constexpr int64_t L = 16 / sizeof(T);
  int64_t i = 0;
  if (ds == 1 && ss == 1) {
    for (; i + L <= n; i += L) std::memcpy(d + i, s + i, 16);
  } else if constexpr (sizeof(T) == 4) {
    // Stride 2 (strided convolutions): the even lanes of two vectors. A chunk reads up to s[2 * (i + L) - 1],
    // so it runs only while that lies before the row's last element s[2 * (n - 1)].
    typedef T vec __attribute__((vector_size(16)));
    for (; ds == 1 && ss == 2 && i + L < n; i += L) {
      vec a, b;
      std::memcpy(&a, s + 2 * i, 16);
      std::memcpy(&b, s + 2 * i + L, 16);
      vec e = __builtin_shufflevector(a, b, 0, 2, 4, 6);
      std::memcpy(d + i, &e, 16);
    }
  }
  for (; i < n; ++i) d[i * ds] = s[i * ss];
}

// is/os: element strides of the image [.., H, W] and the columns [.., KH, KW, OH, OW] (dims 2.. only).
template <class T>
void im2col_plane(const T* src, const int64_t* is, T* dst, const int64_t* os, const Geometry& g) {
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    int64_t hlo, hhi;  // the oh whose row lies inside the image
    clip(kh * g.dh - g.ph, g.sh, g.H, g.OH, &hlo, &hhi);
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      int64_t wlo, whi;
      clip(kw * g.dw - g.pw, g.sw, g.W, g.OW, &wlo, &whi);
      T* dk = dst + kh * os[2] + kw * os[3];
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        T* d = dk + oh * os[4];
        if (oh < hlo || oh >= hhi || wlo == whi) {
          zero_row(d, os[5], g.OW);
          continue;
        }
        const T* s = src + (oh * g.sh - g.ph + kh * g.dh) * is[2] + (wlo * g.sw - g.pw + kw * g.dw) * is[3];
        zero_row(d, os[5], wlo);
        copy_row(d + wlo * os[5], os[5], s, g.sw * is[3], whi - wlo);
        zero_row(d + whi * os[5], os[5], g.OW - whi);
      }
    }
  }
}

template <class T>
void im2col(const Call& c, const Geometry& g) {
  const tt_view &image = c.in[0], &cols = c.out[0];
  const T* src = data_ptr<T>(image);
  T* dst = data_ptr<T>(cols);
  int64_t C = image.shape[1];
  parallel_for(image.shape[0] * C, plane_grain(g), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      int64_t n = p / C, ch = p % C;
      im2col_plane(src + n * image.strides[0] + ch * image.strides[1], image.strides,
                   dst + n * cols.strides[0] + ch * cols.strides[1], cols.strides, g);
    }
  });
}

tt_status im2col_kernel(const Call& c) {
  Geometry g;
  if (tt_status s = geometry(c, &g)) return s;
  switch (dtype_size(c.in[0].dtype)) {
    case 1: im2col<uint8_t>(c, g); break;
    case 2: im2col<uint16_t>(c, g); break;
    case 4: im2col<uint32_t>(c, g); break;
    case 8: im2col<uint64_t>(c, g); break;
    default: return fail(TT_ERR_DTYPE, "%s: no kernel for %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
  return TT_OK;
}

// ---- COL2IM ----
// d[i*ds] += s[i*ss]; contiguous rows go 16 bytes at a time (SSE2 and NEON have such vectors everywhere),
// which gives the same sums as the scalar loop: each lane is one element's own addition.
template <class T>
inline void add_row(T* __restrict d, int64_t ds, const T* __restrict s, int64_t ss, int64_t n) {
  int64_t i = 0;
  if (ds == 1 && ss == 1) {
    typedef T vec __attribute__((vector_size(16)));
    constexpr int64_t L = 16 / sizeof(T);
    for (; i + L <= n; i += L) {
      vec a, b;
      std::memcpy(&a, d + i, 16);
      std::memcpy(&b, s + i, 16);
      a += b;
      std::memcpy(d + i, &a, 16);
    }
  }
  for (; i < n; ++i) d[i * ds] += s[i * ss];
}

// The image plane is zeroed, then every column row is added into it in (kh, kw, oh) order.
template <class T>
void col2im_plane(const T* src, const int64_t* cs, T* img, const int64_t* is, const Geometry& g) {
  for (int64_t h = 0; h < g.H; ++h) zero_row(img + h * is[2], is[3], g.W);
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    int64_t hlo, hhi;
    clip(kh * g.dh - g.ph, g.sh, g.H, g.OH, &hlo, &hhi);
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      int64_t wlo, whi;
      clip(kw * g.dw - g.pw, g.sw, g.W, g.OW, &wlo, &whi);
      if (wlo == whi) continue;
      const T* sk = src + kh * cs[2] + kw * cs[3] + wlo * cs[5];
      T* dk = img + (wlo * g.sw - g.pw + kw * g.dw) * is[3];
      for (int64_t oh = hlo; oh < hhi; ++oh)
        add_row(dk + (oh * g.sh - g.ph + kh * g.dh) * is[2], g.sw * is[3], sk + oh * cs[4], cs[5], whi - wlo);
    }
  }
}

template <class T>
void col2im(const Call& c, const Geometry& g) {
  const tt_view &cols = c.in[0], &image = c.out[0];
  const T* src = data_ptr<T>(cols);
  T* dst = data_ptr<T>(image);
  int64_t C = image.shape[1];
  parallel_for(image.shape[0] * C, plane_grain(g), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      int64_t n = p / C, ch = p % C;
      col2im_plane(src + n * cols.strides[0] + ch * cols.strides[1], cols.strides,
                   dst + n * image.strides[0] + ch * image.strides[1], image.strides, g);
    }
  });
}

tt_status col2im_kernel(const Call& c) {
  Geometry g;
  if (tt_status s = geometry(c, &g)) return s;
  switch (c.in[0].dtype) {
    case TT_FLOAT32: col2im<float>(c, g); break;
    case TT_FLOAT64: col2im<double>(c, g); break;
    default: return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", tt_op_name(c.op),
                         tt_dtype_name(c.in[0].dtype));
  }
  return TT_OK;
}

}  // namespace

void register_conv(Kernel* table) {
  table[TT_OP_IM2COL] = im2col_kernel;
  table[TT_OP_COL2IM] = col2im_kernel;
}

}  // namespace generic
}  // namespace tt
