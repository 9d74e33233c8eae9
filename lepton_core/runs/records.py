"""Run records: the SQLite schema, the decoded row (RunRecord) and small helpers around it."""

import json
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from lepton_core.errors import LabInputError

STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")

SCHEMA = """
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
# columns added after the first schema: (name, definition) for ALTER TABLE on older databases
MIGRATIONS = (
    ("tags", "TEXT NOT NULL DEFAULT '[]'"),
    ("workspace", "TEXT NOT NULL DEFAULT 'local'"),
    ("published", "INTEGER NOT NULL DEFAULT 0"),
    ("owner", "INTEGER"),  # the server process that started the worker
)
LOCAL = "local"  # the workspace of the CLI and of a server without private workspaces
MAX_TAG = 40


@dataclass
class RunRecord:
    """One row of the runs table, decoded."""

    id: str
    name: str
    status: str
    task: str
    data: str
    model: str
    config: dict
    metrics: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    error: str = ""
    epochs_completed: int = 0
    train_seconds: float | None = None
    pid: int | None = None
    cancel_requested: bool = False
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    tags: list[str] = field(default_factory=list)
    workspace: str = LOCAL
    published: bool = False
    owner: int | None = None


def new_run_id() -> str:
    """Sortable and unguessable: 20261129-201530-1a2b3c."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def pid_alive(pid: int | None) -> bool:
    """True if the process exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _owner_alive(owner: int | None) -> bool:
    """A live server that started the worker reports its end itself (LocalExecutor.reap)."""
    return bool(owner) and pid_alive(owner)


def clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, without empties or repeats; a tag longer than MAX_TAG is refused."""
    clean: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if len(tag) > MAX_TAG:
            raise LabInputError(f"a tag has at most {MAX_TAG} characters: {tag[:MAX_TAG]}…")
        if tag and tag not in clean:
            clean.append(tag)
    return clean


def _record(row: sqlite3.Row) -> RunRecord:
    d = dict(row)
    for key in ("config", "metrics", "progress", "tags"):
        d[key] = json.loads(d[key])
    d["cancel_requested"] = bool(d["cancel_requested"])
    d["published"] = bool(d["published"])
    return RunRecord(**d)
