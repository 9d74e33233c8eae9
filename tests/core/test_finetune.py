"""Fine-tuning: start from a run or a safetensors file, re-initialise the head, freeze the rest."""

import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from lepton_core.api import make_config, train
from lepton_core.config import RunConfig, TrainSpec
from lepton_core.data.uploads import save_upload_weights
from lepton_core.errors import LabInputError
from lepton_core.finetune import initialise
from lepton_core.finetune_compare import comparison, find_scratch_twin
from lepton_core.models import build_lab_model, list_models, model_for
from lepton_core.runs import RunStore
from tests.data.make_finetune_zip import make_finetune_zip
from tests.lepton_cli import run_lepton

# A light cnn: 5 epochs on digits reach ~94% test accuracy in a few seconds.
CNN = {"channels": 8, "convs_per_block": 1}
# The glyphs upload: 40 images per class, 35% held out as test so accuracy moves in steps of 2%.
GLYPHS = {"test": 0.35}
HEAD = "net.15."  # the light cnn's output layer: Linear(32, classes)
FINETUNE = dict(epochs=5, batch_size=16, lr=1e-2, model_options=CNN, data_options=GLYPHS)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One LEPTON_HOME for the module (run ids are looked up there)."""
    folder = tmp_path_factory.mktemp("finetune_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def digits_run(home):
    """The run every fine-tune starts from: the light cnn, 5 epochs on digits."""
    run = train("digits", model="cnn", epochs=5, model_options=CNN)
    assert run.status == "done", run.record.error
    assert run.metrics["test_accuracy"] > 0.85
    return run


@pytest.fixture(scope="module")
def glyphs(home) -> Path:
    """The 3-class upload: mirrored 2, 3 and 7 (classes a digits model never saw)."""
    return make_finetune_zip(home / "glyphs.zip", per_class=40)


def digits_model(options: dict = CNN, shape=(1, 28, 28), classes=None):
    classes = classes or [str(i) for i in range(10)]
    return build_lab_model("cnn", options, shape, classes, [0.1] * shape[0], [0.3] * shape[0])


def test_finetuned_glyphs_beat_from_scratch_in_the_same_epochs(digits_run, glyphs) -> None:
    tuned, scratch = [], []
    for seed in (0, 1, 2):
        t = train(glyphs, model="cnn", seed=seed, init_from=digits_run.id, **FINETUNE)
        s = train(glyphs, model="cnn", seed=seed, **FINETUNE)
        assert t.status == s.status == "done", (t.record.error, s.record.error)
        assert t.record.epochs_completed == s.record.epochs_completed == 5
        tuned.append(t.metrics["test_accuracy"])
        scratch.append(s.metrics["test_accuracy"])
        assert find_scratch_twin(t.store, t.id) == s.id  # Evaluate's side-by-side finds it
    assert sum(tuned) / 3 > sum(scratch) / 3 + 0.05, (tuned, scratch)
    assert sum(a > b for a, b in zip(tuned, scratch, strict=True)) >= 2, (tuned, scratch)
    rows = comparison(t.store, t.id)
    assert [r["label"] for r in rows] == ["fine-tuned", "from scratch"]
    assert rows[0]["init"]["tensors_reinitialised"] == [f"{HEAD}weight", f"{HEAD}bias"]
    assert comparison(s.store, s.id) == []  # a run from random weights has nothing to compare


def test_init_from_a_run_with_the_same_classes_copies_every_tensor(digits_run) -> None:
    model = digits_model()
    init = initialise(model, TrainSpec(init_from=digits_run.id), RunStore())
    source = load_file(str(digits_run.folder / "checkpoint.safetensors"))
    net = [k for k in source if k.startswith("net.")]
    assert init["tensors_copied"] == len(net) and init["tensors_reinitialised"] == []
    state = model.state_dict()
    assert all(torch.equal(state[k], source[k]) for k in net)
    assert torch.equal(state["normalize.mean"], torch.tensor([0.1]).view(1, 1, 1, 1))  # own data
    assert init["frozen_parameters"] == 0


def test_frozen_backbone_stays_bit_identical_through_training(digits_run, glyphs) -> None:
    run = train(glyphs, model="cnn", init_from=digits_run.id, freeze_backbone=True,
                **FINETUNE | {"epochs": 2, "lr": 3e-2})  # fmt: skip
    assert run.status == "done", run.record.error
    before = load_file(str(digits_run.folder / "checkpoint.safetensors"))
    after = load_file(str(run.folder / "checkpoint.safetensors"))
    head = (f"{HEAD}weight", f"{HEAD}bias")
    backbone = [k for k in before if k.startswith("net.") and k not in head]
    assert any("running_mean" in k for k in backbone)  # batch-norm statistics count too
    assert all(torch.equal(before[k], after[k]) for k in backbone)
    torch.manual_seed(run.config.train.seed)  # the job's head, as initialised before training
    fresh = model_for("cnn", CNN, run.dataset).state_dict()
    assert not torch.equal(fresh[f"{HEAD}weight"], after[f"{HEAD}weight"])  # the head trained
    init = json.loads((run.folder / "init.json").read_text())
    assert init["frozen_backbone"] and init["trainable_parameters"] == 32 * 3 + 3
    assert init["source"] == f"run {digits_run.id}"
    assert run.config.train.freeze_backbone and run.config.train.init_from == digits_run.id


def test_weights_that_do_not_fit_are_refused_naming_the_tensors(tmp_path, digits_run) -> None:
    wider = digits_model({"channels": 16, "convs_per_block": 1}).state_dict()
    path = tmp_path / "wider.safetensors"
    save_file(wider, str(path))
    with pytest.raises(LabInputError, match=r"net\.0\.weight is 16×1×3×3 there but 8×1×3×3 here"):
        initialise(digits_model(), TrainSpec(init_from=str(path)), RunStore())
    rgb = digits_model(shape=(3, 28, 28))
    with pytest.raises(LabInputError, match="3 × 28 × 28: fine-tuning needs the same input shape"):
        initialise(rgb, TrainSpec(init_from=digits_run.id), RunStore())
    with pytest.raises(LabInputError, match="no run with id 'nope'"):
        make_config("digits", model="cnn", init_from="nope")
    with pytest.raises(LabInputError, match="needs trained weights"):
        make_config("digits", model="cnn", freeze_backbone=True)


class _Payload:
    def __reduce__(self):
        return (os.mkdir, (os.environ["LEPTON_HOME"] + "/unpickled",))


def test_a_pickle_is_never_loaded(home, tmp_path) -> None:
    data = pickle.dumps({"net.0.weight": _Payload()})
    with pytest.raises(LabInputError, match="not in safetensors format"):
        save_upload_weights(data)
    disguised = tmp_path / "weights.safetensors"
    disguised.write_bytes(data)
    with pytest.raises(LabInputError, match="not a readable safetensors file"):
        initialise(digits_model(), TrainSpec(init_from=str(disguised)), RunStore())
    torch.save({"w": torch.zeros(2)}, tmp_path / "model.pt")
    with pytest.raises(LabInputError, match="never loaded"):
        make_config("digits", model="cnn", init_from=str(tmp_path / "model.pt"))
    assert not (home / "unpickled").exists()


def test_a_torchvision_state_dict_starts_a_gray_transfer_model(home, tmp_path) -> None:
    from torchvision.models import mobilenet_v3_small

    torch.manual_seed(0)
    imagenet = mobilenet_v3_small(weights=None).state_dict()  # 3 channels, 1000 classes
    path = save_upload_weights(_safetensors_bytes(imagenet, tmp_path))
    assert path.suffix == ".safetensors" and path.parent.name == "uploads"
    model = build_lab_model("mobilenet_v3_small", {}, (1, 28, 28), ["a", "b", "c"], [0.5], [0.2])
    init = initialise(model, TrainSpec(init_from=str(path), freeze_backbone=True), RunStore())
    stem = "features.0.0.weight"
    assert init["tensors_adapted"] == [f"net.{stem}"]  # RGB filters summed for gray input
    assert torch.equal(model.net.state_dict()[stem], imagenet[stem].sum(1, keepdim=True))
    assert init["tensors_reinitialised"] == ["net.classifier.3.weight", "net.classifier.3.bias"]
    assert init["tensors_copied"] == len(imagenet) - 3
    assert init["trainable_parameters"] == 1024 * 3 + 3
    with pytest.raises(
        LabInputError, match="another architecture, not cnn: none of its 244 tensor names"
    ):
        initialise(digits_model(), TrainSpec(init_from=str(path)), RunStore())


def _safetensors_bytes(state: dict, folder: Path) -> bytes:
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "w.safetensors"))
    return (folder / "w.safetensors").read_bytes()


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small"])
def test_transfer_models_keep_torchvision_names_and_shapes(name: str) -> None:
    import torchvision.models

    assert name in list_models("image-classification")
    ours = build_lab_model(name, {}, (3, 32, 32), ["a", "b"], [0.5] * 3, [0.2] * 3).net
    theirs = getattr(torchvision.models, name)(weights=None, num_classes=2)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert all(ours_state[k].shape == theirs_state[k].shape for k in ours_state)
    stem = next(m for m in ours.modules() if isinstance(m, torch.nn.Conv2d))
    assert stem.stride == (1, 1)  # small images keep their resolution through the stem


def test_cli_refuses_an_unknown_run_before_storing_anything(home, digits_run) -> None:
    before = len(RunStore().list_runs())
    result = run_lepton(home, "train", "--data", "digits", "--init-from", "nope", "--json")
    assert result.code == 2 and "no run with id 'nope'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert len(RunStore().list_runs()) == before


def test_train_spec_round_trips_and_outlives_its_source(digits_run) -> None:
    config = make_config("digits", model="cnn", init_from=digits_run.id, freeze_backbone=True)
    again = RunConfig.from_dict(json.loads(config.to_json()))
    assert again == config
    gone = config.to_dict()
    gone["train"]["init_from"] = "20200101-000000-000000"  # a source deleted since
    assert RunConfig.from_dict(gone).train.init_from == "20200101-000000-000000"
    twin = config.scratch_twin()
    assert twin.train.init_from == "" and not twin.train.freeze_backbone
    assert twin.train.epochs == config.train.epochs and twin.data == config.data
