"""An LSTM language model in the shape of PyTorch's word_language_model example: batchify, truncated BPTT with the
hidden state carried across batches (repackage_hidden), gradient clipping, SGD with the learning rate decayed each
epoch."""
import random

WORDS = "one two three four five six seven eight nine ten".split()


def make_corpus(n_words=3000, seed=0):
    """Counting words in a ring that skip one ahead a quarter of the time: an entropy rate of 0.56 nats per word."""
    rng = random.Random(seed)
    at, words = 0, []
    for _ in range(n_words):
        words.append(WORDS[at])
        at = (at + (2 if rng.random() < 0.25 else 1)) % len(WORDS)
    return " ".join(words)


def main(torch, epochs=6, bptt=10, batch_size=8, emsize=24, nhid=48, nlayers=2, lr=20.0, clip=0.25):
    nn = torch.nn
    torch.manual_seed(1111)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    words = make_corpus().split()
    vocab = {w: i for i, w in enumerate(sorted(set(words)))}
    ids = torch.tensor([vocab[w] for w in words], dtype=torch.long)
    ntokens = len(vocab)

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        return data.view(bsz, -1).t().contiguous().to(device)

    split = len(ids) * 3 // 4
    train_data = batchify(ids[:split], batch_size)
    val_data = batchify(ids[split:], 4)

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.2):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.nhid = nhid
            self.nlayers = nlayers
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, self.ntoken)
            return torch.nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))

    def repackage_hidden(h):
        """Wraps hidden states in new Tensors, to detach them from their history."""
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].view(-1)
        return data, target

    model = RNNModel(ntokens, emsize, nhid, nlayers).to(device)
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.7)

    def evaluate(data_source):
        model.eval()
        total_loss = 0.0
        hidden = model.init_hidden(data_source.size(1))
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data, targets = get_batch(data_source, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    losses, val_losses, lrs = [], [], []
    for epoch in range(1, epochs + 1):
        model.train()
        hidden = model.init_hidden(batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
        val_loss = evaluate(val_data)
        print(f"| end of epoch {epoch:3d} | lr {optimizer.param_groups[0]['lr']:.2f} | valid loss {val_loss:5.2f}")
        lrs.append(optimizer.param_groups[0]["lr"])
        val_losses.append(val_loss)
        scheduler.step()
    return {"losses": losses, "val_losses": val_losses, "lrs": lrs, "repr": repr(model),
            "state": {k: tuple(v.shape) for k, v in model.state_dict().items()}}
