"""The command line of the suite (python -m bench, python bench/run.py): select the cases, measure the machine's
limits they need, run them and print one table; --json writes every number."""
import argparse
import time

from . import conv, dispatch, elementwise, gemm, limits, machine, memory, ops, plan, training
from .report import table, write_json
from .timing import FULL, QUICK

SECTIONS = (gemm, elementwise, conv, dispatch, training, memory, plan, ops)

LEGEND = ("median of {n}+ interleaved samples per library (tinytorch, numpy, torch in turn); ±: half the "
          "interquartile range, % of the median\n"
          "tt/best: tinytorch / best peer for throughputs (GFLOP/s, GB/s), best peer / tinytorch for times and sizes "
          "(us, ms, MiB): > 1 means tinytorch is better\n"
          "of limit: tinytorch's median as a fraction of the FMA peak (GEMM) or copy bandwidth (GB/s figures); "
          "targets are informational")


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("filter", nargs="?", default="", help="run only the figures whose name contains this text")
    p.add_argument("--quick", action="store_true", help="a reduced set with fewer samples (under a minute)")
    p.add_argument("--json", metavar="PATH", help="write every figure to PATH as JSON")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    settings = QUICK if args.quick else FULL
    selected = [(s.SECTION, c) for s in SECTIONS for c in s.cases(settings)
                if c.selected(args.filter, settings.quick)]
    if not selected:
        raise SystemExit(f"bench: no figure matches {args.filter!r}")
    started = time.perf_counter()
    cores = machine.cores()
    blas_limit = machine.use_all_cores(cores)  # noqa: F841  (kept for the run: it restores BLAS threads on exit)
    header = machine.header()
    print("\n".join(machine.header_lines(header)), flush=True)
    found, lines = limits.measure(cores, settings.quick, frozenset().union(*(c.needs for _, c in selected)))
    if lines:
        print("\n".join(lines), flush=True)
    figures, seconds = [], {}
    for section, case in selected:
        t0 = time.perf_counter()
        for figure in case.run(settings):
            figure.section = section
            figures.append(figure)
        seconds[section] = seconds.get(section, 0.0) + time.perf_counter() - t0
    print(LEGEND.format(n=settings.samples))
    print(table(figures, found, seconds))
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        write_json(args.json, {**header, "quick": settings.quick, "samples": settings.samples,
                               "spread": "interquartile range (q1, q3) of the samples",
                               "ratio": "tinytorch / best peer (throughput) or best peer / tinytorch (time, size): "
                                        "> 1 means tinytorch is better",
                               "limit_lines": lines}, found, figures)
