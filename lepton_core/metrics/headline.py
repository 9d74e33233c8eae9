"""One line of the metrics a user looks at first, each beside its baseline."""


def headline(m: dict) -> str:
    """The metrics a user looks at first, beside their baseline."""
    if "test_accuracy" in m:
        extra = f" (linear {m['linear_accuracy']:.4f})" if "linear_accuracy" in m else ""
        return f"test accuracy {m['test_accuracy']:.4f}{extra}"
    if "test_r2" in m:
        return f"test R² {m['test_r2']:.3f} (ridge {m['linear_r2']:.3f}), MAE {m['test_mae']:.4g}"
    if "naive_mae" in m:
        return f"test MAE {m['test_mae']:.4g} (naive last value {m['naive_mae']:.4g})"
    if "test_recon_sse" in m:
        return (
            f"test squared error {m['test_recon_sse']:.2f} per image "
            f"(mean image {m['baseline_recon_sse']:.2f}), ELBO {m['test_elbo']:.1f} nats"
        )
    return "no metrics"
