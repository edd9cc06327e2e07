"""The layered architecture, read from the package's real imports (lesson 12).

:func:`import_graph` parses every module of the package (without importing
it) and records which parts of the package and which outside libraries it
imports, lazy imports inside functions included. :func:`layers` then puts
each part on a layer: a part sits above everything it imports, so arrows
point down. A cycle (two parts importing each other) would make that
impossible; :func:`cycles` lists them, so a drawing never hides one.

:data:`LAYERS` is the order of the layers, as lesson 12 draws them, bottom
to top; :func:`upward_arrows` lists every import that breaks it. The rules
lesson 12 and ``tests/test_architecture.py`` check: no cycles, no upward
arrows, ``loader`` and ``adapters`` side by side (neither imports the other),
nothing below ``ui`` imports it, and only ``ui`` imports ipywidgets.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FACADE = "zoo_patterns"  # the package's own __init__: the one-liners (zp.load, zp.card, ...)
CLI = "cli"  # __main__: python -m zoo_patterns

# The declared layers, bottom to top. A part may import parts of its own layer (no cycles) and of the
# layers below it; SIDE_BY_SIDE parts share a layer and never import each other.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "ground",
        frozenset(
            {"errors", "settings", "logs", "compat", "cards", "model_registry", "hashing", "index", "models", "datasets", "data"}
        ),
    ),  # fmt: skip
    ("hub protocols", frozenset({"hubs"})),  # the server side of four hubs, which loader.serve speaks
    ("loader | adapters", frozenset({"loader", "adapters"})),
    ("facade", frozenset({FACADE})),
    ("zoo build, workflows", frozenset({"zoo", "lineage", "transfer", "convert", "optimize", "audit"})),
    ("apps", frozenset({"ui", CLI, "exercises", "classroom", "doctor", "architecture", "hub_clients"})),
)
SIDE_BY_SIDE = frozenset({"loader", "adapters"})


@dataclass(frozen=True)
class ImportGraph:
    """``parts[p]``: the package parts ``p`` imports; ``external[p]``: the outside top-level modules."""

    parts: dict[str, set[str]]
    external: dict[str, set[str]]
    modules: dict[str, set[str]]  # module-level detail: "ui.views" -> {"ui.viewmodel", ...}


def part_of(module: str) -> str:
    """``ui.views`` -> ``ui``; ``registry`` -> ``registry``; ``""`` (the package itself) -> the facade.

    A name that is no module of the package (``load`` in ``from .. import load``) is a name
    of the package's ``__init__``: the facade.
    """
    head = module.split(".")[0]
    if head == "__main__":
        return CLI
    if head in ("", "__init__") or not ((PACKAGE / f"{head}.py").exists() or (PACKAGE / head).is_dir()):
        return FACADE
    return head


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _imports(path: Path, module: str) -> tuple[set[str], set[str]]:
    """(package modules, outside top-level modules) that ``path`` imports anywhere in its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    inside, outside = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                if name == "zoo_patterns" or name.startswith("zoo_patterns."):
                    inside.add(name.removeprefix("zoo_patterns").lstrip("."))
                else:
                    outside.add(name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                name = node.module or ""
                if name == "zoo_patterns" or name.startswith("zoo_patterns."):
                    base = name.removeprefix("zoo_patterns").lstrip(".")
                    inside.update(f"{base}.{a.name}".strip(".") if not base else base for a in node.names)
                else:
                    outside.add(name.split(".")[0])
                continue
            here = module.split(".") if module else []
            anchor = here if is_package else here[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
            base = ".".join([*anchor, *(node.module.split(".") if node.module else [])])
            if node.module:
                inside.add(base)
            else:  # from . import x: x is a module of the package (or a name in its __init__)
                inside.update(f"{base}.{a.name}".strip(".") for a in node.names)
    return inside, outside


def import_graph(root: Path = PACKAGE) -> ImportGraph:
    parts: dict[str, set[str]] = defaultdict(set)
    external: dict[str, set[str]] = defaultdict(set)
    modules: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path) if root == PACKAGE else ".".join(path.relative_to(root).with_suffix("").parts)
        inside, outside = _imports(path, module)
        modules[module or FACADE] = inside
        me = part_of(module)
        parts[me].update(p for p in (part_of(m) for m in inside) if p != me)
        external[me].update(outside)
    for me in list(parts):
        parts[me].discard(me)
    return ImportGraph(dict(parts), dict(external), modules)


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of parts that reach each other (each pair once, sorted): where layering is broken."""
    reach = {p: _reachable(graph, p) for p in graph}
    return sorted({tuple(sorted((a, b))) for a in graph for b in reach[a] if a != b and a in reach.get(b, set())})


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def layers(graph: dict[str, set[str]]) -> dict[str, int]:
    """Layer of each part, 0 at the bottom: one more than the highest part it imports (cycles broken by name)."""
    level: dict[str, int] = {}

    def visit(part: str, path: tuple[str, ...]) -> int:
        if part in level:
            return level[part]
        below = [visit(p, (*path, part)) for p in graph.get(part, ()) if p not in path]
        level[part] = 1 + max(below, default=-1)
        return level[part]

    for part in sorted(graph):
        visit(part, ())
    return level


def declared_layer(part: str) -> int:
    """The index in :data:`LAYERS` of the layer ``part`` is declared in; KeyError for an undeclared part."""
    for i, (_, parts) in enumerate(LAYERS):
        if part in parts:
            return i
    raise KeyError(f"{part!r} is in no layer of architecture.LAYERS; declare where it belongs in LAYERS.")


def upward_arrows(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports that break the declared order: to a higher layer, or between two side-by-side parts."""
    bad = []
    for src, deps in sorted(graph.items()):
        for dst in sorted(deps):
            if declared_layer(dst) > declared_layer(src) or {src, dst} <= SIDE_BY_SIDE:
                bad.append((src, dst))
    return bad


def importers_of(graph: ImportGraph, target: str) -> set[str]:
    """The parts that import ``target``: a package part (``ui``) or an outside library (``ipywidgets``)."""
    return {p for p, deps in graph.parts.items() if target in deps} | {p for p, ext in graph.external.items() if target in ext}


def plot_layers(graph: ImportGraph, ax=None, *, declared: bool = False):
    """Draw the parts on their layers, with an arrow per import (matplotlib); returns the axes.

    ``declared=True`` puts each part on its layer in :data:`LAYERS` (named on the left) instead of
    the layer its imports give it.
    """
    import matplotlib.pyplot as plt

    level = {p: declared_layer(p) for p in graph.parts} if declared else layers(graph.parts)
    rows: dict[int, list[str]] = defaultdict(list)
    for part, lv in sorted(level.items()):
        rows[lv].append(part)
    pos = {p: (i - (len(row) - 1) / 2, lv) for lv, row in rows.items() for i, p in enumerate(row)}
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 1.2 + 0.8 * len(rows)))
    broken = set(upward_arrows(graph.parts)) if declared else set()
    for src, deps in graph.parts.items():
        for dst in deps:
            (x0, y0), (x1, y1) = pos[src], pos[dst]
            upward = (src, dst) in broken if declared else y1 >= y0
            ax.annotate(
                "",
                (x1, y1),
                (x0, y0),
                arrowprops=dict(arrowstyle="->", color="red" if upward else "0.7", lw=1.5 if upward else 0.8),
            )
    for part, (x, y) in pos.items():
        ax.text(
            x,
            y,
            part,
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round", fc="#e8f0fe" if part != "ui" else "#fde8e8"),
        )
    ax.set_ylim(-0.6, max(rows) + 0.6)
    ax.set_xlim(min(x for x, _ in pos.values()) - 0.8, max(x for x, _ in pos.values()) + 0.8)
    names = [LAYERS[i][0] if declared else f"layer {i}" for i in range(max(rows) + 1)]
    ax.set_yticks(range(max(rows) + 1), names)
    ax.set_xticks([])
    ax.set_title("zoo_patterns, from its imports: arrows point to what a part imports (red: not downward)")
    return ax
