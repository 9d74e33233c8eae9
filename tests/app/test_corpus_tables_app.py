"""Malformed-input corpus, tables in the UI: each bad CSV uploaded on the Data page gives one
clear st.error naming the problem, no exception, and a stored run stays as it was."""

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page
from tests.data.bad_tables import CASES, GOOD, stored_state


def test_each_bad_csv_gets_one_clear_error(home):
    run = train("breast-cancer", model="mlp", epochs=1, store=RunStore(home))
    before = stored_state(home, run.id)
    at = open_page("pages/data.py")
    at.radio[0].set_value("Upload a CSV (table or time series)").run()
    for case, (make, words) in CASES.items():
        at.file_uploader[0].upload(f"{case}.csv", make(), "text/csv").run()
        assert not at.exception, (case, at.exception)
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and words in errors[0], (case, errors)
    at.file_uploader[0].upload("good.csv", GOOD.encode(), "text/csv").run()  # still works
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Rows"] == "40"
    assert stored_state(home, run.id) == before
