"""A character-level transformer language model, PyTorch-style, on tinytorch.

It trains on text made by a small seeded grammar (nothing to download), reports the loss in nats per character
beside the uniform guess of log(vocabulary), and samples new text from the trained model.

    python examples/char_lm.py [--steps N] [--target LOSS]
"""
import argparse
import math
import random

import tinytorch as torch
import tinytorch.nn as nn
import tinytorch.nn.functional as F

SUBJECTS = ["the cat", "a dog", "the old man", "my sister", "the small bird", "a teacher", "the river"]
VERBS = ["sees", "likes", "follows", "draws", "finds", "watches", "remembers"]
OBJECTS = ["the moon", "a red ball", "the garden", "an open door", "the quiet town", "a long road", "the sea"]
ENDINGS = [".", " today.", " at night.", " again.", " in the rain."]


def make_text(n_sentences, seed=0):
    """Sentences from the grammar: many repeated words, so a model that learns them predicts most characters."""
    rng = random.Random(seed)
    return " ".join(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(ENDINGS)}"
                    for _ in range(n_sentences))


class CharTransformer(nn.Module):
    def __init__(self, vocab, block, d_model=64, heads=4, layers=2):
        super().__init__()
        self.block = block
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(block, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout=0.0, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tokens(idx) + self.positions(torch.arange(t))
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        return self.head(self.encoder(x, mask=mask, is_causal=True))

    @torch.no_grad()
    def sample(self, start, n, generator):
        idx = start
        for _ in range(n):
            logits = self(idx[:, -self.block:])[:, -1]
            nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--block", type=int, default=48)
    parser.add_argument("--target", type=float, default=0.35, help="the loss (nats/char) training must reach")
    args = parser.parse_args(argv)
    torch.manual_seed(0)

    text = make_text(3000)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    model = CharTransformer(len(chars), args.block)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.steps)
    gen = torch.Generator().manual_seed(0)
    print(f"{len(text)} characters, vocabulary {len(chars)} (uniform guess: {math.log(len(chars)):.3f} nats/char), "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    first = smoothed = None
    for step in range(1, args.steps + 1):
        starts = torch.randint(0, len(data) - args.block - 1, (args.batch,), generator=gen)
        offsets = starts[:, None] + torch.arange(args.block + 1)
        chunk = data[offsets]
        logits = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        value = loss.item()
        first = value if first is None else first
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        if step % 50 == 0 or step == args.steps:
            print(f"step {step:4d}  loss {smoothed:.3f}")

    model.eval()
    prompt = torch.tensor([[stoi[c] for c in "the "]])
    out = model.sample(prompt, 120, gen)[0].tolist()
    print("sample:", "".join(chars[i] for i in out))
    if smoothed > args.target:
        raise SystemExit(f"the loss {smoothed:.3f} did not fall below {args.target} in {args.steps} steps")
    return first, smoothed


if __name__ == "__main__":
    main()
