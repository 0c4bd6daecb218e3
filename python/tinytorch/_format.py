"""PyTorch-like printing: tensor([[1., 2.]]), dtype and device shown when they are not the defaults."""
import numpy as np

from . import _dtype as dt

_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    if profile == "full":
        _OPTIONS["threshold"] = float("inf")
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _OPTIONS[k] = v
    _OPTIONS["sci_mode"] = sci_mode


def _float_formatter(values):
    p = _OPTIONS["precision"]
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.{p}f}"
    absv = np.abs(finite)
    nz = absv[absv > 0]
    sci = _OPTIONS["sci_mode"]
    if sci is None:
        sci = nz.size > 0 and (nz.max() >= 1e8 or nz.min() < 1e-4 or nz.max() / nz.min() > 1e3 and nz.max() > 1e4)
    if sci:
        return lambda v: _special(v) or f"{v:.{p}e}"
    if np.all(finite == np.round(finite)):
        return lambda v: _special(v) or f"{v:.0f}."
    return lambda v: _special(v) or f"{v:.{p}f}"


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _body(arr, dtype):
    if dtype.is_floating_point:
        shown = arr if arr.size <= _OPTIONS["threshold"] else _edges(arr)
        fmt = _float_formatter(shown.astype(np.float64).ravel())
    elif dtype is dt.bool_:
        fmt, shown = str, arr
    else:
        fmt, shown = str, arr if arr.size <= _OPTIONS["threshold"] else _edges(arr)
    values = np.asarray(shown).ravel()
    if dtype.is_floating_point:  # torch pads to the widest finite value; nan and inf keep their own width
        finite = values[np.isfinite(values.astype(np.float64))]
        values = finite if finite.size else values
    width = max((len(fmt(v)) for v in values), default=0)
    return np.array2string(arr, separator=", ", prefix="tensor(", threshold=_OPTIONS["threshold"],
                           edgeitems=_OPTIONS["edgeitems"], max_line_width=_OPTIONS["linewidth"],
                           formatter={"all": lambda v: fmt(v).rjust(width)})


def _edges(arr):
    e = _OPTIONS["edgeitems"]
    for ax in range(arr.ndim):
        if arr.shape[ax] > 2 * e:
            arr = np.concatenate([arr.take(range(e), ax), arr.take(range(arr.shape[ax] - e, arr.shape[ax]), ax)], ax)
    return arr


def format_tensor(t):
    src = t if t.dtype is not dt.bfloat16 else t.float()
    arr = src.cpu().numpy()
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.numel() == 0 and t.ndim > 1:
        body = "[]"
        extras.insert(0, f"size={tuple(t.shape)}")
    else:
        body = _body(arr, t.dtype)
    if t.dtype not in (dt.float32, dt.int64, dt.bool_) or (t.numel() == 0 and t.dtype is not dt.float32):
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"
