"""torch.autograd.Function: user-defined ops with a forward and a backward on the same tape."""
from ..tensor import Tensor
from .grad_mode import no_grad
from .graph import needs_grad, record


class FunctionCtx:
    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        pass


class Function:
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass defines forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass defines backward(ctx, grad)")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        if needs_grad(*tensor_args):
            shapes = [a._shape if a is not None else None for a in tensor_args]

            def rule(g):
                grads = cls.backward(ctx, g)
                grads = grads if isinstance(grads, tuple) else (grads,)
                return tuple(_summed_back(grads[i], shapes[i]) if i < len(grads) else None for i in range(len(args)))
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable:
                    record(o, cls.__name__ + "Backward", tensor_args, rule)
                    break  # one differentiable output per node
        return out


def _summed_back(grad, shape):
    """A user's backward may return a gradient broadcast over its input, which torch's engine sums back; ours
    expects each rule to return its inputs' own shapes, so that sum is done here (anything else is left for the
    engine to refuse)."""
    if grad is None or shape is None or grad._shape == shape:
        return grad
    lead = len(grad._shape) - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, grad._shape[lead:])):
        return grad
    return grad.sum_to_size(shape)
