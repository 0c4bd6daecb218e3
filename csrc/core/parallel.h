// One thread pool for every CPU kernel. Work is a range [0, n) cut into chunks of at least `grain`;
// the calling thread takes part. A call made from inside a worker, or while another thread owns the pool,
// runs inline, so kernels may nest and several threads may run ops at once.
#pragma once
#include <cstdint>

namespace tt {

void parallel_for_impl(int64_t n, int64_t grain, void (*fn)(void* ctx, int64_t begin, int64_t end), void* ctx);
int32_t num_threads();
void set_num_threads(int32_t n);

}  // namespace tt

#ifndef TT_ISA
#define TT_ISA generic
#endif
namespace tt {
inline namespace TT_ISA {

template <class F>
inline void parallel_for(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  if (n <= grain || num_threads() == 1) {
    f(int64_t(0), n);
    return;
  }
  parallel_for_impl(
      n, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<const F*>(ctx))(b, e); },
      const_cast<F*>(&f));
}

}  // namespace TT_ISA
}  // namespace tt
