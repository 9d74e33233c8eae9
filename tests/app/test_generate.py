"""AppTest of the Generate page: every section of a real (tiny) VAE run, 2-D and 8-D latents."""

import base64
import json
import re

import numpy as np
import pytest
import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetState

from lepton_core.api import train
from lepton_core.runs import RunStore
from tests.app.conftest import open_page, texts

MAP_KEY = "gen-map"


@pytest.fixture(scope="module")
def vae_home(tmp_path_factory):
    """One LEPTON_HOME for the module, with a 2-D and an 8-D VAE trained on digits."""
    home = tmp_path_factory.mktemp("gen") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEPTON_HOME", str(home))
        st.cache_resource.clear()
        store = RunStore(home)
        runs = {
            d: train("digits", model="vae", epochs=2, model_options={"latent_dim": d}, store=store)
            for d in (2, 8)
        }
        yield runs
        st.cache_resource.clear()


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def _image(at, caption: str | re.Pattern) -> str:
    """The URL (a hash of the pixels) of the one image whose caption matches."""
    found = [
        url
        for img in at.get("image")
        for url, cap in zip(img.value, img.captions, strict=True)
        if (caption.fullmatch(cap) if isinstance(caption, re.Pattern) else cap == caption)
    ]
    assert len(found) == 1, (caption, [c for img in at.get("image") for c in img.captions])
    return found[0]


def _captions(at, pattern: str) -> list[str]:
    return [c for img in at.get("image") for c in img.captions if re.fullmatch(pattern, c)]


def _map(at) -> dict:
    """The latent map's figure, with plotly's base64 arrays decoded."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(MAP_KEY))
    fig = json.loads(chart.proto.spec)
    for trace in fig["data"]:
        for k in ("x", "y"):
            v = trace[k]
            if isinstance(v, dict):  # {"dtype": "f4", "bdata": ...}
                v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
            trace[k] = np.asarray(v, dtype=float)
    return fig


def _click_dot(at, index: int):
    """Click test image `index` on the map: send the selection state the browser sends.

    AppTest has no plotly click, so this adds the chart's widget state to the others by hand.
    """
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(MAP_KEY))
    fig = _map(at)
    curve = next(k for k, t in enumerate(fig["data"]) if index in (t.get("customdata") or []))
    pos = fig["data"][curve]["customdata"].index(index)
    x, y = float(fig["data"][curve]["x"][pos]), float(fig["data"][curve]["y"][pos])
    point = {"curve_number": curve, "point_number": pos, "point_index": pos, "x": x, "y": y,
             "customdata": index}  # fmt: skip
    selection = {"points": [point], "point_indices": [pos], "box": [], "lasso": []}
    states = at._tree.get_widget_states()
    states.widgets.append(
        WidgetState(id=chart.proto.id, string_value=json.dumps({"selection": selection}))
    )
    at._run(states)
    assert not at.exception, at.exception
    return x, y


def test_without_a_vae_run_the_page_says_what_to_do(home):
    at = open_page("pages/generate.py")
    assert "No VAE run yet" in "\n".join(e.value for e in at.info)
    assert not at.get("plotly_chart")


def test_scores_and_reconstructions_come_from_the_run(vae_home):
    run = vae_home[2]
    m = run.metrics
    at = open_page("pages/generate.py", run.id)
    cards = {c.label: c for c in at.metric}
    assert cards["Squared error / image"].value == f"{m['test_recon_sse']:.2f}"
    assert cards["Mean image's error"].value == f"{m['baseline_recon_sse']:.2f}"
    ratio = m["test_recon_sse"] / m["baseline_recon_sse"]
    assert cards["Mean image's error"].delta == f"VAE: {ratio:.2f}×"
    assert cards["ELBO (nats / image)"].value == f"{m['test_elbo']:.1f}"
    assert cards["KL (nats / image)"].value == f"{m['test_kl']:.2f}"
    assert cards["Latent 5-NN accuracy"].value == f"{m['latent_knn_accuracy']:.1%}"
    assert "784 pixel values" in texts(at)

    # one input per digit class above its reconstruction; the page's errors match evaluation.json
    ev = run.evaluation()
    inputs = _captions(at, r"#\d+ · \d")
    assert sorted(c[-1] for c in inputs) == list("0123456789")
    errors = [float(c.split()[1]) for c in _captions(at, r"error \d+\.\d")]
    assert len(errors) == 10
    for cap, err in zip(inputs, errors, strict=True):
        assert err == pytest.approx(ev["recon_sse"][int(cap[1:].split()[0])], abs=0.06)


def test_resample_draws_new_images_with_a_new_seed(vae_home):
    at = open_page("pages/generate.py", vae_home[2].id)
    first = _image(at, "16 samples · seed 0")
    _by_label(at.button, "Resample").click().run()
    assert not at.exception, at.exception
    seed = at.number_input(key="gen-seed").value
    assert seed != 0
    assert _image(at, f"16 samples · seed {seed}") != first
    at.number_input(key="gen-seed").set_value(0).run()
    assert _image(at, "16 samples · seed 0") == first  # same seed, same images


def test_2d_map_shows_the_test_codes_and_the_sliders_move_the_decoded_point(vae_home):
    run = vae_home[2]
    at = open_page("pages/generate.py", run.id)
    fig = _map(at)
    dots = [t for t in fig["data"] if t["name"] != "decoded point"]
    assert [t["name"] for t in dots] == [str(k) for k in range(10)]  # coloured by class
    codes = np.array(run.evaluation()["latent"])  # a 2-D latent is drawn as it is
    for t in dots:
        got = np.stack([t["x"], t["y"]], 1)
        np.testing.assert_allclose(got, codes[t["customdata"]], atol=1e-3)
    assert "shows its latent space exactly" in texts(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == "z1"

    origin = _image(at, "decoded at (+0.0, +0.0)")
    _by_label(at.slider, "z1").set_value(1.5).run()
    _by_label(at.slider, "z2").set_value(-1.0).run()
    assert not at.exception, at.exception
    assert _image(at, "decoded at (+1.5, -1.0)") != origin
    marker = next(t for t in _map(at)["data"] if t["name"] == "decoded point")
    assert (marker["x"][0], marker["y"][0]) == (1.5, -1.0)

    x, y = _click_dot(at, 7)
    label = f"{run.evaluation()['y_true'][7]}"
    assert _image(at, f"clicked: test image #7 · {label}")
    assert _by_label(at.slider, "z1").value == pytest.approx(round(x, 1))
    assert _by_label(at.slider, "z2").value == pytest.approx(round(y, 1))


def test_8d_map_is_a_pca_projection(vae_home):
    run = vae_home[8]
    at = open_page("pages/generate.py", run.id)
    codes = np.array(run.evaluation()["latent"])
    s = np.linalg.svd(codes - codes.mean(0), compute_uv=False) ** 2
    e1, e2 = s[:2] / s.sum()
    fig = _map(at)
    assert fig["layout"]["xaxis"]["title"]["text"] == f"PC 1 ({e1:.0%} of variance)"
    assert fig["layout"]["yaxis"]["title"]["text"] == f"PC 2 ({e2:.0%} of variance)"
    assert "8 numbers" in texts(at) and "(PCA)" in texts(at)
    assert sum(len(t["x"]) for t in fig["data"] if t["name"] != "decoded point") == len(codes)
    origin = _image(at, "decoded at (+0.0, +0.0)")
    _by_label(at.slider, "PC 1").set_value(-1.0).run()
    assert not at.exception, at.exception
    assert _image(at, "decoded at (-1.0, +0.0)") != origin


def test_interpolation_follows_the_chosen_images_and_steps(vae_home):
    at = open_page("pages/generate.py", vae_home[2].id)
    assert len(_captions(at, r"\d+%")) == 8  # 10 steps: two ends and 8 between
    y = vae_home[2].evaluation()["y_true"]
    _by_label(at.number_input, "From test image #").set_value(3).run()
    _by_label(at.number_input, "To test image #").set_value(4).run()
    _by_label(at.slider, "Steps").set_value(8).run()
    assert not at.exception, at.exception
    assert len(_captions(at, r"\d+%")) == 6
    start, end = _image(at, f"from #3 · {y[3]}"), _image(at, f"to #4 · {y[4]}")
    assert start != end


def test_traversal_sweeps_the_chosen_dimension(vae_home):
    at = open_page("pages/generate.py", vae_home[2].id)
    assert len(_captions(at, r"z1 = [+-]\d\.\d\d")) == 9
    _by_label(at.selectbox, "Latent dimension").select(1).run()
    assert not at.exception, at.exception
    row = _captions(at, r"z2 = [+-]\d\.\d\d")
    assert row[0] == "z2 = -3.00" and row[-1] == "z2 = +3.00" and len(row) == 9
    assert _image(at, "z2 = -3.00") != _image(at, "z2 = +3.00")
    assert "has z2 = " in texts(at)


def test_explanation_of_a_latent_dimension_for_each_method(vae_home):
    at = open_page("pages/generate.py", vae_home[8].id)
    assert _image(at, "Integrated Gradients for z1")
    assert "Red pixels push z1 up" in texts(at)
    at.selectbox(key=f"gen-{vae_home[8].id}-expl-dim").select(4).run()
    for method, label, key in (
        ("saliency", "Saliency", "Bright (yellow) pixels change z5"),
        ("grad-cam", "Grad-CAM", "Bright (yellow) pixels change z5"),
        ("occlusion", "Occlusion", "Red pixels push z5 up"),
    ):
        at.selectbox(key="gen-method").select(method).run()
        assert not at.exception, (method, at.exception)
        assert _image(at, f"{label} for z5") and _image(at, "map alone")
        assert _image(at, re.compile(r"input #\d+ · \d"))
        assert key in texts(at)


def test_thumbnails_draw_test_images_at_their_codes(vae_home):
    run = vae_home[2]
    at = open_page("pages/generate.py", run.id)
    assert not _map(at)["layout"].get("images")
    at.toggle(key=f"gen-{run.id}-thumbs").set_value(True).run()
    assert not at.exception, at.exception
    images = _map(at)["layout"]["images"]
    y = np.array(run.evaluation()["y_true"])
    assert len(images) == sum(min(6, int((y == k).sum())) for k in range(10))
    codes = np.array(run.evaluation()["latent"])
    first = images[0]
    assert first["source"].startswith("data:image/png;base64,")
    assert any(np.allclose([first["x"], first["y"]], c, atol=1e-3) for c in codes)
