"""Evaluate: honest test-split metrics of a finished run."""

import numpy as np
import streamlit as st

from app.components.charts import confusion_heatmap
from app.components.images import image_row
from app.components.runs import pick_run
from app.components.state import dataset
from lepton_core.api import load_run
from lepton_core.errors import LabInputError
from lepton_core.metrics import confident_mistakes

st.title("Evaluate")
st.caption("Every number here is measured on the test split: images the model never trained on.")

rec = pick_run()
if rec is None:
    st.info("No finished run yet. Train one first.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()

m = rec.metrics
run = load_run(rec.id)
try:
    ev = run.evaluation()
except LabInputError as e:
    st.warning(str(e))
    st.stop()
classes = ev["classes"]
y_true, probs = np.array(ev["y_true"]), np.array(ev["probs"])

c1, c2, c3, c4 = st.columns(4)
c1.metric("Test accuracy", f"{m['test_accuracy']:.1%}")
c2.metric("Macro F1", f"{m['test_macro_f1']:.3f}")
c3.metric("Test images", f"{len(y_true):,}")
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
            k: st.column_config.NumberColumn(format="%.3f") for k in ("precision", "recall", "F1")
        },
    )
    st.caption(
        "Precision: of the images predicted as this class, how many were. Recall: of the "
        "images of this class, how many were found."
    )
right.plotly_chart(confusion_heatmap(m["confusion_matrix"], classes), key="cm")

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
    st.page_link("pages/explain.py", label="Explain these mistakes →", icon=":material/visibility:")
