"""What the Data page shows for each kind of data: images, tables, time series."""

import streamlit as st

from app.components.charts import class_balance, histogram, series_with_splits
from app.components.images import image_row
from app.i18n import t
from lepton_core.config import AugmentSpec

TRAIN_PAGE = "pages/train.py"


def _next_link() -> None:
    st.page_link(
        TRAIN_PAGE,
        label=t("data_views.next"),
        icon=":material/model_training:",
    )


def _skipped(report, what: str = "skipped") -> None:
    """The skipped files or rows and why; `what` names the heading ("skipped", "skipped_files")."""
    if report.skipped:
        file, reason = t("data_views.file"), t("data_views.reason")
        with st.expander(t(f"data_views.{what}", n=len(report.skipped)), expanded=True):
            st.dataframe(
                [{file: f, reason: r} for f, r in report.skipped],
                hide_index=True,
                width="stretch",
            )


def show_images(ds) -> None:
    """Counts, class balance, a gallery per class, skipped files, augmentation preview."""
    report = ds.report
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("data_views.images"), f"{sum(report.counts.values()):,}")
    c2.metric(t("data_views.classes"), ds.n_classes)
    c3.metric(t("data_views.image_shape"), "×".join(map(str, ds.input_shape)))
    c4.metric(t("data_views.skipped_count"), len(report.skipped))
    st.caption(" · ".join(report.notes))
    _next_link()

    left, right = st.columns([1, 2])
    left.plotly_chart(class_balance(report.counts), key="balance")
    with right:
        st.markdown(t("data_views.samples_per_class"))
        from lepton_core.data.preview import class_gallery

        for cls, images in class_gallery(ds, per_class=8).items():
            st.caption(cls)
            image_row(images, size=56)

    _skipped(report, "skipped_files")

    st.subheader(t("data_views.augmentation"))
    st.caption(t("data_views.augmentation_help"))
    aug = st.session_state.get("augment", {})
    a1, a2, a3, a4, a5 = st.columns(5)
    spec = AugmentSpec(
        hflip=a1.toggle(t("data_views.aug.hflip"), aug.get("hflip", False)),
        rotation=a2.slider(t("data_views.aug.rotation"), 0, 45, int(aug.get("rotation", 0))),
        shift=a3.slider(t("data_views.aug.shift"), 0.0, 0.3, float(aug.get("shift", 0.0)), 0.05),
        color_jitter=a4.slider(
            t("data_views.aug.color_jitter"), 0.0, 0.8, float(aug.get("color_jitter", 0.0)), 0.1
        ),
        noise=a5.slider(t("data_views.aug.noise"), 0.0, 0.3, float(aug.get("noise", 0.0)), 0.05),
    )
    st.session_state.augment = spec.__dict__.copy()
    if spec.enabled:
        from lepton_core.data.preview import augment_preview

        st.caption(t("data_views.augment_preview"))
        for row in augment_preview(ds, spec, n=7):
            image_row(row, size=56)


def _task_kind(task: str) -> str:
    """ "classification" or "regression" in the session's language (else the task's name)."""
    kind = task.removeprefix("tabular-")
    return t(f"data_views.task_kinds.{kind}") if kind in ("classification", "regression") else kind


def show_table(ds) -> None:
    """Rows, features, task, the target's distribution and what preprocessing did."""
    report, meta = ds.report, ds.meta
    sizes = ds.sizes()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("data_views.rows"), f"{sum(sizes.values()):,}")
    c2.metric(t("data_views.columns_used"), len(meta["groups"]))
    c3.metric(t("data_views.task"), _task_kind(ds.task))
    c4.metric(t("data_views.target"), meta["target"])
    _next_link()
    left, right = st.columns(2)
    if ds.classes:
        left.plotly_chart(class_balance(report.counts), key="balance")
    else:
        y = ds.y["train"].numpy()[:, 0] * meta["target_std"] + meta["target_mean"]
        left.plotly_chart(
            histogram(y, t("data_views.target_train", target=meta["target"])), key="target-hist"
        )
    with right:
        st.markdown(t("data_views.what_was_done"))
        for note in report.notes:
            st.caption(note)
    _skipped(report)


def show_series(ds) -> None:
    """The series with its train/val/test spans, and the windowing."""
    meta, fd = ds.meta, ds.extra
    sizes = ds.sizes()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("data_views.time_steps"), f"{len(fd.series):,}")
    c2.metric(t("data_views.target"), meta["target"])
    c3.metric(t("data_views.lookback_horizon"), f"{meta['lookback']} → {meta['horizon']}")
    c4.metric(t("data_views.windows"), f"{sizes['train']}/{sizes['val']}/{sizes['test']}")
    _next_link()
    st.plotly_chart(series_with_splits(fd.series, meta["target"], fd.split_times), key="series")
    for note in ds.report.notes:
        st.caption(note)
    _skipped(ds.report)
