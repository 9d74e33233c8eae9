"""Attribution methods for image classifiers, one small class per captum algorithm.

Each `attribute` takes a prepared batch (B, C, H, W) without grad, on the model's device, and a
LongTensor target (B,); `lepton_core.explain.attribute` does that preparation. The result has
exactly the inputs' shape.
"""

import torch
from captum.attr import (
    FeatureAblation,
    GradientShap,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)
from torch import Tensor, nn

from lepton_core.registry import Registry


class ExplainMethod:
    """One attribution method: its names, what its map means, and how to compute it."""

    name: str
    label: str
    description: str
    tasks: tuple[str, ...] = ("image-classification", "image-generation")
    needs: str = "an image model"  # what a model must have when `supports` can say no

    def supports(self, model: nn.Module) -> bool:
        """Whether this method can explain `model` (by the task recorded in its meta)."""
        return model_task(model) in self.tasks

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Attributions shaped like `inputs`."""
        raise NotImplementedError


EXPLAIN_METHODS: Registry[ExplainMethod] = Registry("explanation method")


def _register(cls: type[ExplainMethod]) -> type[ExplainMethod]:
    EXPLAIN_METHODS.register(cls.name)(cls())
    return cls


# image-generation: a VAE's encoder mean, explained per latent dimension (lepton_core.generate)
ALL_TASKS = (
    "image-classification",
    "tabular-classification",
    "tabular-regression",
    "forecasting",
    "image-generation",
)
TABLES_AND_SERIES = ALL_TASKS[1:4]
TABLES = ALL_TASKS[1:3]


def model_task(model: nn.Module) -> str:
    """The task a LabModel was built for; plain modules count as image classifiers."""
    return getattr(model, "meta", {}).get("task", "image-classification")


def _conv_layers(model: nn.Module) -> list[nn.Conv2d]:
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


@_register
class SaliencyMethod(ExplainMethod):
    name = "saliency"
    label = "Saliency"
    description = (
        "How strongly a tiny change to each input (pixel, feature or time step) would change "
        "the chosen output."
    )
    tasks = ALL_TASKS

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Absolute input gradients of the target logit."""
        x = inputs.clone().requires_grad_()  # a private copy; captum warns if grad is off
        return Saliency(model).attribute(x, target=target, abs=True)


@_register
class IntegratedGradientsMethod(ExplainMethod):
    name = "integrated-gradients"
    label = "Integrated Gradients"
    description = (
        "How much each input adds to (red) or takes away from (blue) the chosen output, "
        "compared with a neutral input: an all-black image, or the average row."
    )
    tasks = ALL_TASKS
    n_steps = 32
    internal_batch_size = 64  # images per forward pass along the path, whatever the batch

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Path-integrated gradients from a black (zero) baseline."""
        return IntegratedGradients(model).attribute(
            inputs,
            baselines=0.0,
            target=target,
            n_steps=self.n_steps,
            internal_batch_size=self.internal_batch_size,
        )


@_register
class GradCamMethod(ExplainMethod):
    name = "grad-cam"
    label = "Grad-CAM"
    description = (
        "Which regions the last convolutional layer found most important for the chosen class "
        "(coarse, then stretched to the image size)."
    )
    needs = "a convolutional model; this model has no conv layer"

    def supports(self, model: nn.Module) -> bool:
        """Only image models with at least one Conv2d layer."""
        return super().supports(model) and bool(_conv_layers(model))

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Grad-CAM on the last Conv2d, upsampled bilinearly and repeated over channels."""
        cam = LayerGradCam(model, _conv_layers(model)[-1]).attribute(
            inputs, target=target, relu_attributions=True
        )  # (B, 1, h, w)
        cam = LayerAttribution.interpolate(cam, inputs.shape[2:], interpolate_mode="bilinear")
        return cam.expand(-1, inputs.shape[1], -1, -1).contiguous()


@_register
class OcclusionMethod(ExplainMethod):
    name = "occlusion"
    label = "Occlusion"
    description = (
        "How much the chosen class's score drops when a small black square hides each part "
        "of the image."
    )
    images_per_eval = 256  # bounds one forward pass: perturbations × batch

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Score drop under a sliding black window about 1/7 of the image high."""
        channels, height = inputs.shape[1], inputs.shape[2]
        window = max(2, round(height / 7))
        stride = max(1, window // 2)
        return Occlusion(model).attribute(
            inputs,
            sliding_window_shapes=(channels, window, window),
            strides=(channels, stride, stride),
            baselines=0.0,
            target=target,
            perturbations_per_eval=max(1, self.images_per_eval // len(inputs)),
        )


@_register
class FeatureAblationMethod(ExplainMethod):
    name = "feature-ablation"
    label = "Feature Ablation"
    description = (
        "How much the chosen output changes when one input value (a feature, or one feature at "
        "one time step) is replaced by its average."
    )
    tasks = TABLES_AND_SERIES
    needs = "a table or a time series"
    values_per_eval = 2048  # bounds one forward pass: perturbations × batch

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Output change when each standardised value is set to 0 (the train mean)."""
        per_eval = max(1, self.values_per_eval // len(inputs))
        return FeatureAblation(model).attribute(
            inputs, baselines=0.0, target=target, perturbations_per_eval=per_eval
        )


@_register
class GradientShapMethod(ExplainMethod):
    name = "gradient-shap"
    label = "GradientSHAP"
    description = (
        "Expected gradient × (input − reference) over random reference rows: an approximation "
        "of SHAP values; the bars add up to the output's distance from the average."
    )
    tasks = TABLES
    needs = "a table"
    n_references, n_samples = 32, 32

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """SHAP values against standard-normal references (features are standardised)."""
        gen = torch.Generator().manual_seed(0)
        refs = torch.randn(self.n_references, *inputs.shape[1:], generator=gen).to(inputs)
        torch.manual_seed(0)  # captum draws its own noise and path points from torch's RNG
        return GradientShap(model).attribute(
            inputs, baselines=refs, target=target, n_samples=self.n_samples, stdevs=0.0
        )
