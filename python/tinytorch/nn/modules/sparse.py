"""torch.nn.modules.sparse's names; Embedding lives in misc.py."""
from .misc import Embedding  # noqa: F401
