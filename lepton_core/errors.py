"""Errors meant for the person using Lepton Lab."""


class LabInputError(ValueError):
    """Bad input from a user: a file, an option or a name. The message is shown as is."""


class ExportParityError(RuntimeError):
    """An exported model predicts differently from PyTorch, so the export is refused."""
