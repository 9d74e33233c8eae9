"""The Trainer, its callbacks, augmentation and run configuration, on small slices of digits."""

import copy
import json

import pytest
import torch

from lepton_core.api import make_config, train
from lepton_core.config import OPTIMIZERS, SCHEDULES, AugmentSpec, RunConfig, TrainSpec
from lepton_core.data import load_dataset
from lepton_core.data.augment import augment_batch, build_augment
from lepton_core.errors import LabInputError
from lepton_core.models import build_lab_model
from lepton_core.runs import RunStore
from lepton_core.training import BestCheckpoint, Callback, Cancel, EarlyStopping, Trainer

N_TRAIN, N_VAL = 256, 128


@pytest.fixture(scope="module")
def digits():
    """A fixed slice of digits: (x, y, x_val, y_val, dataset)."""
    ds = load_dataset("digits")
    train, val = slice(N_TRAIN), slice(N_VAL)
    return ds.x["train"][train], ds.y["train"][train], ds.x["val"][val], ds.y["val"][val], ds


def fresh_model(ds, name: str = "seed-cnn", seed: int = 0, **options):
    torch.manual_seed(seed)
    return build_lab_model(name, options, ds.input_shape, ds.classes, *ds.channel_stats())


def fit(digits, spec: TrainSpec, callbacks=(), name: str = "seed-cnn", val: bool = True, **opts):
    """Train a fresh model (initialised from spec.seed); returns the trainer."""
    x, y, xv, yv, ds = digits
    trainer = Trainer(fresh_model(ds, name, spec.seed, **opts), spec, callbacks)
    trainer.fit(x, y, xv if val else None, yv if val else None)
    return trainer


def without_time(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


class Snapshots(Callback):
    """Keeps a copy of the weights at the end of every epoch."""

    def __init__(self) -> None:
        self.states: list[dict] = []

    def on_epoch_end(self, trainer) -> None:
        self.states.append(copy.deepcopy(trainer.model.state_dict()))


class CountBatches(Callback):
    def __init__(self) -> None:
        self.n = 0

    def on_batch_end(self, trainer) -> None:
        self.n += 1


def same_weights(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_history_and_weights(digits) -> None:
    spec = TrainSpec(epochs=2, batch_size=32, seed=3)
    a, b = fit(digits, spec, name="cnn"), fit(digits, spec, name="cnn")
    assert len(a.history) == 2
    assert without_time(a.history) == without_time(b.history)
    assert same_weights(a.model.state_dict(), b.model.state_dict())


def test_different_seeds_give_different_runs(digits) -> None:
    a = fit(digits, TrainSpec(epochs=2, batch_size=32, seed=0), name="cnn")
    b = fit(digits, TrainSpec(epochs=2, batch_size=32, seed=1), name="cnn")
    assert a.history[-1]["train_loss"] != b.history[-1]["train_loss"]
    assert not same_weights(a.model.state_dict(), b.model.state_dict())


def test_api_train_twice_in_one_process_gives_the_same_metrics(lepton_home) -> None:
    store = RunStore(lepton_home)
    a = train("digits", model="seed-cnn", epochs=1, seed=5, store=store)
    torch.rand(100)  # whatever ran before must not matter
    b = train("digits", model="seed-cnn", epochs=1, seed=5, store=store)
    assert a.status == b.status == "done"
    assert a.metrics == b.metrics
    assert without_time(a.history()) == without_time(b.history())


def test_a_run_with_augmentation_trains_on_changed_images(lepton_home) -> None:
    store = RunStore(lepton_home)
    plain = train("digits", model="seed-cnn", epochs=1, store=store)
    augmented = train("digits", model="seed-cnn", epochs=1, store=store, augment={"shift": 0.1})
    assert plain.status == augmented.status == "done"
    assert augmented.config.train.augment.shift == 0.1
    assert augmented.history()[0]["train_loss"] != plain.history()[0]["train_loss"]


def test_history_rows_describe_each_epoch(digits) -> None:
    trainer = fit(digits, TrainSpec(epochs=2, batch_size=64, schedule="none", lr=1e-3))
    assert [r["epoch"] for r in trainer.history] == [1, 2]
    for row in trainer.history:
        assert set(row) == {
            "epoch", "train_loss", "train_accuracy", "lr", "val_loss", "val_accuracy", "seconds",
        }  # fmt: skip
        assert 0 <= row["train_accuracy"] <= 1 and 0 <= row["val_accuracy"] <= 1
    assert trainer.history[1]["train_loss"] < trainer.history[0]["train_loss"]
    assert trainer.progress()["fraction"] == 1.0


# ---------------------------------------------------------------- callbacks


def test_early_stopping_stops_when_val_loss_stalls(digits) -> None:
    spec = TrainSpec(epochs=20, lr=1e-9, schedule="none", patience=2)
    trainer = fit(digits, spec, [EarlyStopping(patience=2)])
    assert len(trainer.history) == 3  # epoch 1 sets the best, epochs 2 and 3 fail to beat it
    assert trainer.stop_reason == "early stopping"


def test_early_stopping_keeps_going_while_val_loss_improves(digits) -> None:
    trainer = fit(digits, TrainSpec(epochs=3, lr=1e-3, schedule="none"), [EarlyStopping(1)])
    assert len(trainer.history) == 3 and trainer.stop_reason == ""


def test_best_checkpoint_restores_the_best_epochs_weights(digits) -> None:
    x, y, xv, yv, ds = digits
    y_val_shuffled = yv[torch.randperm(len(yv), generator=torch.Generator().manual_seed(0))]
    saved: list[int] = []
    best, snaps = BestCheckpoint(save=lambda _m, row: saved.append(row["epoch"])), Snapshots()
    spec = TrainSpec(epochs=4, batch_size=32, schedule="none", lr=3e-3)
    trainer = Trainer(fresh_model(ds), spec, [snaps, best])
    trainer.fit(x, y, xv, y_val_shuffled)  # val labels are noise: val loss gets worse with training
    losses = [r["val_loss"] for r in trainer.history]
    best_epoch = losses.index(min(losses)) + 1
    assert best_epoch < len(losses), "test needs a best epoch before the last"
    assert trainer.best_epoch == best.best_epoch == best_epoch
    assert saved[-1] == best_epoch
    final = trainer.model.state_dict()
    assert same_weights(final, snaps.states[best_epoch - 1])
    assert not same_weights(final, snaps.states[-1])


def test_cancel_stops_within_the_epoch(digits) -> None:
    counter = CountBatches()
    cancel = Cancel(lambda: counter.n >= 3, every_s=0)
    spec = TrainSpec(epochs=5, batch_size=16)
    trainer = fit(digits, spec, [counter, cancel])
    n_batches = N_TRAIN // 16
    assert trainer.stop_reason == "cancelled"
    assert counter.n == 3 < n_batches
    assert trainer.history == []  # the cut-short epoch is not recorded


def test_cancel_mid_epoch_keeps_the_last_full_epoch_as_best(digits) -> None:
    counter, snaps, saved = CountBatches(), Snapshots(), []
    best = BestCheckpoint(save=lambda _m, row: saved.append(row["epoch"]))
    spec = TrainSpec(epochs=5, batch_size=32, schedule="none", lr=1e-3)
    per_epoch = N_TRAIN // 32
    cancel = Cancel(lambda: counter.n >= 2 * per_epoch + 2, every_s=0)  # 2 batches into epoch 3
    trainer = fit(digits, spec, [counter, snaps, best, cancel])
    assert len(trainer.history) == 2 and trainer.stop_reason == "cancelled"
    assert [r["epoch"] for r in trainer.history] == [1, 2]  # whole epochs only
    assert saved == [1, 2] and trainer.best_epoch == 2
    assert same_weights(trainer.model.state_dict(), snaps.states[1])


# ---------------------------------------------------------------- optimizers and schedules


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_and_schedule_trains(digits, optimizer: str, schedule: str) -> None:
    lr = 0.05 if optimizer == "sgd" else 3e-3
    spec = TrainSpec(epochs=2, batch_size=32, optimizer=optimizer, schedule=schedule, lr=lr)
    trainer = fit(digits, spec, val=False)
    first, last = trainer.history
    assert last["train_loss"] < first["train_loss"]
    if schedule == "none":
        assert last["lr"] == pytest.approx(lr)
    elif schedule == "cosine":
        assert last["lr"] < lr / 100  # annealed to (almost) nothing
    else:  # one-cycle: warms up to lr, then anneals far below its starting lr / 25
        assert last["lr"] < lr / 25


def test_optimizer_choice_changes_the_result(digits) -> None:
    a = fit(digits, TrainSpec(epochs=1, optimizer="adam", weight_decay=0.1), val=False)
    b = fit(digits, TrainSpec(epochs=1, optimizer="adamw", weight_decay=0.1), val=False)
    assert not same_weights(a.model.state_dict(), b.model.state_dict())


# ---------------------------------------------------------------- augmentation

AUGMENTS = {
    "hflip": AugmentSpec(hflip=True),
    "rotation": AugmentSpec(rotation=25),
    "shift": AugmentSpec(shift=0.15),
    "color_jitter": AugmentSpec(color_jitter=0.5),
    "noise": AugmentSpec(noise=0.1),
    "all": AugmentSpec(hflip=True, rotation=15, shift=0.1, color_jitter=0.3, noise=0.05),
}


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", list(AUGMENTS))
def test_augmentation_keeps_shape_and_range_and_varies_per_sample(name: str, channels: int):
    torch.manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    image = ((xx < 6) & (yy > 3)).float() * 0.7 + 0.15  # an asymmetric block, not at the edges
    image = image.expand(channels, -1, -1) * torch.linspace(0.6, 1, channels)[:, None, None]
    x = image.expand(16, -1, -1, -1).contiguous()  # 16 identical images
    out = augment_batch(x, build_augment(AUGMENTS[name], channels))
    assert out.shape == x.shape and out.dtype == torch.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    changed = [not torch.allclose(o, x[0]) for o in out]
    assert any(changed), "augmentation left every image unchanged"
    distinct = {tuple(o.flatten().round(decimals=4).tolist()) for o in out}
    assert len(distinct) > 1, "every image got the same transform"


def test_augmentation_off_is_no_op() -> None:
    assert build_augment(AugmentSpec(), 3) is None
    x = torch.rand(4, 3, 8, 8)
    assert augment_batch(x, None) is x


def test_trainer_applies_augmentation_only_to_training_batches(digits) -> None:
    seen: list[torch.Tensor] = []

    def spy(xb: torch.Tensor) -> torch.Tensor:
        seen.append(xb)
        return augment_batch(xb, build_augment(AugmentSpec(noise=0.2), 1))

    x, y, xv, yv, ds = digits
    spec = TrainSpec(epochs=1, batch_size=64)
    augmented = Trainer(fresh_model(ds), spec, augment=spy)
    augmented.fit(x, y, xv, yv)
    assert len(seen) == N_TRAIN // 64, "augmentation ran on something besides training batches"
    assert all(b.shape == (64, 1, 28, 28) for b in seen)
    plain = fit(digits, spec)
    assert augmented.history[0]["train_loss"] != plain.history[0]["train_loss"]


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("epochs", 0, "epochs"),
        ("epochs", 1001, "epochs"),
        ("lr", -1, "learning rate"),
        ("lr", 0, "learning rate"),
        ("batch_size", 0, "batch size"),
        ("weight_decay", -0.1, "weight decay"),
        ("optimizer", "rmsprop", "optimizer"),
        ("schedule", "step", "schedule"),
        ("patience", -1, "patience"),
    ],
)
def test_bad_training_settings_are_refused(field: str, value, words: str) -> None:
    with pytest.raises(LabInputError, match=words):
        TrainSpec(**{field: value}).validate()
    with pytest.raises(LabInputError, match=words):
        make_config("digits", **{field: value})
    with pytest.raises(LabInputError, match=words):
        RunConfig.from_dict({"train": {field: value}})


def test_run_config_survives_a_json_round_trip() -> None:
    config = make_config(
        "shapes",
        model="cnn",
        epochs=7,
        seed=11,
        model_options={"blocks": 2, "dropout": 0.1},
        data_options={"n_per_class": 50},
        lr=1e-3,
        optimizer="sgd",
        schedule="cosine",
        augment={"hflip": True, "rotation": 10.0},
    )
    config.name = "round trip"
    again = RunConfig.from_dict(json.loads(config.to_json()))
    assert again == config
    assert again.train.augment.enabled and again.model.options == {"blocks": 2, "dropout": 0.1}


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"colour": "red"}, "config"),
        ({"train": {"epochz": 3}}, "train"),
        ({"train": {"augment": {"flip": True}}}, "train.augment"),
        ({"data": {"path": "x"}}, "data"),
        ({"model": {"kind": "cnn"}}, "model"),
    ],
)
def test_run_config_refuses_unknown_fields(patch: dict, where: str) -> None:
    with pytest.raises(LabInputError, match=f"unknown field.*in {where}"):
        RunConfig.from_dict(patch)


def test_make_config_refuses_unknown_training_options() -> None:
    with pytest.raises(LabInputError, match="epochz"):
        make_config("digits", epochz=3)


def test_unreadable_config_file_is_a_user_error(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(LabInputError, match="cannot read config"):
        RunConfig.load(path)
