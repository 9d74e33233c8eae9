"""Security rules that hold across the code: no unpickling, no shell, XSRF on, upload caps."""

import ast
import tomllib
from pathlib import Path

import pytest

from lepton_core.cli import app_command
from lepton_core.data.uploads import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("lepton_core/**/*.py"), *ROOT.glob("app/**/*.py")])
FORBIDDEN_CALLS = {"load", "loads"}  # of pickle / torch / dill / joblib: never
FORBIDDEN_MODULES = {"pickle", "dill", "joblib", "shelve", "marshal"}


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [f"imports {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.Call):
            func = node.func
            owner = getattr(getattr(func, "value", None), "id", "")
            name = getattr(func, "attr", getattr(func, "id", ""))
            if owner in {"torch", "pickle"} and name in FORBIDDEN_CALLS:
                found.append(f"{owner}.{name}()")
            if name in {"system", "popen"} and owner == "os":
                found.append(f"os.{name}()")
            for kw in node.keywords:
                if kw.arg == "shell" and getattr(kw.value, "value", False) is True:
                    found.append("shell=True")
                if kw.arg == "allow_pickle" and getattr(kw.value, "value", False) is True:
                    found.append("allow_pickle=True")
    return [f"{path.name}: {p}" for p in found]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unpickling_and_no_shell(path):
    assert _problems(path) == []


def test_the_checker_catches_them(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle\nimport torch, os, subprocess\ntorch.load('x')\nos.system('ls')\n"
        "subprocess.run('ls', shell=True)\nimport numpy as np\nnp.load('a', allow_pickle=True)\n"
    )
    assert len(_problems(bad)) == 5


def test_the_server_keeps_xsrf_on_and_caps_uploads_from_any_directory():
    cmd = app_command(8501, "127.0.0.1")
    option = {cmd[i]: cmd[i + 1] for i in range(len(cmd) - 1) if cmd[i].startswith("--")}
    assert option["--server.enableXsrfProtection"] == "true"
    assert int(option["--server.maxUploadSize"]) * 2**20 == MAX_UPLOAD_BYTES
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_UPLOAD_BYTES


def test_ruff_security_rules_are_on():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    ignored = set(lint.get("ignore", []))  # only tests may assert (S101): `python -O` drops it
    assert not {i for i in ignored if i.startswith("S")}, ignored


def _uncapped_uploaders(path: Path) -> list[int]:
    """Lines of st.file_uploader calls that do not pass their own max_upload_size."""
    calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
    return [
        n.lineno
        for n in calls
        if getattr(n.func, "attr", "") == "file_uploader"
        and "max_upload_size" not in {kw.arg for kw in n.keywords}
    ]


def test_every_uploader_has_its_own_cap(tmp_path):
    """The browser refuses an over-size file before sending it, at each widget's own cap."""
    app_files = sorted(ROOT.glob("app/**/*.py"))
    uploaders = [p for p in app_files if "file_uploader(" in p.read_text()]
    assert len(uploaders) >= 4  # data (zip, folder), csv, try-it, fine-tune weights
    assert {str(p.relative_to(ROOT)): _uncapped_uploaders(p) for p in uploaders} == {
        str(p.relative_to(ROOT)): [] for p in uploaders
    }
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nst.file_uploader('x')\n")
    assert _uncapped_uploaders(bad) == [2]
