"""Workspaces in the real RunStore: private runs, publishing, quotas, cleanup of old ones."""

import time

import pytest

from lepton_core.api import make_config
from lepton_core.data.uploads import save_upload_csv
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from lepton_core.runs.store import LOCAL
from lepton_core.runs.workspaces import (
    Quota,
    check_quota,
    cleanup,
    new_workspace_id,
    publish,
    touch,
    uploads_dir,
    usage,
    visible,
    workspace_name,
)


def _run(store: RunStore, ws: str, status: str = "done") -> str:
    run_id = store.create_run(make_config("digits", model="seed-cnn", epochs=1), ws)
    store.finish(run_id, status) if status != "queued" else None
    return run_id


def test_names_and_ids():
    assert workspace_name("  Ana Lima ") == "ana-lima"
    assert workspace_name("Team_7!") == "team-7"
    for bad in ("", "ab", "!!!", "x" * 41):
        with pytest.raises(LabInputError, match="3 to 40"):
            workspace_name(bad)
    a, b = new_workspace_id(), new_workspace_id()
    assert a != b and workspace_name(a) == a


def test_each_workspace_lists_its_own_runs_and_published_ones(lepton_home):
    store = RunStore()
    ana, ben, teacher = _run(store, "ana"), _run(store, "ben"), _run(store, "teacher")
    cli = _run(store, LOCAL)
    assert [r.id for r in store.list_runs(workspace="ana")] == [ana]
    assert {r.id for r in store.list_runs()} == {ana, ben, teacher, cli}  # no filter: all
    publish(store, teacher)
    assert {r.id for r in store.list_runs(workspace="ben")} == {ben, teacher}
    assert visible(store.get(teacher), "ben") and not visible(store.get(ana), "ben")
    publish(store, teacher, False)
    assert [r.id for r in store.list_runs(workspace="ben")] == [ben]


def test_quota_counts_runs_and_upload_megabytes(lepton_home):
    store = RunStore()
    quota = Quota(max_runs=2, max_upload_mb=1)
    save_upload_csv(b"a,b\n" + b"1,2\n" * 100_000, folder=uploads_dir(store, "ana"))  # 0.4 MB
    assert usage(store, "ana")["upload_mb"] == pytest.approx(0.4, abs=0.01)
    check_quota(store, "ana", quota, adding_mb=0.5)
    with pytest.raises(LabInputError, match="limit is 1 MB"):
        check_quota(store, "ana", quota, adding_mb=0.7)
    _run(store, "ana"), _run(store, "ana")
    with pytest.raises(LabInputError, match="has 2 runs"):
        check_quota(store, "ana", quota)
    check_quota(store, "ben", quota)  # another workspace is not affected


def test_quota_from_environment_and_preset(monkeypatch):
    monkeypatch.setenv("LEPTON_WORKSPACE_MAX_RUNS", "7")
    assert Quota.from_env().max_runs == 7
    assert Quota.from_env({"max_runs": 3, "instructor": "x"}).max_runs == 3


def test_cleanup_removes_old_workspaces_but_keeps_published_active_and_local(lepton_home):
    store = RunStore()
    now = time.time()
    old_done, old_shared = _run(store, "old"), _run(store, "old")
    old_active = _run(store, "old", status="queued")
    publish(store, old_shared)
    fresh = _run(store, "fresh")
    upload = save_upload_csv(b"a,b\n1,2\n", folder=uploads_dir(store, "old"))
    touch(store, "old", now - 20 * 86400)
    touch(store, LOCAL, now - 20 * 86400)
    touch(store, "fresh", now)
    assert cleanup(store, max_age_days=14, now=now) == ["old"]
    left = {r.id for r in store.list_runs()}
    assert old_done not in left and not store.folder(old_done).exists()
    assert {old_shared, old_active, fresh} <= left
    assert not upload.exists()
    assert cleanup(store, max_age_days=14, now=now) == []
    assert cleanup(store, max_age_days=0, now=now + 1e9) == []  # 0: never


def test_cli_lists_by_workspace_publishes_and_cleans_up(lepton_home, capsys):
    import json

    from lepton_core.cli import main

    store = RunStore()
    ana, ben = _run(store, "ana"), _run(store, "ben")

    def lepton(*args: str) -> dict:
        assert main([*args, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    listed = lepton("runs", "--workspace", "ana")["runs"]
    assert [(r["run_id"], r["workspace"], r["published"]) for r in listed] == [(ana, "ana", False)]
    assert lepton("publish", ben) == {"run_id": ben, "published": True}
    assert {r["run_id"] for r in lepton("runs", "--workspace", "ana")["runs"]} == {ana, ben}
    touch(store, "ana", time.time() - 3 * 86400)
    assert lepton("cleanup", "--older-than", "2")["removed"] == ["ana"]
    assert [r["run_id"] for r in lepton("runs")["runs"]] == [ben]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("private_workspaces = 1", "workshop.private_workspaces: must be bool"),
        ('instructor = "x"', "workshop.instructor: a workspace name has 3 to 40"),
        ("max_runs = -1", "workshop.max_runs: must be a whole number >= 0"),
        ("colour = 3", "workshop.colour: unknown"),
    ],
)
def test_a_preset_workshop_table_with_a_mistake_names_the_key(tmp_path, table, message):
    from lepton_core.preset import load_preset

    path = tmp_path / "p.toml"
    path.write_text(f"[workshop]\n{table}\n")
    with pytest.raises(LabInputError, match=message):
        load_preset(path)


def test_the_example_preset_runs_a_private_workshop():
    from lepton_core.preset import load_preset

    preset = load_preset("assets/workshop.toml")
    assert preset.workshop["private_workspaces"] and preset.workshop["instructor"] == "teacher-a7k2"
    assert preset.limits["max_wall_minutes"] == 10


def test_local_is_reserved_and_a_twin_is_looked_for_in_the_same_workspace(lepton_home):
    from lepton_core.finetune_compare import find_scratch_twin

    with pytest.raises(LabInputError, match="reserved"):
        workspace_name("Local")
    store = RunStore()
    base = _run(store, "teacher")
    (store.folder(base) / "checkpoint.safetensors").touch()  # the twin search reads configs only
    tuned = store.create_run(
        make_config("digits", model="seed-cnn", epochs=1, init_from=base), "ana"
    )
    scratch = make_config("digits", model="seed-cnn", epochs=1)
    others = store.create_run(scratch, "ben")
    publish(store, others)  # even published, another workspace's run is not ana's twin
    assert find_scratch_twin(store, tuned) is None
    mine = store.create_run(scratch, "ana")
    assert find_scratch_twin(store, tuned) == mine


def test_resume_twice_at_once_only_one_gets_it_and_a_same_pid_restart_interrupts(lepton_home):
    import os

    from lepton_core.runs import LocalExecutor
    from tests.core.test_runs import dead_pid

    store = RunStore()
    run_id = _run(store, "ana", status="interrupted")
    assert store.requeue(run_id) is True
    assert store.requeue(run_id) is False  # the second Resume finds it queued already
    with pytest.raises(LabInputError, match="not interrupted any more"):
        LocalExecutor(store).submit(run_id, resume=True)
    store.claim(run_id, dead_pid(), os.getpid())  # left by "an earlier server with our pid"
    store.mark_running(run_id, store.get(run_id).pid)
    assert store.reconcile() == []  # its owner pid is alive (it is us), so reconcile waits
    assert LocalExecutor(store).recover() == [run_id]
    rec = store.get(run_id)
    assert rec.status == "interrupted" and rec.error == "the server restarted"
