"""Predict with a model exported from Lepton Lab: raw inputs in, the app's predictions out.

    python predict.py picture.png photo.jpg   image models: one or more image files
    python predict.py rows.csv                table models: rows with the original columns
    python predict.py recent.csv              forecasting models: the latest rows of the series
    python predict.py ... --json              one JSON object (for programs)

Needs only numpy, onnxruntime, Pillow and pandas (requirements.txt). Every step repeats what
Lepton Lab did to its training data, with the numbers saved in preprocessing.json, so the answers
are the app's. model.onnx holds the network (image models normalise their input inside it).
"""

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

HERE = Path(__file__).resolve().parent
MISSING, OTHER = "(missing)", "other"  # category names for an empty cell and for a new value
DATE_PARTS = ("year", "month", "day_of_week", "day_of_year")
DATE_SHARE = 0.9  # a series column is its time column when this share of it reads as dates
NA_TOKENS = sorted(
    ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none"]
    + ["#N/A", "#NA", "<NA>", "-NaN", "-nan", "?"]
)  # cells that count as empty
GRAY_16BIT = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


class InputError(Exception):
    """A problem with the inputs, explained in one line."""


# ----------------------------------------------------------------------------- images


def load_image(path: Path, spec: dict) -> np.ndarray:
    """One image file as the model's input: float32 (channels, size, size) in [0, 1]."""
    img = open_image(path, spec["formats"], spec["max_pixels"])
    w, h = img.size
    keep = spec["preshrink"]  # training first shrank every file to at most this per side
    small = flatten(img).resize((min(w, keep), min(h, keep)), Image.Resampling.LANCZOS)
    mode = "L" if spec["channels"] == 1 else "RGB"
    size = spec["size"]  # stretched to a square, never cropped
    final = flatten(small).convert(mode)
    final = final.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    a = np.asarray(final, dtype=np.uint8).reshape(size, size, -1)  # (H, W, C)
    return a.transpose(2, 0, 1).astype(np.float32) / 255.0  # (C, H, W)


def open_image(path: Path, formats: list[str], max_pixels: int) -> Image.Image:
    """The first frame, fully read and turned upright (EXIF orientation)."""
    try:
        with Image.open(path, formats=formats) as img:
            if img.size[0] * img.size[1] > max_pixels:
                raise InputError(f"{path.name}: image too large ({img.size[0]}×{img.size[1]})")
            img.seek(0)
            img.load()
            return ImageOps.exif_transpose(img)
    except UnidentifiedImageError:
        raise InputError(f"{path.name}: not an image (PNG, JPEG, BMP, GIF or WebP)") from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise InputError(f"{path.name}: cannot read the image ({e})") from None


def flatten(img: Image.Image) -> Image.Image:
    """8-bit gray (L) or RGB: transparency on white, 16-bit gray scaled to 8 bits."""
    if img.mode in GRAY_16BIT:
        a = np.clip(np.asarray(img).astype(np.float64), 0, 65535) * (255 / 65535)
        return Image.fromarray(np.round(a).astype(np.uint8), mode="L")
    if img.mode in ("1", "L"):
        return img.convert("L")
    if img.mode in ("RGBA", "LA", "PA", "P", "RGBa", "La"):
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        out = Image.alpha_composite(white, img.convert("RGBA"))
        return out.convert("L" if img.mode in ("LA", "La") else "RGB")
    return img.convert("RGB")


# ----------------------------------------------------------------------------- CSV files


def read_csv(path: Path, fmt: dict) -> pd.DataFrame:
    """A CSV read as Lepton Lab reads uploads: NA words are empty, numbers only if all are."""
    try:
        df = pd.read_csv(
            path,
            sep=fmt["delimiter"],
            decimal=fmt["decimal"],
            encoding=fmt["encoding"],
            na_values=NA_TOKENS,
            keep_default_na=False,
            index_col=False,
            on_bad_lines="skip",
            low_memory=False,
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputError(f"{path.name}: cannot read it as CSV ({e})") from None
    df.columns = [str(c).strip() for c in df.columns]
    for col in df.columns:
        df[col] = typed_column(df[col], fmt["decimal"])
    return df[~df.isna().all(axis=1)].reset_index(drop=True)


def typed_column(col: pd.Series, decimal: str) -> pd.Series:
    """Numbers stay numbers (infinity is missing); text is stripped, and numeric if all of it is."""
    if pd.api.types.is_bool_dtype(col):
        return col
    if pd.api.types.is_numeric_dtype(col):
        return col.where(~np.isinf(col.to_numpy(dtype="float64", na_value=np.nan)))
    text = col.astype("str").str.strip()
    text = text.mask(text.isin(NA_TOKENS))
    present = text.notna()
    if not present.any():
        return pd.Series(np.nan, index=col.index, dtype="float64")
    num = pd.to_numeric(text.str.replace(",", ".") if decimal == "," else text, errors="coerce")
    finite = np.isfinite(num.to_numpy(dtype="float64", na_value=np.nan))
    return num if finite.sum() == present.sum() else text


# ----------------------------------------------------------------------------- tables


def encode_rows(df: pd.DataFrame, enc: dict) -> np.ndarray:
    """Rows with the original columns -> the model's features, float32 (rows, features).

    Numbers: missing -> the training median (+ a 0/1 "was missing" feature where training had
    gaps), then (x - mean) / std. Categories: one-hot over the training levels, a new value
    counts as "other". Dates: year, month, day of week and day of year, scaled like numbers.
    """
    absent = [c for c in enc["groups"] if c not in df.columns]
    if absent:
        raise InputError(f"the rows lack column(s) the model was trained with: {absent}")
    out = np.zeros((len(df), len(enc["feature_names"])), dtype=np.float32)  # (N, F)
    for col, stats in enc["numeric"].items():
        slots = enc["groups"][col]
        scale_into(out, numbers(df[col])[:, None], [stats], [slots])
    for col, levels in enc["categorical"].items():
        values = df[col].astype("str").str.strip().fillna(MISSING).to_numpy(dtype=object)
        values = np.where(np.isin(values, levels), values, OTHER)
        out[:, enc["groups"][col]] = values[:, None] == np.asarray(levels, dtype=object)[None, :]
    for col, spec in enc["dates"].items():
        slots = [[i] for i in enc["groups"][col][:4]]
        if len(enc["groups"][col]) > 4:  # one "was missing" feature for the whole date
            slots[0].append(enc["groups"][col][4])
        stats = [spec["parts"][p] for p in DATE_PARTS]
        scale_into(out, date_parts(df[col], spec), stats, slots)
    return out


def numbers(col: pd.Series) -> np.ndarray:
    """A column as float64; anything that is not a finite number is NaN (missing)."""
    if pd.api.types.is_bool_dtype(col):
        return np.full(len(col), np.nan)
    if not pd.api.types.is_numeric_dtype(col):
        col = pd.to_numeric(col.astype("str").str.strip(), errors="coerce")
    v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(v), v, np.nan)


def date_parts(col: pd.Series, spec: dict) -> np.ndarray:
    """Year, month, day of week (Monday 0), day of year: float64 (N, 4), NaN where no date."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ts = pd.to_datetime(
                col.astype("object"),
                format=spec.get("format") or "mixed",
                dayfirst=spec.get("dayfirst", False),
                errors="coerce",
                utc=True,
            )
        except (ValueError, TypeError, OverflowError):
            ts = pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns, UTC]")
    parts = (ts.dt.year, ts.dt.month, ts.dt.day_of_week, ts.dt.day_of_year)
    return np.stack([p.to_numpy(dtype=np.float64, na_value=np.nan) for p in parts], axis=1)


def scale_into(out: np.ndarray, x: np.ndarray, stats: list, slots: list) -> None:
    """Fill gaps with the median, standardise, and write each column (+ its gap flag)."""
    mean, std, median = (np.array([s[k] for s in stats]) for k in ("mean", "std", "median"))
    missing = np.isnan(x)
    out[:, [s[0] for s in slots]] = (np.where(missing, median, x) - mean) / std
    flagged = [j for j, s in enumerate(slots) if len(s) > 1]
    if flagged:
        out[:, [slots[j][1] for j in flagged]] = missing[:, flagged]


# ----------------------------------------------------------------------------- series


def series_window(df: pd.DataFrame, spec: dict) -> np.ndarray:
    """The last `lookback` rows in time order, gaps filled forward, scaled: (lookback, F)."""
    features, lookback = spec["features"], spec["lookback"]
    absent = [f for f in features if f not in df.columns]
    if absent:
        raise InputError(f"the series lacks column(s) the model was trained with: {absent}")
    time_col = find_time_column(df.drop(columns=features))
    if time_col is not None:
        times = pd.to_datetime(df[time_col], errors="coerce", utc=True, format="mixed")
        df = df.assign(_t=times).dropna(subset=["_t"]).sort_values("_t", kind="stable")
    values = df[features].apply(pd.to_numeric, errors="coerce").ffill()
    if len(values) < lookback:
        raise InputError(f"the model needs the last {lookback} rows; got {len(values)}")
    window = values.tail(lookback).to_numpy(dtype=np.float64)
    if np.isnan(window).any():
        raise InputError("the last rows have missing values that cannot be filled forward")
    mean = np.array([spec["scaler"][f]["mean"] for f in features])
    std = np.array([spec["scaler"][f]["std"] for f in features])
    return ((window - mean) / std).astype(np.float32)


def find_time_column(df: pd.DataFrame) -> str | None:
    """The first text column whose values (nearly) all read as dates, or None."""
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            continue
        times = pd.to_datetime(df[col], errors="coerce", utc=True, format="mixed")
        if len(df) and times.notna().mean() >= DATE_SHARE:
            return col
    return None


# ----------------------------------------------------------------------------- the model


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed stably."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run_model(x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """model.onnx's outputs for a batch of prepared inputs."""
    session = ort.InferenceSession(str(HERE / "model.onnx"), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    parts = [
        session.run(None, {name: np.ascontiguousarray(x[i : i + batch_size], np.float32)})[0]
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(parts)


def prepare(paths: list[Path], pre: dict, fmt: dict) -> tuple[list[str], np.ndarray]:
    """A name and a model input for each image, table row or series file."""
    if pre["kind"] == "image":
        return [p.name for p in paths], np.stack([load_image(p, pre["image"]) for p in paths])
    if pre["kind"] == "series":
        windows = [series_window(read_csv(p, fmt), pre["series"]) for p in paths]
        return [p.name for p in paths], np.stack(windows)
    frames = [read_csv(p, fmt) for p in paths]
    names = [f"{p.name} row {i + 1}" for p, df in zip(paths, frames, strict=True) for i in df.index]
    if not names:
        raise InputError("no rows to predict")
    return names, np.concatenate([encode_rows(df, pre["table"]["preprocessing"]) for df in frames])


def predict(paths: list[Path], pre: dict, fmt: dict) -> list[dict]:
    """One result per input: a label and class probabilities, a value, or forecast values."""
    names, x = prepare(paths, pre, fmt)
    out = run_model(x)  # (N, outputs)
    classes = pre["classes"]
    if classes:
        labels = [classes[i] for i in out.argmax(axis=1)]
        probs = [dict(zip(classes, p, strict=True)) for p in softmax(out).tolist()]
        return [
            {"input": n, "label": label, "probabilities": p}
            for n, label, p in zip(names, labels, probs, strict=True)
        ]
    if pre["kind"] == "table":
        enc = pre["table"]["preprocessing"]
        values = out[:, 0] * enc["target_std"] + enc["target_mean"]  # back in the target's units
    else:
        scale = pre["series"]["scaler"][pre["series"]["target"]]
        values = out * scale["std"] + scale["mean"]  # (N, horizon), in the series' units
    key = "value" if pre["kind"] == "table" else "values"
    return [{"input": n, key: v} for n, v in zip(names, values.tolist(), strict=True)]


def describe(result: dict, pre: dict) -> str:
    """One line for a person."""
    if "label" in result:
        label = result["label"]
        return f"{result['input']}: {label} ({result['probabilities'][label]:.1%})"
    if "value" in result:
        return f"{result['input']}: {pre['table']['target']} = {result['value']:.6g}"
    steps = ", ".join(f"{v:.6g}" for v in result["values"])
    return f"{result['input']}: next {pre['series']['target']}: {steps}"


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, predict, print; exit 2 with one line on bad input."""
    pre = json.loads((HERE / "preprocessing.json").read_text(encoding="utf-8"))
    csv = pre.get("csv", {})
    p = argparse.ArgumentParser(description=f"Predict with {pre['title']}.")
    p.add_argument("inputs", nargs="+", type=Path, help=pre["usage"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--delimiter", default=csv.get("delimiter", ","), help="CSV field separator")
    p.add_argument("--decimal", default=csv.get("decimal", "."), help="CSV decimal mark")
    p.add_argument("--encoding", default=csv.get("encoding", "utf-8-sig"), help="CSV encoding")
    args = p.parse_args(argv)
    fmt = {"delimiter": args.delimiter, "decimal": args.decimal, "encoding": args.encoding}
    try:
        missing = [str(path) for path in args.inputs if not path.is_file()]
        if missing:
            raise InputError(f"no such file: {', '.join(missing)}")
        results = predict(args.inputs, pre, fmt)
    except InputError as e:
        print(f"predict.py: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"model": pre["title"], "predictions": results}))
    else:
        print("\n".join(describe(r, pre) for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
