"""Train: choose a model and settings, see its layers, start a job and watch it learn."""

import streamlit as st

from app.components.monitor import job_monitor
from app.components.state import data_choice, dataset, executor, set_run_id, store, sync_run_id
from lepton_core.api import make_config
from lepton_core.errors import LabInputError
from lepton_core.models import MODELS, list_models
from lepton_core.models.summary import describe_model

st.title("Train")

source, options, label = data_choice()
try:
    ds = dataset(source, options)
except LabInputError as e:
    st.error(f"The chosen data cannot be used: {e}")
    st.page_link("pages/data.py", label="Choose other data", icon=":material/dataset:")
    st.stop()
st.caption(
    f"Data: **{label}** · {sum(ds.sizes().values()):,} images · {ds.n_classes} classes · "
    f"{'×'.join(map(str, ds.input_shape))} · split {ds.sizes()['train']}/{ds.sizes()['val']}/"
    f"{ds.sizes()['test']} (train/val/test)"
)

models = list_models(ds.task)
left, right = st.columns([1, 1])
with left:
    model = st.selectbox(
        "Model",
        models,
        index=models.index("cnn"),
        format_func=lambda n: f"{n} — {MODELS.get(n).description}",
    )
    model_options: dict = {}
    if model == "cnn":
        c1, c2, c3 = st.columns(3)
        model_options["blocks"] = c1.slider("Conv blocks", 1, 4, 3)
        model_options["channels"] = c2.select_slider("First-block channels", [8, 16, 32, 64], 16)
        model_options["dropout"] = c3.slider("Dropout", 0.0, 0.6, 0.2, 0.05)
        model_options["batch_norm"] = st.toggle("Batch norm", True)
    elif model == "mlp":
        c1, c2 = st.columns(2)
        width = c1.select_slider("Hidden units", [32, 64, 128, 256, 512], 256)
        depth = c2.slider("Hidden layers", 1, 4, 2)
        model_options["hidden"] = [max(8, width // 2**i) for i in range(depth)]
        model_options["dropout"] = st.slider("Dropout", 0.0, 0.6, 0.2, 0.05)

    with st.expander("Training settings", expanded=True):
        c1, c2, c3 = st.columns(3)
        epochs = c1.number_input("Epochs", 1, 200, 15)
        batch_size = c2.select_slider("Batch size", [16, 32, 64, 128, 256], 64)
        lr = c3.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 1e-2, 3e-2], 4e-3)
        c1, c2, c3 = st.columns(3)
        optimizer = c1.selectbox("Optimizer", ["adamw", "adam", "sgd"])
        schedule = c2.selectbox("LR schedule", ["one-cycle", "cosine", "none"])
        weight_decay = c3.select_slider("Weight decay", [0.0, 1e-5, 1e-4, 1e-3, 1e-2], 1e-4)
        c1, c2 = st.columns(2)
        seed = c1.number_input(
            "Seed", 0, 10_000, 0, help="same seed, same data, same settings → same result"
        )
        patience = c2.number_input("Early stopping patience (0 = off)", 0, 50, 0)
    augment = st.session_state.get("augment", {})
    on = [k for k, v in augment.items() if v]
    st.caption(f"Augmentation: {', '.join(on) if on else 'off'} (set it on the Data page).")

with right:
    try:
        rows, total = describe_model(model, model_options, ds.input_shape, ds.classes)
    except LabInputError as e:
        st.error(str(e))
        st.stop()
    st.metric("Trainable parameters", f"{total:,}")
    st.dataframe(rows, hide_index=True, width="stretch", height=260)

if st.button("Start training", type="primary", icon=":material/play_arrow:"):
    try:
        config = make_config(
            source, model=model, epochs=int(epochs), seed=int(seed), model_options=model_options,
            data_options=options, batch_size=batch_size, lr=lr, optimizer=optimizer,
            schedule=schedule, weight_decay=weight_decay, patience=int(patience), augment=augment,
        )  # fmt: skip
        config.name = f"{label} · {model}"
        run_id = store().create_run(config)
        executor().submit(run_id)
        set_run_id(run_id)
    except LabInputError as e:
        st.error(str(e))

run_id = sync_run_id()
if run_id:
    st.divider()
    try:
        rec = store().get(run_id)
    except LabInputError:
        st.warning(f"Run {run_id} was not found.")
    else:
        st.subheader(f"Run {rec.name or rec.id}")
        job_monitor(run_id)
