"""Malformed-input corpus, configs: `lepton train --config` with unknown fields, absurd or
mistyped values, or a file that is not JSON exits 2 with one line naming the problem."""

import json

import pytest

from lepton_core.cli import main
from lepton_core.config import RunConfig
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from tests.data.bad_models import CONFIG_CASES, config
from tests.data.bad_tables import stored_state
from tests.data.corpus import refused


def _write(tmp_path, name: str, content) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_config_is_refused_with_one_line(lepton_home, case, tmp_path, capsys):
    content, words = CONFIG_CASES[case]
    line, _ = refused(["train", "--config", _write(tmp_path, case, content)], capsys)
    assert line.startswith("lepton: error: ") and words in line, line
    assert not (lepton_home / "runs").exists() or not any((lepton_home / "runs").iterdir())
    if not isinstance(content, str):
        with pytest.raises(LabInputError):
            RunConfig.from_dict(content)


def test_bad_configs_leave_a_stored_run_untouched(lepton_home, tmp_path, capsys):
    good = _write(tmp_path, "good", config())
    assert main(["train", "--config", good, "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    before = stored_state(lepton_home, run_id)
    for case, (content, _) in CONFIG_CASES.items():
        assert main(["train", "--config", _write(tmp_path, case, content)]) == 2
    capsys.readouterr()
    assert stored_state(lepton_home, run_id) == before
    assert [r.id for r in RunStore(lepton_home).list_runs()] == [run_id]
