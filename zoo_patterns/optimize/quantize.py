"""Quantisation in three runtimes: torch, ONNX Runtime and LiteRT (lesson 10).

=========================  ===================================================================
``torch_dynamic_int8``     Linear weights stored as int8, activations quantised on the fly
                           (``torch.ao.quantization.quantize_dynamic``; the API warns that it is
                           deprecated in favour of torchao, which this workbook does not install)
``onnx_dynamic_int8``      the same idea in ONNX Runtime, per-channel weight scales
``onnx_static_int8``       weights *and* activations int8 (QDQ format), activation ranges
                           calibrated on real training images
``litert``                 TFLite/LiteRT flatbuffers from a Keras model: ``int8`` (full integer,
                           calibrated), ``fp16`` (half-size weights) or ``fp32``
=========================  ===================================================================

Each function writes or returns the optimised model; judging it is ``bench.py``'s job. A LiteRT
file runs in :class:`~zoo_patterns.loader.decode.LiteRTModel`, beside the other decoders.
"""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from pathlib import Path

import numpy as np

from ..loader.decode import LiteRTModel  # noqa: F401  (re-exported: where lesson 10 meets it)


def torch_dynamic_int8(module):
    """A copy of ``module`` whose Linear layers run in int8 (dynamic quantisation, CPU)."""
    import torch
    from torch import nn

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated, still the stock way: that warning only, others still show
        warnings.filterwarnings("ignore", message="torch.ao.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(module).cpu().eval(), {nn.Linear}, dtype=torch.qint8)


def onnx_dynamic_int8(source: str | Path, target: str | Path, *, per_channel: bool = True) -> Path:
    """ONNX Runtime dynamic int8: int8 weights (one scale per output channel), activations quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(source), str(target), per_channel=per_channel, weight_type=QuantType.QInt8)
    return target


def onnx_static_int8(source: str | Path, target: str | Path, calibration: np.ndarray, *, batch: int = 32) -> Path:
    """ONNX Runtime static int8 in QDQ format, activation ranges calibrated on ``calibration`` inputs."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    name = onnx.load(str(source), load_external_data=False).graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(
                [{name: calibration[i : i + batch].astype(np.float32)} for i in range(0, len(calibration), batch)]
            )

        def get_next(self):
            return next(self.batches, None)

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    quantize_static(str(source), str(target), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)  # fmt: skip
    return target


def litert(keras_model, target: str | Path, mode: str = "int8", calibration: np.ndarray | None = None) -> Path:
    """Write a LiteRT (TFLite) model: ``int8`` (calibrated full integer), ``fp16`` or ``fp32``."""
    import tensorflow as tf

    if mode not in ("int8", "fp16", "fp32"):
        raise ValueError(f"mode={mode!r}: expected 'int8', 'fp16' or 'fp32'.")
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    if mode != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        if calibration is None:
            raise ValueError("int8 needs calibration inputs (a few hundred real examples, NHWC for Keras).")
        converter.representative_dataset = lambda: ([calibration[i : i + 1].astype(np.float32)] for i in range(len(calibration)))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]  # full integer, float in and out
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its whole SavedModel signature
        target.write_bytes(converter.convert())
    return target


def onnx_session(path: str | Path, threads: int = 1):
    """An ONNX Runtime CPU session with a fixed thread count and no spin-waiting.

    Spinning threads keep a core busy after each run, which slows whatever runs next in
    the same process (a torch model being timed, say).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
