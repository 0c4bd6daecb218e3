"""Adadelta, Adamax, NAdam, RAdam and LBFGS: torch's update rules written with tensor ops (no fused kernel).

Options, state names and step counters follow torch 2.13 so that state dicts and programs reading state['step'] carry
over. foreach, capturable and differentiable are accepted and stored (torch keeps them in param_groups) but change
nothing here: they choose among torch's implementations, which all compute the same update.
"""
import math

from .. import _dtype as dt
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.creation import tensor, zeros, zeros_like
from ..ops.shape import cat
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]


# ---- hyper-parameter checks, worded as torch's

def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= float(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(name, value):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


# ---- pieces shared by the per-parameter updates

def _scalar_tensor(value):
    # torch counts steps (and NAdam's mu_product) in a 0-dim tensor of the default float dtype, so the product's
    # float32 rounding is part of the maths
    dtype = dt.float64 if dt.get_default_dtype() is dt.float64 else dt.float32
    return tensor(value, dtype=dtype)


def _next_step(state):
    state["step"].add_(1)
    return state["step"].item()


def _lr(group):
    lr = group["lr"]
    return lr.item() if isinstance(lr, Tensor) else lr


def _gradient(p, grad, group, lr):
    """The gradient the update follows: negated to maximize, plus the L2 term; decoupled decay shrinks p instead."""
    g = grad.neg() if group["maximize"] else grad
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if group.get("decoupled_weight_decay", False):
            p.mul_(1 - lr * weight_decay)
        else:
            g = g.add(p, alpha=weight_decay)
    return g


def _zeros_state(p):
    return zeros_like(p, requires_grad=False)


# ---- first-order methods: Optimizer.step calls _update(p, grad, state, group) for each parameter with a gradient

class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative("epsilon", eps)
        _check_nonnegative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = _scalar_tensor(0.0)
            state["square_avg"] = _zeros_state(p)
            state["acc_delta"] = _zeros_state(p)
        _next_step(state)
        lr, rho, eps = _lr(group), group["rho"], group["eps"]
        g = _gradient(p, grad, group, lr)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
        delta = acc_delta.add(eps).sqrt_().div_(square_avg.add(eps).sqrt_()).mul_(g)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        p.add_(delta, alpha=-lr)


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = _scalar_tensor(0.0)
            state["exp_avg"] = _zeros_state(p)
            state["exp_inf"] = _zeros_state(p)
        step = _next_step(state)
        lr, (beta1, beta2) = _lr(group), group["betas"]
        g = _gradient(p, grad, group, lr)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg.lerp_(g, 1 - beta1)
        exp_inf.mul_(beta2).maximum_(g.abs().add_(group["eps"]))
        p.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1 ** step))


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("momentum_decay", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = _scalar_tensor(0.0)
            state["mu_product"] = _scalar_tensor(1.0)
            state["exp_avg"] = _zeros_state(p)
            state["exp_avg_sq"] = _zeros_state(p)
        step = _next_step(state)
        lr, (beta1, beta2), decay = _lr(group), group["betas"], group["momentum_decay"]
        g = _gradient(p, grad, group, lr)
        # momentum schedule of Dozat's NAdam: mu_t for this step, mu_{t+1} for the look-ahead
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        mu_product = state["mu_product"].mul_(mu).item()
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(g, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        denom = exp_avg_sq.div(1 - beta2 ** step).sqrt_().add_(group["eps"])
        p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
        p.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_betas(betas)
        _check_nonnegative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = _scalar_tensor(0.0)
            state["exp_avg"] = _zeros_state(p)
            state["exp_avg_sq"] = _zeros_state(p)
        step = _next_step(state)
        lr, (beta1, beta2) = _lr(group), group["betas"]
        g = _gradient(p, grad, group, lr)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(g, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg.div(1 - beta1 ** step).mul_(lr)
        # the variance of the adaptive rate is tractable once the SMA length rho_t exceeds 5; before that, plain
        # momentum SGD
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = exp_avg_sq.sqrt().add_(group["eps"]).reciprocal_().mul_(bias_correction2 ** 0.5)
            update.mul_(adaptive).mul_(rect)
        p.sub_(update)


# ---- L-BFGS: one step runs up to max_iter quasi-Newton iterations on the closure, over all parameters as one vector

def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic matching values f and slopes g at x1 and x2, clamped to bounds (default [x1, x2]);
    the bounds' midpoint when the cubic has no minimum."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    discriminant = d1 * d1 - g1 * g2
    if discriminant < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(discriminant)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, low), high)


class _Point:
    """A trial step length t with the loss f, flat gradient g and slope gtd = g.d found there."""
    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search for a step length satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and
    3.6, with minFunc's safeguards). evaluate(t) returns (loss, flat gradient) at x + t d.
    Returns (loss, flat gradient, t, evaluations)."""
    d_norm = d.abs().max().item()
    start = _Point(0, f, g.clone(), gtd)
    f_new, g_new = evaluate(t)
    evals, ls_iter = 1, 0
    new = _Point(t, f_new, g_new, g_new.dot(d).item())
    prev = start
    done = False
    bracket = None

    def too_high(point):  # fails the sufficient-decrease (Armijo) condition
        return point.f > f + c1 * point.t * gtd

    def curvature(point):
        return abs(point.gtd) <= -c2 * gtd

    # bracketing: extrapolate until an interval holds a point satisfying the conditions
    while ls_iter < max_ls:
        if too_high(new) or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        if curvature(new):
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        t = _cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                           bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev = _Point(new.t, new.f, new.g.clone(), new.gtd)
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        new = _Point(t, f_new, g_new, g_new.dot(d).item())
    if ls_iter == max_ls:
        bracket = [start, new]

    # zoom: shrink the bracket around the point satisfying the conditions
    insufficient_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break
        a, b = bracket
        t = _cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        top, bottom = max(a.t, b.t), min(a.t, b.t)
        margin = 0.1 * (top - bottom)
        # a trial hugging an end of the bracket twice in a row (or past it) moves a tenth of the way inside
        if min(top - t, t - bottom) < margin:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        new = _Point(t, f_new, g_new.clone(), g_new.dot(d).item())
        if too_high(new) or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if curvature(new):
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evals


def _copy_lists(value):
    # the history lists are updated in place, so a state dict must hold its own copies
    if isinstance(value, list):
        return [v.clone() if isinstance(v, Tensor) else v for v in value]
    return value


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one flat vector; step(closure) re-evaluates the loss as often as it needs.
    Its state (torch's names: func_evals, n_iter, d, t, old_dirs, old_stps, ro, al, H_diag, prev_flat_grad,
    prev_loss) lives under the first parameter, as in torch; the scalars among it are Python floats."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        # the flat vector and the history cover one set of parameters with one set of options
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ---- the parameters as one flat vector
    def _flat_grad(self):
        return cat([zeros(p.numel(), dtype=p.dtype, device=p.device) if p.grad is None else p.grad.reshape(-1)
                    for p in self._params])

    def _move(self, t, d):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[offset:offset + n].view_as(p), alpha=t)
            offset += n

    def _evaluate_along(self, closure, x, d):
        """f(t) = (loss, flat gradient) at x + t d, leaving the parameters at x."""
        def evaluate(t):
            self._move(t, d)
            loss = float(closure())
            grad = self._flat_grad()
            for p, saved in zip(self._params, x):
                p.copy_(saved)
            return loss, grad
        return evaluate

    @staticmethod
    def _direction(state, flat_grad, history_size):
        """-H grad by the two-loop recursion over the stored (y, s) pairs, after adding the newest pair."""
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = flat_grad.sub(state["prev_flat_grad"])
        s = state["d"].mul(state["t"])  # the previous iteration's step
        ys = y.dot(s).item()
        if ys > 1e-10:  # keep only pairs with positive curvature, so H stays positive definite
            if len(old_dirs) == history_size:
                del old_dirs[0], old_stps[0], ro[0]
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / y.dot(y).item()
        al = state.setdefault("al", [None] * history_size)
        q = flat_grad.neg()
        for i in reversed(range(len(old_dirs))):
            al[i] = old_stps[i].dot(q).item() * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        r = q.mul(state["H_diag"])
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r).item() * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return r

    @no_grad()
    def step(self, closure):
        group = self.param_groups[0]
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError(f"LBFGS.step(): only 'strong_wolfe' is supported, got {group['line_search_fn']!r}")
        closure = enable_grad()(closure)
        lr = _lr(group)
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if flat_grad.abs().max().item() <= tolerance_grad:
            return orig_loss

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                d = self._direction(state, flat_grad, group["history_size"])
            if state.get("prev_flat_grad") is None:
                state["prev_flat_grad"] = flat_grad.clone()
            else:
                state["prev_flat_grad"].copy_(flat_grad)
            prev_loss = state["prev_loss"] = loss

            # the first step ever is scaled by the gradient's size; later ones start from lr
            t = min(1.0, 1.0 / flat_grad.abs().sum().item()) * lr if state["n_iter"] == 1 else lr
            state.update(d=d, t=t)
            gtd = flat_grad.dot(d).item()
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            if group["line_search_fn"] == "strong_wolfe":
                x = [p.clone() for p in self._params]
                loss, flat_grad, t, ls_evals = _strong_wolfe(self._evaluate_along(closure, x, d), t, d, loss,
                                                             flat_grad, gtd, max_ls=max_eval - current_evals)
                state["t"] = t
                self._move(t, d)
                converged = flat_grad.abs().max().item() <= tolerance_grad
            else:
                self._move(t, d)
                ls_evals, converged = 0, False
                if n_iter != max_iter:  # the last iteration's loss would go unused
                    loss = float(closure())
                    flat_grad = self._flat_grad()
                    converged = flat_grad.abs().max().item() <= tolerance_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            if (n_iter == max_iter or current_evals >= max_eval or converged
                    or d.mul(t).abs().max().item() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break
        return orig_loss

    def state_dict(self):
        out = super().state_dict()
        for s in out["state"].values():
            for k, v in s.items():
                s[k] = _copy_lists(v)
        return out

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for s in self.state.values():
            for k, v in s.items():
                s[k] = _copy_lists(v)
