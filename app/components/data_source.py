"""The Data page's choice of data: a built-in set, a zip, a folder or a CSV upload."""

import streamlit as st

from app.components.csv_upload import csv_upload_form
from app.components.preset_view import preset
from app.components.state import data_choice, set_data_choice, upload_folder
from app.i18n import catalog, t
from lepton_core.data import list_datasets
from lepton_core.data.uploads import MAX_UPLOAD_BYTES
from lepton_core.errors import LabInputError

UPLOAD_MB = MAX_UPLOAD_BYTES // 2**20  # the browser refuses more; save_upload_* checks again


def data_source_form() -> tuple[str, dict]:
    """Draw the choice and store an upload; return the chosen (source, options)."""
    source, options, _ = data_choice()
    builtins = {d["name"]: d for d in list_datasets() if preset().offers(d["name"])}
    # The radio's values are the English texts, so a choice survives a language switch.
    kind_keys = {
        catalog("en")[f"page_data.kinds.{k}"]: k for k in ("builtin", "zip", "folder", "csv")
    }
    kinds = list(kind_keys)
    if preset().shows("upload"):
        kind = st.radio(
            t("page_data.source"), kinds, horizontal=True, key="data_kind",
            format_func=lambda k: t(f"page_data.kinds.{kind_keys[k]}"),
        )  # fmt: skip
    else:  # the instructor's preset offers built-in sets only
        kind = kinds[0]

    if kind == kinds[0]:
        names = list(builtins)
        name = st.selectbox(
            t("page_data.dataset"),
            names,
            index=names.index(source) if source in names else 0,
            format_func=lambda n: f"{n} — {builtins[n]['description']}",
            key="builtin_dataset",
        )
        if name != source:
            set_data_choice(name, {}, name)
            source, options = name, {}
    elif kind == kinds[3]:
        csv_upload_form()
        source, options, _ = data_choice()
    else:
        _image_upload(kind == kinds[1])
        source, options, _ = data_choice()
        if source in builtins:
            st.info(t("page_data.no_upload"))
    return source, options


def _image_upload(is_zip: bool) -> None:
    """A zip or a folder of class folders; a new upload becomes the data choice."""
    st.caption(t("page_data.folders_caption"))
    from lepton_core.data.uploads import save_upload_zip, zip_folder_upload

    size = st.select_slider(
        t("page_data.resize"), ["auto", 16, 24, 28, 32, 48, 64], value="auto",
        format_func=lambda v: t("page_data.auto") if v == "auto" else str(v),
    )  # fmt: skip
    size_opts = {} if size == "auto" else {"image_size": int(size)}
    try:
        if is_zip:
            up = st.file_uploader(
                t("page_data.zip"), type=["zip"], key="zip_upload", max_upload_size=UPLOAD_MB
            )
            if up is not None and st.session_state.get("saved_upload") != (up.file_id, size):
                data = up.getvalue()
                path = save_upload_zip(data, folder=upload_folder(data))
                set_data_choice(str(path), size_opts, up.name)
                st.session_state.saved_upload = (up.file_id, size)
        else:
            ups = st.file_uploader(
                t("page_data.folder"),
                accept_multiple_files="directory",
                key="dir_upload",
                max_upload_size=UPLOAD_MB,
            )
            ids = (tuple(u.file_id for u in ups or ()), size)
            if ups and st.session_state.get("saved_upload") != ids:
                files = [(u.name, u.getvalue()) for u in ups]
                folder = upload_folder(sum(len(b) for _, b in files))
                path = zip_folder_upload(files, folder=folder)
                set_data_choice(str(path), size_opts, ups[0].name.split("/")[0] + "/")
                st.session_state.saved_upload = ids
    except LabInputError as e:
        st.error(t("page_data.refused", error=e))
