"""tinytorch.cpu.amp: torch's older spelling of tinytorch.amp for the CPU."""
from ..amp._deprecated import CPU_DTYPE, autocast_for, grad_scaler_for

autocast = autocast_for("cpu", CPU_DTYPE)
GradScaler = grad_scaler_for("cpu")
