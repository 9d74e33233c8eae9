"""Shareable links on the Train page: open a setup from the URL, show the current one's link."""

from collections.abc import Callable, Container
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from app.components.preset_view import control, locked_note, preset
from app.components.state import dataset, set_data_choice
from app.i18n import t
from lepton_core.errors import LabInputError
from lepton_core.share import DATA_PREFIX, KEYS, MODEL_PREFIX, decode_setup, encode_setup, is_link

LINKED = "shared_setup"  # session_state: the Setup a link opened, the form's starting values
LIMITS = {"epochs": "max_epochs", "batch_size": "max_batch_size"}


def _is_share_key(key: str) -> bool:
    return key in KEYS or key.startswith((MODEL_PREFIX, DATA_PREFIX))


def apply_link() -> None:
    """Take a shared setup from the URL once (then drop it from the URL; ?run= stays): it
    chooses the data and the form's starting values. A bad link warns and changes nothing."""
    params = {k: st.query_params[k] for k in st.query_params}
    if not is_link(params):
        return
    for key in params:
        if _is_share_key(key):
            del st.query_params[key]
    try:
        setup = decode_setup(params)
        if not preset().offers(setup.data):
            raise LabInputError(t("share_link.not_offered", data=setup.data))
        if setup.data_options:
            dataset(setup.data, setup.data_options)
    except LabInputError as e:
        st.warning(t("share_link.bad_link", error=e))
        return
    p = preset()
    for name in sorted({"model", *setup.train} & p.locked):
        st.caption(t("share_link.locked", name=name, note=locked_note()))
    for name, limit in LIMITS.items():
        if name in setup.train and setup.train[name] > p.limits.get(limit, setup.train[name]):
            st.caption(t("share_link.over_limit", name=name, limit=p.limits[limit]))
            del setup.train[name]
    set_data_choice(setup.data, setup.data_options, setup.data)
    for key in ("builtin_dataset", "data_kind"):  # the Data page's choice follows the link
        st.session_state.pop(key, None)
    st.session_state[LINKED] = setup


def linked_value(name: str) -> Any:
    """The link's value for a setting ("model", "epochs", ...), None when unset or locked."""
    setup = st.session_state.get(LINKED)
    if setup is None or name in preset().locked:
        return None
    return setup.model if name == "model" else setup.train.get(name)


def setting(slot, name: str, default: Any, draw: Callable[[Any, bool], Any]) -> Any:
    """preset_view.control(), starting from the link's value where the link set one."""
    value = linked_value(name)
    if value is None:
        return control(slot, name, default, draw)
    return control(slot, name, default, lambda _v, off: draw(value, off))


def linked_option(model: str, name: str, default: Any, allowed: Container) -> Any:
    """The link's value of a model option when it is for `model` and the form offers it."""
    setup = st.session_state.get(LINKED)
    if setup is None or setup.model != model or name not in setup.model_options:
        return default
    value = setup.model_options[name]
    return value if value in allowed else default


def share_control(source: str, options: dict, model: str, model_options: dict, train: dict) -> None:
    """ "Share this setup": the link that opens the current form's setup."""
    with st.expander(t("share_link.title"), icon=":material/share:"):
        try:
            params = encode_setup(source, options, model, model_options, train)
        except LabInputError:
            st.caption(t("share_link.uploads_private"))
            return
        base = st.context.url or "/train"
        st.code(f"{base}?{urlencode(params)}", language=None)
        st.caption(t("share_link.what_it_opens"))
