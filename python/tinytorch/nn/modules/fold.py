"""torch.nn.modules.fold's names; the classes live in misc.py."""
from .misc import Fold, Unfold  # noqa: F401
