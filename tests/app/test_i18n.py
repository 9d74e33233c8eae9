"""English and 中文: the catalogues match, pages use them, and every page renders in both."""

import ast
import re
from pathlib import Path

import pytest

from app.i18n import LANGUAGES, LOCALES, catalog, fields
from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page

APP = Path(__file__).resolve().parents[2] / "app"
UI_FILES = sorted([*APP.glob("pages/*.py"), *APP.glob("components/*.py"), APP / "streamlit_app.py"])
# Streamlit calls whose first argument (or these keywords) the user reads
UI_CALLS = {
    "title", "header", "subheader", "markdown", "caption", "write", "text", "button",
    "download_button", "link_button", "page_link", "selectbox", "radio", "multiselect", "slider",
    "select_slider", "number_input", "text_input", "text_area", "checkbox", "toggle",
    "file_uploader", "camera_input", "info", "warning", "error", "success", "toast", "expander",
    "tabs", "metric", "form_submit_button", "spinner", "status", "popover", "segmented_control",
    "pills", "dialog", "progress", "Page", "TextColumn", "NumberColumn", "ProgressColumn",
    "LinkColumn", "Column", "CheckboxColumn", "LineChartColumn", "BarChartColumn",
}  # fmt: skip
UI_KEYWORDS = {"label", "help", "placeholder", "title", "body", "text", "caption"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _literal_words(node: ast.AST) -> str | None:
    """Text with letters written straight into the code (a str or an f-string's fixed parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, (ast.List, ast.Tuple)):
        return next(filter(None, map(_literal_words, node.elts)), None)
    else:
        return None
    return text if re.search(r"[A-Za-z]{2}", re.sub(r":material/\w+:", "", text)) else None


def _bypasses(path: Path) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name not in UI_CALLS:
            continue
        args = node.args[:1] + [k.value for k in node.keywords if k.arg in UI_KEYWORDS]
        for arg in args:
            words = _literal_words(arg)
            if words and "i18n: ok" not in lines[arg.lineno - 1]:
                found.append(f"{path.name}:{arg.lineno}: {words[:60]!r}")
    return found


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(APP)))
def test_no_ui_string_bypasses_the_catalogue(path):
    assert _bypasses(path) == [], "use app.i18n.t(...) for these"


def test_the_checker_finds_a_literal_label(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nst.button("Train")\ncol.metric(label=f"Acc {x}")\n')
    assert len(_bypasses(bad)) == 2


def test_both_catalogues_have_the_same_files_keys_and_fields():
    files = {lang: sorted(p.name for p in (LOCALES / lang).glob("*.toml")) for lang in LANGUAGES}
    assert files["en"] == files["zh"] and files["en"]
    en, zh = catalog("en"), catalog("zh")
    assert sorted(en) == sorted(zh)
    assert [k for k in en if fields(en[k]) != fields(zh[k])] == []


def test_chinese_is_written_in_chinese():
    """A zh text with words in it has Chinese characters (names such as "ONNX" may stay)."""
    en, zh = catalog("en"), catalog("zh")
    untranslated = [
        k for k, text in zh.items()
        if re.search(r"[A-Za-z]{4,}\s+[A-Za-z]{4,}", en[k]) and not CJK.search(text)
    ]  # fmt: skip
    assert untranslated == []


@pytest.fixture(scope="module")
def run_home(tmp_path_factory):
    """A LEPTON_HOME with one finished digits run, so pages show their full content."""
    home = tmp_path_factory.mktemp("i18n") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        yield train("digits", model="seed-cnn", epochs=1, store=RunStore(home))


PAGES = ["home", "data", "train", "evaluate", "explain", "generate", "deploy", "runs"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(run_home, monkeypatch, page, lang):
    import streamlit as st

    monkeypatch.setenv("LEPTON_HOME", str(run_home.store.home))
    st.cache_resource.clear()
    at = open_page(f"pages/{page}.py", run_home.id, lang=lang)
    shown = "\n".join(
        str(e.value)
        for kind in ("title", "header", "subheader", "markdown", "caption", "info")
        for e in at.get(kind)
    )
    labels = "\n".join(str(w.label) for w in [*at.button, *at.selectbox, *at.radio])
    if lang == "zh":
        assert CJK.search(shown) and CJK.search(labels + shown)
        leftovers = [v for k, v in catalog("en").items() if len(v) > 24 and v in shown]
        assert leftovers == [], "English text on a 中文 page"
    else:
        assert not CJK.search(shown.replace("中文", ""))
