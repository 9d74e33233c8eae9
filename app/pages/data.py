"""Data: choose a built-in set or upload images; see the DataReport, samples and augmentation."""

import streamlit as st

from app.components.charts import class_balance
from app.components.images import image_row
from app.components.state import data_choice, dataset, set_data_choice
from lepton_core.config import AugmentSpec
from lepton_core.data import list_datasets
from lepton_core.errors import LabInputError

st.title("Data")

source, options, label = data_choice()
builtins = {d["name"]: d for d in list_datasets()}
kinds = ["Built-in dataset", "Upload a .zip of class folders", "Upload a folder"]
kind = st.radio("Where does the data come from?", kinds, horizontal=True, key="data_kind")

if kind == kinds[0]:
    names = list(builtins)
    name = st.selectbox(
        "Dataset",
        names,
        index=names.index(source) if source in names else 0,
        format_func=lambda n: f"{n} — {builtins[n]['description']}",
    )
    if name != source:
        set_data_choice(name, {}, name)
        source, options, label = name, {}, name
else:
    st.caption(
        "One folder per class, e.g. `cat/1.png`, `dog/2.jpg` (an extra top-level folder is fine). "
        "PNG, JPEG, BMP, GIF and WebP are read; anything else is skipped and listed below."
    )
    from lepton_core.data.uploads import save_upload_zip, zip_folder_upload

    size = st.select_slider("Resize images to", ["auto", 16, 24, 28, 32, 48, 64], value="auto")
    size_opts = {} if size == "auto" else {"image_size": int(size)}
    try:
        if kind == kinds[1]:
            up = st.file_uploader("Zip of class folders", type=["zip"], key="zip_upload")
            if up is not None and st.session_state.get("saved_upload") != (up.file_id, size):
                path = save_upload_zip(up.getvalue())
                set_data_choice(str(path), size_opts, up.name)
                st.session_state.saved_upload = (up.file_id, size)
        else:
            ups = st.file_uploader(
                "Folder of class folders", accept_multiple_files="directory", key="dir_upload"
            )
            ids = (tuple(u.file_id for u in ups or ()), size)
            if ups and st.session_state.get("saved_upload") != ids:
                path = zip_folder_upload((u.name, u.getvalue()) for u in ups)
                set_data_choice(str(path), size_opts, ups[0].name.split("/")[0] + "/")
                st.session_state.saved_upload = ids
    except LabInputError as e:
        st.error(f"Upload refused: {e}")
    source, options, label = data_choice()
    if source in builtins:
        st.info("No upload yet: the built-in set below stays selected until you upload.")

try:
    ds = dataset(source, options)
except LabInputError as e:
    st.error(f"Could not use this data: {e}")
    st.stop()

report = ds.report
c1, c2, c3, c4 = st.columns(4)
c1.metric("Images", f"{sum(report.counts.values()):,}")
c2.metric("Classes", ds.n_classes)
c3.metric("Image shape", "×".join(map(str, ds.input_shape)))
c4.metric("Skipped files", len(report.skipped))
st.caption(" · ".join(report.notes))
st.page_link(
    "pages/train.py", label="Looks right? Next: train a model →", icon=":material/model_training:"
)

left, right = st.columns([1, 2])
left.plotly_chart(class_balance(report.counts), key="balance")
with right:
    st.markdown("**Samples per class**")
    from lepton_core.data.preview import class_gallery

    for cls, images in class_gallery(ds, per_class=8).items():
        st.caption(cls)
        image_row(images, size=56)

if report.skipped:
    with st.expander(f"Skipped files ({len(report.skipped)})", expanded=True):
        st.dataframe(
            [{"file": f, "reason": r} for f, r in report.skipped], hide_index=True, width="stretch"
        )

st.subheader("Augmentation")
st.caption("Random changes to training images so the network learns what matters. Off by default.")
aug = st.session_state.get("augment", {})
a1, a2, a3, a4, a5 = st.columns(5)
spec = AugmentSpec(
    hflip=a1.toggle("Flip left-right", aug.get("hflip", False)),
    rotation=a2.slider("Rotate ± degrees", 0, 45, int(aug.get("rotation", 0))),
    shift=a3.slider("Shift ± fraction", 0.0, 0.3, float(aug.get("shift", 0.0)), 0.05),
    color_jitter=a4.slider(
        "Brightness/contrast", 0.0, 0.8, float(aug.get("color_jitter", 0.0)), 0.1
    ),
    noise=a5.slider("Noise", 0.0, 0.3, float(aug.get("noise", 0.0)), 0.05),
)
st.session_state.augment = spec.__dict__.copy()
if spec.enabled:
    from lepton_core.data.preview import augment_preview

    st.caption("First column: original. The others: what the network may see instead.")
    for row in augment_preview(ds, spec, n=7):
        image_row(row, size=56)

st.page_link(
    "pages/train.py", label="Next: train a model on this data →", icon=":material/model_training:"
)
