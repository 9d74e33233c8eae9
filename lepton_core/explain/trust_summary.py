"""A trust report in words: the pass/fail threshold, the verdict, the headline numbers."""

# A map "passes" a randomisation check when its mean rank correlation with the randomised
# model's map is below this. Adebayo et al. read correlations near 0 as passing and near 1 as
# failing. On seed-cnn/digits (3 epochs, 32 test images) the measured values fall into two
# clear groups: Saliency 0.15, Grad-CAM 0.14, Guided Grad-CAM 0.18, SmoothGrad 0.28, Guided
# Backprop 0.30, VarGrad 0.32, GradientSHAP 0.32, against Occlusion 0.76 and Integrated
# Gradients, Input x Gradient and DeepLift 0.85, which mostly copy the input image, as the paper
# found for them. 0.5 sits in the gap.
SANITY_THRESHOLD = 0.5
# A map that stays this similar when only the output layer is randomised ignores which class
# was asked for (the paper's finding for Guided Backprop): said in the verdict, not a failure.
CLASS_BLIND = 0.8
SUMMARY_KEYS = (
    "deletion_auc",
    "insertion_auc",
    "random_deletion_auc",
    "random_insertion_auc",
    "infidelity",
    "sensitivity",
    "sanity_rank_correlation",
    "label_rank_correlation",
    "sanity_passed",
    "mask_mass",
    "random_mask_mass",
    "pointing_game",
    "random_pointing_game",
)  # the headline numbers, as `lepton explain --trust --json` adds them


def sanity_passed(rank_correlation: float, label_rank_correlation: float | None = None) -> bool:
    """Both randomisation checks (the label one where it ran) stay below the threshold."""
    label_ok = label_rank_correlation is None or label_rank_correlation < SANITY_THRESHOLD
    return rank_correlation < SANITY_THRESHOLD and label_ok


def sanity_verdict(
    rank_correlation: float,
    label_rank_correlation: float | None = None,
    top_layer_rank_correlation: float | None = None,
) -> str:
    """A plain-words verdict on the randomisation checks, given their mean rank correlations:
    full model randomisation, label randomisation, and the output layer alone."""
    t = SANITY_THRESHOLD
    if rank_correlation >= t:
        verdict = (
            f"Fails the sanity check: a model with random weights gets a similar map (rank "
            f"correlation {rank_correlation:.2f}, {t} or more). The map may show the image itself "
            "(edges, bright strokes) more than what the model learned."
        )
    elif label_rank_correlation is not None and label_rank_correlation >= t:
        verdict = (
            f"Half passes: the map changes when the weights are randomised ({rank_correlation:.2f}"
            f" < {t}), but a model trained on shuffled labels gets a similar map "
            f"({label_rank_correlation:.2f}). Treat its details with care."
        )
    else:
        label = (
            ""
            if label_rank_correlation is None
            else f" and for a model trained on shuffled labels ({label_rank_correlation:.2f})"
        )
        verdict = (
            f"Passes the sanity checks: the map changes a lot for a model with random weights "
            f"(rank correlation {rank_correlation:.2f} < {t}){label}, so it depends on what the "
            "model learned."
        )
    top = top_layer_rank_correlation
    if rank_correlation < t and top is not None and top >= CLASS_BLIND:
        verdict += (
            f" But it barely changes when only the output layer is randomised "
            f"({top:.2f}): it says little about which class was chosen."
        )
    return verdict


def trust_summary(report: dict) -> dict:
    """The report's headline numbers (those it has: no mask numbers without masks)."""
    summary = {k: report[k] for k in SUMMARY_KEYS if report.get(k) is not None}
    return summary | {"trust_images": report["n_images"], "sanity_verdict": report["verdict"]}


def trust_text(report: dict) -> str:
    """The headline numbers in a few plain lines, for a terminal."""
    r = report
    lines = [
        f"trust on {r['n_images']} test images: deletion AUC {r['deletion_auc']:.3f} "
        f"(random order {r['random_deletion_auc']:.3f}, lower is better), insertion AUC "
        f"{r['insertion_auc']:.3f} (random {r['random_insertion_auc']:.3f}, higher is better)",
        f"infidelity {r['infidelity']:.4g}, sensitivity {r['sensitivity']:.3f} (lower is better)",
    ]
    if r.get("mask_mass") is not None:
        lines.append(
            f"mass inside the object {r['mask_mass']:.2f} (random {r['random_mask_mass']:.2f}), "
            f"pointing game {r['pointing_game']:.2f} (random {r['random_pointing_game']:.2f})"
        )
    return "\n".join([*lines, r["verdict"]])
