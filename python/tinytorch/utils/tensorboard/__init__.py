"""tinytorch.utils.tensorboard: SummaryWriter with torch's calls, writing a plain local log instead of TensorBoard's
protobuf events: one JSON object a line in <log_dir>/events.<time>.<host><suffix>.jsonl, each with its kind, tag,
value, step and wall_time. It is readable with any JSON tool and needs no TensorBoard install."""
import datetime
import json
import os
import socket
import time
import warnings

import numpy as np

_UNRECORDED = ("add_image", "add_images", "add_figure", "add_graph", "add_embedding", "add_audio", "add_video",
               "add_pr_curve", "add_mesh", "add_custom_scalars")


def _number(value):
    """A float from a Python or NumPy number or a one-element tensor, as torch's add_scalar takes."""
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


class SummaryWriter:
    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if log_dir is None:
            stamp = datetime.datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        name = f"events.{int(time.time())}.{socket.gethostname()}{filename_suffix}.jsonl"
        self._file = open(os.path.join(self.log_dir, name), "a", encoding="utf-8")
        self._queue = []
        self._max_queue, self._flush_secs = max_queue, flush_secs
        self._last_flush = time.monotonic()
        self._warned = set()

    def get_logdir(self):
        return self.log_dir

    def _record(self, kind, tag, value, step, walltime):
        if self._file is None:
            raise RuntimeError(f"SummaryWriter.{kind}: the writer for {self.log_dir!r} is closed")
        self._queue.append({"kind": kind, "tag": tag, "value": value, "step": None if step is None else int(step),
                            "wall_time": time.time() if walltime is None else float(walltime)})
        if len(self._queue) >= self._max_queue or time.monotonic() - self._last_flush >= self._flush_secs:
            self.flush()

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        self._record("scalar", tag, _number(scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Each entry as its own series, tagged main_tag/name (torch writes each to a subdirectory)."""
        walltime = time.time() if walltime is None else walltime
        for name, value in tag_scalar_dict.items():
            self._record("scalar", f"{main_tag}/{name}", _number(value), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._record("text", tag, str(text_string), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Recorded as a summary (count, min, max, mean, std) rather than buckets."""
        a = np.asarray(values.detach().numpy() if hasattr(values, "detach") else values, dtype=np.float64)
        summary = {"count": int(a.size), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()),
                   "std": float(a.std())} if a.size else {"count": 0}
        self._record("histogram", tag, summary, global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        value = {"hparams": {k: v if isinstance(v, (bool, int, float, str)) else str(v)
                             for k, v in hparam_dict.items()},
                 "metrics": {k: _number(v) for k, v in metric_dict.items()}}
        self._record("hparams", run_name or "hparams", value, global_step, None)

    def flush(self):
        if self._file is None:
            return
        for event in self._queue:
            self._file.write(json.dumps(event) + "\n")
        self._queue.clear()
        self._file.flush()
        self._last_flush = time.monotonic()

    def close(self):
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self.close()


def _unrecorded(name):
    def skip(self, *args, **kwargs):
        if name not in self._warned:
            self._warned.add(name)
            warnings.warn(f"SummaryWriter.{name}(): not recorded; tinytorch's log keeps scalars, text, histogram "
                          "summaries and hparams", UserWarning, stacklevel=2)
    skip.__name__ = name
    return skip


for _name in _UNRECORDED:  # accepted so that scripts run; only warned about once per writer
    setattr(SummaryWriter, _name, _unrecorded(_name))

__all__ = ["SummaryWriter"]
