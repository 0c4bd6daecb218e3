// Copy and creation on CUDA: COPY (strided, converting between any two dtypes), FILL, ARANGE.
#include <type_traits>

#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// ---------------------------------------------------------------------------------------------
// kernels

template <class D, class S>
__global__ void copy_kernel(D* out, const S* in, Layout<2> l, int64_t n) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[2];
    offsets(l, i, off);
    out[off[0]] = convert<D>(in[off[1]]);
  }
}

// FILL stores the same bits everywhere: the host converts the value once, the kernel needs only its width.
template <class U>
__global__ void fill_kernel(U* out, Layout<1> l, int64_t n, U bits) {
  TT_GRID_STRIDE(i, n) {
    int64_t off[1];
    offsets(l, i, off);
    out[off[0]] = bits;
  }
}

// W is double for floating outputs, int64 for the others (which wrap on overflow, as on the CPU).
template <class T, class W>
__global__ void arange_kernel(T* out, int64_t stride, int64_t n, W start, W step) {
  TT_GRID_STRIDE(i, n) {
    W v;
    if constexpr (std::is_floating_point<W>::value) {
      v = start + W(i) * step;
    } else {
      v = W(uint64_t(start) + uint64_t(i) * uint64_t(step));
    }
    out[i * stride] = To<T>::from(v);
  }
}

// ---------------------------------------------------------------------------------------------
// launchers

tt_status copy(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view &in = c.in[0], &out = c.out[0];
  int64_t n = numel(out);
  if (n == 0) return TT_OK;
  if (in.dtype == out.dtype && is_contiguous(in) && is_contiguous(out))
    return check(cudaMemcpyAsync(data_ptr(out), data_ptr(in), size_t(n * dtype_size(out.dtype)),
                                 cudaMemcpyDeviceToDevice),
                 "COPY");
  const tt_view* views[2] = {&out, &in};
  Layout<2> l = make_layout(views);
  with_dtype(out.dtype, [&](auto d) {
    using D = decltype(d);
    with_dtype(in.dtype, [&](auto s) {
      using S = decltype(s);
      copy_kernel<D, S><<<blocks_for(n), kThreads>>>(data_ptr<D>(out), data_ptr<const S>(in), l, n);
    });
  });
  return launched(c);
}

// The value's bits in the output dtype, converted on the host with the CPU's rounding.
uint64_t fill_bits(int32_t dtype, const tt_fill_attrs& a) {
  switch (dtype) {
    case TT_FLOAT32: { float f = float(a.value); uint32_t u; std::memcpy(&u, &f, 4); return u; }
    case TT_FLOAT64: { uint64_t u; std::memcpy(&u, &a.value, 8); return u; }
    case TT_FLOAT16: return float_to_half(float(a.value));
    case TT_BFLOAT16: return float_to_bf16(float(a.value));
    case TT_INT32: return uint32_t(int32_t(a.ivalue));
    case TT_INT64: return uint64_t(a.ivalue);
    case TT_UINT8: return uint8_t(a.ivalue);
    default: return a.ivalue != 0;  // bool
  }
}

tt_status fill(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view& out = c.out[0];
  int64_t n = numel(out);
  if (n == 0) return TT_OK;
  const tt_view* views[1] = {&out};
  Layout<1> l = make_layout(views);
  uint64_t bits = fill_bits(out.dtype, c.attr<tt_fill_attrs>());
  unsigned b = blocks_for(n);
  switch (dtype_size(out.dtype)) {
    case 1: fill_kernel<<<b, kThreads>>>(data_ptr<uint8_t>(out), l, n, uint8_t(bits)); break;
    case 2: fill_kernel<<<b, kThreads>>>(data_ptr<uint16_t>(out), l, n, uint16_t(bits)); break;
    case 4: fill_kernel<<<b, kThreads>>>(data_ptr<uint32_t>(out), l, n, uint32_t(bits)); break;
    default: fill_kernel<<<b, kThreads>>>(data_ptr<uint64_t>(out), l, n, bits); break;
  }
  return launched(c);
}

tt_status arange(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  const tt_view& out = c.out[0];
  const tt_arange_attrs& a = c.attr<tt_arange_attrs>();
  int64_t n = out.shape[0];
  if (n == 0) return TT_OK;
  with_dtype(out.dtype, [&](auto t) {
    using T = decltype(t);
    if (is_float(out.dtype))
      arange_kernel<T, double><<<blocks_for(n), kThreads>>>(data_ptr<T>(out), out.strides[0], n, a.start, a.step);
    else
      arange_kernel<T, int64_t><<<blocks_for(n), kThreads>>>(data_ptr<T>(out), out.strides[0], n, a.istart, a.istep);
  });
  return launched(c);
}

}  // namespace

void register_copy(Kernel* t) {
  t[TT_OP_COPY] = copy;
  t[TT_OP_FILL] = fill;
  t[TT_OP_ARANGE] = arange;
}

}  // namespace cu
}  // namespace tt
