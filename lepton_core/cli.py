"""The `lepton` command: datasets, train, runs, evaluate, explain, export, compress, resume, app.

Run management (runs, rename, tag, delete) lives in cli_runs.py, resume in cli_resume.py.

Exit codes: 0 ok, 2 bad input (one line on stderr), 1 internal error.
With --json every command prints exactly one JSON object on stdout.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from lepton_core.errors import ExportParityError, LabInputError
from lepton_core.metrics.headline import headline


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2 (no usage dump)
        raise LabInputError(message)


def _out(args, obj: dict, text: str) -> None:
    print(json.dumps(obj, default=str) if args.json else text)


def cmd_datasets(args) -> None:
    from lepton_core.data import list_datasets

    items = list_datasets()
    text = "\n".join(f"{d['name']:<10} {d['task']:<22} {d['description']}" for d in items)
    _out(args, {"datasets": items}, text)


class _EpochPrinter:
    """Prints one line per epoch to stderr, so a long CLI run shows progress."""

    def on_train_start(self, trainer) -> None: ...
    def on_batch_end(self, trainer) -> None: ...
    def on_train_end(self, trainer) -> None: ...

    def on_epoch_end(self, trainer) -> None:
        r = trainer.history[-1]
        keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "val_recon", "val_kl")
        values = " ".join(f"{k} {r[k]:.4f}" for k in keys if k in r)
        print(
            f"epoch {r['epoch']}/{trainer.spec.epochs} {values} ({r['seconds']:.1f}s)",
            file=sys.stderr,
        )


def _given(args, *names: str) -> dict:
    """The options among `names` that were given on the command line."""
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}


def _train_kwargs(args) -> dict:
    """train()'s arguments: from --config when given, then the options given on the command line."""
    kw: dict = {"data": None, "model": "cnn", "seed": 0, "model_options": {}, "data_options": {}}
    if args.config:
        from lepton_core.config import RunConfig

        cfg = RunConfig.load(Path(args.config))
        kw |= {"data": cfg.data.source, "model": cfg.model.name, "seed": cfg.train.seed}
        kw |= {"model_options": dict(cfg.model.options), "data_options": dict(cfg.data.options)}
        kw |= {k: v for k, v in cfg.to_dict()["train"].items() if k != "seed"}
    for name in ("data", "model", "seed", "epochs"):
        if getattr(args, name) is not None:
            kw[name] = getattr(args, name)
    kw |= _given(
        args, "batch_size", "lr", "optimizer", "schedule", "weight_decay", "patience",
        "init_from", "freeze_backbone",
    )  # fmt: skip
    kw["data_options"] |= _given(
        args, "image_size", "target", "task", "lookback", "horizon", "season_length", "date_column"
    )
    kw["model_options"] |= _given(args, "latent_dim", "beta", "likelihood")
    if kw["data"] is None:
        raise LabInputError("give the data to train on (--data NAME|PATH) or a run's --config")
    return kw


def cmd_train(args) -> int:
    kw = _train_kwargs(args)  # bad options are named before torch is imported

    from lepton_core.api import train

    callbacks = () if args.json else (_EpochPrinter(),)
    run = train(kw.pop("data"), callbacks=callbacks, **kw)
    summary = run_summary(run.record)
    text = (
        f"run {run.id} {run.status}: {headline(run.metrics)}, "
        f"{summary['epochs_completed']} epochs in {summary['train_seconds']}s"
    )
    _out(args, summary, text)
    return 0


def run_summary(rec) -> dict:
    """What `train --json` (and `resume --json`) print for a finished run; a failure is raised."""
    if rec.status == "failed":
        raise (
            LabInputError(rec.error)
            if not rec.error.startswith("internal error")
            else RuntimeError(rec.error)
        )
    return {
        "run_id": rec.id,
        "status": rec.status,
        "task": rec.task,
        "data": rec.data,
        "model": rec.model,
        "epochs_completed": rec.epochs_completed,
        "train_seconds": rec.train_seconds,
        "metrics": {
            k: v for k, v in rec.metrics.items() if k not in ("per_class", "confusion_matrix")
        },
    }


def cmd_evaluate(args) -> None:
    import numpy as np

    from lepton_core.api import load_run
    from lepton_core.metrics import confident_mistakes

    run = load_run(args.run)
    ev = run.evaluation()
    mistakes = []
    if "probs" in ev:
        mistakes = confident_mistakes(np.array(ev["y_true"]), np.array(ev["probs"]), k=5)
    m = run.metrics
    obj = {"run_id": run.id, "status": run.status, "metrics": m, "confident_mistakes": mistakes}
    lines = [f"run {run.id}: {headline(m)}"]
    lines += [
        f"  {c['class']:<10} precision {c['precision']:.3f} recall {c['recall']:.3f} "
        f"f1 {c['f1']:.3f} n={c['support']}"
        for c in m.get("per_class", [])
    ]
    _out(args, obj, "\n".join(lines))


def cmd_explain(args) -> None:
    import numpy as np

    from lepton_core.api import explain, load_run

    run = load_run(args.run)
    ds = run.dataset
    x = ds.x["test"]
    if not 0 <= args.index < len(x):
        raise LabInputError(f"--index must be between 0 and {len(x) - 1}")
    example = x[args.index]
    attr = explain(run, example, method=args.method, target=args.target)
    obj = {
        "run_id": run.id,
        "method": args.method,
        "index": args.index,
        "task": ds.task,
        "shape": list(attr.shape),
        "out": None,
    }
    if ds.task == "image-generation":  # a VAE: attributions of one latent dimension
        obj["latent_dim"] = args.target or 0
    elif ds.classes:
        import torch

        probs = torch.softmax(run.model()(example[None]), dim=1)[0].detach()
        obj |= {
            "true": ds.classes[int(ds.y["test"][args.index])],
            "predicted": ds.classes[int(probs.argmax())],
            "confidence": float(probs.max()),
        }
    if ds.meta.get("groups"):  # tables: one signed value per original column
        from lepton_core.explain.tabular import group_columns

        grouped = group_columns(attr.numpy()[None], ds.meta["groups"])
        obj["attributions"] = {c: float(v[0]) for c, v in grouped.items()}
    if args.out:
        out = Path(args.out)
        if out.suffix == ".npy":
            np.save(out, attr.numpy())
        elif out.suffix == ".png" and ds.is_image:
            _save_overlay(example, attr, out)
        else:
            kinds = ".npy (raw attributions) or .png (overlay, images only)"
            raise LabInputError(f"--out must end in {kinds}")
        obj["out"] = str(out)
    text = f"{args.method} for test example {args.index}" + (
        f" -> {obj['out']}" if obj["out"] else ""
    )
    if "predicted" in obj:
        text += f": true {obj['true']}, predicted {obj['predicted']} ({obj['confidence']:.2f})"
    if args.trust:
        from lepton_core.explain.trust import trust_report, trust_summary, trust_text

        report = trust_report(run, ds, args.method)
        obj |= trust_summary(report)
        text += "\n" + trust_text(report)
    _out(args, obj, text)


def _save_overlay(image, attr, out: Path) -> None:
    from PIL import Image

    from lepton_core.explain import to_heatmap
    from lepton_core.explain.render import overlay

    rgb = overlay(image.numpy(), to_heatmap(attr))
    Image.fromarray(rgb).resize((rgb.shape[1] * 8, rgb.shape[0] * 8), Image.NEAREST).save(out)


def cmd_export(args) -> None:
    from lepton_core.api import export

    out = export(args.run, format=args.format, out=args.out)
    files = sorted(p.name for p in out.iterdir())
    obj = {"run_id": args.run, "format": args.format, "out": str(out), "files": files}
    obj |= {"max_abs_diff": None, "class_agreement": None}
    parity = out / "parity.json"  # written by the formats that are checked against PyTorch
    if parity.exists():
        obj |= json.loads(parity.read_text())
    text = f"wrote {out}: {', '.join(files)}"
    if obj["max_abs_diff"] is not None:
        text += f"\nmax |onnx - torch| {obj['max_abs_diff']:.2e}"
    if obj["class_agreement"] is not None:
        text += f", predicted classes agree on {obj['class_agreement']:.1%} of the test split"
    _out(args, obj, text)


def cmd_compress(args) -> None:
    from lepton_core.api import load_run
    from lepton_core.compress import compress_run, compress_text

    run = load_run(args.run)
    report = compress_run(
        run, args.method, sparsity=args.sparsity, finetune_epochs=args.finetune_epochs
    )
    _out(args, {"run_id": run.id, "method": args.method} | report, compress_text(report))


def app_command(port: int, address: str) -> list[str]:
    """The server's command line; its safety settings hold from any working directory."""
    from lepton_core.data.uploads import MAX_UPLOAD_BYTES

    app = Path(__file__).resolve().parents[1] / "app"
    return [
        sys.executable, str(app / "launch.py"), "run", str(app / "streamlit_app.py"),
        "--server.port", str(port), "--server.address", address,
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--server.headless", "true",
        "--server.enableXsrfProtection", "true",
        "--server.maxUploadSize", str(MAX_UPLOAD_BYTES // 2**20),  # MB; checked again on save
        "--runner.postScriptGC", "false",  # a full gc after each run: ~400 ms with torch loaded
    ]  # fmt: skip


def cmd_app(args) -> int:
    from lepton_core.preset import ENV, load_preset

    if args.preset:
        os.environ[ENV] = str(Path(args.preset).expanduser().resolve())
    if args.workers:
        os.environ["LEPTON_WORKERS"] = str(args.workers)
    if args.private:
        os.environ["LEPTON_PRIVATE_WORKSPACES"] = "1"
    if os.environ.get(ENV):
        load_preset(os.environ[ENV])  # a bad file: one line, exit 2, and no server
    cmd = app_command(args.port, args.address)
    if args.json:
        print(json.dumps({"url": f"http://{args.address}:{args.port}", "command": cmd}))
    sys.stdout.flush()
    os.execv(sys.executable, cmd)  # noqa: S606  (the server takes this pid: stop it by this pid)


def build_parser() -> argparse.ArgumentParser:
    from lepton_core.cli_resume import add_resume_parser
    from lepton_core.cli_runs import add_runs_parsers

    """The argparse tree for every subcommand."""
    p = _Parser(prog="lepton", description="Lepton Lab: train, explain and export small networks.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.set_defaults(func=func)
        return sp

    add("datasets", cmd_datasets, "list the built-in datasets")
    t = add("train", cmd_train, "train a model and record the run")
    t.add_argument("--data", help="built-in name, a folder of class folders, or a .zip")
    t.add_argument(
        "--config",
        help="a run's config.json: train that run again (options given here override it)",
    )
    t.add_argument(
        "--model",
        help="seed-cnn, cnn (default), mlp, lstm, gru, vae, resnet18 or mobilenet_v3_small",
    )
    t.add_argument("--epochs", type=int)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--seed", type=int, help="default 0")
    t.add_argument("--optimizer", choices=["adam", "adamw", "sgd"])
    t.add_argument("--schedule", choices=["none", "cosine", "one-cycle"])
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--patience", type=int, help="early stopping after N epochs without progress")
    t.add_argument("--image-size", type=int, help="resize uploaded images to N x N")
    t.add_argument("--target", help="CSV or series: the column to predict")
    t.add_argument(
        "--task",
        choices=["tabular-classification", "tabular-regression", "forecasting"],
        help="CSV: override the inferred task; 'forecasting' reads it as a time series",
    )
    t.add_argument("--lookback", type=int, help="forecasting: time steps the model sees")
    t.add_argument("--horizon", type=int, help="forecasting: time steps it predicts")
    t.add_argument("--season-length", type=int, help="forecasting: for the seasonal-naive baseline")
    t.add_argument("--date-column", help="forecasting CSV: the date/time column (default: found)")
    t.add_argument("--latent-dim", type=int, help="vae: latent size, 2-64 (default 2)")
    t.add_argument("--beta", type=float, help="vae: weight of the KL term (default 1)")
    t.add_argument("--likelihood", choices=["bernoulli", "gaussian"], help="vae: pixel likelihood")
    t.add_argument(
        "--init-from",
        help="fine-tune: start from a run's weights (run id) or a .safetensors state dict",
    )
    t.add_argument(
        "--freeze-backbone",
        action="store_true",
        default=None,
        help="fine-tune: train only the output layer",
    )
    add_runs_parsers(add)
    e = add("evaluate", cmd_evaluate, "show a run's test metrics")
    e.add_argument("run")
    x = add("explain", cmd_explain, "explain one test image of a run")
    x.add_argument("run")
    x.add_argument("--method", default="saliency")
    x.add_argument("--index", type=int, default=0, help="test image index")
    x.add_argument(
        "--target", type=int, help="class index (default: predicted); a VAE: latent dimension"
    )
    x.add_argument("--out", help="write .npy attributions or a .png overlay")
    x.add_argument(
        "--trust",
        action="store_true",
        help="image classifiers: also check the method on the first 32 test images and add "
        "deletion/insertion AUCs (and random-order ones), infidelity, sensitivity, the sanity "
        "checks' rank correlation with randomised models, and, where object masks exist "
        "(shapes), mask_mass and pointing_game; cached in runs/<id>/trust/",
    )
    ex = add("export", cmd_export, "export a run's model")
    ex.add_argument("run")
    ex.add_argument("--format", default="safetensors", help="safetensors, onnx or bundle")
    ex.add_argument("--out", required=True)
    c = add("compress", cmd_compress, "quantize or prune a run's model and compare it")
    c.add_argument("run")
    c.add_argument("--method", required=True, choices=["int8", "prune"])
    c.add_argument("--sparsity", type=float, default=0.5, help="prune: share of weights zeroed")
    c.add_argument(
        "--finetune-epochs", type=int, default=0, help="prune: epochs of fine-tuning after pruning"
    )
    a = add("app", cmd_app, "start the Streamlit app")
    a.add_argument("--port", type=int, default=8501)
    a.add_argument("--address", default="127.0.0.1")
    a.add_argument("--preset", help="an instructor preset TOML file (also $LEPTON_PRESET)")
    a.add_argument("--workers", type=int, help="training jobs at once (default: one per CPU core)")
    a.add_argument(
        "--private", action="store_true",
        help="a private workspace per browser session (a workshop; also in a preset)",
    )  # fmt: skip
    add_resume_parser(add)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return args.func(args) or 0
    except LabInputError as e:
        print(f"lepton: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # an output path that cannot be written, a missing input
        print(f"lepton: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except ExportParityError as e:  # not bad input, but a finding the user must read as is
        print(f"lepton: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lepton: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if os.environ.get("LEPTON_DEBUG"):
            raise
        print(f"lepton: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
