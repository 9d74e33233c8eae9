"""Explain: heatmaps of what the model looked at, beside its class probabilities."""

import streamlit as st

from app.components.charts import probability_bars
from app.components.images import upscale
from app.components.runs import pick_run
from app.components.state import dataset, run_model
from lepton_core.api import load_run
from lepton_core.errors import LabInputError
from lepton_core.explain import EXPLAIN_METHODS, list_methods
from lepton_core.explain.views import explain_test_images

st.title("Explain")
st.caption(
    "Each heatmap is laid over a gray copy of the image: dark purple → orange → pale yellow means "
    "less → more important for the explained class."
)

rec = pick_run()
if rec is None:
    st.info("No finished run yet. Train one first.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

run = load_run(rec.id)
model = run_model(rec.id, rec.finished or 0.0)
ds = dataset(run.config.data.source, run.config.data.options)
classes, n_test = ds.classes, len(ds.y["test"])

mistakes = [i for i in st.session_state.get("mistakes", []) if i < n_test]
left, mid, right = st.columns([2, 3, 1])
source = left.radio("Images", ["first test images", "confident mistakes", "choose by number"],
                    horizontal=True, index=1 if mistakes else 0)  # fmt: skip
if source == "confident mistakes" and mistakes:
    indices = mistakes[:6]
    left.caption(f"The {len(indices)} most confident mistakes found on the Evaluate page.")
elif source == "choose by number":
    indices = left.multiselect("Test image numbers", list(range(n_test)), default=[0, 1, 2])
else:
    indices = list(range(4))
    if source == "confident mistakes":
        left.caption("No mistakes recorded yet: open Evaluate first, or the model made none.")
available = list_methods(model)
methods = mid.multiselect(
    "Methods",
    available,
    default=[m for m in ("saliency", "integrated-gradients", "grad-cam") if m in available],
    format_func=lambda n: EXPLAIN_METHODS.get(n).label,
)
target = right.radio("Explain the", ["predicted", "true"], help="class whose score is explained")

if not indices or not methods:
    st.info("Pick at least one image and one method.")
    st.stop()
with st.expander("What do the methods show?"):
    for name in methods:
        st.markdown(
            f"**{EXPLAIN_METHODS.get(name).label}**: {EXPLAIN_METHODS.get(name).description}"
        )

try:
    with st.spinner("Computing attributions…"):
        rows = explain_test_images(model, ds.x["test"], ds.y["test"], indices, methods, target)
except LabInputError as e:
    st.error(str(e))
    st.stop()

for row in rows:
    ok = row["true"] == row["predicted"]
    st.markdown(
        f"**Test image #{row['index']}** · true **{classes[row['true']]}** · predicted "
        f"**{classes[row['predicted']]}** {'(correct)' if ok else '(wrong)'} · explaining "
        f"*{classes[row['target']]}*"
    )
    cols = st.columns(len(methods) + 2)
    big = upscale(row["image"], 128)
    cols[0].image(big, caption="input", width=big.shape[1])
    for col, name in zip(cols[1:], methods, strict=False):
        big = upscale(row["overlays"][name], 128)
        col.image(big, caption=EXPLAIN_METHODS.get(name).label, width=big.shape[1])
    cols[-1].plotly_chart(
        probability_bars(row["probs"], classes, row["predicted"]), key=f"p-{row['index']}"
    )
