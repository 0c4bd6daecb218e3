"""tinytorch.cuda: what PyTorch scripts ask of torch.cuda."""
from . import _C


def is_available():
    return _C.device_count(1) > 0


def device_count():
    return _C.device_count(1)


def is_built():
    return _C.backend_built(1)


def synchronize(device=None):
    """Copies to the host already synchronise; nothing is queued beyond them."""


def manual_seed(seed):
    from .ops.random import manual_seed as seed_all
    seed_all(seed)


manual_seed_all = manual_seed
