"""The Train page's settings: where to start from, model, its options, optimisation settings."""

import streamlit as st

from app.components.preset_view import preset, with_value
from app.components.runs import describe
from app.components.share_link import linked_option, linked_value, setting
from app.components.state import run_filter, store, upload_folder
from lepton_core.data.uploads import MAX_WEIGHTS_BYTES, save_upload_weights
from lepton_core.errors import LabInputError
from lepton_core.finetune_compare import starting_runs
from lepton_core.models import MODELS, list_models
from lepton_core.tasks import GENERATIVE


def model_choice(task: str) -> str:
    """The model selectbox (image data also offers the transfer and generative models)."""
    models = list_models(task) + list_models(GENERATIVE.get(task, "-"))
    preferred = next(m for m in ("cnn", "lstm", "mlp") if m in models)
    wanted = preset().defaults.get("model", preferred)
    if linked_value("model") in models:
        wanted = linked_value("model")
    if wanted not in models:
        if "model" in preset().locked:
            st.error(f"Your instructor set the model to {wanted}, which does not fit this data.")
            st.stop()
        wanted = preferred
    return setting(
        st.container(),
        "model",
        wanted,
        lambda v, off: st.selectbox(
            "Model",
            models,
            index=models.index(v),
            format_func=lambda n: f"{n} — {MODELS.get(n).description}",
            disabled=off,
        ),
    )


STEPS = [round(i * 0.05, 2) for i in range(13)]  # the dropout sliders' values
LIKELIHOODS = ["gaussian", "bernoulli"]
LATENTS = [2, 4, 8, 16, 32, 64]
BETAS = [0.25, 0.5, 1.0, 2.0, 4.0]


def model_options_form(model: str, task: str) -> dict:
    """The chosen model's options."""
    options: dict = {}

    def opt(name: str, default, allowed):  # the shared link's value, where the form offers it
        return linked_option(model, name, default, allowed)

    if not preset().shows("model_options"):
        return options  # the model family's defaults
    if model == "cnn":
        c1, c2, c3, c4 = st.columns(4)
        options["blocks"] = c1.slider("Conv blocks", 1, 4, opt("blocks", 3, range(1, 5)))
        options["channels"] = c2.select_slider(
            "First-block channels", [8, 16, 32, 64], opt("channels", 16, [8, 16, 32, 64])
        )
        options["dropout"] = c3.slider("Dropout", 0.0, 0.6, opt("dropout", 0.2, STEPS), 0.05)
        options["batch_norm"] = c4.toggle("Batch norm", opt("batch_norm", True, (True, False)))
    elif model in ("lstm", "gru"):
        c1, c2, c3 = st.columns(3)
        options["hidden"] = c1.select_slider(
            "Hidden size", [8, 16, 32, 64, 128], opt("hidden", 64, [8, 16, 32, 64, 128])
        )
        options["layers"] = c2.slider("Layers", 1, 3, opt("layers", 1, (1, 2, 3)))
        if options["layers"] > 1:
            options["dropout"] = c3.slider(
                "Dropout between layers", 0.0, 0.5, opt("dropout", 0.0, STEPS[:11]), 0.05
            )
    elif model == "vae":
        c1, c2, c3 = st.columns(3)
        options["latent_dim"] = c1.select_slider(
            "Latent size", LATENTS, opt("latent_dim", 2, LATENTS),
            help="2 can be drawn as a map directly",
        )  # fmt: skip
        options["beta"] = c2.select_slider(
            "β (KL weight)", BETAS, opt("beta", 1.0, BETAS),
            help="above 1: a smoother, more disentangled latent space; blurrier images",
        )  # fmt: skip
        options["likelihood"] = c3.selectbox(
            "Likelihood", LIKELIHOODS,
            index=LIKELIHOODS.index(opt("likelihood", "gaussian", LIKELIHOODS)),
            help="gaussian (squared error) suits grey and colour pixels; bernoulli (binary "
            "cross-entropy) suits near black-and-white images",
        )  # fmt: skip
    elif model == "mlp":
        rows = task.startswith("tabular")  # the engine's defaults: small and batch-normed for rows
        c1, c2, c3, c4 = st.columns(4)
        width = c1.select_slider("Hidden units", [16, 32, 64, 128, 256, 512], 32 if rows else 256)
        depth = c2.slider("Hidden layers", 1, 4, 1 if rows else 2)
        options["hidden"] = [max(8, width // 2**i) for i in range(depth)]
        options["dropout"] = c3.slider("Dropout", 0.0, 0.6, opt("dropout", 0.2, STEPS), 0.05)
        options["batch_norm"] = c4.toggle("Batch norm", opt("batch_norm", rows, (True, False)))
    return options


def training_settings(model: str) -> dict:
    """Keyword arguments for lepton_core.api.make_config (defaults: the model family's own)."""
    defaults = MODELS.get(model).train_defaults
    cap = preset().limits.get("max_epochs", 200)
    c1, c2, c3, c4 = st.columns(4)
    first = min(defaults.get("epochs", 15), cap)
    epochs = setting(c1, "epochs", first, lambda v, off: st.number_input(
        "Epochs", 1, max(cap, v), v, disabled=off,
        help=f"at most {cap} in this workshop" if "max_epochs" in preset().limits else None,
    ))  # fmt: skip
    batch_size = setting(c2, "batch_size", defaults.get("batch_size", 64), lambda v, off: (
        st.select_slider("Batch size", with_value([16, 32, 64, 128, 256], v), v, disabled=off)
    ))  # fmt: skip
    lr = setting(c3, "lr", 4e-3, lambda v, off: st.select_slider(
        "Learning rate", with_value([1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 1e-2, 3e-2], v), v,
        disabled=off,
    ))  # fmt: skip
    optimizer = setting(c4, "optimizer", "adamw", lambda v, off: st.selectbox(
        "Optimizer", ["adamw", "adam", "sgd"], index=["adamw", "adam", "sgd"].index(v),
        disabled=off,
    ))  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    schedules = ["one-cycle", "cosine", "none"]
    schedule = setting(c1, "schedule", "one-cycle", lambda v, off: st.selectbox(
        "LR schedule", schedules, index=schedules.index(v), disabled=off
    ))  # fmt: skip
    weight_decay = setting(c2, "weight_decay", 1e-4, lambda v, off: st.select_slider(
        "Weight decay", with_value([0.0, 1e-5, 1e-4, 1e-3, 1e-2], v), v, disabled=off
    ))  # fmt: skip
    seed = setting(c3, "seed", 0, lambda v, off: st.number_input(
        "Seed", 0, max(10_000, v), v, disabled=off,
        help="same seed, same data, same settings → same result",
    ))  # fmt: skip
    patience = setting(c4, "patience", 0, lambda v, off: st.number_input(
        "Early stopping", 0, max(50, v), v, disabled=off,
        help="stop after this many epochs without progress (0 = off)",
    ))  # fmt: skip
    return dict(
        epochs=int(epochs), batch_size=batch_size, lr=lr, optimizer=optimizer, schedule=schedule,
        weight_decay=weight_decay, seed=int(seed), patience=int(patience),
    )  # fmt: skip


SCRATCH = "random weights (train from scratch)"
UPLOAD = "a .safetensors file of weights…"


def start_from(ds, model: str) -> dict:
    """The "Start from" picker: random weights, an earlier run of `model` that takes this data's
    inputs, or an uploaded safetensors state dict. Returns {} (scratch), {"init_from": ...}, plus
    "options" for a run (fine-tuning keeps its architecture), or {"missing": message} while
    nothing usable is chosen."""
    if not preset().shows("start_from"):
        return {}
    found = starting_runs(store(), ds, workspace=run_filter())
    runs = {record.id: (record, meta) for record, meta in found if meta["model"] == model}
    choice = st.selectbox(
        "Start from",
        [SCRATCH, *runs, *([UPLOAD] if preset().shows("upload") else [])],
        format_func=lambda c: f"run {describe(runs[c][0])}" if c in runs else c,
        help=f"fine-tuning (transfer learning): start from an earlier {model} run's weights "
        "(runs whose inputs have another shape are not listed), or from a file",
    )
    if choice in runs:
        return {"init_from": choice, "options": runs[choice][1]["options"]}
    if choice != UPLOAD:
        return {}
    upload = st.file_uploader(
        "Weights (.safetensors state dict)",
        type=["safetensors"],
        max_upload_size=MAX_WEIGHTS_BYTES // 2**20,
        help="a state dict of the chosen model, e.g. torchvision's resnet18 or "
        "mobilenet_v3_small saved with safetensors; its output layer is re-initialised when "
        "its classes differ. Pickled .pt/.pth files are never loaded.",
    )
    if upload is None:
        return {"missing": "Upload a .safetensors file to start from, or choose another start."}
    try:
        data = upload.getvalue()
        return {"init_from": str(save_upload_weights(data, folder=upload_folder(len(data))))}
    except LabInputError as e:
        return {"missing": str(e)}


def finetune_settings() -> tuple[bool, bool]:
    """(freeze the backbone, also train a from-scratch twin for comparison)."""
    c1, c2 = st.columns(2)
    freeze = c1.checkbox(
        "Freeze backbone", help="train only the output layer; every other weight stays as loaded"
    )
    twin = c2.checkbox(
        "Also train from scratch to compare",
        help="a second run with the same settings from random weights; Evaluate shows both",
    )
    return freeze, twin
