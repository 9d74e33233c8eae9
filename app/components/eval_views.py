"""What the Evaluate page shows for classifiers, regressors and forecasters."""

import numpy as np
import streamlit as st

from app.components.charts import confusion_heatmap, predicted_vs_actual, series_with_splits
from app.components.images import image_row
from app.components.state import dataset
from lepton_core.metrics import confident_mistakes


def _vs(label: str, value: float, baseline: float, fmt: str, lower_is_better: bool, name: str):
    """A metric with the baseline's value as its delta (green when the network is better)."""
    delta = value - baseline
    st.metric(label, format(value, fmt), delta=f"{delta:+{fmt}} vs {name} {baseline:{fmt}}",
              delta_color="inverse" if lower_is_better else "normal")  # fmt: skip


def show_classification(run, m: dict, ev: dict) -> None:
    """Accuracy, per-class table, confusion matrix; mistakes (images) or a linear baseline."""
    classes = ev["classes"]
    y_true, probs = np.array(ev["y_true"]), np.array(ev["probs"])

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Test accuracy", f"{m['test_accuracy']:.1%}")
    c2.metric("Macro F1", f"{m['test_macro_f1']:.3f}")
    c3.metric("Test examples", f"{len(y_true):,}")
    if "linear_accuracy" in m:
        with c4:
            base = m["linear_accuracy"]
            _vs("vs logistic regression", m["test_accuracy"], base, ".3f", False, "linear")
        if "test_roc_auc" in m:
            st.caption(f"ROC AUC {m['test_roc_auc']:.3f} (1 = perfect ranking, 0.5 = chance).")
    else:
        c4.metric("Chance level", f"{1 / len(classes):.0%}", help="accuracy of guessing uniformly")

    left, right = st.columns([1, 1])
    with left:
        st.markdown("**Per class**")
        st.dataframe(
            [
                {
                    "class": r["class"],
                    "precision": r["precision"],
                    "recall": r["recall"],
                    "F1": r["f1"],
                    "images": r["support"],
                }
                for r in m["per_class"]
            ],
            hide_index=True,
            width="stretch",
            column_config={
                k: st.column_config.NumberColumn(format="%.3f")
                for k in ("precision", "recall", "F1")
            },
        )
        st.caption(
            "Precision: of the images predicted as this class, how many were. Recall: of the "
            "images of this class, how many were found."
        )
    right.plotly_chart(confusion_heatmap(m["confusion_matrix"], classes), key="cm")

    if "linear_accuracy" in m:
        return  # tables: no pictures of mistakes
    st.subheader("Most confident mistakes")
    mistakes = confident_mistakes(y_true, probs, k=8)
    if not mistakes:
        st.success("No mistakes on the test split.")
    else:
        ds = dataset(run.config.data.source, run.config.data.options)
        from lepton_core.data.preview import to_uint8

        image_row(
            [to_uint8(ds.x["test"][mk["index"]]) for mk in mistakes],
            [
                f"#{mk['index']}: true {classes[mk['true']]}, said {classes[mk['pred']]} "
                f"({mk['confidence']:.0%})"
                for mk in mistakes
            ],
        )
        st.session_state.mistakes = [mk["index"] for mk in mistakes]
        st.page_link(
            "pages/explain.py", label="Explain these mistakes →", icon=":material/visibility:"
        )


def show_regression(m: dict, ev: dict) -> None:
    """MAE, RMSE, R² beside ridge regression, and predicted vs actual."""
    c1, c2, c3 = st.columns(3)
    with c1:
        _vs("Test R²", m["test_r2"], m["linear_r2"], ".3f", False, "ridge")
    with c2:
        _vs("Test MAE", m["test_mae"], m["linear_mae"], ".4g", True, "ridge")
    with c3:
        _vs("Test RMSE", m["test_rmse"], m["linear_rmse"], ".4g", True, "ridge")
    st.caption("The ridge baseline is a linear model fitted on the same split and preprocessing: "
               "the network earns its complexity only where it beats it.")  # fmt: skip
    st.plotly_chart(
        predicted_vs_actual(ev["y_true"], ev["y_pred"], ev["linear_pred"], ev["target"]), key="pva"
    )


def show_forecast(run, m: dict, ev: dict) -> None:
    """MAE, RMSE, sMAPE beside the naive forecasts, and the forecast over the test span."""
    c1, c2, c3 = st.columns(3)
    with c1:
        _vs("Test MAE", m["test_mae"], m["naive_mae"], ".4g", True, "naive")
    with c2:
        _vs("Test RMSE", m["test_rmse"], m["naive_rmse"], ".4g", True, "naive")
    with c3:
        _vs("Test sMAPE %", m["test_smape"], m["naive_smape"], ".2f", True, "naive")
    if "seasonal_naive_mae" in m:
        sn_mae, sn_rmse = m["seasonal_naive_mae"], m["seasonal_naive_rmse"]
        st.caption(f"Seasonal-naive baseline (the value one season earlier): MAE {sn_mae:.4g}, "
                   f"RMSE {sn_rmse:.4g}.")  # fmt: skip
    st.caption("Naive = repeat the last observed value. A forecaster is only useful where it "
               "beats this.")  # fmt: skip
    ds = dataset(run.config.data.source, run.config.data.options)
    fd = ds.extra
    y_pred = np.array(ev["y_pred"])[:, 0]
    naive = np.array(ev["naive"])[:, 0]
    extra = {"forecast (1 step ahead)": (ev["times"], y_pred), "naive": (ev["times"], naive)}
    fig = series_with_splits(fd.series, ev["target"], fd.split_times, extra)
    st.plotly_chart(fig, key="fc")


def show_generation(run, m: dict, ev: dict) -> None:
    """A VAE: reconstruction beside the mean-image baseline, KL, ELBO; the worst reconstructions."""
    from app.components.charts import histogram
    from app.components.state import dataset, run_model
    from lepton_core.data.preview import to_uint8
    from lepton_core.generate import reconstruct

    c1, c2, c3, c4, c5 = st.columns(5)
    with c1:
        _vs("Squared error / image", m["test_recon_sse"], m["baseline_recon_sse"], ".2f", True,
            "mean image")  # fmt: skip
    with c2:
        _vs("Reconstruction (nats)", m["test_recon_loss"], m["baseline_recon_loss"], ".1f", True,
            "mean image")  # fmt: skip
    c3.metric("KL (nats)", f"{m['test_kl']:.2f}")
    c4.metric("ELBO (nats)", f"{m['test_elbo']:.1f}")
    ratio = m["test_recon_sse"] / max(m["baseline_recon_sse"], 1e-12)
    knn = m.get("latent_knn_accuracy")
    if knn is not None:
        c5.metric("Latent 5-NN accuracy", f"{knn:.1%}", help="classes told apart in latent space")
    st.caption(
        f"Per test image. The squared error sums (decoded − input)² over pixels; the VAE's is "
        f"{ratio:.2f}× that of always drawing the mean training image. Reconstruction and KL are "
        "in nats (ELBO = −(reconstruction + KL), higher is better; with the Gaussian likelihood "
        "pixel densities exceed 1, so it can be positive)."
        + (
            " Latent 5-NN accuracy: how often a test image's 5 nearest training codes share its "
            "class, though the VAE never saw a label."
            if knn is not None
            else ""
        )
    )
    sse = np.array(ev["recon_sse"])
    st.plotly_chart(
        histogram(sse, "Squared error per test image", "squared error", "images"), key="sse-hist"
    )
    worst = np.argsort(-sse)[:6]
    x = dataset(run.config.data.source, run.config.data.options).x["test"][worst]  # cached
    recon = reconstruct(run_model(run.id, run.record.finished or 0.0), x)
    st.subheader("Hardest test images to redraw")
    image_row([to_uint8(i) for i in x], [f"#{i} · {sse[i]:.1f}" for i in worst])
    image_row([to_uint8(r) for r in recon], ["reconstruction"] * len(worst))
    st.page_link(
        "pages/generate.py", label="Explore it on Generate →", icon=":material/auto_awesome:"
    )
