"""The Explain page's trust panel: which maps deserve trust, with the evidence per method."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from app.i18n import t
from lepton_core.csv_safe import safe_csv
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, list_methods
from lepton_core.explain.trust import cached_report, trust_report
from lepton_core.explain.trust_summary import SANITY_THRESHOLD

DEFAULT_TRUST = ("saliency", "integrated-gradients", "grad-cam", "guided-backprop")
COLUMNS = (  # report keys shown as table columns (titles in the catalogue)
    "sanity_rank_correlation",
    "label_rank_correlation",
    "deletion_auc",
    "random_deletion_auc",
    "insertion_auc",
    "random_insertion_auc",
    "infidelity",
    "sensitivity",
    "mask_mass",
    "random_mask_mass",
    "pointing_game",
    "random_pointing_game",
)
CURVES = (("deletion", "solid"), ("insertion", "solid"), ("random_deletion", "dot"),
          ("random_insertion", "dot"))  # fmt: skip


def _short(verdict: str) -> str:
    for start, short in (("Passes", "passes"), ("Half", "half_passes"), ("Fails", "fails")):
        if verdict.startswith(start):
            return t(f"trust_panel.verdict.{short}")
    return verdict.split(":")[0]


def _table(reports: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for name, r in reports.items():
        row = {
            t("trust_panel.column.method"): EXPLAIN_METHODS.get(name).label,
            t("trust_panel.column.sanity"): _short(r["verdict"]),
        }
        row |= {t(f"trust_panel.column.{k}"): r[k] for k in COLUMNS if r.get(k) is not None}
        rows.append(row)
    return pd.DataFrame(rows).round(3)


def _curves(report: dict) -> go.Figure:
    c = report["curves"]
    fig = go.Figure()
    for key, dash in CURVES:
        name = t(f"trust_panel.curve.{key}")
        fig.add_trace(go.Scatter(x=c["fraction"], y=c[key], name=name, line_dash=dash))
    fig.update_layout(title=t("trust_panel.curves_title", method=report["method_label"]),
                      xaxis_title=t("trust_panel.curves_x"),
                      yaxis_title=t("trust_panel.probability"), **LAYOUT)  # fmt: skip
    fig.update_layout(legend=dict(orientation="h", y=-0.3), margin=dict(l=10, r=10, t=40, b=70),
                      height=360)  # fmt: skip
    return fig


def _measure(run, ds, methods: list[str], n: int) -> None:
    bar = st.progress(0.0, text=t("trust_panel.starting"))
    for i, name in enumerate(methods):
        label = EXPLAIN_METHODS.get(name).label

        def progress(f: float, text: str, i: int = i, label: str = label) -> None:
            bar.progress(min((i + f) / len(methods), 1.0), text=f"{label}: {text}")

        trust_report(run, ds, name, n_images=n, progress=progress)
    bar.empty()


def trust_panel(run, model, ds) -> None:
    """Pick methods, measure (cached per run and method), and show the table and curves."""
    st.caption(t("trust_panel.caption"))
    with st.expander(t("trust_panel.what_numbers")):
        st.markdown(t("trust_panel.help", threshold=SANITY_THRESHOLD))
    available = list_methods(model)
    c1, c2 = st.columns([3, 1])
    methods = c1.multiselect(
        t("trust_panel.methods"), available, default=[m for m in DEFAULT_TRUST if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label, key="trust-methods",
    )  # fmt: skip
    n = c2.select_slider(t("trust_panel.test_images"), [8, 16, 32], 32, key="trust-n")
    reports = {m: cached_report(run, m, n, ds) for m in methods}
    missing = [m for m, r in reports.items() if r is None]
    if missing:
        labels = ", ".join(EXPLAIN_METHODS.get(m).label for m in missing)
        st.info(t("trust_panel.not_measured", methods=labels))
        if st.button(t("trust_panel.measure", n=len(missing)), type="primary", key="trust-go"):
            try:
                _measure(run, ds, missing, n)
            except LabInputError as e:
                st.error(str(e))
                return
            reports = {m: cached_report(run, m, n, ds) for m in methods}
    done = {m: r for m, r in reports.items() if r is not None}
    if not done:
        return
    table = _table(done)
    st.dataframe(table, hide_index=True, width="stretch")
    for name, r in done.items():
        st.markdown(f"**{EXPLAIN_METHODS.get(name).label}.** {r['verdict']}")
    st.download_button(t("trust_panel.csv"), safe_csv(table).encode(), "trust.csv",
                       "text/csv", icon=":material/download:")  # fmt: skip
    label = lambda m: EXPLAIN_METHODS.get(m).label  # noqa: E731
    shown = st.selectbox(
        t("trust_panel.curves_of"), list(done), format_func=label, key="trust-curves"
    )
    st.plotly_chart(_curves(done[shown]), key="trust-curve-chart")
    st.caption(t("trust_panel.curves_note"))
