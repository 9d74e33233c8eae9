"""What the Data page shows for each kind of data: images, tables, time series."""

import streamlit as st

from app.components.charts import class_balance, histogram, series_with_splits
from app.components.images import image_row
from lepton_core.config import AugmentSpec


def _next_link() -> None:
    st.page_link(
        "pages/train.py",
        label="Looks right? Next: train a model →",
        icon=":material/model_training:",
    )


def _skipped(report, what: str = "Skipped") -> None:
    if report.skipped:
        with st.expander(f"{what} ({len(report.skipped)})", expanded=True):
            st.dataframe(
                [{"file": f, "reason": r} for f, r in report.skipped],
                hide_index=True,
                width="stretch",
            )


def show_images(ds) -> None:
    """Counts, class balance, a gallery per class, skipped files, augmentation preview."""
    report = ds.report
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Images", f"{sum(report.counts.values()):,}")
    c2.metric("Classes", ds.n_classes)
    c3.metric("Image shape", "×".join(map(str, ds.input_shape)))
    c4.metric("Skipped files", len(report.skipped))
    st.caption(" · ".join(report.notes))
    _next_link()

    left, right = st.columns([1, 2])
    left.plotly_chart(class_balance(report.counts), key="balance")
    with right:
        st.markdown("**Samples per class**")
        from lepton_core.data.preview import class_gallery

        for cls, images in class_gallery(ds, per_class=8).items():
            st.caption(cls)
            image_row(images, size=56)

    _skipped(report, "Skipped files")

    st.subheader("Augmentation")
    st.caption(
        "Random changes to training images so the network learns what matters. Off by default."
    )
    aug = st.session_state.get("augment", {})
    a1, a2, a3, a4, a5 = st.columns(5)
    spec = AugmentSpec(
        hflip=a1.toggle("Flip left-right", aug.get("hflip", False)),
        rotation=a2.slider("Rotate ± degrees", 0, 45, int(aug.get("rotation", 0))),
        shift=a3.slider("Shift ± fraction", 0.0, 0.3, float(aug.get("shift", 0.0)), 0.05),
        color_jitter=a4.slider(
            "Brightness/contrast", 0.0, 0.8, float(aug.get("color_jitter", 0.0)), 0.1
        ),
        noise=a5.slider("Noise", 0.0, 0.3, float(aug.get("noise", 0.0)), 0.05),
    )
    st.session_state.augment = spec.__dict__.copy()
    if spec.enabled:
        from lepton_core.data.preview import augment_preview

        st.caption("First column: original. The others: what the network may see instead.")
        for row in augment_preview(ds, spec, n=7):
            image_row(row, size=56)


def show_table(ds) -> None:
    """Rows, features, task, the target's distribution and what preprocessing did."""
    report, meta = ds.report, ds.meta
    sizes = ds.sizes()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows", f"{sum(sizes.values()):,}")
    c2.metric("Columns used", len(meta["groups"]))
    c3.metric("Task", ds.task.removeprefix("tabular-"))
    c4.metric("Target", meta["target"])
    _next_link()
    left, right = st.columns(2)
    if ds.classes:
        left.plotly_chart(class_balance(report.counts), key="balance")
    else:
        y = ds.y["train"].numpy()[:, 0] * meta["target_std"] + meta["target_mean"]
        left.plotly_chart(histogram(y, f"{meta['target']} (train split)"), key="target-hist")
    with right:
        st.markdown("**What was done to the data**")
        for note in report.notes:
            st.caption(note)
    _skipped(report)


def show_series(ds) -> None:
    """The series with its train/val/test spans, and the windowing."""
    meta, fd = ds.meta, ds.extra
    sizes = ds.sizes()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Time steps", f"{len(fd.series):,}")
    c2.metric("Target", meta["target"])
    c3.metric("Lookback → horizon", f"{meta['lookback']} → {meta['horizon']}")
    c4.metric("Windows (train/val/test)", f"{sizes['train']}/{sizes['val']}/{sizes['test']}")
    _next_link()
    st.plotly_chart(series_with_splits(fd.series, meta["target"], fd.split_times), key="series")
    for note in ds.report.notes:
        st.caption(note)
    _skipped(ds.report)
