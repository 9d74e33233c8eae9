"""Can this attribution map be trusted? One report per run and method: faithfulness, sanity
checks and, where object masks are known, localisation. JSON-ready, cached in the run folder.

    from lepton_core.explain.trust import trust_report
    report = trust_report(run, None, "saliency", n_images=32)

Every number is for the first `n_images` test images, each explained for its predicted class.
Everything random (orderings, noise, re-initialised weights, shuffled labels) is seeded.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import Tensor, nn

from lepton_core.data import LabDataset
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, attribute
from lepton_core.explain.methods import model_task
from lepton_core.explain.trust_faithfulness import (
    curve_auc,
    infidelity_score,
    perturbation_curves,
    pixel_scores,
    random_scores,
    sensitivity_score,
    target_probs,
)
from lepton_core.explain.trust_localisation import mask_mass, pointing_game
from lepton_core.explain.trust_sanity import label_random_model, sanity_checks
from lepton_core.explain.trust_summary import (
    SANITY_THRESHOLD,
    SUMMARY_KEYS,
    sanity_passed,
    sanity_verdict,
    trust_summary,
    trust_text,
)
from lepton_core.runs import Run

__all__ = [
    "SANITY_THRESHOLD",
    "SUMMARY_KEYS",
    "TrustOptions",
    "sanity_passed",
    "sanity_verdict",
    "trust_report",
    "trust_summary",
    "trust_text",
]

REPORT_VERSION = 1  # bump when the report's numbers change meaning: old cache entries are skipped


@dataclass(frozen=True)
class TrustOptions:
    """The knobs of a trust report; all of them key its cache entry."""

    steps: int = 20  # deletion/insertion points beyond the first: 5% of the pixels per step
    seed: int = 0
    infidelity_samples: int = 10  # noise draws per image
    infidelity_patch: float = 0.25  # side of the blacked-out square, as a share of the image side
    sensitivity_samples: int = 4  # noisy copies per image (each one explained again)
    sensitivity_images: int = 8  # the first images only: it costs samples x a full explanation
    sensitivity_radius: float = 0.02  # max per-pixel noise
    label_epochs: int = 3  # training of the shuffled-label model
    label_examples: int = 1024  # training images it sees
    tolerance: int = 1  # pointing game: pixels of slack around the mask

    @classmethod
    def from_kwargs(cls, options: dict) -> "TrustOptions":
        """Options from keyword arguments; unknown names are refused."""
        unknown = set(options) - {f.name for f in fields(cls)}
        if unknown:
            raise LabInputError(f"unknown trust option(s): {', '.join(sorted(unknown))}")
        opts = cls(**options)
        counts = (opts.infidelity_samples, opts.sensitivity_samples, opts.sensitivity_images)
        if opts.steps < 2 or min(counts) < 1 or opts.label_epochs < 1 or opts.label_examples < 2:
            raise LabInputError("steps must be >= 2, and sample, image and epoch counts >= 1")
        return opts


def trust_report(
    run_or_model: Run | nn.Module,
    ds: LabDataset | None = None,
    method: str = "saliency",
    n_images: int = 32,
    progress: Callable[[float, str], None] | None = None,
    cache: bool = True,
    method_options: dict | None = None,
    **options,
) -> dict:
    """Faithfulness, sanity and localisation numbers for `method` on a run's (or model's) data.

    `run_or_model`: a Run (its dataset is used when `ds` is None, and the report is cached in
    `runs/<id>/trust/<method>.json`, the shuffled-label model in `label_random.safetensors`),
    or an image classifier with its LabDataset `ds` (nothing cached). `progress(fraction, text)`
    is called as the work advances. `method_options` go to the method (see `attribute`);
    `options` are the fields of TrustOptions. `cache=False` neither reads nor writes the report.
    """
    opts = TrustOptions.from_kwargs(options)
    method_options = dict(method_options or {})
    model, ds, folder = _resolve(run_or_model, ds)
    explainer = EXPLAIN_METHODS.get(method)
    if model_task(model) != "image-classification" or not ds.is_image:
        raise LabInputError("the trust checks are for image classifiers")
    n = max(1, min(int(n_images), len(ds.x["test"])))
    key = _cache_key(method, method_options, n, opts, folder)
    path = folder / "trust" / f"{method}.json" if folder and cache else None
    entries = _read_entries(path)
    if key in entries:
        return entries[key]

    def explain(m: nn.Module, images: Tensor, target: Tensor) -> Tensor:
        return attribute(m, images, method, target, **method_options)

    report = _compute(model, ds, explain, n, opts, folder, progress or (lambda f, t: None))
    report |= {"method": method, "method_label": explainer.label, "n_images": n}
    report |= {"method_options": method_options, "options": asdict(opts)}
    if path is not None:
        _write_entries(path, _read_entries(path) | {key: report})
    return report


def cached_report(
    run: Run,
    method: str,
    n_images: int = 32,
    ds: LabDataset | None = None,
    method_options: dict | None = None,
    **options,
) -> dict | None:
    """The cached trust_report of `run` with these settings, or None (nothing is computed)."""
    opts = TrustOptions.from_kwargs(options)
    folder = Path(run.folder)
    n = max(1, min(int(n_images), len((ds or run.dataset).x["test"])))
    key = _cache_key(method, dict(method_options or {}), n, opts, folder)
    return _read_entries(folder / "trust" / f"{method}.json").get(key)


def _resolve(run_or_model, ds) -> tuple[nn.Module, LabDataset, Path | None]:
    """(model in eval mode, dataset, run folder or None)."""
    if isinstance(run_or_model, nn.Module):
        if ds is None:
            raise LabInputError("trust_report needs the dataset when given a bare model")
        return run_or_model.eval(), ds, None
    run = run_or_model
    return run.model(), ds if ds is not None else run.dataset, Path(run.folder)


def _cache_key(method: str, method_options: dict, n: int, opts, folder: Path | None) -> str:
    """What the report depends on, as a string: settings and the checkpoint's size and time."""
    ckpt = folder / "checkpoint.safetensors" if folder else None
    stamp = [ckpt.stat().st_size, ckpt.stat().st_mtime_ns] if ckpt and ckpt.exists() else None
    key = {"v": REPORT_VERSION, "method": method, "method_options": method_options, "n": n}
    return json.dumps(key | {"checkpoint": stamp} | asdict(opts), sort_keys=True, default=str)


def _read_entries(path: Path | None) -> dict:
    """The cached reports in `path` by key; {} when there is none or it is unreadable."""
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # a damaged cache is recomputed, not an error
        return {}


def _write_entries(path: Path, entries: dict) -> None:
    """Write the cached reports atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(entries, indent=1))
    tmp.replace(path)


Explain = Callable[[nn.Module, Tensor, Tensor], Tensor]  # (model, images, target) -> attributions


def _compute(model, ds, explain: Explain, n: int, opts: TrustOptions, folder, progress) -> dict:
    """The report's numbers (see trust_report), with the seconds each part took."""
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    x = ds.x["test"][:n].float()  # (B, C, H, W)
    with torch.no_grad():
        target = model(x).argmax(dim=1)  # (B,) explain each image's predicted class
    progress(0.0, "explaining the test images")
    attr = explain(model, x, target)
    scores = pixel_scores(attr)  # (B, H, W) signed
    report = _faithfulness(model, x, attr, scores, target, explain, opts, progress)
    seconds["faithfulness"] = round(time.monotonic() - t0, 3)

    t1 = time.monotonic()
    progress(0.6, "training a model on shuffled labels")
    label_cache = folder / "trust" / "label_random.safetensors" if folder else None
    label_model = label_random_model(
        model, ds.x["train"], ds.y["train"], opts.label_epochs, opts.seed,
        opts.label_examples, label_cache,
    )  # fmt: skip
    seconds["label_model"] = round(time.monotonic() - t1, 3)

    t2 = time.monotonic()

    def abs_maps(m: nn.Module, images: Tensor) -> Tensor:
        return pixel_scores(explain(m, images, target)).abs()

    def sanity_progress(f: float, text: str) -> None:
        progress(0.7 + 0.25 * f, text)

    report |= sanity_checks(
        model, x, scores.abs(), abs_maps, label_model, opts.seed, sanity_progress
    )
    label_corr = report["label_rank_correlation"]
    report["sanity_threshold"] = SANITY_THRESHOLD
    report["sanity_passed"] = sanity_passed(report["sanity_rank_correlation"], label_corr)
    report["verdict"] = sanity_verdict(
        report["sanity_rank_correlation"], label_corr, report["cascade"][0]["rank_correlation"]
    )
    seconds["sanity"] = round(time.monotonic() - t2, 3)

    report |= _localisation(ds, n, scores, opts)
    seconds["total"] = round(time.monotonic() - t0, 3)
    report["seconds"] = seconds
    progress(1.0, "done")
    return report


def _faithfulness(model, x, attr, scores, target, explain: Explain, opts, progress) -> dict:
    """Deletion/insertion curves and AUCs (map order, and a seeded random order), infidelity
    and sensitivity."""
    progress(0.1, "deleting and inserting pixels")
    curves = perturbation_curves(model, x, scores, target, opts.steps)
    rand = perturbation_curves(model, x, random_scores(scores.shape, opts.seed), target, opts.steps)
    mean = {k: v.mean(dim=0).tolist() for k, v in curves.items()}
    mean |= {f"random_{k}": v.mean(dim=0).tolist() for k, v in rand.items()}
    report = {f"{k}_auc": curve_auc(v) for k, v in mean.items()}
    report["curves"] = {"fraction": [j / opts.steps for j in range(opts.steps + 1)]} | mean
    report["original_probability"] = float(target_probs(model, x, target).mean())

    progress(0.2, "measuring infidelity")
    report["infidelity"] = infidelity_score(
        model, x, attr, target, opts.infidelity_samples, opts.infidelity_patch, opts.seed
    )
    progress(0.3, "measuring sensitivity to tiny noise")
    k = opts.sensitivity_images
    report["sensitivity"] = sensitivity_score(
        lambda images, t: explain(model, images, t),
        x[:k], target[:k], opts.sensitivity_samples, opts.sensitivity_radius, opts.seed,
    )  # fmt: skip
    return report


def _localisation(ds, n: int, scores: Tensor, opts: TrustOptions) -> dict:
    """Mask mass and pointing game against uniform random maps; None without object masks."""
    keys = ("mask_mass", "random_mask_mass", "pointing_game", "random_pointing_game")
    if not ds.masks or "test" not in ds.masks:
        return dict.fromkeys(keys)
    masks = torch.as_tensor(ds.masks["test"][:n]).bool()  # (B, H, W)
    rand = random_scores(scores.shape, opts.seed + 1)
    values = (
        mask_mass(scores, masks),
        mask_mass(rand, masks),
        pointing_game(scores, masks, opts.tolerance).float(),
        pointing_game(rand, masks, opts.tolerance).float(),
    )
    return {k: float(v.mean()) for k, v in zip(keys, values, strict=True)}
