// The CUDA MATMUL kernel's host-side half (csrc/cuda/gemm_plan.h), on a machine with no GPU: folding of views into
// one GEMM and a batch, tile choice, fetch orders, the split of the grid into launches, and the kernel itself
// emulated on the CPU. The emulation runs gemm.cu's kernel body (fetch, stash, multiply, store, in its order)
// for every thread of every block of every launch; between barriers the threads run one after another, which is
// one legal interleaving: were a stage written while still read, later threads would read the new slice. Both
// stages start as NaN and each stage about to be written is poisoned again, so a slot a thread fails to fill
// shows. Values are small integers, so float sums are exact and results are compared for equality with a
// naive product over the views; out's buffer starts as a sentinel that must survive outside the view.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "../../csrc/cuda/gemm_plan.h"
#include "check.h"

using namespace tt::cu::gemm;

namespace {

tt_view view(int nd, const int64_t* shape, const int64_t* strides, int64_t offset, int32_t dtype) {
  tt_view v{};
  v.offset = offset, v.dtype = dtype, v.ndim = nd;
  for (int d = 0; d < nd; ++d) v.shape[d] = shape[d], v.strides[d] = strides[d];
  return v;
}

// ---- tiles: each thread's share of a tile, and its micro-tile, cover the tile exactly once.
template <class Cfg>
void check_tile() {
  for (int order = 0; order < 2; ++order) {
    std::vector<int> a(Cfg::BM * Cfg::BK), b(Cfg::BK * Cfg::BN);
    for (int tid = 0; tid < Cfg::kThreads; ++tid) {
      for (int e = 0; e < Cfg::LA; ++e) {
        int i, k;
        a_slot<Cfg>(tid, e, order, &i, &k);
        CHECK(i >= 0 && i < Cfg::BM && k >= 0 && k < Cfg::BK, "a slot (%d, %d) outside the tile", i, k);
        ++a[k * Cfg::BM + i];
      }
      for (int e = 0; e < Cfg::LB; ++e) {
        int k, j;
        b_slot<Cfg>(tid, e, order, &k, &j);
        CHECK(j >= 0 && j < Cfg::BN && k >= 0 && k < Cfg::BK, "b slot (%d, %d) outside the tile", k, j);
        ++b[k * Cfg::BN + j];
      }
    }
    for (int x : a) CHECK(x == 1, "a slot filled %d times (order %d, BM %d)", x, order, Cfg::BM);
    for (int x : b) CHECK(x == 1, "b slot filled %d times (order %d, BN %d)", x, order, Cfg::BN);
  }
  std::vector<int> c(Cfg::BM * Cfg::BN);
  for (int tid = 0; tid < Cfg::kThreads; ++tid)
    for (int r = 0; r < Cfg::TM; ++r)
      for (int q = 0; q < Cfg::TN; ++q) {
        int i = tile_row<Cfg>(tid, r), j = tile_col<Cfg>(tid, q);
        CHECK(i >= 0 && i < Cfg::BM && j >= 0 && j < Cfg::BN, "micro-tile (%d, %d) outside the tile", i, j);
        ++c[i * Cfg::BN + j];
      }
  for (int x : c) CHECK(x == 1, "out element owned by %d threads (BM %d)", x, Cfg::BM);
  // a warp reads 32 distinct banks (or one word) of b's stage row, and a k-fast stash writes 32 distinct banks
  for (int w = 0; w < Cfg::kThreads / 32; ++w) {
    bool bank[32] = {};
    for (int t = w * 32; t < w * 32 + 32; ++t) bank[tile_col<Cfg>(t, 0) % 32] = true;
    int distinct = 0;
    for (bool x : bank) distinct += x;
    CHECK(distinct == 16 || distinct == 32, "warp %d reads b from %d banks", w, distinct);
    bool sbank[32] = {};
    for (int t = w * 32; t < w * 32 + 32; ++t) {
      int i, k;
      a_slot<Cfg>(t, 0, false, &i, &k);
      sbank[(k * Cfg::PA + i) % 32] = true;
    }
    distinct = 0;
    for (bool x : sbank) distinct += x;
    CHECK(distinct == 32, "warp %d stashes a k-fast into %d banks", w, distinct);
  }
}

// ---- describe: folding and the batch
void check_describe() {
  {  // x[4, 5, 3] @ w[3, 6] expanded to [4, 3, 6]: one GEMM of 20 rows
    int64_t sa[3] = {4, 5, 3}, ta[3] = {15, 3, 1}, sb[3] = {4, 3, 6}, tb[3] = {0, 6, 1}, so[3] = {4, 5, 6},
            to[3] = {30, 6, 1};
    Problem p = describe(view(3, sa, ta, 0, TT_FLOAT32), view(3, sb, tb, 0, TT_FLOAT32), view(3, so, to, 0, TT_FLOAT32));
    CHECK(p.M == 20 && p.N == 6 && p.K == 3 && p.batch.count == 1 && p.batch.nd == 0, "fold: M %lld count %lld",
          (long long)p.M, (long long)p.batch.count);
  }
  {  // the same with b not broadcast: a batch of 4
    int64_t sa[3] = {4, 5, 3}, ta[3] = {15, 3, 1}, sb[3] = {4, 3, 6}, tb[3] = {18, 6, 1}, so[3] = {4, 5, 6},
            to[3] = {30, 6, 1};
    Problem p = describe(view(3, sa, ta, 0, TT_FLOAT32), view(3, sb, tb, 0, TT_FLOAT32), view(3, so, to, 0, TT_FLOAT32));
    CHECK(p.M == 5 && p.batch.count == 4 && p.batch.nd == 1 && p.batch.sb[0] == 18 && p.batch.sc[0] == 30,
          "batch: M %lld count %lld", (long long)p.M, (long long)p.batch.count);
  }
  {  // vectors x[4, 1, 3] @ w: M = 1 takes the batch dim's strides as its own
    int64_t sa[3] = {4, 1, 3}, ta[3] = {7, 3, 1}, sb[3] = {4, 3, 6}, tb[3] = {0, 6, 1}, so[3] = {4, 1, 6},
            to[3] = {6, 6, 1};
    Problem p = describe(view(3, sa, ta, 0, TT_FLOAT32), view(3, sb, tb, 0, TT_FLOAT32), view(3, so, to, 0, TT_FLOAT32));
    CHECK(p.M == 4 && p.am == 7 && p.cm == 6 && p.batch.count == 1, "vectors: M %lld am %lld", (long long)p.M,
          (long long)p.am);
  }
  {  // size-1 batch dims drop out; a transposed a is fetched m-fast, a row-major b n-fast
    int64_t sa[4] = {1, 2, 5, 3}, ta[4] = {99, 15, 1, 5}, sb[4] = {1, 2, 3, 6}, tb[4] = {7, 18, 6, 1},
            so[4] = {1, 2, 5, 6}, to[4] = {60, 30, 6, 1};
    Problem p = describe(view(4, sa, ta, 0, TT_FLOAT32), view(4, sb, tb, 0, TT_FLOAT32), view(4, so, to, 0, TT_FLOAT32));
    CHECK(p.batch.nd == 1 && p.batch.count == 2 && p.batch.sa[0] == 15, "size-1 dims: nd %d", p.batch.nd);
    Plan q = make_plan(p, 4, 132);
    CHECK(q.a_m_fast && q.b_n_fast && !q.large, "fetch orders / tile");
  }
}

// ---- the tile choice and the launches
void check_plan() {
  Problem p{};
  p.M = 4096, p.N = 4096, p.K = 64, p.am = 64, p.ak = 1, p.bk = 4096, p.bn = 1, p.batch.count = 1;
  CHECK(make_plan(p, 4, 132).large, "a 4096^2 float32 GEMM takes the large tile");
  CHECK(!make_plan(p, 8, 132).large, "float64 never takes the large tile");
  p.M = 256, p.N = 256;
  CHECK(!make_plan(p, 4, 132).large, "4 large tiles on 132 SMs: small tiles");
  p.batch.count = 40;
  CHECK(make_plan(p, 4, 132).large, "160 large tiles on 132 SMs: large tiles");
  p.batch.count = 0;
  CHECK(!launchable(p, make_plan(p, 4, 132)), "an empty batch launches nothing");
  p.batch.count = 1, p.K = 0;
  CHECK(launchable(p, make_plan(p, 4, 132)), "K = 0 launches (out is zeroed)");
  p.N = 0;
  CHECK(!launchable(p, make_plan(p, 4, 132)), "N = 0 launches nothing");

  const int64_t cases[][3] = {{1, 1, 1}, {7, 65535, 65535}, {3, 65536, 1}, {2, 1, 65536}, {5, 140000, 70000}};
  for (const auto& cs : cases) {
    Plan q{};
    q.tiles_n = cs[0], q.tiles_m = cs[1], q.count = cs[2];
    int64_t covered = 0, launches = 0;
    bool ok = true;
    for_each_launch(q, [&](const Launch& l) {
      ++launches;
      ok &= l.gx == unsigned(q.tiles_n) && l.gy >= 1 && l.gy <= 65535 && l.gz >= 1 && l.gz <= 65535;
      ok &= l.tile_m0 % 65535 == 0 && l.batch0 % 65535 == 0;
      ok &= l.tile_m0 + l.gy <= q.tiles_m && l.batch0 + l.gz <= q.count;
      covered += int64_t(l.gy) * l.gz;
    });
    int64_t want = ((cs[1] + 65534) / 65535) * ((cs[2] + 65534) / 65535);
    CHECK(ok && covered == cs[1] * cs[2] && launches == want, "launches for %lld x %lld: %lld, %lld blocks",
          (long long)cs[1], (long long)cs[2], (long long)launches, (long long)covered);
  }
}

// ---- the kernel, emulated
template <class Acc>
Acc poison() {
  return std::numeric_limits<Acc>::has_quiet_NaN ? std::numeric_limits<Acc>::quiet_NaN() : Acc(0x5a5a5a5a);
}

template <class Cfg, class T, class Acc>
void emulate(const Args<T>& g, unsigned bx, unsigned by, unsigned bz) {
  struct Thread {
    Acc acc[Cfg::TM][Cfg::TN];
    Acc ra[Cfg::LA], rb[Cfg::LB];
  };
  std::vector<Thread> th(Cfg::kThreads);
  std::vector<Acc> sa[2], sb[2];
  for (int s = 0; s < 2; ++s) sa[s].assign(Cfg::BK * Cfg::PA, poison<Acc>()), sb[s].assign(Cfg::BK * Cfg::PB, poison<Acc>());
  Block<T> blk = block_at<Cfg>(g, bx, by, bz);
  for (Thread& t : th)
    for (auto& row : t.acc)
      for (Acc& x : row) x = Acc(0);
  const int64_t slices = (g.p.K + Cfg::BK - 1) / Cfg::BK;
  for (int tid = 0; tid < Cfg::kThreads; ++tid) {
    fetch<Cfg>(g, blk, 0, tid, th[tid].ra, th[tid].rb);
    stash<Cfg>(g.a_m_fast, g.b_n_fast, tid, th[tid].ra, th[tid].rb, sa[0].data(), sb[0].data());
  }
  for (int64_t t = 0; t < slices; ++t) {  // one pass of the loop per barrier interval, as in gemm_kernel
    const int s = int(t & 1);
    const bool more = t + 1 < slices;
    sa[s ^ 1].assign(sa[s ^ 1].size(), poison<Acc>()), sb[s ^ 1].assign(sb[s ^ 1].size(), poison<Acc>());
    for (int tid = 0; tid < Cfg::kThreads; ++tid) {
      if (more) fetch<Cfg>(g, blk, (t + 1) * Cfg::BK, tid, th[tid].ra, th[tid].rb);
      multiply<Cfg>(sa[s].data(), sb[s].data(), tid, th[tid].acc);
      if (more) stash<Cfg>(g.a_m_fast, g.b_n_fast, tid, th[tid].ra, th[tid].rb, sa[s ^ 1].data(), sb[s ^ 1].data());
    }
  }
  for (int tid = 0; tid < Cfg::kThreads; ++tid) store<Cfg>(g, blk, tid, th[tid].acc);
}

// A view of `shape` in a buffer: dims laid out in `order` (outermost first), each stride scaled by `step`,
// dims in `negate` reversed, batch dims in `zero` broadcast; offset so that every element lies in the buffer.
struct Layout {
  int order[TT_MAX_DIMS];
  int64_t step;
  unsigned negate, zero;
};
tt_view make_view(int nd, const int64_t* shape, const Layout& lay, int32_t dtype, int64_t* span) {
  int64_t strides[TT_MAX_DIMS], size = lay.step;
  for (int q = nd - 1; q >= 0; --q) {
    int d = lay.order[q];
    strides[d] = (lay.zero >> d & 1) ? 0 : size;
    if (!(lay.zero >> d & 1)) size *= shape[d];
  }
  int64_t offset = 8;  // margins of a tile's k-slice before and after the view, which must stay untouched
  for (int d = 0; d < nd; ++d)
    if (lay.negate >> d & 1) offset += (shape[d] - 1) * strides[d], strides[d] = -strides[d];
  *span = offset + size + 8;
  return view(nd, shape, strides, offset, dtype);
}

int64_t at(const tt_view& v, const int64_t* idx) {
  int64_t o = v.offset;
  for (int d = 0; d < v.ndim; ++d) o += idx[d] * v.strides[d];
  return o;
}

template <class T>
const char* type_name();
template <> const char* type_name<float>() { return "float32"; }
template <> const char* type_name<double>() { return "float64"; }
template <> const char* type_name<int32_t>() { return "int32"; }
template <> const char* type_name<uint8_t>() { return "uint8"; }

int64_t runs = 0;

// NaN in a float buffer outside its view: a fetch past the matrix that is not masked then poisons a sum
template <class T>
void poison_outside(const tt_view& v, std::vector<T>& buf) {
  if (!std::numeric_limits<T>::has_quiet_NaN) return;
  std::vector<char> in(buf.size(), 0);
  int64_t total = 1;
  for (int d = 0; d < v.ndim; ++d) total *= v.shape[d];
  for (int64_t lin = 0; lin < total; ++lin) {
    int64_t idx[TT_MAX_DIMS] = {}, r = lin;
    for (int d = v.ndim - 1; d >= 0; --d) idx[d] = r % v.shape[d], r /= v.shape[d];
    in[at(v, idx)] = 1;
  }
  for (size_t i = 0; i < buf.size(); ++i)
    if (!in[i]) buf[i] = std::numeric_limits<T>::quiet_NaN();
}

// out = a @ b for the batch shape `bshape` (nb dims) and M, N, K, through the plan, emulated for the given
// sm_count (which picks the tile), against a naive product. Layouts: la, lb, lo.
template <class T, class Acc>
void check_matmul(int nb, const int64_t* bshape, int64_t M, int64_t N, int64_t K, const Layout& la,
                  const Layout& lb, const Layout& lo, int sm_count) {
  int nd = nb + 2;
  int64_t sa[TT_MAX_DIMS], sb[TT_MAX_DIMS], so[TT_MAX_DIMS];
  for (int d = 0; d < nb; ++d) sa[d] = sb[d] = so[d] = bshape[d];
  sa[nb] = M, sa[nb + 1] = K, sb[nb] = K, sb[nb + 1] = N, so[nb] = M, so[nb + 1] = N;
  int64_t na, nbuf, no;
  tt_view a = make_view(nd, sa, la, 0, &na), b = make_view(nd, sb, lb, 0, &nbuf), o = make_view(nd, so, lo, 0, &no);
  std::vector<T> A(na), B(nbuf), O(no, T(77));
  for (int64_t i = 0; i < na; ++i) A[i] = T(int((i * 3 + 1) % 7) - 3);
  for (int64_t i = 0; i < nbuf; ++i) B[i] = T(int((i * 2 + 3) % 5) - 2);
  if (std::is_same<T, uint8_t>::value) {  // large values, so that products and sums wrap
    for (int64_t i = 0; i < na; ++i) A[i] = T(i * 37 + 11);
    for (int64_t i = 0; i < nbuf; ++i) B[i] = T(i * 53 + 200);
  }

  poison_outside(a, A), poison_outside(b, B);
  Problem p = describe(a, b, o);
  Plan q = make_plan(p, int(sizeof(Acc)), sm_count);
  if (launchable(p, q)) {
    Args<T> g{A.data() + a.offset, B.data() + b.offset, O.data() + o.offset, p, q.a_m_fast, q.b_n_fast, 0, 0};
    for_each_launch(q, [&](const Launch& l) {
      g.tile_m0 = l.tile_m0, g.batch0 = l.batch0;
      for (unsigned z = 0; z < l.gz; ++z)
        for (unsigned y = 0; y < l.gy; ++y)
          for (unsigned x = 0; x < l.gx; ++x) {
            if (q.large) emulate<Large, T, Acc>(g, x, y, z);
            else emulate<Small, T, Acc>(g, x, y, z);
          }
    });
  }
  ++runs;

  // the reference, over every element of out; then out's buffer outside the view must be untouched
  std::vector<char> in_view(no, 0);
  int64_t total = 1, bad = 0;
  for (int d = 0; d < nd; ++d) total *= so[d];
  for (int64_t lin = 0; lin < total; ++lin) {
    int64_t idx[TT_MAX_DIMS] = {}, r = lin;
    for (int d = nd - 1; d >= 0; --d) idx[d] = r % so[d], r /= so[d];
    int64_t ia[TT_MAX_DIMS] = {}, ib[TT_MAX_DIMS] = {};
    Acc want = 0;
    for (int64_t k = 0; k < K; ++k) {
      for (int d = 0; d < nb; ++d) ia[d] = ib[d] = idx[d];
      ia[nb] = idx[nb], ia[nb + 1] = k, ib[nb] = k, ib[nb + 1] = idx[nb + 1];
      want += Acc(A[at(a, ia)]) * Acc(B[at(b, ib)]);
    }
    int64_t oo = at(o, idx);
    in_view[oo] = 1;
    if (!(O[oo] == T(want))) {
      if (bad++ < 3)
        std::printf("  element %lld: got %g want %g\n", (long long)lin, double(O[oo]), double(T(want)));
    }
  }
  for (int64_t i = 0; i < no; ++i)
    if (!in_view[i] && !(O[i] == T(77))) ++bad;
  CHECK(bad == 0, "%s %s tile, batch %d dims, M %lld N %lld K %lld (folded M %lld, count %lld): %lld wrong",
        type_name<T>(), q.large ? "large" : "small", nb, (long long)M, (long long)N, (long long)K, (long long)p.M,
        (long long)p.batch.count, (long long)bad);
}

void check_kernel() {
  const Layout row2{{0, 1}, 1, 0, 0}, col2{{1, 0}, 1, 0, 0}, gap2{{0, 1}, 2, 0, 0}, neg2{{0, 1}, 1, 2, 0};
  const int64_t none[1] = {0};
  const int64_t sizes[][3] = {{1, 1, 1}, {5, 7, 3}, {64, 64, 8}, {65, 63, 17}, {130, 129, 9}, {3, 200, 1}, {200, 2, 33}};
  const Layout lays[] = {row2, col2, gap2, neg2};
  for (const auto& s : sizes)
    for (const Layout& la : lays)
      for (const Layout& lb : lays) {
        const Layout& lo = la.order[0] == 1 ? col2 : row2;
        check_matmul<float, float>(0, none, s[0], s[1], s[2], la, lb, lo, 1);     // large tile
        check_matmul<float, float>(0, none, s[0], s[1], s[2], la, lb, lo, 1000);  // small tile
      }
  for (const auto& s : sizes) {
    check_matmul<double, double>(0, none, s[0], s[1], s[2], row2, col2, row2, 1);
    check_matmul<int32_t, uint32_t>(0, none, s[0], s[1], s[2], col2, row2, row2, 1);
    check_matmul<uint8_t, uint32_t>(0, none, s[0], s[1], s[2], row2, gap2, neg2, 1000);
  }
  check_matmul<float, float>(0, none, 9, 10, 0, row2, row2, row2, 1);  // K = 0: zeros
  check_matmul<double, double>(0, none, 9, 10, 0, row2, row2, neg2, 1);
  check_matmul<float, float>(0, none, 0, 10, 4, row2, row2, row2, 1);  // empty out

  // batches: [2, 3] x M x K with b broadcast over the inner batch dim (folds into M) or the outer one, a broadcast,
  // an out with its batch dims innermost, and a reversed batch dim
  const int64_t bs[2] = {2, 3};
  const Layout r4{{0, 1, 2, 3}, 1, 0, 0}, r4b_inner{{0, 1, 2, 3}, 1, 0, 2}, r4b_outer{{0, 1, 2, 3}, 1, 0, 1},
      r4t{{0, 1, 3, 2}, 1, 1, 0}, o4{{2, 3, 0, 1}, 1, 0, 0}, r4neg{{1, 0, 2, 3}, 2, 2, 0};
  const Layout b4s[] = {r4, r4b_inner, r4b_outer, r4t, r4neg};
  for (const Layout& lb : b4s)
    for (const Layout& la : {r4, r4t, r4b_inner})
      for (const Layout& lo : {r4, o4}) {
        check_matmul<float, float>(2, bs, 37, 19, 11, la, lb, lo, 1);
        check_matmul<float, float>(2, bs, 1, 19, 11, la, lb, lo, 1000);
        check_matmul<double, double>(2, bs, 37, 70, 20, la, lb, lo, 1);
      }
}

}  // namespace

int main() {
  check_tile<Large>();
  check_tile<Small>();
  check_describe();
  check_plan();
  check_kernel();
  std::printf("%s: %d failures, %lld emulated products\n", failures ? "FAIL" : "ok", failures, (long long)runs);
  return failures ? 1 : 0;
}
