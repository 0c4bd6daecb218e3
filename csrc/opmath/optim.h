// The per-element update rules of the fused optimizer steps, called once per parameter element by the CPU's
// kernel loop (cpu/optim.cpp) and by any device kernel alike. They follow PyTorch 2.x's single-tensor
// (foreach=False) path operation by operation, with the scalar factors computed in double by the caller and
// rounded to the tensor's dtype as aten rounds a Python scalar, so that long runs track torch.optim closely.
//
// Each functor is f(g, s0, s1, s2, s3): g the gradient, s0..s3 the parameter and its states, updated in place.
// Which state an option reads or writes is fixed at compile time (template flags) and listed in kUses (bit k:
// s_k), so that a state the options leave unused may alias the parameter: it is never touched.
#pragma once
#include "binary.h"

TT_OPMATH_BEGIN

// torch's lerp: start + w*(end-start) for |w| < 0.5, else end - (end-start)*(1-w). Both are written as
// base + coeff*(end-start), as aten's vectorized lerp does, with base and coeff fixed for the whole tensor.
template <class T>
struct Lerp {
  T coeff;
  bool from_start;
#if !defined(TT_OPMATH_NO_DOUBLE)  // built by the host, which hands the functor to the kernel
  explicit Lerp(double weight) {
    T w = T(weight);
    from_start = fabs(w) < T(0.5);
    coeff = from_start ? w : w - T(1);
  }
#endif
  TT_HD T operator()(T start, T end) const { return (from_start ? start : end) + coeff * (end - start); }
};

// ---- SGD: outputs param, momentum buffer ----

template <class T, bool WD, bool MOM, bool NESTEROV, bool FIRST>
struct Sgd {
  static constexpr int kUses = MOM ? 0b11 : 0b01;
  T sign, wd, momentum, one_minus_dampening, neg_lr;
  TT_HD void operator()(T g, T& p, T& buf, T&, T&) const {
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

// ---- Adam / AdamW: outputs param, exp_avg, exp_avg_sq, max_exp_avg_sq ----

template <class T, bool WD, bool AMSGRAD>
struct Adam {
  static constexpr int kUses = AMSGRAD ? 0b1111 : 0b0111;
  T sign, decay, wd;
  Lerp<T> lerp;
  T beta2, one_minus_beta2, bc2_sqrt, eps, neg_step_size;
  TT_HD void operator()(T g, T& p, T& m, T& v, T& vmax) const {
    g = g * sign;
    p = p * decay;            // AdamW: param.mul_(1 - lr*wd); 1 otherwise
    if (WD) g = g + wd * p;   // Adam: grad.add(param, alpha=wd)
    m = lerp(m, g);           // exp_avg.lerp_(grad, 1-beta1)
    v = v * beta2;            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    v = v + one_minus_beta2 * g * g;
    T second = v;
    if (AMSGRAD) second = vmax = Maximum{}(vmax, v);
    T denom = sqrt(second) / bc2_sqrt + eps;
    p = p + neg_step_size * m / denom;  // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
};

// ---- RMSprop: outputs param, square_avg, momentum buffer, grad_avg ----

template <class T, bool WD, bool CENTERED, bool MOM>
struct Rmsprop {
  static constexpr int kUses = 0b0011 | (MOM ? 0b0100 : 0) | (CENTERED ? 0b1000 : 0);
  T sign, wd, alpha, one_minus_alpha;
  Lerp<T> lerp;
  T eps, momentum, neg_lr;
  TT_HD void operator()(T g, T& p, T& sq, T& buf, T& ga) const {
    g = g * sign;
    if (WD) g = g + wd * p;
    sq = sq * alpha;  // square_avg.mul_(alpha).addcmul_(grad, grad, value=1-alpha)
    sq = sq + one_minus_alpha * g * g;
    T avg;
    if (CENTERED) {
      ga = lerp(ga, g);  // grad_avg.lerp_(grad, 1-alpha); square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      avg = sqrt(sq + T(-1) * ga * ga);
    } else {
      avg = sqrt(sq);
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

// ---- Adagrad: outputs param, state_sum ----

template <class T, bool WD>
struct Adagrad {
  static constexpr int kUses = 0b11;
  T sign, wd, eps, neg_clr;
  TT_HD void operator()(T g, T& p, T& sum, T&, T&) const {
    g = g * sign;
    if (WD) g = g + wd * p;
    sum = sum + g * g;  // state_sum.addcmul_(grad, grad, value=1)
    T denom = sqrt(sum) + eps;
    p = p + neg_clr * g / denom;  // param.addcdiv_(grad, std, value=-clr)
  }
};

TT_OPMATH_END
