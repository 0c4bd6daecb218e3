"""torch.utils.data.sampler's names; they live in the package's __init__."""
from . import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,  # noqa: F401
               WeightedRandomSampler)
