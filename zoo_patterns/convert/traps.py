"""The four classic mistakes of a hand conversion, each written as a (wrong) rule (lesson 09).

Each class below is the right rule with one line changed, the line a tired
engineer gets wrong. Swap one into the table (``dict(RULES, conv2d=...)``) and
convert with ``check=False``: the model still runs, the outputs are still
plausible numbers, and only a parity check shows that they are wrong, and
where. They exist to be caught; never use them.
"""

from __future__ import annotations

from .layers import RULES, BatchNorm2dRule, Conv2dRule, LinearRule


class KernelNotTransposed(Conv2dRule):
    """Keras wants HWIO; this gives it the kernel with its two spatial axes swapped (OIHW read backwards)."""

    def keras_weights(self, layer):
        return [layer.weights["weight"].transpose(3, 2, 1, 0)] + ([layer.weights["bias"]] if layer.params["bias"] else [])


class KerasDefaultEpsilon(BatchNorm2dRule):
    """Leaves BatchNormalization's epsilon at Keras's default, 1e-3, instead of torch's 1e-5."""

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.BatchNormalization(momentum=round(1 - layer.params["momentum"], 6), name=name)]


class SamePadding(Conv2dRule):
    """Writes torch's padding=1 as Keras padding='same': right at stride 1, wrong at stride 2 (TF pads bottom/right)."""

    def to_keras(self, layer, name):
        from keras import layers

        p = layer.params
        padding = "same" if p["padding"] != (0, 0) else "valid"
        return [
            layers.Conv2D(p["out_channels"], p["kernel"], strides=p["stride"], padding=padding, use_bias=p["bias"], name=name)
        ]


class FlattenOrderIgnored(LinearRule):
    """Transposes the dense kernel but forgets that Keras flattens (H, W, C), not torch's (C, H, W)."""

    def keras_weights(self, layer):
        return [layer.weights["weight"].T] + ([layer.weights["bias"]] if layer.params["bias"] else [])


TRAPS = {
    "kernel layout": dict(RULES, conv2d=KernelNotTransposed()),
    "BatchNorm epsilon": dict(RULES, batchnorm2d=KerasDefaultEpsilon()),
    "stride-2 'same' padding": dict(RULES, conv2d=SamePadding()),
    "flatten order": dict(RULES, linear=FlattenOrderIgnored()),
}
