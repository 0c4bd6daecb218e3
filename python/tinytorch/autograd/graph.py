"""The tape. An op that meets an input needing a gradient records a Node on its output: the inputs, the tensors
its backward rule needs (with their versions, so an in-place change is caught), and the rule itself, written in
Tensor ops so that create_graph=True differentiates it again. backward() walks the nodes in reverse topological
order, accumulates into leaves' .grad and frees each node's references unless retain_graph.

The engine imports no op: each rule returns its inputs' gradients in their own shapes (an op that broadcasts an
input sums the gradient back in its own node), and gradients are added with the Tensor's own `+`."""
from ..tensor import Tensor
from .grad_mode import _state, no_grad, enable_grad


class Node:
    # edges: each input's grad_fn when the op ran. A later in-place op gives that tensor a new grad_fn, but this
    # node's gradient still belongs to the history the op read.
    __slots__ = ("inputs", "edges", "rule", "saved", "versions", "out_ref", "hooks", "__weakref__")

    def __init__(self, inputs, rule, saved):
        self.inputs = inputs
        self.edges = tuple(t.grad_fn if t is not None else None for t in inputs)
        self.rule = rule
        self.saved = saved
        self.versions = tuple(t._version[0] for t in saved)
        self.hooks = None

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """(node, 0) per input, as torch's: the input's grad_fn, an AccumulateGrad for a leaf that requires grad,
        None for an input that needs no gradient."""
        return tuple((fn if fn is not None else AccumulateGrad(t) if t is not None else None, 0)
                     for t, fn in zip(self.inputs or (), self.edges or ()))

    def register_hook(self, hook):
        self.hooks = (self.hooks or []) + [hook]

    def __repr__(self):
        return f"<{type(self).__name__}>"


class AccumulateGrad:
    """The end of a path in next_functions: where backward() accumulates into a leaf's .grad (`variable`)."""
    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


_node_types = {}


def _node_type(name):
    cls = _node_types.get(name)
    if cls is None:
        cls = _node_types[name] = type(name, (Node,), {"__slots__": ()})
    return cls


def needs_grad(*xs):
    if not _state["enabled"]:
        return False
    for x in xs:
        if x is not None and getattr(x, "requires_grad", False) is True:
            return True
    return False


def record(out, name, inputs, rule, saved=()):
    """Makes `out` the result of a differentiable op. rule(grad_out, *saved) returns one gradient (or None)
    per input."""
    inputs = tuple(x if isinstance(x, Tensor) and x.requires_grad else None for x in inputs)
    out.grad_fn = _node_type(name)(inputs, rule, tuple(saved))
    out._requires_grad = True
    return out


def _toposort(roots):
    order, seen = [], set()
    for root in roots:
        if root is None or id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for fn in node.edges or ():
                if fn is not None and id(fn) not in seen:
                    stack.append((fn, False))
    return order[::-1]  # outputs first


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, accumulate=True, op="backward"):
    """Propagates grad_outputs from outputs. Leaves get .grad (accumulate) or, for autograd.grad, the gradients
    of `inputs` are returned."""
    grads = {}  # id(node) -> gradient of that node's output
    leaf_grads = {}
    wanted = {id(t): i for i, t in enumerate(inputs)} if inputs is not None else None
    captured = [None] * len(inputs) if inputs is not None else None
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if out.grad_fn is None:
            if wanted is not None and id(out) in wanted:
                captured[wanted[id(out)]] = g
            elif accumulate and out.requires_grad:
                _accumulate(out, g)
            continue
        key = id(out.grad_fn)
        grads[key] = g if key not in grads else grads[key] + g
        roots.append(out.grad_fn)
    order = _toposort(roots)
    with enable_grad() if create_graph else no_grad():
        for node in order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node.rule is None:
                raise RuntimeError(f"{op}(): trying to backward through the graph a second time (or directly access "
                                   f"saved tensors after they have already been freed); pass retain_graph=True to "
                                   f"the first backward() call if you need to")
            for t, v in zip(node.saved, node.versions):
                if t._version[0] != v:
                    raise RuntimeError(f"{op}(): one of the variables needed for gradient computation has been "
                                       f"modified by an inplace operation: {type(node).__name__} needs a tensor of "
                                       f"shape {list(t.shape)} at version {v}, but it is now at version "
                                       f"{t._version[0]}")
            if node.hooks:
                for h in node.hooks:
                    r = h(g)
                    g = g if r is None else r
            in_grads = node.rule(g, *node.saved)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            inputs_of_node, edges = node.inputs, node.edges
            if not retain_graph:
                node.rule = None
                node.saved = ()
                node.inputs = node.edges = None
            for i, (t, fn, ig) in enumerate(zip(inputs_of_node, edges, in_grads)):
                if t is None or ig is None:
                    continue
                if ig._shape != t._shape:
                    raise RuntimeError(f"{op}(): function {type(node).__name__} returned an invalid gradient at index "
                                       f"{i} - got {list(ig._shape)} but expected shape {list(t._shape)}")
                if wanted is not None and id(t) in wanted:
                    k = wanted[id(t)]
                    captured[k] = ig if captured[k] is None else captured[k] + ig
                if fn is not None:
                    key = id(fn)
                    grads[key] = ig if key not in grads else grads[key] + ig
                elif accumulate and wanted is None:
                    leaf_grads[id(t)] = (t, ig if id(t) not in leaf_grads else leaf_grads[id(t)][1] + ig)
    stored = set()
    for t, g in leaf_grads.values():
        _accumulate(t, g, stored)
    return captured


def _accumulate(t, g, stored=None):
    """Adds g into the leaf's .grad, which the leaf then owns alone (in-place edits of one .grad, such as
    clipping, must not reach another tensor's)."""
    for h in t._hooks or ():
        r = h(g)
        g = g if r is None else r
    if g._dtype is not t._dtype:
        g = g.to(t._dtype)
    if t.grad is None:
        shared = g._base is not None or (stored is not None and id(g) in stored)
        t.grad = g.clone() if shared and not g.requires_grad else g
        if stored is not None:
            stored.add(id(t.grad))
    elif g.requires_grad or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        with no_grad():
            t.grad.add_(g)
