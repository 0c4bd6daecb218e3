"""Recurrent layers with torch's parameters, shapes and initialisation: RNN, LSTM, GRU and their cells. A layer
computes the input's share of every step's gates in one GEMM, then runs the steps of each direction as one
recurrence (tinytorch.ops.rnn), whose pointwise part is a fused kernel."""
import math
import numbers
import warnings

from ... import _dtype as dt
from ...ops import elementwise as ew
from ...ops import rnn as R
from ...ops.creation import empty_, zeros
from ...ops.linalg import matmul
from ...ops.shape import cat, reshape, select, stack, t, transpose, unsqueeze, squeeze
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from .normalization import is_training


def _param(*shape, dtype=None, device=None):
    return Parameter(empty_(*shape, dtype=dtype or dt.get_default_dtype(), device=device))


def _check_tensor(name, what, x):
    if type(x).__name__ == "PackedSequence":
        raise NotImplementedError(f"{name}: PackedSequence input is not supported by tinytorch; pass a padded tensor")
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(x).__name__}")


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        if mode not in R.GATES:
            raise ValueError(f"RNNBase: unknown mode {mode!r}; expected one of {sorted(R.GATES)}")
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the probability of an "
                             f"element being zeroed, got {dropout}")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size <= 0:
            raise ValueError(f"{name}: hidden_size must be a positive integer, got {hidden_size}")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be a positive integer, got {num_layers}")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a non-negative integer, got {proj_size}")
        if proj_size:
            if mode != "LSTM":
                raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
            raise NotImplementedError(f"{name}: proj_size > 0 (LSTM with projections) is not implemented in tinytorch")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gates = R.GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                inputs = input_size if layer == 0 else hidden_size * directions
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                shapes = [(gates, inputs), (gates, hidden_size)]
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    shapes += [(gates,), (gates,)]
                for n, shape in zip(names, shapes):
                    setattr(self, n, _param(*shape, dtype=dtype, device=device))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _name(self):
        return type(self).__name__

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            init.uniform_(w, -bound, bound)

    def flatten_parameters(self):
        """torch packs the weights for cuDNN; tinytorch keeps them as they are."""

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for key, default in (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s

    def _check_state(self, h, expected, what):
        _check_tensor(self._name, what, h)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{self._name}: expected {what} of size {expected}, got {tuple(h.shape)}")
        if h.dtype is not self.weight_ih_l0.dtype:
            raise RuntimeError(f"{self._name}: {what} has dtype {h.dtype.name} but the parameters are "
                               f"{self.weight_ih_l0.dtype.name}")

    def forward(self, input, hx=None):  # noqa: A002
        name = self._name
        _check_tensor(name, "input", input)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input to be 2-D or 3-D, got {input.ndim}-D of shape "
                             f"{list(input.shape)}")
        batched = input.ndim == 3
        x = input if batched else unsqueeze(input, 1)
        if batched and self.batch_first:
            x = transpose(x, 0, 1)
        steps, batch, size = x.shape
        if size != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{size} (input of shape {list(input.shape)})")
        if steps == 0:
            raise RuntimeError(f"{name}: expected a sequence length larger than 0, got input of shape "
                               f"{list(input.shape)}")
        dtype = self.weight_ih_l0.dtype
        if x.dtype is not dtype:
            raise RuntimeError(f"{name}: input has dtype {x.dtype.name} but the parameters are {dtype.name}")
        lstm = self.mode == "LSTM"
        directions = 2 if self.bidirectional else 1
        state = (self.num_layers * directions, batch, self.hidden_size)
        h0 = c0 = None
        if hx is not None:
            if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            h0, c0 = hx if lstm else (hx, None)
            for what, h in (("h_0", h0), ("c_0", c0)) if lstm else (("h_0", h0),):
                _check_tensor(name, what, h)
                if not batched and h.ndim != 2:
                    raise RuntimeError(f"{name}: for unbatched 2-D input, {what} should also be 2-D, got "
                                       f"{list(h.shape)}")
            if not batched:
                h0, c0 = unsqueeze(h0, 1), (unsqueeze(c0, 1) if lstm else None)
            self._check_state(h0, state, "h_0")
            if lstm:
                self._check_state(c0, state, "c_0")
        if h0 is None:
            h0 = zeros(state, dtype=dtype, device=x.device)
            c0 = zeros(state, dtype=dtype, device=x.device) if lstm else None
        layer_in, h_n, c_n = x, [], []
        training = is_training(self)
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w_ih, w_hh, *biases = (getattr(self, n) for n in self._all_weights[k])
                flat = reshape(layer_in, (steps * batch, layer_in.shape[2]))  # one GEMM for every step
                gx = reshape(matmul(flat, t(w_ih)), (steps, batch, w_ih.shape[0]))
                b_hh = None
                if biases:
                    b_ih, b_hh = biases
                    gx = ew.add(gx, b_ih if self.mode == "GRU" else ew.add(b_ih, b_hh))
                    b_hh = b_hh if self.mode == "GRU" else None
                out, h, c = R.recurrence(self.mode, gx, w_hh, b_hh, select(h0, 0, k),
                                         select(c0, 0, k) if lstm else None, direction == 1, name)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_in = cat(outs, 2) if directions == 2 else outs[0]
            if self.dropout and training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        output = layer_in
        if batched and self.batch_first:
            output = transpose(output, 0, 1)
        h_n = stack(h_n)
        c_n = stack(c_n) if lstm else None
        if not batched:
            output, h_n = squeeze(output, 1), squeeze(h_n, 1)
            c_n = squeeze(c_n, 1) if lstm else None
        return output, ((h_n, c_n) if lstm else h_n)


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


# ---- cells: one step ----

class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = _param(num_chunks * hidden_size, input_size, dtype=dtype, device=device)
        self.weight_hh = _param(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device)
        self.bias_ih = _param(num_chunks * hidden_size, dtype=dtype, device=device) if bias else None
        self.bias_hh = _param(num_chunks * hidden_size, dtype=dtype, device=device) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -bound, bound)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _inputs(self, input, hx, n_states):  # noqa: A002
        """(x [B, I], states [B, H] each, batched): checks shapes, adds the batch dim of unbatched input."""
        name = type(self).__name__
        _check_tensor(name, "input", input)
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1-D or 2-D, got {input.ndim}-D of shape "
                             f"{list(input.shape)}")
        batched = input.ndim == 2
        x = input if batched else unsqueeze(input, 0)
        if x.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {x.shape[1]}, expected "
                               f"{self.input_size}")
        dtype = self.weight_ih.dtype
        if x.dtype is not dtype:
            raise RuntimeError(f"{name}: input has dtype {x.dtype.name} but the parameters are {dtype.name}")
        if hx is None:
            return x, [zeros((x.shape[0], self.hidden_size), dtype=dtype, device=x.device)] * n_states, batched
        states = list(hx) if n_states == 2 else [hx]
        if n_states == 2 and len(states) != 2:
            raise TypeError(f"{name}: hx must be a tuple (h_0, c_0)")
        want = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        for i, h in enumerate(states):
            _check_tensor(name, "hx", h)
            if tuple(h.shape) != want:
                raise RuntimeError(f"{name}: expected hidden state of size {want}, got {tuple(h.shape)}")
            if h.dtype is not dtype:
                raise RuntimeError(f"{name}: hidden state has dtype {h.dtype.name} but the parameters are "
                                   f"{dtype.name}")
            states[i] = h if batched else unsqueeze(h, 0)
        return x, states, batched

    def _gates(self, x, h):
        gx = F.linear(x, self.weight_ih, self.bias_ih)
        gh = F.linear(h, self.weight_hh, self.bias_hh)
        return gx, gh


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), batched = self._inputs(input, hx, 1)
        pre = ew.add(*self._gates(x, h))
        h1 = ew.tanh(pre) if self.nonlinearity == "tanh" else ew.relu(pre)
        return h1 if batched else squeeze(h1, 0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        x, (h, c), batched = self._inputs(input, hx, 2)
        h1, c1 = R.lstm_cell(*self._gates(x, h), c, "LSTMCell")
        return (h1, c1) if batched else (squeeze(h1, 0), squeeze(c1, 0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), batched = self._inputs(input, hx, 1)
        h1 = R.gru_cell(*self._gates(x, h), h, "GRUCell")
        return h1 if batched else squeeze(h1, 0)
