"""gradcheck: analytical gradients against central finite differences (use float64 inputs)."""
import numpy as np

from ..tensor import Tensor
from .grads import grad


def _perturb_outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, tuple) else (out,)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """Checks d fn(inputs) / d inputs for every input that requires grad, by central differences."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outputs = _perturb_outputs(fn, inputs)
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor) or not out.requires_grad:
            continue
        n_out = out.numel()
        for i in diff:
            x = inputs[i]
            analytic = np.zeros((x.numel(), n_out))
            numeric = np.zeros((x.numel(), n_out))
            for j in range(n_out):  # one row of the Jacobian per output element
                g = np.zeros(n_out, dtype=out.dtype.np)
                g[j] = 1
                (gx,) = grad(out, x, out.new_tensor(g.reshape(out.shape)), retain_graph=True,
                             allow_unused=True)
                if gx is not None:
                    analytic[:, j] = gx.detach().numpy().ravel()
            flat = x.detach().numpy().reshape(-1) if x.is_contiguous() else None
            if flat is None:
                raise ValueError("gradcheck(): inputs must be contiguous")
            for m in range(x.numel()):
                orig = flat[m]
                flat[m] = orig + eps
                plus = _perturb_outputs(fn, inputs)[k].detach().numpy().astype(np.float64).ravel()
                flat[m] = orig - eps
                minus = _perturb_outputs(fn, inputs)[k].detach().numpy().astype(np.float64).ravel()
                flat[m] = orig
                numeric[m] = (plus - minus) / (2 * eps)
            if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
                if raise_exception:
                    worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape)
                    raise RuntimeError(f"gradcheck(): Jacobian mismatch for output {k} with respect to input {i}: "
                                       f"analytical {analytic[worst]:.6g} vs numerical {numeric[worst]:.6g} at "
                                       f"{worst}")
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """Checks the gradient of the gradient: gradcheck of x -> d(sum(fn(x) * v))/dx with create_graph=True."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    outs = _perturb_outputs(fn, inputs)
    rng = np.random.default_rng(0)
    vs = grad_outputs or tuple(o.new_tensor(rng.standard_normal(o.shape)) for o in outs)

    def first_derivative(*xs):
        ys = _perturb_outputs(fn, xs)
        gs = grad(list(ys), [x for x in xs if isinstance(x, Tensor) and x.requires_grad], list(vs),
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, inputs, eps, atol, rtol, raise_exception) if diff else True
