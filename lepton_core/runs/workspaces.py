"""Workspaces: who sees which runs and uploads on a shared server, their quotas and cleanup.

A workspace is a short id (random, kept in the page URL, or a name the participant types).
Its runs are private to it unless published; its uploads live in workspaces/<id>/uploads.
A server without private workspaces puts everything in "local" (the CLI's workspace too).
"""

import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, update

from lepton_core.errors import LabInputError
from lepton_core.runs.database import upsert
from lepton_core.runs.schema import runs, workspaces
from lepton_core.runs.store import ACTIVE, LOCAL, RunStore

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
TOUCH_EVERY_S = 60.0  # last-seen is written at most this often per workspace


@dataclass(frozen=True)
class Quota:
    """Per-workspace limits; 0 means none. From LEPTON_WORKSPACE_* or a preset's [workshop]."""

    max_runs: int = 50
    max_upload_mb: float = 500.0
    max_age_days: float = 14.0  # a workspace unseen this long is removed (published runs stay)

    @classmethod
    def from_env(cls, workshop: dict | None = None) -> "Quota":
        """Defaults, then the environment, then the preset's values."""
        values: dict = {}
        for name, default in cls.__dataclass_fields__.items():
            raw = os.environ.get(f"LEPTON_WORKSPACE_{name.upper()}", "").strip()
            values[name] = type(default.default)(raw) if raw else default.default
        values.update({k: v for k, v in (workshop or {}).items() if k in values})
        return cls(**values)


def new_workspace_id() -> str:
    """A random workspace id (48 bits): ws-1a2b3c4d5e6f."""
    return "ws-" + secrets.token_hex(6)


def workspace_name(text: str) -> str:
    """A typed name as a workspace id ("Ana Lima" -> "ana-lima"); LabInputError if unusable."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    if not NAME.match(slug):
        raise LabInputError(
            "a workspace name has 3 to 40 letters, digits or dashes (e.g. ana-lima)"
        )
    if slug == LOCAL:
        raise LabInputError(f"{LOCAL!r} is reserved (the command line's runs); pick another name")
    return slug


def uploads_dir(store: RunStore, workspace: str) -> Path:
    """Where a workspace's uploads are written (created on demand)."""
    folder = store.home / "workspaces" / workspace / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visible(record, workspace: str) -> bool:
    """Whether `workspace` may see a run: its own, or published by the instructor."""
    return record.workspace == workspace or record.published


def touch(store: RunStore, workspace: str, now: float | None = None) -> None:
    """Note that the workspace is in use (at most once a minute writes)."""
    now = time.time() if now is None else now
    with store.db.write() as conn:
        new = upsert(conn, workspaces).values(id=workspace, created=now, last_seen=now)
        stale = new.excluded.last_seen - workspaces.c.last_seen > TOUCH_EVERY_S
        seen = {"last_seen": new.excluded.last_seen}
        conn.execute(new.on_conflict_do_update(index_elements=["id"], set_=seen, where=stale))


def usage(store: RunStore, workspace: str) -> dict:
    """{"runs": count, "upload_mb": size of its uploads}."""
    count = select(func.count()).select_from(runs).where(runs.c.workspace == workspace)
    with store.db.read() as conn:
        n = conn.execute(count).scalar_one()
    folder = store.home / "workspaces" / workspace / "uploads"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    return {"runs": n, "upload_mb": size / 1e6}


def check_quota(store: RunStore, workspace: str, quota: Quota, adding_mb: float = 0.0) -> None:
    """LabInputError when a new run (or an upload of `adding_mb`) would pass the quota."""
    used = usage(store, workspace)
    if adding_mb == 0 and quota.max_runs and used["runs"] >= quota.max_runs:
        raise LabInputError(
            f"this workspace has {used['runs']} runs, the most allowed here: "
            "delete some on the Runs page first"
        )
    if quota.max_upload_mb and used["upload_mb"] + adding_mb > quota.max_upload_mb:
        raise LabInputError(
            f"this workspace's uploads would take {used['upload_mb'] + adding_mb:.0f} MB; "
            f"the limit is {quota.max_upload_mb:g} MB"
        )


def publish(store: RunStore, run_id: str, published: bool = True) -> None:
    """Show a run to every workspace (or stop showing it)."""
    store.get(run_id)
    with store.db.write() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id).values(published=int(published)))


def cleanup(store: RunStore, max_age_days: float, now: float | None = None) -> list[str]:
    """Remove workspaces unseen for `max_age_days`: their runs (not published or active) and
    uploads. "local" is never removed. Returns the removed workspace ids."""
    if max_age_days <= 0:
        return []
    cutoff = (time.time() if now is None else now) - max_age_days * 86400
    unseen = select(workspaces.c.id).where(
        workspaces.c.last_seen < cutoff, workspaces.c.id != LOCAL
    )
    with store.db.read() as conn:
        old = conn.execute(unseen.order_by(workspaces.c.id)).scalars().all()
    for ws in old:
        for rec in store.list_runs(workspace=ws):
            if rec.workspace == ws and not rec.published and rec.status not in ACTIVE:
                store.delete(rec.id)
        shutil.rmtree(store.home / "workspaces" / ws, ignore_errors=True)
        with store.db.write() as conn:
            conn.execute(delete(workspaces).where(workspaces.c.id == ws))
    return old
