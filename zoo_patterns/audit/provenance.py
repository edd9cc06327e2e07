"""Provenance and licence audit: can the next user tell where each model comes from and what they may do with it?

Rules, one finding per broken rule:

- every card has a licence (not a placeholder such as "unknown"), an origin and a training description, and
  says what data its metrics were measured on;
- every card lists known biases (an empty list claims there are none, which nobody has shown);
- a **derived** model (fine-tuned, converted, quantised, pruned) names its parent in its origin, in the form
  the workbook writes: ``"<verb> from <parent> <version> (...)"``;
- a derived model's parent is in the audited set, and the child's licence is the parent's (a licence does
  not change because the weights were converted or quantised).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..cards import ModelCard
from ..index import PLACEHOLDER_LICENCES
from ..lineage import DERIVED_TAGS, PARENT, is_derived, parent_of  # noqa: F401  (the line's writer and reader live there)


@dataclass(frozen=True)
class Finding:
    model: str
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.model}: {self.field}: {self.problem} ({self.fix})"


def audit_cards(cards: Iterable[ModelCard]) -> list[Finding]:
    """Every rule broken by any of ``cards``; an empty list means the set is consistent."""
    cards = list(cards)
    by_name: dict[str, list[ModelCard]] = {}  # a name may come with several versions
    for c in cards:
        by_name.setdefault(c.name, []).append(c)
    findings: list[Finding] = []

    def add(card: ModelCard, field: str, problem: str, fix: str) -> None:
        findings.append(Finding(card.name, field, problem, fix))

    for card in cards:
        if card.license.strip().lower() in PLACEHOLDER_LICENCES:
            add(card, "license", f"{card.license!r} is not a licence", "give an SPDX id such as Apache-2.0 or MIT")
        if len(card.provenance.origin.strip()) < 3:
            add(card, "provenance.origin", "empty", "say where the weights come from (a URL, a package, a parent model)")
        if len(card.provenance.training.strip()) < 3:
            add(card, "provenance.training", "empty", "say what data and procedure trained it")
        for metric in card.metrics:
            if not metric.dataset.strip():
                add(card, f"metrics.{metric.name}", "no dataset", "say what data the number was measured on")
        if not card.biases:
            add(card, "biases", "empty: claims no known bias", "list what is known, or that it has not been measured")
        if not is_derived(card):
            continue
        parent = parent_of(card)
        if parent is None:
            add(
                card,
                "provenance.origin",
                "derived (tags say so) but names no parent",
                "write 'fine-tuned from NAME VERSION ...' (or converted / optimised)",
            )
            continue
        name, version = parent
        if name not in by_name:
            add(card, "provenance.origin", f"parent {name} {version} is not in the audited set", "audit the parent too")
            continue
        mother = next((m for m in by_name[name] if m.version == version), None)
        if mother is None:
            there = ", ".join(m.version for m in by_name[name])
            add(card, "provenance.origin", f"names {name} {version}, the set has {there}", "name the version used")
            continue
        if mother is card:
            add(card, "provenance.origin", f"names itself ({name} {version}) as its parent", "name the version it was made from")
            continue
        if card.license != mother.license:
            add(
                card,
                "license",
                f"{card.license!r} contradicts its parent {name}'s {mother.license!r}",
                f"a derived model inherits its parent's licence: {mother.license}",
            )
    return findings


def cards_in(*folders: str | Path) -> list[ModelCard]:
    """The cards of a built zoo (by its index) and of model folders (their README.md)."""
    from ..index import INDEX, read_index

    out = []
    for folder in map(Path, folders):
        if (folder / INDEX).exists():
            out += [ModelCard.load(folder / e["card"]) for e in read_index(folder)["models"]]
        else:
            out.append(ModelCard.load(folder))
    return out
