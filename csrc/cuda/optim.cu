// Fused optimizer steps on CUDA: one thread per element runs the update rule of opmath/optim.h, chosen and set
// up by opmath/optim_host.h exactly as on the CPU, over views of any strides.
#include "../opmath/optim_host.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// N views: the gradient, then the step's outputs (the parameter first). A two-output step sees the parameter
// again in the spare slots, which its functor never touches (kUses).
template <class T, int N, class K>
__global__ void step_kernel(const T* g, T* s0, T* s1, T* s2, T* s3, Layout<N> l, int64_t n, K k) {
  constexpr int spare2 = N == 5 ? 3 : 1, spare3 = N == 5 ? 4 : 1;
  TT_GRID_STRIDE(i, n) {
    int64_t off[N];
    offsets(l, i, off);
    k(g[off[0]], s0[off[1]], s1[off[2]], s2[off[spare2]], s3[off[spare3]]);
  }
}

struct Launch {
  const Call& c;
  template <class S, class K>
  void operator()(S, const K& k) const {
    using T = typename S::type;
    constexpr int N = S::outputs + 1;
    const tt_view* views[N];
    views[0] = &c.in[0];
    for (int j = 1; j < N; ++j) views[j] = &c.out[j - 1];
    T* out[4];
    for (int j = 0; j < 4; ++j) out[j] = data_ptr<T>(c.out[j < S::outputs ? j : 0]);
    int64_t n = numel(c.in[0]);
    if (n)
      step_kernel<T, N, K><<<blocks_for(n), kThreads>>>(data_ptr<const T>(c.in[0]), out[0], out[1], out[2], out[3],
                                                        make_layout(views), n, k);
  }
};

template <tt_status (*step)(const Call&, const Launch&)>
tt_status run(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  if (tt_status s = step(c, Launch{c})) return s;
  return launched(c);
}

}  // namespace

void register_optim(Kernel* t) {
  t[TT_OP_SGD_STEP] = run<om::sgd_step<Launch>>;
  t[TT_OP_ADAM_STEP] = run<om::adam_step<Launch>>;
  t[TT_OP_RMSPROP_STEP] = run<om::rmsprop_step<Launch>>;
  t[TT_OP_ADAGRAD_STEP] = run<om::adagrad_step<Launch>>;
}

}  // namespace cu
}  // namespace tt
