"""RunStore: runs in SQLite (WAL) under LEPTON_HOME, files in runs/<run_id>/."""

import json
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from lepton_core.config import RunConfig
from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home
from lepton_core.runs.records import (  # noqa: F401  (re-exported: callers import them here)
    ACTIVE,
    LOCAL,
    MIGRATIONS,
    SCHEMA,
    STATUSES,
    RunRecord,
    _owner_alive,
    _record,
    clean_tags,
    new_run_id,
    pid_alive,
)


class RunStore:
    """All run state; safe to use from many processes (each call opens its own connection)."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home else lepton_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.db_path = self.home / "lepton.db"
        self.runs_dir = self.home / "runs"
        self.runs_dir.mkdir(exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            columns = {r["name"] for r in db.execute("PRAGMA table_info(runs)")}
            for name, definition in MIGRATIONS:
                if name not in columns:  # a database made before this column existed
                    db.execute(f"ALTER TABLE runs ADD COLUMN {name} {definition}")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA foreign_keys=ON")
        db.row_factory = sqlite3.Row
        return db

    def _exec(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute(sql, args).fetchall()

    def folder(self, run_id: str) -> Path:
        """The run's artifact folder."""
        return self.runs_dir / run_id

    def create_run(
        self, config: RunConfig, workspace: str = LOCAL, in_process: bool = False
    ) -> str:
        """Insert a queued run of `workspace` and write its config.json; returns the run id.

        `in_process`: this process trains it (api.train), so no worker pool picks it up.
        """
        config.train.validate()
        run_id = new_run_id()
        folder = self.folder(run_id)
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(config.to_json())
        self._exec(
            "INSERT INTO runs (id, name, status, task, data, model, config, created, workspace,"
            " pid, owner) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                config.name,
                config.task,
                config.data.source,
                config.model.name,
                json.dumps(config.to_dict()),
                time.time(),
                workspace,
                *[os.getpid() if in_process else None] * 2,
            ),
        )
        return run_id

    def get(self, run_id: str) -> RunRecord:
        """The run, or LabInputError if there is none with that id."""
        rows = self._exec("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise LabInputError(f"no run with id {run_id!r}")
        return _record(rows[0])

    def list_runs(self, limit: int | None = None, workspace: str | None = None) -> list[RunRecord]:
        """Runs, newest first: all, or those `workspace` may see (its own and published ones)."""
        sql, args = "SELECT * FROM runs", ()
        if workspace is not None:
            sql, args = sql + " WHERE workspace=? OR published=1", (workspace,)
        sql += " ORDER BY created DESC"
        if limit:
            sql, args = sql + " LIMIT ?", (*args, limit)
        return [_record(r) for r in self._exec(sql, args)]

    def mark_running(self, run_id: str, pid: int) -> None:
        """The worker has started."""
        self._exec(
            "UPDATE runs SET status='running', pid=?, started=? WHERE id=? AND status!='cancelled'",
            (pid, time.time(), run_id),
        )

    def set_task(self, run_id: str, task: str) -> None:
        """Record the task once the data is loaded (a CSV's task is inferred from its target)."""
        self._exec("UPDATE runs SET task=? WHERE id=?", (task, run_id))

    def set_pid(self, run_id: str, pid: int) -> None:
        """Remember which process owns the run."""
        self._exec("UPDATE runs SET pid=? WHERE id=?", (pid, run_id))

    def queue(self) -> list[str]:
        """Ids of runs waiting for a worker, first in line first."""
        rows = self._exec(
            "SELECT id FROM runs WHERE status='queued' AND pid IS NULL AND cancel_requested=0"
            " ORDER BY created, id"
        )
        return [r["id"] for r in rows]

    def next_queued(self) -> str | None:
        """The run first in line, if any."""
        line = self.queue()
        return line[0] if line else None

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None if the run is not waiting."""
        line = self.queue()
        return line.index(run_id) + 1 if run_id in line else None

    def claim(self, run_id: str, pid: int, owner: int) -> None:
        """A worker `pid` started by server `owner` now has the run."""
        self._exec("UPDATE runs SET pid=?, owner=? WHERE id=?", (pid, owner, run_id))

    def requeue(self, run_id: str) -> bool:
        """Put an interrupted run back in line (it resumes from its last saved epoch).

        False if it is no longer interrupted (resumed twice at once: only one gets it)."""
        with closing(self._connect()) as db:
            cur = db.execute(
                "UPDATE runs SET status='queued', pid=NULL, owner=NULL, error='', finished=NULL"
                " WHERE id=? AND status='interrupted' AND cancel_requested=0",
                (run_id,),
            )
            return cur.rowcount > 0

    def interrupt_owned_by(self, owner: int, error: str) -> list[str]:
        """Mark interrupted the active runs started by server process `owner`; their ids.

        For a server that starts with the pid of an earlier one (a container restart)."""
        rows = self._exec(
            "SELECT id FROM runs WHERE owner=? AND status IN (?, ?)", (owner, *ACTIVE)
        )
        for r in rows:
            self._exec(
                "UPDATE runs SET status='interrupted', error=?, finished=?"
                " WHERE id=? AND status IN (?, ?)",
                (error, time.time(), r["id"], *ACTIVE),
            )
        return [r["id"] for r in rows]

    def fail_if_active(self, run_id: str, error: str) -> bool:
        """End a run whose worker died before writing a final status; True if it did."""
        with closing(self._connect()) as db:
            cur = db.execute(
                "UPDATE runs SET status='failed', error=?, finished=?"
                " WHERE id=? AND status IN (?, ?)",
                (error, time.time(), run_id, *ACTIVE),
            )
            return cur.rowcount > 0

    def set_progress(self, run_id: str, progress: dict) -> None:
        """Latest progress (epoch, fraction, ETA) for the live monitor."""
        self._exec("UPDATE runs SET progress=? WHERE id=?", (json.dumps(progress), run_id))

    def add_epoch(self, run_id: str, row: dict) -> None:
        """Append one epoch's metrics to the history."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT OR REPLACE INTO history (run_id, epoch, row) VALUES (?, ?, ?)",
                (run_id, row["epoch"], json.dumps(row)),
            )
            db.execute("UPDATE runs SET epochs_completed=? WHERE id=?", (row["epoch"], run_id))
            db.execute("COMMIT")

    def history(self, run_id: str) -> list[dict]:
        """Epoch rows in order."""
        rows = self._exec("SELECT row FROM history WHERE run_id=? ORDER BY epoch", (run_id,))
        return [json.loads(r["row"]) for r in rows]

    def finish(
        self,
        run_id: str,
        status: str,
        metrics: dict | None = None,
        error: str = "",
        train_seconds: float | None = None,
    ) -> None:
        """Final status, metrics and error message."""
        assert status in STATUSES, status
        self._exec(
            "UPDATE runs SET status=?, metrics=?, error=?, train_seconds=?, finished=? WHERE id=?",
            (status, json.dumps(metrics or {}), error, train_seconds, time.time(), run_id),
        )

    def request_cancel(self, run_id: str) -> None:
        """Ask the worker to stop; a queued run is cancelled at once."""
        self.get(run_id)
        self._exec("UPDATE runs SET cancel_requested=1 WHERE id=?", (run_id,))
        self._exec(
            "UPDATE runs SET status='cancelled', finished=? WHERE id=? AND status='queued'"
            " AND pid IS NULL",
            (time.time(), run_id),
        )

    def cancel_requested(self, run_id: str) -> bool:
        """Has someone asked this run to stop?"""
        rows = self._exec("SELECT cancel_requested FROM runs WHERE id=?", (run_id,))
        return bool(rows and rows[0]["cancel_requested"])

    def rename(self, run_id: str, name: str) -> None:
        """Give a run a human name."""
        self.get(run_id)
        self._exec("UPDATE runs SET name=? WHERE id=?", (name, run_id))

    def set_tags(self, run_id: str, tags: list[str]) -> list[str]:
        """Replace a run's tags (trimmed, de-duplicated, in order); returns them."""
        self.get(run_id)
        clean = clean_tags(tags)
        self._exec("UPDATE runs SET tags=? WHERE id=?", (json.dumps(clean), run_id))
        return clean

    def add_tags(self, run_id: str, tags: list[str]) -> list[str]:
        """Add tags to a run; returns all its tags."""
        return self.set_tags(run_id, self.get(run_id).tags + list(tags))

    def delete(self, run_id: str) -> None:
        """Remove a run's rows and folder; a queued or running run is refused."""
        self.reconcile()  # a run whose worker died is no longer running
        self.get(run_id)
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")  # no worker can pick the run up while we look
            status = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()[0]
            if status in ACTIVE:
                db.execute("ROLLBACK")
                raise LabInputError(f"run {run_id} is still {status}: cancel it before deleting it")
            db.execute("DELETE FROM history WHERE run_id=?", (run_id,))
            db.execute("DELETE FROM runs WHERE id=?", (run_id,))
            db.execute("COMMIT")
        folder = self.folder(run_id)
        if folder.parent == self.runs_dir and folder.is_dir():
            shutil.rmtree(folder)

    def reconcile(self) -> list[str]:
        """Mark active runs whose worker process is gone as interrupted; returns their ids."""
        gone = [
            r.id
            for r in (
                _record(x) for x in self._exec("SELECT * FROM runs WHERE status IN (?, ?)", ACTIVE)
            )
            if r.pid and not pid_alive(r.pid) and not _owner_alive(r.owner)
        ]
        for run_id in gone:
            self._exec(
                "UPDATE runs SET status='interrupted', error=?, finished=?"
                " WHERE id=? AND status IN (?, ?)",
                ("the worker process ended unexpectedly", time.time(), run_id, *ACTIVE),
            )
        return gone
