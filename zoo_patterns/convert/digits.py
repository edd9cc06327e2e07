"""Copy the digits CNN's torch weights into the Keras and Gluon versions of the same architecture.

What has to change on the way (each one breaks parity if forgotten):

- Keras convolution kernels are HWIO; torch's are OIHW.
- Keras dense kernels are (in, out); torch's are (out, in).
- Flatten order: torch flattens channel-major (C, H, W), Keras channels-last
  (H, W, C), so the first dense layer's input rows must be permuted too.
- BatchNorm: the same four tensors everywhere; epsilon must match (the zoo
  uses 1e-5 in all three; Keras's default is 1e-3).
- Gluon uses torch's layouts (OIHW, dense (out, in), NCHW): a straight copy.
"""

from __future__ import annotations

import numpy as np


def _torch_arrays(net) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}


def torch_to_keras(net):
    """A Keras ``digits_cnn`` whose outputs match the torch net's to float32 precision."""
    from ..models import keras_digits

    cfg = net.config
    w = _torch_arrays(net)
    model = keras_digits.build_net(cfg["num_classes"], cfg["width"], cfg["hidden"], cfg["dropout"])
    conv = {"conv1": "backbone.0", "conv2": "backbone.3"}
    bn = {"bn1": "backbone.1", "bn2": "backbone.4"}
    for name, key in conv.items():
        model.get_layer(name).set_weights([w[f"{key}.weight"].transpose(2, 3, 1, 0), w[f"{key}.bias"]])  # OIHW -> HWIO
    for name, key in bn.items():
        model.get_layer(name).set_weights([w[f"{key}.{t}"] for t in ("weight", "bias", "running_mean", "running_var")])
    channels = 2 * cfg["width"]
    fc = w["backbone.8.weight"].reshape(cfg["hidden"], channels, 4, 4)  # (out, C, H, W)
    fc = fc.transpose(2, 3, 1, 0).reshape(channels * 16, cfg["hidden"])  # rows in Keras's (H, W, C) flatten order
    model.get_layer("fc").set_weights([fc, w["backbone.8.bias"]])
    model.get_layer("head").set_weights([w["head.weight"].T, w["head.bias"]])
    return model


def torch_to_gluon(net):
    """A Gluon ``DigitsCNN`` with the torch net's weights (same layouts: a straight copy)."""
    from ..compat import import_mxnet
    from ..models import gluon_digits

    mx = import_mxnet()
    cfg = net.config
    w = _torch_arrays(net)
    block = gluon_digits.build_net(cfg["num_classes"], cfg["width"], cfg["hidden"], cfg["dropout"])
    names = {"weight": "weight", "bias": "bias"}
    bn_names = {"gamma": "weight", "beta": "bias", "running_mean": "running_mean", "running_var": "running_var"}
    for index, layer in enumerate(block.backbone):
        for param_name, param in layer.collect_params().items():
            suffix = param_name.rsplit("_", 1)[-1]
            if suffix in ("mean", "var"):
                suffix = "running_" + suffix
            key = bn_names.get(suffix, names.get(suffix))
            if key is None:
                raise KeyError(f"unexpected Gluon parameter {param_name}")
            param.set_data(mx.nd.array(w[f"backbone.{index}.{key}"]))
    for param_name, param in block.head.collect_params().items():
        param.set_data(mx.nd.array(w[f"head.{param_name.rsplit('_', 1)[-1]}"]))
    return block
