"""What the Generate page shows for a VAE run: scores, reconstructions, samples, the latent map
with a point to decode, interpolation, traversal, and which pixels drive a latent dimension.

Each interactive section is an st.fragment, so moving one of its widgets reruns only that section.
"""

import secrets
from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.components.images import image_row, upscale
from app.i18n import t
from lepton_core import generate
from lepton_core.data.preview import to_uint8
from lepton_core.explain import EXPLAIN_METHODS, list_methods, to_heatmap
from lepton_core.explain.render import colorize, overlay

SIGNED_METHODS = ("integrated-gradients", "occlusion")  # their maps say raise (red) or lower (blue)


@dataclass
class VaeView:
    """One VAE run as the page sees it: its model, test images and their latent codes."""

    run_id: str
    model: object  # the run's LabModel
    x: object  # test images (N, C, H, W) in [0, 1]
    y: np.ndarray  # test labels (N,)
    classes: list[str]
    codes: np.ndarray  # posterior means of the test images (N, latent_dim)

    @property
    def latent_dim(self) -> int:
        """Size of the latent space."""
        return self.codes.shape[1]

    def key(self, name: str) -> str:
        """A widget key of this run (ranges differ between runs)."""
        return f"gen-{self.run_id}-{name}"

    def label(self, i: int) -> str:
        """e.g. `#12 · 7`."""
        return f"#{i} · {self.classes[self.y[i]]}" if self.classes else f"#{i}"

    def first_of_each_class(self, limit: int = 10) -> list[int]:
        """The first test image of each class (the first `limit` images when unlabelled)."""
        if not self.classes:
            return list(range(min(limit, len(self.y))))
        firsts = [
            int(np.flatnonzero(self.y == k)[0])
            for k in range(len(self.classes))
            if (self.y == k).any()
        ]
        return firsts[:limit]


@st.cache_data(max_entries=8, show_spinner=False)
def _test_codes(run_id: str, finished: float, _model, _x) -> np.ndarray:
    return generate.encode(_model, _x).numpy()


def vae_view(run_id: str, finished: float, model, ds) -> VaeView:
    """The page's view of a run; the test codes are cached per (run id, finish time)."""
    x = ds.x["test"]
    codes = _test_codes(run_id, finished, model, x)
    return VaeView(run_id, model, x, ds.y["test"].numpy(), list(ds.classes or []), codes)


def _mosaic(images: list[np.ndarray], cols: int, pad: int = 2) -> np.ndarray:
    """Equal-sized uint8 images (H, W[, 3]) tiled `cols` per row, with white gaps."""
    h, w = images[0].shape[:2]
    rows = -(-len(images) // cols)
    out = np.full(
        (rows * (h + pad) - pad, cols * (w + pad) - pad, *images[0].shape[2:]), 255, dtype=np.uint8
    )
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return out


def score_cards(m: dict, ds) -> None:
    """Test scores beside the mean-image baseline, and what their scales mean."""
    if "test_recon_sse" not in m:
        st.info(t("generate_views.no_scores"))
        return
    sse, base = m["test_recon_sse"], m["baseline_recon_sse"]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(
        t("generate_views.sse"),
        f"{sse:.2f}",
        delta=f"{sse - base:+.2f}",
        delta_color="inverse",
        delta_description=t("generate_views.vs_mean"),
    )
    c2.metric(
        t("generate_views.mean_error"),
        f"{base:.2f}",
        delta=t("generate_views.ratio", ratio=sse / max(base, 1e-12)),
        delta_color="off",
        delta_arrow="off",
    )
    c3.metric(t("generate_views.elbo"), f"{m['test_elbo']:.1f}")
    c4.metric(t("generate_views.kl"), f"{m['test_kl']:.2f}")
    if "latent_knn_accuracy" in m:
        c5.metric(t("generate_views.knn"), f"{m['latent_knn_accuracy']:.1%}")
    n_pixels = int(np.prod(ds.input_shape))
    st.caption(t("generate_views.scores_caption", n_test=len(ds.y["test"]), n_pixels=n_pixels))


def reconstructions(view: VaeView) -> None:
    """Test images (one per class) above what the VAE redraws from their codes."""
    st.subheader(t("generate_views.rec.title"))
    st.caption(t("generate_views.rec.caption"))
    idx = view.first_of_each_class()
    x = view.x[idx]
    recon = generate.reconstruct(view.model, x)
    errors = (recon - x).pow(2).flatten(1).sum(1).tolist()
    image_row([to_uint8(i) for i in x], [view.label(i) for i in idx], size=84)
    image_row(
        [to_uint8(r) for r in recon],
        [t("generate_views.rec.error", error=e) for e in errors],
        size=84,
    )


def _resample(key: str) -> None:
    old = st.session_state.get(key, 0)
    st.session_state[key] = (old + 1 + secrets.randbelow(9_999)) % 10_000  # never the same seed


@st.fragment
def samples(view: VaeView) -> None:
    """Images decoded from random codes, seeded; Resample draws a new seed."""
    st.subheader(t("generate_views.samples.title"))
    st.caption(t("generate_views.samples.caption"))
    key = "gen-seed"
    c1, c2, _ = st.columns([1, 1, 4], vertical_alignment="bottom")
    st.session_state.setdefault(key, 0)
    seed = int(c1.number_input(t("generate_views.samples.seed"), 0, 9_999, key=key))
    c2.button(
        t("generate_views.samples.resample"),
        icon=":material/casino:",
        on_click=_resample,
        args=(key,),
    )
    n = 16
    images = [to_uint8(i) for i in generate.sample(view.model, n, seed)]
    mosaic = _mosaic(images, 8)
    big = upscale(mosaic, 3 * mosaic.shape[1])
    st.image(big, caption=t("generate_views.samples.image", n=n, seed=seed), width=big.shape[1])


def _index_input(view: VaeView, label: str, name: str, default: int, container=st) -> int:
    n = len(view.y)
    hint = t("generate_views.index_help", last=n - 1)
    return int(
        container.number_input(label, 0, n - 1, min(default, n - 1), key=view.key(name), help=hint)
    )


@st.fragment
def interpolation(view: VaeView) -> None:
    """Decoded points on the straight line between two test images' codes."""
    st.subheader(t("generate_views.interp.title"))
    st.caption(t("generate_views.interp.caption"))
    firsts = view.first_of_each_class()
    c1, c2, c3 = st.columns(3)
    i = _index_input(view, t("generate_views.interp.from_image"), "from", firsts[0], c1)
    j = _index_input(view, t("generate_views.interp.to_image"), "to", firsts[1 % len(firsts)], c2)
    steps = c3.slider(t("generate_views.interp.steps"), 8, 12, 10, key=view.key("steps"))
    row = generate.interpolate(view.model, view.x[i], view.x[j], steps)
    ts = np.linspace(0, 1, steps)
    captions = [
        t("generate_views.interp.from_caption", image=view.label(i)),
        *[f"{step:.0%}" for step in ts[1:-1]],
        t("generate_views.interp.to_caption", image=view.label(j)),
    ]
    image_row([to_uint8(r) for r in row], captions, size=84)


@st.fragment
def traversal(view: VaeView) -> None:
    """One latent dimension swept from -3 to 3 while the image's other dimensions are held."""
    st.subheader(t("generate_views.trav.title"))
    st.caption(t("generate_views.trav.caption"))
    c1, c2, _ = st.columns([1, 1, 2])
    dim = c1.selectbox(
        t("generate_views.latent_dim"),
        range(view.latent_dim),
        key=view.key("dim"),
        format_func=lambda k: f"z{k + 1}",
    )
    i = _index_input(
        view, t("generate_views.test_image"), "trav", view.first_of_each_class()[0], c2
    )
    values = np.linspace(-3, 3, 9)
    row = generate.traverse(view.model, view.x[i], dim, values)
    value = view.codes[i, dim]
    st.markdown(t("generate_views.trav.value", image=view.label(i), dim=dim + 1, value=value))
    image_row([to_uint8(r) for r in row], [f"z{dim + 1} = {v:+.2f}" for v in values], size=84)


@st.fragment
def latent_explanation(view: VaeView) -> None:
    """Which input pixels drive one latent dimension of the encoder, by a captum method."""
    st.subheader(t("generate_views.expl.title"))
    st.caption(t("generate_views.expl.caption"))
    methods = list_methods(view.model)
    c1, c2, c3 = st.columns(3)
    i = _index_input(
        view, t("generate_views.test_image"), "expl", view.first_of_each_class()[0], c1
    )
    dim = c2.selectbox(
        t("generate_views.latent_dim"),
        range(view.latent_dim),
        key=view.key("expl-dim"),
        format_func=lambda k: f"z{k + 1}",
    )
    method = c3.selectbox(
        t("generate_views.expl.method"),
        methods,
        key="gen-method",
        index=methods.index("integrated-gradients"),
        format_func=lambda n: EXPLAIN_METHODS.get(n).label,
    )
    attr = generate.explain_latent(view.model, view.x[i], dim, method)
    signed = method in SIGNED_METHODS
    heat = to_heatmap(attr, signed=signed)
    label = EXPLAIN_METHODS.get(method).label
    for_dim = t("generate_views.expl.method_for", method=label, dim=dim + 1)
    cols = st.columns([1, 1, 1, 3])
    for col, img, caption in (
        (cols[0], to_uint8(view.x[i]), t("generate_views.expl.input", image=view.label(i))),
        (cols[1], overlay(view.x[i].numpy(), heat, signed), for_dim),
        (cols[2], colorize(heat, signed), t("generate_views.expl.map_alone")),
    ):
        big = upscale(img, 140)
        col.image(big, caption=caption, width=big.shape[1])
    with cols[3]:
        st.markdown(t("generate_views.expl.value", dim=dim + 1, value=view.codes[i, dim]))
        st.caption(t(f"generate_views.expl.{'signed' if signed else 'unsigned'}", dim=dim + 1))
