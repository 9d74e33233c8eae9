"""The bundle's README.md, and the short "how to run it" snippet of each export format."""

EXAMPLE_ARGS = {
    "image": "picture.png photo.jpg",
    "table": "rows.csv",
    "series": "recent.csv",
}
OUTPUT = {
    "image": "one line per image: the predicted class and its probability",
    "table": "one line per row: the predicted class and its probability, or the predicted value",
    "series": "one line per file: the forecast of the next step(s)",
}


def how_to_run(fmt: str, kind: str, input_shape: list[int] | None = None, folder: str = "") -> str:
    """Markdown: the commands or code that use an export of format `fmt`."""
    if fmt == "bundle":
        return (
            "```bash\n"
            f"unzip {folder}.zip && cd {folder}\n"
            "python -m venv .venv && . .venv/bin/activate   # Windows: .venv\\Scripts\\activate\n"
            "pip install -r requirements.txt\n"
            f"python predict.py {EXAMPLE_ARGS[kind]}   # add --json for one JSON object\n"
            "```"
        )
    if fmt == "onnx":
        shape = ", ".join(map(str, [1, *(input_shape or [])]))
        prepare = (
            "# pixels / 255 in [0, 1], (batch, channels, height, width); normalised inside"
            if kind == "image"
            else "# features encoded as in training: the bundle's predict.py does that for you"
        )
        return (
            "```python\n"
            "import numpy as np\n"
            "import onnxruntime as ort\n\n"
            'session = ort.InferenceSession("model.onnx")\n'
            f"{prepare}\n"
            f"x = np.zeros(({shape}), np.float32)\n"
            'outputs = session.run(None, {"input": x})[0]  # any batch size\n'
            "```"
        )
    return (
        "```python\n"
        "from pathlib import Path\n\n"
        "from lepton_core.models import load_lab_model\n\n"
        'model = load_lab_model(Path("."))  # checkpoint.safetensors + model.json, eval mode\n'
        "```\n"
        'Without Lepton Lab: `safetensors.torch.load_file("checkpoint.safetensors")` gives the '
        "state dict; model.json says how to build the network."
    )


def readme(spec: dict, parity: dict, requirements: str, folder: str) -> str:
    """README.md of a bundle: what is inside, how to run it, and how it was checked."""
    from lepton_core.export.model_card import parity_words

    kind = spec["kind"]
    lines = [
        f"# {spec['title']}",
        "",
        "A model exported from Lepton Lab that runs without it: give `predict.py` raw inputs "
        f"({spec['usage']}) and it answers as the app does.",
        "",
        "## Run it",
        how_to_run("bundle", kind, folder=folder),
        "",
        f"It prints {OUTPUT[kind]}. With `--json` it prints one object: "
        '`{"model": ..., "predictions": [{"input": ..., ' + _json_fields(spec) + "}, ...]}`.",
    ]
    if kind != "image":
        csv = spec["csv"]
        lines += [
            "",
            f"CSV files are read as the training file was (delimiter {csv['delimiter']!r}, "
            f"decimal mark {csv['decimal']!r}, {csv['encoding']}); `--delimiter`, `--decimal` "
            "and `--encoding` change that.",
        ]
    lines += [
        "",
        "## What is inside",
        "- `model.onnx`: the network (ONNX, any batch size; the input is named `input`)",
        "- `preprocessing.json`: how raw inputs become the model's input, with every number "
        "training used",
        "- `predict.py`: that preprocessing and the model, using only numpy, onnxruntime, Pillow "
        "and pandas",
        "- `requirements.txt`: those four, pinned to the versions the bundle was checked with",
        "- `MODEL_CARD.md`: the data, the metrics, the intended use and the limitations",
        "- `parity.json`: the check below",
        "",
        "## How it was checked",
        f"`model.onnx` was run with onnxruntime on the whole test split: {parity_words(parity)}. "
        "`predict.py` repeats the app's preprocessing step by step; Lepton Lab's tests run it in "
        "a fresh virtual environment with only `requirements.txt` installed and compare its "
        "answers with the app's.",
        "",
        "Requirements:",
        "```",
        requirements.strip(),
        "```",
    ]
    return "\n".join(lines) + "\n"


def _json_fields(spec: dict) -> str:
    if spec["classes"]:
        return '"label": ..., "probabilities": {class: p, ...}'
    return '"value": ...' if spec["kind"] == "table" else '"values": [next steps]'
