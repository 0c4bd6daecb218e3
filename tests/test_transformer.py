"""MultiheadAttention and the Transformer family against torch: weights copied from torch's modules, forward
outputs and every gradient compared, state-dict keys, initialisation, masks and the errors for bad inputs."""
import math
import zlib

import numpy as np
import pytest

import tinytorch as tt
import tinytorch.nn as nn
import tinytorch.nn.functional as F

torch = pytest.importorskip("torch")
E, H = 16, 4  # embed dim, heads
L, S, N = 5, 7, 3  # target length, source length, batch


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    """torch's thread pool costs ~10 ms a call on these tiny tensors; one thread keeps the file fast."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rng(seed=0):
    return np.random.default_rng(seed)


def load_from_torch(ours, theirs):
    """Copies torch's weights into ours through NumPy arrays; the key sets must be identical."""
    sd = {k: tt.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    return ours


def pair(torch_cls, tt_cls, *args, dtype="float32", **kwargs):
    """The same module built in torch and tinytorch, with torch's initial weights copied into ours."""
    theirs = torch_cls(*args, **kwargs)
    ours = tt_cls(*args, **{k: (getattr(F, v.__name__) if callable(v) and v in (torch.nn.functional.relu,
                                                                               torch.nn.functional.gelu) else v)
                            for k, v in kwargs.items()})
    if dtype == "float64":
        theirs, ours = theirs.double(), ours.double()
    load_from_torch(ours, theirs)
    return ours, theirs


def tol(dtype):
    return dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)


def compare(ours, theirs, arrays, call, masks=None, dtype="float32", mode="train", check_grads=True, seed=1):
    """Runs call(module, inputs, masks, lib) in both libraries; compares the output (and the attention weights when
    returned), then the gradients of every input and parameter after a random-weighted sum of the outputs."""
    masks = masks or {}
    ours.train(mode == "train")
    theirs.train(mode == "train")
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    o_in = [tt.tensor(a, requires_grad=True) for a in arrays]
    t_masks = {k: (torch.from_numpy(np.ascontiguousarray(v)) if v is not None else None) for k, v in masks.items()}
    o_masks = {k: (tt.tensor(v) if v is not None else None) for k, v in masks.items()}
    t_out = call(theirs, t_in, t_masks, torch)
    o_out = call(ours, o_in, o_masks, tt)
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    o_out = o_out if isinstance(o_out, tuple) else (o_out,)
    assert len(t_out) == len(o_out)
    r = np.random.default_rng(seed)
    t_loss, o_loss = 0, 0
    for t, o in zip(t_out, o_out):
        if t is None:
            assert o is None
            continue
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        assert o.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), **tol(dtype))
        w = r.standard_normal(tuple(t.shape)).astype(dtype)
        t_loss = t_loss + (t * torch.from_numpy(w)).sum()
        o_loss = o_loss + (o * tt.tensor(w)).sum()
    if not check_grads:
        return o_out
    t_loss.backward()
    o_loss.backward()
    for t, o in zip(t_in, o_in):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), **tol(dtype))
    t_params = dict(theirs.named_parameters())
    o_params = dict(ours.named_parameters())
    assert sorted(t_params) == sorted(o_params)
    for name, tp in t_params.items():
        if tp.grad is None:
            assert o_params[name].grad is None or not np.any(o_params[name].grad.numpy()), name
            continue
        assert o_params[name].grad is not None, name
        np.testing.assert_allclose(o_params[name].grad.numpy(), tp.grad.numpy(), err_msg=name, **tol(dtype))
    return o_out


def bool_attn_mask(r, shape):
    """A random bool mask (True = not allowed) that leaves every row at least one allowed position."""
    m = r.random(shape) < 0.3
    m[..., 0] = False
    return m


def float_attn_mask(r, shape, dtype="float32"):
    """Additive: some large negative entries, never a whole row of them (whose softmax is ill-conditioned)."""
    m = np.where(r.random(shape) < 0.3, -1e4, r.standard_normal(shape))
    m[..., 0] = r.standard_normal(shape[:-1])
    return m.astype(dtype)


def padding_mask(r, n, s, as_float=False, dtype="float32"):
    m = np.zeros((n, s), dtype=bool)
    for i in range(n):
        m[i, s - int(r.integers(0, 3)):] = True  # the last 0..2 keys of each batch are padding
    m[:, 0] = False
    return np.where(m, -np.inf, 0.0).astype(dtype) if as_float else m


# ---- MultiheadAttention
def mha_call(self_attn, **kw):
    def call(mod, xs, ms, lib):
        q = xs[0]
        k, v = (q, q) if self_attn else (xs[1], xs[2] if len(xs) > 2 else xs[1])
        return mod(q, k, v, **ms, **kw)
    return call


def mha_inputs(r, batch_first, self_attn, kdim=E, vdim=E, same_kv=False, dtype="float32"):
    def shape(length, dim):
        return (N, length, dim) if batch_first else (length, N, dim)
    q = r.standard_normal(shape(L if not self_attn else S, E)).astype(dtype)
    if self_attn:
        return [q]
    k = r.standard_normal(shape(S, kdim)).astype(dtype)
    if same_kv:
        return [q, k]
    return [q, k, r.standard_normal(shape(S, vdim)).astype(dtype)]


MASK_CASES = ["none", "bool_attn", "float_attn", "bool_kpm", "float_kpm", "bool_both", "float_both", "attn3d"]


def mha_masks(r, case, tgt, src, dtype="float32"):
    if case == "none":
        return {}
    if case == "bool_attn":
        return {"attn_mask": bool_attn_mask(r, (tgt, src))}
    if case == "float_attn":
        return {"attn_mask": float_attn_mask(r, (tgt, src), dtype)}
    if case == "bool_kpm":
        return {"key_padding_mask": padding_mask(r, N, src)}
    if case == "float_kpm":
        return {"key_padding_mask": padding_mask(r, N, src, as_float=True, dtype=dtype)}
    if case == "bool_both":
        return {"attn_mask": bool_attn_mask(r, (tgt, src)), "key_padding_mask": padding_mask(r, N, src)}
    if case == "float_both":
        return {"attn_mask": float_attn_mask(r, (tgt, src), dtype),
                "key_padding_mask": padding_mask(r, N, src, as_float=True, dtype=dtype)}
    if case == "attn3d":
        return {"attn_mask": bool_attn_mask(r, (N * H, tgt, src))}
    raise AssertionError(case)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(False, True), (True, True), (True, False)])
@pytest.mark.parametrize("case", MASK_CASES)
def test_mha_self_attention_matches_torch(batch_first, need_weights, average, case):
    r = rng(zlib.crc32(repr((batch_first, need_weights, average, case)).encode()))
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, batch_first=batch_first)
    out = compare(ours, theirs, mha_inputs(r, batch_first, True), mha_call(True, need_weights=need_weights,
                                                                          average_attn_weights=average),
                  mha_masks(r, case, S, S))
    if need_weights:
        assert tuple(out[1].shape) == ((N, S, S) if average else (N, H, S, S))
    else:
        assert out[1] is None


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("kv", ["same", "distinct", "kdim_vdim"])
@pytest.mark.parametrize("case", ["none", "bool_both", "float_attn"])
def test_mha_cross_attention_matches_torch(need_weights, kv, case):
    r = rng(7)
    kdim, vdim = (12, 8) if kv == "kdim_vdim" else (E, E)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, kdim=kdim, vdim=vdim,
                        batch_first=True)
    compare(ours, theirs, mha_inputs(r, True, False, kdim, vdim, same_kv=kv == "same"),
            mha_call(False, need_weights=need_weights), mha_masks(r, case, L, S))


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal_with_mask(need_weights, with_kpm):
    r = rng(3)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H)
    masks = {"attn_mask": np.triu(np.ones((S, S), dtype=bool), 1)}
    if with_kpm:
        masks["key_padding_mask"] = padding_mask(r, N, S)
    compare(ours, theirs, mha_inputs(r, False, True), mha_call(True, need_weights=need_weights, is_causal=True),
            masks)


def test_mha_is_causal_needs_a_mask():
    mha = nn.MultiheadAttention(E, H)
    x = tt.randn(S, N, E)
    with pytest.raises(RuntimeError, match="MultiheadAttention.*is_causal"):
        mha(x, x, x, is_causal=True)


@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_bias_kv_zero_attn_no_bias(need_weights):
    r = rng(4)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, add_bias_kv=True,
                        add_zero_attn=True, bias=False)
    assert ours.in_proj_bias is None and ours.out_proj.bias is None
    assert tuple(ours.bias_k.shape) == (1, 1, E)
    compare(ours, theirs, mha_inputs(r, False, False), mha_call(False, need_weights=need_weights),
            mha_masks(r, "bool_both", L, S))


@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_unbatched(need_weights):
    r = rng(5)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, batch_first=True)
    x = r.standard_normal((S, E)).astype("float32")
    masks = {"attn_mask": bool_attn_mask(r, (H, S, S)), "key_padding_mask": np.array([False] * (S - 1) + [True])}
    out = compare(ours, theirs, [x], mha_call(True, need_weights=need_weights, average_attn_weights=False), masks)
    assert tuple(out[0].shape) == (S, E)


@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_float64(need_weights):
    r = rng(6)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, kdim=12, vdim=12,
                        dtype="float64")
    compare(ours, theirs, mha_inputs(r, False, False, 12, 12, same_kv=True, dtype="float64"),
            mha_call(False, need_weights=need_weights), mha_masks(r, "float_both", L, S, "float64"),
            dtype="float64")


def test_mha_eval_mode_and_dropout():
    r = rng(8)
    ours, theirs = pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, E, H, dropout=0.5)
    x = mha_inputs(r, False, True)
    for need_weights in (False, True):
        compare(ours, theirs, x, mha_call(True, need_weights=need_weights), mode="eval")
    ours.train()
    xt = tt.tensor(x[0])
    a = ours(xt, xt, xt, need_weights=False)[0].numpy()
    b = ours(xt, xt, xt, need_weights=False)[0].numpy()
    assert not np.allclose(a, b)  # dropout on the attention is live in training
    ours.eval()
    np.testing.assert_array_equal(ours(xt, xt, xt)[0].numpy(), ours(xt, xt, xt)[0].numpy())


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"add_bias_kv": True}, {"kdim": 8, "vdim": 12},
                                    {"kdim": 8, "add_bias_kv": True, "bias": False}])
def test_mha_parameters_and_init(kwargs):
    theirs = torch.nn.MultiheadAttention(E, H, **kwargs)
    ours = nn.MultiheadAttention(E, H, **kwargs)
    t_sd, o_sd = theirs.state_dict(), ours.state_dict()
    assert sorted(o_sd) == sorted(t_sd)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for k in t_sd:
        assert tuple(o_sd[k].shape) == tuple(t_sd[k].shape), k
    assert isinstance(ours.out_proj, nn.Linear) and type(ours.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert ours.head_dim == E // H and ours.batch_first is False
    assert ours._qkv_same_embed_dim == theirs._qkv_same_embed_dim
    if "add_bias_kv" not in kwargs:
        assert ours.bias_k is None and ours.bias_v is None
    if kwargs.get("bias", True):
        assert not np.any(ours.in_proj_bias.numpy()) and not np.any(ours.out_proj.bias.numpy())
    weights = [ours.in_proj_weight] if ours._qkv_same_embed_dim else \
        [ours.q_proj_weight, ours.k_proj_weight, ours.v_proj_weight]
    for w in weights:  # xavier_uniform_: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
        a = math.sqrt(6.0 / (w.shape[0] + w.shape[1]))
        vals = w.numpy()
        assert np.abs(vals).max() <= a and np.abs(vals).max() > 0.5 * a


def test_mha_importable_like_torch():
    from tinytorch.nn.modules.activation import MultiheadAttention
    from tinytorch.nn.modules.transformer import Transformer
    assert MultiheadAttention is nn.MultiheadAttention and Transformer is nn.Transformer


def test_mha_bad_inputs():
    with pytest.raises(ValueError, match="embed_dim.*divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 1)
    mha = nn.MultiheadAttention(E, H)
    q, kv = tt.randn(L, N, E), tt.randn(S, N, E)
    with pytest.raises(RuntimeError, match=r"MultiheadAttention.*2D attn_mask is \[5, 5\].*\[5, 7\]"):
        mha(q, kv, kv, attn_mask=tt.zeros(L, L, dtype=tt.bool))
    with pytest.raises(RuntimeError, match=r"MultiheadAttention.*3D attn_mask is \[3, 5, 7\].*\[12, 5, 7\]"):
        mha(q, kv, kv, attn_mask=tt.zeros(N, L, S))
    with pytest.raises(RuntimeError, match="MultiheadAttention.*attn_mask.*4-D"):
        mha(q, kv, kv, attn_mask=tt.zeros(1, 1, L, S))
    with pytest.raises(ValueError, match=r"MultiheadAttention.*key_padding_mask.*\[3, 7\].*\[3, 5\]"):
        mha(q, kv, kv, key_padding_mask=tt.zeros(N, L, dtype=tt.bool))
    with pytest.raises(ValueError, match="MultiheadAttention.*key_padding_mask.*2-D"):
        mha(q, kv, kv, key_padding_mask=tt.zeros(S, dtype=tt.bool))
    with pytest.raises(TypeError, match="MultiheadAttention.*bool and floating"):
        mha(q, kv, kv, attn_mask=tt.zeros(L, S, dtype=tt.int64))
    with pytest.raises(ValueError, match="MultiheadAttention.*embedding dimension of 16"):
        mha(tt.randn(L, N, 8), kv, kv)
    with pytest.raises(ValueError, match="MultiheadAttention.*batch"):
        mha(q, tt.randn(S, 2, E), tt.randn(S, 2, E))
    with pytest.raises(ValueError, match="MultiheadAttention.*4-D"):
        mha(tt.randn(1, L, N, E), kv, kv)


# ---- encoder and decoder layers
def swish(x):  # a custom activation: Tensor methods both libraries share
    return x * x.sigmoid()


def layer_kwargs(activation):
    return {"activation": {"callable": swish, "torch_gelu": torch.nn.functional.gelu}.get(activation, activation)}


def enc_call(**kw):
    def call(mod, xs, ms, lib):
        return mod(xs[0], **ms, **kw)
    return call


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable", "torch_gelu"])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation):
    r = rng(10)
    ours, theirs = pair(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, E, H, dim_feedforward=24,
                        dropout=0.0, batch_first=batch_first, norm_first=norm_first, **layer_kwargs(activation))
    assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu
    assert ours.activation is {"relu": F.relu, "callable": swish}.get(activation, F.gelu)
    shape = (N, S, E) if batch_first else (S, N, E)
    masks = {"src_mask": bool_attn_mask(r, (S, S)), "src_key_padding_mask": padding_mask(r, N, S)}
    for mode in ("train", "eval"):
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, [r.standard_normal(shape).astype("float32")], enc_call(), masks, mode=mode)


@pytest.mark.parametrize("mask", ["none", "float", "causal"])
def test_encoder_layer_masks(mask):
    r = rng(11)
    ours, theirs = pair(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, E, H, 24, 0.0)
    masks, kw = {}, {}
    if mask == "float":
        masks = {"src_mask": float_attn_mask(r, (S, S)),
                 "src_key_padding_mask": padding_mask(r, N, S, as_float=True)}
    elif mask == "causal":
        masks, kw = {"src_mask": np.triu(np.full((S, S), -np.inf, dtype="float32"), 1)}, {"is_causal": True}
    compare(ours, theirs, [r.standard_normal((S, N, E)).astype("float32")], enc_call(**kw), masks)


def test_encoder_layer_parameters():
    theirs = torch.nn.TransformerEncoderLayer(E, H, 24, bias=False, norm_first=True, layer_norm_eps=1e-6)
    ours = nn.TransformerEncoderLayer(E, H, 24, bias=False, norm_first=True, layer_norm_eps=1e-6)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    assert ours.norm1.eps == 1e-6 and ours.dropout.p == 0.1 and ours.activation is F.relu
    assert ours.activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(E, H).linear1.out_features == 2048
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_with_final_norm(batch_first):
    r = rng(12)
    t_layer = torch.nn.TransformerEncoderLayer(E, H, 24, 0.0, batch_first=batch_first)
    theirs = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 24, 0.0, batch_first=batch_first), 2,
                                 norm=nn.LayerNorm(E), enable_nested_tensor=False)
    load_from_torch(ours, theirs)
    assert isinstance(ours.layers, nn.ModuleList) and len(ours.layers) == 2 and ours.num_layers == 2
    assert ours.layers[0] is not ours.layers[1] and ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    shape = (N, S, E) if batch_first else (S, N, E)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(S).numpy()
    masks = {"mask": causal, "src_key_padding_mask": padding_mask(r, N, S)}
    for mode in ("train", "eval"):
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, [r.standard_normal(shape).astype("float32")], enc_call(), masks, mode=mode)
    # the causal mask alone is detected as causal and runs the kernel's causal path
    compare(ours, theirs, [r.standard_normal(shape).astype("float32")], enc_call(), {"mask": causal},
            check_grads=False)


def test_encoder_deep_copies_the_layer():
    layer = nn.TransformerEncoderLayer(E, H, 24)
    enc = nn.TransformerEncoder(layer, 3)
    ids = {id(m.self_attn.in_proj_weight) for m in enc.layers} | {id(layer.self_attn.in_proj_weight)}
    assert len(ids) == 4
    np.testing.assert_array_equal(enc.layers[2].linear2.weight.numpy(), layer.linear2.weight.numpy())
    assert enc.norm is None and sorted(enc.state_dict()) == sorted(
        torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, 24), 3,
                                    enable_nested_tensor=False).state_dict())


def dec_call(**kw):
    def call(mod, xs, ms, lib):
        return mod(xs[0], xs[1], **ms, **kw)
    return call


def dec_masks(r):
    return {"tgt_mask": np.triu(np.ones((L, L), dtype=bool), 1), "memory_mask": bool_attn_mask(r, (L, S)),
            "tgt_key_padding_mask": padding_mask(r, N, L), "memory_key_padding_mask": padding_mask(r, N, S)}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(batch_first, norm_first):
    r = rng(13)
    ours, theirs = pair(torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer, E, H, 24, 0.0,
                        activation="gelu", batch_first=batch_first, norm_first=norm_first)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    tgt = r.standard_normal((N, L, E) if batch_first else (L, N, E)).astype("float32")
    mem = r.standard_normal((N, S, E) if batch_first else (S, N, E)).astype("float32")
    for mode in ("train", "eval"):
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, [tgt, mem], dec_call(), dec_masks(r), mode=mode)


def test_decoder_layer_causal_float64():
    r = rng(14)
    ours, theirs = pair(torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer, E, H, 24, 0.0,
                        dtype="float64")
    masks = {"tgt_mask": np.triu(np.full((L, L), -np.inf), 1), "memory_mask": float_attn_mask(r, (L, S), "float64")}
    compare(ours, theirs, [r.standard_normal((L, N, E)), r.standard_normal((S, N, E))],
            dec_call(tgt_is_causal=True), masks, dtype="float64")


def test_decoder_with_final_norm():
    r = rng(15)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, 24, 0.0), 2,
                                         norm=torch.nn.LayerNorm(E))
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, 24, 0.0), 2, norm=nn.LayerNorm(E))
    load_from_torch(ours, theirs)
    compare(ours, theirs, [r.standard_normal((L, N, E)).astype("float32"),
                           r.standard_normal((S, N, E)).astype("float32")], dec_call(), dec_masks(r))


# ---- the full Transformer
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    r = rng(16)
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=24, dropout=0.0,
              batch_first=batch_first)
    theirs = torch.nn.Transformer(**kw)
    ours = nn.Transformer(**kw)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    src = r.standard_normal((N, S, E) if batch_first else (S, N, E)).astype("float32")
    tgt = r.standard_normal((N, L, E) if batch_first else (L, N, E)).astype("float32")
    masks = {"tgt_mask": ours.generate_square_subsequent_mask(L).numpy(),
             "src_key_padding_mask": padding_mask(r, N, S), "memory_key_padding_mask": padding_mask(r, N, S)}

    def call(mod, xs, ms, lib):
        return mod(xs[0], xs[1], **ms)
    for mode in ("train", "eval"):
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, [src, tgt], call, masks, mode=mode)


def test_transformer_defaults_init_and_mask():
    ours = nn.Transformer(d_model=E, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
                          norm_first=True, bias=False)
    theirs = torch.nn.Transformer(d_model=E, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
                                  norm_first=True, bias=False)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    assert isinstance(ours.encoder.norm, nn.LayerNorm) and isinstance(ours.decoder.norm, nn.LayerNorm)
    assert ours.d_model == E and ours.nhead == 2 and ours.batch_first is False
    for name, p in ours.named_parameters():
        if p.ndim > 1:  # _reset_parameters: xavier_uniform_ on every matrix
            a = math.sqrt(6.0 / (p.shape[0] + p.shape[1]))
            assert np.abs(p.numpy()).max() <= a, name
    for sz in (1, 4):
        mask = nn.Transformer.generate_square_subsequent_mask(sz)
        np.testing.assert_array_equal(mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(sz).numpy())
    assert ours.generate_square_subsequent_mask(3, dtype=tt.float64).dtype is tt.float64
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        ours(tt.randn(S, 2, E), tt.randn(L, 3, E))
    with pytest.raises(RuntimeError, match="feature number of src and tgt"):
        ours(tt.randn(S, 2, E), tt.randn(L, 2, 8))


def test_transformer_custom_encoder_and_dropout_modes():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 24, 0.0), 1)
    model = nn.Transformer(E, H, num_decoder_layers=1, dim_feedforward=24, dropout=0.5, custom_encoder=enc)
    assert model.encoder is enc
    src, tgt = tt.randn(S, 2, E), tt.randn(L, 2, E)
    model.train()
    assert not np.allclose(model(src, tgt).numpy(), model(src, tgt).numpy())
    model.eval()
    np.testing.assert_array_equal(model(src, tgt).numpy(), model(src, tgt).numpy())


def test_eval_no_grad_matches_torch_fast_path():
    """In eval mode without autograd torch takes its fused encoder path (nested tensors when a padding mask is
    given, which leaves 0 at padded positions); the real positions must agree with ours."""
    r = rng(17)
    ours, theirs = pair(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, E, H, 24, batch_first=True)
    t_enc, o_enc = torch.nn.TransformerEncoder(theirs, 2), nn.TransformerEncoder(ours, 2)
    load_from_torch(o_enc, t_enc)
    t_enc.eval()
    o_enc.eval()
    x = r.standard_normal((N, S, E)).astype("float32")
    kpm = padding_mask(r, N, S)
    with torch.no_grad():
        t_out = t_enc(torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(kpm)).numpy()
        t_mha = t_enc.layers[0].self_attn(*[torch.from_numpy(x)] * 3, need_weights=False)[0].numpy()
    with tt.no_grad():
        o_out = o_enc(tt.tensor(x), src_key_padding_mask=tt.tensor(kpm)).numpy()
        o_mha = o_enc.layers[0].self_attn(*[tt.tensor(x)] * 3, need_weights=False)[0].numpy()
    np.testing.assert_allclose(o_out[~kpm], t_out[~kpm], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(o_mha, t_mha, rtol=1e-5, atol=1e-5)
