"""Class activation maps: where a convolutional layer found evidence for the chosen output."""

from captum.attr import GuidedBackprop, LayerAttribution, LayerGradCam
from torch import Tensor, nn

from lepton_core.errors import LabInputError
from lepton_core.explain.methods import CONV_FAMILIES, ExplainMethod, Option, register
from lepton_core.explain.methods_gradient import (
    has_clean_activations,
    hooking_quietly,
    with_grad,
)

LAYER = Option(str, None, "the convolutional layer to read, by name (default: the last one)")


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names of the model's Conv2d layers, first to last: the values the `layer` option takes."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def conv_layer(model: nn.Module, name: str | None) -> nn.Module:
    """The Conv2d called `name` (None: the last one); any other name is refused, listing them."""
    names = conv_layer_names(model)
    if name is None:
        name = names[-1]
    elif name not in names:
        raise LabInputError(
            f"layer {name!r} is not a convolutional layer of this model; "
            f"choose one of: {', '.join(names)}"
        )
    return model.get_submodule(name)


def grad_cam(model: nn.Module, inputs: Tensor, target: Tensor, layer: str | None) -> Tensor:
    """Grad-CAM (B, 1, H, W) of one conv layer, ReLU'd, upsampled bilinearly to the input."""
    cam = LayerGradCam(model, conv_layer(model, layer)).attribute(
        inputs, target=target, relu_attributions=True
    )  # (B, 1, h, w): the layer's resolution (captum #392)
    return LayerAttribution.interpolate(cam, inputs.shape[2:], interpolate_mode="bilinear")


class CamMethod(ExplainMethod):
    """A method that reads a Conv2d layer of an image model."""

    families = CONV_FAMILIES
    needs = "a convolutional model of images (seed-cnn, cnn or vae)"
    options = {"layer": LAYER}

    def fits(self, model: nn.Module) -> bool:
        """At least one Conv2d layer."""
        return bool(conv_layer_names(model))


@register
class GradCamMethod(CamMethod):
    name = "grad-cam"
    label = "Grad-CAM"
    description = (
        "Which regions a convolutional layer (the last one unless you pick another) found most "
        "important for the chosen output: coarse, then stretched to the image size."
    )
    signed = False

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, layer: str | None
    ) -> Tensor:
        """Grad-CAM repeated over the input's channels."""
        cam = grad_cam(model, inputs, target, layer)
        return cam.expand(-1, inputs.shape[1], -1, -1).contiguous()


@register
class GuidedGradCamMethod(CamMethod):
    name = "guided-grad-cam"
    label = "Guided Grad-CAM"
    description = (
        "Guided backprop's sharp pixel detail kept only inside the regions Grad-CAM found "
        "important: fine-grained and specific to the chosen output."
    )
    signed = True
    needs = (
        "a convolutional model of images with separate, non-in-place activations "
        "(seed-cnn, cnn or vae)"
    )

    def fits(self, model: nn.Module) -> bool:
        """A Conv2d layer, and activations guided backprop can hook."""
        return super().fits(model) and has_clean_activations(model)

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, layer: str | None
    ) -> Tensor:
        """Guided backprop × Grad-CAM (captum's GuidedGradCam, without its silent empty result)."""
        with hooking_quietly():
            guided = GuidedBackprop(model).attribute(with_grad(inputs), target=target)
        return guided * grad_cam(model, inputs, target, layer)
