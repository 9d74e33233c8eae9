"""The test services of `.ci/services.sh`: loopback only, Ray refuses a client without the token,
a module's fresh database really is its own; and the fixtures skip locally but fail in CI."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.conftest import fresh_database, required_service

LOOPBACK = ("127.0.0.1", "[::ffff:127.0.0.1]")
CLIENT_SCRIPT = """
import ray
try:
    ray.init(address={address!r}, logging_level="ERROR")
except Exception as e:
    print(type(e).__name__, e)
    raise SystemExit(3)
print("connected")
"""


def listeners(port: int) -> set[str]:
    """Local addresses that listen on TCP `port`, as `ss -ltnH` prints them."""
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    hosts = set()
    for line in out.splitlines():
        host, _, p = line.split()[3].rpartition(":")
        if p == str(port):
            hosts.add(host)
    return hosts


def test_service_fixtures_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEPTON_TEST_NOTHING", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="services.sh up"):
        required_service("LEPTON_TEST_NOTHING", "nothing")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="needed in CI"):
        required_service("LEPTON_TEST_NOTHING", "nothing")
    monkeypatch.setenv("LEPTON_TEST_NOTHING", "here")
    assert required_service("LEPTON_TEST_NOTHING", "nothing") == "here"


def test_services_listen_on_loopback_only(pg_url: str, ray_address: str) -> None:
    for port in (urlsplit(pg_url).port, int(ray_address.rpartition(":")[2])):
        hosts = listeners(port)
        assert hosts, f"nothing listens on port {port}"
        assert hosts <= set(LOOPBACK), f"port {port} listens on {hosts}"


def test_ray_refuses_a_client_without_the_token(ray_address: str, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH_TOKEN")}
    env |= {"HOME": str(tmp_path), "RAY_AUTH_MODE": "token"}  # no ~/.ray/auth_token either
    out = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT.format(address=ray_address)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 3, out.stdout + out.stderr
    assert "AuthenticationError" in out.stdout, out.stdout


def test_fresh_database_is_empty_and_dropped_after(pg_url: str) -> None:
    databases = "SELECT datname FROM pg_database"
    with psycopg.connect(pg_url, autocommit=True) as server:
        dbs = fresh_database(pg_url)
        url = next(dbs)
        name = urlsplit(url).path.lstrip("/")
        assert (name,) in server.execute(databases).fetchall()
        with psycopg.connect(url, autocommit=True) as conn:
            tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            assert conn.execute(tables).fetchone() == (0,)
            dbs.close()  # drops it, even with this connection still open
        assert (name,) not in server.execute(databases).fetchall()


STUBBORN = "trap '' TERM; sleep 300 & echo $! > \"$1\"; wait"  # a head that will not drain


def test_services_down_kills_a_ray_head_that_does_not_drain(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    head = subprocess.Popen(["bash", "-c", STUBBORN, "head", str(tmp_path / "child.pid")])  # noqa: S603, S607
    try:
        services = tmp_path / "services"
        services.mkdir()
        (services / "ray.pid").write_text(str(head.pid))
        for _ in range(100):  # the head has started its child
            if (tmp_path / "child.pid").is_file() and (tmp_path / "child.pid").read_text():
                break
            time.sleep(0.05)
        child = int((tmp_path / "child.pid").read_text())
        env = dict(os.environ, LEPTON_SERVICES_DIR=str(services), LEPTON_SERVICES_DRAIN_S="1")
        down = f"source {root / '.ci/services.sh'}; services_down"
        out = subprocess.run(
            ["bash", "-c", down], env=env, capture_output=True, text=True, timeout=60
        )  # noqa: S603, S607
        assert "SIGKILL to 2 processes" in out.stderr, out.stderr
        assert head.wait(timeout=10) == -9 and not services.exists()
        assert (
            not Path(f"/proc/{child}").exists()
            or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
        )
    finally:
        if head.poll() is None:
            head.kill()
