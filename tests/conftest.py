"""Shared fixtures: a private LEPTON_HOME per test; torch (and worker processes) on 2 threads;
the test services that `.ci/services.sh` starts (PostgreSQL, a Ray head), found by env vars."""

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

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


def required_service(var: str, what: str) -> str:
    """The value of `var`; without it the test skips locally and fails in CI (CI is set)."""
    value = os.environ.get(var)
    if not value:
        msg = f'{var} is not set: start {what} with `eval "$(.ci/services.sh up)"`'
        if os.environ.get("CI"):
            pytest.fail(f"{what} is needed in CI, but {msg}")
        pytest.skip(msg)
    return value


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The test PostgreSQL server's database URL (LEPTON_TEST_DB_URL)."""
    return required_service("LEPTON_TEST_DB_URL", "the test PostgreSQL")


@pytest.fixture(scope="session")
def ray_address() -> str:
    """The test Ray head's address, host:port (LEPTON_TEST_RAY_ADDRESS)."""
    return required_service("LEPTON_TEST_RAY_ADDRESS", "the test Ray head")


def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database `lepton_<random>` next to `server_url`'s; yield its URL, then drop
    it (WITH (FORCE): connections still open in a pool or a server are ended)."""
    import psycopg

    name = f"lepton_{secrets.token_hex(6)}"
    conninfo = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def fresh_pg_url(pg_url: str) -> Iterator[str]:
    """A database of its own for this test module on the test PostgreSQL, dropped afterwards."""
    yield from fresh_database(pg_url)
