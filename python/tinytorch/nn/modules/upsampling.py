"""torch.nn.modules.upsampling's names; the classes live in misc.py."""
from .misc import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401
