"""tinytorch demo: tensors computed by the C++ kernels, checked against NumPy."""
import time

import numpy as np

import tinytorch as torch

torch.manual_seed(0)
cfg = torch.config()
print(f"tinytorch {cfg['version']}: CPU kernels {cfg['cpu_isa']}, {cfg['num_threads']} threads, "
      f"CUDA built {cfg['backends']['cuda']['built']} ({cfg['backends']['cuda']['devices']} devices)")

x = torch.randn(512, 256)
w = torch.randn(256, 128) / 16
b = torch.zeros(128)
h = (x @ w + b).relu()
probs = h.softmax(dim=1)
print("softmax rows sum to 1:", torch.allclose(probs.sum(1), torch.ones(512), atol=1e-5))

ref = np.maximum(x.numpy() @ w.numpy(), 0)
print("matches NumPy:", np.allclose(h.numpy(), ref, rtol=1e-4, atol=1e-5))

a = torch.rand(1024, 1024)
start = time.perf_counter()
for _ in range(10):
    a @ a
elapsed = (time.perf_counter() - start) / 10
print(f"1024x1024 float32 matmul: {elapsed * 1e3:.1f} ms ({2 * 1024 ** 3 / elapsed / 1e9:.1f} GFLOP/s)")
print(probs[:2, :4])
