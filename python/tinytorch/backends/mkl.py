"""tinytorch.backends.mkl: tinytorch's CPU kernels are its own and do not use mkl."""


def is_available():
    return False
