"""The CNN of PyTorch's MNIST example (Adadelta, StepLR, a test loop, state_dict save and load) on random 28x28
images whose class is marked by a faint bar at a class-specific row."""
import os
import tempfile


def make_digits(torch, n):
    """Noise images with a bar at row 2 + 2 * label, normalized like MNIST's (x - mean) / std."""
    labels = torch.randint(0, 10, (n,))
    images = torch.rand(n, 1, 28, 28) * 0.5
    rows = (2 + 2 * labels).view(n, 1, 1, 1)
    images = images + (torch.arange(28).view(1, 1, 28, 1) == rows).float() * 0.6
    return (images - 0.1307) / 0.3081, labels


def main(torch, epochs=3, n_train=384, n_test=128, batch_size=64, test_batch_size=128):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    StepLR = torch.optim.lr_scheduler.StepLR
    torch.manual_seed(1)
    use_cuda = torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    train_kwargs = {"batch_size": batch_size, "shuffle": True}
    test_kwargs = {"batch_size": test_batch_size}
    if use_cuda:
        cuda_kwargs = {"num_workers": 0, "pin_memory": True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    dataset = torch.utils.data.TensorDataset(*make_digits(torch, n_train + n_test))
    train_set, test_set = torch.utils.data.random_split(dataset, [n_train, n_test],
                                                        generator=torch.Generator().manual_seed(42))
    train_loader = torch.utils.data.DataLoader(train_set, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(test_set, **test_kwargs)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    def train(model, device, train_loader, optimizer, epoch, losses):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if batch_idx % 4 == 0:
                print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} "
                      f"({100. * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}")

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        print(f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)} "
              f"({100. * correct / len(test_loader.dataset):.0f}%)\n")
        return test_loss, correct

    model = Net().to(device)
    print(model)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses, test_results = [], []
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, losses)
        test_results.append(test(model, device, test_loader))
        scheduler.step()
        print(f"lr after epoch {epoch}: {scheduler.get_last_lr()[0]:.4f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mnist_cnn.pt")
        torch.save(model.state_dict(), path)
        restored = Net().to(device)
        restored.load_state_dict(torch.load(path))
        reloaded_result = test(restored, device, test_loader)

    return {"losses": losses, "test_loss": test_results[-1][0], "correct": test_results[-1][1],
            "reloaded_matches": reloaded_result == test_results[-1], "lr": optimizer.param_groups[0]["lr"],
            "repr": repr(model), "state": {k: tuple(v.shape) for k, v in model.state_dict().items()}}
