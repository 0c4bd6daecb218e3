"""A variational autoencoder in the shape of PyTorch's VAE example, on synthetic binary 8x8 "images"; training stops
at a checkpoint dict saved with torch.save and resumes from it in a fresh model and optimizer."""
import os
import tempfile


def make_images(torch, n, side=8, flip=0.05):
    """Four binary prototypes (bars and a checkerboard) with a few pixels flipped."""
    rows = torch.arange(side).view(side, 1).expand(side, side)
    cols = torch.arange(side).view(1, side).expand(side, side)
    prototypes = torch.stack([rows < side // 2, cols < side // 2, (rows + cols) % 2 == 0, (rows - cols).abs() <= 1])
    prototypes = prototypes.float().view(4, -1)
    images = prototypes[torch.randint(0, 4, (n,))]
    noise = torch.bernoulli(torch.full_like(images, flip))
    return (images - noise).abs()


def main(torch, epochs=6, resumed_epochs=2, batch_size=32, n_train=512, n_test=128, latent=4, hidden=64):
    nn = torch.nn
    F = torch.nn.functional
    DataLoader = torch.utils.data.DataLoader
    TensorDataset = torch.utils.data.TensorDataset
    torch.manual_seed(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_loader = DataLoader(TensorDataset(make_images(torch, n_train)), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(make_images(torch, n_test)), batch_size=batch_size, shuffle=False)
    n_pixels = train_loader.dataset.tensors[0].shape[1]

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(n_pixels, hidden)
            self.fc21 = nn.Linear(hidden, latent)
            self.fc22 = nn.Linear(hidden, latent)
            self.fc3 = nn.Linear(latent, hidden)
            self.fc4 = nn.Linear(hidden, n_pixels)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, n_pixels))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, n_pixels), reduction="sum")
        # KL(q(z|x) || N(0, I)), Appendix B of Kingma and Welling 2014.
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    def train_epoch(model, optimizer):
        model.train()
        train_loss = 0
        for batch_idx, (data,) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        return train_loss / len(train_loader.dataset)

    def test_epoch(model):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for (data,) in test_loader:
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
        return test_loss / len(test_loader.dataset)

    def run_epochs(model, optimizer, first, last):
        for epoch in range(first, last + 1):
            losses.append(train_epoch(model, optimizer))
            test_losses.append(test_epoch(model))
            print(f"====> Epoch: {epoch} Average loss: {losses[-1]:.4f} Test set loss: {test_losses[-1]:.4f}")

    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses, test_losses = [], []
    run_epochs(model, optimizer, 1, epochs)

    z = torch.randn(16, latent).to(device)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.pth")
        torch.save({"epoch": epochs, "model_state_dict": model.state_dict(),
                    "optimizer_state_dict": optimizer.state_dict(), "loss": losses[-1]}, path)
        checkpoint = torch.load(path, map_location=device)
    resumed = VAE().to(device)
    resumed_optimizer = torch.optim.Adam(resumed.parameters(), lr=1e-2)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    with torch.no_grad():
        samples = model.decode(z).cpu()
        restored_samples = resumed.decode(z).cpu()
    restored_exactly = torch.equal(samples, restored_samples)
    run_epochs(resumed, resumed_optimizer, checkpoint["epoch"] + 1, checkpoint["epoch"] + resumed_epochs)

    return {"losses": losses, "test_losses": test_losses, "sample_mean": samples.mean().item(),
            "restored_exactly": restored_exactly, "repr": repr(resumed), "checkpoint_loss": checkpoint["loss"],
            "optimizer_state_entries": len(resumed_optimizer.state_dict()["state"]),
            "state": {k: tuple(v.shape) for k, v in resumed.state_dict().items()}}
