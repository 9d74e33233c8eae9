"""The store's versioned schema migration: a lepton.db made by the first (sqlite3) store is
adopted with its rows, migrating again changes nothing, the version is recorded, and several
processes opening a new database at once all succeed (on SQLite and on PostgreSQL)."""

import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from lepton_core.runs.schema import LATEST, metadata, migrate, schema_version, version
from lepton_core.runs.store import RunStore
from tests.conftest import fresh_database

# The schema exactly as the sqlite3 store (before SQLAlchemy) created it.
SQLITE3_STORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    task TEXT NOT NULL,
    data TEXT NOT NULL,
    model TEXT NOT NULL,
    config TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}',
    progress TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '',
    epochs_completed INTEGER NOT NULL DEFAULT 0,
    train_seconds REAL,
    pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    tags TEXT NOT NULL DEFAULT '[]',
    workspace TEXT NOT NULL DEFAULT 'local',
    published INTEGER NOT NULL DEFAULT 0,
    owner INTEGER
);
CREATE TABLE IF NOT EXISTS history (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
"""
# An older lepton.db, from before the tags, workspace, published and owner columns.
FIRST_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
    task TEXT NOT NULL, data TEXT NOT NULL, model TEXT NOT NULL, config TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}', progress TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '', epochs_completed INTEGER NOT NULL DEFAULT 0,
    train_seconds REAL, pid INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, started REAL, finished REAL
);
CREATE TABLE history (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, row TEXT NOT NULL, PRIMARY KEY (run_id, epoch)
);
"""
OLD_RUN = (
    "INSERT INTO runs (id, name, status, task, data, model, config, metrics, progress,"
    " epochs_completed, train_seconds, pid, created, started, finished) VALUES ('old-run',"
    " 'kept', 'done', 'image-classification', 'digits', 'cnn', '{\"name\": \"kept\"}',"
    " '{\"test_accuracy\": 0.9}', '{\"epoch\": 2}', 2, 1.5, 4242, 1.0, 2.0, 3.0)"
)
OLD_EPOCHS = (
    "INSERT INTO history VALUES ('old-run', 1, '{\"epoch\": 1}'), ('old-run', 2, '{\"epoch\": 2}')"
)


def old_database(home: Path, schema: str) -> Path:
    """A lepton.db made with raw sqlite3, as the old store left it, holding one finished run."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "lepton.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
        db.execute(OLD_RUN)
        db.execute(OLD_EPOCHS)
        db.commit()
    return path


def columns(store: RunStore) -> dict[str, set[str]]:
    """The columns each table has in the database."""
    with store.db.read() as conn:
        found = inspect(conn)
        return {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}


@pytest.mark.parametrize("schema", [SQLITE3_STORE_SCHEMA, FIRST_SCHEMA], ids=["latest", "first"])
def test_an_old_lepton_db_is_adopted_with_its_rows(tmp_path: Path, schema: str) -> None:
    home = tmp_path / "home"
    old_database(home, schema)
    store = RunStore(home)
    rec = store.get("old-run")
    assert (rec.name, rec.status, rec.epochs_completed, rec.pid) == ("kept", "done", 2, 4242)
    assert rec.config == {"name": "kept"} and rec.metrics == {"test_accuracy": 0.9}
    assert rec.progress == {"epoch": 2} and rec.tags == [] and rec.workspace == "local"
    assert (rec.train_seconds, rec.created, rec.started, rec.finished) == (1.5, 1.0, 2.0, 3.0)
    assert rec.executor == "local" and rec.owner is None and not rec.published
    assert store.history("old-run") == [{"epoch": 1}, {"epoch": 2}]
    assert version(store.db) == LATEST
    assert columns(store)["runs"] == {c.name for c in metadata.tables["runs"].columns}
    store.set_tags("old-run", ["kept"])
    assert RunStore(home).get("old-run").tags == ["kept"]


def test_migrating_twice_changes_nothing_and_records_one_version(tmp_path: Path) -> None:
    old_database(tmp_path / "home", FIRST_SCHEMA)
    store = RunStore(tmp_path / "home")
    before = columns(store)
    assert migrate(store.db) == LATEST and migrate(store.db) == LATEST
    assert columns(store) == before
    with store.db.read() as conn:
        assert conn.execute(select(schema_version.c.version)).scalars().all() == [LATEST]
    assert store.get("old-run").name == "kept"


def test_every_table_matches_the_schema(tmp_path: Path) -> None:
    found = columns(RunStore(tmp_path / "home"))
    for name, table in metadata.tables.items():
        assert found[name] == {c.name for c in table.columns}, name


def test_the_database_is_in_wal_mode(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "home")
    with closing(sqlite3.connect(store.db_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


OPEN_AT_ONCE = """
import os, sys, time
from pathlib import Path
from lepton_core.runs.store import RunStore
gate, n = Path(sys.argv[3]), int(sys.argv[4])
(gate / str(os.getpid())).touch()
while len(list(gate.iterdir())) < n:  # all imported: start together
    time.sleep(0.01)
store = RunStore(sys.argv[1], url=sys.argv[2] or None)
print(len(store.list_runs()))
"""


def open_at_once(home: Path, url: str, n: int = 4) -> list[str]:
    """Open a RunStore on a new database from `n` processes at the same moment; their outputs."""
    gate = home.parent / f"gate-{secrets.token_hex(4)}"
    gate.mkdir(parents=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, str(home), url, str(gate), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    return [out.strip() for out, _ in outs]


def test_processes_opening_a_new_sqlite_database_at_once_all_succeed(tmp_path: Path) -> None:
    assert open_at_once(tmp_path / "home", "") == ["0"] * 4
    assert version(RunStore(tmp_path / "home").db) == LATEST


def test_processes_migrating_a_new_postgres_database_at_once_all_succeed(
    tmp_path: Path, pg_url: str
) -> None:
    for url in fresh_database(pg_url):
        assert open_at_once(tmp_path / "home", url) == ["0"] * 4
        store = RunStore(tmp_path / "home", url=url)
        assert version(store.db) == LATEST
        with store.db.read() as conn:
            assert conn.execute(select(schema_version.c.version)).scalars().all() == [LATEST]
