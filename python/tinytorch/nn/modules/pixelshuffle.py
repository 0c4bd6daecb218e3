"""torch.nn.modules.pixelshuffle's names; the classes live in misc.py."""
from .misc import PixelShuffle, PixelUnshuffle  # noqa: F401
