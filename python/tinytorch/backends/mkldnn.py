"""tinytorch.backends.mkldnn: tinytorch's CPU kernels are its own and do not use mkldnn."""


def is_available():
    return False
