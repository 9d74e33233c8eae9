"""The Train page's settings: where to start from, model, its options, optimisation settings."""

import streamlit as st

from app.components.preset_view import preset, with_value
from app.components.runs import describe
from app.components.share_link import linked_option, linked_value, setting
from app.components.state import run_filter, store, upload_folder
from app.i18n import t
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
            st.error(t("train_form.instructor_model", model=wanted))
            st.stop()
        wanted = preferred
    return setting(
        st.container(),
        "model",
        wanted,
        lambda v, off: st.selectbox(
            t("train_form.model"),
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
        options["blocks"] = c1.slider(
            t("train_form.conv_blocks"), 1, 4, opt("blocks", 3, range(1, 5))
        )
        options["channels"] = c2.select_slider(
            t("train_form.channels"), [8, 16, 32, 64], opt("channels", 16, [8, 16, 32, 64])
        )
        options["dropout"] = c3.slider(
            t("train_form.dropout"), 0.0, 0.6, opt("dropout", 0.2, STEPS), 0.05
        )
        options["batch_norm"] = c4.toggle(
            t("train_form.batch_norm"), opt("batch_norm", True, (True, False))
        )
    elif model in ("lstm", "gru"):
        c1, c2, c3 = st.columns(3)
        options["hidden"] = c1.select_slider(
            t("train_form.hidden_size"),
            [8, 16, 32, 64, 128],
            opt("hidden", 64, [8, 16, 32, 64, 128]),
        )
        options["layers"] = c2.slider(t("train_form.layers"), 1, 3, opt("layers", 1, (1, 2, 3)))
        if options["layers"] > 1:
            options["dropout"] = c3.slider(
                t("train_form.dropout_between"), 0.0, 0.5, opt("dropout", 0.0, STEPS[:11]), 0.05
            )
    elif model == "vae":
        c1, c2, c3 = st.columns(3)
        options["latent_dim"] = c1.select_slider(
            t("train_form.latent"), LATENTS, opt("latent_dim", 2, LATENTS),
            help=t("train_form.latent_help"),
        )  # fmt: skip
        options["beta"] = c2.select_slider(
            t("train_form.beta"), BETAS, opt("beta", 1.0, BETAS),
            help=t("train_form.beta_help"),
        )  # fmt: skip
        options["likelihood"] = c3.selectbox(
            t("train_form.likelihood"), LIKELIHOODS,
            index=LIKELIHOODS.index(opt("likelihood", "gaussian", LIKELIHOODS)),
            help=t("train_form.likelihood_help"),
        )  # fmt: skip
    elif model == "mlp":
        rows = task.startswith("tabular")  # the engine's defaults: small and batch-normed for rows
        c1, c2, c3, c4 = st.columns(4)
        width = c1.select_slider(
            t("train_form.hidden_units"), [16, 32, 64, 128, 256, 512], 32 if rows else 256
        )
        depth = c2.slider(t("train_form.hidden_layers"), 1, 4, 1 if rows else 2)
        options["hidden"] = [max(8, width // 2**i) for i in range(depth)]
        options["dropout"] = c3.slider(
            t("train_form.dropout"), 0.0, 0.6, opt("dropout", 0.2, STEPS), 0.05
        )
        options["batch_norm"] = c4.toggle(
            t("train_form.batch_norm"), opt("batch_norm", rows, (True, False))
        )
    return options


def training_settings(model: str) -> dict:
    """Keyword arguments for lepton_core.api.make_config (defaults: the model family's own)."""
    defaults = MODELS.get(model).train_defaults
    cap = preset().limits.get("max_epochs", 200)
    c1, c2, c3, c4 = st.columns(4)
    first = min(defaults.get("epochs", 15), cap)
    epochs = setting(c1, "epochs", first, lambda v, off: st.number_input(
        t("train_form.epochs"), 1, max(cap, v), v, disabled=off,
        help=t("train_form.epochs_cap", cap=cap) if "max_epochs" in preset().limits else None,
    ))  # fmt: skip
    batch_size = setting(c2, "batch_size", defaults.get("batch_size", 64), lambda v, off: (
        st.select_slider(
            t("train_form.batch_size"), with_value([16, 32, 64, 128, 256], v), v, disabled=off
        )
    ))  # fmt: skip
    lr = setting(c3, "lr", 4e-3, lambda v, off: st.select_slider(
        t("train_form.lr"), with_value([1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 1e-2, 3e-2], v), v,
        disabled=off,
    ))  # fmt: skip
    optimizers = ["adamw", "adam", "sgd"]
    optimizer = setting(c4, "optimizer", "adamw", lambda v, off: st.selectbox(
        t("train_form.optimizer"), optimizers, index=optimizers.index(v), disabled=off,
    ))  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    schedules = ["one-cycle", "cosine", "none"]
    schedule = setting(c1, "schedule", "one-cycle", lambda v, off: st.selectbox(
        t("train_form.schedule"), schedules, index=schedules.index(v), disabled=off,
        format_func=lambda s: t(f"train_form.schedules.{s}"),
    ))  # fmt: skip
    weight_decay = setting(c2, "weight_decay", 1e-4, lambda v, off: st.select_slider(
        t("train_form.weight_decay"), with_value([0.0, 1e-5, 1e-4, 1e-3, 1e-2], v), v, disabled=off
    ))  # fmt: skip
    seed = setting(c3, "seed", 0, lambda v, off: st.number_input(
        t("train_form.seed"), 0, max(10_000, v), v, disabled=off,
        help=t("train_form.seed_help"),
    ))  # fmt: skip
    patience = setting(c4, "patience", 0, lambda v, off: st.number_input(
        t("train_form.patience"), 0, max(50, v), v, disabled=off,
        help=t("train_form.patience_help"),
    ))  # fmt: skip
    return dict(
        epochs=int(epochs), batch_size=batch_size, lr=lr, optimizer=optimizer, schedule=schedule,
        weight_decay=weight_decay, seed=int(seed), patience=int(patience),
    )  # fmt: skip


SCRATCH, UPLOAD = "scratch", "upload"  # the "Start from" choices besides runs (ids never match)


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
        t("train_form.start_from"),
        [SCRATCH, *runs, *([UPLOAD] if preset().shows("upload") else [])],
        format_func=lambda c: (
            t("train_form.from_run", run=describe(runs[c][0]))
            if c in runs
            else t(f"train_form.{c}")
        ),
        help=t("train_form.start_from_help", model=model),
    )
    if choice in runs:
        return {"init_from": choice, "options": runs[choice][1]["options"]}
    if choice != UPLOAD:
        return {}
    upload = st.file_uploader(
        t("train_form.weights"),
        type=["safetensors"],
        max_upload_size=MAX_WEIGHTS_BYTES // 2**20,
        help=t("train_form.weights_help"),
    )
    if upload is None:
        return {"missing": t("train_form.upload_missing")}
    try:
        data = upload.getvalue()
        return {"init_from": str(save_upload_weights(data, folder=upload_folder(data)))}
    except LabInputError as e:
        return {"missing": str(e)}


def finetune_settings() -> tuple[bool, bool]:
    """(freeze the backbone, also train a from-scratch twin for comparison)."""
    c1, c2 = st.columns(2)
    freeze = c1.checkbox(t("train_form.freeze"), help=t("train_form.freeze_help"))
    twin = c2.checkbox(t("train_form.twin"), help=t("train_form.twin_help"))
    return freeze, twin
