"""GradScaler: loss scaling for mixed-precision training, with torch's rules: scale the loss, unscale the gradients
before stepping, skip the step when a gradient is inf/nan, then back the scale off (or grow it after a run of
clean steps). The scale is a float32 value held as a Python float, so no tensor is made per step."""
import warnings
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


def _f32(x):
    """x rounded to float32, as torch's scale tensor stores it."""
    return float(np.float32(x))


def _fresh_state():
    return {"stage": _READY, "found_inf": None}


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if not self._enabled:
            return
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale = None  # set by the first scale(), as torch's lazily made tensor
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer = {}

    def is_enabled(self):
        return self._enabled

    # ---- the training-step calls
    def scale(self, outputs):
        """outputs (a tensor, or a list/tuple/iterable of them, nested) times the scale, in the same structure."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = _f32(self._init_scale)
        return self._apply_scale(outputs)

    def _apply_scale(self, value):
        if isinstance(value, Tensor):
            return value * self._scale
        if isinstance(value, Iterable):
            scaled = map(self._apply_scale, value)
            return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
        raise ValueError("GradScaler.scale(): outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), _fresh_state())

    def _require_scale(self, op):
        if self._scale is None:
            raise AssertionError(f"Attempted {op} but _scale is None.  This may indicate your script did not use "
                                 "scaler.scale(loss or outputs) earlier in the iteration.")

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, in place, and note whether any is inf/nan."""
        if not self._enabled:
            return
        self._require_scale("unscale_")
        state = self._state(optimizer)
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = _f32(1.0 / self._scale)
        found_inf = None
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.dtype.name == "float16":
                    raise ValueError("Attempting to unscale FP16 gradients.")
                found_inf = bool(found_inf) or not bool(p.grad.isfinite().all())
                p.grad.mul_(inv_scale)
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(), unless a gradient was inf/nan this iteration (then None and the weights keep)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._require_scale("step")
        state = self._state(optimizer)
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Set the scale for the next iteration: new_scale if given, else back off after an inf/nan, or grow after
        growth_interval clean iterations in a row."""
        if not self._enabled:
            return
        self._require_scale("update")
        if new_scale is not None:
            self._scale = self._checked_new_scale(new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._update_scale(any(found))
        self._per_optimizer = {}

    def _checked_new_scale(self, new_scale):
        if isinstance(new_scale, float):
            return _f32(new_scale)
        if (not isinstance(new_scale, Tensor) or new_scale.device.type != self._device or new_scale.numel() != 1
                or new_scale.requires_grad):
            raise AssertionError("new_scale should be a float or a 1-element FloatTensor with requires_grad=False.")
        return _f32(new_scale.item())

    def _update_scale(self, found_inf):
        if found_inf:
            self._scale = _f32(self._scale * self._backoff_factor)
            self._growth_tracker = 0
            return
        self._growth_tracker += 1
        if self._growth_tracker == self._growth_interval:
            grown = _f32(self._scale * self._growth_factor)
            if np.isfinite(grown):
                self._scale = grown
            self._growth_tracker = 0

    # ---- settings and checkpoints
    def get_scale(self):
        if not self._enabled:
            return 1.0
        return _f32(self._init_scale) if self._scale is None else self._scale

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = _f32(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]
