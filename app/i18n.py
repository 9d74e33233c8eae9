"""The UI's words in English and Simplified Chinese: `t("page.key", **fields)`.

Catalogues are TOML files, one per page or component, in app/locales/<lang>/<name>.toml;
a key is "<name>.<key>". Both languages have the same keys and the same {fields} (a test checks).
The language is the sidebar's choice, kept in the URL (?lang=zh); at first it follows the browser.
"""

import re
import tomllib
from functools import cache
from pathlib import Path

import streamlit as st

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


def _flatten(table: dict, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}"
        out.update(_flatten(value, name) if isinstance(value, dict) else {name: value})
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of one language: {"evaluate.title": "Evaluate", ...}."""
    words: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        words.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8")), path.stem))
    return words


def fields(text: str) -> set[str]:
    """The {placeholders} of a catalogue text."""
    return set(re.findall(r"{(\w+)[^{}]*}", text))


def language() -> str:
    """The session's language: chosen in the sidebar (kept in ?lang=), else the browser's."""
    s = st.session_state
    chosen = st.query_params.get("lang")
    if not s.get("lang_chosen") and chosen in LANGUAGES:
        s.lang, s.lang_chosen = chosen, True  # a link (or a refresh) that names the language
    lang = s.get("lang")
    if lang not in LANGUAGES:
        locale = (st.context.locale or "").lower()
        lang = s.lang = "zh" if locale.startswith("zh") else DEFAULT
    if s.get("lang_chosen") and chosen != lang:
        st.query_params["lang"] = lang  # page links drop the query: keep the choice in the URL
    return lang


def t(key: str, **values) -> str:
    """The text for `key` in the session's language, with {fields} filled in."""
    text = catalog(language()).get(key)
    if text is None:
        text = catalog(DEFAULT)[key]  # a key missing from English is a bug: KeyError
    return text.format(**values) if values else text


def language_picker() -> None:
    """The sidebar's English / 中文 switch."""
    current = language()
    choice = st.segmented_control(
        "Language · 语言",  # i18n: ok (bilingual on purpose)
        list(LANGUAGES),
        default=current,
        format_func=LANGUAGES.get,
        key="lang_picker",
        label_visibility="collapsed",
    )
    if choice and choice != current:
        st.session_state.update(lang=choice, lang_chosen=True)
        st.query_params["lang"] = choice
        st.rerun()
