"""Linear regression trained by hand, the two ways older and newer PyTorch code writes it: updates through `.data`
and `.grad.data`, then in-place updates of the parameters under `torch.no_grad()`."""


def main(torch, steps=60, n=256, features=5, lr=0.1):
    torch.manual_seed(42)
    dtype = torch.float
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    true_w = torch.randn(features, 1, device=device, dtype=dtype)
    true_b = torch.tensor([0.5], device=device)
    x = torch.randn(n, features, device=device, dtype=dtype)
    y = x.mm(true_w) + true_b + 0.1 * torch.randn(n, 1, device=device)

    # Style 1: raw tensors with requires_grad, updated through .data.
    w = torch.randn(features, 1, device=device, dtype=dtype, requires_grad=True)
    b = torch.zeros(1, device=device, dtype=dtype, requires_grad=True)
    data_losses = []
    for t in range(steps):
        y_pred = x.mm(w) + b
        loss = (y_pred - y).pow(2).mean()
        data_losses.append(loss.item())
        loss.backward()
        w.data -= lr * w.grad.data
        b.data -= lr * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()

    # Style 2: an nn.Module whose parameters are updated in place under no_grad.
    model = torch.nn.Linear(features, 1).to(device)
    loss_fn = torch.nn.MSELoss(reduction="mean")
    losses = []
    for t in range(steps):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        if t % 20 == 0:
            print(t, f"{loss.item():.4f}")
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad

    with torch.no_grad():
        w_error = (model.weight.t() - true_w).abs().max().item()
        data_w_error = (w - true_w).abs().max().item()
    return {"losses": losses, "data_losses": data_losses, "repr": repr(model),
            "w_error": w_error, "data_w_error": data_w_error,
            "w_requires_grad": w.requires_grad, "w_is_leaf": w.is_leaf, "w_grad_sum": w.grad.sum().item(),
            "param_is_leaf": all(p.is_leaf and p.requires_grad for p in model.parameters())}
