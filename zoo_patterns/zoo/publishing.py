"""Publishing: the verbs that add a model version to a zoo, and withdraw one (lessons 04 and 13).

``build`` writes the workbook's whole zoo at once; ``publish`` adds one version of a learner's model to any
zoo folder, the way ``huggingface_hub.upload_folder`` adds a commit or a PyPI upload adds a release:

1. check the card: every required field, a real licence, a name a URL can carry, a semantic version;
2. refuse what is unsafe (pickles, a path or link that reaches outside the folder);
3. write the weights in a safe format into a hidden staging folder and fill the card's sizes and sha256;
4. under the zoo's lock: compare with the versions there. A new ``name@version`` is added beside the others;
   the same ``name@version`` with the same bytes is a no-op that says so; with other bytes it is refused,
   since a published version never changes (``next_patch=True`` publishes as the next patch version instead);
5. move the version's folder ``NAME/VERSION/`` into place, then replace ``index.json`` with a complete new
   one (a temporary file, then ``os.replace``).

Version folders are never rewritten, and the index swap is the only moment a reader can see a change: a
reader holding the old index finds every file it names, and one holding the new index finds the new version
complete. A publish killed at any moment leaves at worst a hidden staging folder or an unindexed version
folder, which the next publish cleans up. :func:`yank` withdraws a version the same way (the index only):
a bare name skips it, an exact version or content id still loads it.

A zoo in the old format 1 (``NAME/`` holding one version) is upgraded once, by the first publish or yank,
under the lock: each version's files are hard-linked into ``NAME/VERSION/`` before the new index names them,
and the old paths stay, so a reader that read the old index a moment before still finds its files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..cards import ModelCard, file_entries
from ..errors import InvalidCardError, PublishError, UnsafeFormatError, UnsafePathError
from ..index import (
    FORMAT_VERSION,
    INDEX,
    NAME,
    PLACEHOLDER_LICENCES,
    check_index,
    check_path,
    index_entry,
    is_semver,
    read_index,
    select,
    to_json,
    version_key,
    versions_of,
)
from ..loader.cache import link_or_copy
from ..loader.lock import FileLock
from ..loader.resolve import split_name

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
    if not is_semver(card.version) or len(card.version) > 64:
        raise InvalidCardError(
            f"model card {card.name!r} has version {card.version!r}: a zoo orders versions as semantic versions, "
            "MAJOR.MINOR.PATCH with an optional -prerelease, e.g. '1.0.0', '1.1.0' or '2.0.0-rc.1'."
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


def _locked(root: Path) -> FileLock:
    lock = FileLock(root / LOCK, timeout=30)
    if not lock.acquire():
        owner = lock.owner() or {}
        raise PublishError(f"the zoo at {root} is being changed by process {owner.get('pid', '?')}; try again in a moment.")
    return lock


def next_patch_version(versions: list[str]) -> str:
    """The patch after the highest of ``versions``: ``['1.0.0', '1.0.2']`` -> ``'1.0.3'``."""
    major, minor, patch = version_key(max(versions, key=version_key))[1]  # publish admits only semantic versions
    return f"{major}.{minor}.{patch + 1}"


def publish(source: Any, card: ModelCard | None = None, *, zoo: str | Path, next_patch: bool = False) -> dict:
    """Add a version of a model to the zoo folder ``zoo`` (created if new); returns its ``index.json`` entry.

    ``source`` is a model folder (its ``README.md`` card is used unless ``card`` is given) or a native
    model (torch, Keras, Gluon, transformers) that ``card`` describes. The card's ``name@version`` is added
    beside the versions already there. If it exists with the same bytes, nothing changes and the entry comes
    back with ``"unchanged": True``; with other bytes it is refused, unless ``next_patch=True``, which publishes
    as the patch after the highest version of that name.
    """
    root = Path(zoo)
    folder_source = isinstance(source, (str, os.PathLike)) and Path(source).is_dir()
    if card is None:
        if not folder_source:
            raise PublishError("publishing a native model needs its card: publish(model, card, zoo=...).")
        card = ModelCard.load(source)
    check_card(card)
    if root.exists() and _foreign_files(root):  # someone else's folder: no lock is written into it
        raise PublishError(f"{root} has files but no {INDEX}, so it is not a zoo; give an empty folder or a zoo.")
    root.mkdir(parents=True, exist_ok=True)
    lock = _locked(root)
    stage = root / f"{STAGING}{card.name}-{os.getpid()}"
    try:
        if _foreign_files(root):  # checked again under the lock: another publisher may have just created the zoo
            raise PublishError(f"{root} has files but no {INDEX}, so it is not a zoo; give an empty folder or a zoo.")
        _clean_leftovers(root)
        index = read_index(root) if (root / INDEX).exists() else _empty_index()  # checked, like any reader's
        there = versions_of(index, card.name)
        if next_patch and there:
            card = card.replace(version=next_patch_version([e["version"] for e in there]))
        target = stage / "files"
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
        same = [e for e in there if e["version"] == final.version]
        if same:
            if same[0]["content_id"] == entry["content_id"]:
                return {**same[0], "unchanged": True}
            raise PublishError(
                f"{final.name}@{final.version} is already in the zoo at {root} with other bytes (content id "
                f"{same[0]['content_id'][:12]} there, {entry['content_id'][:12]} here); published versions never change. "
                f"Set the card's version to {next_patch_version([e['version'] for e in there])} (or pass next_patch=True, "
                "--next-patch) to publish these weights as a new version."
            )
        models = _upgraded(root, index) + [entry]
        _commit(root, target, f"{final.name}/{final.version}", {**index, "format_version": FORMAT_VERSION, "models": models})
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        lock.release()
    _forget_cached_registries()
    return entry


def yank(ref: str, *, zoo: str | Path, reason: str = "yanked", undo: bool = False) -> dict:
    """Withdraw ``name@version`` (or ``name@<content id>``): a bare name skips it, an exact pin still loads it.

    Only the index changes (the version's files stay), recorded as ``"yanked": reason``; ``undo=True`` restores it.
    Returns the version's new entry.
    """
    root = Path(zoo)
    name, version = split_name(ref)
    if version is None:
        raise PublishError(f"yank needs one exact version, e.g. {name}@1.0.0: yanking every version of a name is not allowed.")
    if not reason.strip():
        raise PublishError("say why the version is yanked (reason='...', --reason), so its users know what to move to.")
    lock = _locked(root)
    try:
        _clean_leftovers(root)
        index = read_index(root)
        chosen = select(index, name, version, where=f"the zoo at {root}")
        models = []
        for e in _upgraded(root, index):
            if (e["name"], e["version"]) == (chosen["name"], chosen["version"]):
                e = {k: v for k, v in e.items() if k != "yanked"} if undo else {**e, "yanked": reason}
                changed = e
            models.append(e)
        _commit(root, None, None, {**index, "format_version": FORMAT_VERSION, "models": models})
    finally:
        lock.release()
    _forget_cached_registries()
    return changed


def _upgraded(root: Path, index: dict) -> list[dict]:
    """The index's entries in format 2; a format-1 zoo's files are hard-linked into NAME/VERSION/ first (under the lock)."""
    if index["format_version"] >= 2:
        return list(index["models"])
    out = []
    for e in index["models"]:
        name, folder = e["name"], f"{e['name']}/{e['version']}"
        inner = {f["path"]: f["path"][len(name) + 1 :] for f in e["files"]}
        if any(p.split("/")[0] == e["version"] for p in inner.values()):
            raise PublishError(
                f"{root} is in the old format 1 and {name}'s folder already has a sub-folder {e['version']!r}, so it "
                f"cannot be moved to {folder}/. Rename that sub-folder (and rebuild the index), then publish again."
            )
        target = root / folder
        shutil.rmtree(target, ignore_errors=True)  # a killed upgrade's half: no index names it yet
        for old, rel in inner.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(root / old, target / rel)  # the old path stays valid for readers of the old index
        files = [{**f, "path": f"{folder}/{inner[f['path']]}"} for f in e["files"]]
        card = f"{folder}/{e['card'][len(name) + 1 :]}" if "card" in e else None
        out.append({**e, "folder": folder, "files": files, **({"card": card} if card else {})})
    return out


def _commit(root: Path, files: Path | None, folder: str | None, index: dict) -> None:
    """The version's folder first, the index last: every file the new index names exists before the index does."""
    # The index rules the loader applies, applied to the index before it exists: no zoo written here can break them.
    new = check_index(index, where=f"the new index of {root}")
    if files is not None:
        if not (root / INDEX).exists():  # a new zoo: its (empty) index comes before its first visible file,
            _write_index(root, _empty_index())  # so another publisher never takes it for someone else's folder
        target = root / folder
        if target.exists():  # a killed publish's version folder: no index names it (versions are never removed)
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(files, target)
    _write_index(root, new)  # the one moment a reader can see the change


def _write_index(root: Path, index: dict) -> None:
    tmp = root / f".{INDEX}.tmp-{os.getpid()}"
    tmp.write_text(to_json(index), encoding="utf-8")
    os.replace(tmp, root / INDEX)


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
