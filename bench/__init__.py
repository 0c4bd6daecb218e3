"""tinytorch's benchmark suite: python -m bench [filter] [--quick] [--json PATH] (see bench/main.py)."""
