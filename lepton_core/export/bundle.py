"""The self-contained bundle: a zip that predicts like the app with numpy, onnxruntime, Pillow and
pandas only (model.onnx, preprocessing.json, predict.py, requirements.txt, README, model card)."""

import json
import os
import shutil
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path

from lepton_core.errors import LabInputError

PREDICT_PY = Path(__file__).parent / "bundle_files" / "predict.py"
REQUIREMENTS = ("numpy", "onnxruntime", "pillow", "pandas")  # all predict.py imports


def bundle_name(run) -> str:
    """The zip's name (without .zip), also its top folder: lepton-<model>-<run id>."""
    return f"lepton-{run.config.model.name}-{run.id}"


def requirements_txt() -> str:
    """predict.py's requirements, pinned to the versions installed here (requirements.txt's)."""
    pins = "\n".join(f"{name}=={version(name)}" for name in REQUIREMENTS)
    return f"# what predict.py needs, at the versions Lepton Lab checked it with\n{pins}\n"


def build_bundle(run, out: Path) -> Path:
    """Write <bundle_name>.zip and parity.json (the ONNX check on the test split) into `out`."""
    from lepton_core.export.bundle_spec import preprocessing_spec
    from lepton_core.export.model_card import model_card
    from lepton_core.export.onnx import export_checked_onnx
    from lepton_core.export.readme import readme

    if not (run.folder / "checkpoint.safetensors").exists():
        raise LabInputError(f"run {run.id} has no checkpoint to export (status: {run.status})")
    if json.loads((run.folder / "model.json").read_text())["task"] == "image-generation":
        raise LabInputError(
            "a VAE generates images rather than predicting from inputs, so it has no bundle: "
            "export it as onnx or safetensors"
        )
    out.mkdir(parents=True, exist_ok=True)
    name = bundle_name(run)
    with tempfile.TemporaryDirectory(prefix=".bundle-", dir=out) as tmp:
        folder = Path(tmp) / name
        _, parity = export_checked_onnx(run, folder)  # model.onnx (+ weights file), parity.json
        spec = preprocessing_spec(run)
        requirements = requirements_txt()
        texts = {
            "preprocessing.json": json.dumps(spec, indent=2),
            "requirements.txt": requirements,
            "README.md": readme(spec, parity, requirements, name),
            "MODEL_CARD.md": model_card(run, run.dataset.sizes(), parity),
        }
        for file, text in texts.items():
            (folder / file).write_text(text, encoding="utf-8")
        shutil.copy2(PREDICT_PY, folder / "predict.py")
        _zip(folder, Path(tmp) / f"{name}.zip")
        os.replace(Path(tmp) / f"{name}.zip", out / f"{name}.zip")
        shutil.copy2(folder / "parity.json", out / "parity.json")
    return out


def _zip(folder: Path, path: Path) -> None:
    """Zip `folder` so that unzipping gives that folder back."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                z.write(file, file.relative_to(folder.parent).as_posix())
