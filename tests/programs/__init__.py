"""Small programs written the way PyTorch programs are written. Each exposes `main(torch)`, so the same source
runs with `import torch` or `import tinytorch as torch`; tests/test_programs.py runs both and compares."""
