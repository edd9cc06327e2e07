"""Read a framework's model into layers, and write layers back as another framework's model.

Readers walk a model in forward order (torch and Gluon: leaf modules; Keras: its
layers) and ask :data:`~zoo_patterns.convert.layers.RULES` for each one. A
layer no rule knows stops the conversion with a :class:`ConversionError`
naming it, its position and the kinds that are supported. Writers build a
plain chain (``nn.Sequential``, a Keras functional model, a Gluon
``HybridSequential``) and copy the weights in, each rule doing its layout change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..cards import TensorSpec
from .layers import RULES, ConversionError, Layer, Rule, out_shape, supported

ELEMENTWISE = ("relu", "dropout")


def framework_of(native: Any) -> str:
    """``torch``, ``keras``, ``gluon`` or ``onnx``, from the object's class hierarchy."""
    for cls in type(native).__mro__:
        module = cls.__module__
        if module.startswith("torch.nn"):
            return "torch"
        if module.startswith(("keras", "tf_keras")):
            return "keras"
        if module.startswith("mxnet.gluon"):
            return "gluon"
        if module.startswith("onnx") and cls.__name__ == "ModelProto":
            return "onnx"
    raise ConversionError(
        f"cannot convert a {type(native).__name__}: expected a torch nn.Module, a keras.Model, a Gluon block or an "
        "onnx.ModelProto."
    )


def input_shape_from(spec: TensorSpec | None, layers: list[Layer]) -> tuple[int, ...]:
    """(C, H, W) or (F,) without the batch axis: from the spec, else from the first layer when it says."""
    if spec is not None:
        shape = tuple(spec.shape[1:])
        if None in shape:
            raise ConversionError(f"input spec {spec.describe()} has a free axis besides batch; conversion needs fixed sizes")
        return tuple(shape[i] for i in (2, 0, 1)) if spec.layout == "NHWC" else shape
    if layers and layers[0].kind == "linear":
        return (layers[0].params["in_features"],)
    raise ConversionError(
        "the input's height and width are unknown; pass input_spec=, e.g. TensorSpec('image', "
        "('batch', 'channel', 'height', 'width'), (None, 1, 8, 8), 'float32', 'NCHW')"
    )


def annotate(layers: list[Layer], shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Shapes after each layer; marks a Linear fed by a Flatten of (C, H, W) with ``flatten_from``."""
    shapes, flat_origin = [], None
    for layer in layers:
        if layer.kind == "flatten" and len(shape) == 3 and shape[1] * shape[2] > 1:
            flat_origin = shape
        elif layer.kind == "linear":
            if flat_origin is not None:
                layer.params["flatten_from"] = flat_origin
            else:
                layer.params.pop("flatten_from", None)
            flat_origin = None
        elif layer.kind not in ELEMENTWISE + ("flatten",):
            flat_origin = None
        shape = out_shape(layer, shape)
        shapes.append(shape)
    return shapes


def _read(rule: Rule | None, framework: str, obj, position: int, name: str, rules) -> Layer:
    if rule is None:
        raise ConversionError(
            f"layer {position} ({name}: {type(obj).__name__}) has no conversion rule, so nothing was converted. "
            f"Supported {framework} layers: {', '.join(supported(framework, rules))}. Add a rule for it to "
            "zoo_patterns.convert.RULES (one entry per kind)."
        )
    try:
        layer = getattr(rule, f"from_{framework}")(obj)
    except ConversionError as exc:
        raise ConversionError(f"layer {position} ({name}: {type(obj).__name__}) cannot be converted: {exc}.") from None
    layer.name = name
    return layer


def _by_type(framework: str, rules) -> dict[str, Rule]:
    attr = f"{framework}_types"
    return {t: r for r in rules.values() for t in getattr(r, attr)}


# -- readers ------------------------------------------------------------------------------------
def read_torch(module, rules=RULES) -> list[Layer]:
    table = _by_type("torch", rules)
    leaves = [(n, m) for n, m in module.named_modules() if not list(m.children())]
    return [_read(table.get(type(m).__name__), "torch", m, i, n or type(m).__name__, rules) for i, (n, m) in enumerate(leaves)]


def read_keras(model, rules=RULES) -> tuple[list[Layer], tuple[int, ...]]:
    table = _by_type("keras", rules)
    layers: list[Layer] = []
    pending_pad = None
    for position, k in enumerate(model.layers):
        kind = type(k).__name__
        if kind == "InputLayer":
            continue
        if kind == "ZeroPadding2D":
            (top, bottom), (left, right) = k.get_config()["padding"]
            if top != bottom or left != right:
                raise ConversionError(
                    f"layer {position} ({k.name}: ZeroPadding2D) pads asymmetrically; torch pads both sides equally."
                )
            pending_pad = (top, left)
            continue
        layer = _read(table.get(kind), "keras", k, position, k.name, rules)
        if pending_pad is not None:
            if layer.kind != "conv2d" or layer.params["padding"] != (0, 0):
                raise ConversionError(f"layer {position} ({k.name}): a ZeroPadding2D must be followed by a 'valid' Conv2D.")
            layer.params["padding"], pending_pad = pending_pad, None
        activation = layer.params.pop("activation", "linear")
        if activation not in ("linear", "relu"):
            raise ConversionError(
                f"layer {position} ({k.name}: {kind}) uses activation {activation!r}; only linear and relu convert."
            )
        keepdims = layer.params.pop("keepdims", True)
        layers.append(layer)
        if activation == "relu":
            layers.append(Layer("relu", name=f"{k.name}.activation"))
        if not keepdims:
            layers.append(Layer("flatten", name=f"{k.name}.flatten"))
    dims = tuple(model.input_shape[1:])
    shape = (dims[2], dims[0], dims[1]) if len(dims) == 3 else dims
    annotate(layers, shape)
    for layer in layers:  # Keras rows after a Flatten are (H, W, C): put them back in torch's (C, H, W)
        if layer.kind == "linear" and "flatten_from" in layer.params:
            c, h, w = layer.params["flatten_from"]
            weight = layer.weights["weight"]
            layer.weights["weight"] = weight.reshape(-1, h, w, c).transpose(0, 3, 1, 2).reshape(weight.shape[0], -1)
    return layers, shape


def read_gluon(block, rules=RULES, shape: tuple[int, ...] | None = None) -> list[Layer]:
    table = _by_type("gluon", rules)
    layers: list[Layer] = []

    def walk(b, prefix: str) -> None:
        children = list(b._children.values())
        kind = type(b).__name__
        if children and kind not in table:
            for child in children:
                walk(child() if callable(child) and not hasattr(child, "_children") else child, prefix)
            return
        position = len(layers)
        layer = _read(table.get(kind), "gluon", b, position, b.name, rules)
        if layer.kind == "linear" and getattr(b, "_flatten", False) and (not layers or layers[-1].kind != "flatten"):
            layers.append(Layer("flatten", name=f"{b.name}.flatten"))  # Gluon's Dense flattens its input itself
        activation = layer.params.pop("activation", "linear")
        if activation not in ("linear", "relu"):
            raise ConversionError(
                f"layer {position} ({b.name}: {kind}) uses activation {activation!r}; only linear and relu convert."
            )
        layers.append(layer)
        if activation == "relu":
            layers.append(Layer("relu", name=f"{b.name}.activation"))

    walk(block, "")
    return layers


# -- writers ---------------------------------------------------------------------------------------
def write_torch(layers: list[Layer], rules=RULES):
    import torch
    from torch import nn

    modules = []
    for layer in layers:
        module = rules[layer.kind].to_torch(layer)
        with torch.no_grad():
            for name, value in layer.weights.items():
                getattr(module, name).copy_(torch.from_numpy(np.array(value, dtype=np.float32)))
        modules.append(module)
    return nn.Sequential(*modules).eval()


def write_keras(layers: list[Layer], shape: tuple[int, ...], rules=RULES):
    import keras

    inputs = keras.Input((shape[1], shape[2], shape[0]) if len(shape) == 3 else shape, name="input")  # NHWC
    x, owners = inputs, []
    for i, layer in enumerate(layers):
        made = rules[layer.kind].to_keras(layer, f"l{i:02d}_{layer.kind}")
        for k in made:
            x = k(x)
        owners.append(made[-1])
    model = keras.Model(inputs, x, name="converted")
    for layer, owner in zip(layers, owners, strict=True):
        weights = rules[layer.kind].keras_weights(layer)
        if weights:
            owner.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return model


def write_gluon(layers: list[Layer], rules=RULES):
    from ..compat import import_mxnet

    mx = import_mxnet()
    from mxnet.gluon import nn

    net = nn.HybridSequential()
    blocks = [rules[layer.kind].to_gluon(layer) for layer in layers]
    with net.name_scope():
        for b in blocks:
            net.add(b)
    net.initialize(mx.init.Zero())
    for layer, b in zip(layers, blocks, strict=True):
        for attr, value in rules[layer.kind].gluon_weights(layer).items():
            getattr(b, attr).set_data(mx.nd.array(value))
    return net


# -- running and tracing, whatever the framework ------------------------------------------------------
def run(native, x: np.ndarray) -> np.ndarray:
    """Outputs of ``native`` on NCHW (or 2-D) numpy input, as numpy."""
    from ..adapters.base import ZooModel

    if isinstance(native, ZooModel):
        return native.predict(x, layout="NCHW" if x.ndim == 4 else None)
    framework = framework_of(native)
    if framework == "torch":
        import torch

        native.eval()
        with torch.no_grad():
            param = next(native.parameters(), None)
            tensor = torch.from_numpy(np.ascontiguousarray(x))
            return native(tensor.to(param.device) if param is not None else tensor).cpu().numpy()
    if framework == "keras":
        return np.asarray(native(x.transpose(0, 2, 3, 1) if x.ndim == 4 else x, training=False))
    if framework == "gluon":
        from ..compat import import_mxnet

        return native(import_mxnet().nd.array(x)).asnumpy()
    import onnxruntime as ort

    session = ort.InferenceSession(native.SerializeToString(), providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    declared = [d if isinstance(d, int) else None for d in first.shape[1:]]
    if x.ndim == 4 and declared == [x.shape[2], x.shape[3], x.shape[1]] != [x.shape[1], x.shape[2], x.shape[3]]:
        x = x.transpose(0, 2, 3, 1)  # exported from Keras: the graph takes NHWC
    return session.run(None, {first.name: x})[0]


def trace(native, x: np.ndarray) -> list[tuple[str, np.ndarray]] | None:
    """Per-layer outputs in torch's layouts for a chain of layers; None if ``native`` is not one."""
    framework = framework_of(native)
    if framework == "torch":
        import torch

        leaves = [(n, m) for n, m in native.named_modules() if not list(m.children())]
        found: list[tuple[str, np.ndarray]] = []
        hooks = [m.register_forward_hook(lambda mod, i, o, n=n: found.append((n, o.detach().cpu().numpy()))) for n, m in leaves]
        try:
            with torch.no_grad():
                native.eval()(torch.from_numpy(np.ascontiguousarray(x)))
        finally:
            for h in hooks:
                h.remove()
        return found if len(found) == len(leaves) else None
    if framework == "keras":
        import keras

        chain = [k for k in native.layers if k.name[:1] == "l" and k.name[1:3].isdigit() and not k.name.endswith("_pad")]
        if not chain:
            return None
        probe = keras.Model(native.inputs, [k.output for k in chain])
        outs = probe(x.transpose(0, 2, 3, 1) if x.ndim == 4 else x, training=False)
        result, last4d, flat_hwc = [], None, None
        for k, out in zip(chain, outs, strict=True):
            out = np.asarray(out)
            kind = k.name.split("_", 1)[1]
            if out.ndim == 4:
                last4d, flat_hwc = out.shape[1:], None
                out = out.transpose(0, 3, 1, 2)
            elif kind == "flatten" and last4d is not None:
                flat_hwc = last4d
            elif kind not in ELEMENTWISE:
                flat_hwc = None
            if flat_hwc is not None:  # a flattened (H, W, C) vector, through relu/dropout too: put it in torch's (C, H, W)
                h, w, c = flat_hwc
                out = out.reshape(-1, h, w, c).transpose(0, 3, 1, 2).reshape(out.shape[0], -1)
            result.append((k.name, out))
        return result
    if framework == "gluon" and type(native).__name__ in ("HybridSequential", "Sequential"):
        from ..compat import import_mxnet

        value, result = import_mxnet().nd.array(x), []
        for b in native._children.values():
            value = b(value)
            result.append((b.name, value.asnumpy()))
        return result
    return None
