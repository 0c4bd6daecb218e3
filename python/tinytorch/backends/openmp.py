"""tinytorch.backends.openmp: tinytorch's CPU kernels are its own and do not use openmp."""


def is_available():
    return False
