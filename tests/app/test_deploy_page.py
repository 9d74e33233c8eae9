"""The Deploy page's "Try it" tab (AppTest): an image upload, the table form, a forecast."""

import io

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from sklearn.datasets import load_digits

from lepton_core.api import make_config, train
from lepton_core.data.tabular_prep import builtin_frame
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts

PAGE = "pages/deploy.py"
WINE_ROWS = (0, 70, 140)  # one wine of each cultivar, by position in scikit-learn's table


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """One finished run per kind of input, trained once for the module."""
    home = tmp_path_factory.mktemp("deploy") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        store = RunStore(home)
        ids = {
            "image": train("digits", model="seed-cnn", epochs=1, store=store).id,
            "table": train("wine", model="mlp", epochs=8, store=store).id,
            "series": train("seasonal", model="mlp", epochs=1, store=store).id,
        }
    return ids | {"home": home}


@pytest.fixture
def deploy_home(runs, monkeypatch) -> dict:
    """The module's runs as this test's LEPTON_HOME, with the app's caches cleared."""
    monkeypatch.setenv("LEPTON_HOME", str(runs["home"]))
    st.cache_resource.clear()
    yield runs
    st.cache_resource.clear()


def paper_digit(index: int) -> tuple[bytes, str]:
    """A training digit as a photo would show it: dark ink on white paper, 240 px, PNG bytes."""
    d = load_digits()
    ink = np.kron(d.images[index] / 16, np.ones((24, 24)))  # (192, 192)
    paper = np.ones((240, 240))
    paper[24:216, 24:216] -= 0.8 * ink
    buf = io.BytesIO()
    Image.fromarray(np.round(paper * 255).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue(), str(d.target[index])


def upload_image(at, run_id: str, name: str, data: bytes):
    at.radio(key=f"try-src-{run_id}").set_value("Upload").run()
    assert not at.exception, at.exception
    at.file_uploader(key=f"try-upload-{run_id}").upload(name, data, "image/png").run()
    assert not at.exception, at.exception
    return at


def test_an_uploaded_photo_of_a_digit_is_classified_and_explained(deploy_home) -> None:
    run_id = deploy_home["image"]
    at = open_page(PAGE, run_id)
    assert "Draw" in texts(at) and "digit" in texts(at)  # the canvas is the default input
    data, truth = paper_digit(0)
    upload_image(at, run_id, "digit.png", data)
    assert at.metric[0].label == "Prediction" and at.metric[0].value == truth
    assert at.get("plotly_chart")  # the class probabilities
    captions = [c for img in at.tabs[0].get("image") for c in img.captions]
    assert captions == ["What the model sees", "Grad-CAM"]  # the input and its heatmap
    assert at.selectbox(key="try-img-method").value == "grad-cam"
    assert "Answered in" in texts(at)
    at.radio(key=f"try-src-{run_id}").set_value("Camera").run()
    assert not at.exception, at.exception
    assert at.get("camera_input") and "Take a photo or upload an image" in texts(at)


def test_a_bad_image_file_gets_a_message_not_a_traceback(deploy_home) -> None:
    run_id = deploy_home["image"]
    at = upload_image(open_page(PAGE, run_id), run_id, "digit.png", b"this is not a picture")
    assert not at.metric
    assert any("Could not use this image: not an image file" in e.value for e in at.error)


def test_the_table_form_predicts_real_wines_from_their_original_columns(deploy_home) -> None:
    run_id = deploy_home["table"]
    at = open_page(PAGE, run_id)
    assert at.metric[0].label == "Prediction"  # the training medians give an answer at once
    df, target = builtin_frame("wine")
    for pos in WINE_ROWS:
        for col, value in df.drop(columns=[target]).iloc[pos].items():
            at.number_input(key=f"try-col-{run_id}-{col}").set_value(float(value))
        next(b for b in at.button if b.label == "Predict").click().run()
        assert not at.exception, at.exception
        assert at.metric[0].value == df[target].iloc[pos]
    assert "Red columns pushed towards" in texts(at)


def test_a_forecast_from_the_runs_own_series_then_a_bad_upload(deploy_home) -> None:
    run_id = deploy_home["series"]
    at = open_page(PAGE, run_id)
    assert at.metric[0].label == "Next value"
    assert 0 < float(at.metric[0].value) < 30  # the seasonal series stays between 0 and 30
    assert len(at.get("plotly_chart")) == 2  # the forecast and the heat strip
    assert "the last 144 rows of the run's own series" in texts(at)
    at.file_uploader(key=f"try-series-{run_id}").upload(
        "recent.csv", b"time,other\n2024-01-01,1\n2024-01-02,2\n", "text/csv"
    ).run()
    assert not at.exception, at.exception
    assert any("lacks column(s) the model was trained with" in e.value for e in at.error)


def test_an_unfinished_run_points_to_train_and_shows_a_finished_one(deploy_home) -> None:
    store = RunStore(deploy_home["home"])
    queued = store.create_run(make_config("digits", "seed-cnn", 1))
    at = open_page(PAGE, queued)
    assert "is waiting to start, so there is no model to try yet" in texts(at)
    assert at.get("page_link")
