"""Real browser: train a VAE from the Train page, then redraw a latent point on Generate."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import TRAIN_TIMEOUT_MS, metric_value, set_epochs, shot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

GENERATE_TIMEOUT_MS = 120_000  # model load, codes of the test set, captum for the last section


def choose_model(page: Page, name: str) -> None:
    """Pick `name` in the Train page's Model selectbox and wait for the rerun."""
    box = page.get_by_role("combobox", name="Model")
    box.click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(name)} — ")).click()
    expect(box).to_have_value(re.compile(f"^{re.escape(name)} — "))
    wait_idle(page)


def test_vae_trains_and_a_latent_slider_redraws(server, page: Page, shots: Path) -> None:
    page.goto(server.url)
    page.get_by_role("button", name="Start with the digits →").click()
    expect(metric_value(page, "Images")).to_have_text("1,797")
    page.get_by_role("link", name="Next: train a model on this data →").click()
    expect(page.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    choose_model(page, "vae")
    expect(page.get_by_text("Latent size")).to_be_visible()
    epochs = page.get_by_label("Epochs", exact=True)
    expect(epochs).to_have_count(1)  # the old field (default 15) is gone once the rerun ends
    expect(epochs).to_have_value("30")  # the VAE family's own default
    set_epochs(page, 2)
    shot(page, shots, "01-train-vae")

    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text("Finished: test squared error")).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    wait_idle(page)
    shot(page, shots, "02-trained")

    page.get_by_role("link", name="Generate with it →").click()
    expect(page.get_by_role("heading", name="Generate", exact=True)).to_be_visible()
    expect(metric_value(page, "Squared error / image")).to_have_text(re.compile(r"^\d+\.\d\d$"))
    expect(page.get_by_text("What drives a latent dimension")).to_be_visible(
        timeout=GENERATE_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
    wait_idle(page)

    caption = page.get_by_test_id("stImageCaption")
    decoded = page.get_by_test_id("stImage").filter(has=caption.filter(has_text="decoded at"))
    expect(decoded).to_contain_text("decoded at (+0.0, +0.0)")
    before = decoded.locator("img").get_attribute("src")
    slider = page.get_by_role("slider", name="z1")  # the VAE's default latent is 2-D
    slider.focus()
    for _ in range(10):
        slider.press("ArrowRight")
    expect(decoded).to_contain_text("decoded at (+1.0, +0.0)")
    expect(decoded.locator("img")).not_to_have_attribute("src", before)
    wait_idle(page)  # while a fragment reruns, the old map can linger beside the new one
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1)  # and then it must be gone
    shot(page, shots, "03-generate-slider", page.get_by_test_id("stPlotlyChart"))

    page.set_viewport_size({"width": 1400, "height": 4200})  # the whole page in one image
    wait_idle(page)
    page.screenshot(path=str(shots / "04-generate-full.png"))
