"""Automatic differentiation: the tape (graph.py), grad modes, backward and grad (grads.py), custom Functions,
gradcheck."""
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node, needs_grad, record, run_backward
from .function import Function, FunctionCtx
from .grads import backward, grad
from .check import gradcheck, gradgradcheck

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled", "Node", "needs_grad",
           "record", "run_backward", "Function", "FunctionCtx", "gradcheck", "gradgradcheck", "backward", "grad"]
