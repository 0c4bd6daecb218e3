"""tinytorch.backends.cpu: the CPU instruction set the kernels use."""
from .. import _C


def get_cpu_capability():
    """In torch's words: "AVX512", "AVX2", "NEON", or "DEFAULT" for the portable scalar kernels."""
    isa = _C.cpu_isa()
    return "DEFAULT" if isa == "scalar" else isa.upper()
