"""tinytorch.nn.functional: torch.nn.functional's names, bound to the ops that implement them (tinytorch.ops).
No op is written here: each one's maths lives once, in its family's module."""
from ..ops.activation import (celu, elu, glu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish, relu,  # noqa: F401
                              relu6, selu, silu, softsign, tanhshrink, threshold)
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: F401
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401
from ..ops.dropout import dropout, dropout1d, dropout2d, dropout3d  # noqa: F401
from ..ops.elementwise import gelu, sigmoid, softplus, tanh  # noqa: F401
from ..ops.index import embedding, one_hot  # noqa: F401
from ..ops.interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: F401
from ..ops.linalg import bilinear, cosine_similarity, linear, normalize, pairwise_distance  # noqa: F401
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,  # noqa: F401
                        cross_entropy, gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div, l1_loss,
                        margin_ranking_loss, mse_loss, nll_loss, poisson_nll_loss, smooth_l1_loss, soft_margin_loss)
from ..ops.norm import batch_norm, group_norm, instance_norm, layer_norm, rms_norm  # noqa: F401
from ..ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,  # noqa: F401
                        adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from ..ops.reduce import log_softmax, logsumexp, softmax, softmin  # noqa: F401
from ..ops.shape import pad, pixel_shuffle, pixel_unshuffle  # noqa: F401

__all__ = [n for n in dir() if not n.startswith("_")]
