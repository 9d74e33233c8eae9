"""Gradient methods: how the chosen output responds to each input, read off backpropagation."""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from captum.attr import (
    DeepLift,
    GradientShap,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    NoiseTunnel,
    Saliency,
)
from torch import Tensor, nn

from lepton_core.explain.baselines import BASELINES, make_baseline
from lepton_core.explain.methods import (
    ALL_TASKS,
    RELU_FAMILIES,
    ExplainMethod,
    Option,
    is_image_batch,
    per_example,
    register,
)

PATH_ELEMENTS = 2**17  # values per forward pass along the path; bigger was slower here (CPU cache)


def baseline_option(choices: tuple[str, ...]) -> Option:
    """The `baseline` option, offering `choices` (described in `baselines.BASELINES`)."""
    described = "; ".join(f"{k}: {BASELINES[k]}" for k in choices)
    return Option(str, "black", f"what the input is compared with. {described}", choices=choices)


def with_grad(inputs: Tensor) -> Tensor:
    """A private copy that requires grad (captum warns when the inputs don't)."""
    return inputs.clone().requires_grad_()


@contextmanager
def hooking_quietly() -> Iterator[None]:
    """Silence captum's notice, on every call, that it hooks (and then unhooks) activations."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting (forward, )?backward hooks")
        yield


def has_clean_activations(model: nn.Module) -> bool:
    """True when no activation is in-place or registered twice, and there is no RNN module:
    DeepLift and guided backprop hook each activation module (captum #578, #1082)."""
    leaves = model.named_modules(remove_duplicate=False)
    seen = [id(m) for _, m in leaves if not list(m.children())]
    if len(seen) != len(set(seen)):
        return False
    return not any(
        getattr(m, "inplace", False) or isinstance(m, nn.RNNBase) for m in model.modules()
    )


@register
class SaliencyMethod(ExplainMethod):
    name = "saliency"
    label = "Saliency"
    description = (
        "How strongly a tiny change to each input (pixel, feature or time step) would change "
        "the chosen output."
    )
    signed = False
    tasks = ALL_TASKS

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor) -> Tensor:
        """Absolute input gradients of the target output."""
        return Saliency(model).attribute(with_grad(inputs), target=target, abs=True)


@register
class InputXGradientMethod(ExplainMethod):
    name = "input-x-gradient"
    label = "Input × Gradient"
    description = (
        "Each input's value times its gradient: a quick estimate of how much it pushes the "
        "chosen output up (red) or down (blue)."
    )
    signed = True
    tasks = ALL_TASKS

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor) -> Tensor:
        """Input times the gradient of the target output."""
        return InputXGradient(model).attribute(with_grad(inputs), target=target)


@register
class IntegratedGradientsMethod(ExplainMethod):
    name = "integrated-gradients"
    label = "Integrated Gradients"
    description = (
        "How much each input adds to (red) or takes away from (blue) the chosen output, "
        "compared with a neutral input such as an all-black image or the average row."
    )
    signed = True
    tasks = ALL_TASKS
    options = {
        "baseline": baseline_option(tuple(BASELINES)),
        "n_steps": Option(int, 50, "points along the path from baseline to input", bounds=(2, 512)),
    }

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, baseline: str, n_steps: int
    ) -> Tensor:
        """Path-integrated gradients from the baseline to the input."""
        per_pass = max(len(inputs), PATH_ELEMENTS // inputs[0].numel())
        return IntegratedGradients(model).attribute(
            inputs,
            baselines=make_baseline(baseline, model, inputs),
            target=target,
            n_steps=n_steps,
            internal_batch_size=per_pass,
        )


class NoiseTunnelMethod(ExplainMethod):
    """Saliency over noisy copies of each example (captum's NoiseTunnel), seeded."""

    nt_type: str  # "smoothgrad" or "vargrad"
    absolute: bool  # take |gradient| before combining the noisy copies
    signed = False
    tasks = ALL_TASKS
    options = {
        "n_samples": Option(int, 20, "noisy copies per example", bounds=(2, 200)),
        "noise_level": Option(
            float, 0.15, "noise std as a share of the example's value range", bounds=(0.01, 1.0)
        ),
    }

    def attribute(
        self, model: nn.Module, inputs: Tensor, target: Tensor, n_samples: int, noise_level: float
    ) -> Tensor:
        """NoiseTunnel(Saliency) per example, with noise scaled to that example's range."""
        tunnel = NoiseTunnel(Saliency(model))

        def one(x: Tensor, t: Tensor) -> Tensor:
            spread = float(x.max() - x.min()) or 1.0
            return tunnel.attribute(
                with_grad(x),
                nt_type=self.nt_type,
                nt_samples=n_samples,
                stdevs=noise_level * spread,
                target=t,
                abs=self.absolute,
            )

        return per_example(one, inputs, target)


@register
class SmoothGradMethod(NoiseTunnelMethod):
    name = "smoothgrad"
    label = "SmoothGrad"
    description = (
        "Saliency averaged over noisy copies of the input: a calmer, less speckled map of "
        "which inputs the chosen output is sensitive to."
    )
    nt_type, absolute = "smoothgrad", True


@register
class VarGradMethod(NoiseTunnelMethod):
    name = "vargrad"
    label = "VarGrad"
    description = (
        "How much the gradient of each input varies over noisy copies of the input: bright "
        "where the model's sensitivity is unstable."
    )
    nt_type, absolute = "vargrad", False


@register
class GradientShapMethod(ExplainMethod):
    name = "gradient-shap"
    label = "GradientSHAP"
    description = (
        "Expected gradient × (input − reference) over random references (black and noise "
        "images, or random rows): an approximation of SHAP values, which add up to the output "
        "minus the references' average output."
    )
    signed = True
    tasks = ALL_TASKS
    options = {"n_samples": Option(int, 32, "random reference points per example", bounds=(1, 512))}
    n_references = 16

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor, n_samples: int) -> Tensor:
        """SHAP values against half black, half uniform-noise images, or standard-normal rows."""
        gen = torch.Generator().manual_seed(0)
        shape, n = inputs.shape[1:], self.n_references
        if is_image_batch(inputs):
            refs = torch.cat(
                [torch.zeros(n // 2, *shape), torch.rand(n - n // 2, *shape, generator=gen)]
            )
        else:  # tables and series are standardised
            refs = torch.randn(n, *shape, generator=gen)
        refs, shap = refs.to(inputs), GradientShap(model)

        def one(x: Tensor, t: Tensor) -> Tensor:
            return shap.attribute(x, baselines=refs, target=t, n_samples=n_samples, stdevs=0.0)

        return per_example(one, inputs, target)


@register
class DeepLiftMethod(ExplainMethod):
    name = "deeplift"
    label = "DeepLIFT"
    description = (
        "How much each input adds to (red) or takes away from (blue) the chosen output compared "
        "with a baseline, passed back layer by layer in one backward pass."
    )
    signed = True
    tasks = ALL_TASKS
    families = RELU_FAMILIES
    needs = (
        "a model whose activations are separate, non-in-place modules, without recurrent layers "
        "(seed-cnn, cnn, mlp or vae)"
    )
    options = {  # no noise: max-pooling's rule is far from complete when the maxima move
        "baseline": baseline_option(("black", "blurred", "mean"))
    }

    def fits(self, model: nn.Module) -> bool:
        """Each activation its own, non-in-place module; no LSTM/GRU."""
        return has_clean_activations(model)

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor, baseline: str) -> Tensor:
        """DeepLIFT (rescale rule) against the baseline."""
        with hooking_quietly():
            return DeepLift(model).attribute(
                with_grad(inputs), baselines=make_baseline(baseline, model, inputs), target=target
            )


@register
class GuidedBackpropMethod(ExplainMethod):
    name = "guided-backprop"
    label = "Guided Backprop"
    description = (
        "The gradient with every negative signal stopped at each ReLU: sharp, edge-like maps "
        "of the pixels that excite the chosen output."
    )
    signed = True
    families = RELU_FAMILIES
    needs = "an image model with separate, non-in-place ReLU modules (seed-cnn, cnn, mlp or vae)"

    def fits(self, model: nn.Module) -> bool:
        """At least one ReLU module, all clean (captum hooks them)."""
        relu = any(isinstance(m, nn.ReLU) for m in model.modules())
        return relu and has_clean_activations(model)

    def attribute(self, model: nn.Module, inputs: Tensor, target: Tensor) -> Tensor:
        """Guided backpropagation of the target output."""
        with hooking_quietly():
            return GuidedBackprop(model).attribute(with_grad(inputs), target=target)
