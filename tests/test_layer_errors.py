"""Bad arguments to the layers give a clear Python exception that names the layer and the shapes, never a crash."""
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F

ERRORS = (TypeError, ValueError, IndexError, RuntimeError)

CASES = [
    ("conv2d channels", lambda: nn.Conv2d(3, 4, 3)(tt.randn(2, 5, 8, 8)), "conv2d", "[2, 5, 8, 8]"),
    ("conv2d kernel > input", lambda: nn.Conv2d(1, 1, 5)(tt.randn(1, 1, 3, 3)), "conv2d", "[1, 1, 3, 3]"),
    ("conv2d zero stride", lambda: nn.Conv2d(1, 1, 3, stride=0), "Conv2d", "stride"),
    ("conv2d negative stride", lambda: F.conv2d(tt.randn(1, 1, 5, 5), tt.randn(1, 1, 3, 3), stride=-1), "conv2d",
     "stride"),
    ("conv2d groups", lambda: nn.Conv2d(6, 4, 3, groups=4), "Conv2d", "groups"),
    ("conv2d groups functional", lambda: F.conv2d(tt.randn(1, 6, 5, 5), tt.randn(4, 2, 3, 3), groups=4), "conv2d",
     "groups"),
    ("conv2d weight rank", lambda: F.conv2d(tt.randn(1, 1, 5, 5), tt.randn(1, 3, 3)), "conv2d", "weight"),
    ("conv2d input rank", lambda: F.conv2d(tt.randn(5, 5), tt.randn(1, 1, 3, 3)), "conv2d", "[5, 5]"),
    ("conv2d same strided", lambda: nn.Conv2d(1, 1, 3, stride=2, padding="same"), "Conv2d", "same"),
    ("conv2d bad padding string", lambda: nn.Conv2d(1, 1, 3, padding="full"), "Conv2d", "padding"),
    ("conv2d bias size", lambda: F.conv2d(tt.randn(1, 1, 5, 5), tt.randn(2, 1, 3, 3), tt.randn(3)), "conv2d", "bias"),
    ("conv1d channels", lambda: nn.Conv1d(2, 4, 3)(tt.randn(2, 3, 8)), "conv1d", "[2, 3, 8]"),
    ("conv_transpose2d channels", lambda: nn.ConvTranspose2d(3, 4, 3)(tt.randn(1, 2, 5, 5)), "conv_transpose2d",
     "[1, 2, 5, 5]"),
    ("conv_transpose2d output_padding", lambda: F.conv_transpose2d(tt.randn(1, 2, 5, 5), tt.randn(2, 2, 3, 3),
                                                                   output_padding=1), "conv_transpose2d",
     "output_padding"),
    ("max_pool2d kernel > input", lambda: nn.MaxPool2d(5)(tt.randn(1, 1, 3, 3)), "max_pool2d", "kernel"),
    ("max_pool2d zero stride", lambda: nn.MaxPool2d(2, stride=0)(tt.randn(1, 1, 4, 4)), "max_pool2d", "stride"),
    ("max_pool2d padding", lambda: nn.MaxPool2d(2, padding=2)(tt.randn(1, 1, 6, 6)), "max_pool2d", "padding"),
    ("avg_pool2d rank", lambda: nn.AvgPool2d(2)(tt.randn(4, 4)), "avg_pool2d", "[4, 4]"),
    ("max_pool2d int input", lambda: F.max_pool2d(tt.ones(1, 1, 4, 4, dtype=tt.int64), 2), "max_pool2d", "int64"),
    ("adaptive output size", lambda: nn.AdaptiveAvgPool2d((2, 2, 2))(tt.randn(1, 1, 4, 4)), "adaptive_avg_pool2d",
     "output_size"),
    ("batch_norm channels", lambda: nn.BatchNorm2d(3)(tt.randn(2, 4, 5, 5)), "BatchNorm2d", "[2, 4, 5, 5]"),
    ("batch_norm one value", lambda: nn.BatchNorm1d(3)(tt.randn(1, 3)), "batch_norm", "[1, 3]"),
    ("layer_norm shape", lambda: nn.LayerNorm(5)(tt.randn(2, 4)), "layer_norm", "[2, 4]"),
    ("group_norm groups", lambda: F.group_norm(tt.randn(2, 6, 3), 4), "group_norm", "4 groups"),
    ("GroupNorm groups", lambda: nn.GroupNorm(4, 6), "GroupNorm", "divisible"),
    ("sdpa mask shape", lambda: F.scaled_dot_product_attention(tt.randn(2, 5, 8), tt.randn(2, 6, 8),
                                                               tt.randn(2, 6, 8), attn_mask=tt.ones(4, 6) > 0),
     "scaled_dot_product_attention", "[4, 6]"),
    ("sdpa feature mismatch", lambda: F.scaled_dot_product_attention(tt.randn(2, 5, 8), tt.randn(2, 6, 7),
                                                                     tt.randn(2, 6, 8)),
     "scaled_dot_product_attention", "[2, 6, 7]"),
    ("mha mask shape", lambda: nn.MultiheadAttention(8, 2)(tt.randn(5, 2, 8), tt.randn(6, 2, 8), tt.randn(6, 2, 8),
                                                           attn_mask=tt.zeros(5, 5)), "MultiheadAttention", "5"),
    ("mha heads", lambda: nn.MultiheadAttention(10, 3), "MultiheadAttention", "3"),
    ("embedding index", lambda: nn.Embedding(5, 3)(tt.tensor([1, 7])), "embedding", "7"),
    ("pixel_shuffle channels", lambda: F.pixel_shuffle(tt.randn(1, 6, 2, 2), 2), "pixel_shuffle", "[1, 6, 2, 2]"),
    ("pixel_shuffle factor", lambda: F.pixel_shuffle(tt.randn(1, 4, 2, 2), 0), "pixel_shuffle", "positive"),
    ("fold size", lambda: F.fold(tt.randn(1, 12, 7), (5, 6), 2, stride=2), "fold", "[1, 12, 7]"),
    ("reflect pad too large", lambda: F.pad(tt.randn(1, 1, 3), (3, 0), mode="reflect"), "pad", "reflect"),
]


@pytest.mark.parametrize("name,call,op,detail", CASES, ids=[c[0] for c in CASES])
def test_bad_layer_input_is_a_clear_error(name, call, op, detail):
    with pytest.raises(ERRORS) as info:
        call()
    message = str(info.value)
    assert op in message, message
    assert detail in message, message
