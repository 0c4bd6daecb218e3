"""tinytorch.cpu: torch.cpu's queries, for scripts written against any device."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """CPU kernels finish before they return."""
