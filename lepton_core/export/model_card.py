"""MODEL_CARD.md: what a run's model is, what it learned from, how well it does, where it fails."""

import json
import time
from pathlib import Path

from lepton_core.metrics.headline import headline

CAUTION = {  # built-in data whose subject needs a warning of its own
    "digits": "The digits are 8x8 scans enlarged to 28x28: drawings and photos look different "
    "(stroke width, framing, contrast), so expect more mistakes on them.",
    "breast-cancer": "It is not a medical device: never use it to diagnose anyone.",
    "diabetes": "It is not a medical device: never use it to make decisions about patients.",
    "stocks": "It is not financial advice: past prices do not predict future ones reliably.",
    "goog": "It is not financial advice: past prices do not predict future ones reliably.",
}
BASELINES = ("test", "linear", "naive", "seasonal")  # metric name prefixes shown on the card
LIMITS = {
    "image": [
        "Every image is stretched to {size}x{size} pixels ({color}), never cropped: inputs "
        "framed, lit or drawn unlike the training images can be misread.",
        "It only knows the classes above: any image gets one of them, even one showing none.",
    ],
    "table": [
        "A value it never saw in a category column counts as 'other'; a missing number is "
        "replaced by the training median.",
        "It learned associations in the training rows, not causes.",
    ],
    "generation": [
        "It draws images like its training images; it cannot draw anything it never saw, and "
        "its pictures are blurrier than real ones.",
    ],
    "series": [
        "It forecasts the next {horizon} step(s) from the last {lookback}; it has seen nothing "
        "after {train_end}, and a change in how the series behaves will not be foreseen.",
    ],
}


def model_card(run, sizes: dict | None = None, parity: dict | None = None) -> str:
    """The model card as Markdown, generated from the run's config, data report and metrics."""
    from lepton_core.export.bundle_spec import bundle_kind
    from lepton_core.models.registry import MODELS

    cfg, meta = run.config, json.loads((run.folder / "model.json").read_text())
    kind = "generation" if meta["task"] == "image-generation" else bundle_kind(meta["task"])
    source = cfg.data.source
    report = run.data_report()
    lines = [
        f"# Model card: {meta['model']} on {_data_name(source)}",
        "",
        f"Run `{run.id}`, trained with Lepton Lab on {_when(run)}.",
        "",
        "## Model",
        f"- **{meta['model']}**: {MODELS.get(meta['model']).description}",
        f"- Task: {meta['task']}; input shape {tuple(meta['input_shape'])}",
        f"- Outputs: {_outputs(meta)}",
        f"- Trained {run.record.epochs_completed} epoch(s), batch {cfg.train.batch_size}, "
        f"{cfg.train.optimizer} at learning rate {cfg.train.lr:g}, seed {cfg.train.seed}",
    ]
    if cfg.train.init_from:
        frozen = " with the backbone frozen" if cfg.train.freeze_backbone else ""
        lines.append(f"- Fine-tuned from `{Path(cfg.train.init_from).name}`{frozen}")
    lines += ["", "## Data", f"- Source: {_data_name(source)}"]
    if sizes:
        lines.append(
            f"- Split: {sizes['train']} train, {sizes['val']} validation, {sizes['test']} test"
        )
    if report.get("counts"):
        counts = ", ".join(f"{k} {v}" for k, v in report["counts"].items())
        lines.append(f"- Counts: {counts}")
    lines += [f"- {note}" for note in report.get("notes", [])]
    lines += ["", "## Metrics (test split)", f"{headline(run.metrics)}.", ""]
    lines += ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_number(v)} |" for k, v in run.metrics.items() if _is_metric(k, v)]
    if parity:
        lines += ["", f"ONNX export: {parity_words(parity)}."]
    lines += [
        "",
        "## Intended use",
        "Learning and demonstration: trying the model on new inputs, comparing it with other "
        "runs, building a prototype. Not for decisions about people, health, money or safety.",
        "",
        "## Limitations",
        f"- Trained on a small dataset for {run.record.epochs_completed} epoch(s) and checked "
        "only on its own test split: expect worse results on data from elsewhere.",
    ]
    lines += [f"- {text.format(**_facts(meta, run))}" for text in LIMITS[kind]]
    if source in CAUTION:
        lines.append(f"- {CAUTION[source]}")
    return "\n".join(lines) + "\n"


def parity_words(parity: dict) -> str:
    """The ONNX check in plain words."""
    n, diff = parity["checked_examples"], parity["max_abs_diff"]
    text = f"outputs differ from PyTorch's by at most {diff:.1e} on {n} test examples"
    if parity.get("class_agreement") is not None:
        text += f"; predicted classes agree on {parity['class_agreement']:.0%} of them"
    return text


def _data_name(source: str) -> str:
    from lepton_core.data import DATASETS

    if source in DATASETS:
        return f"{source} (built-in: {DATASETS.get(source).description})"
    return f"an uploaded file, {Path(source).name}"


def _when(run) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(run.record.finished or run.record.created))


def _outputs(meta: dict) -> str:
    if meta["classes"]:
        return f"{len(meta['classes'])} classes: {', '.join(meta['classes'])}"
    if meta["task"] == "forecasting":
        return f"the next {meta['n_outputs']} value(s) of the series"
    return "one number"


def _facts(meta: dict, run) -> dict:
    """Numbers the limitation texts mention."""
    channels, size = meta["input_shape"][0], meta["input_shape"][-1]
    facts = {"size": size, "color": "gray" if channels == 1 else "RGB"}
    if meta["task"] == "forecasting":
        saved = json.loads((run.folder / "preprocessing.json").read_text())
        facts |= {k: saved[k] for k in ("lookback", "horizon")}
        facts["train_end"] = saved["split_times"]["train"]["end"]
    return facts


def _is_metric(key: str, value) -> bool:
    return isinstance(value, int | float) and key.split("_")[0] in BASELINES


def _number(v: float) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
