"""Rows of the nn layers (modules built in both libraries, tinytorch's weights copied into torch's: outputs,
input and parameter gradients and buffers compared) and of the losses."""
from ._base import *  # noqa: F401,F403
from ._base import F32_64, F, layer, op

X45 = [((4, 5),)]
layer("Linear", lambda nn: nn.Linear(5, 3), X45, op="linear",
      errors=(lambda m: F(m).linear(m.ones(2, 3), m.ones(4, 5)), lambda m: m.nn.Linear(5, 3)(m.ones(2, 4))))
layer("Bilinear", lambda nn: nn.Bilinear(3, 4, 2), [((5, 3), (5, 4))])
layer("LayerNorm", lambda nn: nn.LayerNorm(5), X45)
layer("RMSNorm", lambda nn: nn.RMSNorm(5), X45)
layer("BatchNorm1d", lambda nn: nn.BatchNorm1d(5), X45)
layer("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), [((4, 3, 2, 2),)])
layer("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [((3, 4, 5),)])
layer("Embedding", lambda nn: nn.Embedding(10, 4, padding_idx=0), [((3, 5),)], domain="index10", grad="torch",
      errors=(lambda m: m.nn.Embedding(10, 4)(m.tensor([10])),), op="embedding")
layer("Flatten", lambda nn: nn.Flatten(), [((2, 3, 4),)])
layer("Unflatten", lambda nn: nn.Unflatten(1, (2, 2)), [((3, 4),)])
layer("Identity", lambda nn: nn.Identity(), [((3, 4),)])
for _name in ["ReLU", "ReLU6", "GELU", "SiLU", "Mish", "Tanh", "Sigmoid", "LeakyReLU", "ELU", "Softplus", "Hardtanh",
              "Hardsigmoid", "Hardswish", "LogSigmoid", "SELU", "CELU", "Softsign"]:
    # torch's float64 hardsigmoid backward multiplies by a float32 1/6 (tinytorch's is exact): looser there
    layer(_name, lambda nn, _n=_name: getattr(nn, _n)(), X45, grad_scale=10 if _name.startswith("Hards") else 1)
layer("Softmax", lambda nn: nn.Softmax(1), X45)
layer("GLU", lambda nn: nn.GLU(), [((4, 6),), ((2, 4, 3),)],
      errors=(lambda m: m.nn.functional.glu(m.ones(3)), lambda m: m.nn.functional.glu(m.ones(4, 3), 1)), op="glu")
layer("LogSoftmax", lambda nn: nn.LogSoftmax(-1), X45)

# ---- losses: input (6, 4) against float targets (6, 4) or class targets (6,) in [0, 4)
LOSS = [((6, 4), (6, 4))]
CLS = [((6, 4), (6,))]


def loss(name, fn, cases, **kw):
    op(name, fn, cases, F32_64, domain=("any", "index4" if cases is CLS else "const"), layouts=("contig", "T"),
       grad=True, **kw)


loss("mse_loss", lambda m, a, b: F(m).mse_loss(a, b), LOSS, errors=(lambda m: F(m).mse_loss(m.ones(2, 3), m.ones(4, 5)),))
loss("l1_loss", lambda m, a, b: F(m).l1_loss(a, b, reduction="sum"), LOSS,
     errors=(lambda m: F(m).l1_loss(m.ones(2, 3), m.ones(4, 5)),))
loss("smooth_l1_loss", lambda m, a, b: F(m).smooth_l1_loss(a, b, beta=0.5), LOSS)
loss("huber_loss", lambda m, a, b: F(m).huber_loss(a, b, delta=0.7), LOSS)
loss("cross_entropy", lambda m, a, b: F(m).cross_entropy(a, b), CLS)
loss("cross_entropy_opts", lambda m, a, b: F(m).cross_entropy(
    a, b, weight=m.tensor([1.0, 2.0, 0.5, 1.5], dtype=a.dtype), ignore_index=2, label_smoothing=0.1), CLS,
     op="cross_entropy")
loss("cross_entropy_none", lambda m, a, b: F(m).cross_entropy(a, b, reduction="none", label_smoothing=0.2), CLS,
     op="cross_entropy")
loss("cross_entropy_probs", lambda m, a, b: F(m).cross_entropy(a, b.softmax(1), label_smoothing=0.1), LOSS,
     op="cross_entropy", known={"empty": "an empty batch of probability targets gives 0, torch's mean gives nan"})
loss("nll_loss", lambda m, a, b: F(m).nll_loss(a.log_softmax(1), b, reduction="sum"), CLS)
loss("bce", lambda m, a, b: F(m).binary_cross_entropy(a.sigmoid(), b.sigmoid()), LOSS, op="binary_cross_entropy")
loss("bce_logits", lambda m, a, b: F(m).binary_cross_entropy_with_logits(
    a, b.sigmoid(), pos_weight=m.tensor([1.0, 2.0, 3.0, 0.5], dtype=a.dtype)), LOSS,
     op="binary_cross_entropy_with_logits")
loss("kl_div", lambda m, a, b: F(m).kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"), LOSS)
loss("cosine_similarity", lambda m, a, b: F(m).cosine_similarity(a, b).sum(), LOSS)
loss("cosine_embedding", lambda m, a, b: F(m).cosine_embedding_loss(a, b, m.tensor([1, -1, 1, -1, 1, 1])), LOSS,
     op="cosine_embedding_loss")

# ---- torch.distributions.Categorical (the policies of the reinforcement-learning examples)
CAT = "Categorical"
op("Categorical.log_prob", lambda m, p, v: m.distributions.Categorical(probs=p).log_prob(v),
   [((4, 3), (4,)), ((2, 3), (5, 1)), ((3,), ())], F32_64, domain=("pos", "index3"), grad=True, op=CAT,
   errors=(lambda m: m.distributions.Categorical(), lambda m: m.distributions.Categorical(m.tensor(0.5))))
op("Categorical.logits", lambda m, z, v: (lambda c: (c.log_prob(v), c.probs, c.logits, c.entropy()))(
    m.distributions.Categorical(logits=z)), [((4, 3), (4,)), ((5,), (2, 3))], F32_64, domain=("any", "index5"),
   grad=True, op=CAT, empty=False)  # torch 2.13 fails inside on an empty batch (a reshape to [0, -1])
op("Categorical.entropy", lambda m, p: m.distributions.Categorical(probs=p).entropy(), [(4, 3), (2, 2, 5)], F32_64,
   domain="pos", grad=True, op=CAT)
op("Categorical.sample", lambda m, p: tuple(m.distributions.Categorical(probs=p).sample((6,)).shape) + tuple(
    m.distributions.Categorical(probs=p).sample().shape), [(4, 3), (3,)], F32_64, domain="pos", grad=False,
   empty=False, op=CAT)
