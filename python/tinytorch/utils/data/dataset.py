"""torch.utils.data.dataset's names; they live in the package's __init__."""
from . import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401
