"""ONNX in and out: torch's own exporter, MiniLM with dynamic axes, and ONNX graphs read back into layers.

- :func:`torch_to_onnx` uses ``torch.onnx.export(..., dynamo=True)``, the
  current exporter (it writes opset 18 or later and folds BatchNorm into the
  convolution before it in eval mode), with a dynamic batch axis.
- :func:`minilm_to_onnx` exports the zoo's MiniLM encoder: inputs ``input_ids``,
  ``attention_mask``, ``token_type_ids`` (int64, [batch, sequence], both axes
  dynamic), first output ``last_hidden_state`` [batch, sequence, 384].
- :func:`read_onnx` turns a chain of standard ONNX operators (Conv, Gemm,
  MatMul+Add, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool,
  Flatten or a flattening Reshape, Dropout, Identity) back into layers, so an
  exported model comes back to torch (or to Keras, or Gluon) and the round
  trip can be checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .layers import ConversionError, Layer

MINILM_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MINILM_OUTPUT = "last_hidden_state"


def _quiet_exporter() -> None:
    import logging

    # The exporter warns once per torchvision op it cannot register; torchvision is not installed on purpose.
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)


def torch_to_onnx(module, shape: tuple, *, input_name: str = "input", output_name: str = "output"):
    """An ``onnx.ModelProto`` of ``module`` for inputs of ``shape`` (no batch axis), batch axis dynamic."""
    import torch

    _quiet_exporter()
    module.eval()
    example = torch.zeros(2, *shape)
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.onnx.export(
        module,
        (example,),
        dynamic_shapes=({0: batch},),
        input_names=[input_name],
        output_names=[output_name],
        dynamo=True,
        verbose=False,
    )
    return program.model_proto


class _LastHiddenState:
    """Wraps a transformers encoder so that forward takes three tensors and returns one (what ONNX wants)."""

    @staticmethod
    def build(encoder):
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = encoder

            def forward(self, input_ids, attention_mask, token_type_ids):
                out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
                return out.last_hidden_state

        return Wrapper().eval()


def minilm_to_onnx(path: str | Path, encoder=None, tokenizer=None) -> Path:
    """Export MiniLM (the zoo's ``minilm-l6`` unless given) to ``path``, batch and sequence axes dynamic."""
    import torch

    from .. import load

    if encoder is None or tokenizer is None:
        adapted = load("minilm-l6", adapt=True, progress=False)
        encoder, tokenizer = adapted.native, adapted.tokenizer
    _quiet_exporter()
    example = tokenizer(["an example sentence", "a second, longer example sentence"], padding=True, return_tensors="pt")
    args = tuple(example[name] for name in MINILM_INPUTS)
    batch, sequence = torch.export.Dim("batch", min=1, max=1024), torch.export.Dim("sequence", min=2, max=512)
    dynamic = tuple({0: batch, 1: sequence} for _ in MINILM_INPUTS)
    program = torch.onnx.export(
        _LastHiddenState.build(encoder.cpu()),
        args,
        dynamic_shapes=dynamic,
        input_names=list(MINILM_INPUTS),
        output_names=[MINILM_OUTPUT],
        dynamo=True,
        verbose=False,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    program.save(str(path))
    return path


# -- reading ONNX back -------------------------------------------------------------------------------
def _attrs(node) -> dict:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def read_onnx(model) -> tuple[list[Layer], tuple]:
    """Layers (torch layouts) and the input shape of a chain-shaped ONNX model."""
    from onnx import numpy_helper

    graph = model.graph
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            weights[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
    inputs = [i for i in graph.input if i.name not in weights]
    dims = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim][1:]
    layers: list[Layer] = []
    nodes = [n for n in graph.node if n.op_type != "Constant"]
    i = 0
    while i < len(nodes):
        node, a = nodes[i], _attrs(nodes[i])
        op, where = node.op_type, f"node {i} ({node.name or node.op_type}: {node.op_type})"
        if op == "Conv":
            w = weights[node.input[1]]
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if a.get("group", 1) != 1 or pads[:2] != pads[2:] or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise ConversionError(f"{where}: only group 1 and symmetric explicit padding convert")
            bias = weights.get(node.input[2]) if len(node.input) > 2 else None
            params = dict(in_channels=w.shape[1], out_channels=w.shape[0], kernel=tuple(w.shape[2:]))
            params.update(stride=tuple(a.get("strides", [1, 1])), padding=(pads[0], pads[1]), bias=bias is not None)
            layers.append(Layer("conv2d", params, {"weight": w, **({"bias": bias} if bias is not None else {})}, where))
        elif op == "BatchNormalization":
            w = {k: weights[n] for k, n in zip(("weight", "bias", "running_mean", "running_var"), node.input[1:5], strict=True)}
            params = dict(
                num_features=len(w["weight"]),
                eps=float(a.get("epsilon", 1e-5)),
                momentum=round(1 - float(a.get("momentum", 0.9)), 6),
            )
            layers.append(Layer("batchnorm2d", params, w, where))
        elif op == "Gemm":
            w = weights[node.input[1]]
            w = w if a.get("transB", 0) else w.T  # torch's Linear is (out, in): transB=1 stores it as it is
            if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                raise ConversionError(f"{where}: only Gemm with alpha=beta=1 and no transA converts")
            bias = weights.get(node.input[2]) if len(node.input) > 2 else None
            params = dict(in_features=w.shape[1], out_features=w.shape[0], bias=bias is not None)
            layers.append(Layer("linear", params, {"weight": w, **({"bias": bias} if bias is not None else {})}, where))
        elif op == "MatMul" and node.input[1] in weights:
            w = weights[node.input[1]].T
            bias = None
            if i + 1 < len(nodes) and nodes[i + 1].op_type == "Add" and nodes[i + 1].input[1] in weights:
                bias, i = weights[nodes[i + 1].input[1]], i + 1
            params = dict(in_features=w.shape[1], out_features=w.shape[0], bias=bias is not None)
            layers.append(Layer("linear", params, {"weight": w, **({"bias": bias} if bias is not None else {})}, where))
        elif op == "Relu":
            layers.append(Layer("relu", name=where))
        elif op in ("MaxPool", "AveragePool"):
            if any(a.get("pads", [0])) or a.get("ceil_mode", 0):
                raise ConversionError(f"{where}: only pooling without padding or ceil_mode converts")
            kernel = tuple(a["kernel_shape"])
            kind = "maxpool2d" if op == "MaxPool" else "avgpool2d"
            layers.append(Layer(kind, dict(kernel=kernel, stride=tuple(a.get("strides", kernel))), name=where))
        elif op == "GlobalAveragePool":
            layers.append(Layer("global_avgpool", name=where))
        elif op == "Flatten" or (op == "Reshape" and _flattens(weights.get(node.input[1]))):
            layers.append(Layer("flatten", name=where))
        elif op in ("Dropout", "Identity"):
            pass  # no-ops at inference
        else:
            raise ConversionError(
                f"{where} has no conversion rule. Supported ONNX operators: Conv, Gemm, MatMul(+Add), BatchNormalization, "
                "Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape to (batch, -1), Dropout, Identity."
            )
        i += 1
    return layers, tuple(dims)


def _flattens(target) -> bool:
    return target is not None and target.ndim == 1 and len(target) == 2 and (-1 in target.tolist()[1:] or target[0] in (-1, 0))


# -- each framework's own exporter --------------------------------------------------------------------
def native_onnx(native, shape: tuple, folder: str | Path):
    """``native`` exported by its own framework's ONNX exporter (not through torch), batch axis dynamic.

    - torch: ``torch.onnx.export(dynamo=True)``;
    - Keras 3: ``model.export(path, format="onnx")``, which needs ``tf2onnx`` and a model called once;
    - Gluon: ``mx.onnx.export_model``, which needs :func:`zoo_patterns.compat.patch_onnx_mapping` on
      onnx >= 1.15 (without it: "Onnx and protobuf need to be installed", though both are).
    """
    import onnx

    from .graph import framework_of

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    framework = framework_of(native)
    if framework == "torch":
        return torch_to_onnx(native, shape)
    if framework == "keras":
        native(
            np.zeros((1, shape[1], shape[2], shape[0]) if len(shape) == 3 else (1, *shape), np.float32)
        )  # Keras exports only a called model
        native.export(str(folder / "keras.onnx"), format="onnx", verbose=False)
        return onnx.load(str(folder / "keras.onnx"))
    if framework == "gluon":
        from ..compat import import_mxnet, patch_onnx_mapping

        mx = import_mxnet()
        patch_onnx_mapping()
        native.hybridize()
        native(mx.nd.zeros((1, *shape)))
        native.export(str(folder / "gluon"))
        path = folder / "gluon.onnx"
        mx.onnx.export_model(str(folder / "gluon-symbol.json"), str(folder / "gluon-0000.params"), [(1, *shape)], np.float32,
                             str(path), dynamic=True, dynamic_input_shapes=[(None, *shape)])  # fmt: skip
        return onnx.load(str(path))
    raise ConversionError(f"{framework} models have no native ONNX exporter here")


def onnx_sentence_embeddings(path, tokenizer, texts: list[str]) -> np.ndarray:
    """MiniLM sentence embeddings from its ONNX export: mean pooling over real tokens, then L2 normalisation."""
    import onnxruntime as ort

    from ..adapters.hf import mean_pool

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="np")
    names = {i.name for i in session.get_inputs()}
    hidden = session.run(None, {k: encoded[k].astype(np.int64) for k in MINILM_INPUTS if k in names})[0]
    pooled = mean_pool(hidden, encoded["attention_mask"])
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
