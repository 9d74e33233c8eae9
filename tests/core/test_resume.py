"""Interrupted runs: a killed server leaves them `interrupted`, and they resume where they were.

Real parts: a real "server" process that starts a real worker through LocalExecutor and is then
killed with SIGKILL, the real SQLite RunStore, the real Train page (AppTest) with its Resume button.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from lepton_core.api import make_config, train
from lepton_core.cli_resume import add_resume_parser, cmd_resume
from lepton_core.config import TrainSpec
from lepton_core.errors import LabInputError
from lepton_core.runs import RunStore
from lepton_core.runs.job import LAST_STATE
from lepton_core.runs.resume import resume_point
from lepton_core.runs.store import pid_alive
from lepton_core.training import BestCheckpoint, Callback, EarlyStopping, Trainer
from lepton_core.training.callbacks import LastState, load_train_state

APP = str(Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py")
WORKER_START_S = 120  # a worker imports torch and loads data; slow machines need slack
CONFIG = {"model": "seed-cnn", "epochs": 8, "seed": 2}
# A stand-in for the Streamlit server: it starts the worker exactly as the app does, then idles.
SERVER = (
    "import sys, time\n"
    "from lepton_core.runs import LocalExecutor, RunStore\n"
    "print(LocalExecutor(RunStore()).submit(sys.argv[1]), flush=True)\n"
    "time.sleep(300)\n"
)


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.02) -> float:
    """Poll until condition() is true; returns the seconds it took (fails on timeout)."""
    t0 = time.monotonic()
    while not condition():
        assert time.monotonic() - t0 < timeout, f"condition not met within {timeout} s"
        time.sleep(every)
    return time.monotonic() - t0


def kill_if_alive(pid: int | None) -> None:
    """SIGKILL a process this test started (by pid), if it still runs."""
    if pid and pid_alive(pid):
        os.kill(pid, signal.SIGKILL)


def no_seconds(rows: list[dict]) -> list[dict]:
    """History rows without their wall-clock seconds."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


class _StopAfter(Callback):
    """Interrupts training after `epochs` whole epochs, as a vanished server does."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, trainer) -> None:
        if len(trainer.history) == self.epochs:
            trainer.stop("interrupted")


def test_trainer_resumed_from_its_saved_state_repeats_the_uninterrupted_epochs(tmp_path) -> None:
    x, xv = torch.randn(200, 6, generator=torch.Generator().manual_seed(0)), torch.randn(40, 6)
    y, yv = (x[:, 0] > 0).long(), (xv[:, 0] > 0).long()
    spec = TrainSpec(epochs=5, batch_size=32, schedule="one-cycle", seed=3, patience=4)

    def run(*extra: Callback, state: dict | None = None) -> Trainer:
        torch.manual_seed(1)
        net = torch.nn.Sequential(
            torch.nn.Linear(6, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 2)
        )
        trainer = Trainer(net, spec, [BestCheckpoint(), EarlyStopping(4), *extra])
        if state is not None:
            trainer.resume_from(state)
        trainer.fit(x, y, xv, yv)
        return trainer

    path = tmp_path / LAST_STATE
    full = run()
    cut = run(LastState(path), _StopAfter(2))
    assert len(cut.history) == 2 and cut.stop_reason == "interrupted"
    resumed = run(LastState(path), state=load_train_state(path))
    # dropout, shuffling, Adam moments and the one-cycle rate all continue: the very same epochs
    assert no_seconds(resumed.history) == no_seconds(full.history)
    assert resumed.best_epoch == full.best_epoch
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            resumed.model.state_dict().values(), full.model.state_dict().values(), strict=True
        )
    )


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """A run whose server was killed with SIGKILL after >= 2 epochs, and what was seen then."""
    home = tmp_path_factory.mktemp("resume_home")
    store = RunStore(home)
    run_id = store.create_run(make_config("digits", **CONFIG))
    env = dict(os.environ, LEPTON_HOME=str(home))
    server = subprocess.Popen(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", SERVER, run_id],
        env=env,
        stdout=subprocess.PIPE,
        start_new_session=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    worker = int(server.stdout.readline())
    try:
        wait_for(lambda: store.get(run_id).epochs_completed >= 2, WORKER_START_S)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        stopped_in = wait_for(lambda: not pid_alive(worker), timeout=60)  # generous: busy CI
    finally:
        kill_if_alive(server.pid)
        kill_if_alive(worker)
    history = store.history(run_id)
    return home, run_id, stopped_in, history


def test_killed_server_leaves_the_run_interrupted_then_it_resumes(killed, monkeypatch) -> None:
    # No timing bound (a loaded machine stretches it; speed belongs in bench/): the worker must
    # have stopped itself before the run's end, saying why (checked just below).
    home, run_id, _stopped_in, before = killed
    store = RunStore(home)  # "the restarted server"
    assert store.reconcile() == []  # the worker already marked it
    rec = store.get(run_id)
    assert rec.status == "interrupted", (rec.status, rec.error)
    kept = rec.epochs_completed
    assert 2 <= kept < CONFIG["epochs"] and "server stopped" in rec.error
    assert [r["epoch"] for r in before] == list(range(1, kept + 1))
    assert (store.folder(run_id) / "checkpoint.safetensors").is_file()
    assert resume_point(store, run_id) == kept  # the last state is that of the last whole epoch

    monkeypatch.setenv("LEPTON_HOME", str(home))
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["run"] = run_id
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert f"Interrupted after {kept} epochs; its last checkpoint and history are kept." in warnings
    button = next(b for b in at.button if b.label == f"Resume from epoch {kept + 1}")
    button.click().run()
    assert not at.exception, at.exception
    worker = store.get(run_id).pid
    try:
        assert store.get(run_id).status in ("queued", "running", "done")  # back in the line
        wait_for(lambda: store.get(run_id).status not in ("queued", "running"), WORKER_START_S)
    finally:
        kill_if_alive(worker)
        st.cache_resource.clear()
    rec = store.get(run_id)
    assert rec.status == "done", rec.error
    after = store.history(run_id)
    assert [r["epoch"] for r in after] == list(range(1, CONFIG["epochs"] + 1))  # none twice
    assert after[:kept] == before  # the epochs before the kill are kept as they were
    assert rec.metrics["stop_reason"] == "completed" and rec.train_seconds > 0

    whole = train("digits", store=store, **CONFIG)  # the same run, never interrupted
    same = no_seconds(whole.history())
    assert len(same) == len(after)
    for row, expected in zip(no_seconds(after), same, strict=True):
        assert row == pytest.approx(expected, rel=1e-5), row["epoch"]
    assert rec.metrics["test_accuracy"] == pytest.approx(whole.metrics["test_accuracy"])


def test_cli_resume_continues_an_interrupted_run_and_refuses_a_finished_one(
    lepton_home, capsys
) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--json", action="store_true")
        sp.set_defaults(func=func)
        return sp

    add_resume_parser(add)
    run = train("digits", model="seed-cnn", epochs=3, callbacks=(_StopAfter(1),))
    assert run.record.status == "interrupted"
    args = parser.parse_args(["resume", run.id, "--json"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "done" and out["resumed_from_epoch"] == 1
    assert out["epochs_completed"] == 3 and "test_accuracy" in out["metrics"]
    with pytest.raises(LabInputError, match="only an interrupted run can be resumed"):
        cmd_resume(parser.parse_args(["resume", run.id, "--json"]))
