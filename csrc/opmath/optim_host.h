// The host side of the fused optimizer steps, shared by every backend: each step's scalar factors, computed in
// double from its attrs and rounded to the tensor's dtype as aten rounds a Python scalar, and the choice of the
// opmath/optim.h functor its options make. A backend passes `apply`, which runs the functor over the tensors:
// apply(Step<T, outputs>{}, functor). Only that loop (a CPU row walk, a CUDA grid) differs per backend.
//
// Options are template flags, so that a state the options leave unused may alias the parameter: it is never
// touched.
#pragma once
#include <cmath>

#include "../core/internal.h"
#include "optim.h"

TT_OPMATH_BEGIN

template <class T, int N>
struct Step {
  using type = T;
  static constexpr int outputs = N;
};

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

template <class Apply>
tt_status sgd_step(const Call& c, const Apply& apply) {
  const tt_sgd_attrs& a = c.attr<tt_sgd_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      auto run = [&](auto mom, auto nesterov, auto first) {
        using K = om::Sgd<T, decltype(wd)::value, decltype(mom)::value, decltype(nesterov)::value, decltype(first)::value>;
        apply(Step<T, 2>{}, K{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.momentum), T(1 - a.dampening), T(-a.lr)});
      };
      if (a.momentum == 0) return run(Flag<false>{}, Flag<false>{}, Flag<false>{});
      branch(a.nesterov, [&](auto nesterov) {
        branch(a.first_step, [&](auto first) { run(Flag<true>{}, nesterov, first); });
      });
    });
  });
}

// ---- Adam / AdamW: outputs param, exp_avg, exp_avg_sq, max_exp_avg_sq ----

template <class Apply>
tt_status adam_step(const Call& c, const Apply& apply) {
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
        apply(Step<T, 4>{}, K{T(a.maximize ? -1 : 1), T(decay), T(a.weight_decay), om::Lerp<T>(1 - a.beta1), T(a.beta2),
                         T(1 - a.beta2), T(std::sqrt(bc2)), T(a.eps), T(-(a.lr / bc1))});
      });
    });
  });
}

// ---- RMSprop: outputs param, square_avg, momentum buffer, grad_avg ----

template <class Apply>
tt_status rmsprop_step(const Call& c, const Apply& apply) {
  const tt_rmsprop_attrs& a = c.attr<tt_rmsprop_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      branch(a.centered, [&](auto centered) {
        branch(a.momentum > 0, [&](auto mom) {
          using K = om::Rmsprop<T, decltype(wd)::value, decltype(centered)::value, decltype(mom)::value>;
          apply(Step<T, 4>{}, K{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.alpha), T(1 - a.alpha),
                           om::Lerp<T>(1 - a.alpha), T(a.eps), T(a.momentum), T(-a.lr)});
        });
      });
    });
  });
}

// ---- Adagrad: outputs param, state_sum ----

template <class Apply>
tt_status adagrad_step(const Call& c, const Apply& apply) {
  const tt_adagrad_attrs& a = c.attr<tt_adagrad_attrs>();
  if (a.step < 1) return fail(TT_ERR_INVALID_ARGUMENT, "%s: step must be at least 1, got %lld", tt_op_name(c.op),
                              (long long)a.step);
  double clr = a.lr / (1 + double(a.step - 1) * a.lr_decay);
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      apply(Step<T, 2>{}, om::Adagrad<T, decltype(wd)::value>{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.eps), T(-clr)});
    });
  });
}

TT_OPMATH_END
