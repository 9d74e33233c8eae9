"""A convolutional variational autoencoder sized to the input (gray or RGB, any size)."""

import math

import torch
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.models.registry import register_model

LIKELIHOODS = ("gaussian", "bernoulli")


def _stages(size: int) -> int:
    """Stride-2 stages until the feature map is under 8 pixels (28 -> 14 -> 7: two)."""
    n = 0
    while size >= 8 and n < 4:
        size, n = math.ceil(size / 2), n + 1
    return n


class Crop(nn.Module):
    """Cut the decoder's output (a power-of-two multiple of its grid) to the image size."""

    def __init__(self, height: int, width: int) -> None:
        super().__init__()
        self.height, self.width = height, width

    def forward(self, x: Tensor) -> Tensor:
        return x[:, :, : self.height, : self.width]


class VAE(nn.Module):
    """Encoder q(z|x) = N(mu, exp(logvar)); decoder p(x|z) gives per-pixel logits.

    `forward` returns (logits, mu, logvar): z is sampled while training and is the posterior
    mean in eval mode, so evaluation is deterministic. The decoded image is sigmoid(logits) under
    both likelihoods. `beta` and `likelihood` are kept here so the loss can read them.
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        latent_dim: int,
        beta: float,
        likelihood: str,
        width: int = 32,
    ) -> None:
        super().__init__()
        channels, height, wide = input_shape
        self.input_shape, self.latent_dim = tuple(input_shape), latent_dim
        self.beta, self.likelihood = beta, likelihood
        n = max(1, _stages(min(height, wide)))
        widths = [min(width * 2**i, 128) for i in range(n)]
        enc: list[nn.Module] = []
        c = channels
        for w in widths:
            enc += [nn.Conv2d(c, w, 3, stride=2, padding=1), nn.ReLU()]
            c = w
        self.grid = (c, math.ceil(height / 2**n), math.ceil(wide / 2**n))
        flat = math.prod(self.grid)
        self.encoder = nn.Sequential(*enc, nn.Flatten(), nn.Linear(flat, 256), nn.ReLU())
        self.to_stats = nn.Linear(256, 2 * latent_dim)
        dec: list[nn.Module] = []
        for w_in, w_out in zip(widths[::-1], [*widths[::-1][1:], channels], strict=True):
            dec.append(nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1))
            if w_out != channels:
                dec.append(nn.ReLU())
        self.from_z = nn.Sequential(
            nn.Linear(latent_dim, 256), nn.ReLU(), nn.Linear(256, flat), nn.ReLU()
        )
        self.decoder = nn.Sequential(*dec, Crop(height, wide))

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and log-variance, each (B, latent_dim)."""
        mu, logvar = self.to_stats(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 8.0)

    def decode(self, z: Tensor) -> Tensor:
        """Pixel logits (B, C, H, W) for latent codes (B, latent_dim)."""
        return self.decoder(self.from_z(z).view(-1, *self.grid))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        return self.decode(z), mu, logvar


@register_model(
    "vae",
    ("image-generation",),
    "variational autoencoder: learns to draw the images",
    train_defaults={"epochs": 30, "batch_size": 32},
)
def vae(
    input_shape: tuple[int, ...],
    n_outputs: int,
    latent_dim: int = 2,
    beta: float = 1.0,
    likelihood: str = "gaussian",
    width: int = 32,
) -> nn.Module:
    """A VAE for images (C, H, W); `n_outputs` (the class count) is unused.

    Defaults, measured on digits with a 2-D latent (seeds 0-2, 30 epochs): the Gaussian
    likelihood, which suits grey and colour pixels, separates classes better than Bernoulli
    (5-NN accuracy in latent space 0.83-0.85 vs 0.76-0.80) at a squared error of 0.37-0.41x the
    mean image's; batch 32 gives it twice the steps of 64 in the same epochs.
    """
    if len(input_shape) != 3:
        raise LabInputError("the VAE needs images (channels, height, width)")
    if not 2 <= int(latent_dim) <= 64:
        raise LabInputError(f"latent size must be between 2 and 64, got {latent_dim}")
    if not 0 < float(beta) <= 100:
        raise LabInputError(f"beta must be > 0 and <= 100, got {beta}")
    if likelihood not in LIKELIHOODS:
        raise LabInputError(f"likelihood must be one of {', '.join(LIKELIHOODS)}: {likelihood!r}")
    return VAE(tuple(input_shape), int(latent_dim), float(beta), likelihood, int(width))
