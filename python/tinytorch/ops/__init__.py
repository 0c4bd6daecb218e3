"""The ops, one module per family. Tensor methods and tinytorch.<name> are aliases of these functions."""
