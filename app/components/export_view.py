"""The Deploy page's "Export" tab: build a format, see how it was checked, download it, run it."""

from collections.abc import Iterator, Mapping

import streamlit as st

from app.i18n import t
from lepton_core.errors import LabInputError


class _FormatLabels(Mapping[str, str]):
    """Format name -> its label in the session's language, looked up on each access."""

    NAMES = ("bundle", "onnx", "safetensors")

    def __getitem__(self, fmt: str) -> str:
        if fmt not in self.NAMES:
            raise KeyError(fmt)
        return t(f"export_view.format_label.{fmt}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


FORMATS = _FormatLabels()  # and what each holds: export_view.what.<name>


def show_export(run) -> None:
    """Choose a format, build it (kept with the run), and show its check, download and card."""
    from lepton_core.export.stored import export_folder

    vae = run.config.task == "image-generation"
    formats = [f for f in FORMATS if not (vae and f == "bundle")]
    labels = dict(FORMATS)  # looked up now, in this session's language
    fmt = st.radio(
        t("export_view.format"),
        formats,
        format_func=labels.get,
        key=f"export-format-{run.id}",
        horizontal=True,
    )
    st.caption(t(f"export_view.what.{fmt}"))
    if vae:
        st.caption(t("export_view.vae_no_bundle"))
    folder = export_folder(run, fmt)
    again = folder.is_dir()
    if st.button(
        t("export_view.build_again" if again else "export_view.build", fmt=fmt),
        key=f"export-build-{run.id}-{fmt}",
        type="secondary" if again else "primary",
    ):
        if _build(run, fmt):
            st.rerun()  # the button now says "Build again"
    if folder.is_dir():
        _show(run, fmt, folder)
    else:
        st.caption(t("export_view.nothing"))


def _build(run, fmt: str) -> bool:
    """Build with a spinner; True when built, else the refusal explained (never a traceback)."""
    from lepton_core.export.onnx import ExportParityError
    from lepton_core.export.stored import build_stored

    busy = "export_view.exporting" if fmt == "safetensors" else "export_view.exporting_checked"
    with st.spinner(t(busy)):
        try:
            build_stored(run, fmt)
        except (LabInputError, ExportParityError) as e:
            st.error(t("export_view.refused", error=e))
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
        st.info(t("export_view.same_weights"))
    name, data = download(folder, fmt, run.id)
    st.download_button(
        t("export_view.download", name=name),
        data,  # read only when clicked: a bundle can be tens of MB
        file_name=name,
        mime="application/zip",
        key=f"export-download-{run.id}-{fmt}",
        on_click="ignore",
        icon=":material/download:",
    )
    meta = json.loads((run.folder / "model.json").read_text())
    kind = bundle_kind(meta["task"])
    st.markdown(t("export_view.how_to_run"))
    st.markdown(how_to_run(fmt, kind, meta["input_shape"], folder=name.removesuffix(".zip")))
    card = bundled_card(folder) if fmt == "bundle" else None
    with st.expander(t("export_view.model_card"), expanded=fmt == "bundle"):
        st.markdown(_smaller_headings(card or model_card(run, parity=parity)))


def _parity(parity: dict) -> None:
    """The ONNX check in plain words."""
    n = parity["checked_examples"]
    st.markdown(t("export_view.parity", n=n, diff=parity["max_abs_diff"]))
    agree = parity.get("class_agreement")
    if agree is not None:
        st.success(t("export_view.agree", agree=agree, n=n))


def _smaller_headings(markdown: str) -> str:
    """The card's headings two levels down, so they sit inside the page's own."""
    return "\n".join("##" + line if line.startswith("#") else line for line in markdown.split("\n"))
