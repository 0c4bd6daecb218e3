"""Bad input raises a Python exception (never a crash) of the kind torch raises, and the message names the op
and the offending shapes or values."""
import math

import numpy as np
import pytest

import tinytorch as tt
from tinytorch.ops.shape import pad as tt_pad


@pytest.fixture(autouse=True)
def _default_device(device):
    tt.set_default_device(device)
    yield
    tt.set_default_device("cpu")


X = lambda: tt.arange(12.0).reshape(3, 4)  # noqa: E731

ZERO_DIV = (RuntimeError, ValueError, ZeroDivisionError)  # torch: RuntimeError("ZeroDivisionError")

CASES = [
    # (id, callable, exception, regex the message must match)
    ("add_shapes", lambda: tt.add(tt.zeros(2, 3), tt.zeros(4)), RuntimeError, r"add.*\[2, 3\].*\[4\]"),
    ("op_add_shapes", lambda: tt.zeros(2, 3) + tt.zeros(3, 2), RuntimeError, r"add.*\[2, 3\].*\[3, 2\]"),
    ("mul_shapes", lambda: tt.zeros(5) * tt.zeros(4), RuntimeError, r"mul.*\[5\].*\[4\]"),
    ("matmul_inner", lambda: tt.zeros(2, 3) @ tt.zeros(4, 5), RuntimeError, r"matmul.*\[2, 3\].*\[4, 5\]"),
    ("matmul_batch", lambda: tt.zeros(2, 3, 4) @ tt.zeros(3, 4, 5), RuntimeError, r"matmul.*2.*3"),
    ("matmul_0d", lambda: tt.matmul(tt.zeros(()), tt.zeros(3)), RuntimeError, r"matmul"),
    ("mm_1d", lambda: tt.mm(tt.zeros(3), tt.zeros(3, 2)), RuntimeError, r"mm.*\[3\]"),
    ("dot_sizes", lambda: tt.dot(tt.zeros(3), tt.zeros(4)), RuntimeError, r"dot.*3.*4"),
    ("cat_shapes", lambda: tt.cat([tt.zeros(2, 3), tt.zeros(2, 4)]), RuntimeError, r"cat.*\[2, 3\].*\[2, 4\]"),
    ("cat_ndim", lambda: tt.cat([tt.zeros(2, 3), tt.zeros(2, 3, 1)], 1), RuntimeError, r"cat"),
    ("cat_empty_list", lambda: tt.cat([]), RuntimeError, r"cat"),
    ("stack_shapes", lambda: tt.stack([tt.zeros(2), tt.zeros(3)]), RuntimeError, r"stack.*\[2\].*\[3\]"),
    ("where_shapes", lambda: tt.where(tt.zeros(3, dtype=tt.bool), tt.zeros(2, 3), tt.zeros(4)), RuntimeError,
     r"where.*\[3\]"),
    ("sum_dim", lambda: X().sum(2), IndexError, r"sum.*2.*\[3, 4\]"),
    ("sum_dim_neg", lambda: X().sum(-3), IndexError, r"sum.*-3"),
    ("sum_dim_twice", lambda: X().sum((0, 0)), RuntimeError, r"sum.*more than once"),
    ("mean_int", lambda: tt.arange(3).mean(), RuntimeError, r"mean.*int64"),
    ("softmax_dim", lambda: X().softmax(5), IndexError, r"softmax.*5"),
    ("gather_dim", lambda: X().gather(2, tt.zeros(3, 4, dtype=tt.int64)), IndexError, r"gather.*2"),
    ("gather_index_value", lambda: X().gather(1, tt.tensor([[0], [4], [1]])), (IndexError, RuntimeError),
     r"(?i)gather.*4"),
    ("gather_index_negative", lambda: X().gather(0, tt.tensor([[-4, 0, 0, 0]])), (IndexError, RuntimeError),
     r"(?i)gather.*-4"),
    ("gather_index_float", lambda: X().gather(1, tt.zeros(3, 1)), TypeError, r"gather.*float32"),
    ("gather_ndim", lambda: X().gather(1, tt.zeros(3, dtype=tt.int64)), RuntimeError, r"gather"),
    ("scatter_index_value", lambda: X().scatter(1, tt.tensor([[5]]), tt.ones(1, 1)), (IndexError, RuntimeError),
     r"(?i)scatter.*5"),
    ("scatter_add_index_value", lambda: X().scatter_add(0, tt.tensor([[3, 0]]), tt.ones(1, 2)),
     (IndexError, RuntimeError), r"(?i)scatter_add.*3"),
    ("index_select_dim", lambda: X().index_select(2, tt.tensor([0])), IndexError, r"index_select.*2"),
    ("index_select_value", lambda: X().index_select(0, tt.tensor([0, 3])), (IndexError, RuntimeError),
     r"index_select.*3"),
    ("index_add_value", lambda: X().index_add(0, tt.tensor([7]), tt.ones(1, 4)), (IndexError, RuntimeError),
     r"index_add.*7"),
    ("transpose_dim", lambda: X().transpose(0, 2), IndexError, r"transpose.*2"),
    ("permute_dims", lambda: X().permute(0, 0), RuntimeError, r"permute"),
    ("permute_count", lambda: X().permute(0), RuntimeError, r"permute"),
    ("getitem_int", lambda: tt.zeros(3)[10], IndexError, r"10.*size 3"),
    ("getitem_neg", lambda: tt.zeros(3)[-4], IndexError, r"-4.*size 3"),
    ("getitem_too_many", lambda: tt.zeros(3)[0, 0], IndexError, r"too many indices"),
    ("getitem_adv", lambda: X()[tt.tensor([0, 3])], IndexError, r"3.*size 3"),
    ("getitem_adv_neg", lambda: X()[:, tt.tensor([-5])], IndexError, r"-5.*size 4"),
    ("getitem_mask_shape", lambda: X()[tt.zeros(4, dtype=tt.bool)], IndexError, r"mask.*\[4\]"),
    ("getitem_float_index", lambda: X()[tt.tensor([0.0])], IndexError, r"long, int or bool"),
    ("getitem_str", lambda: X()["a"], IndexError, r"str"),
    ("setitem_adv", lambda: X().__setitem__(tt.tensor([3]), 1.0), IndexError, r"3.*size 3"),
    ("setitem_shape", lambda: X().__setitem__(slice(None), tt.zeros(5)), RuntimeError, r"\[5\]"),
    ("zeros_negative", lambda: tt.zeros(2, -3), ValueError, r"zeros.*-3"),
    ("empty_negative", lambda: tt.empty(-1), ValueError, r"empty.*-1"),
    ("randn_negative", lambda: tt.randn(-2, 2), ValueError, r"randn.*-2"),
    ("zeros_overflow", lambda: tt.zeros(2 ** 62, 4), ValueError, r"zeros.*int64"),
    ("ones_overflow", lambda: tt.ones(2 ** 32, 2 ** 32), ValueError, r"ones.*int64"),
    ("empty_huge", lambda: tt.empty(2 ** 40), (RuntimeError, MemoryError, ValueError), r"(?i)alloc|memory|bytes"),
    ("empty_huge_f64", lambda: tt.empty(2 ** 61, dtype=tt.float64), (RuntimeError, MemoryError, ValueError),
     r"(?i)alloc|memory|bytes|int64"),
    ("ragged", lambda: tt.tensor([[1, 2], [3]]), ValueError, r"tensor.*ragged"),
    ("ragged_deep", lambda: tt.tensor([[[1, 2]], [[3, 4], [5, 6]]]), ValueError, r"tensor.*ragged"),
    ("strings", lambda: tt.tensor(["a", "b"]), TypeError, r"tensor.*str"),
    ("none_element", lambda: tt.tensor([1.0, None]), TypeError, r"tensor.*NoneType"),
    ("none_data", lambda: tt.tensor(None), TypeError, r"tensor"),
    ("Tensor_strings", lambda: tt.Tensor(["x"]), TypeError, r"Tensor.*str"),
    ("complex", lambda: tt.tensor([1j]), TypeError, r"complex"),
    ("view_strides", lambda: X().T.view(12), RuntimeError, r"view.*\[12\].*\[4, 3\]"),
    ("view_size", lambda: X().view(5, 2), RuntimeError, r"view.*\[5, 2\].*12"),
    ("view_two_inferred", lambda: X().view(-1, -1), RuntimeError, r"view.*one dimension"),
    ("reshape_size", lambda: X().reshape(5, -1), RuntimeError, r"reshape.*\[5, -1\].*12"),
    ("reshape_size2", lambda: X().reshape(7), RuntimeError, r"reshape.*\[7\].*12"),
    ("int_div_zero", lambda: tt.tensor([1, 2]) // tt.tensor([1, 0]), ZERO_DIV, r"(?i)divi.*zero"),
    ("int_div_zero_scalar", lambda: tt.tensor([5]) // 0, ZERO_DIV, r"(?i)divi.*zero"),
    ("int_remainder_zero", lambda: tt.tensor([5, 3]) % tt.tensor([2, 0]), ZERO_DIV, r"(?i)zero"),
    ("int_trunc_div_zero", lambda: tt.div(tt.tensor([5]), 0, rounding_mode="trunc"), ZERO_DIV,
     r"(?i)divi.*zero"),
    ("expand_bad", lambda: tt.zeros(3, 2).expand(3, 4), RuntimeError, r"expand.*\[3, 2\].*\[3, 4\]"),
    ("narrow_range", lambda: X().narrow(1, 2, 5), IndexError, r"narrow.*5"),
    ("split_sections", lambda: X().split([1, 1], 0), RuntimeError, r"split.*\[1, 1\]"),
    ("chunk_zero", lambda: X().chunk(0), RuntimeError, r"chunk.*0"),
    ("squeeze_dim", lambda: X().squeeze(3), IndexError, r"squeeze.*3"),
    ("unsqueeze_dim", lambda: X().unsqueeze(4), IndexError, r"unsqueeze.*4"),
    ("flatten_order", lambda: tt.zeros(2, 3, 4).flatten(2, 1), RuntimeError, r"flatten"),
    ("topk_k", lambda: X().topk(5), (IndexError, RuntimeError), r"topk.*5"),
    ("max_empty", lambda: tt.zeros(0).max(), RuntimeError, r"max.*\[0\]"),
    ("argmax_empty_dim", lambda: tt.zeros(2, 0).argmax(1), IndexError, r"argmax.*\[2, 0\]"),
    ("sub_bool", lambda: tt.tensor([True]) - tt.tensor([False]), RuntimeError, r"sub.*bool"),
    ("neg_bool", lambda: -tt.tensor([True]), RuntimeError, r"neg.*bool"),
    ("and_float", lambda: tt.zeros(2) & tt.zeros(2), TypeError, r"&"),
    ("inplace_float_into_int", lambda: tt.tensor([1, 2]).mul_(1.5), RuntimeError, r"mul_.*float.*int64"),
    ("item_many", lambda: tt.zeros(2).item(), RuntimeError, r"item.*2 elements"),
    ("bool_many", lambda: bool(tt.zeros(2)), RuntimeError, r"2 elements"),
    ("fill_nan_int", lambda: tt.zeros(2, dtype=tt.int64).fill_(float("nan")), ValueError, r"fill_.*nan"),
    ("arange_step0", lambda: tt.arange(0, 5, 0), ValueError, r"arange.*step"),
    ("arange_sign", lambda: tt.arange(0, 5, -1), ValueError, r"arange"),
    ("linspace_negative", lambda: tt.linspace(0, 1, -1), ValueError, r"linspace.*-1"),
    ("randint_bounds", lambda: tt.randint(5, 5, (2,)), RuntimeError, r"randint"),
    ("randperm_negative", lambda: tt.randperm(-1), RuntimeError, r"randperm.*-1"),
    ("rand_int_dtype", lambda: tt.rand(2, dtype=tt.int64), TypeError, r"rand.*int64"),
    ("too_many_dims", lambda: tt.zeros(*([1] * 65)), ValueError, r"dims"),
    ("device_name", lambda: tt.zeros(2, device="tpu"), ValueError, r"tpu"),
    ("dtype_name", lambda: tt.zeros(2, dtype="float8"), TypeError, r"float8"),
    ("gelu_mode", lambda: tt.gelu(tt.zeros(2), approximate="fast"), ValueError, r"gelu.*fast"),
    ("pad_odd", lambda: tt_pad(tt.zeros(2, 3), (1,)), RuntimeError, r"pad.*\[1\]"),
    ("pad_mode", lambda: tt_pad(tt.zeros(2, 3), (1, 1), mode="mirror"), ValueError, r"pad.*mirror"),
    ("repeat_few", lambda: X().repeat(2), RuntimeError, r"repeat"),
    ("masked_fill_mask_dtype", lambda: X().masked_fill(tt.zeros(3, 4), 1.0), TypeError, r"masked_fill.*bool"),
    ("masked_fill_shape", lambda: X().masked_fill(tt.zeros(2, 1, 4, dtype=tt.bool), 1.0), RuntimeError,
     r"masked_fill.*\[2, 1, 4\]"),
    ("from_numpy_object", lambda: tt.from_numpy(np.array([object()])), TypeError, r"object"),
    ("from_numpy_list", lambda: tt.from_numpy([1, 2]), TypeError, r"from_numpy.*list"),
    ("unary_non_tensor", lambda: tt.exp([1.0]), TypeError, r"exp.*list"),
    ("binary_bad_operand", lambda: tt.add(tt.zeros(2), "x"), TypeError, r"add.*str"),
]


@pytest.mark.parametrize("make,exc,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_still_works_after_errors():
    """An error leaves no state behind: the library goes on giving right answers."""
    for _, make, exc, _ in CASES:
        try:
            make()
        except Exception:
            pass
    x = tt.arange(6.0).reshape(2, 3)
    assert (x + 1).tolist() == [[1, 2, 3], [4, 5, 6]]
    assert x.sum().item() == 15


@pytest.mark.parametrize("index", [-1, 16, 2 ** 40])
def test_max_pool_backward_refuses_an_index_outside_the_plane(index):
    """MAX_POOL2D_BACKWARD writes at the indices it is given: one outside the H*W plane is an IndexError naming the
    op, and nothing is written out of bounds."""
    from tinytorch import _core
    g = tt.ones(1, 2, 2, 2)
    idx = tt.zeros(1, 2, 2, 2, dtype=tt.int64)
    idx[0, 1, 1, 0] = index
    out = tt.empty(1, 2, 4, 4)
    with pytest.raises(IndexError, match=r"max_pool2d_backward\(\): index .* outside the 4x4 plane"):
        _core.run(_core.OP.MAX_POOL2D_BACKWARD, (g, idx), (out,))
    good = tt.tensor([[[[0, 3], [12, 15]]] * 2])
    _core.run(_core.OP.MAX_POOL2D_BACKWARD, (g, good), (out,))
    np.testing.assert_array_equal(out.numpy()[0, 0], np.array([[1, 0, 0, 1], [0] * 4, [0] * 4, [1, 0, 0, 1]], np.float32))


@pytest.mark.parametrize("a,b", [(-math.inf, -math.inf), (0.0, math.inf), (math.nan, 1.0)])
def test_uniform_refuses_bounds_that_are_not_finite(a, b):
    """torch refuses them ("from is out of bounds"); the kernel used to spin on an infinite bound."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.empty(3).uniform_(a, b)
    with pytest.raises(RuntimeError, match="uniform_"):
        tt.empty(3).uniform_(a, b)
