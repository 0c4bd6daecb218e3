"""conv2d in GFLOP/s (2*N*K*C*R*S*OH*OW per pass; backward is two passes, the input and the weight gradient, as
autograd computes them from a kept graph): a ResNet 3x3 layer and a first layer, batch 32 (8 with --quick)."""
import functools

import tinytorch as tt
import tinytorch.nn.functional as ttF

from . import targets
from .cases import Case, randn
from .machine import torch
from .report import Figure, throughput
from .timing import interleaved

SECTION = "conv2d"

# name, channels in, out, kernel, stride, padding, input size
LAYERS = [("resnet 3x3 64->64 56x56", 64, 64, 3, 1, 1, 56), ("first 7x7/2 3->64 224x224", 3, 64, 7, 2, 3, 224)]


def _grads(lib, x, w, y, g):
    return lib.autograd.grad(y, (x, w), g, retain_graph=True)


def _case(label, batch, c, k, r, stride, pad, size):
    names = (f"conv2d {label} b{batch} fwd", f"conv2d {label} b{batch} bwd (input+weight)")
    out_size = (size + 2 * pad - r) // stride + 1
    gflop = 2 * batch * k * c * r * r * out_size * out_size / 1e9

    def run(settings):
        arrays = randn(batch, c, size, size, seed=1), randn(k, c, r, r, seed=2), \
            randn(batch, k, out_size, out_size, seed=3)
        libs = {"tinytorch": (tt, ttF)}
        if torch is not None:
            libs["torch"] = (torch, torch.nn.functional)
        fwd, bwd = {}, {}
        for name, (lib, F) in libs.items():
            x, w, g = (lib.from_numpy(a) for a in arrays)
            x.requires_grad_(), w.requires_grad_()
            y = F.conv2d(x, w, stride=stride, padding=pad)  # the graph every backward sample runs through
            fwd[name] = functools.partial(F.conv2d, x, w, stride=stride, padding=pad)
            bwd[name] = functools.partial(_grads, lib, x, w, y, g)
        target = targets.Target(targets.peer("torch"))
        return [Figure(names[0], "GFLOP/s", {n: throughput(gflop, s) for n, s in interleaved(fwd, settings).items()},
                       True, target=target),
                Figure(names[1], "GFLOP/s", {n: throughput(2 * gflop, s)
                                             for n, s in interleaved(bwd, settings).items()}, True, target=target)]
    return Case(names, run)


def cases(settings):
    batch = 8 if settings.quick else 32
    return [_case(label, batch, *layer) for label, *layer in LAYERS]
