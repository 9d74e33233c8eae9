"""AppTest of the Explain page for image classifiers: grid, targets, signed maps, class view,
downloads and the trust panel, on a real (short) seed-cnn run."""

import numpy as np
import pytest
import streamlit as st

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts


@pytest.fixture(scope="module")
def run_home(tmp_path_factory):
    """A LEPTON_HOME with a 2-epoch seed-cnn on digits, for the whole module."""
    home = tmp_path_factory.mktemp("explain") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        st.cache_resource.clear()
        st.cache_data.clear()
        run = train("digits", model="seed-cnn", epochs=2, store=RunStore(home))
        yield run
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def page(run_home, monkeypatch):
    monkeypatch.setenv("LEPTON_HOME", str(run_home.store.home))
    return open_page("pages/explain.py", run_home.id)


def _grid_images(at):
    return at.tabs[0].get("image")


def _row_captions(at) -> list[str]:
    return [c for img in _grid_images(at) for c in img.captions if c.startswith("#")]


def _widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_grid_has_a_row_per_image_and_a_column_per_method(page) -> None:
    at = page
    methods = _widget(at.multiselect, "Methods")
    assert len(methods.value) >= 3
    _widget(at.multiselect, "Methods").set_value(["saliency", "grad-cam"]).run()
    assert not at.exception, at.exception
    rows = _row_captions(at)
    assert len(rows) == 4
    assert len(_grid_images(at)) == 4 * 3 + 1  # inputs, two overlays each, the colour bar
    assert "**Grad-CAM**" in texts(at) and "**Saliency**" in texts(at)


def test_target_a_class_explains_that_class_for_every_row(page) -> None:
    at = page
    _widget(at.radio, "Explain the").set_value("a class").run()
    _widget(at.selectbox, "Class").set_value(7).run()
    assert not at.exception, at.exception
    assert all(c.endswith("explains 7") for c in _row_captions(at))
    _widget(at.radio, "Explain the").set_value("true").run()
    rows = _row_captions(at)
    assert all(c.split(" · ")[1].removeprefix("true ") == c.split("explains ")[1] for c in rows)


def test_signed_maps_change_the_overlays_of_signed_methods_only(page) -> None:
    at = page
    _widget(at.multiselect, "Methods").set_value(["saliency", "integrated-gradients"]).run()
    before = [img.proto.imgs[0].url for img in _grid_images(at)]
    at.toggle[0].set_value(True).run()
    assert not at.exception, at.exception
    after = [img.proto.imgs[0].url for img in _grid_images(at)]
    assert "raises it" in texts(at)  # the signed colour scale is explained
    assert before != after


def test_class_view_shows_one_map_per_class(page) -> None:
    at = page
    maps = at.tabs[1].get("image")
    assert [img.captions[0] for img in maps] == [str(k) for k in range(10)]


def test_downloads_are_offered(page) -> None:
    labels = [b.proto.label for b in page.get("download_button")]
    assert {"Grid as PNG", "Attributions (.npy)"} <= set(labels)


def test_trust_panel_measures_then_reads_the_cache(page, run_home) -> None:
    at = page
    _widget(at.multiselect, "Methods to check").set_value(["saliency", "guided-backprop"]).run()
    _widget(at.select_slider, "Test images").set_value(8).run()
    assert "Not measured yet" in texts(at)
    _widget(at.button, "Measure 2 method(s)").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value  # the only table on the page
    assert list(table["method"]) == ["Saliency", "Guided Backprop"]
    from lepton_core.explain.trust import cached_report

    for name, row in zip(("saliency", "guided-backprop"), table.itertuples(), strict=True):
        report = cached_report(run_home, name, 8)
        assert report is not None
        assert np.isclose(row[3], round(report["sanity_rank_correlation"], 3))
    assert "Trust table (CSV)" in [b.proto.label for b in at.get("download_button")]
    again = open_page("pages/explain.py", run_home.id)
    _widget(again.multiselect, "Methods to check").set_value(["saliency"]).run()
    _widget(again.select_slider, "Test images").set_value(8).run()
    assert "Not measured yet" not in texts(again)  # read from the run folder, not recomputed


def test_a_vae_run_is_sent_to_the_generate_page(run_home, monkeypatch) -> None:
    monkeypatch.setenv("LEPTON_HOME", str(run_home.store.home))
    vae = train("digits", model="vae", epochs=1, store=run_home.store)
    at = open_page("pages/explain.py", vae.id)
    assert "Generate page" in texts(at)


def test_ig_baseline_and_cam_layer_options_change_the_maps(page) -> None:
    at = page
    _widget(at.multiselect, "Methods").set_value(["integrated-gradients"]).run()
    black = [img.proto.imgs[0].url for img in _grid_images(at)]
    _widget(at.selectbox, "Integrated Gradients baseline").set_value("blurred").run()
    assert not at.exception, at.exception
    assert [img.proto.imgs[0].url for img in _grid_images(at)] != black
    assert _widget(at.selectbox, "Integrated Gradients baseline").options == [
        "Black", "Blurred", "Noise", "Mean"
    ]  # fmt: skip
    _widget(at.multiselect, "Methods").set_value(["grad-cam"]).run()
    assert _widget(at.selectbox, "Grad-CAM layer").value == "net.0"  # seed-cnn: one conv layer
