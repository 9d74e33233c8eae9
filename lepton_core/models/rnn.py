"""Recurrent forecasters: `lstm` and `gru` over a window (B, T, F) -> (B, horizon)."""

from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.models.registry import register_model

FORECAST = ("forecasting",)


class RecurrentForecaster(nn.Module):
    """A stacked LSTM/GRU; the last time step's hidden state -> a linear head per horizon step."""

    def __init__(self, cell: type[nn.RNNBase], n_features: int, n_outputs: int, hidden: int,
                 layers: int, dropout: float) -> None:  # fmt: skip
        super().__init__()
        self.rnn = cell(
            n_features, hidden, num_layers=layers, batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )  # fmt: skip
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)  # (B, T, hidden)
        return self.head(out[:, -1])  # (B, horizon)


def _build(cell, input_shape, n_outputs, hidden, layers, dropout) -> nn.Module:
    if len(input_shape) != 2:
        raise LabInputError("recurrent models need time-series windows (time steps × features)")
    if not 1 <= layers <= 4 or not 1 <= hidden <= 512:
        raise LabInputError(f"layers must be 1-4 and hidden size 1-512, got {layers}, {hidden}")
    return RecurrentForecaster(cell, input_shape[1], n_outputs, hidden, layers, dropout)


@register_model("lstm", FORECAST, "long short-term memory network over the input window")
def lstm(input_shape: tuple[int, ...], n_outputs: int, hidden: int = 64, layers: int = 1,
         dropout: float = 0.0) -> nn.Module:  # fmt: skip
    """LSTM forecaster."""
    return _build(nn.LSTM, input_shape, n_outputs, hidden, layers, dropout)


@register_model("gru", FORECAST, "gated recurrent unit network over the input window")
def gru(input_shape: tuple[int, ...], n_outputs: int, hidden: int = 64, layers: int = 1,
        dropout: float = 0.0) -> nn.Module:  # fmt: skip
    """GRU forecaster."""
    return _build(nn.GRU, input_shape, n_outputs, hidden, layers, dropout)
