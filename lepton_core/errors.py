"""Errors meant for the person using Lepton Lab."""


class LabInputError(ValueError):
    """Bad input from a user: a file, an option or a name. The message is shown as is."""
