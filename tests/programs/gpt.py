"""A GPT-style character model (nanoGPT's shape): embeddings, causal self-attention blocks, AdamW, sampling."""
import math

TEXT = ("the quick brown fox jumps over the lazy dog. " * 4 + "a stitch in time saves nine. " * 4
        + "to be or not to be, that is the question. " * 4)


def main(torch, steps=120, block_size=16, batch_size=16, n_embd=32, n_head=4, n_layer=2):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(1337)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    chars = sorted(set(TEXT))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for ch, i in stoi.items()}
    data = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)
    vocab_size = len(chars)

    def get_batch():
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([data[i:i + block_size] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
        return x.to(device), y.to(device)

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.query = nn.Linear(n_embd, n_embd)
            self.key = nn.Linear(n_embd, n_embd)
            self.value = nn.Linear(n_embd, n_embd)
            self.proj = nn.Linear(n_embd, n_embd)
            self.attn_drop = nn.Dropout(0.1)
            self.resid_drop = nn.Dropout(0.1)
            self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size))
                                 .view(1, 1, block_size, block_size))

        def forward(self, x):
            B, T, C = x.size()
            k = self.key(x).view(B, T, n_head, C // n_head).transpose(1, 2)
            q = self.query(x).view(B, T, n_head, C // n_head).transpose(1, 2)
            v = self.value(x).view(B, T, n_head, C // n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_drop(att)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_drop(self.proj(y))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(n_embd)
            self.ln2 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention()
            self.mlp = nn.Sequential(
                nn.Linear(n_embd, 4 * n_embd),
                nn.GELU(),
                nn.Linear(4 * n_embd, n_embd),
                nn.Dropout(0.1),
            )

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            x = x + self.mlp(self.ln2(x))
            return x

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok_emb = nn.Embedding(vocab_size, n_embd)
            self.pos_emb = nn.Parameter(torch.zeros(1, block_size, n_embd))
            self.drop = nn.Dropout(0.1)
            self.blocks = nn.Sequential(*[Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab_size, bias=False)
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.data.normal_(mean=0.0, std=0.02)
                if isinstance(module, nn.Linear) and module.bias is not None:
                    module.bias.data.zero_()
            elif isinstance(module, nn.LayerNorm):
                module.bias.data.zero_()
                module.weight.data.fill_(1.0)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= block_size, "Cannot forward, model block size is exhausted."
            x = self.drop(self.tok_emb(idx) + self.pos_emb[:, :t, :])
            x = self.ln_f(self.blocks(x))
            logits = self.head(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss

    @torch.no_grad()
    def sample(model, x, steps, temperature=1.0, top_k=None):
        model.eval()
        for _ in range(steps):
            x_cond = x if x.size(1) <= block_size else x[:, -block_size:]
            logits, _ = model(x_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, top_k)
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            ix = torch.multinomial(probs, num_samples=1)
            x = torch.cat((x, ix), dim=1)
        return x

    model = GPT().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    n_params = sum(p.numel() for p in model.parameters())

    losses = []
    model.train()
    for it in range(steps):
        xb, yb = get_batch()
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if it % 40 == 0:
            print(f"iter {it}: loss {loss.item():.4f}")

    context = torch.tensor([[stoi[c] for c in "the "]], dtype=torch.long, device=device)
    out = sample(model, context, 24, temperature=1.0, top_k=5)[0]
    completion = "".join(itos[int(i)] for i in out.tolist())
    print(completion)
    return {"losses": losses, "sample": completion, "n_params": n_params, "text": TEXT}
