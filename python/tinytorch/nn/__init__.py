"""tinytorch.nn: modules, functional, init; the optimizers are importable as tinytorch.nn.optim (the seed's spelling)."""
from . import functional, init
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter
from . import utils  # noqa: E402
from . import parallel  # noqa: E402
from .parallel import DataParallel  # noqa: E402

__all__ = list(_modules_all) + ["DataParallel", "Parameter", "functional", "init", "optim", "parallel", "utils"]


def __getattr__(name):
    if name == "optim":  # imported lazily: tinytorch.optim imports tinytorch.nn
        from .. import optim
        return optim
    raise AttributeError(f"module 'tinytorch.nn' has no attribute '{name}'")
