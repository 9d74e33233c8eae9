"""Train on the sample upload (a zip with a corrupt file and macOS clutter) through the API."""

from lepton_core.api import list_runs, train
from tests.data.make_sample_zip import make_sample_zip


def test_training_on_the_sample_upload_reports_the_skipped_file(lepton_home, tmp_path) -> None:
    upload = make_sample_zip(tmp_path / "sample_upload.zip")
    run = train(upload, model="cnn", epochs=3)
    assert run.status == "done", run.record.error
    assert run.record.data == str(upload)
    assert run.metrics["test_accuracy"] > 1 / 3  # three colours; better than guessing
    report = run.data_report()
    assert report["counts"] == {"blue": 15, "green": 15, "red": 15}
    skipped = {name: reason for name, reason in report["skipped"]}
    assert list(skipped) == ["red/corrupt.png"]
    assert "not an image" in skipped["red/corrupt.png"]
    assert not any("__MACOSX" in name for name in skipped)
    assert [r.id for r in list_runs()] == [run.id]
    assert (lepton_home / "runs" / run.id / "checkpoint.safetensors").is_file()
