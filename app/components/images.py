"""Image grids with st.image: small images upscaled with nearest neighbour so pixels stay sharp."""

import numpy as np
import streamlit as st


def upscale(img: np.ndarray, size: int = 112) -> np.ndarray:
    """Nearest-neighbour upscale of an (H, W[, 3]) uint8 image to about `size` px wide."""
    factor = max(1, size // max(img.shape[:2]))
    return img.repeat(factor, axis=0).repeat(factor, axis=1)


def image_row(images: list[np.ndarray], captions: list[str] | None = None, size: int = 96) -> None:
    """One row of images in columns."""
    cols = st.columns(max(len(images), 1))
    for k, (col, img) in enumerate(zip(cols, images, strict=False)):
        big = upscale(img, size)
        col.image(
            big, caption=captions[k] if captions else None, width=big.shape[1], output_format="PNG"
        )


def png_data_uri(img: np.ndarray) -> str:
    """An (H, W[, 3]) uint8 image as a PNG data URI (for plotly layout images)."""
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
