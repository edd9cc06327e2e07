"""One rule per layer kind: how each framework writes it, and what changes on the way (lesson 09).

A model is converted through a small intermediate form: a list of :class:`Layer`,
each with a ``kind``, its hyper-parameters and its weights **in torch's layouts**
(kernels OIHW, dense weights (out, in), tensors NCHW, flatten order C, H, W).
Every layout change is written once, in the rule of the kind it belongs to:

===============  ===========================================================================
kind             what changes between frameworks
===============  ===========================================================================
conv2d           kernels OIHW (torch, Gluon) <-> HWIO (Keras); torch pads symmetrically, and
                 Keras 'same' with stride 2 pads more at the bottom/right: always an explicit
                 ZeroPadding2D plus 'valid'
batchnorm2d      epsilon: torch and Gluon 1e-5, Keras 1e-3 (copy it, never rely on defaults);
                 momentum: torch weighs the *new* batch (0.1), Keras and Gluon the *old*
                 running value (0.9 = 1 - 0.1)
linear           (out, in) <-> Keras (in, out); after a Flatten of (C, H, W) the input rows
                 come in Keras's (H, W, C) order, so they are permuted too
relu, dropout,   nothing but the name
flatten
maxpool2d,       kernel and stride only; padded pooling is refused (the frameworks disagree
avgpool2d        on what the padding counts)
global_avgpool   torch AdaptiveAvgPool2d(1) keeps (N, C, 1, 1); Keras keeps it with keepdims
===============  ===========================================================================

A new kind is one new :class:`Rule` subclass in :data:`RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConversionError


@dataclass
class Layer:
    """One layer in torch's conventions: ``kind``, hyper-parameters, weights (numpy, torch layouts)."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    name: str = ""  # where it came from, for error messages ("backbone.3", "conv2")

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items() if k != "flatten_from")
        return f"{self.kind}({shown})"


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def out_shape(layer: Layer, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The (C, H, W) or (F,) shape after ``layer``, from the shape before it."""
    p = layer.params
    if layer.kind == "conv2d":
        (kh, kw), (sh, sw), (ph, pw) = p["kernel"], p["stride"], p["padding"]
        return (p["out_channels"], (shape[1] + 2 * ph - kh) // sh + 1, (shape[2] + 2 * pw - kw) // sw + 1)
    if layer.kind in ("maxpool2d", "avgpool2d"):
        (kh, kw), (sh, sw) = p["kernel"], p["stride"]
        return (shape[0], (shape[1] - kh) // sh + 1, (shape[2] - kw) // sw + 1)
    if layer.kind == "global_avgpool":
        return (shape[0], 1, 1)
    if layer.kind == "flatten":
        return (int(np.prod(shape)),)
    if layer.kind == "linear":
        return (p["out_features"],)
    return shape


# -- the rules ------------------------------------------------------------------------------------
class Rule:
    """How one kind of layer reads from and writes to each framework. Subclasses fill in what applies."""

    kind = ""
    torch_types: tuple[str, ...] = ()  # class names this rule reads from torch
    keras_types: tuple[str, ...] = ()
    gluon_types: tuple[str, ...] = ()

    def from_torch(self, module) -> Layer:
        return Layer(self.kind)

    def to_torch(self, layer: Layer):
        raise NotImplementedError

    def from_keras(self, keras_layer) -> Layer:
        return Layer(self.kind)

    def to_keras(self, layer: Layer, name: str) -> list:
        raise NotImplementedError

    def keras_weights(self, layer: Layer) -> list[np.ndarray]:
        return []

    def from_gluon(self, block) -> Layer:
        return Layer(self.kind)

    def to_gluon(self, layer: Layer):
        raise NotImplementedError

    def gluon_weights(self, layer: Layer) -> dict[str, np.ndarray]:
        return {}


class Conv2dRule(Rule):
    kind = "conv2d"
    torch_types = ("Conv2d",)
    keras_types = ("Conv2D",)
    gluon_types = ("Conv2D",)

    def from_torch(self, m) -> Layer:
        if m.groups != 1 or _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ConversionError("only groups=1, dilation=1, zero padding given as numbers")
        w = {"weight": m.weight.detach().cpu().numpy()}
        if m.bias is not None:
            w["bias"] = m.bias.detach().cpu().numpy()
        params = dict(in_channels=m.in_channels, out_channels=m.out_channels, kernel=_pair(m.kernel_size))
        params.update(stride=_pair(m.stride), padding=_pair(m.padding), bias=m.bias is not None)
        return Layer(self.kind, params, w)

    def to_torch(self, layer):
        from torch import nn

        p = layer.params
        return nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel"], p["stride"], p["padding"], bias=p["bias"])

    def from_keras(self, k) -> Layer:
        cfg = k.get_config()
        if cfg.get("groups", 1) != 1 or _pair(cfg["dilation_rate"]) != (1, 1) or cfg["data_format"] != "channels_last":
            raise ConversionError("only groups=1, dilation 1, channels_last")
        kernel, stride = _pair(cfg["kernel_size"]), _pair(cfg["strides"])
        if cfg["padding"] == "same":
            if stride != (1, 1) or kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
                raise ConversionError(
                    "padding='same' with a stride or an even kernel pads more at the bottom/right than the top/left, "
                    "which torch cannot express: rebuild it as ZeroPadding2D + padding='valid'"
                )
            padding = (kernel[0] // 2, kernel[1] // 2)
        else:
            padding = (0, 0)
        weights = k.get_weights()
        w = {"weight": weights[0].transpose(3, 2, 0, 1)}  # HWIO -> OIHW
        if cfg["use_bias"]:
            w["bias"] = weights[1]
        params = dict(in_channels=weights[0].shape[2], out_channels=cfg["filters"], kernel=kernel, stride=stride)
        params.update(padding=padding, bias=cfg["use_bias"], activation=cfg["activation"])
        return Layer(self.kind, params, w)

    def to_keras(self, layer, name):
        from keras import layers

        p = layer.params
        out = []
        if p["padding"] != (0, 0):  # explicit and symmetric, as torch pads; never 'same' (asymmetric at stride 2)
            (ph, pw) = p["padding"]
            out.append(layers.ZeroPadding2D(((ph, ph), (pw, pw)), name=f"{name}_pad"))
        out.append(
            layers.Conv2D(p["out_channels"], p["kernel"], strides=p["stride"], padding="valid", use_bias=p["bias"], name=name)
        )
        return out

    def keras_weights(self, layer):
        w = [layer.weights["weight"].transpose(2, 3, 1, 0)]  # OIHW -> HWIO
        return w + ([layer.weights["bias"]] if layer.params["bias"] else [])

    def from_gluon(self, b) -> Layer:
        kw = b._kwargs
        if kw.get("num_group", 1) != 1 or _pair(kw.get("dilate", (1, 1))) != (1, 1) or kw.get("layout", "NCHW") != "NCHW":
            raise ConversionError("only num_group=1, dilation 1, NCHW")
        w = {"weight": b.weight.data().asnumpy()}
        if not kw.get("no_bias", False):
            w["bias"] = b.bias.data().asnumpy()
        params = dict(in_channels=w["weight"].shape[1], out_channels=kw["num_filter"], kernel=_pair(kw["kernel"]))
        params.update(stride=_pair(kw["stride"]), padding=_pair(kw["pad"]), bias="bias" in w, activation=_gluon_act(b))
        return Layer(self.kind, params, w)

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        p = layer.params
        return nn.Conv2D(
            p["out_channels"], p["kernel"], p["stride"], p["padding"], use_bias=p["bias"], in_channels=p["in_channels"]
        )

    def gluon_weights(self, layer):
        return dict(layer.weights)  # same layout as torch: a straight copy


class BatchNorm2dRule(Rule):
    kind = "batchnorm2d"
    torch_types = ("BatchNorm2d",)
    keras_types = ("BatchNormalization",)
    gluon_types = ("BatchNorm",)
    ORDER = ("weight", "bias", "running_mean", "running_var")  # gamma, beta, moving mean, moving variance

    def from_torch(self, m) -> Layer:
        if not (m.affine and m.track_running_stats):
            raise ConversionError("only affine BatchNorm with running statistics")
        w = {k: getattr(m, k).detach().cpu().numpy() for k in self.ORDER}
        return Layer(self.kind, dict(num_features=m.num_features, eps=m.eps, momentum=m.momentum), w)

    def to_torch(self, layer):
        from torch import nn

        p = layer.params
        return nn.BatchNorm2d(p["num_features"], eps=p["eps"], momentum=p["momentum"])

    def from_keras(self, k) -> Layer:
        cfg = k.get_config()
        axis = cfg["axis"][0] if isinstance(cfg["axis"], (list, tuple)) else cfg["axis"]
        if axis not in (-1, 3) or not (cfg["center"] and cfg["scale"]):
            raise ConversionError("only channels-last BatchNormalization with centre and scale")
        w = dict(zip(self.ORDER, k.get_weights(), strict=True))
        # Keras's momentum keeps the old running value; torch's weighs the new batch.
        return Layer(
            self.kind, dict(num_features=len(w["weight"]), eps=cfg["epsilon"], momentum=round(1 - cfg["momentum"], 6)), w
        )

    def to_keras(self, layer, name):
        from keras import layers

        p = layer.params  # epsilon copied, never Keras's default 1e-3
        return [layers.BatchNormalization(epsilon=p["eps"], momentum=round(1 - p["momentum"], 6), name=name)]

    def keras_weights(self, layer):
        return [layer.weights[k] for k in self.ORDER]

    def from_gluon(self, b) -> Layer:
        kw = b._kwargs
        if kw.get("axis", 1) != 1 or kw.get("fix_gamma", False):
            raise ConversionError("only axis=1 BatchNorm with a learned gamma")
        w = {
            k: getattr(b, g).data().asnumpy()
            for k, g in zip(self.ORDER, ("gamma", "beta", "running_mean", "running_var"), strict=True)
        }
        return Layer(self.kind, dict(num_features=len(w["weight"]), eps=kw["eps"], momentum=round(1 - kw["momentum"], 6)), w)

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        p = layer.params
        return nn.BatchNorm(momentum=round(1 - p["momentum"], 6), epsilon=p["eps"], in_channels=p["num_features"])

    def gluon_weights(self, layer):
        return dict(zip(("gamma", "beta", "running_mean", "running_var"), (layer.weights[k] for k in self.ORDER), strict=True))


class LinearRule(Rule):
    kind = "linear"
    torch_types = ("Linear",)
    keras_types = ("Dense",)
    gluon_types = ("Dense",)

    def from_torch(self, m) -> Layer:
        w = {"weight": m.weight.detach().cpu().numpy()}
        if m.bias is not None:
            w["bias"] = m.bias.detach().cpu().numpy()
        return Layer(self.kind, dict(in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None), w)

    def to_torch(self, layer):
        from torch import nn

        p = layer.params
        return nn.Linear(p["in_features"], p["out_features"], bias=p["bias"])

    def from_keras(self, k) -> Layer:
        cfg = k.get_config()
        weights = k.get_weights()
        w = {"weight": weights[0].T}  # (in, out) -> (out, in); rows re-ordered by the reader after a Flatten
        if cfg["use_bias"]:
            w["bias"] = weights[1]
        params = dict(
            in_features=weights[0].shape[0], out_features=cfg["units"], bias=cfg["use_bias"], activation=cfg["activation"]
        )
        return Layer(self.kind, params, w)

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.Dense(layer.params["out_features"], use_bias=layer.params["bias"], name=name)]

    def keras_weights(self, layer):
        weight = layer.weights["weight"]
        if "flatten_from" in layer.params:  # the flatten-order trap: torch rows are (C, H, W), Keras's (H, W, C)
            c, h, wd = layer.params["flatten_from"]
            weight = weight.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
        return [weight.T] + ([layer.weights["bias"]] if layer.params["bias"] else [])

    def from_gluon(self, b) -> Layer:
        w = {"weight": b.weight.data().asnumpy()}
        if b.bias is not None:
            w["bias"] = b.bias.data().asnumpy()
        params = dict(in_features=w["weight"].shape[1], out_features=b._units, bias="bias" in w, activation=_gluon_act(b))
        return Layer(self.kind, params, w)

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        p = layer.params
        return nn.Dense(p["out_features"], use_bias=p["bias"], in_units=p["in_features"], flatten=False)

    def gluon_weights(self, layer):
        return dict(layer.weights)


class ReLURule(Rule):
    kind = "relu"
    torch_types = ("ReLU",)
    keras_types = ("ReLU", "Activation")
    gluon_types = ("Activation",)

    def from_keras(self, k) -> Layer:
        cfg = k.get_config()
        if cfg.get("activation", "relu") != "relu" or cfg.get("max_value") is not None or cfg.get("negative_slope", 0.0) != 0.0:
            raise ConversionError(f"only plain ReLU activations, not {cfg.get('activation', cfg)}")
        return Layer(self.kind)

    def from_gluon(self, b) -> Layer:
        if _gluon_act(b) != "relu":
            raise ConversionError(f"only relu activations, not {_gluon_act(b)}")
        return Layer(self.kind)

    def to_torch(self, layer):
        from torch import nn

        return nn.ReLU()

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.ReLU(name=name)]

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        return nn.Activation("relu")


class _PoolRule(Rule):
    torch_pool = keras_pool = gluon_pool = ""

    def from_torch(self, m) -> Layer:
        stride = m.stride if m.stride is not None else m.kernel_size
        if _pair(m.padding) != (0, 0) or m.ceil_mode or _pair(getattr(m, "dilation", 1)) != (1, 1):
            raise ConversionError("only pooling without padding, dilation or ceil_mode")
        return Layer(self.kind, dict(kernel=_pair(m.kernel_size), stride=_pair(stride)))

    def to_torch(self, layer):
        from torch import nn

        return getattr(nn, self.torch_pool)(layer.params["kernel"], layer.params["stride"])

    def from_keras(self, k) -> Layer:
        cfg = k.get_config()
        if cfg["padding"] != "valid":
            raise ConversionError("only padding='valid' pooling")
        return Layer(self.kind, dict(kernel=_pair(cfg["pool_size"]), stride=_pair(cfg["strides"] or cfg["pool_size"])))

    def to_keras(self, layer, name):
        from keras import layers

        return [getattr(layers, self.keras_pool)(layer.params["kernel"], strides=layer.params["stride"], name=name)]

    def from_gluon(self, b) -> Layer:
        kw = b._kwargs
        if _pair(kw["pad"]) != (0, 0) or kw.get("pooling_convention", "valid") != "valid":
            raise ConversionError("only pooling without padding")
        return Layer(self.kind, dict(kernel=_pair(kw["kernel"]), stride=_pair(kw["stride"])))

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        return getattr(nn, self.gluon_pool)(layer.params["kernel"], layer.params["stride"])


class MaxPool2dRule(_PoolRule):
    kind = "maxpool2d"
    torch_types, keras_types, gluon_types = ("MaxPool2d",), ("MaxPooling2D",), ("MaxPool2D",)
    torch_pool, keras_pool, gluon_pool = "MaxPool2d", "MaxPooling2D", "MaxPool2D"


class AvgPool2dRule(_PoolRule):
    kind = "avgpool2d"
    torch_types, keras_types, gluon_types = ("AvgPool2d",), ("AveragePooling2D",), ("AvgPool2D",)
    torch_pool, keras_pool, gluon_pool = "AvgPool2d", "AveragePooling2D", "AvgPool2D"


class GlobalAvgPoolRule(Rule):
    kind = "global_avgpool"
    torch_types = ("AdaptiveAvgPool2d",)
    keras_types = ("GlobalAveragePooling2D",)
    gluon_types = ("GlobalAvgPool2D",)

    def from_torch(self, m) -> Layer:
        if _pair(m.output_size) != (1, 1):
            raise ConversionError("only AdaptiveAvgPool2d(1) (global average pooling)")
        return Layer(self.kind)

    def to_torch(self, layer):
        from torch import nn

        return nn.AdaptiveAvgPool2d(1)

    def from_keras(self, k) -> Layer:
        # without keepdims Keras gives (N, C): in torch terms the pooling and a Flatten
        return Layer(self.kind, {"keepdims": bool(k.get_config().get("keepdims", False))})

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.GlobalAveragePooling2D(keepdims=True, name=name)]  # (N, 1, 1, C), like torch's (N, C, 1, 1)

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        return nn.GlobalAvgPool2D()


class FlattenRule(Rule):
    kind = "flatten"
    torch_types, keras_types, gluon_types = ("Flatten",), ("Flatten",), ("Flatten",)

    def from_torch(self, m) -> Layer:
        if (m.start_dim, m.end_dim) != (1, -1):
            raise ConversionError("only Flatten(start_dim=1, end_dim=-1)")
        return Layer(self.kind)

    def to_torch(self, layer):
        from torch import nn

        return nn.Flatten()

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.Flatten(name=name)]

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        return nn.Flatten()


class DropoutRule(Rule):
    kind = "dropout"
    torch_types, keras_types, gluon_types = ("Dropout",), ("Dropout",), ("Dropout",)

    def from_torch(self, m) -> Layer:
        return Layer(self.kind, {"p": float(m.p)})

    def from_keras(self, k) -> Layer:
        return Layer(self.kind, {"p": float(k.get_config()["rate"])})

    def from_gluon(self, b) -> Layer:
        return Layer(self.kind, {"p": float(b._rate)})

    def to_torch(self, layer):
        from torch import nn

        return nn.Dropout(layer.params["p"])

    def to_keras(self, layer, name):
        from keras import layers

        return [layers.Dropout(layer.params["p"], name=name)]

    def to_gluon(self, layer):
        from mxnet.gluon import nn

        return nn.Dropout(layer.params["p"])


def _gluon_act(block) -> str:
    act = getattr(block, "act", None)
    if act is None:
        return "linear" if type(block).__name__ != "Activation" else block._act_type
    return getattr(act, "_act_type", "linear")


RULES: dict[str, Rule] = {
    r.kind: r
    for r in (
        Conv2dRule(),
        BatchNorm2dRule(),
        LinearRule(),
        ReLURule(),
        MaxPool2dRule(),
        AvgPool2dRule(),
        GlobalAvgPoolRule(),
        FlattenRule(),
        DropoutRule(),
    )
}


def supported(framework: str, rules: dict[str, Rule] | None = None) -> list[str]:
    """The class names each framework can be read from, for error messages."""
    attr = {"torch": "torch_types", "keras": "keras_types", "gluon": "gluon_types"}[framework]
    return sorted({t for r in (rules or RULES).values() for t in getattr(r, attr)})
