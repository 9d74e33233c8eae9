"""Train: choose a model and settings, see its layers, start a job and watch it learn."""

import streamlit as st

from app.components.monitor import job_monitor
from app.components.preset_view import preset, preset_problem
from app.components.share_link import apply_link, share_control
from app.components.state import (
    data_choice,
    dataset,
    executor,
    quota,
    set_run_id,
    store,
    sync_run_id,
    workspace,
)
from app.components.train_form import (
    finetune_settings,
    model_choice,
    model_options_form,
    start_from,
    training_settings,
)
from lepton_core.api import make_config
from lepton_core.data import list_datasets
from lepton_core.errors import LabInputError
from lepton_core.finetune import check_init
from lepton_core.models.summary import describe_model
from lepton_core.runs.workspaces import check_quota
from lepton_core.tasks import run_task

st.title("Train")

apply_link()  # a shared link (?data=...&model=...) chooses the data and the form's start
source, options, label = data_choice()
if problem := preset_problem():
    st.warning(problem)
if source in {d["name"] for d in list_datasets()} and not preset().offers(source):
    st.info(f"Your instructor's workshop does not use **{label}**: choose its data first.")
    st.page_link("pages/data.py", label="Choose the data", icon=":material/dataset:")
    st.stop()
try:
    ds = dataset(source, options)
except LabInputError as e:
    st.error(f"The chosen data cannot be used: {e}")
    st.page_link("pages/data.py", label="Choose other data", icon=":material/dataset:")
    st.stop()
sizes = ds.sizes()
what = f"{ds.n_classes} classes" if ds.classes else ds.task
st.caption(
    f"Data: **{label}** · {what} · input {'×'.join(map(str, ds.input_shape))} · "
    f"split {sizes['train']}/{sizes['val']}/{sizes['test']} (train/val/test)"
)

run = None
run_id = sync_run_id()
if run_id:
    try:
        run = store().get(run_id)
    except LabInputError:
        st.warning(f"Run {run_id} was not found.")
busy = run is not None and run.status in ("queued", "running")
if run is not None:
    with st.container(border=True):
        st.subheader(f"Run {run.name or run.id}")
        job_monitor(run.id)

with st.expander("Settings for a new run" if run else "Settings", expanded=not busy):
    left, right = st.columns([3, 2])
    with left:
        model = model_choice(ds.task)
        origin = start_from(ds, model)
        if "options" in origin:  # fine-tuning a run keeps its architecture
            model_options = origin["options"]
            st.caption(f"Model options as in the run it starts from: {model_options or 'defaults'}")
        else:
            model_options = model_options_form(model, ds.task)
        train_kwargs = training_settings(model)
        twin = False
        if origin.get("init_from"):
            freeze, twin = finetune_settings()
            train_kwargs |= {"init_from": origin["init_from"], "freeze_backbone": freeze}
        elif "missing" in origin:
            st.info(origin["missing"])
        generative = run_task(ds.task, model) == "image-generation"
        augment = st.session_state.get("augment", {}) if ds.is_image and not generative else {}
        if generative:
            st.caption(
                "The VAE learns to redraw its input through a small latent code: no labels, "
                "no augmentation. Its results are on the Generate page."
            )
        elif ds.is_image:
            on = [k for k, v in augment.items() if v]
            st.caption(f"Augmentation: {', '.join(on) or 'off'} (set it on the Data page).")
    with right:
        try:
            rows, total = describe_model(model, model_options, ds)
        except LabInputError as e:
            st.error(str(e))
            st.stop()
        st.metric("Trainable parameters", f"{total:,}")
        st.dataframe(rows, hide_index=True, width="stretch", height=280)
    start = st.button(
        "Start training",
        type="primary",
        icon=":material/play_arrow:",
        disabled=busy or "missing" in origin,
        help="one run at a time per session: cancel or wait for the current one" if busy else None,
    )
share_control(source, options, model, model_options, train_kwargs)

if start:
    try:
        preset().check(model, train_kwargs)  # locks and limits hold whatever the widgets sent
        executor().caps.check_epochs(train_kwargs.get("epochs", 0))
        check_quota(store(), workspace(), quota())
        config = make_config(
            source, model=model, model_options=model_options, data_options=options,
            augment=augment, **train_kwargs,
        )  # fmt: skip
        config.name = f"{label} · {model}"
        scratch = config.scratch_twin() if twin else None  # for the side-by-side on Evaluate
        if config.train.init_from:
            config.name += " · fine-tuned"
            check_init(config, ds, store())  # starting weights that do not fit: not stored
        new_id = store().create_run(config, workspace())
        executor().submit(new_id)
        if scratch is not None:
            executor().submit(store().create_run(scratch, workspace()))
        set_run_id(new_id)
        st.rerun()
    except LabInputError as e:
        st.error(str(e))
