"""``python -m zoo_patterns optimize NAME --method M --runtime R --out DIR``: an optimised model folder.

The folder holds the optimised model and a card derived from the parent's (see
``lineage.derived_card``): it names the parent and its weights' sha256, the
method and runtime, and the size and quality measured against the parent when the
folder was written. ``zp.load(DIR)`` opens it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..cards import Metric
from ..errors import UnsupportedOptimisation

# (task, method, runtime) -> what it does. Everything else is refused with this list.
SUPPORTED = {
    (
        "image-classification",
        "prune-structured",
        "torch",
    ): "50% of the convolution channels removed, then a 5-epoch recovery fine-tune",
    (
        "image-classification",
        "int8-static",
        "onnx",
    ): "ONNX Runtime static int8 (QDQ, per channel), calibrated on 512 training images",
    ("image-classification", "int8-static", "litert"): "LiteRT full-integer int8, calibrated on 256 training images",
    ("image-classification", "fp16", "litert"): "LiteRT with float16 weights",
    ("sentence-embedding", "int8-dynamic", "onnx"): "ONNX Runtime dynamic int8, per-channel weight scales",
}


def supported_text() -> str:
    return "; ".join(f"{task}: --method {m} --runtime {r}" for task, m, r in SUPPORTED)


def optimize_to_folder(name: str, method: str, runtime: str, out: str | Path) -> tuple[Path, object]:
    from .. import card as card_of

    parent = card_of(name)
    key = (parent.task, method, runtime)
    if key not in SUPPORTED:
        raise UnsupportedOptimisation(
            f"{name} ({parent.task}) has no --method {method} --runtime {runtime}. Supported: {supported_text()}."
        )
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; give an empty or new folder for the optimised model.")
    out.mkdir(parents=True, exist_ok=True)
    if parent.task == "sentence-embedding":
        return _minilm(parent, out)
    return _digits(parent, method, runtime, out)


def _digits(parent, method: str, runtime: str, out: Path):
    from .. import load
    from ..adapters import adapt
    from ..convert import convert, run
    from ..datasets import digits_task
    from ..lineage import derived_card, write_card
    from .quantize import LiteRTModel, litert, onnx_static_int8

    if parent.domain != "handwritten-digits":
        raise UnsupportedOptimisation(
            f"{parent.name}: the calibration and quality data here are the digits; expected a digits model."
        )
    split = digits_task(seed=0)
    native = load(parent.name, progress=False)
    spec = parent.inputs[0]
    torch_net = native if type(native).__name__ == "DigitsCNN" else convert(native, "torch", input_spec=spec)
    parent_accuracy = float(np.mean(run(native, split.x_test).argmax(1) == split.y_test))
    how = SUPPORTED[(parent.task, method, runtime)]
    if method == "prune-structured":
        if type(torch_net).__name__ != "DigitsCNN":
            raise UnsupportedOptimisation(f"{parent.name}: structured pruning here rebuilds a DigitsCNN; use digits-cnn-torch.")
        from ..transfer import TransferPlan
        from ..transfer.torch import fit
        from .prune import prune_digits_cnn

        model, _ = fit(
            TransferPlan.full(parent.name, 5, epochs=5), split, progress=False, start_from=prune_digits_cnn(torch_net, 0.5)
        )
        accuracy = float(np.mean(run(model, split.x_test).argmax(1) == split.y_test))
        card = derived_card(parent, "torch", [], how, name=f"{parent.name}-pruned", verb="optimised")
        adapt(model, card=card).save(out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            if runtime == "onnx":
                fp32 = Path(tmp) / "fp32.onnx"
                fp32.write_bytes(convert(torch_net, "onnx", input_spec=spec).SerializeToString())
                path = onnx_static_int8(fp32, out / "model.onnx", split.x_train[:512])
            else:
                keras_model = convert(torch_net, "keras", input_spec=spec)
                path = litert(
                    keras_model, out / "model.tflite", "int8" if method == "int8-static" else "fp16", split.nhwc().x_train[:256]
                )
        predict = LiteRTModel(path) if runtime == "litert" else _session(path)
        x = split.nhwc().x_test if runtime == "litert" else split.x_test
        accuracy = float(np.mean(predict(x).argmax(1) == split.y_test))
        card = derived_card(
            parent,
            "keras" if runtime == "litert" else "onnx",
            [],
            how,
            name=f"{parent.name}-{method}-{runtime}",
            verb="optimised",
        )
        fmt = "litert" if runtime == "litert" else "onnx"
        write_card(card.replace(framework=runtime, format=fmt), out, [path])
    return _finish(out, parent, accuracy, parent_accuracy, "accuracy", "held-out digits 0-4 (sklearn digits, seed 0)")


def _minilm(parent, out: Path):
    from .. import load
    from ..convert.onnx import minilm_to_onnx, onnx_sentence_embeddings
    from ..datasets import helpdesk_task
    from ..lineage import derived_card, write_card
    from .quantize import onnx_dynamic_int8

    encoder = load(parent.name, adapt=True, progress=False)
    texts = list(helpdesk_task().test_texts)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = minilm_to_onnx(Path(tmp) / "fp32.onnx", encoder.native, encoder.tokenizer)
        path = onnx_dynamic_int8(fp32, out / "model.onnx", per_channel=True)
    cosine = float(np.mean((onnx_sentence_embeddings(path, encoder.tokenizer, texts) * encoder.predict(texts)).sum(axis=1)))
    card = derived_card(
        parent, "onnx", [], SUPPORTED[(parent.task, "int8-dynamic", "onnx")], name=f"{parent.name}-int8-onnx", verb="optimised"
    )
    from ..cards import TensorSpec

    card = card.replace(
        format="onnx",
        inputs=(TensorSpec("input_ids", ("batch", "sequence"), (None, None), "int64", "", None, "the parent's tokenizer"),),
        outputs=(TensorSpec("last_hidden_state", ("batch", "sequence", "features"), (None, None, 384), "float32"),),
    )
    write_card(card, out, [path])
    return _finish(out, parent, cosine, None, "mean_cosine_to_parent", f"{len(texts)} help-desk test sentences")


def _session(path):
    from .quantize import onnx_session

    session = onnx_session(path)
    return lambda x: session.run(None, {session.get_inputs()[0].name: x})[0]


def _finish(out: Path, parent, quality: float, parent_quality: float | None, metric: str, dataset: str):
    """Add the measured quality and size, child against parent, to the card just written."""
    from ..cards import ModelCard

    card = ModelCard.load(out / "README.md")
    size = sum(f.size for f in card.files)
    metrics = [Metric(metric, quality, dataset, "optimised")]
    if parent_quality is not None:
        metrics.append(Metric(f"parent_{metric}", parent_quality, dataset, "parent"))
    metrics.append(Metric("size_ratio_to_parent", size / max(parent.size_bytes or size, 1), "bytes on disk", "optimised"))
    card = card.replace(metrics=tuple(metrics))
    card.save(out / "README.md")
    return out, card
