"""tinytorch.cuda.amp: torch's older spelling of tinytorch.amp for CUDA."""
from ..amp import custom_bwd, custom_fwd  # noqa: F401
from ..amp._deprecated import CUDA_DTYPE, autocast_for, grad_scaler_for

autocast = autocast_for("cuda", CUDA_DTYPE)
GradScaler = grad_scaler_for("cuda")
