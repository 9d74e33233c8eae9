"""Apply the instructor's preset to the forms: defaults, locked and hidden controls."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.i18n import t
from lepton_core.errors import LabInputError
from lepton_core.preset import Preset, active_preset


def locked_note() -> str:
    """The note beside a control the instructor's preset locks ("set by your instructor")."""
    return t("preset_view.locked")


def preset() -> Preset:
    """The active preset; a broken file changes nothing (preset_problem() says why)."""
    try:
        return active_preset()
    except LabInputError:
        return Preset()


def preset_problem() -> str | None:
    """Why the preset file named by $LEPTON_PRESET cannot be used, or None."""
    try:
        active_preset()
    except LabInputError as e:
        return t("preset_view.ignored", error=e)
    return None


def control(slot, name: str, default: Any, draw: Callable[[Any, bool], Any]) -> Any:
    """Draw one setting in `slot` via draw(value, disabled): the preset's default first, shown
    disabled with a caption when locked, not drawn at all when hidden."""
    p = preset()
    value = p.defaults.get(name, default)
    if not p.shows(name):
        return value
    locked = name in p.locked
    with slot:
        chosen = draw(value, locked)
        if locked:
            st.caption(f":material/lock: {locked_note()}")
    return value if locked else chosen


def with_value(options: list, value: Any) -> list:
    """A slider's options, with the preset's value added when it is not one of them."""
    return options if value in options else sorted([*options, value])
