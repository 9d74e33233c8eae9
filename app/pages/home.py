"""Home: what Lepton Lab is and its steps."""

import streamlit as st

from app.components.preset_view import preset, preset_problem
from app.i18n import t

STEPS = [  # (page id, icon): label and text come from page_home.toml's [steps.<id>]
    ("data", ":material/dataset:"),
    ("train", ":material/model_training:"),
    ("evaluate", ":material/analytics:"),
    ("explain", ":material/visibility:"),
    ("generate", ":material/auto_awesome:"),
    ("deploy", ":material/rocket_launch:"),
]

st.title(t("page_home.title"))
if problem := preset_problem():
    st.warning(problem)
if preset().welcome:
    with st.container(border=True):
        st.markdown(preset().welcome)
st.markdown(t("page_home.intro"))

steps = [(f"pages/{name}.py", name, icon) for name, icon in STEPS]
steps = [step for step in steps if preset().shows(step[0])]
for row in (steps[:3], steps[3:]):
    if not row:
        continue
    for col, (path, name, icon) in zip(st.columns(len(row)), row, strict=True):
        with col.container(border=True):
            st.page_link(path, label=t(f"page_home.steps.{name}.label"), icon=icon)
            st.caption(t(f"page_home.steps.{name}.text"))

digits = preset().offers("digits")
if digits:
    st.info(t("page_home.new_here"))
if st.button(t("page_home.start_digits" if digits else "page_home.start"), type="primary"):
    st.switch_page("pages/data.py")
