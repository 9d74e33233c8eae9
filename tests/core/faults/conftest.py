"""Shared by the fault tests: a home with one earlier finished run whose files must stay intact."""

import pytest

from lepton_core.api import make_config, train
from lepton_core.data import load_dataset
from lepton_core.runs import RunStore
from tests.data.corpus import file_hashes


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A home with one earlier finished run (and its files' hashes) plus the digits data."""
    home = tmp_path_factory.mktemp("faults") / "lepton_home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        store = RunStore(home)
        earlier = train("digits", model="seed-cnn", epochs=1, store=store).id
        yield store, earlier, file_hashes(store.folder(earlier)), load_dataset("digits")


@pytest.fixture
def store(lab):
    """The shared store; after the test, the earlier run and its files are as they were."""
    store, earlier, before, _ = lab
    yield store
    assert store.get(earlier).status == "done"
    assert file_hashes(store.folder(earlier)) == before


def new_run(store: RunStore, epochs: int, **options) -> str:
    """A queued seed-cnn run on digits."""
    return store.create_run(make_config("digits", model="seed-cnn", epochs=epochs, **options))
