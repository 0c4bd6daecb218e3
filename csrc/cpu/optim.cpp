// Fused optimizer steps: one pass over a parameter tensor reads the gradient and updates the parameter and
// its state in place. The per-element maths follows PyTorch 2.x's single-tensor (foreach=False) path
// operation by operation, with its scalar factors computed in double and rounded to the tensor's dtype as
// aten rounds a Python scalar, so that long runs track torch.optim closely.
//
// Which state an option reads or writes is fixed at compile time (template flags), so that a state the
// options leave unused may alias the parameter: it is never touched. Everything else is a loop-invariant
// scalar. Rows whose used operands are all contiguous take a restrict-pointer loop that GCC vectorizes.
#include <cmath>
#include <cstdint>

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

// torch's lerp: start + w*(end-start) for |w| < 0.5, else end - (end-start)*(1-w). Both are written as
// base + coeff*(end-start), as aten's vectorized lerp does, with base and coeff fixed for the whole tensor.
template <class T>
struct Lerp {
  T coeff;
  bool from_start;
  explicit Lerp(double weight) {
    T w = T(weight);
    from_start = std::fabs(w) < T(0.5);
    coeff = from_start ? w : w - T(1);
  }
  T operator()(T start, T end) const { return (from_start ? start : end) + coeff * (end - start); }
};

template <class T>
inline T maximum(T a, T b) {  // propagates NaN, as torch.maximum
  return (a > b || a != a) ? a : b;
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

template <class T, bool WD, bool MOM, bool NESTEROV, bool FIRST>
struct Sgd {
  static constexpr int kUses = MOM ? 0b11 : 0b01;
  T sign, wd, momentum, one_minus_dampening, neg_lr;
  void operator()(T g, T& p, T& buf, T&, T&) const {
    T d = g * sign;
    if (WD) d = d + wd * p;  // grad.add(param, alpha=wd)
    if (MOM) {
      if (FIRST) {
        buf = d;
      } else {
        buf = buf * momentum;  // buf.mul_(momentum).add_(grad, alpha=1-dampening)
        buf = buf + one_minus_dampening * d;
      }
      d = NESTEROV ? d + momentum * buf : buf;
    }
    p = p + neg_lr * d;  // param.add_(grad, alpha=-lr)
  }
};

tt_status sgd_step(const Call& c) {
  const tt_sgd_attrs& a = c.attr<tt_sgd_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      auto run = [&](auto mom, auto nesterov, auto first) {
        using K = Sgd<T, decltype(wd)::value, decltype(mom)::value, decltype(nesterov)::value, decltype(first)::value>;
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

template <class T, bool WD, bool AMSGRAD>
struct Adam {
  static constexpr int kUses = AMSGRAD ? 0b1111 : 0b0111;
  T sign, decay, wd;
  Lerp<T> lerp;
  T beta2, one_minus_beta2, bc2_sqrt, eps, neg_step_size;
  void operator()(T g, T& p, T& m, T& v, T& vmax) const {
    g = g * sign;
    p = p * decay;            // AdamW: param.mul_(1 - lr*wd); 1 otherwise
    if (WD) g = g + wd * p;   // Adam: grad.add(param, alpha=wd)
    m = lerp(m, g);           // exp_avg.lerp_(grad, 1-beta1)
    v = v * beta2;            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    v = v + one_minus_beta2 * g * g;
    T second = v;
    if (AMSGRAD) second = vmax = maximum(vmax, v);
    T denom = std::sqrt(second) / bc2_sqrt + eps;
    p = p + neg_step_size * m / denom;  // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
};

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
        using K = Adam<T, decltype(wd)::value, decltype(amsgrad)::value>;
        apply<T, 5>(c, K{T(a.maximize ? -1 : 1), T(decay), T(a.weight_decay), Lerp<T>(1 - a.beta1), T(a.beta2),
                         T(1 - a.beta2), T(std::sqrt(bc2)), T(a.eps), T(-(a.lr / bc1))});
      });
    });
  });
}

// ---- RMSprop: outputs param, square_avg, momentum buffer, grad_avg ----

template <class T, bool WD, bool CENTERED, bool MOM>
struct Rmsprop {
  static constexpr int kUses = 0b0011 | (MOM ? 0b0100 : 0) | (CENTERED ? 0b1000 : 0);
  T sign, wd, alpha, one_minus_alpha;
  Lerp<T> lerp;
  T eps, momentum, neg_lr;
  void operator()(T g, T& p, T& sq, T& buf, T& ga) const {
    g = g * sign;
    if (WD) g = g + wd * p;
    sq = sq * alpha;  // square_avg.mul_(alpha).addcmul_(grad, grad, value=1-alpha)
    sq = sq + one_minus_alpha * g * g;
    T avg;
    if (CENTERED) {
      ga = lerp(ga, g);  // grad_avg.lerp_(grad, 1-alpha); square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      avg = std::sqrt(sq + T(-1) * ga * ga);
    } else {
      avg = std::sqrt(sq);
    }
    avg = avg + eps;
    if (MOM) {
      buf = buf * momentum;  // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
      buf = buf + g / avg;
      p = p + neg_lr * buf;
    } else {
      p = p + neg_lr * g / avg;  // param.addcdiv_(grad, avg, value=-lr)
    }
  }
};

tt_status rmsprop_step(const Call& c) {
  const tt_rmsprop_attrs& a = c.attr<tt_rmsprop_attrs>();
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      branch(a.centered, [&](auto centered) {
        branch(a.momentum > 0, [&](auto mom) {
          using K = Rmsprop<T, decltype(wd)::value, decltype(centered)::value, decltype(mom)::value>;
          apply<T, 5>(c, K{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.alpha), T(1 - a.alpha),
                           Lerp<T>(1 - a.alpha), T(a.eps), T(a.momentum), T(-a.lr)});
        });
      });
    });
  });
}

// ---- Adagrad: outputs param, state_sum ----

template <class T, bool WD>
struct Adagrad {
  static constexpr int kUses = 0b11;
  T sign, wd, eps, neg_clr;
  void operator()(T g, T& p, T& sum, T&, T&) const {
    g = g * sign;
    if (WD) g = g + wd * p;
    sum = sum + g * g;  // state_sum.addcmul_(grad, grad, value=1)
    T denom = std::sqrt(sum) + eps;
    p = p + neg_clr * g / denom;  // param.addcdiv_(grad, std, value=-clr)
  }
};

tt_status adagrad_step(const Call& c) {
  const tt_adagrad_attrs& a = c.attr<tt_adagrad_attrs>();
  if (a.step < 1) return fail(TT_ERR_INVALID_ARGUMENT, "%s: step must be at least 1, got %lld", tt_op_name(c.op),
                              (long long)a.step);
  double clr = a.lr / (1 + double(a.step - 1) * a.lr_decay);
  return with_float(c, [&](auto zero) {
    using T = decltype(zero);
    branch(a.weight_decay != 0, [&](auto wd) {
      apply<T, 3>(c, Adagrad<T, decltype(wd)::value>{T(a.maximize ? -1 : 1), T(a.weight_decay), T(a.eps), T(-clr)});
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
