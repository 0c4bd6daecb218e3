"""Whether ops record the graph: no_grad, enable_grad, inference_mode, set_grad_enabled (contexts and decorators)."""
import functools

_state = {"enabled": True}


def is_grad_enabled():
    return _state["enabled"]


class _Mode:
    mode = True

    def __init__(self, mode=None):
        if mode is not None:
            self.mode = bool(mode)
            self._prev = _state["enabled"]
            _state["enabled"] = self.mode  # set_grad_enabled(False) works as a plain call too

    def __enter__(self):
        self._prev = _state["enabled"]
        _state["enabled"] = self.mode
        return self

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode) if type(self) is set_grad_enabled else type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Mode):
    mode = False

    def __init__(self):
        pass


class enable_grad(_Mode):
    mode = True

    def __init__(self):
        pass


class inference_mode(_Mode):
    def __init__(self, mode=True):
        self.mode = not mode


class set_grad_enabled(_Mode):
    pass
