"""Whether ops record the graph: no_grad, enable_grad, inference_mode, set_grad_enabled (contexts and decorators)."""
import functools

_state = {"enabled": True}


def is_grad_enabled():
    return _state["enabled"]


class _Mode:
    """A context manager and decorator that sets grad mode to self.mode for its extent."""
    mode = True

    def __enter__(self):
        self._prev = _state["enabled"]
        _state["enabled"] = self.mode
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def _clone(self):
        return type(self)()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._clone():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Mode):
    mode = False


class enable_grad(_Mode):
    mode = True


class inference_mode(_Mode):
    def __init__(self, mode=True):
        self.mode = not mode

    def _clone(self):
        return inference_mode(not self.mode)


class set_grad_enabled(_Mode):
    """Takes effect when made, as in torch, so that set_grad_enabled(False) also works as a plain call."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _state["enabled"]
        _state["enabled"] = self.mode

    def __enter__(self):
        return self

    def _clone(self):
        return _Scoped(self.mode)

    def __call__(self, fn):
        _state["enabled"] = self._prev  # used as a decorator: applies only inside the function
        return super().__call__(fn)


class _Scoped(_Mode):
    def __init__(self, mode):
        self.mode = mode
