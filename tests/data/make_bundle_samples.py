"""Raw inputs for the bundle tests: a shop table to train on, 20 awkward new rows, 20 image files
of several formats and sizes, and 20 recent-series CSVs. Seeded, so every run writes the same."""

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

CITIES = ["Lyon", "Paris", "Nice", "Lille", "Brest"]


def shop_csv(n: int = 160, seed: int = 0) -> str:
    """Customers: numbers with gaps and NA words, categories with gaps, a date; target `bought`."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n).astype(object)
    income = np.round(rng.gamma(4, 600, n), 2).astype(object)
    city = rng.choice(CITIES, n, p=[0.4, 0.3, 0.15, 0.1, 0.05]).astype(object)
    plan = rng.choice(["basic", "pro"], n).astype(object)
    signup = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    signup = signup.strftime("%Y-%m-%d").to_numpy(dtype=object)
    score = (income.astype(float) > 2400) + (plan == "pro") + (city == "Paris") * 0.5
    bought = np.where(score + rng.normal(0, 0.4, n) > 1.0, "yes", "no")
    age[rng.random(n) < 0.1] = ""
    income[rng.random(n) < 0.08] = "?"
    city[rng.random(n) < 0.07] = "NA"
    signup[rng.random(n) < 0.05] = ""
    df = pd.DataFrame(
        {"age": age, "income": income, "city": city, "plan": plan, "signup": signup}
    ).assign(bought=bought)
    return df.to_csv(index=False)


def new_rows_csv() -> str:
    """20 rows to predict: new and missing categories, NA words, spaces, a bad date, no target."""
    rows = [
        "age,income,city,plan,signup",
        "34,2500.5,Paris,pro,2023-03-01",
        "61,900,Lyon,basic,2022-07-15",
        ",1800,Nice,basic,2024-01-09",
        "45,?,Lille,pro,2023-11-30",
        "29,3100,Berlin,pro,2022-02-02",
        "52,2200, Paris ,basic,",
        "n/a,2750,,pro,2023-05-05",
        "70,4100.25,Brest,pro,2021-12-31",
        "19,640,Lyon,basic,not a date",
        "38,NA,Paris,basic,2024-06-01",
        "44,2950,Nice,pro,2022-10-10",
        "27,1500,Lyon,pro,2023-08-18",
        "66,5200,Paris,pro,2022-04-04",
        "58,1100,Lille,basic,2024-02-29",
        "23,2000,Toulouse,basic,2023-01-01",
        "31,2600,Lyon,pro,2022-09-09",
        "49,null,NA,basic,2023-12-12",
        "75,3800,Nice,basic,2022-05-20",
        "36,2300,Paris,basic,2024-03-03",
        "41,1950,Brest,pro,2023-07-07",
    ]
    return "\n".join(rows) + "\n"


def write_images(x: np.ndarray, folder: Path) -> list[Path]:
    """20 image files from float images (N >= 20, 1, H, W) in [0, 1]: 15 plain PNGs, then a
    3x JPEG in colour, a transparent PNG, a large non-square PNG, a 16-bit PNG and a GIF."""
    folder.mkdir(parents=True, exist_ok=True)
    gray = [Image.fromarray(np.round(a[0] * 255).astype(np.uint8), "L") for a in x[:20]]
    paths = []
    for i, img in enumerate(gray[:15]):
        paths.append(folder / f"digit_{i:02d}.png")
        img.save(paths[-1])
    w, h = gray[15].size
    special = {
        "photo.jpg": gray[15].convert("RGB").resize((3 * w, 3 * h)),
        "transparent.png": _on_transparent(gray[16]),
        "large.png": gray[17].resize((420, 300), Image.Resampling.BICUBIC),
        "deep.png": Image.fromarray(np.asarray(gray[18], np.uint16) * 257),
        "anim.gif": gray[19].convert("P"),
    }
    for name, img in special.items():
        paths.append(folder / name)
        img.save(paths[-1])
    return paths


def _on_transparent(img: Image.Image) -> Image.Image:
    """The digit as black ink whose alpha is its brightness, 5x larger (composited on white)."""
    a = np.asarray(img.resize((5 * img.width, 5 * img.height)))
    rgba = np.zeros((*a.shape, 4), np.uint8)
    rgba[..., 3] = a
    return Image.fromarray(rgba, "RGBA")


def write_series(frame: pd.DataFrame, folder: Path, rows: int) -> list[Path]:
    """20 CSVs of `rows` consecutive rows ending at different times, a date column first;
    some shuffled (the time column orders them), one with a gap to fill forward."""
    folder.mkdir(parents=True, exist_ok=True)
    table = frame.reset_index()
    table[table.columns[0]] = table[table.columns[0]].dt.strftime("%Y-%m-%d")
    paths = []
    for i, end in enumerate(np.linspace(rows, len(table), 20).astype(int)):
        part = table.iloc[end - rows : end].copy()
        if i % 4 == 1:
            part = part.sample(frac=1, random_state=i)
        if i == 2:
            part.iloc[-3, 1] = np.nan
        paths.append(folder / f"recent_{i:02d}.csv")
        part.to_csv(paths[-1], index=False)
    return paths
