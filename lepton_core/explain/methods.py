"""Attribution methods for image classifiers, one small class per captum algorithm.

Each `attribute` takes a prepared batch (B, C, H, W) without grad, on the model's device, and a
LongTensor target (B,); `lepton_core.explain.attribute` does that preparation. The result has
exactly the inputs' shape.
"""

from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, Occlusion, Saliency
from torch import Tensor, nn

from lepton_core.registry import Registry


class ExplainMethod:
    """One attribution method: its names, what its map means, and how to compute it."""

    name: str
    label: str
    description: str
    tasks: tuple[str, ...] = ("image-classification",)
    needs: str = ""  # what a model must have when `supports` can say no

    def supports(self, model: nn.Module) -> bool:
        """Whether this method can explain `model`."""
        return True

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Attributions shaped like `inputs`."""
        raise NotImplementedError


EXPLAIN_METHODS: Registry[ExplainMethod] = Registry("explanation method")


def _register(cls: type[ExplainMethod]) -> type[ExplainMethod]:
    EXPLAIN_METHODS.register(cls.name)(cls())
    return cls


def _conv_layers(model: nn.Module) -> list[nn.Conv2d]:
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


@_register
class SaliencyMethod(ExplainMethod):
    name = "saliency"
    label = "Saliency"
    description = (
        "How strongly a tiny change to each pixel would change the score of the chosen class."
    )

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor | int) -> Tensor:
        """Absolute input gradients of the target logit."""
        x = inputs.clone().requires_grad_()  # a private copy; captum warns if grad is off
        return Saliency(model).attribute(x, target=target, abs=True)


@_register
class IntegratedGradientsMethod(ExplainMethod):
    name = "integrated-gradients"
    label = "Integrated Gradients"
    description = (
        "How much each pixel adds to (red) or takes away from (blue) the chosen class's score, "
        "compared with an all-black image."
    )
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
        """Only models with at least one Conv2d layer."""
        return bool(_conv_layers(model))

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
