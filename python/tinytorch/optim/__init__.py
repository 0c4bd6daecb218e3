"""tinytorch.optim (also tinytorch.nn.optim): optimizers. SGD, Adam, AdamW, RMSprop and Adagrad run one fused kernel per
parameter; Adadelta, Adamax, NAdam, RAdam and LBFGS (extra.py) are written with tensor ops."""
from . import lr_scheduler
from .algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from .extra import LBFGS, Adadelta, Adamax, NAdam, RAdam
from .optimizer import Optimizer

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS", "Optimizer",
           "lr_scheduler"]
