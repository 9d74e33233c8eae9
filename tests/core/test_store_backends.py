"""The run store's shared suite: every public method of RunStore and of the workspaces module,
run against SQLite (in tmp_path) and PostgreSQL (a fresh database per test, when the test
server is there: LEPTON_TEST_DB_URL)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from lepton_core.api import make_config
from lepton_core.errors import LabInputError
from lepton_core.runs import workspaces as ws
from lepton_core.runs.database import (
    database_url,
    sqlite_path,
    with_local_password,
    without_password,
)
from lepton_core.runs.records import this_host
from lepton_core.runs.schema import history, runs
from lepton_core.runs.store import RunStore
from tests.conftest import fresh_database
from tests.core.test_runs import dead_pid


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A RunStore on an empty database: SQLite under tmp_path, or a fresh PostgreSQL database."""
    monkeypatch.delenv("LEPTON_DB_URL", raising=False)
    home = tmp_path / "home"
    if request.param == "sqlite":
        yield RunStore(home)
        return
    for url in fresh_database(request.getfixturevalue("pg_url")):
        yield RunStore(home, url=url)


def new_run(store: RunStore, **options) -> str:
    """A queued run (seed-cnn on digits, 2 epochs)."""
    return store.create_run(make_config("digits", model="seed-cnn", epochs=2), **options)


def set_columns(store: RunStore, run_id: str, **values) -> None:
    """Set columns of a run directly (for states no public method makes)."""
    with store.db.write() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id).values(**values))


def test_create_get_and_list(any_store: RunStore) -> None:
    first = new_run(any_store)
    second = new_run(any_store, workspace="ws-a", in_process=True)
    rec = any_store.get(first)
    assert (rec.status, rec.task, rec.data, rec.model) == (
        "queued",
        "image-classification",
        "digits",
        "seed-cnn",
    )
    assert rec.config["train"]["epochs"] == 2 and rec.metrics == {} and rec.progress == {}
    assert rec.pid is None and rec.owner is None and rec.executor == "local" and rec.tags == []
    assert (any_store.folder(first) / "config.json").is_file()
    mine = any_store.get(second)
    assert mine.pid == mine.owner == os.getpid() and mine.workspace == "ws-a"
    assert [r.id for r in any_store.list_runs()] == [second, first]  # newest first
    assert [r.id for r in any_store.list_runs(limit=1)] == [second]
    assert [r.id for r in any_store.list_runs(workspace="ws-a")] == [second]
    assert any_store.list_runs(workspace="ws-b") == []
    with pytest.raises(LabInputError, match="no run"):
        any_store.get("no-such-run")


def test_json_values_round_trip(any_store: RunStore) -> None:
    run_id = new_run(any_store)
    progress = {"epoch": 3, "fraction": 0.25, "phase": "Ω training ✓", "eta": None, "nan": [1.5]}
    any_store.set_progress(run_id, progress)
    metrics = {"test_accuracy": 0.875, "per_class": {"0": [1, 2]}, "loss": float("inf")}
    any_store.finish(run_id, "done", metrics=metrics, train_seconds=1.25)
    rec = any_store.get(run_id)
    assert rec.progress == progress and rec.metrics == metrics
    any_store.add_epoch(run_id, {"epoch": 1, "train_loss": float("nan")})
    (row,) = any_store.history(run_id)
    assert row["epoch"] == 1 and row["train_loss"] != row["train_loss"]  # NaN kept


def test_worker_life_cycle(any_store: RunStore) -> None:
    run_id = new_run(any_store)
    any_store.mark_running(run_id, 4321)
    any_store.set_task(run_id, "tabular-regression")
    any_store.set_pid(run_id, 4322)
    any_store.add_epoch(run_id, {"epoch": 2, "train_loss": 0.5})
    any_store.add_epoch(run_id, {"epoch": 1, "train_loss": 1.0})
    any_store.add_epoch(run_id, {"epoch": 2, "train_loss": 0.25})  # written again: replaced
    any_store.finish(run_id, "failed", error="boom", train_seconds=2.0)
    rec = any_store.get(run_id)
    assert (rec.status, rec.task, rec.pid, rec.error) == (
        "failed",
        "tabular-regression",
        4322,
        "boom",
    )
    assert rec.epochs_completed == 2 and rec.train_seconds == 2.0
    assert rec.finished >= rec.started >= rec.created
    assert any_store.history(run_id) == [
        {"epoch": 1, "train_loss": 1.0},
        {"epoch": 2, "train_loss": 0.25},
    ]
    with pytest.raises(ValueError, match="unknown run status 'exploded'"):
        any_store.finish(run_id, "exploded")


def test_queue_claim_and_claim_next(any_store: RunStore) -> None:
    a, b, c, d = (new_run(any_store) for _ in range(4))
    new_run(any_store, in_process=True)  # trained by its own process: never in line
    any_store.request_cancel(c)
    assert any_store.queue() == [a, b, d] and any_store.next_queued() == a
    assert any_store.queue_position(d) == 3 and any_store.queue_position(c) is None
    assert any_store.claim_next(owner=11, executor="ray") == a
    assert any_store.queue() == [b, d]
    rec = any_store.get(a)
    assert (rec.status, rec.owner, rec.executor, rec.pid) == ("queued", 11, "ray", None)
    any_store.claim(b, pid=22, owner=12)
    rec = any_store.get(b)
    assert (rec.pid, rec.owner, rec.executor) == (22, 12, "local")
    assert any_store.claim_next(owner=13) == d
    assert any_store.claim_next(owner=13) is None and any_store.next_queued() is None
    any_store.claim(a, pid=33, owner=11, executor="ray")
    assert any_store.get(a).pid == 33
    assert [r.id for r in any_store.active_runs()] == [a, b, d, any_store.list_runs()[0].id]
    assert [r.id for r in any_store.active_runs(executor="ray")] == [a]


def test_mark_running_leaves_a_cancelled_run_cancelled(any_store: RunStore) -> None:
    run_id = new_run(any_store)
    any_store.request_cancel(run_id)
    any_store.mark_running(run_id, 4321)
    assert any_store.get(run_id).status == "cancelled"


def test_cancel(any_store: RunStore) -> None:
    queued, running = new_run(any_store), new_run(any_store)
    any_store.mark_running(running, os.getpid())
    assert not any_store.cancel_requested(running)
    any_store.request_cancel(queued)
    any_store.request_cancel(running)
    assert any_store.get(queued).status == "cancelled" and any_store.cancel_requested(queued)
    rec = any_store.get(running)
    assert rec.status == "running" and rec.cancel_requested  # the worker stops it
    assert not any_store.cancel_requested("no-such-run")
    with pytest.raises(LabInputError, match="no run"):
        any_store.request_cancel("no-such-run")


def test_requeue_interrupt_and_fail(any_store: RunStore) -> None:
    mine, other, done = new_run(any_store), new_run(any_store), new_run(any_store)
    any_store.claim(mine, pid=101, owner=7)
    any_store.claim(other, pid=102, owner=8)
    any_store.claim(done, pid=103, owner=7)
    any_store.finish(done, "done")
    assert any_store.interrupt_owned_by(7, "the server restarted") == [mine]
    rec = any_store.get(mine)
    assert rec.status == "interrupted" and rec.error == "the server restarted"
    assert any_store.get(other).status == "queued" and any_store.get(done).status == "done"
    assert any_store.requeue(mine) and not any_store.requeue(mine)  # only one resume gets it
    rec = any_store.get(mine)
    assert (rec.status, rec.pid, rec.owner, rec.error, rec.finished) == (
        "queued",
        None,
        None,
        "",
        None,
    )
    assert any_store.fail_if_active(other, "killed by SIGKILL")
    assert not any_store.fail_if_active(other, "again")
    assert any_store.get(other).error == "killed by SIGKILL"


def test_interrupt_owned_by_leaves_runs_of_other_hosts(any_store: RunStore) -> None:
    here, there, ray, ray_there = (new_run(any_store) for _ in range(4))
    for run_id in (here, there):
        any_store.claim(run_id, pid=200, owner=1)  # pid 1: a server in a container
    for run_id in (ray, ray_there):
        any_store.claim(run_id, pid=300, owner=1, executor="ray")
        any_store.mark_running(run_id, 300)  # on a Ray node: the run keeps its server's host
    assert any_store.get(ray).host == this_host()
    set_columns(any_store, there, host="another-server")  # another container's pid 1
    set_columns(any_store, ray_there, host="another-server")
    ended = sorted(any_store.interrupt_owned_by(1, "the server restarted"))
    if any_store.db.dialect == "sqlite":  # one machine's file: the host was renamed (a new
        assert ended == sorted([here, there, ray, ray_there])  # container); still ours
    else:  # a shared database: another machine's pid 1 is another server, live or not
        assert ended == sorted([here, ray])
        assert any_store.get(there).status == "queued"
        assert any_store.get(ray_there).status == "running"


def test_names_and_tags(any_store: RunStore) -> None:
    run_id = new_run(any_store)
    any_store.rename(run_id, "my run")
    assert any_store.add_tags(run_id, [" lr  sweep ", "demo", "", "demo"]) == ["lr sweep", "demo"]
    assert any_store.set_tags(run_id, ["best"]) == ["best"]
    rec = any_store.get(run_id)
    assert rec.name == "my run" and rec.tags == ["best"]
    with pytest.raises(LabInputError, match="no run"):
        any_store.rename("no-such-run", "x")


def test_delete_cascades_and_refuses_active_runs(any_store: RunStore) -> None:
    done, running = new_run(any_store), new_run(any_store)
    any_store.add_epoch(done, {"epoch": 1})
    any_store.finish(done, "done")
    any_store.mark_running(running, os.getpid())
    any_store.delete(done)
    with pytest.raises(LabInputError, match="no run"):
        any_store.get(done)
    assert not any_store.folder(done).exists()
    with any_store.db.read() as conn:
        count = select(func.count()).select_from(history).where(history.c.run_id == done)
        assert conn.execute(count).scalar_one() == 0
    with pytest.raises(LabInputError, match="still running"):
        any_store.delete(running)
    assert any_store.get(running).status == "running"


def test_reconcile_checks_local_runs_of_this_host_only(any_store: RunStore) -> None:
    orphan, alive, ray, elsewhere = (new_run(any_store) for _ in range(4))
    gone = dead_pid()
    for run_id in (orphan, ray, elsewhere):
        any_store.mark_running(run_id, gone)
    any_store.mark_running(alive, os.getpid())
    set_columns(any_store, ray, executor="ray")  # the Ray executor settles its own runs
    set_columns(any_store, elsewhere, host="another-server")  # its pid means nothing here
    shared = any_store.db.dialect != "sqlite"  # a SQLite file is one machine's, whatever its
    ended = [orphan] if shared else sorted([orphan, elsewhere])  # hostname is now
    assert sorted(any_store.reconcile()) == ended
    rec = any_store.get(orphan)
    assert rec.status == "interrupted" and "ended unexpectedly" in rec.error
    for run_id in (alive, ray, *([elsewhere] if shared else [])):
        assert any_store.get(run_id).status == "running"
    assert any_store.reconcile() == []


def test_a_run_taken_by_a_dead_server_before_its_worker_started_goes_back_in_line(
    any_store: RunStore,
) -> None:
    lost, mine = new_run(any_store), new_run(any_store)
    assert any_store.claim_next(dead_pid()) == lost  # that server died before starting a worker
    assert any_store.claim_next(os.getpid()) == mine  # this one is about to start its worker
    assert any_store.queue() == []
    assert any_store.reconcile() == []  # nothing was running: nothing is interrupted
    assert any_store.queue() == [lost] and any_store.get(lost).owner is None
    assert any_store.get(mine).owner == os.getpid()
    assert any_store.claim_next(os.getpid()) == lost


def test_two_stores_on_one_database_share_runs(any_store: RunStore, tmp_path: Path) -> None:
    other = RunStore(tmp_path / "other_home", url=any_store.url)
    run_id = new_run(any_store)
    assert other.queue() == [run_id]
    other.set_progress(run_id, {"epoch": 1})
    assert any_store.get(run_id).progress == {"epoch": 1}  # nothing cached


def test_workspaces_touch_usage_publish_and_cleanup(any_store: RunStore) -> None:
    day = 86400.0
    ws.touch(any_store, "ws-old", now=1000.0)
    ws.touch(any_store, "ws-old", now=1000.0 + ws.TOUCH_EVERY_S / 2)  # too soon: not written
    ws.touch(any_store, "ws-new", now=1000.0 + 20 * day)
    ws.touch(any_store, "local", now=1000.0)
    kept, dropped, shared = (
        new_run(any_store, workspace=w) for w in ("ws-new", "ws-old", "ws-old")
    )
    for run_id in (kept, dropped, shared):
        any_store.finish(run_id, "done")
    ws.publish(any_store, shared)
    upload = ws.uploads_dir(any_store, "ws-old") / "data.csv"
    upload.write_bytes(b"x" * 2_000_000)
    assert ws.usage(any_store, "ws-old") == {"runs": 2, "upload_mb": 2.0}
    assert [r.id for r in any_store.list_runs(workspace="ws-new")] == [shared, kept]
    assert ws.cleanup(any_store, max_age_days=14, now=1000.0 + 15 * day) == ["ws-old"]
    assert {r.id for r in any_store.list_runs()} == {kept, shared}
    assert not upload.exists() and ws.usage(any_store, "ws-old")["runs"] == 1
    assert ws.cleanup(any_store, max_age_days=14, now=1000.0 + 15 * day) == []
    ws.publish(any_store, shared, published=False)
    assert [r.id for r in any_store.list_runs(workspace="ws-new")] == [kept]
    with pytest.raises(LabInputError, match="no run"):
        ws.publish(any_store, "no-such-run")


def test_touch_writes_at_most_once_a_minute(any_store: RunStore) -> None:
    ws.touch(any_store, "ws-a", now=1000.0)
    ws.touch(any_store, "ws-a", now=1000.0 + ws.TOUCH_EVERY_S / 2)
    assert ws.cleanup(any_store, max_age_days=1, now=1000.0 + 86400.0 + 1.0) == ["ws-a"]
    ws.touch(any_store, "ws-b", now=1000.0)
    ws.touch(any_store, "ws-b", now=1000.0 + ws.TOUCH_EVERY_S * 2)
    assert ws.cleanup(any_store, max_age_days=1, now=1000.0 + 86400.0 + 1.0) == []


CLAIMER = """
import os, sys, time
from pathlib import Path
from lepton_core.runs.store import RunStore
store = RunStore(sys.argv[1], url=sys.argv[2])
gate = Path(sys.argv[4])
(gate / str(os.getpid())).touch()
while len(list(gate.iterdir())) < 4:  # every claimer is ready: start together
    time.sleep(0.01)
while (run_id := store.claim_next(owner=int(sys.argv[3]), executor="ray")) is not None:
    print(run_id, flush=True)
"""


def test_claim_next_from_several_processes_never_gives_a_run_twice(
    any_store: RunStore, tmp_path: Path
) -> None:
    queued = {new_run(any_store) for _ in range(50)}
    gate = tmp_path / "gate"
    gate.mkdir()
    args = [str(any_store.home), any_store.url]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, *args, str(1000 + i), str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    claimed = [line for out, _ in outs for line in out.split()]
    assert len(claimed) == len(set(claimed)) == 50 and set(claimed) == queued
    owners = {r.id: r.owner for r in any_store.list_runs()}
    for i, (out, _) in enumerate(outs):
        assert all(owners[run_id] == 1000 + i for run_id in out.split())
    assert any_store.queue() == []


def test_the_database_url_comes_from_the_argument_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEPTON_DB_URL", raising=False)
    home = tmp_path / "home"
    assert database_url(home) == f"sqlite:///{home / 'lepton.db'}"
    store = RunStore(home)
    assert store.db_path == home / "lepton.db" and store.db_path.is_file()
    monkeypatch.setenv("LEPTON_DB_URL", "postgresql://lab@db.internal:5432/lepton")
    assert database_url(home) == "postgresql+psycopg://lab@db.internal:5432/lepton"
    assert database_url(home, f"sqlite:///{tmp_path / 'other.db'}").endswith("other.db")
    assert sqlite_path(database_url(home)) is None
    elsewhere = RunStore(home, url=f"sqlite:///{tmp_path / 'other.db'}")
    assert elsewhere.db_path == tmp_path / "other.db" and elsewhere.runs_dir == home / "runs"


def test_the_password_stays_off_what_is_sent_to_ray_and_comes_from_the_node() -> None:
    sent = without_password("postgresql+psycopg://lab:s3cret@db.internal:5432/lepton")
    assert sent == "postgresql+psycopg://lab@db.internal:5432/lepton"
    assert without_password(sent) == sent and without_password("sqlite:///x.db") == "sqlite:///x.db"
    node = "postgresql://lab:s3cret@db.internal:5432/lepton"  # the node's own LEPTON_DB_URL
    assert (
        with_local_password(sent, node) == "postgresql+psycopg://lab:s3cret@db.internal:5432/lepton"
    )
    other = "postgresql://lab:s3cret@db.internal:5432/elsewhere"  # another database: not used
    assert with_local_password(sent, other) == sent and with_local_password(sent, "") == sent


def test_a_removed_database_file_is_created_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("LEPTON_DB_URL", raising=False)
    store = RunStore(tmp_path / "home")
    new_run(store)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store.db_path}{suffix}").unlink(missing_ok=True)
    store = RunStore(tmp_path / "home")
    assert store.list_runs() == [] and new_run(store) in store.queue()
