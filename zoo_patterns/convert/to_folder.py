"""``python -m zoo_patterns convert NAME --to T --out DIR``: a converted model as a zoo model folder.

The folder is what :meth:`ZooModel.save` writes (the target's safe format plus
a card listing every file's sha256), so ``zp.load(DIR)`` opens it. Its card
is the parent's, changed where the conversion changed something
(:func:`zoo_patterns.lineage.derived_card`): the framework, the input layout,
and the provenance, which names the parent (name, version, sha256 of its
weights), the converter and its version, and the parity measured against the
parent at conversion time.
"""

from __future__ import annotations

from pathlib import Path

from ..cards import Metric, ModelCard, TensorSpec
from ..lineage import derived_card, write_card
from .layers import ConversionError


def convert_to_folder(name: str, to: str, out: str | Path) -> tuple[Path, ModelCard]:
    """Convert the zoo model ``name`` to framework ``to`` and save it as a loadable folder in ``out``."""
    from .. import card as card_of
    from .. import load

    parent = card_of(name)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; give an empty or new folder for the converted model.")
    if parent.framework == "transformers":
        if to != "onnx":
            raise ConversionError(f"{name} is a transformers model; it converts to onnx only (got --to {to}).")
        return _minilm_to_folder(parent, out)
    from . import convert, parity, probe_inputs
    from .graph import framework_of, input_shape_from

    native = load(name, progress=False)
    source = framework_of(native)
    converted = convert(native, to, input_spec=parent.inputs[0], check=False)  # checked just below, on the inputs it reports
    shape = input_shape_from(parent.inputs[0], [])  # (C, H, W), whatever layout the parent takes
    report = parity(native, converted, probe_inputs(shape, n=64, seed=1))  # raises ParityError above 1e-5
    metrics = [
        Metric("parity_max_abs_diff", report.max_abs, f"64 seeded random inputs, against {parent.name}", "conversion"),
        Metric(
            "parity_argmax_agreement", report.argmax_agreement, f"64 seeded random inputs, against {parent.name}", "conversion"
        ),
    ]
    card = derived_card(parent, to, metrics, f"{source} -> {to}, table-driven layer rules; no retraining")
    if to == "onnx":
        import onnxruntime as ort

        converted = ort.InferenceSession(converted.SerializeToString(), providers=["CPUExecutionProvider"])
    from ..adapters import adapt

    adapt(converted, card=card).save(out)
    return out, card


def _minilm_to_folder(parent: ModelCard, out: Path) -> tuple[Path, ModelCard]:
    from .. import load
    from ..datasets import helpdesk_task
    from .onnx import minilm_to_onnx, onnx_sentence_embeddings

    encoder = load(parent.name, adapt=True, progress=False)
    path = minilm_to_onnx(out / "model.onnx", encoder.native, encoder.tokenizer)
    texts = list(helpdesk_task().test_texts)
    mine = onnx_sentence_embeddings(path, encoder.tokenizer, texts)
    reference = encoder.predict(texts)
    cosines = (mine * reference).sum(axis=1)
    metrics = [
        Metric(
            "parity_min_cosine",
            float(cosines.min()),
            f"{len(texts)} help-desk test sentences, against {parent.name}",
            "conversion",
        )
    ]
    card = derived_card(parent, "onnx", metrics, "torch.onnx.export(dynamo=True) of the transformers encoder; no retraining")
    token_spec = TensorSpec("input_ids", ("batch", "sequence"), (None, None), "int64", "", None, "the parent's tokenizer")
    card = card.replace(
        format="onnx",
        inputs=(token_spec,),
        outputs=(TensorSpec("last_hidden_state", ("batch", "sequence", "features"), (None, None, 384), "float32"),),
    )
    return out, write_card(card, out, [path])
