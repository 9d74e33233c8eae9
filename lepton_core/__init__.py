"""Lepton Lab's engine. Importing it is cheap: torch loads when an API function is first used."""

__all__ = ["explain", "export", "list_runs", "load_dataset", "load_run", "train"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in __all__:
        from lepton_core import api

        return getattr(api, name)
    raise AttributeError(f"module 'lepton_core' has no attribute {name!r}")
