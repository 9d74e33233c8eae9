"""The Explain page's trust panel: which maps deserve trust, with the evidence per method."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.components.charts import LAYOUT
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, list_methods
from lepton_core.explain.trust import cached_report, trust_report
from lepton_core.explain.trust_summary import SANITY_THRESHOLD

DEFAULT_TRUST = ("saliency", "integrated-gradients", "grad-cam", "guided-backprop")
COLUMNS = {  # report key -> column title
    "sanity_rank_correlation": "random weights ρ",
    "label_rank_correlation": "shuffled labels ρ",
    "deletion_auc": "deletion AUC",
    "random_deletion_auc": "random deletion AUC",
    "insertion_auc": "insertion AUC",
    "random_insertion_auc": "random insertion AUC",
    "infidelity": "infidelity",
    "sensitivity": "sensitivity",
    "mask_mass": "mass in object",
    "random_mask_mass": "random mass in object",
    "pointing_game": "pointing game",
    "random_pointing_game": "random pointing game",
}
HELP = f"""
- **Sanity checks** (Adebayo et al. 2018): the same map is computed for a model with random
  weights (ρ, random weights) and for one trained on shuffled labels (ρ, shuffled labels).
  ρ is the rank correlation with the trained model's map. A map that explains the *model* must
  change: below {SANITY_THRESHOLD} passes. A high ρ means the map mostly shows the image itself.
- **Deletion / insertion:** remove (or add back) pixels in the map's order, most important
  first, and follow the explained class's probability. A faithful map makes it fall fast
  (deletion AUC low) and rise fast (insertion AUC high), compared with a random order.
- **Infidelity** (lower is better): how badly the map predicts the score change when random
  squares are blacked out. **Sensitivity** (lower is better): how much the map changes under
  tiny input noise.
- **Localisation** (datasets with object masks, e.g. `shapes`): the share of positive
  attribution inside the object, and how often the map's peak falls on it (pointing game),
  beside random maps.
"""


def _short(verdict: str) -> str:
    for start, short in (("Passes", "passes"), ("Half", "half passes"), ("Fails", "fails")):
        if verdict.startswith(start):
            return short
    return verdict.split(":")[0]


def _table(reports: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for name, r in reports.items():
        row = {"method": EXPLAIN_METHODS.get(name).label, "sanity": _short(r["verdict"])}
        row |= {title: r.get(key) for key, title in COLUMNS.items() if r.get(key) is not None}
        rows.append(row)
    return pd.DataFrame(rows).round(3)


def _curves(report: dict) -> go.Figure:
    c = report["curves"]
    fig = go.Figure()
    for key, name, dash in (("deletion", "deletion", "solid"), ("insertion", "insertion", "solid"),
                            ("random_deletion", "random deletion", "dot"),
                            ("random_insertion", "random insertion", "dot")):  # fmt: skip
        fig.add_trace(go.Scatter(x=c["fraction"], y=c[key], name=name, line_dash=dash))
    fig.update_layout(title=f"{report['method_label']}: probability of the explained class",
                      xaxis_title="share of pixels removed (deletion) or added (insertion)",
                      yaxis_title="probability", **LAYOUT)  # fmt: skip
    fig.update_layout(legend=dict(orientation="h", y=-0.3), margin=dict(l=10, r=10, t=40, b=70),
                      height=360)  # fmt: skip
    return fig


def _measure(run, ds, methods: list[str], n: int) -> None:
    bar = st.progress(0.0, text="Starting…")
    for i, name in enumerate(methods):
        label = EXPLAIN_METHODS.get(name).label

        def progress(f: float, text: str, i: int = i, label: str = label) -> None:
            bar.progress(min((i + f) / len(methods), 1.0), text=f"{label}: {text}")

        trust_report(run, ds, name, n_images=n, progress=progress)
    bar.empty()


def trust_panel(run, model, ds) -> None:
    """Pick methods, measure (cached per run and method), and show the table and curves."""
    st.caption("Which maps to believe: evidence per method, measured on this run's test images.")
    with st.expander("What do these numbers mean?"):
        st.markdown(HELP)
    available = list_methods(model)
    c1, c2 = st.columns([3, 1])
    methods = c1.multiselect(
        "Methods to check", available, default=[m for m in DEFAULT_TRUST if m in available],
        format_func=lambda n: EXPLAIN_METHODS.get(n).label, key="trust-methods",
    )  # fmt: skip
    n = c2.select_slider("Test images", [8, 16, 32], 32, key="trust-n")
    reports = {m: cached_report(run, m, n, ds) for m in methods}
    missing = [m for m, r in reports.items() if r is None]
    if missing:
        labels = ", ".join(EXPLAIN_METHODS.get(m).label for m in missing)
        st.info(f"Not measured yet: {labels}. About 1–10 s per method on a laptop CPU.")
        if st.button(f"Measure {len(missing)} method(s)", type="primary", key="trust-go"):
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
    st.download_button("Trust table (CSV)", table.to_csv(index=False).encode(), "trust.csv",
                       "text/csv", icon=":material/download:")  # fmt: skip
    label = lambda m: EXPLAIN_METHODS.get(m).label  # noqa: E731
    shown = st.selectbox("Curves of", list(done), format_func=label, key="trust-curves")
    st.plotly_chart(_curves(done[shown]), key="trust-curve-chart")
    st.caption(
        "Pixels are set to black as they are removed. Removing scattered pixels makes unnatural "
        "images that lower the probability fast for any order, which penalises coarse maps "
        "such as Grad-CAM: compare each method with its own random order."
    )
