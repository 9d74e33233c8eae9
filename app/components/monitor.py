"""The live job monitor: polls the RunStore from an st.fragment; the worker never calls st.*."""

import streamlit as st

from app.components.charts import learning_curves
from app.components.preset_view import preset
from app.components.state import executor, store
from lepton_core.errors import LabInputError
from lepton_core.metrics.headline import headline

POLL_SECONDS = 1.0


def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "estimating…"
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


def _curves(run_id: str) -> None:
    history = store().history(run_id)
    if not history:
        return
    # classifiers: loss and accuracy; a VAE: its loss, both parts (reconstruction, KL), the ELBO
    parts = ("accuracy", "recon", "kl", "elbo")
    metrics = ["loss"] + [m for m in parts if f"train_{m}" in history[0]]
    for col, metric in zip(st.columns(max(2, len(metrics))), metrics, strict=False):
        col.plotly_chart(learning_curves(history, metric), key=f"{metric}-{run_id}")


def _live(run_id: str) -> None:
    st_ = store()
    st_.reconcile()
    rec = st_.get(run_id)
    if rec.status not in ("queued", "running"):
        st.rerun()  # switch the page to the final view (and stop polling)
    p = rec.progress
    place = st_.queue_position(run_id) if rec.status == "queued" else None
    if place:
        pool = executor().workers
        st.progress(
            0.0, text=f"Waiting for a free worker: #{place} in the queue ({pool} run at once)"
        )
    elif rec.status == "queued" or "fraction" not in p:
        st.progress(0.0, text=f"{rec.status}: {p.get('phase', 'starting the worker…')}")
    else:
        text = (
            f"Epoch {p['epoch']}/{p['epochs']} · {p['fraction']:.0%} · "
            f"elapsed {_fmt_seconds(p['elapsed_s'])} · ETA {_fmt_seconds(p.get('eta_s'))}"
        )
        st.progress(min(p["fraction"], 1.0), text=text)
    if st.button(
        "Cancel training",
        key=f"cancel-{run_id}",
        help="stops within 2 s, keeps the best checkpoint",
    ):
        executor().cancel(run_id)
        st.toast("Cancelling… the best checkpoint so far is kept.")
    _curves(run_id)


def _final(rec) -> None:
    m = rec.metrics
    if rec.status == "done":
        result = (
            f"test accuracy **{m['test_accuracy']:.1%}**" if "test_accuracy" in m else headline(m)
        )
        st.success(
            f"Finished: {result} after {rec.epochs_completed} epochs in {rec.train_seconds:.1f} s."
        )
    elif rec.status == "cancelled":
        extra = f" Best checkpoint kept: {headline(m)}." if m else ""
        st.warning(f"Cancelled after {rec.epochs_completed} epochs.{extra}")
    elif rec.status == "interrupted":
        _interrupted(rec)
    else:
        st.error(f"Run {rec.status}: {rec.error or 'no message'}")
    _curves(rec.id)
    if rec.status in ("done", "cancelled") and m:
        c1, c2, c3 = st.columns(3)
        c1.page_link("pages/evaluate.py", label="Evaluate this run →", icon=":material/analytics:")
        if "test_recon_sse" in m:
            c2.page_link(
                "pages/generate.py", label="Generate with it →", icon=":material/auto_awesome:"
            )
        else:
            c2.page_link(
                "pages/explain.py", label="Explain its decisions →", icon=":material/visibility:"
            )
            if preset().shows("pages/deploy.py"):  # a workshop preset may hide Deploy
                c3.page_link(
                    "pages/deploy.py",
                    label="Try it, shrink it, export it →",
                    icon=":material/rocket_launch:",
                )


def _interrupted(rec) -> None:
    from lepton_core.runs.resume import resume, resume_point

    kept = resume_point(store(), rec.id)
    n = rec.epochs_completed
    st.warning(f"Interrupted after {n} epochs; its last checkpoint and history are kept.")
    st.caption(f"Why: {rec.error or 'the worker stopped'}.")
    label = f"Resume from epoch {kept + 1}" if kept else "Resume (from the start)"
    if st.button(label, key=f"resume-{rec.id}", type="primary", icon=":material/play_arrow:"):
        try:
            resume(store(), rec.id, executor())
        except LabInputError as e:
            st.error(str(e))
        else:
            st.rerun()  # the run is active again: show the live view


def job_monitor(run_id: str) -> None:
    """Live progress, ETA, curves and Cancel while the run is active; the result after."""
    rec = store().get(run_id)
    if rec.status in ("queued", "running"):
        st.fragment(run_every=POLL_SECONDS)(_live)(run_id)
    else:
        _final(rec)
