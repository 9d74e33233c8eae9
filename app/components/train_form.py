"""The Train page's settings: model, its options and the optimisation settings."""

import streamlit as st

from lepton_core.models import MODELS, list_models
from lepton_core.tasks import GENERATIVE


def model_settings(task: str) -> tuple[str, dict]:
    """Model name and its options (image data also offers the generative models)."""
    models = list_models(task) + list_models(GENERATIVE.get(task, "-"))
    preferred = next(m for m in ("cnn", "lstm", "mlp") if m in models)
    model = st.selectbox(
        "Model",
        models,
        index=models.index(preferred),
        format_func=lambda n: f"{n} — {MODELS.get(n).description}",
    )
    options: dict = {}
    if model == "cnn":
        c1, c2, c3, c4 = st.columns(4)
        options["blocks"] = c1.slider("Conv blocks", 1, 4, 3)
        options["channels"] = c2.select_slider("First-block channels", [8, 16, 32, 64], 16)
        options["dropout"] = c3.slider("Dropout", 0.0, 0.6, 0.2, 0.05)
        options["batch_norm"] = c4.toggle("Batch norm", True)
    elif model in ("lstm", "gru"):
        c1, c2, c3 = st.columns(3)
        options["hidden"] = c1.select_slider("Hidden size", [8, 16, 32, 64, 128], 64)
        options["layers"] = c2.slider("Layers", 1, 3, 1)
        if options["layers"] > 1:
            options["dropout"] = c3.slider("Dropout between layers", 0.0, 0.5, 0.0, 0.05)
    elif model == "vae":
        c1, c2, c3 = st.columns(3)
        options["latent_dim"] = c1.select_slider(
            "Latent size", [2, 4, 8, 16, 32, 64], 2, help="2 can be drawn as a map directly"
        )
        options["beta"] = c2.select_slider(
            "β (KL weight)", [0.25, 0.5, 1.0, 2.0, 4.0], 1.0,
            help="above 1: a smoother, more disentangled latent space; blurrier images",
        )  # fmt: skip
        options["likelihood"] = c3.selectbox(
            "Likelihood", ["gaussian", "bernoulli"],
            help="gaussian (squared error) suits grey and colour pixels; bernoulli (binary "
            "cross-entropy) suits near black-and-white images",
        )  # fmt: skip
    elif model == "mlp":
        rows = task.startswith("tabular")  # the engine's defaults: small and batch-normed for rows
        c1, c2, c3, c4 = st.columns(4)
        width = c1.select_slider("Hidden units", [16, 32, 64, 128, 256, 512], 32 if rows else 256)
        depth = c2.slider("Hidden layers", 1, 4, 1 if rows else 2)
        options["hidden"] = [max(8, width // 2**i) for i in range(depth)]
        options["dropout"] = c3.slider("Dropout", 0.0, 0.6, 0.2, 0.05)
        options["batch_norm"] = c4.toggle("Batch norm", rows)
    return model, options


def training_settings(model: str) -> dict:
    """Keyword arguments for lepton_core.api.make_config (defaults: the model family's own)."""
    defaults = MODELS.get(model).train_defaults
    c1, c2, c3, c4 = st.columns(4)
    epochs = c1.number_input("Epochs", 1, 200, defaults.get("epochs", 15))
    batch_size = c2.select_slider(
        "Batch size", [16, 32, 64, 128, 256], defaults.get("batch_size", 64)
    )
    lr = c3.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 1e-2, 3e-2], 4e-3)
    optimizer = c4.selectbox("Optimizer", ["adamw", "adam", "sgd"])
    c1, c2, c3, c4 = st.columns(4)
    schedule = c1.selectbox("LR schedule", ["one-cycle", "cosine", "none"])
    weight_decay = c2.select_slider("Weight decay", [0.0, 1e-5, 1e-4, 1e-3, 1e-2], 1e-4)
    seed = c3.number_input(
        "Seed", 0, 10_000, 0, help="same seed, same data, same settings → same result"
    )
    patience = c4.number_input(
        "Early stopping", 0, 50, 0, help="stop after this many epochs without progress (0 = off)"
    )
    return dict(
        epochs=int(epochs), batch_size=batch_size, lr=lr, optimizer=optimizer, schedule=schedule,
        weight_decay=weight_decay, seed=int(seed), patience=int(patience),
    )  # fmt: skip
