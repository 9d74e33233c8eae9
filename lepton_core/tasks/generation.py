"""Image generation (VAE): the negative ELBO as the loss; reconstruction, KL and baselines.

All quantities are per image: summed over pixels (and latent dimensions), averaged over images.
Reconstruction and KL are in nats. Evaluation decodes the posterior mean, so it is deterministic.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from lepton_core.metrics.generative import latent_knn_accuracy
from lepton_core.tasks import TASKS, Task
from lepton_core.training.trainer import predict_logits

GAUSSIAN_SIGMA = 0.1  # the fixed pixel noise of the Gaussian likelihood (pixels in [0, 1])


def recon_nll(logits: Tensor, x: Tensor, likelihood: str = "bernoulli") -> Tensor:
    """-log p(x | z) per image (B,), in nats, from the decoder's pixel logits."""
    if likelihood == "bernoulli":
        nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    else:  # Gaussian around sigmoid(logits) with a fixed sigma
        z = (x - torch.sigmoid(logits)) / GAUSSIAN_SIGMA
        nll = 0.5 * z**2 + math.log(GAUSSIAN_SIGMA) + 0.5 * math.log(2 * math.pi)
    return nll.flatten(1).sum(1)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(q(z|x) || N(0, I)) per image (B,), in nats."""
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)


def vae_loss(output, x: Tensor, beta: float = 1.0, likelihood: str = "bernoulli") -> dict:
    """recon + beta * KL (the beta-VAE objective), with its parts and the ELBO, per image."""
    logits, mu, logvar = output
    recon = recon_nll(logits, x, likelihood).mean()
    kl = kl_divergence(mu, logvar).mean()
    return {"loss": recon + beta * kl, "recon": recon, "kl": kl, "elbo": -(recon + kl)}


def loss_options(model) -> dict:
    """The VAE's beta and likelihood (kept on the network)."""
    net = getattr(model, "net", model)
    return {"beta": net.beta, "likelihood": net.likelihood}


def evaluate_generation(model, ds) -> tuple[dict, dict]:
    """Test ELBO, reconstruction (nats and squared error), KL, beside the mean-image baseline."""
    likelihood = loss_options(model)["likelihood"]
    x = ds.x["test"]
    logits, mu, logvar = predict_logits(model, x)
    recon, kl = recon_nll(logits, x, likelihood), kl_divergence(mu, logvar)
    sse = (torch.sigmoid(logits) - x).pow(2).flatten(1).sum(1)
    mean_image = ds.x["train"].mean(0, keepdim=True)
    baseline_logits = torch.logit(mean_image.clamp(1e-4, 1 - 1e-4)).expand_as(x)
    metrics = {
        "test_recon_loss": recon.mean().item(),
        "baseline_recon_loss": recon_nll(baseline_logits, x, likelihood).mean().item(),
        "test_recon_sse": sse.mean().item(),
        "baseline_recon_sse": (mean_image - x).pow(2).flatten(1).sum(1).mean().item(),
        "test_kl": kl.mean().item(),
        "test_elbo": -(recon + kl).mean().item(),
    }
    if ds.n_classes >= 2:
        from lepton_core.generate import encode  # the codes only: no need to decode

        mu_train = encode(model, ds.x["train"])
        metrics["latent_knn_accuracy"] = latent_knn_accuracy(
            mu_train.numpy(), ds.y["train"].numpy(), mu.numpy(), ds.y["test"].numpy()
        )
    evaluation = {
        "classes": ds.classes,
        "y_true": ds.y["test"].tolist(),
        "latent": np.round(mu.numpy(), 4).tolist(),
        "recon_sse": np.round(sse.numpy(), 3).tolist(),
    }
    return metrics, evaluation


TASKS.register("image-generation")(
    Task(
        "image-generation",
        vae_loss,
        False,
        evaluate_generation,
        "test_recon_sse",
        target_is_input=True,
        loss_options=loss_options,
    )
)
