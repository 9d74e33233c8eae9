"""bench/report.py turns a results.json into RESULTS.md: met, missed (by how much), not measured."""

import json
import subprocess
import sys
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "bench" / "report.py"


def test_report_rows_met_missed_and_not_measured(tmp_path: Path) -> None:
    results = {
        "trainer_vs_raw_loop": {
            "time_ratio": 1.26,
            "goal": "<= 1.05",
            "trainer_samples_per_s": 900.0,
            "raw_samples_per_s": 1134.0,
            "date": "2026-01-02",
        },
        "deploy": {"draw_predict_gradcam_ms": 6.4, "goal_ms": 300, "date": "2026-01-03"},
        "workshop": {"sessions": 20, "date": "2026-01-04"},  # partial: measure again
    }
    src, out = tmp_path / "results.json", tmp_path / "RESULTS.md"
    src.write_text(json.dumps(results))
    cmd = [sys.executable, str(REPORT), "--results", str(src), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    text = out.read_text()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if "|" in line}
    missed = rows["Trainer time / raw loop time (cnn, digits)"]
    assert "1.26 ×" in missed and "≤ 1.05 ×" in missed
    assert "**missed** by 0.21 ×, 20 % over" in missed and "limited by: " in missed
    assert "2026-01-02" in missed
    met = rows["Try it: drawing to prediction + Grad-CAM"]
    assert "| 6.4 ms | ≤ 300 ms | met |" in met and "2026-01-03" in met
    assert "1 of 2 goals met" in text and "Not measured yet: Time to accuracy" in text
    assert text.count("Not measured yet (run `make bench`).") == 6  # targets, ..., memory
