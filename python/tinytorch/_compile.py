"""tinytorch.compile: accepted with any of torch.compile's options and returning what computes the same thing.
tinytorch has no graph compiler behind this call, so a function comes back as itself (wrapped, so attributes set on
it do not leak) and a Module comes back as an OptimizedModule around it, as torch's does: same parameters, keys
prefixed with "_orig_mod." in state_dict, train/eval reaching the original."""
import functools

from .nn.modules.module import Module

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class OptimizedModule(Module):
    def __init__(self, mod):
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__.get("_modules") or {}
            if "_orig_mod" not in modules:  # still in __init__, or being unpickled
                raise
            return getattr(modules["_orig_mod"], name)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,  # noqa: A001
            disable=False, **kwargs):
    if mode is not None and options is not None:
        raise RuntimeError("compile(): either mode or options can be specified, but both can't be specified at the "
                           "same time.")
    if mode not in _MODES:
        raise RuntimeError(f"compile(): unrecognized mode={mode}, should be one of: "
                           + ", ".join(m for m in _MODES if m))
    if model is None:  # @compile(...) with arguments
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable, **kwargs)
    if not callable(model):
        raise TypeError(f"compile(): a callable function is expected, but {type(model)} is provided.")
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args, **kw):
        return model(*args, **kw)
    return compiled
