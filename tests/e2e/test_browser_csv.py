"""Real browser: upload a CSV table, train an MLP, and see per-feature attributions."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import TRAIN_TIMEOUT_MS, metric_value, set_epochs, shot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def _table_csv(path: Path) -> Path:
    rows = ["age;city;income;bought"]
    for i in range(150):
        city = ["Paris", "Lyon", "Nice"][i % 3]
        bought = "yes" if (i * 7) % 10 > 3 else "no"
        rows.append(f"{20 + i % 45};{city};{1000 + 13 * i},5;{bought}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_csv_upload_trains_and_explains_per_feature(server, page: Page, shots, tmp_path) -> None:
    page.goto(f"{server.url}/data")  # a deep link as the server's very first request
    # the router ran, not pages/data.py alone:
    expect(page.get_by_role("link", name="1 · Data")).to_be_visible(timeout=60_000)
    page.get_by_text("Upload a CSV (table or time series)").click()
    page.locator('input[type="file"]').set_input_files(str(_table_csv(tmp_path / "shop.csv")))
    expect(page.get_by_text("Detected:")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("semicolon")).to_be_visible()
    expect(metric_value(page, "Rows")).to_have_text("150", timeout=60_000)
    expect(metric_value(page, "Target")).to_have_text("bought")
    shot(page, shots, "01-csv-data")
    page.get_by_role("link", name="Looks right? Next: train a model →").click()
    set_epochs(page, 3)
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text("Finished: test accuracy")).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    shot(page, shots, "02-csv-trained")
    page.get_by_role("link", name="Explain its decisions →").click()
    expect(page.get_by_text("Across the whole test split")).to_be_visible(timeout=120_000)
    wait_idle(page)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 6  # a row chart and a global chart per default method
    expect(page.get_by_text("Integrated Gradients").first).to_be_visible()
    shot(page, shots, "03-csv-explain", charts.first)
