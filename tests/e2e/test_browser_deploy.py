"""End-to-end: draw digits with the mouse on the Deploy page's canvas; the model reads them.

Run: .venv/bin/python -m pytest -q tests/e2e/test_browser_deploy.py -m browser
Screenshots go to $LEPTON_SCREENSHOTS/<test>/ when it is set (else the test's tmp_path).
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.e2e.test_browser import shot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Polylines in canvas pixels (280x280), drawn as a hand would: a "7" and a "1".
SEVEN = [[(80, 50), (200, 50), (120, 240)]]
ONE = [[(150, 40), (140, 240)]]


def draw(page: Page, canvas, lines: list[list[tuple[int, int]]]) -> None:
    """Press, drag through each polyline's points, release: the canvas sends it on mouse-up."""
    box = canvas.bounding_box()
    for line in lines:
        page.mouse.move(box["x"] + line[0][0], box["y"] + line[0][1])
        page.mouse.down()
        for x, y in line[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=15)
        page.mouse.up()


def answer(page: Page, digit: str) -> None:
    """Wait for the prediction `digit`, then for the rest of the response (the explanation)."""
    expect(page.get_by_test_id("stMetricValue")).to_have_text(digit)
    wait_idle(page)
    expect(page.get_by_text("What the model sees")).to_be_visible()


def test_a_digit_drawn_with_the_mouse_is_classified(server, page: Page, shots: Path,
                                                    monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("LEPTON_HOME", str(server.home))
    run = train("digits", model="seed-cnn", epochs=2, store=RunStore(server.home))
    page.goto(f"{server.url}/deploy?run={run.id}")
    expect(page.get_by_text("Draw on the black square")).to_be_visible()
    canvas = page.locator(f".st-key-try-canvas-{run.id} canvas.upper-canvas")
    expect(canvas).to_be_visible()
    shot(page, shots, "01-empty-canvas")

    draw(page, canvas, SEVEN)
    answer(page, "7")
    expect(page.get_by_text("Grad-CAM", exact=True).first).to_be_visible()
    expect(page.get_by_text("sure")).to_be_visible()  # e.g. "91% sure"
    expect(page.locator(".js-plotly-plot")).to_have_count(1)  # the probability bars
    page.mouse.move(5, 5)  # off the canvas, so its toolbar hides for the screenshot
    shot(page, shots, "02-seven")

    canvas.hover()
    page.get_by_role("button", name="Reset canvas & history").click()
    expect(page.get_by_text("Draw on the black square")).to_be_visible()
    draw(page, canvas, ONE)
    answer(page, "1")
    page.mouse.move(5, 5)
    shot(page, shots, "03-one")
