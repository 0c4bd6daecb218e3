"""tinytorch.backends.cudnn: cuDNN's switches. tinytorch's GPU kernels are its own, not cuDNN's, so cuDNN is never
available; the switches keep torch's defaults and take assignments (`cudnn.benchmark = True`) harmlessly."""
import contextlib

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    return None


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True):
    """Set the switches for a block and restore them after, as torch.backends.cudnn.flags."""
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    wanted = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    module = globals()
    saved = {name: module[name] for name in names}
    module.update(zip(names, wanted))
    try:
        yield
    finally:
        module.update(saved)
