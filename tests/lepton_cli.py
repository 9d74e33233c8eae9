"""Run the `lepton` command as a real subprocess (`python -m lepton_core`) against a LEPTON_HOME."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TORCH_THREADS = 2


@dataclass
class CliResult:
    """What one `python -m lepton_core ...` call did."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        """The one JSON object the command printed (fails the test otherwise)."""
        assert self.code == 0, f"lepton {' '.join(self.args)} exited {self.code}:\n{self.stderr}"
        lines = self.stdout.strip().splitlines()
        assert len(lines) == 1, f"expected one JSON line on stdout, got:\n{self.stdout}"
        obj = json.loads(lines[0])
        assert isinstance(obj, dict)
        return obj


def cli_env(home: Path) -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout, storage in `home`, no debug mode."""
    env = dict(os.environ, LEPTON_HOME=str(home), PYTHONPATH=str(ROOT))
    env.pop("LEPTON_DEBUG", None)
    return env


def run_lepton(home: Path, *args: str, timeout: float = 300) -> CliResult:
    """Run `python -m lepton_core ARGS` with LEPTON_HOME=home, working directory home."""
    proc = subprocess.run(
        [sys.executable, "-m", "lepton_core", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=home,
        env=cli_env(home),
    )
    return CliResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def run_lepton_many(home: Path, commands: dict[str, list[str]]) -> dict[str, CliResult]:
    """Run several CLI commands, two at a time (each one mostly waits on imports)."""
    with ThreadPoolExecutor(max_workers=TORCH_THREADS) as pool:
        futures = {key: pool.submit(run_lepton, home, *args) for key, args in commands.items()}
        return {key: f.result() for key, f in futures.items()}
