"""What the Explain page shows for a run: overlays per image and method, plus probabilities."""

import torch

from lepton_core.data.preview import to_uint8
from lepton_core.explain import attribute, to_heatmap
from lepton_core.explain.render import overlay


def explain_test_images(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    indices: list[int],
    methods: list[str],
    target: str = "predicted",
) -> list[dict]:
    """One dict per test image: image, true/predicted class, probabilities, overlay per method."""
    images = x[indices]
    with torch.no_grad():
        probs = torch.softmax(model(images), dim=1)
    predicted = probs.argmax(dim=1)
    targets = predicted if target == "predicted" else y[indices]
    rows = [
        {
            "index": i,
            "image": to_uint8(images[k]),
            "true": int(y[i]),
            "predicted": int(predicted[k]),
            "target": int(targets[k]),
            "probs": probs[k].numpy(),
            "overlays": {},
        }
        for k, i in enumerate(indices)
    ]
    for method in methods:
        attr = attribute(model, images, method, targets)
        for k, row in enumerate(rows):
            row["overlays"][method] = overlay(images[k].numpy(), to_heatmap(attr[k]))
    return rows
