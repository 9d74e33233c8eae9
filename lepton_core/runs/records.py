"""Run records: the decoded row of the runs table (RunRecord) and small helpers around it."""

import os
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lepton_core.errors import LabInputError

STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")

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
    executor: str = "local"  # who runs it: "local" (worker processes) or "ray"
    host: str | None = None  # the machine of its worker (where `pid` means something)
    ray_job: str | None = None  # a Ray run: its server's Ray job ("JOBID@start ms")


def new_run_id() -> str:
    """Sortable and unguessable: 20261129-201530-1a2b3c."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def this_host() -> str:
    """This machine's name, kept with a run whose worker it starts (pids are per machine)."""
    return socket.gethostname()


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


def _record(row: Mapping) -> RunRecord:
    """A runs row (its JSON columns already decoded) as a RunRecord."""
    d = dict(row)
    d["cancel_requested"] = bool(d["cancel_requested"])
    d["published"] = bool(d["published"])
    return RunRecord(**d)
