"""Where Lepton Lab keeps everything: LEPTON_HOME (default ./lepton_home)."""

import os
from pathlib import Path


def lepton_home() -> Path:
    """The storage root, created on first use."""
    home = Path(os.environ.get("LEPTON_HOME", "lepton_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home
