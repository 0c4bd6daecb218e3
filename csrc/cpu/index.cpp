// Indexing: GATHER, SCATTER and its reductions (SCATTER_ADD, _MUL, _AMAX, _AMIN), NONZERO, SORT.
//
// Index values are checked before anything is written, so a bad index leaves the output as it was.
// SCATTER and its reductions are deterministic at any thread count: elements of the index that differ in a
// coordinate other than `dim` never meet in the output (for an output view that does not overlap itself), so the
// threads split those coordinates between them, and each walks `dim` in order (last write wins, sums and
// products in order).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "isa.h"
#include "loops.h"

namespace tt {
namespace generic {
namespace {

inline int64_t load_index(const char* p) {
  int64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The size that index values of `dim` must stay under: a 0-d tensor counts as one of size 1.
inline int64_t dim_size(const tt_view& v, int dim) { return v.ndim ? v.shape[dim] : 1; }
inline int64_t dim_stride_bytes(const tt_view& v, int dim) { return v.ndim ? v.strides[dim] * dtype_size(v.dtype) : 0; }

// The first index value outside [0, size), in row-major order, fails the call. Broadcast (stride 0) dims are
// read once: the values there repeat.
tt_status check_indices(const Call& c, const tt_view& index, int dim, int64_t size) {
  tt_view v = index;
  for (int d = 0; d < v.ndim; ++d)
    if (v.strides[d] == 0) v.shape[d] = std::min<int64_t>(v.shape[d], 1);
  const tt_view* views[1] = {&v};
  Walk<1> w(views);
  const int64_t n = w.numel(), block = 1 << 16, blocks = (n + block - 1) / block;
  std::vector<int64_t> bad(size_t(blocks), 0);
  std::vector<char> found(size_t(blocks), 0);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      w.run_range(b * block, std::min(n, (b + 1) * block), [&](char* const* p, const int64_t* s, int64_t count) {
        if (found[b]) return;
        bool any = false;  // a branch-free pass first: bad values are rare
        for (int64_t i = 0; i < count; ++i) any |= uint64_t(load_index(p[0] + i * s[0])) >= uint64_t(size);
        if (!any) return;
        for (int64_t i = 0; !found[b]; ++i) {
          bad[b] = load_index(p[0] + i * s[0]);
          found[b] = uint64_t(bad[b]) >= uint64_t(size);
        }
      });
    }
  });
  for (int64_t b = 0; b < blocks; ++b)
    if (found[b])
      return fail(TT_ERR_INDEX, "%s: index %lld is out of range for dim %d of size %lld", tt_op_name(c.op),
                  (long long)bad[b], dim, (long long)size);
  return TT_OK;
}

// ---- GATHER: out[i][j][k] = src[index[i][j][k]][j][k] (dim 0), walked as (out, index, src with dim's stride 0).
template <class T>
void gather_rows(const Walk<3>& w, int64_t dim_stride) {
  w.run([&](char* const* p, const int64_t* s, int64_t n) {
    if (s[1] == 0) {  // one index value for the whole row (index_select, advanced indexing)
      const char* from = p[2] + load_index(p[1]) * dim_stride;
      if (s[0] == int64_t(sizeof(T)) && s[2] == int64_t(sizeof(T))) {
        std::memcpy(p[0], from, size_t(n) * sizeof(T));
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(p[0] + i * s[0], from + i * s[2], sizeof(T));
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(p[0] + i * s[0], p[2] + i * s[2] + load_index(p[1] + i * s[1]) * dim_stride, sizeof(T));
  });
}

tt_status gather_kernel(const Call& c) {
  const tt_view &src = c.in[0], &index = c.in[1], &out = c.out[0];
  const int dim = c.attr<tt_dim_attrs>().dim;
  if (numel(out) == 0) return TT_OK;
  if (tt_status s = check_indices(c, index, dim, dim_size(src, dim))) return s;
  tt_view src0 = src;  // src seen with index's shape, standing at coordinate 0 of dim
  for (int d = 0; d < index.ndim; ++d) src0.shape[d] = index.shape[d];
  if (src0.ndim) src0.strides[dim] = 0;
  const tt_view* views[3] = {&out, &index, &src0};
  Walk<3> w(views);
  const int64_t stride = dim_stride_bytes(src, dim);
  switch (dtype_size(out.dtype)) {
    case 1: gather_rows<uint8_t>(w, stride); break;
    case 2: gather_rows<uint16_t>(w, stride); break;
    case 4: gather_rows<uint32_t>(w, stride); break;
    default: gather_rows<uint64_t>(w, stride); break;
  }
  return TT_OK;
}

// ---- SCATTER and its reductions. Each Op names the storage type T and combines the old output element with the
// source.
template <class U>
struct Put {
  using T = U;
  static constexpr bool put = true;
  static T apply(T, T s) { return s; }
};
template <class U>
struct Add {  // float and double add; integer types are unsigned here, so that sums wrap without overflow
  using T = U;
  static constexpr bool put = false;
  static T apply(T o, T s) { return T(o + s); }
};
template <class U>
struct Mul {  // as Add: integer products wrap
  using T = U;
  static constexpr bool put = false;
  static T apply(T o, T s) { return T(o * s); }
};
template <class U>
struct Max {  // NaN wins, as torch's scatter_reduce amax
  using T = U;
  static constexpr bool put = false;
  static T apply(T o, T s) { return s != s || s > o ? s : o; }
};
template <class U>
struct Min {
  using T = U;
  static constexpr bool put = false;
  static T apply(T o, T s) { return s != s || s < o ? s : o; }
};
// float16/bfloat16: Op's float rule, on values widened to float and rounded back.
template <template <class> class Op, float (*Widen)(uint16_t), uint16_t (*Narrow)(float)>
struct Via16 {
  using T = uint16_t;
  static constexpr bool put = false;
  static T apply(T o, T s) { return Narrow(Op<float>::apply(Widen(o), Widen(s))); }
};

template <class Op>
inline void combine(char* o, const char* s) {
  typename Op::T a, b;
  std::memcpy(&a, o, sizeof a);
  std::memcpy(&b, s, sizeof b);
  a = Op::apply(a, b);
  std::memcpy(o, &a, sizeof a);
}

// out[0:n] op= src[0:n] along one row of the output.
template <class Op>
void combine_row(char* out, int64_t os, const char* src, int64_t ss, int64_t n) {
  using T = typename Op::T;
  if (os != int64_t(sizeof(T)) || ss != int64_t(sizeof(T))) {
    for (int64_t i = 0; i < n; ++i) combine<Op>(out + i * os, src + i * ss);
  } else if (Op::put) {
    std::memmove(out, src, size_t(n) * sizeof(T));
  } else {
    T* __restrict o = reinterpret_cast<T*>(out);
    const T* __restrict s = reinterpret_cast<const T*>(src);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)  // fixed-length blocks, which GCC vectorizes at -O2
      for (int k = 0; k < 8; ++k) o[i + k] = Op::apply(o[i + k], s[i + k]);
    for (; i < n; ++i) o[i] = Op::apply(o[i], s[i]);
  }
}

struct ScatterDims {
  int64_t n;                  // index.shape[dim]
  int64_t index, src, out;    // byte strides along dim (the output's scales an index value)
};

// The walk covers the coordinates other than dim: views (index, src, out).
template <class Op>
void scatter_walk(const Walk<3>& w, const ScatterDims& d) {
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, d.n));
  w.run(
      [&](char* const* p, const int64_t* s, int64_t count) {
        if (s[0] == 0) {  // one index value per step of dim for the whole row (index_add, index_copy)
          for (int64_t i = 0; i < d.n; ++i)
            combine_row<Op>(p[2] + load_index(p[0] + i * d.index) * d.out, s[2], p[1] + i * d.src, s[1], count);
        } else if (std::llabs(s[0]) <= std::llabs(d.index)) {  // rows are the compact direction: dim outside
          for (int64_t i = 0; i < d.n; ++i)
            for (int64_t j = 0; j < count; ++j)
              combine<Op>(p[2] + j * s[2] + load_index(p[0] + j * s[0] + i * d.index) * d.out,
                          p[1] + j * s[1] + i * d.src);
        } else {  // dim is the compact direction: dim inside
          for (int64_t j = 0; j < count; ++j)
            for (int64_t i = 0; i < d.n; ++i)
              combine<Op>(p[2] + j * s[2] + load_index(p[0] + j * s[0] + i * d.index) * d.out,
                          p[1] + j * s[1] + i * d.src);
        }
      },
      grain);
}

// Op over every dtype tt_run lets through: float types as themselves, float16/bfloat16 through float, integers as
// IntOp<unsigned> (wrapping sums and products) or, where order matters (Signed), as themselves; bool (admitted
// only for the orderings) as uint8.
template <template <class> class Op, template <class> class IntOp, bool Signed = false>
tt_status combine_all(const Walk<3>& w, const ScatterDims& dims, int32_t dtype) {
  switch (dtype) {
    case TT_FLOAT32: scatter_walk<Op<float>>(w, dims); break;
    case TT_FLOAT64: scatter_walk<Op<double>>(w, dims); break;
    case TT_FLOAT16: scatter_walk<Via16<Op, half_to_float, float_to_half>>(w, dims); break;
    case TT_BFLOAT16: scatter_walk<Via16<Op, bf16_to_float, float_to_bf16>>(w, dims); break;
    case TT_INT32: scatter_walk<IntOp<std::conditional_t<Signed, int32_t, uint32_t>>>(w, dims); break;
    case TT_INT64: scatter_walk<IntOp<std::conditional_t<Signed, int64_t, uint64_t>>>(w, dims); break;
    default: scatter_walk<IntOp<uint8_t>>(w, dims); break;  // uint8, bool
  }
  return TT_OK;
}

tt_status scatter_kernel(const Call& c) {
  const tt_view &index = c.in[0], &src = c.in[1], &out = c.out[0];
  const int dim = c.attr<tt_dim_attrs>().dim;
  const bool arithmetic = c.op == TT_OP_SCATTER_ADD || c.op == TT_OP_SCATTER_MUL;
  if (arithmetic && out.dtype == TT_BOOL)
    return fail(TT_ERR_DTYPE, "%s: does not take %s", tt_op_name(c.op), tt_dtype_name(out.dtype));
  if (numel(index) == 0) return TT_OK;
  if (tt_status s = check_indices(c, index, dim, dim_size(out, dim))) return s;
  // index, src and out with dim taken out (all three take index's shape there)
  const tt_view* whole[3] = {&index, &src, &out};
  tt_view v[3] = {index, src, out};
  for (int k = 0; k < 3; ++k) {
    v[k].ndim = index.ndim ? index.ndim - 1 : 0;
    for (int d = 0, e = 0; d < index.ndim; ++d) {
      if (d == dim) continue;
      v[k].shape[e] = index.shape[d];
      v[k].strides[e++] = whole[k]->strides[d];
    }
  }
  const ScatterDims dims{dim_size(index, dim), dim_stride_bytes(index, dim), dim_stride_bytes(src, dim),
                         dim_stride_bytes(out, dim)};
  const tt_view* views[3] = {&v[0], &v[1], &v[2]};
  Walk<3> w(views);
  if (c.op == TT_OP_SCATTER) {
    switch (dtype_size(out.dtype)) {
      case 1: scatter_walk<Put<uint8_t>>(w, dims); break;
      case 2: scatter_walk<Put<uint16_t>>(w, dims); break;
      case 4: scatter_walk<Put<uint32_t>>(w, dims); break;
      default: scatter_walk<Put<uint64_t>>(w, dims); break;
    }
    return TT_OK;
  }
  switch (c.op) {
    case TT_OP_SCATTER_ADD: return combine_all<Add, Add>(w, dims, out.dtype);
    case TT_OP_SCATTER_MUL: return combine_all<Mul, Mul>(w, dims, out.dtype);
    case TT_OP_SCATTER_AMAX: return combine_all<Max, Max, true>(w, dims, out.dtype);
    default: return combine_all<Min, Min, true>(w, dims, out.dtype);
  }
}

// ---- NONZERO: a count per fixed block of the input (row-major), then each block writes its rows from its offset.
// An element is nonzero when its bits under `mask` are (the mask drops the sign of floats: -0.0 is zero, NaN is not).
template <class U>
struct NonzeroScan {
  U mask;
  bool at(const char* p) const {
    U v;
    std::memcpy(&v, p, sizeof v);
    return (v & mask) != 0;
  }
  int64_t count(const char* p, int64_t s, int64_t n) const {
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) k += at(p + i * s);
    return k;
  }
};

template <class U>
tt_status nonzero_run(const Call& c, U mask) {
  const tt_view &in = c.in[0], &out = c.out[0];
  const NonzeroScan<U> scan{mask};
  const tt_view* views[1] = {&in};
  Walk<1> w(views);
  const int64_t n = numel(in), block = 1 << 16, blocks = (n + block - 1) / block;
  std::vector<int64_t> start(size_t(blocks) + 1, 0);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      w.run_range(b * block, std::min(n, (b + 1) * block),
                  [&](char* const* p, const int64_t* s, int64_t k) { start[b + 1] += scan.count(p[0], s[0], k); });
  });
  for (int64_t b = 0; b < blocks; ++b) start[b + 1] += start[b];
  if (start[blocks] != out.shape[0])
    return fail(TT_ERR_SHAPE, "%s: output has %lld rows but input %s has %lld nonzero elements", tt_op_name(c.op),
                (long long)out.shape[0], TT_SHAPE(in), (long long)start[blocks]);
  const int nd = in.ndim;
  if (nd == 0 || start[blocks] == 0) return TT_OK;
  int64_t* rows = data_ptr<int64_t>(out);
  const int64_t row_stride = out.strides[0], col_stride = out.strides[1], es = dtype_size(in.dtype);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      int64_t idx[TT_MAX_DIMS], rem = b * block, r = start[b];
      const char* p = data_ptr(in);
      for (int d = nd - 1; d >= 0; --d) {
        idx[d] = rem % in.shape[d];
        rem /= in.shape[d];
        p += idx[d] * in.strides[d] * es;
      }
      for (int64_t pos = b * block, end = std::min(n, pos + block); pos < end; ++pos) {
        if (scan.at(p)) {
          for (int d = 0; d < nd; ++d) rows[r * row_stride + d * col_stride] = idx[d];
          ++r;
        }
        // step the multi-index (an odometer over the original dims: the output names them)
        int d = nd - 1;
        p += in.strides[d] * es;
        while (++idx[d] == in.shape[d] && d > 0) {
          p -= in.shape[d] * in.strides[d] * es;
          idx[d--] = 0;
          p += in.strides[d] * es;
        }
      }
    }
  });
  return TT_OK;
}

tt_status nonzero_kernel(const Call& c) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: return nonzero_run<uint32_t>(c, 0x7fffffffu);
    case TT_FLOAT64: return nonzero_run<uint64_t>(c, 0x7fffffffffffffffull);
    case TT_FLOAT16: case TT_BFLOAT16: return nonzero_run<uint16_t>(c, 0x7fff);
    case TT_INT32: return nonzero_run<uint32_t>(c, ~0u);
    case TT_INT64: return nonzero_run<uint64_t>(c, ~0ull);
    default: return nonzero_run<uint8_t>(c, 0xff);  // uint8, bool
  }
}

// ---- SORT along the last dim. Each element becomes an unsigned key whose order is the wanted order, paired
// with its position; sorting the pairs by (key, position) is a stable sort, whatever the algorithm.
// Keys of 32 bits or less pack with the position into one uint64 (key high), wider ones use a Pair.

// IEEE bits -> key: ascending order, -0 equal to +0, every NaN above +inf (as torch, which keeps NaN last).
template <class U>
inline U ieee_key(U bits, U abs_inf) {
  const U sign = U(U(1) << (sizeof(U) * 8 - 1));
  const U abs = U(bits & U(~sign));
  if (abs > abs_inf) return U(~U(0));
  if (abs == 0) return sign;
  return (bits & sign) ? U(~bits) : U(bits | sign);
}

template <class U>
inline U load_bits(const char* p) {
  U v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t sort_key(int32_t dtype, const char* p) {
  switch (dtype) {
    case TT_FLOAT32: return ieee_key<uint32_t>(load_bits<uint32_t>(p), 0x7f800000u);
    case TT_FLOAT64: return ieee_key<uint64_t>(load_bits<uint64_t>(p), 0x7ff0000000000000ull);
    case TT_FLOAT16: return ieee_key<uint16_t>(load_bits<uint16_t>(p), 0x7c00);
    case TT_BFLOAT16: return ieee_key<uint16_t>(load_bits<uint16_t>(p), 0x7f80);
    case TT_INT32: return load_bits<uint32_t>(p) ^ 0x80000000u;
    case TT_INT64: return load_bits<uint64_t>(p) ^ 0x8000000000000000ull;
    case TT_UINT8: return load_bits<uint8_t>(p);
    default: return load_bits<uint8_t>(p) != 0;  // bool
  }
}

int key_bytes(int32_t dtype) { return dtype == TT_BOOL ? 1 : int(dtype_size(dtype)); }

struct Pair {
  uint64_t key, pos;
  bool operator<(const Pair& o) const { return key < o.key || (key == o.key && pos < o.pos); }
};
inline uint64_t key_of(uint64_t packed) { return packed >> 32; }
inline uint64_t pos_of(uint64_t packed) { return packed & 0xffffffffu; }
inline uint64_t key_of(const Pair& p) { return p.key; }
inline uint64_t pos_of(const Pair& p) { return p.pos; }
inline uint64_t make_item(uint64_t key, uint64_t pos, uint64_t) { return key << 32 | pos; }
inline Pair make_item(uint64_t key, uint64_t pos, Pair) { return Pair{key, pos}; }

// LSD radix sort by the key's bytes: stable, so the positions (loaded in order) break ties. Passes in which
// every key has the same byte are skipped. Returns the buffer (a or tmp) that holds the result.
template <class Item>
Item* radix_sort(Item* a, Item* tmp, int64_t n, int bytes) {
  uint32_t count[8][256] = {};
  for (int64_t i = 0; i < n; ++i) {
    uint64_t k = key_of(a[i]);
    for (int b = 0; b < bytes; ++b) ++count[b][(k >> (8 * b)) & 0xff];
  }
  for (int b = 0; b < bytes; ++b) {
    uint32_t* c = count[b];
    if (c[(key_of(a[0]) >> (8 * b)) & 0xff] == uint32_t(n)) continue;
    uint32_t sum = 0;
    for (int v = 0; v < 256; ++v) {
      uint32_t k = c[v];
      c[v] = sum;
      sum += k;
    }
    for (int64_t i = 0; i < n; ++i) tmp[c[(key_of(a[i]) >> (8 * b)) & 0xff]++] = a[i];
    std::swap(a, tmp);
  }
  return a;
}

struct SortArgs {
  int32_t dtype;
  int64_t n, k;
  bool descending;
  int64_t in_stride, val_stride, idx_stride;  // bytes, along the last dim
  int64_t es;
};

// Sorts one row: items are built, ordered (radix for full sorts of long rows, a partial sort for a small k),
// and the first k written out.
template <class Item>
void sort_row(const SortArgs& a, const char* in, char* val, char* idx, std::vector<Item>& buf) {
  const int bytes = key_bytes(a.dtype);
  const uint64_t flip = a.descending ? (bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1) : 0;
  buf.resize(size_t(2 * a.n));
  Item* items = buf.data();
  for (int64_t i = 0; i < a.n; ++i) items[i] = make_item(sort_key(a.dtype, in + i * a.in_stride) ^ flip, i, Item{});
  if (a.k < a.n && a.k <= a.n / 16) {
    std::nth_element(items, items + a.k, items + a.n);
    std::sort(items, items + a.k);
  } else if (a.n >= 256 && a.n <= int64_t(UINT32_MAX)) {
    items = radix_sort(items, items + a.n, a.n, bytes);
  } else {
    std::sort(items, items + a.n);
  }
  for (int64_t j = 0; j < a.k; ++j) {
    const int64_t pos = int64_t(pos_of(items[j]));
    std::memcpy(val + j * a.val_stride, in + pos * a.in_stride, size_t(a.es));
    std::memcpy(idx + j * a.idx_stride, &pos, sizeof pos);
  }
}

tt_status sort_kernel(const Call& c) {
  const tt_view &in = c.in[0], &values = c.out[0], &indices = c.out[1];
  const tt_sort_attrs& attrs = c.attr<tt_sort_attrs>();
  const int last = in.ndim - 1;
  const int64_t es = dtype_size(in.dtype);
  const SortArgs a{in.dtype, in.shape[last], attrs.k, attrs.descending != 0, in.strides[last] * es,
                   values.strides[last] * es, indices.strides[last] * 8, es};
  if (a.k == 0 || numel(values) == 0) return TT_OK;
  tt_view lead[3] = {in, values, indices};  // the rows: every dim but the last
  for (tt_view& v : lead) v.ndim = last;
  const tt_view* views[3] = {&lead[0], &lead[1], &lead[2]};
  Walk<3> w(views);
  const bool packed = key_bytes(in.dtype) <= 4 && a.n <= int64_t(UINT32_MAX) + 1;
  w.run(
      [&](char* const* p, const int64_t* s, int64_t rows) {
        std::vector<uint64_t> packed_buf;
        std::vector<Pair> pair_buf;
        for (int64_t r = 0; r < rows; ++r) {
          if (packed) {
            sort_row(a, p[0] + r * s[0], p[1] + r * s[1], p[2] + r * s[2], packed_buf);
          } else {
            sort_row(a, p[0] + r * s[0], p[1] + r * s[1], p[2] + r * s[2], pair_buf);
          }
        }
      },
      std::max<int64_t>(1, 16384 / std::max<int64_t>(1, a.n)));
  return TT_OK;
}

}  // namespace

void register_index(Kernel* table) {
  table[TT_OP_GATHER] = gather_kernel;
  table[TT_OP_SCATTER] = scatter_kernel;
  table[TT_OP_SCATTER_ADD] = scatter_kernel;
  table[TT_OP_SCATTER_MUL] = scatter_kernel;
  table[TT_OP_SCATTER_AMAX] = scatter_kernel;
  table[TT_OP_SCATTER_AMIN] = scatter_kernel;
  table[TT_OP_NONZERO] = nonzero_kernel;
  table[TT_OP_SORT] = sort_kernel;
}

}  // namespace generic
}  // namespace tt
