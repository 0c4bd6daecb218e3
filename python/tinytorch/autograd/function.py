"""torch.autograd.Function: user-defined ops with a forward and a backward on the same tape."""
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
        from ..tensor import Tensor
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        if needs_grad(*tensor_args):
            def rule(g):
                grads = cls.backward(ctx, g)
                grads = grads if isinstance(grads, tuple) else (grads,)
                return tuple(grads[i] if i < len(grads) else None for i in range(len(args)))
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable:
                    record(o, cls.__name__ + "Backward", tensor_args, rule)
                    break  # one differentiable output per node
        return out
