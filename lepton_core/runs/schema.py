"""The run store's tables and their versioned migration, run by the app itself.

`schema_version` holds one number: how many of STEPS the database has had. `migrate` applies
the missing steps in order, each in the same transaction as its version bump, with one migrator
at a time (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock). STEPS is append-only: a step
that has shipped is never edited, a change is a new step.

The Table objects below describe the current shape, for queries; the steps hold their own DDL.
JSON values are TEXT holding json.dumps (as the first, sqlite3-made store wrote them, and NaN
survives on PostgreSQL too); booleans are INTEGER 0/1; times are epoch seconds.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import OperationalError

from lepton_core.runs.database import Database, database, forget


class JsonText(TypeDecorator):
    """A JSON value stored as TEXT (json.dumps / json.loads)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Python value -> TEXT."""
        return None if value is None else json.dumps(value)

    def process_result_value(self, value, dialect):
        """TEXT -> Python value."""
        return None if value is None else json.loads(value)


metadata = MetaData()
runs = Table(
    "runs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("task", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("config", JsonText, nullable=False),
    Column("metrics", JsonText, nullable=False, server_default="{}"),
    Column("progress", JsonText, nullable=False, server_default="{}"),
    Column("error", Text, nullable=False, server_default=""),
    Column("epochs_completed", Integer, nullable=False, server_default="0"),
    Column("train_seconds", Float),
    Column("pid", Integer),
    Column("cancel_requested", Integer, nullable=False, server_default="0"),
    Column("created", Float, nullable=False),
    Column("started", Float),
    Column("finished", Float),
    Column("tags", JsonText, nullable=False, server_default="[]"),
    Column("workspace", Text, nullable=False, server_default="local"),
    Column("published", Integer, nullable=False, server_default="0"),
    Column("owner", Integer),  # the server process that started the worker
    Column("executor", Text, nullable=False, server_default="local"),  # who runs it: local, ray
    Column("host", Text),  # the machine of its worker: pids are only checked there
    Column("ray_job", Text),  # a Ray run: the Ray job of the server that submitted it
)
history = Table(
    "history",
    metadata,
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("epoch", Integer, primary_key=True),
    Column("row", JsonText, nullable=False),
)
workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Text, primary_key=True),
    Column("created", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

# Step 1: the schema of the sqlite3-made store ({real} is REAL on SQLite, DOUBLE PRECISION on
# PostgreSQL, where REAL has 24 bits). CREATE ... IF NOT EXISTS adopts an existing lepton.db.
V1_TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    task TEXT NOT NULL,
    data TEXT NOT NULL,
    model TEXT NOT NULL,
    config TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{{}}',
    progress TEXT NOT NULL DEFAULT '{{}}',
    error TEXT NOT NULL DEFAULT '',
    epochs_completed INTEGER NOT NULL DEFAULT 0,
    train_seconds {real},
    pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created {real} NOT NULL,
    started {real},
    finished {real},
    tags TEXT NOT NULL DEFAULT '[]',
    workspace TEXT NOT NULL DEFAULT 'local',
    published INTEGER NOT NULL DEFAULT 0,
    owner INTEGER
)""",
    """CREATE TABLE IF NOT EXISTS history (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
)""",
    """CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    created {real} NOT NULL,
    last_seen {real} NOT NULL
)""",
)
# columns that the sqlite3 store added to older databases with ALTER TABLE
V1_LATE_COLUMNS = (
    ("tags", "TEXT NOT NULL DEFAULT '[]'"),
    ("workspace", "TEXT NOT NULL DEFAULT 'local'"),
    ("published", "INTEGER NOT NULL DEFAULT 0"),
    ("owner", "INTEGER"),
)


def _columns(conn: Connection, table: str) -> set[str]:
    """Names of the columns `table` has in the database."""
    return {c["name"] for c in inspect(conn).get_columns(table)}


def _v1_adopt(conn: Connection) -> None:
    """The first schema: create it, or complete a lepton.db made by the sqlite3 store."""
    real = "DOUBLE PRECISION" if conn.dialect.name == "postgresql" else "REAL"
    for ddl in V1_TABLES:
        conn.execute(text(ddl.format(real=real)))
    have = _columns(conn, "runs")
    for name, definition in V1_LATE_COLUMNS:
        if name not in have:
            conn.execute(text(f"ALTER TABLE runs ADD COLUMN {name} {definition}"))


def _v2_executor(conn: Connection) -> None:
    """Which executor runs each run (local worker processes or ray)."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN executor TEXT NOT NULL DEFAULT 'local'"))


def _v3_indexes(conn: Connection) -> None:
    """The queue and the active runs are found by status, the newest runs by creation time."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS runs_status_created ON runs (status, created)"))
    conn.execute(text("CREATE INDEX IF NOT EXISTS runs_created ON runs (created)"))


def _v4_host(conn: Connection) -> None:
    """The machine of each run's worker: several servers may share one database."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN host TEXT"))


def _v5_ray_job(conn: Connection) -> None:
    """The Ray job of the server that submitted a Ray run: when that job ends, Ray has ended the
    run's task (a server's pid alone cannot tell a restarted server from the one before)."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN ray_job TEXT"))


STEPS: tuple[Callable[[Connection], None], ...] = (
    _v1_adopt, _v2_executor, _v3_indexes, _v4_host, _v5_ray_job
)  # fmt: skip
LATEST = len(STEPS)
PG_LOCK_KEY = 0x4C455054  # "LEPT": the advisory lock the migrators of one database share


def version(db: Database) -> int:
    """The database's schema version: 0 if it has none yet."""
    with db.read() as conn:
        if not inspect(conn).has_table("schema_version"):
            return 0
        return conn.execute(select(schema_version.c.version)).scalar() or 0


def _wal(db: Database, wait_s: float = 30.0) -> None:
    """Put a SQLite file in WAL mode (persistent; set outside a transaction). Switching needs
    the file to itself, and SQLite answers "locked" at once rather than waiting when another
    process is opening it too (a first start of several servers): so retry for a while."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with db.read() as conn:
                if conn.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        except OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def migrate(db: Database) -> int:
    """Bring the database to the latest schema; returns its version. Safe to run at once from
    several processes or servers, and a no-op when the database is up to date."""
    if db.dialect == "sqlite":
        _wal(db)
    with db.write() as conn:  # SQLite: BEGIN IMMEDIATE, one migrator at a time
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        schema_version.create(conn, checkfirst=True)
        current = conn.execute(select(schema_version.c.version)).scalar()
        if current is None:
            conn.execute(schema_version.insert().values(version=0))
            current = 0
        for number in range(current + 1, LATEST + 1):
            STEPS[number - 1](conn)
            conn.execute(schema_version.update().values(version=number))
        return max(current, LATEST)


def open_database(url: str, path: Path | None) -> Database:
    """The Database of `url`, migrated to the latest schema (checked once per process, and again
    when the SQLite file at `path` is new or was replaced)."""
    db = database(url)
    if path is not None:
        inode = path.stat().st_ino if path.exists() else None
        if db.migrated and inode != db.inode:  # removed or replaced under our pooled connections
            forget(url)
            db = database(url)
    if not db.migrated:
        if version(db) < LATEST:
            migrate(db)
        db.migrated = True
        db.inode = path.stat().st_ino if path is not None else None
    return db
