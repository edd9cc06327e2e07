"""The adapter pattern (lesson 03): one ``ZooModel`` interface over every framework.

======================  ====================  =========================================
native object           adapter               module
======================  ====================  =========================================
``torch.nn.Module``     :class:`TorchModel`   ``adapters.torch`` (also TorchScript)
``keras.Model``         :class:`KerasModel`   ``adapters.keras``
Gluon ``Block``         :class:`GluonModel`   ``adapters.gluon``
transformers model      ``TransformersModel`` ``adapters.hf`` (tokenizer + pooling)
ONNX Runtime session    :class:`OnnxModel`    ``adapters.onnx``
TF SavedModel           ``SavedModelModel``   ``adapters.tf`` (what TF Hub loads)
======================  ====================  =========================================

:func:`adapt` looks at the object's class to pick the adapter, so nothing is
imported for frameworks you do not use.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..cards import ModelCard, TensorSpec
from ..errors import AdapterError, SpecError
from .base import ZooModel, check_input

# (module prefix of the object's class or a base class, adapter module, adapter class), first match wins.
ADAPTERS: list[tuple[str, str, str]] = [
    ("transformers.", "hf", "TransformersModel"),
    ("torch.", "torch", "TorchModel"),
    ("keras.", "keras", "KerasModel"),
    ("mxnet.", "gluon", "GluonModel"),
    ("onnxruntime.", "onnx", "OnnxModel"),
    ("tensorflow.", "tf", "SavedModelModel"),
]


def adapter_for(native: Any) -> type[ZooModel]:
    """The adapter class for a native object, chosen by where its class (or a base class) is defined."""
    modules = [f"{k.__module__}." for k in type(native).__mro__]
    for prefix, module, name in ADAPTERS:
        if any(m.startswith(prefix) for m in modules):
            return getattr(importlib.import_module(f".{module}", __name__), name)
    if any(m.startswith("tf_keras.") for m in modules):
        raise AdapterError(
            f"{type(native).__name__} is a tf_keras (Keras 2) object; Keras 3 cannot wrap it. Save it as a SavedModel and "
            "load that with keras.layers.TFSMLayer or tensorflow_hub.load (lesson 05 shows the break)."
        )
    raise AdapterError(
        f"no adapter for {type(native).__module__}.{type(native).__name__}. Expected a torch nn.Module, a Keras model, "
        "a Gluon block, a transformers model, an ONNX Runtime InferenceSession or a TF SavedModel; "
        "add an entry to zoo_patterns.adapters.ADAPTERS for a new runtime."
    )


def adapt(
    native: Any,
    card: ModelCard | None = None,
    *,
    input_spec: TensorSpec | None = None,
    output_spec: TensorSpec | None = None,
    **options,
) -> ZooModel:
    """Wrap a framework's own model in the :class:`ZooModel` interface, detecting its framework.

    ``input_spec`` is needed where the framework does not record one (torch,
    Gluon) and no ``card`` gives it; Keras, ONNX and SavedModels know theirs.
    ``options`` go to the adapter (``tokenizer=``, ``source=`` for text models).
    """
    if isinstance(native, ZooModel):
        return native
    adapter = adapter_for(native)
    if adapter.__name__ != "TransformersModel":
        options.pop("source", None)
    model = adapter(native, card=card, input_spec=input_spec, output_spec=output_spec, **options)
    if model.input_spec is None:
        raise AdapterError(
            f"{adapter.framework} models do not record what input they take, and no card was given. "
            "Pass input_spec=, for example TensorSpec('image', ('batch', 'channel', 'height', 'width'), "
            "(None, 1, 8, 8), 'float32', 'NCHW', (0.0, 1.0))."
        )
    return model


__all__ = ["ADAPTERS", "SpecError", "ZooModel", "adapt", "adapter_for", "check_input"]
