"""AppTests for tables and time series: built-ins, CSV upload, evaluate and explain."""

import pytest

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts

CSV = "age,city,income,bought\n" + "".join(
    f"{20 + i % 40},{['Paris', 'Lyon', 'Nice'][i % 3]},{1000 + 37 * i},{'yes' if i % 4 else 'no'}\n"
    for i in range(80)
)
SERIES_CSV = "date;value\n" + "".join(
    f"{1 + i % 28:02d}/{1 + i // 28:02d}/2024;{i % 7},{i % 3}\n" for i in range(300)
)


def _choose(at, name: str):
    at.selectbox[0].select(name).run()
    assert not at.exception, at.exception
    return {m.label: m.value for m in at.metric}


def test_data_page_shows_tables_and_series(home):
    at = open_page("pages/data.py")
    metrics = _choose(at, "breast-cancer")
    assert (metrics["Rows"], metrics["Columns used"], metrics["Task"]) == (
        "569",
        "30",
        "classification",
    )
    metrics = _choose(at, "diabetes")
    assert metrics["Task"] == "regression"
    metrics = _choose(at, "seasonal")
    assert metrics["Lookback → horizon"] == "48 → 1"
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.parametrize(
    ("content", "kind", "expected"),
    [
        (CSV, "table", {"Rows": "80", "Target": "bought"}),
        (SERIES_CSV, "series", {"Target": "value"}),
    ],
)
def test_csv_upload_detects_the_format_and_loads(home, content, kind, expected):
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a CSV (table or time series)").run()
    at.file_uploader[0].upload("data.csv", content.encode(), "text/csv").run()
    assert not at.exception, at.exception
    at.radio(key="csv_kind").set_value(kind).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert {k: metrics[k] for k in expected} == expected
    if kind == "series":
        assert "semicolon" in texts(at) and "decimal ','" in texts(at)


def test_bad_csv_gets_a_clear_message(home):
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a CSV (table or time series)").run()
    at.file_uploader[0].upload("data.csv", "\ufeffa,b\n".encode("utf-16"), "text/csv").run()
    assert not at.exception
    assert "UTF-16" in "\n".join(e.value for e in at.error)


@pytest.fixture(params=["breast-cancer", "diabetes", "seasonal"])
def task_run(home, request):
    model = "lstm" if request.param == "seasonal" else "mlp"
    return train(request.param, model=model, epochs=2, store=RunStore(home))


def test_evaluate_and_explain_pages_for_each_task(task_run):
    at = open_page("pages/evaluate.py", task_run.id)
    labels = {m.label for m in at.metric}
    assert labels & {"Test accuracy", "Test R²", "Test MAE"}
    assert at.get("plotly_chart")
    at = open_page("pages/explain.py", task_run.id)
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 3  # a chart per default method
