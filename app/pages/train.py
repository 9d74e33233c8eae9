"""Train: choose a model and settings, see its layers, start a job and watch it learn."""

import streamlit as st
from streamlit.column_config import Column

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
from app.i18n import t
from lepton_core.api import make_config
from lepton_core.data import list_datasets
from lepton_core.errors import LabInputError
from lepton_core.finetune import check_init
from lepton_core.models.summary import describe_model
from lepton_core.runs.workspaces import check_quota
from lepton_core.tasks import run_task

LAYER_COLUMNS = ("layer", "type", "output shape", "parameters")  # describe_model's rows

st.title(t("page_train.title"))

apply_link()  # a shared link (?data=...&model=...) chooses the data and the form's start
source, options, label = data_choice()
if problem := preset_problem():
    st.warning(problem)
if source in {d["name"] for d in list_datasets()} and not preset().offers(source):
    st.info(t("page_train.not_in_workshop", label=label))
    st.page_link(page="pages/data.py", label=t("page_train.choose_data"), icon=":material/dataset:")
    st.stop()
try:
    ds = dataset(source, options)
except LabInputError as e:
    st.error(t("page_train.data_unusable", error=e))
    st.page_link(
        page="pages/data.py", label=t("page_train.choose_other"), icon=":material/dataset:"
    )
    st.stop()
sizes = ds.sizes()
what = t("page_train.n_classes", n=ds.n_classes) if ds.classes else ds.task
st.caption(
    t(
        "page_train.data_caption", label=label, what=what,
        shape="×".join(map(str, ds.input_shape)), **sizes,
    )
)  # fmt: skip

run = None
run_id = sync_run_id()
if run_id:
    try:
        run = store().get(run_id)
    except LabInputError:
        st.warning(t("page_train.run_not_found", run_id=run_id))
busy = run is not None and run.status in ("queued", "running")
if run is not None:
    with st.container(border=True):
        st.subheader(t("page_train.run", name=run.name or run.id))
        job_monitor(run.id)

with st.expander(t("page_train.settings_new" if run else "page_train.settings"), expanded=not busy):
    left, right = st.columns([3, 2])
    with left:
        model = model_choice(ds.task)
        origin = start_from(ds, model)
        if "options" in origin:  # fine-tuning a run keeps its architecture
            model_options = origin["options"]
            shown = model_options or t("page_train.defaults")
            st.caption(t("page_train.options_as_run", options=shown))
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
            st.caption(t("page_train.vae_caption"))
        elif ds.is_image:
            on = [k for k, v in augment.items() if v]
            st.caption(t("page_train.augmentation", on=", ".join(on) or t("page_train.off")))
    with right:
        try:
            rows, total = describe_model(model, model_options, ds)
        except LabInputError as e:
            st.error(str(e))
            st.stop()
        st.metric(t("page_train.params"), f"{total:,}")
        headers = {c: Column(t(f"page_train.columns.{c.replace(' ', '_')}")) for c in LAYER_COLUMNS}
        st.dataframe(rows, hide_index=True, width="stretch", height=280, column_config=headers)
    start = st.button(
        t("page_train.start"),
        type="primary",
        icon=":material/play_arrow:",
        disabled=busy or "missing" in origin,
        help=t("page_train.busy_help") if busy else None,
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
