"""Data: choose a built-in set or upload images; see the DataReport, samples and augmentation."""

import streamlit as st

from app.components.data_source import data_source_form
from app.components.data_views import show_images, show_series, show_table
from app.components.share_link import apply_link
from app.components.state import dataset
from app.i18n import t
from lepton_core.errors import LabInputError

st.title(t("page_data.title"))

apply_link()  # a shared link chooses the data (and the Train form's start)
# One container for the choice, so the data's view below keeps its place on the page: a
# rerun then replaces it in place instead of drawing a second copy while it runs.
with st.container():
    source, options = data_source_form()

try:
    ds = dataset(source, options)
except LabInputError as e:
    st.error(t("page_data.unusable", error=e))
    st.stop()

if ds.is_image:
    show_images(ds)
elif ds.task == "forecasting":
    show_series(ds)
else:
    show_table(ds)

st.page_link(page="pages/train.py", label=t("page_data.next"), icon=":material/model_training:")
