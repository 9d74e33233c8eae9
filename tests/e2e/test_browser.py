"""End-to-end: a real browser drives the app from data to explanation.

Run: .venv/bin/python -m pytest -q tests/e2e -m browser
Screenshots go to $LEPTON_SCREENSHOTS/<test>/ when it is set (else the test's tmp_path).
"""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from lepton_core.runs import LocalExecutor, RunStore
from tests.data.make_sample_zip import make_sample_zip

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TRAIN_TIMEOUT_MS = 180_000  # 2 epochs + worker start + evaluation on a busy 2-core machine
EXPLAIN_TIMEOUT_MS = 120_000  # torch + captum imports and the attributions themselves
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# Records every live progress text that mentions an ETA, however briefly it was on screen:
# a short run can pass through "running" between two polls of a plain wait.
WATCH_PROGRESS = """() => {
  window.__progressTexts = [];
  const seen = () => document.querySelectorAll('[data-testid="stProgress"]').forEach((el) => {
    const t = el.innerText.trim();
    if (t.includes('ETA') && !window.__progressTexts.includes(t)) window.__progressTexts.push(t);
  });
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def shot(page: Page, folder: Path, name: str, target: Locator | None = None) -> None:
    """Screenshot the viewport (the main area scrolls, so full_page would show little more)."""
    if target is not None:  # centre it: scroll_into_view_if_needed leaves it at the very edge
        target.evaluate("el => el.scrollIntoView({block: 'center'})", timeout=10_000)
    page.screenshot(path=str(folder / f"{name}.png"))


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress (do not use while a fragment polls)."""
    page.locator(IDLE).wait_for(state="attached")


def metric_value(page: Page, label: str) -> Locator:
    """The value of the st.metric whose label is exactly `label`."""
    label_loc = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=label_loc).get_by_test_id("stMetricValue")


def set_epochs(page: Page, n: int) -> None:
    """Type the number of epochs, commit it with Enter, and wait for the rerun."""
    box = page.get_by_label("Epochs", exact=True)
    box.fill(str(n))
    box.press("Enter")
    expect(box).to_have_value(str(n))
    wait_idle(page)


def train_and_wait(page: Page, folder: Path, prefix: str, require_eta: bool = True) -> str:
    """Click Start training, check the live progress, wait for the result; returns the run id.

    The monitor polls once a second, so a run of a few seconds (the 45-image upload) can finish
    between two polls: only require the live ETA for runs long enough to be seen.
    """
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Start training").click()
    finished = page.get_by_text("Finished: test accuracy")
    live = page.get_by_test_id("stProgress").filter(has_text="ETA")
    # Screenshot the live monitor if we catch it; the watcher above is what the test relies on.
    expect(live.or_(finished).first).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    if live.count():
        try:
            shot(page, folder, f"{prefix}-live", live.first)
        except PlaywrightError:  # the run finished in between: the progress bar is gone
            pass
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    texts = page.evaluate("window.__progressTexts")
    if require_eta:
        assert texts, "the live progress bar never showed an ETA"
    if texts:
        assert any(re.search(r"Epoch \d+/\d+ · \d+% · elapsed .+ · ETA ", t) for t in texts), texts
    wait_idle(page)  # the final view's charts arrive after the banner
    shot(page, folder, f"{prefix}-finished", finished)
    run_ids = parse_qs(urlparse(page.url).query).get("run")
    assert run_ids, f"no run= in {page.url}"
    return run_ids[0]


def test_digits_path_from_data_to_explanation(server, page: Page, shots: Path) -> None:
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Lepton Lab", exact=True)).to_be_visible()
    shot(page, shots, "01-home")

    page.get_by_role("button", name="Start with the digits →").click()
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    expect(metric_value(page, "Images")).to_have_text("1,797")
    shot(page, shots, "02-data")

    page.get_by_role("link", name="Next: train a model on this data →").click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("15")
    set_epochs(page, 2)
    shot(page, shots, "03-train-settings")

    run_id = train_and_wait(page, shots, "04-train")
    assert "run=" in page.url
    assert run_id in page.url

    page.get_by_role("link", name="Evaluate this run →").click()
    expect(page.get_by_role("heading", name="Evaluate", exact=True)).to_be_visible()
    expect(metric_value(page, "Test accuracy")).to_have_text(re.compile(r"\d+\.\d%"))
    expect(page.get_by_text("Per class", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Most confident mistakes")).to_be_visible()
    explain_link = page.get_by_role("link", name="Explain these mistakes →")
    no_mistakes = page.get_by_text("No mistakes on the test split.")
    expect(explain_link.or_(no_mistakes)).to_be_visible()
    shot(page, shots, "05-evaluate")
    shot(page, shots, "06-evaluate-mistakes", explain_link.or_(no_mistakes))

    if explain_link.count():
        explain_link.click()
    else:  # a perfect model has no mistakes to explain: use the sidebar instead
        page.get_by_test_id("stSidebarNavLink").filter(has_text="4 · Explain").click()
    expect(page.get_by_role("heading", name="Explain", exact=True)).to_be_visible()
    rows = page.get_by_test_id("stImageCaption").filter(has_text=re.compile(r"^#\d+ · true "))
    expect(rows.first).to_be_visible(timeout=EXPLAIN_TIMEOUT_MS)
    for label in ("Saliency", "Integrated Gradients", "Grad-CAM", "class probabilities"):
        expect(page.get_by_text(label, exact=True).first).to_be_visible()
    wait_idle(page)
    shot(page, shots, "07-explain")
    shot(page, shots, "08-explain-last-row", rows.last)

    page.get_by_role("tab", name="Trust").click()
    slider = page.get_by_role("slider", name="Test images")
    slider.focus()
    slider.press("Home")  # 8 images: quicker on a busy machine
    wait_idle(page)
    page.get_by_role("button", name=re.compile(r"^Measure \d method")).click()
    csv = page.get_by_role("button", name="Trust table (CSV)")
    expect(csv).to_be_visible(timeout=EXPLAIN_TIMEOUT_MS * 2)
    expect(page.get_by_text(re.compile(r"(Passes|Fails|Half passes)")).first).to_be_visible()
    wait_idle(page)
    shot(page, shots, "09-explain-trust", csv)


def test_zip_upload_trains_end_to_end(server, page: Page, shots: Path, tmp_path: Path) -> None:
    sample = make_sample_zip(tmp_path / "sample.zip")
    page.goto(f"{server.url}/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    expect(metric_value(page, "Images")).to_have_text("1,797")

    page.get_by_text("Upload a .zip of class folders", exact=True).click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Zip of class folders")
    expect(uploader).to_be_visible()
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(sample))

    expect(metric_value(page, "Images")).to_have_text("45")
    expect(metric_value(page, "Classes")).to_have_text("3")
    expect(metric_value(page, "Skipped files")).to_have_text("1")
    skipped = page.get_by_test_id("stExpander").filter(has_text="Skipped files (1)")
    expect(skipped).to_be_visible()
    table = skipped.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    # st.dataframe draws on a canvas; the cell texts live in a fallback <table> inside it,
    # which is in the DOM but not "visible", so count the cells rather than look at them.
    row = table.locator('tbody tr[role="row"]')
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text([re.compile(r"corrupt\.png$"), re.compile(r"\w")])
    shot(page, shots, "01-data-upload")
    shot(page, shots, "02-data-skipped", skipped)

    page.get_by_role("link", name="Next: train a model on this data →").click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_text("sample.zip").first).to_be_visible()
    set_epochs(page, 2)
    run_id = train_and_wait(page, shots, "03-train", require_eta=False)

    runs = {r.id: r for r in RunStore(server.home).list_runs()}
    assert run_id in runs, f"{run_id} not in {list(runs)}"
    rec = runs[run_id]
    assert rec.status == "done", (rec.status, rec.error)
    assert rec.epochs_completed == 2
    assert rec.data.endswith(".zip") and rec.data != "digits", rec.data
    assert {r["class"] for r in rec.metrics["per_class"]} == {"red", "green", "blue"}


@pytest.fixture
def finished_run(server) -> str:
    """A done run in this server's store: the newest one, or a 1-epoch digits run made here."""
    store = RunStore(server.home)
    done = [r for r in store.list_runs() if r.status == "done"]
    if done:
        return done[0].id
    from lepton_core.api import make_config

    config = make_config("digits", epochs=1)
    config.name = "digits · cnn"
    run_id = store.create_run(config)
    executor = LocalExecutor(store)
    executor.submit(run_id)
    assert executor.wait(run_id, timeout=TRAIN_TIMEOUT_MS / 1000) == 0
    assert store.get(run_id).status == "done"
    return run_id


def test_refresh_reattaches(server, new_page, shots: Path, finished_run: str) -> None:
    rec = RunStore(server.home).get(finished_run)
    page = new_page()  # a new browser context: a new session that knows nothing but the URL
    page.goto(f"{server.url}/train?run={finished_run}")
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Run {rec.name or rec.id}")).to_be_visible()
    expect(page.get_by_text("Finished: test accuracy")).to_be_visible()
    expect(page.get_by_role("link", name="Evaluate this run →")).to_be_visible()
    assert f"run={finished_run}" in page.url
    shot(page, shots, "01-reattached", page.get_by_text("Finished: test accuracy"))

    page.reload()  # a plain refresh of the same tab reattaches too
    expect(page.get_by_text("Finished: test accuracy")).to_be_visible()
    assert f"run={finished_run}" in page.url
