"""Moving models between frameworks, with proof (lesson 09; lesson 03 uses it for parity).

``convert(native, to)`` reads a model into layers (``layers.py``: one rule per
kind, each layout change in one place), writes them in the target framework
(``graph.py``) and, before returning, re-tests the result against the
original on seeded random inputs (``parity.py``). A conversion that does not
reach the tolerance raises :class:`ParityError` naming the first layer that
diverges; a layer no rule knows raises :class:`ConversionError`. Nothing is
returned half-converted.

=================  ==============================================================
``to="keras"``     a ``keras.Model`` taking NHWC input
``to="gluon"``     a Gluon ``HybridSequential`` taking NCHW input
``to="torch"``     an ``nn.Sequential`` (from Keras, Gluon or ONNX)
``to="onnx"``      an ``onnx.ModelProto`` with a dynamic batch axis, exported by
                   torch's own exporter (Keras and Gluon go through torch)
=================  ==============================================================

``onnx.py`` also exports MiniLM (``minilm_to_onnx``) and reads ONNX graphs back.
``digits.py`` keeps the hand-written mapping of the zoo's digits CNN (lesson 03).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..cards import TensorSpec
from .digits import torch_to_gluon, torch_to_keras
from .graph import framework_of, input_shape_from, run, trace
from .layers import RULES, ConversionError, Layer, Rule
from .parity import ParityError, ParityReport, parity

TARGETS = ("torch", "keras", "gluon", "onnx")


def to_layers(native: Any, *, input_spec: TensorSpec | None = None, rules: dict[str, Rule] = RULES) -> tuple[list[Layer], tuple]:
    """``native`` as a list of layers in torch's layouts, and its input shape without the batch axis."""
    from . import graph

    source = framework_of(native)
    if source == "torch":
        layers = graph.read_torch(native, rules)
        shape = input_shape_from(input_spec, layers)
    elif source == "keras":
        layers, shape = graph.read_keras(native, rules)
    elif source == "gluon":
        layers = graph.read_gluon(native, rules)
        shape = input_shape_from(input_spec, layers)
    else:
        from .onnx import read_onnx

        layers, shape = read_onnx(native)
    graph.annotate(layers, shape)
    return layers, shape


def from_layers(layers: list[Layer], to: str, shape: tuple, *, rules: dict[str, Rule] = RULES, input_name: str = "input"):
    from . import graph

    if to == "torch":
        return graph.write_torch(layers, rules)
    if to == "keras":
        return graph.write_keras(layers, shape, rules)
    if to == "gluon":
        return graph.write_gluon(layers, rules)
    from .onnx import torch_to_onnx

    return torch_to_onnx(graph.write_torch(layers, rules), shape, input_name=input_name)


def probe_inputs(shape: tuple, n: int = 16, seed: int = 0) -> np.ndarray:
    """Seeded inputs in [0, 1) for the parity check: enough to exercise every weight."""
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def convert(
    native: Any,
    to: str,
    *,
    input_spec: TensorSpec | None = None,
    rules: dict[str, Rule] = RULES,
    check: bool = True,
    tolerance: float = 1e-5,
):
    """``native`` rebuilt in framework ``to``, parity-checked against it (``check=False`` skips the check)."""
    if to not in TARGETS:
        raise ConversionError(f"unknown target {to!r}; expected one of {', '.join(TARGETS)}.")
    source = framework_of(native)
    if source == to:
        raise ConversionError(f"the model is already a {to} model; nothing to convert.")
    layers, shape = to_layers(native, input_spec=input_spec, rules=rules)
    converted = from_layers(layers, to, shape, rules=rules, input_name=input_spec.name if input_spec is not None else "input")
    if check:
        parity(native, converted, probe_inputs(shape), tolerance=tolerance)
    return converted


__all__ = [
    "RULES",
    "TARGETS",
    "ConversionError",
    "Layer",
    "ParityError",
    "ParityReport",
    "Rule",
    "convert",
    "framework_of",
    "from_layers",
    "parity",
    "probe_inputs",
    "run",
    "to_layers",
    "torch_to_gluon",
    "torch_to_keras",
    "trace",
]
