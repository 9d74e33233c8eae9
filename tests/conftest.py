"""Shared fixtures: a private LEPTON_HOME per test; torch (and worker processes) on 2 threads."""

import os
from pathlib import Path

import pytest

from tests.lepton_cli import TORCH_THREADS

os.environ.setdefault("LEPTON_TORCH_THREADS", str(TORCH_THREADS))  # worker processes
# Idle OpenMP threads sleep instead of spinning: on a busy 2-core machine spinning threads starve
# the other processes (CLI, workers, servers) and measured tests ran twice as long. Inherited.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def pytest_configure(config) -> None:
    """Torch uses 2 threads in the test process (set before any torch work)."""
    import torch

    torch.set_num_threads(TORCH_THREADS)


@pytest.fixture
def lepton_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty storage root for this test, set as LEPTON_HOME."""
    home = tmp_path / "lepton_home"
    home.mkdir()
    monkeypatch.setenv("LEPTON_HOME", str(home))
    return home
