"""torch.nn.modules.batchnorm's names; the classes live in normalization.py."""
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm  # noqa: F401
