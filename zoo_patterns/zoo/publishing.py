"""Publishing: the verb that adds one model to a zoo (lesson 13).

``build`` writes the workbook's whole zoo at once; ``publish`` adds a learner's model to any zoo folder,
the way ``huggingface_hub.upload_folder`` or ``torch.hub``'s release assets add one to a hub:

1. check the card: every required field, a real licence, a name a URL can carry;
2. refuse what is unsafe (pickles, a path or link that reaches outside the folder) and what would clash
   (a name@version already there);
3. write the weights in a safe format into a hidden staging folder and fill the card's sizes and sha256;
4. under the zoo's lock: move the model folder into place, then replace ``index.json`` with a complete new
   one (a temporary file, then ``os.replace``).

A reader sees the old index or the new one, never half of one, and every file an index names exists before
the index names it. A publish killed at any moment leaves at worst a hidden staging folder or an unindexed
model folder, which the next publish cleans up.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..cards import ModelCard, file_entries
from ..errors import InvalidCardError, PublishError, UnsafeFormatError, UnsafePathError
from ..index import FORMAT_VERSION, INDEX, NAME, PLACEHOLDER_LICENCES, VERSION, check_index, check_path, index_entry, read_index
from ..loader.lock import FileLock

LOCK = ".zoo.lock"
STAGING = ".publishing-"
RENAME = "Nothing was published: rename the file (letters, digits, '.', '_' and '-', '/' between folders), then publish again."
UNSAFE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt", ".h5", ".hdf5", ".npy"}
UNSAFE_FORMATS = {"pickle", "torch-pickle"}


def check_card(card: ModelCard) -> None:
    """Refuse a card another user could not rely on."""
    if not NAME.match(card.name):
        raise InvalidCardError(
            f"model name {card.name!r} cannot be published: use 2-63 lower-case letters, digits, '.', '_' or '-' "
            "(it becomes a folder name and part of a URL), e.g. 'my-digits-cnn'."
        )
    if not VERSION.match(card.version):
        raise InvalidCardError(
            f"model card {card.name!r} has version {card.version!r}: use 1-64 letters, digits, '.', '_', '+' or '-' "
            "starting with a letter or digit (it becomes a file name in every cache), e.g. '1.0.0'."
        )
    if card.license.strip().lower() in PLACEHOLDER_LICENCES:
        raise InvalidCardError(
            f"model card {card.name!r} has license {card.license!r}: a zoo publishes only models others may use. "
            "Set license to an SPDX id (Apache-2.0, MIT, CC-BY-4.0, ...) that the weights' owner allows."
        )
    if card.format in UNSAFE_FORMATS:
        raise UnsafeFormatError(
            f"{card.name}: format {card.format!r} is a pickle, which runs code when loaded; publish safetensors "
            "(or .keras, .onnx, Gluon .params) instead."
        )


def _empty_index() -> dict:
    return {"zoo": "zoo-patterns", "format_version": FORMAT_VERSION, "models": []}


def _stage_folder(source: Path, target: Path, name: str) -> list[Path]:
    """Copy the folder's files into ``target``, after refusing pickles, links and paths the index rules refuse."""
    chosen = [
        p.relative_to(source)
        for p in sorted(source.rglob("*"))
        if (p.is_file() or p.is_symlink())
        and p.name != "README.md"
        and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(source).parts)
    ]
    links = [str(rel) for rel in chosen if any((source / Path(*rel.parts[: i + 1])).is_symlink() for i in range(len(rel.parts)))]
    if links:
        raise UnsafePathError(
            f"{source} holds symbolic links ({', '.join(links)}): a link can point anywhere on this disk, and "
            "publishing would copy what it points at. Replace each link by the file itself, then publish again."
        )
    unsafe = [str(rel) for rel in chosen if rel.suffix in UNSAFE_SUFFIXES]
    if unsafe:
        raise UnsafeFormatError(
            f"{source} holds pickled weights ({', '.join(unsafe)}): loading them runs arbitrary code. "
            "Save the weights as safetensors (safetensors.torch.save_file), .keras or .onnx, then publish again."
        )
    for rel in chosen:  # a file name the loader would refuse (a backslash, a control character) is refused here
        check_path(rel.as_posix(), model=name, where=f"the folder {source}", in_zoo=False, fix=RENAME)
    if not chosen:
        raise PublishError(f"{source} has no weights to publish (only a card); save the model there first.")
    for rel in chosen:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target / rel)
    return [target / rel for rel in chosen]


def publish(source: Any, card: ModelCard | None = None, *, zoo: str | Path, replace: bool = False) -> dict:
    """Add a model to the zoo folder ``zoo`` (created if new); returns its ``index.json`` entry.

    ``source`` is a model folder (its ``README.md`` card is used unless ``card`` is given) or a native
    model (torch, Keras, Gluon, transformers) that ``card`` describes. ``replace=True`` lets a new version
    take the place of the one published under the same name (this zoo format keeps one version per name).
    """
    root = Path(zoo)
    folder_source = isinstance(source, (str, os.PathLike)) and Path(source).is_dir()
    if card is None:
        if not folder_source:
            raise PublishError("publishing a native model needs its card: publish(model, card, zoo=...).")
        card = ModelCard.load(source)
    check_card(card)
    if root.exists() and _foreign_files(root):
        raise PublishError(f"{root} has files but no {INDEX}, so it is not a zoo; give an empty folder or a zoo.")
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / LOCK, timeout=30)
    if not lock.acquire():
        owner = lock.owner() or {}
        raise PublishError(f"the zoo at {root} is being changed by process {owner.get('pid', '?')}; try again in a moment.")
    stage = root / f"{STAGING}{card.name}-{os.getpid()}"
    try:
        if _foreign_files(root):  # checked again under the lock: another publisher may have just created the zoo
            raise PublishError(f"{root} has files but no {INDEX}, so it is not a zoo; give an empty folder or a zoo.")
        _clean_leftovers(root)
        index = read_index(root) if (root / INDEX).exists() else _empty_index()  # checked, like any reader's
        current = {e["name"]: e for e in index["models"]}
        if card.name in current:
            old = current[card.name]["version"]
            if old == card.version:
                raise PublishError(
                    f"{card.name}@{card.version} is already in the zoo at {root}; published versions never change. "
                    "Bump the card's version (e.g. 1.0.1) to publish new weights."
                )
            if not replace:
                raise PublishError(
                    f"{card.name} is published at version {old}; this zoo keeps one version per name. "
                    f"Pass replace=True (--replace) to publish {card.version} in its place, or choose another name."
                )
        target = stage / card.name
        target.mkdir(parents=True)
        if folder_source:
            entries = file_entries(_stage_folder(Path(source), target, card.name), target)
        else:
            from ..adapters import adapt

            entries = ModelCard.load(adapt(source, card=card).save(target)).files  # save hashed each file once
            for f in entries:
                check_path(f.path, model=card.name, where="the card the adapter saved", in_zoo=False, fix=RENAME)
        final = card.replace(files=entries, size_bytes=sum(e.size for e in entries))
        final.save(target / "README.md")
        entry = index_entry(final, (p for p in target.rglob("*") if p.is_file()), target)
        _commit(root, stage, final.name, [e for e in index["models"] if e["name"] != final.name] + [entry], index)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        lock.release()
    _forget_cached_registries()
    return entry


def _commit(root: Path, stage: Path, name: str, models: list[dict], index: dict) -> None:
    """Folder first, index last: every file the new index names exists before the index does."""
    # The index rules the loader applies, applied to the index before it exists: no zoo written here can break them.
    new = check_index({**index, "models": sorted(models, key=lambda m: m["name"])}, where=f"the new index of {root}")
    old = root / f"{STAGING}old-{name}-{os.getpid()}"
    if (root / name).exists():
        os.replace(root / name, old)  # the previous version (replace=True) or an unindexed leftover
    os.replace(stage / name, root / name)
    tmp = root / f".{INDEX}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, root / INDEX)
    shutil.rmtree(old, ignore_errors=True)


def _foreign_files(root: Path) -> bool:
    """A folder with visible files and no index is someone else's folder; hidden ones are other publishers' lock and staging."""
    return not (root / INDEX).exists() and any(not p.name.startswith(".") for p in root.iterdir())


def _clean_leftovers(root: Path) -> None:
    """Under the lock: staging folders and temporary indexes of publishes that were killed."""
    for path in root.glob(f"{STAGING}*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in root.glob(f".{INDEX}.tmp-*"):
        path.unlink(missing_ok=True)


def _forget_cached_registries() -> None:
    from . import _built, _cached_registry  # the facade's registry of a zoo folder, and the builder's check

    _cached_registry.cache_clear()
    _built.cache_clear()
