"""torch.nn.modules.dropout's names; the classes live in misc.py."""
from .misc import Dropout, Dropout1d, Dropout2d, Dropout3d  # noqa: F401
