"""One AppTest per page: each renders without exception and shows what a user needs."""

import io
import time
import zipfile

import pytest

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts
from tests.data.make_sample_zip import make_sample_zip


@pytest.fixture
def finished_run(home):
    """A real one-epoch run on digits, trained in this process."""
    return train("digits", model="seed-cnn", epochs=1, store=RunStore(home))


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_home_page_points_to_the_data_page(home):
    at = open_page("pages/home.py")
    assert "Lepton Lab" in texts(at)
    assert any(b.label.startswith("Start with the digits") for b in at.button)


def test_data_page_shows_digits_report(home):
    at = open_page("pages/data.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "1,797"
    assert metrics["Classes"] == "10"
    assert metrics["Image shape"] == "1×28×28"
    assert "Samples per class" in texts(at)


def test_data_page_switches_to_shapes_and_previews_augmentation(home):
    at = open_page("pages/data.py")
    at.selectbox[0].select("shapes").run()
    assert {m.label: m.value for m in at.metric}["Image shape"] == "3×32×32"
    _by_label(at.toggle, "Flip left-right").set_value(True).run()
    assert not at.exception
    assert "First column: original" in texts(at)


def test_zip_upload_lists_the_corrupt_file(home, tmp_path):
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a .zip of class folders").run()
    data = make_sample_zip(tmp_path / "sample.zip").read_bytes()
    at.file_uploader[0].upload("sample.zip", data, "application/zip").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Classes"] == "3"
    assert metrics["Skipped files"] == "1"
    skipped = at.dataframe[0].value
    assert any("corrupt.png" in f for f in skipped["file"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a zip", "not a zip archive"),
        ("one class", "at least 2 class folders"),
    ],
)
def test_bad_uploads_get_a_clear_message(home, content, message):
    if content == "one class":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("cat/a.png", b"x")
        content = buf.getvalue()
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a .zip of class folders").run()
    at.file_uploader[0].upload("upload.zip", content, "application/zip").run()
    assert not at.exception
    assert message in "\n".join(e.value for e in at.error)


def test_train_page_trains_in_a_worker_process(home):
    at = open_page("pages/train.py")
    assert {m.label for m in at.metric} == {"Trainable parameters"}
    _by_label(at.number_input, "Epochs").set_value(1).run()
    _by_label(at.button, "Start training").click().run()
    assert not at.exception
    runs = RunStore(home).list_runs()
    assert len(runs) == 1 and runs[0].pid is not None
    deadline = time.monotonic() + 150
    while RunStore(home).get(runs[0].id).status in ("queued", "running"):
        assert time.monotonic() < deadline, "the worker did not finish"
        time.sleep(0.5)
    at.run()
    assert "Finished: test accuracy" in texts(at)


def test_train_page_summary_follows_the_chosen_model(home):
    at = open_page("pages/train.py")
    cnn_params = at.metric[0].value
    at.selectbox[0].select("seed-cnn").run()
    assert not at.exception
    # seed-cnn on 1x28x28: conv 1->32 (3x3) = 320, linear 32*13*13 -> 10 = 54,090
    assert at.metric[0].value == "54,410" != cnn_params
    assert [r for r in at.dataframe[0].value["type"]] == [
        "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"
    ]  # fmt: skip


def test_evaluate_page_shows_the_run_metrics(finished_run):
    at = open_page("pages/evaluate.py", finished_run.id)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"] == f"{finished_run.metrics['test_accuracy']:.1%}"
    assert len(at.dataframe[0].value) == 10  # one row per digit class
    assert "Most confident mistakes" in texts(at)


def test_evaluate_page_without_runs_says_what_to_do(home):
    at = open_page("pages/evaluate.py")
    assert "No finished run yet" in texts(at)


def test_explain_page_draws_a_heatmap_per_method(finished_run):
    at = open_page("pages/explain.py", finished_run.id)
    methods = next(m for m in at.multiselect if m.label == "Methods")
    assert {"Saliency", "Integrated Gradients", "Grad-CAM"} <= {
        m.removeprefix("**").removesuffix("**") for m in texts(at).splitlines()
    }
    images = at.tabs[0].get("image")  # the first tab: images × methods
    rows = [c for img in images for c in img.captions if c.startswith("#")]
    assert rows[0].startswith("#0 · true ")
    assert len(rows) == 4
    overlays = len(images) - len(rows) - 1  # minus the inputs and the colour bar
    assert overlays == 4 * len(methods.value)


def test_folder_upload_is_read_like_a_zip(home, tmp_path):
    zf = zipfile.ZipFile(make_sample_zip(tmp_path / "sample.zip"))
    files = [(n, zf.read(n), "image/png") for n in zf.namelist() if not n.endswith("/")]
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a folder").run()
    at.file_uploader[0].set_value(files).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Classes"], metrics["Images"], metrics["Skipped files"]) == ("3", "45", "1")
