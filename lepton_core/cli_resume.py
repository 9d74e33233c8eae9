"""`lepton resume RUN [--json]`: continue an interrupted run where it stopped."""

import argparse
from collections.abc import Callable


def cmd_resume(args: argparse.Namespace) -> int:
    """Resume the run in this process and print the same summary as `lepton train`."""
    from lepton_core.cli import _EpochPrinter, _out, run_summary
    from lepton_core.metrics.headline import headline
    from lepton_core.runs.resume import check_resumable, resume, resume_point
    from lepton_core.runs.store import RunStore

    store = RunStore()
    check_resumable(store, args.run)
    start = resume_point(store, args.run)
    resume(store, args.run, callbacks=() if args.json else (_EpochPrinter(),))
    rec = store.get(args.run)
    summary = run_summary(rec) | {"resumed_from_epoch": start}
    text = (
        f"run {rec.id} {rec.status} (resumed after epoch {start}): {headline(rec.metrics)}, "
        f"{rec.epochs_completed} epochs in {rec.train_seconds}s"
    )
    _out(args, summary, text)
    return 0


def add_resume_parser(add: Callable[..., argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `resume` with cli.build_parser's `add(name, func, help)`."""
    r = add("resume", cmd_resume, "continue an interrupted run from its last whole epoch")
    r.add_argument("run")
    return r
