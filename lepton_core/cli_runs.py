"""`lepton runs`, `rename`, `tag`, `delete`, `publish`, `cleanup`: list and manage stored runs."""

import argparse
from collections.abc import Callable

from lepton_core import cli
from lepton_core.metrics.headline import headline
from lepton_core.runs.store import STATUSES


def cmd_runs(args) -> None:
    """List runs (newest first), optionally by tag or status."""
    from lepton_core.runs import RunStore
    from lepton_core.runs.table import cli_row

    store = RunStore()  # not the api: listing runs need not import torch
    store.reconcile()
    records = store.list_runs(workspace=args.workspace)
    if args.tag:
        records = [r for r in records if args.tag in r.tags]
    if args.status:
        records = [r for r in records if r.status == args.status]
    rows = [cli_row(r) for r in records]
    lines = [
        f"{r['run_id']}  {r['status']:<11} {r['data'].split('/')[-1]:<12} {r['model']:<9} "
        + (headline(r["metrics"]) if r["metrics"] else "-")
        + (f"  [{', '.join(r['tags'])}]" if r["tags"] else "")
        + (f"  {r['name']}" if r["name"] else "")
        for r in rows
    ]
    cli._out(args, {"runs": rows}, "\n".join(lines) or "no runs yet")


def cmd_rename(args) -> None:
    """Give a run a name."""
    from lepton_core.runs import RunStore

    name = " ".join(args.name.split())
    RunStore().rename(args.run, name)
    cli._out(args, {"run_id": args.run, "name": name}, f"run {args.run} is now called {name!r}")


def cmd_tag(args) -> None:
    """Add (or remove) tags."""
    from lepton_core.runs import RunStore

    store = RunStore()
    if args.remove:
        tags = store.set_tags(args.run, [t for t in store.get(args.run).tags if t not in args.tags])
    else:
        tags = store.add_tags(args.run, args.tags)
    cli._out(
        args, {"run_id": args.run, "tags": tags}, f"run {args.run} tags: {', '.join(tags) or '-'}"
    )


def cmd_delete(args) -> None:
    """Delete a finished run: its record and its folder."""
    from lepton_core.runs import RunStore

    RunStore().delete(args.run)
    cli._out(args, {"run_id": args.run, "deleted": True}, f"deleted run {args.run}")


def cmd_publish(args) -> None:
    """Show a run to every workspace (or stop, with --undo)."""
    from lepton_core.runs import RunStore
    from lepton_core.runs.workspaces import publish

    publish(RunStore(), args.run, not args.undo)
    state = "no longer published" if args.undo else "published to every workspace"
    cli._out(args, {"run_id": args.run, "published": not args.undo}, f"run {args.run} {state}")


def cmd_cleanup(args) -> None:
    """Remove workspaces unseen for --older-than days (runs, uploads; published runs stay)."""
    from lepton_core.runs import RunStore
    from lepton_core.runs.workspaces import Quota, cleanup

    days = Quota.from_env().max_age_days if args.older_than is None else args.older_than
    removed = cleanup(RunStore(), days)
    text = f"removed {len(removed)} workspace(s) unseen for {days:g} days"
    cli._out(args, {"removed": removed, "older_than_days": days}, text)


def add_runs_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Register the run-management commands with cli.build_parser's `add(name, func, help)`."""
    r = add("runs", cmd_runs, "list stored runs")
    r.add_argument("--tag", help="only runs with this tag")
    r.add_argument("--status", choices=STATUSES, help="only runs with this status")
    r.add_argument("--workspace", help="only runs this workspace sees (its own, published ones)")
    rn = add("rename", cmd_rename, "give a run a name")
    rn.add_argument("run")
    rn.add_argument("name")
    tg = add("tag", cmd_tag, "add tags to a run (or remove them with --remove)")
    tg.add_argument("run")
    tg.add_argument("tags", nargs="+", metavar="TAG")
    tg.add_argument("--remove", action="store_true", help="remove these tags instead")
    d = add("delete", cmd_delete, "delete a finished run: its record and its folder")
    d.add_argument("run")
    pb = add("publish", cmd_publish, "show a run to every workspace (a workshop's instructor)")
    pb.add_argument("run")
    pb.add_argument("--undo", action="store_true", help="stop publishing it")
    c = add("cleanup", cmd_cleanup, "remove workspaces not used for a while")
    c.add_argument(
        "--older-than", type=float, metavar="DAYS",
        help="days unseen (default: $LEPTON_WORKSPACE_MAX_AGE_DAYS or 14)",
    )  # fmt: skip
