"""``python -m zoo_patterns convert NAME --to T --out DIR``: a converted model as a zoo model folder.

The folder is what :meth:`ZooModel.save` writes (the target's safe format plus
a card listing every file's sha256), so ``zp.load(DIR)`` opens it. Its card
is the parent's, changed where the conversion changed something: the
framework, the input layout, and the provenance, which names the parent
(name, version, sha256 of its weights), the converter and its version, and
the parity measured against the parent at conversion time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..cards import Metric, ModelCard, Provenance, TensorSpec
from .layers import ConversionError

WEIGHT_SUFFIXES = (".safetensors", ".keras", ".params", ".onnx", ".jit", ".pt2")


def parent_sha256(card: ModelCard) -> str:
    """The sha256 of the parent's weights file (the first file that is not its card or config)."""
    for entry in card.files:
        if entry.path.endswith(WEIGHT_SUFFIXES):
            return entry.sha256
    return card.files[0].sha256 if card.files else "unknown"


def spec_for(spec: TensorSpec, framework: str) -> TensorSpec:
    """The parent's input spec in the layout the target framework takes (Keras: NHWC; the others: NCHW)."""
    wanted = "NHWC" if framework == "keras" else "NCHW"
    if spec.layout not in ("NCHW", "NHWC") or spec.layout == wanted:
        return spec
    order = (0, 2, 3, 1) if wanted == "NHWC" else (0, 3, 1, 2)
    return TensorSpec(spec.name, tuple(spec.dims[i] for i in order), tuple(spec.shape[i] for i in order), spec.dtype, wanted,
                      spec.value_range, spec.preprocessing)  # fmt: skip


def derived_card(
    card: ModelCard, to: str, metrics: list[Metric], how: str, *, name: str = "", verb: str = "converted"
) -> ModelCard:
    """The parent's card for a model derived from it: new framework and provenance, parent named, license kept."""
    from .. import __version__

    origin = f"{verb} from {card.name} {card.version} (weights sha256 {parent_sha256(card)}), license inherited"
    tool = {"converted": "zoo_patterns.convert", "optimised": "zoo_patterns.optimize"}.get(verb, "zoo_patterns.transfer")
    return card.replace(
        name=name or f"{card.name}-{to}",
        framework=to,
        inputs=tuple(spec_for(s, to) for s in card.inputs),
        provenance=Provenance(origin, f"{tool} {__version__}: {how}"),
        metrics=tuple(metrics),
        tags=tuple(dict.fromkeys((*card.tags, verb, f"from-{card.framework}"))),
        files=(),
        description="",
    )


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


def write_card(card: ModelCard, out: Path, files: list[Path]) -> ModelCard:
    """Save ``card`` as ``out/README.md``, listing the files already written there with their sizes and sha256."""
    from ..cards import FileEntry
    from ..loader.verify import sha256_file

    entries = tuple(FileEntry(p.name, p.stat().st_size, sha256_file(p)) for p in files)
    card = card.replace(files=entries, size_bytes=sum(e.size for e in entries))
    card.save(out / "README.md")
    return card


def _minilm_to_folder(parent: ModelCard, out: Path) -> tuple[Path, ModelCard]:
    from .. import load
    from ..datasets import helpdesk_task
    from .onnx import minilm_to_onnx

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


def onnx_sentence_embeddings(path, tokenizer, texts: list[str]) -> np.ndarray:
    """MiniLM sentence embeddings from its ONNX export: mean pooling over real tokens, then L2 normalisation."""
    import onnxruntime as ort

    from .onnx import MINILM_INPUTS

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="np")
    names = {i.name for i in session.get_inputs()}
    hidden = session.run(None, {k: encoded[k].astype(np.int64) for k in MINILM_INPUTS if k in names})[0]
    mask = encoded["attention_mask"][..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
