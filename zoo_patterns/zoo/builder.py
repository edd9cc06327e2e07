"""Build the workbook zoo: run every recipe, finish the cards, hash, index, swap into place.

``python -m zoo_patterns build --out DIR`` lays a directory out like a small hub::

    DIR/index.json                       every entry, its content id, its files, sizes and sha256
    DIR/<name>/<version>/README.md       the model card (YAML front matter + markdown)
    DIR/<name>/<version>/<weights>       safetensors, .keras, .params, .onnx, an HF directory

The build is reproducible (fixed seeds, deterministic kernels, timestamps
removed from archives), so two builds on one machine give equal hashes. It
is also atomic: it builds into a sibling staging folder and swaps it into
place, so a crash never leaves a half-built zoo behind. The recipes are in
:mod:`~zoo_patterns.zoo.recipes`, the freshness check in
:mod:`~zoo_patterns.zoo.fingerprint`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from ..cards import ModelCard, file_entries
from ..index import FORMAT_VERSION, INDEX, check_index, index_entry, to_json
from ..settings import zoo_dir
from .fingerprint import fingerprint, is_current
from .recipes import STEPS, Built


def ensure_built(root: str | Path | None = None, *, progress: bool = True) -> Path:
    """The zoo folder, built first if it is missing or was built by other code."""
    root = Path(root) if root is not None else zoo_dir()
    if not is_current(root):
        build(root, progress=progress)
    return root


def _finish(stage: Path, built: Built) -> dict:
    folder = stage / built.name
    entries = file_entries(built.files, folder)
    card = ModelCard(
        name=built.name,
        **built.fields,
        metrics=built.metrics,
        num_params=built.num_params,
        size_bytes=sum(e.size for e in entries),
        files=entries,
    )
    card_path = card.save(folder / "README.md")
    return index_entry(card, [*built.files, card_path], folder)


def build(out: str | Path | None = None, *, steps: Iterable[str] | None = None, progress: bool = True) -> Path:
    """Pretrain and publish the zoo into ``out`` (default: :func:`zoo_patterns.zoo_dir`)."""
    from tqdm.auto import tqdm

    from ..logs import quiet

    quiet()
    out = Path(out) if out is not None else zoo_dir()
    if out.exists() and any(out.iterdir()) and not (out / INDEX).exists():
        raise FileExistsError(
            f"{out} exists and is not a zoo (it has files but no {INDEX}). "
            "Choose an empty or new folder with --out, so nothing of yours is overwritten."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    chosen = list(STEPS) if steps is None else list(steps)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise ValueError(f"Unknown build step(s) {unknown}; the steps are {list(STEPS)}.")
    try:
        models = []
        for step in (bar := tqdm(chosen, desc="building zoo", unit="step", disable=not progress)):
            bar.set_postfix_str(step)
            models += [_finish(stage, b) for b in STEPS[step](stage)]
        for m in models:  # the recipes write NAME/ (and read each other's); each version gets its own folder at the end
            _into_version_folder(stage, m["name"], m["version"])
        index = {"zoo": "zoo-patterns", "format_version": FORMAT_VERSION, "builder": fingerprint(), "models": models}
        (stage / INDEX).write_text(to_json(check_index(index, where=f"the new index of {out}")), encoding="utf-8")
        _swap_into_place(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def _into_version_folder(stage: Path, name: str, version: str) -> None:
    """``stage/NAME/*`` -> ``stage/NAME/VERSION/*``, the layout of a format-2 zoo."""
    moving = stage / f".{name}.moving"
    os.rename(stage / name, moving)
    (stage / name).mkdir()
    os.rename(moving, stage / name / version)


def _swap_into_place(stage: Path, out: Path) -> None:
    """Replace ``out`` by ``stage`` with renames, so readers see the old zoo or the new one, never half."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(stage, out)
    shutil.rmtree(old, ignore_errors=True)
