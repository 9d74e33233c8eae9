"""What the Evaluate page shows for classifiers, regressors and forecasters."""

import numpy as np
import streamlit as st

from app.components.charts import confusion_heatmap, predicted_vs_actual, series_with_splits
from app.components.images import image_row
from app.components.state import dataset
from app.i18n import t
from lepton_core.metrics import confident_mistakes


def _vs(label: str, value: float, baseline: float, fmt: str, lower_is_better: bool, name: str):
    """A metric with the baseline's value as its delta (green when the network is better)."""
    delta = format(value - baseline, "+" + fmt)
    name = t(f"eval_views.baseline.{name}")
    text = t("eval_views.vs_delta", delta=delta, name=name, baseline=format(baseline, fmt))
    st.metric(label, format(value, fmt), delta=text,
              delta_color="inverse" if lower_is_better else "normal")  # fmt: skip


def show_classification(run, m: dict, ev: dict) -> None:
    """Accuracy, per-class table, confusion matrix; mistakes (images) or a linear baseline."""
    classes = ev["classes"]
    y_true, probs = np.array(ev["y_true"]), np.array(ev["probs"])

    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("eval_views.test_accuracy"), f"{m['test_accuracy']:.1%}")
    c2.metric(t("eval_views.macro_f1"), f"{m['test_macro_f1']:.3f}")
    c3.metric(t("eval_views.test_examples"), f"{len(y_true):,}")
    if "linear_accuracy" in m:
        with c4:
            base = m["linear_accuracy"]
            _vs(t("eval_views.vs_logistic"), m["test_accuracy"], base, ".3f", False, "linear")
        if "test_roc_auc" in m:
            st.caption(t("eval_views.roc_auc", value=m["test_roc_auc"]))
    else:
        chance = f"{1 / len(classes):.0%}"
        c4.metric(t("eval_views.chance_level"), chance, help=t("eval_views.chance_help"))

    left, right = st.columns([1, 1])
    with left:
        st.markdown(t("eval_views.per_class"))
        fields = ("class", "precision", "recall", "f1", "support")
        st.dataframe(
            [{f: r[f] for f in fields} for r in m["per_class"]],
            hide_index=True,
            width="stretch",
            column_config={f: t(f"eval_views.column.{f}") for f in ("class", "support")}
            | {
                f: st.column_config.NumberColumn(t(f"eval_views.column.{f}"), format="%.3f")
                for f in ("precision", "recall", "f1")
            },
        )
        st.caption(t("eval_views.precision_recall"))
    right.plotly_chart(confusion_heatmap(m["confusion_matrix"], classes), key="cm")

    if "linear_accuracy" in m:
        return  # tables: no pictures of mistakes
    st.subheader(t("eval_views.confident_mistakes"))
    mistakes = confident_mistakes(y_true, probs, k=8)
    if not mistakes:
        st.success(t("eval_views.no_mistakes"))
    else:
        ds = dataset(run.config.data.source, run.config.data.options)
        from lepton_core.data.preview import to_uint8

        image_row(
            [to_uint8(ds.x["test"][mk["index"]]) for mk in mistakes],
            [
                t(
                    "eval_views.mistake",
                    index=mk["index"],
                    true=classes[mk["true"]],
                    said=classes[mk["pred"]],
                    confidence=mk["confidence"],
                )
                for mk in mistakes
            ],
        )
        st.session_state.mistakes = [mk["index"] for mk in mistakes]
        st.page_link(
            page="pages/explain.py",
            label=t("eval_views.explain_mistakes"),
            icon=":material/visibility:",
        )


def show_regression(m: dict, ev: dict) -> None:
    """MAE, RMSE, R² beside ridge regression, and predicted vs actual."""
    c1, c2, c3 = st.columns(3)
    with c1:
        _vs(t("eval_views.test_r2"), m["test_r2"], m["linear_r2"], ".3f", False, "ridge")
    with c2:
        _vs(t("eval_views.test_mae"), m["test_mae"], m["linear_mae"], ".4g", True, "ridge")
    with c3:
        _vs(t("eval_views.test_rmse"), m["test_rmse"], m["linear_rmse"], ".4g", True, "ridge")
    st.caption(t("eval_views.ridge_note"))
    st.plotly_chart(
        predicted_vs_actual(ev["y_true"], ev["y_pred"], ev["linear_pred"], ev["target"]), key="pva"
    )


def show_forecast(run, m: dict, ev: dict) -> None:
    """MAE, RMSE, sMAPE beside the naive forecasts, and the forecast over the test span."""
    c1, c2, c3 = st.columns(3)
    with c1:
        _vs(t("eval_views.test_mae"), m["test_mae"], m["naive_mae"], ".4g", True, "naive")
    with c2:
        _vs(t("eval_views.test_rmse"), m["test_rmse"], m["naive_rmse"], ".4g", True, "naive")
    with c3:
        _vs(t("eval_views.test_smape"), m["test_smape"], m["naive_smape"], ".2f", True, "naive")
    if "seasonal_naive_mae" in m:
        sn_mae, sn_rmse = m["seasonal_naive_mae"], m["seasonal_naive_rmse"]
        st.caption(t("eval_views.seasonal_naive", mae=sn_mae, rmse=sn_rmse))
    st.caption(t("eval_views.naive_note"))
    ds = dataset(run.config.data.source, run.config.data.options)
    fd = ds.extra
    y_pred = np.array(ev["y_pred"])[:, 0]
    naive = np.array(ev["naive"])[:, 0]
    extra = {
        t("eval_views.forecast_1step"): (ev["times"], y_pred),
        t("eval_views.baseline.naive"): (ev["times"], naive),
    }
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
        _vs(t("eval_views.sse_per_image"), m["test_recon_sse"], m["baseline_recon_sse"], ".2f",
            True, "mean_image")  # fmt: skip
    with c2:
        _vs(t("eval_views.recon_nats"), m["test_recon_loss"], m["baseline_recon_loss"], ".1f",
            True, "mean_image")  # fmt: skip
    c3.metric(t("eval_views.kl_nats"), f"{m['test_kl']:.2f}")
    c4.metric(t("eval_views.elbo_nats"), f"{m['test_elbo']:.1f}")
    ratio = m["test_recon_sse"] / max(m["baseline_recon_sse"], 1e-12)
    knn = m.get("latent_knn_accuracy")
    if knn is not None:
        c5.metric(t("eval_views.knn"), f"{knn:.1%}", help=t("eval_views.knn_help"))
    st.caption(
        t("eval_views.vae_note", ratio=ratio)
        + (t("eval_views.knn_note") if knn is not None else "")
    )
    sse = np.array(ev["recon_sse"])
    st.plotly_chart(
        histogram(
            sse, t("eval_views.sse_hist"), t("eval_views.squared_error"), t("eval_views.images")
        ),
        key="sse-hist",
    )
    worst = np.argsort(-sse)[:6]
    x = dataset(run.config.data.source, run.config.data.options).x["test"][worst]  # cached
    recon = reconstruct(run_model(run.id, run.record.finished or 0.0), x)
    st.subheader(t("eval_views.hardest"))
    image_row([to_uint8(i) for i in x], [f"#{i} · {sse[i]:.1f}" for i in worst])
    image_row([to_uint8(r) for r in recon], [t("eval_views.reconstruction")] * len(worst))
    st.page_link(
        page="pages/generate.py",
        label=t("eval_views.explore_generate"),
        icon=":material/auto_awesome:",
    )
