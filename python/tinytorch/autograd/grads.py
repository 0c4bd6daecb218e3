"""backward() and grad(): the entry points that seed the output gradients and run the tape."""
from ..tensor import Tensor
from .graph import run_backward


# Tensors are made here through the Tensor's own methods (new_ones, new_tensor, new_zeros): the tape imports no op.
def _grads_for(outputs, grad_outputs, op):
    out = []
    for t, g in zip(outputs, grad_outputs):
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(f"{op}(): grad can be implicitly created only for scalar outputs, got shape "
                                   f"{list(t.shape)}; pass a gradient")
            g = t.new_ones(t.shape, requires_grad=False)
        elif not isinstance(g, Tensor):
            g = t.new_tensor(g)
        if g.shape != t.shape:
            raise RuntimeError(f"{op}(): gradient of shape {list(g.shape)} does not match output shape "
                               f"{list(t.shape)}")
        out.append(g)
    return out


def _as_list(x):
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    tensors = _as_list(tensors)
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError("backward(): element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _grads_for(tensors, [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors),
                       "backward")
    retain = create_graph if retain_graph is None else retain_graph
    run_backward(tensors, grads, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad(): one of the differentiated tensors does not require grad")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad(): one of the differentiated outputs does not require grad")
    grads = _grads_for(outputs, [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs), "grad")
    retain = create_graph if retain_graph is None else retain_graph
    result = run_backward(outputs, grads, retain, create_graph, inputs=inputs, accumulate=False, op="grad")
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                result[i] = t.new_zeros(t.shape, requires_grad=False)
            elif not allow_unused:
                raise RuntimeError("grad(): one of the differentiated tensors appears to not have been used in the "
                                   "graph; set allow_unused=True if this is the desired behavior")
    return tuple(result)
