"""tinytorch.nn.parallel: the multi-device wrappers of torch. With one device (the CPU, or one GPU) DataParallel
runs its module as it is; DistributedDataParallel needs a process group, which tinytorch.distributed never has."""
from ..modules.module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    """A class so that `isinstance(model, DistributedDataParallel)` checks run; making one needs the default process
    group, which tinytorch.distributed never has, so it raises torch's error for an uninitialised group."""

    def __init__(self, module, *args, **kwargs):
        from ... import distributed
        distributed.get_rank()


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """module(*inputs, **module_kwargs) on the one device tinytorch uses (torch's spreads it over its GPUs)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))


__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
