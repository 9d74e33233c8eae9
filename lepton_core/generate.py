"""What a trained VAE can do: encode, decode, reconstruct, sample, map, interpolate, traverse.

Every function takes the run's LabModel (normalisation + VAE) and images in [0, 1] (N, C, H, W),
and returns images in [0, 1] or latent codes, as CPU tensors, without gradients.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from lepton_core.errors import LabInputError


def _vae(model: nn.Module):
    net = getattr(model, "net", None)
    if net is None or not hasattr(net, "latent_dim"):
        raise LabInputError("this needs a VAE run (train with model 'vae')")
    return net


def latent_dim(model: nn.Module) -> int:
    """Size of the model's latent space."""
    return _vae(model).latent_dim


@torch.no_grad()
def encode(model: nn.Module, x: Tensor, batch_size: int = 256) -> Tensor:
    """Posterior means (N, latent_dim)."""
    net = _vae(model)
    model.eval()
    chunks = (x[i : i + batch_size] for i in range(0, len(x), batch_size))
    return torch.cat([net.encode(model.normalize(c))[0] for c in chunks])


@torch.no_grad()
def decode(model: nn.Module, z: Tensor) -> Tensor:
    """Images (N, C, H, W) in [0, 1]: the decoder's mean for each code."""
    net = _vae(model)
    model.eval()
    z = torch.as_tensor(z, dtype=torch.float32).reshape(-1, net.latent_dim)
    return torch.sigmoid(net.decode(z))


def reconstruct(model: nn.Module, x: Tensor) -> Tensor:
    """Each image through the encoder's mean and back."""
    return decode(model, encode(model, x))


def sample(model: nn.Module, n: int, seed: int = 0) -> Tensor:
    """`n` images decoded from codes drawn from the prior N(0, I), seeded."""
    gen = torch.Generator().manual_seed(int(seed))
    return decode(model, torch.randn(n, latent_dim(model), generator=gen))


def interpolate(model: nn.Module, a: Tensor, b: Tensor, steps: int = 10) -> Tensor:
    """`steps` images on the straight line from image a's code to image b's (both ends included)."""
    if not 2 <= steps <= 32:
        raise LabInputError(f"steps must be between 2 and 32, got {steps}")
    za, zb = encode(model, torch.stack([a, b]))
    t = torch.linspace(0, 1, steps)[:, None]
    return decode(model, (1 - t) * za + t * zb)


def traverse(model: nn.Module, x: Tensor, dim: int, values=None) -> Tensor:
    """Image x's code with dimension `dim` set to each of `values` (default -3..3, 9 steps)."""
    d = latent_dim(model)
    if not 0 <= dim < d:
        raise LabInputError(f"latent dimension must be between 0 and {d - 1}, got {dim}")
    values = torch.linspace(-3, 3, 9) if values is None else torch.as_tensor(values).float()
    z = encode(model, x[None]).repeat(len(values), 1)
    z[:, dim] = values
    return decode(model, z)


@dataclass
class LatentProjection:
    """The latent space seen in 2-D: itself when it is 2-D, else its first two principal axes."""

    mean: np.ndarray  # (latent_dim,)
    axes: np.ndarray  # (2, latent_dim), orthonormal rows
    explained: list[float]  # share of the codes' variance along each axis

    @property
    def is_identity(self) -> bool:
        """True when the latent space is 2-D and shown as it is."""
        return len(self.mean) == 2

    def to_2d(self, z: np.ndarray) -> np.ndarray:
        """Codes (N, latent_dim) -> points (N, 2)."""
        return (np.asarray(z) - self.mean) @ self.axes.T

    def to_latent(self, points: np.ndarray) -> np.ndarray:
        """Points (N, 2) -> codes (N, latent_dim), at the mean along every other direction."""
        return self.mean + np.asarray(points, dtype=np.float64).reshape(-1, 2) @ self.axes


def project(z: np.ndarray) -> LatentProjection:
    """A LatentProjection fitted to codes (N, latent_dim)."""
    z = np.asarray(z, dtype=np.float64)
    d = z.shape[1]
    if d == 2:
        return LatentProjection(np.zeros(2), np.eye(2), [1.0, 1.0])
    mean = z.mean(0)
    _, s, vt = np.linalg.svd(z - mean, full_matrices=False)
    var = s**2
    share = (var[:2] / var.sum()).tolist() if var.sum() > 0 else [0.0, 0.0]
    return LatentProjection(mean, vt[:2], share)


class EncoderMean(nn.Module):
    """The encoder's mean as a model of its own: image -> (N, latent_dim), to attribute with captum.

    Carries the VAE's meta, so the explanation methods treat it as an image-generation model.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model, self.meta = model, model.meta

    def forward(self, x: Tensor) -> Tensor:
        return self.model.net.encode(self.model.normalize(x))[0]


def explain_latent(model: nn.Module, x: Tensor, dim: int, method: str = "integrated-gradients"):
    """Which input pixels drive latent dimension `dim` of the encoder's mean; shaped like x."""
    from lepton_core.explain import attribute

    d = latent_dim(model)
    if not 0 <= dim < d:
        raise LabInputError(f"latent dimension must be between 0 and {d - 1}, got {dim}")
    return attribute(EncoderMean(model), x, method, target=dim)
