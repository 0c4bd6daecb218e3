"""torch.utils.data.dataloader's names; they live in the package's __init__."""
from . import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401
