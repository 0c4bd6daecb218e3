"""Sine-wave sequence prediction fitted with LBFGS and a closure, in the shape of PyTorch's
time_sequence_prediction example (waves made with NumPy, two LSTMCells unrolled by hand, float64)."""
import math

import numpy as np


def main(torch, steps=4, n_seq=12, length=30, hidden=16, future=10):
    nn = torch.nn
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    # Sine waves with random phase, sampled every step of 1/4 radian.
    np.random.seed(2)
    x = np.empty((n_seq, length), "int64")
    x[:] = np.array(range(length)) + np.random.randint(-20, 20, n_seq).reshape(n_seq, 1)
    data = np.sin(x / 1.0 / 4.0).astype("float64")
    input = torch.from_numpy(data[3:, :-1]).to(device)
    target = torch.from_numpy(data[3:, 1:]).to(device)
    test_input = torch.from_numpy(data[:3, :-1]).to(device)
    test_target = torch.from_numpy(data[:3, 1:]).to(device)

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, hidden)
            self.lstm2 = nn.LSTMCell(hidden, hidden)
            self.linear = nn.Linear(hidden, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), hidden, dtype=torch.double, device=input.device)
            c_t = torch.zeros(input.size(0), hidden, dtype=torch.double, device=input.device)
            h_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double, device=input.device)
            c_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double, device=input.device)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _ in range(future):  # feed the predictions back in
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return torch.cat(outputs, dim=1)

    seq = Sequence().double().to(device)
    criterion = nn.MSELoss()
    optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8)

    losses, test_losses = [], []
    for i in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            loss.backward()
            return loss
        loss = optimizer.step(closure)
        losses.append(loss.item())
        with torch.no_grad():
            pred = seq(test_input, future=future)
            test_loss = criterion(pred[:, :-future], test_target)
            y = pred.detach().cpu().numpy()  # what the example plots
        test_losses.append(test_loss.item())
        print(f"STEP: {i} loss: {loss.item():.6f} test loss: {test_loss.item():.6f}")
    assert not math.isnan(losses[-1])
    return {"losses": losses, "test_losses": test_losses, "prediction_shape": y.shape, "prediction_dtype": str(y.dtype),
            "repr": repr(seq),
            "state": {k: tuple(v.shape) for k, v in seq.state_dict().items()}}
