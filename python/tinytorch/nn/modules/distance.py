"""torch.nn.modules.distance's names; CosineSimilarity lives in loss.py."""
from .loss import CosineSimilarity  # noqa: F401
