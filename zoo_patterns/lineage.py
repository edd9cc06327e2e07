"""Lineage: the card of a model derived from another (fine-tuned, converted, optimised), and how to read it back.

A derived model keeps its parent's card, changed where the derivation changed
something: the framework, the input layout, the metrics, and the provenance,
whose origin line names the parent in one fixed form,
``"<verb> from <parent> <version> (weights sha256 ...)"``. :func:`derived_card`
writes that line and :func:`parent_of` parses it, here in one module, so the
writer (``convert``, ``optimize``, ``transfer``) and the reader (``audit``,
lesson 11) cannot drift apart. It sits with the workflows in lesson 12's layers:
it uses the package version from the facade and is used only by the workflows.
"""

from __future__ import annotations

import re
from pathlib import Path

from .cards import Metric, ModelCard, Provenance, TensorSpec, file_entries

WEIGHT_SUFFIXES = (".safetensors", ".keras", ".params", ".onnx", ".jit", ".pt2")
DERIVED_TAGS = {"converted", "optimised", "optimized", "fine-tuned", "quantised", "quantized", "pruned", "derived"}
PARENT = re.compile(r"^(?P<verb>[\w-]+) from (?P<name>[\w.\-]+) (?P<version>[\w.\-+]+)\b")
TOOLS = {"converted": "zoo_patterns.convert", "optimised": "zoo_patterns.optimize"}  # any other verb: transfer


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


def origin_line(parent: ModelCard, verb: str) -> str:
    """The provenance origin of a model derived from ``parent``: the line :func:`parent_of` reads back."""
    return f"{verb} from {parent.name} {parent.version} (weights sha256 {parent_sha256(parent)}), license inherited"


def derived_card(
    card: ModelCard, to: str, metrics: list[Metric], how: str, *, name: str = "", verb: str = "converted"
) -> ModelCard:
    """The parent's card for a model derived from it: new framework and provenance, parent named, license kept."""
    from . import __version__

    return card.replace(
        name=name or f"{card.name}-{to}",
        framework=to,
        inputs=tuple(spec_for(s, to) for s in card.inputs),
        provenance=Provenance(origin_line(card, verb), f"{TOOLS.get(verb, 'zoo_patterns.transfer')} {__version__}: {how}"),
        metrics=tuple(metrics),
        tags=tuple(dict.fromkeys((*card.tags, verb, f"from-{card.framework}"))),
        files=(),
        description="",
    )


def write_card(card: ModelCard, out: Path, files: list[Path]) -> ModelCard:
    """Save ``card`` as ``out/README.md``, listing the files already written there with their sizes and sha256."""
    entries = file_entries(files, out)
    card = card.replace(files=entries, size_bytes=sum(e.size for e in entries))
    card.save(Path(out) / "README.md")
    return card


def parent_of(card: ModelCard) -> tuple[str, str] | None:
    """``(name, version)`` of the parent a derived card names in its origin, else None."""
    match = PARENT.match(card.provenance.origin.strip())
    return (match["name"], match["version"]) if match else None


def is_derived(card: ModelCard) -> bool:
    return parent_of(card) is not None or bool(DERIVED_TAGS & set(card.tags))
