"""Sanity checks for saliency maps (Adebayo et al. 2018, "Sanity Checks for Saliency Maps").

A map that explains the model must change when the model's learned weights are destroyed
(model-parameter randomisation) or when the model learned nothing real (label randomisation).
Similarity between maps is the Spearman rank correlation and the SSIM of their absolute values.
"""

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from scipy.stats import rankdata
from skimage.metrics import structural_similarity
from torch import Tensor, nn

from lepton_core.config import TrainSpec
from lepton_core.training import Trainer


def rank_correlations(a: Tensor, b: Tensor) -> np.ndarray:
    """Spearman rank correlation of each pair of maps a[i], b[i] (B, ...) -> (B,).

    Ties get average ranks. A constant map carries no ranking: it correlates 1 with an equal
    constant map and 0 with anything else.
    """
    ra = rankdata(a.reshape(len(a), -1).double().numpy(), axis=1)
    rb = rankdata(b.reshape(len(b), -1).double().numpy(), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    na, nb = np.linalg.norm(ra, axis=1), np.linalg.norm(rb, axis=1)
    flat = (na == 0) | (nb == 0)
    corr = (ra * rb).sum(axis=1) / np.where(flat, 1.0, na * nb)
    return np.where(flat, (na == 0) & (nb == 0), corr).astype(np.float64)


def _unit(m: np.ndarray) -> np.ndarray:
    top = m.max()
    return m / top if top > 0 else m


def ssims(a: Tensor, b: Tensor) -> np.ndarray | None:
    """SSIM of each pair of (B, H, W) non-negative maps, each scaled to [0, 1] by its maximum.

    None for maps smaller than 3x3 (SSIM's smallest window).
    """
    side = min(a.shape[-2:])
    win = min(7, side if side % 2 else side - 1)
    if win < 3:
        return None
    pairs = zip(a.double().numpy(), b.double().numpy(), strict=True)
    return np.array(
        [structural_similarity(_unit(p), _unit(q), data_range=1.0, win_size=win) for p, q in pairs]
    )


def similarity(trained: Tensor, other: Tensor) -> dict[str, float | None]:
    """Mean rank correlation and SSIM between two batches of (B, H, W) absolute maps."""
    s = ssims(trained, other)
    return {
        "rank_correlation": float(rank_correlations(trained, other).mean()),
        "ssim": None if s is None else float(s.mean()),
    }


def layer_groups(model: nn.Module) -> list[tuple[str, list[nn.Module]]]:
    """The model's learned layers, input to output: (name, modules) per Conv/Linear-like layer.

    A layer starts at each leaf module whose weight is a matrix or kernel (ndim >= 2); the
    normalisation layers after it (1-D weights, e.g. BatchNorm) belong to the same group.
    """
    groups: list[tuple[str, list[nn.Module]]] = []
    for name, module in model.named_modules():
        params = dict(module.named_parameters(recurse=False))
        if not params or any(True for _ in module.children()):
            continue
        weight = params.get("weight")
        if not groups or (weight is not None and weight.ndim >= 2):
            groups.append((f"{name} ({type(module).__name__})", [module]))
        else:
            groups[-1][1].append(module)
    return groups


def reinitialise(modules: list[nn.Module], seed: int, layer: int) -> None:
    """Re-initialise `modules` in place as if new, from (`seed`, `layer`); torch's global RNG
    is left as it was.

    The two are mixed through a SeedSequence: seeding torch with a small integer such as the
    run's own seed would give the first layer exactly the weights training started from.
    """
    mixed = int(np.random.SeedSequence((seed, layer, 0x7A57)).generate_state(1, np.uint64)[0])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(mixed)
        for module in modules:
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
            else:
                for p in module.parameters(recurse=False):
                    nn.init.normal_(p, std=0.02)


def cascade_models(model: nn.Module, seed: int = 0) -> Iterator[tuple[str, nn.Module]]:
    """Yield (layer name, model copy) with layers randomised from the output down, cumulatively.

    Layer k (counting from the input) always gets the same weights for a seed, so the last copy
    is the fully randomised model. The trained model is never modified.
    """
    randomised = copy.deepcopy(model).eval()
    groups = layer_groups(randomised)
    for k in reversed(range(len(groups))):
        name, modules = groups[k]
        reinitialise(modules, seed, k)
        yield name, randomised


def label_random_model(
    model: nn.Module,
    x_train: Tensor,
    y_train: Tensor,
    epochs: int = 3,
    seed: int = 0,
    max_examples: int = 1024,
    cache: Path | None = None,
) -> nn.Module:
    """A copy of `model`, freshly initialised and trained on shuffled labels (eval mode).

    Uses the first `max_examples` training images and a seeded permutation of their labels, so
    nothing the model learns can be real. With `cache`, the weights are read from that
    safetensors file when it was made with the same settings, and written there otherwise.
    """
    settings = {"epochs": epochs, "seed": seed, "max_examples": max_examples, "version": 1}
    settings = {k: str(v) for k, v in settings.items()}  # safetensors metadata is str -> str
    fresh = copy.deepcopy(model)
    for k, (_, modules) in enumerate(layer_groups(fresh)):
        reinitialise(modules, seed, k)
    if cache is not None and cache.exists():
        with safe_open(str(cache), framework="pt") as f:
            same = f.metadata() == settings
        if same:
            fresh.load_state_dict(load_file(str(cache)), strict=True)
            return fresh.eval()
    x, y = x_train[:max_examples], y_train[:max_examples]
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))]
    with torch.random.fork_rng(devices=[]):  # the Trainer seeds torch's global RNG
        Trainer(fresh, TrainSpec(epochs=epochs, seed=seed)).fit(x, shuffled)
    fresh.eval()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in fresh.state_dict().items()}
        tmp = cache.with_name(f".{cache.name}.tmp")
        save_file(state, str(tmp), metadata=settings)
        tmp.replace(cache)  # atomic: a concurrent reader never sees half a file
    return fresh


def sanity_checks(
    model: nn.Module,
    x: Tensor,
    trained: Tensor,
    explain: Callable[[nn.Module, Tensor], Tensor],
    label_model: nn.Module | None = None,
    seed: int = 0,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Compare the trained model's |maps| `trained` (B, H, W) of images `x` with randomised
    models' maps of the same images and classes.

    `explain(model, x)` returns (B, H, W) absolute maps. Returns the cascade (one entry per
    layer, output layer first, each cumulative), the fully randomised model's numbers, and the
    label-randomised model's when `label_model` is given.
    """
    cascade = []
    n_layers = len(layer_groups(model))
    for i, (name, randomised) in enumerate(cascade_models(model, seed)):
        if progress:
            progress(i / n_layers, f"randomising layer {name} ({i + 1} of {n_layers})")
        cascade.append({"layer": name, **similarity(trained, explain(randomised, x))})
    report = {
        "cascade": cascade,
        "sanity_rank_correlation": cascade[-1]["rank_correlation"],
        "sanity_ssim": cascade[-1]["ssim"],
        "label_rank_correlation": None,
        "label_ssim": None,
    }
    if label_model is not None:
        label = similarity(trained, explain(label_model, x))
        report |= {"label_rank_correlation": label["rank_correlation"], "label_ssim": label["ssim"]}
    return report
