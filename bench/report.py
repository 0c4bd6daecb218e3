"""Figures and how they are shown: the table printed after a run and the JSON written by --json."""
import json
import math
from dataclasses import dataclass

LIBRARIES = ("tinytorch", "numpy", "torch")
PEERS = LIBRARIES[1:]


@dataclass(frozen=True)
class Value:
    """One library's figure in the figure's unit: median and the interquartile range (low, high) of the samples."""
    median: float
    low: float
    high: float
    samples: int


def throughput(work, stat):
    """work / seconds (quartiles swap: the slow sample is the low one)."""
    return Value(work / stat.median, work / stat.q3, work / stat.q1, stat.n)


def duration(scale, stat):
    return Value(stat.median * scale, stat.q1 * scale, stat.q3 * scale, stat.n)


@dataclass
class Figure:
    name: str
    unit: str
    values: dict                 # library -> Value (absent: the library has no such op)
    higher_is_better: bool
    limit: str = None            # the machine limit (limits.py) it is a fraction of
    target: object = None        # targets.Target
    note: str = ""
    section: str = ""

    def median(self, lib):
        v = self.values.get(lib)
        return v.median if v is not None else None

    def ratio(self):
        """tinytorch against the best peer, > 1 when tinytorch is better: tt / best for throughputs, best / tt for
        times and sizes."""
        tt = self.median("tinytorch")
        peers = [m for m in map(self.median, PEERS) if m is not None]
        if tt is None or not peers or tt == 0:
            return None
        return tt / max(peers) if self.higher_is_better else min(peers) / tt

    def fraction(self, limits):
        tt, limit = self.median("tinytorch"), limits.get(self.limit) if self.limit else None
        return tt / limit if tt is not None and limit else None

    def met(self, limits):
        return self.target.met(self, limits) if self.target else None


def _num(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def _cell(v):
    if v is None:
        return "-"
    spread = (v.high - v.low) / 2 / v.median * 100 if v.median else 0
    return f"{_num(v.median)} ±{spread:.0f}%" if v.samples > 1 else _num(v.median)


_MET = {True: "met", False: "MISSED", None: "n/a"}
_COLUMNS = (("figure", 0), ("unit", 7), ("tinytorch", 13), ("numpy", 13), ("torch", 13), ("tt/best", 7),
            ("of limit", 8), ("target", 32), ("", 6))


def _line(cells, name_width):
    widths = [name_width] + [w for _, w in _COLUMNS[1:]]
    return " ".join(f"{c:<{w}}" if i in (0, 1, 7) else f"{c:>{w}}" for i, (c, w) in enumerate(
        zip(cells, widths))).rstrip()


def table(figures, limits, seconds):
    """The figures grouped by section; seconds: {section: how long it took}."""
    width = max(len(f.name) for f in figures)
    lines = [_line([name for name, _ in _COLUMNS], width)]
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            lines.append(f"-- {section} ({seconds[section]:.1f} s)")
        frac = f.fraction(limits)
        lines.append(_line([f.name, f.unit, *(_cell(f.values.get(lib)) for lib in LIBRARIES), _num(f.ratio()),
                            f"{frac:.0%}" if frac is not None else "-",
                            f.target.text if f.target else "", _MET[f.met(limits)] if f.target else ""], width))
        if f.note:
            lines.append(f"   {f.note}")
    return "\n".join(lines)


def _value_json(v):
    return None if v is None else {"median": v.median, "q1": v.low, "q3": v.high, "samples": v.samples}


def figure_json(f, limits):
    return {"name": f.name, "section": f.section, "unit": f.unit, "higher_is_better": f.higher_is_better,
            **{lib: _value_json(f.values.get(lib)) for lib in LIBRARIES},
            "ratio": f.ratio(), "limit": f.limit, "fraction_of_limit": f.fraction(limits),
            "target": f.target.text if f.target else None, "met": f.met(limits), "note": f.note or None}


def write_json(path, header, limits, figures):
    doc = {"header": header, "limits": limits, "figures": [figure_json(f, limits) for f in figures]}
    with open(path, "w") as out:
        json.dump(doc, out, indent=1, allow_nan=False)  # strict JSON: a missing number is null
        out.write("\n")
