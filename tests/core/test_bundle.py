"""The bundle: its predict.py, run from the unzipped zip in a fresh venv that has only the bundle's
requirements, gives the app's predictions (lepton_core.predict.Predictor) on raw inputs."""

import importlib.util
import json
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lepton_core.api import train
from lepton_core.data.csv_reader import read_csv
from lepton_core.data.folder import read_image_folder
from lepton_core.data.tabular_preprocessor import TabularPreprocessor
from lepton_core.data.timeseries import load_stocks
from lepton_core.export.bundle import build_bundle, requirements_txt
from lepton_core.predict import Predictor, image_input, preshrink_size
from lepton_core.runs import RunStore
from tests.data.make_bundle_samples import new_rows_csv, shop_csv, write_images, write_series

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_FILES = {
    "MODEL_CARD.md", "README.md", "model.onnx", "parity.json", "predict.py",
    "preprocessing.json", "requirements.txt",
}  # fmt: skip
LOOKBACK = 8


@pytest.fixture(scope="module")
def venv_install(tmp_path_factory):
    """Start making a fresh venv (no pip of its own, so quick) with only the bundle's
    requirements, in the background while the bundles are built; its Future gives the python."""
    folder = tmp_path_factory.mktemp("venv")
    requirements = folder / "requirements.txt"
    requirements.write_text(requirements_txt())  # the bundles' own file is compared below

    def install() -> tuple[Path, float]:
        t0 = time.monotonic()
        env = folder / "env"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
        pip = [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install"]
        proc = subprocess.run(
            [*pip, "-q", "--no-compile", "-r", str(requirements)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return env / "bin" / "python", time.monotonic() - t0

    with ThreadPoolExecutor(1) as pool:
        yield requirements, pool.submit(install)


@pytest.fixture(scope="module")
def bundles(venv_install, tmp_path_factory) -> dict:
    """Three tiny runs (digits at 14x14, shop table, stocks series), bundled and unzipped."""
    home = tmp_path_factory.mktemp("bundle_home")
    store = RunStore(home)
    shop = home / "shop.csv"
    shop.write_text(shop_csv())
    runs = {
        "image": train("digits", model="seed-cnn", epochs=1, data_options={"image_size": 14},
                       store=store),
        "table": train(str(shop), model="mlp", epochs=1, data_options={"target": "bought"},
                       store=store),
        "series": train("stocks", model="mlp", epochs=1, store=store,
                        data_options={"lookback": LOOKBACK, "horizon": 2}),
    }  # fmt: skip
    out = {}
    for kind, run in runs.items():
        assert run.status == "done", run.record.error
        zips = list(build_bundle(run, home / "export" / kind).glob("*.zip"))
        with zipfile.ZipFile(zips[0]) as z:
            names = z.namelist()
            z.extractall(home / "unzipped" / kind)
        folder = home / "unzipped" / kind / names[0].split("/")[0]
        out[kind] = {"run": run, "zip": zips[0], "names": names, "folder": folder}
    return out


@pytest.fixture(scope="module")
def venv(venv_install, bundles) -> Path:
    """The fresh venv's python, once installed from a copy of the bundles' requirements.txt."""
    requirements, future = venv_install
    for b in bundles.values():
        assert (b["folder"] / "requirements.txt").read_text() == requirements.read_text()
    python, seconds = future.result(timeout=300)
    print(f"fresh venv with the bundle's requirements: {seconds:.1f} s (in the background)")
    return python


@pytest.fixture(scope="module")
def predicted(bundles, venv, tmp_path_factory) -> dict:
    """predict.py --json on 20 raw inputs of each kind, the three runs at once."""
    raw = tmp_path_factory.mktemp("raw")
    rows = raw / "rows.csv"
    rows.write_text(new_rows_csv())
    inputs = {
        "image": write_images(bundles["image"]["run"].dataset.x["test"][:20].numpy(), raw / "im"),
        "table": [rows],
        "series": write_series(load_stocks(), raw / "series", rows=LOOKBACK + 4),
    }
    with ThreadPoolExecutor(3) as pool:
        jobs = {k: pool.submit(run_predict, venv, bundles[k], v) for k, v in inputs.items()}
        return {k: (inputs[k], job.result()["predictions"]) for k, job in jobs.items()}


def run_predict(python: Path, bundle: dict, inputs: list[Path]) -> dict:
    """`python -I predict.py INPUTS --json` inside the unzipped bundle, in the fresh venv."""
    args = [str(python), "-I", "predict.py", *map(str, inputs), "--json"]
    proc = subprocess.run(
        args, cwd=bundle["folder"], capture_output=True, text=True, timeout=120, env={}
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def load_predict_module(bundle: dict):
    """The unzipped bundle's predict.py, imported in this process (for quick checks)."""
    spec = importlib.util.spec_from_file_location("bundle_predict", bundle["folder"] / "predict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_same_classes(got: list[dict], pred) -> None:
    assert [r["label"] for r in got] == pred.labels
    probs = np.array([[r["probabilities"][c] for c in pred.classes] for r in got])
    np.testing.assert_allclose(probs, pred.probs, atol=1e-4, rtol=0)


def test_the_zip_holds_the_bundle_in_one_folder(bundles) -> None:
    for kind, b in bundles.items():
        top = b["folder"].name
        assert sorted(b["names"]) == sorted(f"{top}/{f}" for f in BUNDLE_FILES), kind
        spec = json.loads((b["folder"] / "preprocessing.json").read_text())
        assert spec["kind"] == kind and spec["run_id"] == b["run"].id
        parity = json.loads((b["folder"] / "parity.json").read_text())
        assert parity["checked_examples"] == len(b["run"].dataset.y["test"])
        card = (b["folder"] / "MODEL_CARD.md").read_text()
        for heading in ("## Data", "## Metrics", "## Intended use", "## Limitations"):
            assert heading in card, (kind, heading)
    assert bundles["image"]["zip"].parent.joinpath("parity.json").is_file()
    image = json.loads((bundles["image"]["folder"] / "preprocessing.json").read_text())["image"]
    assert (image["size"], image["channels"], image["preshrink"]) == (14, 1, 56)
    shop = json.loads((bundles["table"]["folder"] / "preprocessing.json").read_text())["table"]
    types = shop["preprocessing"]["column_types"]
    assert types == {
        "age": "numeric", "income": "numeric", "city": "categorical", "plan": "categorical",
        "signup": "date",
    }  # fmt: skip


def test_requirements_are_pinned_to_ours() -> None:
    ours = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line:
            name, pin = line.split("#")[0].strip().split("==")
            ours[name.lower()] = pin
    pinned = [line.split("==") for line in requirements_txt().splitlines() if "==" in line]
    assert sorted(name for name, _ in pinned) == ["numpy", "onnxruntime", "pandas", "pillow"]
    assert all(ours[name] == pin for name, pin in pinned)


def test_the_venv_has_neither_torch_nor_lepton(venv) -> None:
    code = "import importlib.util as u; print([u.find_spec(m) for m in ('torch', 'lepton_core')])"
    proc = subprocess.run([str(venv), "-I", "-c", code], capture_output=True, text=True, env={})
    assert proc.stdout.strip() == "[None, None]", proc.stderr


def test_predict_py_classifies_image_files_as_the_app_does(bundles, predicted) -> None:
    paths, got = predicted["image"]
    assert [r["input"] for r in got] == [p.name for p in paths]
    assert_same_classes(got, Predictor.from_run(bundles["image"]["run"]).predict(paths))


def test_predict_py_reads_table_rows_as_the_app_does(bundles, predicted) -> None:
    (rows,), got = predicted["table"]
    assert [r["input"] for r in got] == [f"rows.csv row {i}" for i in range(1, 21)]
    app = Predictor.from_run(bundles["table"]["run"]).predict(read_csv(rows.read_bytes())[0])
    assert_same_classes(got, app)


def test_predict_py_forecasts_recent_series_as_the_app_does(bundles, predicted) -> None:
    paths, got = predicted["series"]
    predictor = Predictor.from_run(bundles["series"]["run"])
    want = np.concatenate([predictor.predict(read_csv(p.read_bytes())[0]).values for p in paths])
    values = np.array([r["values"] for r in got])
    assert values.shape == (20, 2)
    np.testing.assert_allclose(values, want, rtol=1e-4, atol=1e-6)


def test_predict_py_gives_regression_values_in_the_targets_units(tmp_path) -> None:
    """In this process: a diabetes bundle's predict() on 20 raw rows vs the app's values."""
    from lepton_core.data.tabular_prep import builtin_frame

    run = train("diabetes", model="mlp", epochs=1, store=RunStore(tmp_path / "home"))
    with zipfile.ZipFile(next(build_bundle(run, tmp_path / "export").glob("*.zip"))) as z:
        z.extractall(tmp_path / "unzipped")
        folder = tmp_path / "unzipped" / z.namelist()[0].split("/")[0]
    module = load_predict_module({"folder": folder})
    rows = tmp_path / "rows.csv"
    builtin_frame("diabetes")[0].drop(columns="target").head(20).to_csv(rows, index=False)
    spec = json.loads((folder / "preprocessing.json").read_text())
    got = [r["value"] for r in module.predict([rows], spec, spec["csv"])]
    want = Predictor.from_run(run).predict(read_csv(rows.read_bytes())[0]).values
    np.testing.assert_allclose(got, want, rtol=1e-4)
    assert 25 < np.mean(got) < 346  # in the target's units (disease progression 25-346)


def test_predict_py_encodes_rows_exactly_like_the_preprocessor(bundles, tmp_path) -> None:
    b = bundles["table"]
    module = load_predict_module(b)
    rows = tmp_path / "rows.csv"
    rows.write_text(new_rows_csv())
    spec = json.loads((b["folder"] / "preprocessing.json").read_text())
    df = module.read_csv(rows, spec["csv"])
    app_df = read_csv(rows.read_bytes())[0]
    assert list(df.dtypes.astype(str)) == list(app_df.dtypes.astype(str))
    encoders = spec["table"]["preprocessing"]
    want = TabularPreprocessor.from_dict(encoders).transform(app_df)
    assert np.array_equal(module.encode_rows(df, encoders), want)


def test_predict_py_explains_bad_inputs_in_one_line(bundles, tmp_path, capsys) -> None:
    module = load_predict_module(bundles["table"])
    rows = tmp_path / "rows.csv"
    rows.write_text("age,income\n30,1000\n")
    assert module.main([str(rows)]) == 2
    assert module.main([str(tmp_path / "missing.csv")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "lack column(s)" in lines[0] and "no such file" in lines[1]


def odd_images(folder: Path) -> list[Path]:
    """Image files in many modes: CMYK, EXIF-rotated, 16-bit, palette with transparency, ..."""
    rng = np.random.default_rng(2)
    rgb = Image.fromarray(rng.integers(0, 255, (90, 150, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    images = {
        "cmyk.jpg": (rgb.convert("CMYK"), {}),
        "rotated.jpg": (rgb, {"exif": exif}),
        "deep.png": (Image.fromarray(rng.integers(0, 65535, (40, 30), dtype=np.uint16)), {}),
        "palette.png": (rgb.convert("P"), {"transparency": 0}),
        "gray_alpha.png": (rgb.convert("LA"), {}),
        "tiny.bmp": (rgb.resize((9, 7)), {}),
        "webp.webp": (rgb.convert("RGBA"), {}),
    }
    folder.mkdir()
    for name, (img, options) in images.items():
        img.save(folder / name, **options)
    return sorted(folder.iterdir())


@pytest.mark.parametrize("channels", [1, 3])
def test_predict_py_prepares_images_exactly_like_the_app(channels, tmp_path) -> None:
    from lepton_core.export.bundle_files import predict as bundle_predict

    spec = {"size": 32, "channels": channels, "preshrink": 128, "max_pixels": 40_000_000}
    spec["formats"] = ["PNG", "JPEG", "BMP", "GIF", "WEBP"]
    for path in odd_images(tmp_path / "odd"):
        want = image_input(path, [channels, 32, 32], 128).numpy()
        assert np.array_equal(bundle_predict.load_image(path, spec), want), path.name


def test_app_predictions_shrink_uploads_like_training_did(tmp_path) -> None:
    """A large upload, size chosen automatically: the app's input equals the training array."""
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i, size in enumerate([(300, 200), (40, 40), (40, 40)]):
            pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / cls / f"{i}.png")
    x, _, _, _ = read_image_folder(tmp_path)  # uint8 (N, C, 40, 40): the median side
    size = x.shape[-1]
    assert size == 40
    keep = preshrink_size(str(tmp_path), {}, size)
    got = image_input(tmp_path / "a" / "0.png", [3, size, size], keep)
    assert np.array_equal(np.round(got.numpy() * 255).astype(np.uint8), x[0])
