// Fused optimizer steps on the CPU: one pass over a parameter tensor reads the gradient and updates the
// parameter and its state in place, element by element through the update rules of opmath/optim.h, chosen and
// set up by opmath/optim_host.h. Rows whose used operands are all contiguous take a restrict-pointer loop that
// GCC vectorizes.
#include <cmath>
#include <cstdint>

#include "../opmath/optim_host.h"
#include "isa.h"
#include "loops.h"

TT_ISA_BEGIN
namespace {

// A chunk moves a few MB through memory: these kernels are bandwidth-bound.
constexpr int64_t kGrain = 1 << 16;

// f(g, s0, s1, s2, s3) on each element: g the gradient, s0..s3 the outputs (the parameter first). Ops with
// fewer than four outputs see the parameter again in the spare slots; f touches only what kUses names
// (bit k: output k), and only those decide whether a row is contiguous.
template <class T, class F>
inline void contig_rows(int64_t n, const T* __restrict g, T* __restrict s0, T* __restrict s1, T* __restrict s2,
                        T* __restrict s3, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) f(g[i], s0[i], s1[i], s2[i], s3[i]);
}

template <class T, int N, class F>
void apply(const Call& c, const F& f) {
  static_assert(N == 3 || N == 5, "a gradient and 2 or 4 outputs");
  const tt_view* views[N];
  views[0] = &c.in[0];
  for (int k = 1; k < N; ++k) views[k] = &c.out[k - 1];
  Walk<N>(views).run(
      [&](char** p, const int64_t* s, int64_t n) {
        // Spare slots of two-output ops point at the parameter.
        char* q[5] = {p[0], p[1], p[2], N == 5 ? p[3] : p[1], N == 5 ? p[4] : p[1]};
        int64_t qs[5] = {s[0], s[1], s[2], N == 5 ? s[3] : s[1], N == 5 ? s[4] : s[1]};
        bool contig = qs[0] == sizeof(T);
        for (int k = 0; k < 4; ++k) contig &= !(F::kUses >> k & 1) || qs[k + 1] == sizeof(T);
        if (contig)
          return contig_rows<T>(n, (const T*)q[0], (T*)q[1], (T*)q[2], (T*)q[3], (T*)q[4], f);
        for (int64_t i = 0; i < n; ++i)
          f(*(const T*)(q[0] + i * qs[0]), *(T*)(q[1] + i * qs[1]), *(T*)(q[2] + i * qs[2]),
            *(T*)(q[3] + i * qs[3]), *(T*)(q[4] + i * qs[4]));
      },
      kGrain);
}

// Runs a step's functor over the call's gradient and outputs.
struct Apply {
  const Call& c;
  template <class S, class K>
  void operator()(S, const K& k) const {
    apply<typename S::type, S::outputs + 1>(c, k);
  }
};

tt_status sgd_step(const Call& c) { return om::sgd_step(c, Apply{c}); }
tt_status adam_step(const Call& c) { return om::adam_step(c, Apply{c}); }
tt_status rmsprop_step(const Call& c) { return om::rmsprop_step(c, Apply{c}); }
tt_status adagrad_step(const Call& c) { return om::adagrad_step(c, Apply{c}); }

}  // namespace

void register_optim(Kernel* table) {
  table[TT_OP_SGD_STEP] = sgd_step;
  table[TT_OP_ADAM_STEP] = adam_step;
  table[TT_OP_RMSPROP_STEP] = rmsprop_step;
  table[TT_OP_ADAGRAD_STEP] = adagrad_step;
}

TT_ISA_END
