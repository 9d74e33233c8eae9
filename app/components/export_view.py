"""The Deploy page's "Export" tab: build a format, see how it was checked, download it, run it."""

import streamlit as st

from lepton_core.errors import LabInputError

FORMATS = {
    "bundle": "Bundle: model, preprocessing and predict.py (runs anywhere with Python)",
    "onnx": "ONNX model (onnxruntime, in any language)",
    "safetensors": "safetensors weights + JSON (PyTorch, Lepton Lab)",
}
WHAT = {
    "bundle": "A zip with the model as ONNX, its preprocessing, a predict.py that takes image "
    "files or CSV files as they are, a README and a model card.",
    "onnx": "The network alone, as ONNX with a variable batch size. Inputs must be prepared as "
    "the app prepares them (the bundle's predict.py does that).",
    "safetensors": "The checkpoint the app itself uses (safe to load: no pickle), with the JSON "
    "that says how to build the network.",
}


def show_export(run) -> None:
    """Choose a format, build it (kept with the run), and show its check, download and card."""
    from lepton_core.export.stored import export_folder

    vae = run.config.task == "image-generation"
    formats = [f for f in FORMATS if not (vae and f == "bundle")]
    fmt = st.radio(
        "Format", formats, format_func=FORMATS.get, key=f"export-format-{run.id}", horizontal=True
    )
    st.caption(WHAT[fmt])
    if vae:
        st.caption("A VAE has no bundle: it draws images rather than predicting from inputs.")
    folder = export_folder(run, fmt)
    again = folder.is_dir()
    if st.button(
        f"{'Build again' if again else 'Build'}: {fmt}",
        key=f"export-build-{run.id}-{fmt}",
        type="secondary" if again else "primary",
    ):
        if _build(run, fmt):
            st.rerun()  # the button now says "Build again"
    if folder.is_dir():
        _show(run, fmt, folder)
    else:
        st.caption("Nothing built yet in this format.")


def _build(run, fmt: str) -> bool:
    """Build with a spinner; True when built, else the refusal explained (never a traceback)."""
    from lepton_core.export.onnx import ExportParityError
    from lepton_core.export.stored import build_stored

    checked = "and checking it on the test split " if fmt != "safetensors" else ""
    with st.spinner(f"Exporting {checked}…"):
        try:
            build_stored(run, fmt)
        except (LabInputError, ExportParityError) as e:
            st.error(f"Export refused: {e}")
            return False
    return True


def _show(run, fmt: str, folder) -> None:
    """How it was checked, the download, how to run it, and the model card."""
    import json

    from lepton_core.export.bundle_spec import bundle_kind
    from lepton_core.export.model_card import model_card
    from lepton_core.export.readme import how_to_run
    from lepton_core.export.stored import bundled_card, download, stored_parity

    parity = stored_parity(folder)
    if parity:
        _parity(parity)
    else:
        st.info("These are the very weights the app uses, so the predictions are the same.")
    name, data = download(folder, fmt, run.id)
    st.download_button(
        f"Download {name}",
        data,  # read only when clicked: a bundle can be tens of MB
        file_name=name,
        mime="application/zip",
        key=f"export-download-{run.id}-{fmt}",
        on_click="ignore",
        icon=":material/download:",
    )
    meta = json.loads((run.folder / "model.json").read_text())
    kind = bundle_kind(meta["task"])
    st.markdown("**How to run it**")
    st.markdown(how_to_run(fmt, kind, meta["input_shape"], folder=name.removesuffix(".zip")))
    card = bundled_card(folder) if fmt == "bundle" else None
    with st.expander("Model card", expanded=fmt == "bundle"):
        st.markdown(_smaller_headings(card or model_card(run, parity=parity)))


def _parity(parity: dict) -> None:
    """The ONNX check in plain words."""
    n = parity["checked_examples"]
    st.markdown(
        f"Checked against the app's model on all **{n} test examples**: the outputs differ "
        f"by at most **{parity['max_abs_diff']:.1e}** (max |difference|)."
    )
    agree = parity.get("class_agreement")
    if agree is not None:
        st.success(f"Predicted classes agree on {agree:.0%} of {n} test examples.")


def _smaller_headings(markdown: str) -> str:
    """The card's headings two levels down, so they sit inside the page's own."""
    return "\n".join("##" + line if line.startswith("#") else line for line in markdown.split("\n"))
