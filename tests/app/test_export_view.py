"""AppTest of the Deploy page's Export tab (app/components/export_view.show_export) on real runs."""

import io
import zipfile

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.components.export_view import FORMATS
from lepton_core.api import train
from lepton_core.export.stored import download
from lepton_core.runs import RunStore
from tests.app.conftest import texts

TINY = {"n_per_class": 8, "image_size": 16}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny image classifier and a tiny VAE in one LEPTON_HOME, set for the module."""
    home = tmp_path_factory.mktemp("export_view") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        st.cache_resource.clear()
        store = RunStore(home)
        yield {
            "cnn": train("shapes", model="seed-cnn", epochs=1, data_options=TINY, store=store),
            "vae": train("shapes", model="vae", epochs=1, data_options=TINY, store=store),
        }
        st.cache_resource.clear()


def _export_tab(run_id: str) -> None:
    from app.components.export_view import show_export
    from lepton_core.api import load_run

    show_export(load_run(run_id))


def open_tab(run) -> AppTest:
    """The tab for `run`, as a fresh session (a page refresh) sees it."""
    at = AppTest.from_function(_export_tab, args=(run.id,), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def build(at: AppTest, run, fmt: str) -> AppTest:
    """Choose `fmt` and press Build."""
    at.radio(key=f"export-format-{run.id}").set_value(fmt).run()
    assert "Nothing built yet" in texts(at)
    at.button(key=f"export-build-{run.id}-{fmt}").click().run()
    assert not at.exception, at.exception
    assert not at.error, at.error[0].value
    return at


def test_bundle_is_built_checked_downloadable_and_still_there_after_a_refresh(runs) -> None:
    run = runs["cnn"]
    at = build(open_tab(run), run, "bundle")
    n = len(run.dataset.y["test"])
    page = texts(at)
    assert f"Predicted classes agree on 100% of {n} test examples." in page
    assert "max |difference|" in page
    assert "python predict.py picture.png photo.jpg" in page
    assert "## Limitations" in page and "## Intended use" in page  # the model card
    name = f"lepton-seed-cnn-{run.id}.zip"
    assert [b.label for b in at.get("download_button")] == [f"Download {name}"]
    assert (run.folder / "exports" / "bundle" / name).is_file()

    again = open_tab(run)  # a refresh: the export is found, not rebuilt
    assert f"agree on 100% of {n} test examples" in texts(again)
    assert again.button(key=f"export-build-{run.id}-bundle").label == "Build again: bundle"


def test_safetensors_come_as_a_zip_of_the_folder(runs) -> None:
    run = runs["cnn"]
    at = build(open_tab(run), run, "safetensors")
    assert "very weights the app uses" in texts(at) and "load_lab_model" in texts(at)
    name = f"lepton-{run.id}-safetensors.zip"
    assert [b.label for b in at.get("download_button")] == [f"Download {name}"]
    _, data = download(run.folder / "exports" / "safetensors", "safetensors", run.id)
    with zipfile.ZipFile(io.BytesIO(data())) as z:
        assert z.namelist() == ["checkpoint.safetensors", "config.json", "model.json"]


def test_a_vae_is_offered_onnx_and_safetensors_only(runs) -> None:
    at = open_tab(runs["vae"])
    offered = at.radio(key=f"export-format-{runs['vae'].id}").options
    assert offered == [FORMATS["onnx"], FORMATS["safetensors"]]
    assert "A VAE has no bundle" in texts(at)
