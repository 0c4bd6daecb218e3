// Fused optimizer steps: one pass over a parameter tensor reads the gradient and updates the parameter and
// its state in place, element by element through the update rules of opmath/optim.h. The scalar factors are
// computed here in double and rounded to the tensor's dtype, as aten rounds a Python scalar.
//
// Options are template flags, so that a state the options leave unused may alias the parameter: it is never
// touched. Rows whose used operands are all contiguous take a restrict-pointer loop that GCC vectorizes.
#include <cmath>
#include <cstdint>

#include "../opmath/optim.h"
#include "isa.h"
#include "loops.h"

TT_ISA_BEGIN
namespace {

// A chunk moves a few MB through memory: these kernels are bandwidth-bound.
constexpr int64_t kGrain = 1 << 16;

template <bool B>
struct Flag {
  static constexpr bool value = B;
};
// Calls f(Flag<b>{}) so that a runtime option becomes a compile-time one.
template <class F>
inline void branch(bool b, const F& f) {
  if (b) f(Flag<true>{});
  else f(Flag<false>{});
}

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

template <class F>
tt_status with_float(const Call& c, const F& f) {
  switch (c.in[0].dtype) {
    case TT_FLOAT32: f(float{}); return TT_OK;
    case TT_FLOAT64: f(double{}); return TT_OK;
    default:
      return fail(TT_ERR_DTYPE, "%s: takes float32 or float64, not %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
}

// ---- SGD: outputs param, momentum buffer ----

tt_status sgd_step(const Call& c) {
  const tt_sgd_attrs& a = c.attr<tt_sgd_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      auto run = [&](auto mom, auto nesterov, auto first) {
        using K = om::Sgd<T, decltype(wd)::value, decltype(mom)::value, decltype(nesterov)::value, decltype(first)::value>;
        apply<T, 3>(c, K{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.momentum), T(1 - a.dampening), T(-a.lr)});
      };
      if (a.momentum == 0) return run(Flag<false>{}, Flag<false>{}, Flag<false>{});
      branch(a.nesterov, [&](auto nesterov) {
        branch(a.first_step, [&](auto first) { run(Flag<true>{}, nesterov, first); });
      });
    });
  });
}

// ---- Adam / AdamW: outputs param, exp_avg, exp_avg_sq, max_exp_avg_sq ----

tt_status adam_step(const Call& c) {
  const tt_adam_attrs& a = c.attr<tt_adam_attrs>();
  if (a.step < 1) return fail(TT_ERR_INVALID_ARGUMENT, "%s: step must be at least 1, got %lld", tt_op_name(c.op),
                              (long long)a.step);
  double step = double(a.step);
  double bc1 = 1 - std::pow(a.beta1, step), bc2 = 1 - std::pow(a.beta2, step);
  double decay = a.decoupled && a.weight_decay != 0 ? 1 - a.lr * a.weight_decay : 1;
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(!a.decoupled && a.weight_decay != 0, [&](auto wd) {
      branch(a.amsgrad, [&](auto amsgrad) {
        using K = om::Adam<T, decltype(wd)::value, decltype(amsgrad)::value>;
        apply<T, 5>(c, K{T(a.maximize ? -1 : 1), T(decay), T(a.weight_decay), om::Lerp<T>(1 - a.beta1), T(a.beta2),
                         T(1 - a.beta2), T(std::sqrt(bc2)), T(a.eps), T(-(a.lr / bc1))});
      });
    });
  });
}

// ---- RMSprop: outputs param, square_avg, momentum buffer, grad_avg ----

tt_status rmsprop_step(const Call& c) {
  const tt_rmsprop_attrs& a = c.attr<tt_rmsprop_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      branch(a.centered, [&](auto centered) {
        branch(a.momentum > 0, [&](auto mom) {
          using K = om::Rmsprop<T, decltype(wd)::value, decltype(centered)::value, decltype(mom)::value>;
          apply<T, 5>(c, K{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.alpha), T(1 - a.alpha),
                           om::Lerp<T>(1 - a.alpha), T(a.eps), T(a.momentum), T(-a.lr)});
        });
      });
    });
  });
}

// ---- Adagrad: outputs param, state_sum ----

tt_status adagrad_step(const Call& c) {
  const tt_adagrad_attrs& a = c.attr<tt_adagrad_attrs>();
  if (a.step < 1) return fail(TT_ERR_INVALID_ARGUMENT, "%s: step must be at least 1, got %lld", tt_op_name(c.op),
                              (long long)a.step);
  double clr = a.lr / (1 + double(a.step - 1) * a.lr_decay);
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      apply<T, 3>(c, om::Adagrad<T, decltype(wd)::value>{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.eps), T(-clr)});
    });
  });
}

}  // namespace

void register_optim(Kernel* table) {
  table[TT_OP_SGD_STEP] = sgd_step;
  table[TT_OP_ADAM_STEP] = adam_step;
  table[TT_OP_RMSPROP_STEP] = rmsprop_step;
  table[TT_OP_ADAGRAD_STEP] = adagrad_step;
}

TT_ISA_END
