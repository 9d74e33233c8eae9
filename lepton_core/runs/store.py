"""RunStore: runs in a database (SQLite under LEPTON_HOME, or PostgreSQL with LEPTON_DB_URL),
files in runs/<run_id>/ under LEPTON_HOME."""

import os
import shutil
import time
from pathlib import Path

from sqlalchemy import case, delete, select, true, update

from lepton_core.config import RunConfig
from lepton_core.errors import LabInputError
from lepton_core.home import lepton_home
from lepton_core.runs.database import Database, database, database_url, sqlite_path, upsert
from lepton_core.runs.records import (  # noqa: F401  (re-exported: callers import them here)
    ACTIVE,
    LOCAL,
    STATUSES,
    RunRecord,
    _owner_alive,
    _record,
    clean_tags,
    new_run_id,
    pid_alive,
    this_host,
)
from lepton_core.runs.schema import history, open_database, runs

INTERRUPTED = "the worker process ended unexpectedly"


class RunStore:
    """All run state; safe to use from many processes, threads and servers (no rows are cached)."""

    def __init__(self, home: Path | None = None, url: str | None = None) -> None:
        self.home = Path(home) if home else lepton_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.runs_dir = self.home / "runs"
        self.runs_dir.mkdir(exist_ok=True)
        self.url = database_url(self.home, url)
        self.db_path = sqlite_path(self.url)
        open_database(self.url, self.db_path)  # created or migrated if need be

    @property
    def db(self) -> Database:
        """This store's Database: the engines cached for its URL in this process."""
        return database(self.url)

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
        mine = os.getpid() if in_process else None
        values = dict(id=run_id, name=config.name, status="queued", task=config.task)
        values |= dict(data=config.data.source, model=config.model.name, config=config.to_dict())
        values |= dict(created=time.time(), workspace=workspace, pid=mine, owner=mine)
        self._write(runs.insert().values(**values, host=this_host() if in_process else None))
        return run_id

    def get(self, run_id: str) -> RunRecord:
        """The run, or LabInputError if there is none with that id."""
        with self.db.read() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        if row is None:
            raise LabInputError(f"no run with id {run_id!r}")
        return _record(row)

    def list_runs(self, limit: int | None = None, workspace: str | None = None) -> list[RunRecord]:
        """Runs, newest first: all, or those `workspace` may see (its own and published ones)."""
        query = select(runs).order_by(runs.c.created.desc())
        if workspace is not None:
            query = query.where((runs.c.workspace == workspace) | (runs.c.published == 1))
        if limit:
            query = query.limit(limit)
        return self._records(query)

    def active_runs(self, executor: str | None = None) -> list[RunRecord]:
        """Queued and running runs (of one executor, or all), oldest first."""
        query = select(runs).where(runs.c.status.in_(ACTIVE)).order_by(runs.c.created, runs.c.id)
        if executor is not None:
            query = query.where(runs.c.executor == executor)
        return self._records(query)

    def mark_running(self, run_id: str, pid: int) -> None:
        """The worker has started. A local run's host becomes the worker's machine; a Ray run
        keeps its server's (its pid means nothing there, and recover needs the server's)."""
        host = case((runs.c.executor == "local", this_host()), else_=runs.c.host)
        started = dict(status="running", pid=pid, started=time.time(), host=host)
        self._set(run_id, runs.c.status != "cancelled", **started)

    def set_task(self, run_id: str, task: str) -> None:
        """Record the task once the data is loaded (a CSV's task is inferred from its target)."""
        self._set(run_id, task=task)

    def set_pid(self, run_id: str, pid: int) -> None:
        """Remember which process owns the run."""
        self._set(run_id, pid=pid)

    def queue(self) -> list[str]:
        """Ids of runs waiting for a worker, first in line first."""
        with self.db.read() as conn:
            return list(conn.execute(_queue().order_by(runs.c.created, runs.c.id)).scalars().all())

    def next_queued(self) -> str | None:
        """The run first in line, if any."""
        line = self.queue()
        return line[0] if line else None

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None if the run is not waiting."""
        line = self.queue()
        return line.index(run_id) + 1 if run_id in line else None

    def claim_next(
        self, owner: int, executor: str = "local", ray_job: str | None = None
    ) -> str | None:
        """Atomically take the run first in line for server `owner` (of Ray job `ray_job`, for
        the ray executor); its id, or None. Two servers (or processes) never get the same run."""
        first = _queue().order_by(runs.c.created, runs.c.id).limit(1)
        first = first.with_for_update(skip_locked=True).scalar_subquery()  # PostgreSQL only
        taken = _queue_filter(update(runs).where(runs.c.id == first))
        taken = taken.values(owner=owner, executor=executor, host=this_host(), ray_job=ray_job)
        with self.db.write() as conn:
            return conn.execute(taken.returning(runs.c.id)).scalar()

    def claim(self, run_id: str, pid: int, owner: int, executor: str = "local") -> None:
        """A worker `pid` started by server `owner` (with `executor`) now has the run."""
        self._set(run_id, pid=pid, owner=owner, executor=executor, host=this_host())

    def requeue(self, run_id: str) -> bool:
        """Put an interrupted run back in line (it resumes from its last saved epoch).

        False if it is no longer interrupted (resumed twice at once: only one gets it)."""
        again = dict(status="queued", pid=None, owner=None, error="", finished=None, host=None)
        again["ray_job"] = None
        return self._set(
            run_id, runs.c.status == "interrupted", runs.c.cancel_requested == 0, **again
        )

    def interrupt_owned_by(self, owner: int, error: str) -> list[str]:
        """Mark interrupted the active runs started by server process `owner` of this host (a
        Ray run's host is its server's); their ids. For a server that starts with the pid of an
        earlier one (a container restart)."""
        mine = (runs.c.owner == owner) & self._here()
        with self.db.read() as conn:
            query = select(runs.c.id).where(mine, runs.c.status.in_(ACTIVE))
            ids = conn.execute(query).scalars().all()
        for run_id in ids:
            self._end(run_id, "interrupted", error)
        return list(ids)

    def interrupt_if_active(self, run_id: str, error: str) -> bool:
        """End a run whose worker was stopped from outside (resumable); True if it was active."""
        return self._end(run_id, "interrupted", error)

    def fail_if_active(self, run_id: str, error: str) -> bool:
        """End a run whose worker died before writing a final status; True if it did."""
        return self._end(run_id, "failed", error)

    def set_progress(self, run_id: str, progress: dict) -> None:
        """Latest progress (epoch, fraction, ETA) for the live monitor."""
        self._set(run_id, progress=progress)

    def add_epoch(self, run_id: str, row: dict) -> None:
        """Append one epoch's metrics to the history (an epoch written again is replaced)."""
        with self.db.write() as conn:
            ins = upsert(conn, history).values(run_id=run_id, epoch=row["epoch"], row=row)
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=["run_id", "epoch"], set_={"row": ins.excluded.row}
                )
            )
            conn.execute(
                update(runs).where(runs.c.id == run_id).values(epochs_completed=row["epoch"])
            )

    def history(self, run_id: str) -> list[dict]:
        """Epoch rows in order."""
        query = select(history.c.row).where(history.c.run_id == run_id).order_by(history.c.epoch)
        with self.db.read() as conn:
            return conn.execute(query).scalars().all()

    def finish(
        self,
        run_id: str,
        status: str,
        metrics: dict | None = None,
        error: str = "",
        train_seconds: float | None = None,
    ) -> None:
        """Final status, metrics and error message."""
        if status not in STATUSES:  # a programming error, not bad input
            raise ValueError(f"unknown run status {status!r}")
        ended = dict(metrics=metrics or {}, error=error, train_seconds=train_seconds)
        self._set(run_id, status=status, finished=time.time(), **ended)

    def request_cancel(self, run_id: str) -> None:
        """Ask the worker to stop; a queued run is cancelled at once."""
        self.get(run_id)
        with self.db.write() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(cancel_requested=1))
            waiting = (runs.c.id == run_id) & (runs.c.status == "queued") & runs.c.pid.is_(None)
            cancelled = dict(status="cancelled", finished=time.time())
            conn.execute(update(runs).where(waiting).values(**cancelled))

    def cancel_requested(self, run_id: str) -> bool:
        """Has someone asked this run to stop?"""
        with self.db.read() as conn:
            flag = conn.execute(select(runs.c.cancel_requested).where(runs.c.id == run_id))
            return bool(flag.scalar())

    def rename(self, run_id: str, name: str) -> None:
        """Give a run a human name."""
        self.get(run_id)
        self._set(run_id, name=name)

    def set_tags(self, run_id: str, tags: list[str]) -> list[str]:
        """Replace a run's tags (trimmed, de-duplicated, in order); returns them."""
        self.get(run_id)
        clean = clean_tags(tags)
        self._set(run_id, tags=clean)
        return clean

    def add_tags(self, run_id: str, tags: list[str]) -> list[str]:
        """Add tags to a run; returns all its tags."""
        return self.set_tags(run_id, self.get(run_id).tags + list(tags))

    def delete(self, run_id: str) -> None:
        """Remove a run's rows and folder; a queued or running run is refused."""
        self.reconcile()  # a run whose worker died is no longer running
        self.get(run_id)
        with self.db.write() as conn:  # the row is locked: no worker picks the run up meanwhile
            status = conn.execute(
                select(runs.c.status).where(runs.c.id == run_id).with_for_update()
            ).scalar()
            if status in ACTIVE:
                raise LabInputError(f"run {run_id} is still {status}: cancel it before deleting it")
            conn.execute(delete(history).where(history.c.run_id == run_id))
            conn.execute(delete(runs).where(runs.c.id == run_id))
        folder = self.folder(run_id)
        if folder.parent == self.runs_dir and folder.is_dir():
            shutil.rmtree(folder)

    def reconcile(self) -> list[str]:
        """Mark interrupted the active local runs of this host whose worker process is gone (and
        whose server too); returns their ids. Ray runs are settled by the Ray executor."""
        local = (runs.c.executor == "local") & self._here()
        active = self._records(select(runs).where(runs.c.status.in_(ACTIVE), local))
        for r in active:  # taken by a server that died before its worker started: back in line
            if r.pid is None and r.owner is not None and not _owner_alive(r.owner):
                self._set(r.id, runs.c.status == "queued", runs.c.pid.is_(None), owner=None)
        gone = [
            r.id
            for r in active
            if r.pid is not None and not pid_alive(r.pid) and not _owner_alive(r.owner)
        ]
        return [run_id for run_id in gone if self._end(run_id, "interrupted", INTERRUPTED)]

    def _here(self):
        """Runs whose worker pid means something on this machine. A SQLite file is one
        machine's (even if its hostname changed: a re-created container); a shared database
        holds other machines' runs too."""
        return true() if self.db.dialect == "sqlite" else _on_this_host()

    def _records(self, query) -> list[RunRecord]:
        with self.db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [_record(row) for row in rows]

    def _write(self, statement) -> int:
        with self.db.write() as conn:
            return conn.execute(statement).rowcount

    def _set(self, run_id: str, *where, **values) -> bool:
        """UPDATE one run's columns (if `where` holds); True if a row changed."""
        return self._write(update(runs).where(runs.c.id == run_id, *where).values(**values)) > 0

    def _end(self, run_id: str, status: str, error: str) -> bool:
        """End a run that is still active; True if it was."""
        return self._set(
            run_id, runs.c.status.in_(ACTIVE), status=status, error=error, finished=time.time()
        )


def _queue_filter(statement):
    """Only runs in line: queued, not taken by a worker or a server, not asked to stop."""
    return statement.where(
        runs.c.status == "queued",
        runs.c.pid.is_(None),
        runs.c.owner.is_(None),
        runs.c.cancel_requested == 0,
    )


def _queue():
    """The ids of the runs in line."""
    return _queue_filter(select(runs.c.id))


def _on_this_host():
    """Runs whose worker started on this machine (its pid, and its server's, mean something
    here), or rows from before the host was kept."""
    return runs.c.host.is_(None) | (runs.c.host == this_host())
