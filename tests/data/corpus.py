"""Shared checks of the malformed-input tests: a one-line refusal, and files left as they were."""

import hashlib
from pathlib import Path

from lepton_core.cli import main


def refused(argv: list[str], capsys) -> tuple[str, str]:
    """Run `lepton ARGV` in-process: exit 2 and exactly one stderr line, no traceback.

    Returns (that line, stdout)."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0], out


def file_hashes(folder: Path, root: Path | None = None) -> dict[str, str]:
    """SHA-256 of every file under `folder`, by its path relative to `root` (default: folder)."""
    root = root or folder
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
