"""Pruning, two ways: zeros that change nothing, and channels that really go (lesson 10).

- :func:`prune_unstructured` zeroes the smallest weights (``torch.nn.utils.prune``,
  L1 magnitude). The tensors keep their shapes, so the saved file and the dense
  matrix multiplies stay as large and as slow as before: sparsity alone pays only
  with sparse kernels or compression.
- :func:`prune_channels` removes whole convolution filters (the lowest L1 norms),
  the matching BatchNorm entries, and the inputs of the layer after them (the next
  convolution's input channels, or the Linear columns that came from those channels
  through the Flatten). The network is really smaller, so it is really faster.

Structured pruning works on the converter's layer list (``zoo_patterns.convert``),
where every layer's weights are plain arrays in torch's layouts.
"""

from __future__ import annotations

import copy

import numpy as np

from ..convert.layers import Layer


def sparsity(module) -> float:
    """The fraction of zero weights in the Conv2d and Linear layers of a torch module."""
    from torch import nn

    weights = [m.weight for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    total = sum(w.numel() for w in weights)
    return float(sum((w == 0).sum().item() for w in weights) / max(total, 1))


def prune_unstructured(module, amount: float):
    """A copy of ``module`` with the ``amount`` smallest weights of each Conv2d/Linear set to zero, for good."""
    from torch import nn
    from torch.nn.utils import prune

    pruned = copy.deepcopy(module)
    for m in pruned.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            prune.l1_unstructured(m, "weight", amount=amount)
            prune.remove(m, "weight")  # bake the mask in: a plain (dense) weight tensor with zeros
    return pruned.eval()


def _keep(weight: np.ndarray, ratio: float) -> np.ndarray:
    """Indices of the filters to keep: the ones with the largest L1 norms, in their original order."""
    n = weight.shape[0]
    keep = max(1, int(round(n * (1 - ratio))))
    return np.sort(np.argsort(-np.abs(weight).reshape(n, -1).sum(axis=1))[:keep])


def prune_channels(layers: list[Layer], ratio: float, shape: tuple) -> list[Layer]:
    """Layers with ``ratio`` of every convolution's output channels removed, and everything downstream narrowed."""
    from ..convert.graph import annotate

    layers = copy.deepcopy(layers)
    annotate(layers, shape)
    kept: np.ndarray | None = None  # channels of the current feature map still alive
    for layer in layers:
        w, p = layer.weights, layer.params
        if layer.kind == "conv2d":
            if kept is not None:  # this convolution's inputs lost channels upstream
                w["weight"] = w["weight"][:, kept]
                p["in_channels"] = len(kept)
            kept = _keep(w["weight"], ratio)
            w["weight"] = w["weight"][kept]
            if "bias" in w:
                w["bias"] = w["bias"][kept]
            p["out_channels"] = len(kept)
        elif layer.kind == "batchnorm2d" and kept is not None:
            for name in ("weight", "bias", "running_mean", "running_var"):
                w[name] = w[name][kept]
            p["num_features"] = len(kept)
        elif layer.kind == "linear" and kept is not None:
            if "flatten_from" in p:  # columns come in (C, H, W) order: keep the blocks of the surviving channels
                c, h, wd = p["flatten_from"]
                w["weight"] = w["weight"].reshape(-1, c, h * wd)[:, kept].reshape(w["weight"].shape[0], -1)
                p["flatten_from"] = (len(kept), h, wd)
            else:  # after global pooling: one column per channel
                w["weight"] = w["weight"][:, kept]
            p["in_features"] = w["weight"].shape[1]
            kept = None
    return layers


def prune_digits_cnn(net, ratio: float):
    """The zoo's DigitsCNN with ``ratio`` of its convolution channels removed: a narrower DigitsCNN.

    Both convolutions lose the same fraction, so the second keeps twice the first's channels and
    the result is ``DigitsCNN(width=...)`` again: it saves, loads and fine-tunes like the original.
    """
    import torch

    from ..convert import to_layers
    from ..convert.graph import write_torch
    from ..models.torch_digits import DigitsCNN

    layers, shape = to_layers(net, input_spec=_digits_spec())
    pruned = write_torch(prune_channels(layers, ratio, shape))
    width = pruned[0].out_channels
    if pruned[3].out_channels != 2 * width:
        raise ValueError(
            f"ratio {ratio} leaves {width} and {pruned[3].out_channels} channels; pick one that keeps the 1:2 ratio (0.25, 0.5, 0.75)."
        )
    small = DigitsCNN(net.config["num_classes"], width=width, hidden=net.config["hidden"], dropout=net.config["dropout"])
    state = {}
    for key, value in pruned.state_dict().items():
        index, name = key.split(".", 1)
        state[f"head.{name}" if int(index) == len(pruned) - 1 else f"backbone.{index}.{name}"] = value
    with torch.no_grad():
        small.load_state_dict(state)
    return small.eval()


def _digits_spec():
    from ..cards import TensorSpec

    return TensorSpec("image", ("batch", "channel", "height", "width"), (None, 1, 8, 8), "float32", "NCHW", (0.0, 1.0))
