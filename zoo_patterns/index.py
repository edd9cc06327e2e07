"""The zoo index format: ``index.json``, the one file that says what a zoo holds (lessons 04 and 13).

A zoo is a folder, served or not, with one ``NAME/VERSION/`` folder per
published version of a model and an ``index.json`` at its root: one entry per
version, with the name, version, content id, format, card and files, each
file with its path from the zoo root, size and sha256. The build and publish
write it (:func:`index_entry`); the loader's resolvers and the registry read
it (:func:`parse_index`, :func:`read_index`).

Versions (format 2). A version's folder is never rewritten once an index names
it, so a reader holding any index finds every file it lists. ``name`` means the
newest version in semantic-version order (1.10.0 > 1.9.0; releases before
pre-releases; yanked versions skipped), ``name@1.0.0`` exactly that version,
and ``name@<content id>`` one exact content: the sha1 of the version's sorted
"path sha256" lines (:func:`content_id`), the commit the Hugging Face protocol
serves (lesson 15). :func:`select` is the one place that decides. A zoo in the
old format 1 (``NAME/`` holding one version's files) is read as one version per
name; ``publish`` upgrades it to format 2 once, under the zoo's lock.

An index is somebody else's file: a classroom mirror, a colleague's folder, a
server. It is untrusted input, just as an archive is, so it is checked as a
whole when it is parsed, before anything it names is read or written. A file
path is refused when it is empty or absolute, has a ``..`` component, a
backslash, a drive letter or a control character, is not inside the model's
own folder, or is listed twice; names, versions, sizes and hashes must be
well-formed, since each becomes part of a path in the cache. A refusal is an
:class:`~zoo_patterns.errors.UnsafePathError` naming the model, the path and
the rule; an index that cannot be read as one is an
:class:`~zoo_patterns.errors.IndexFormatError`. Lesson 04 shows a hostile
index being refused.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .cards import FileEntry, ModelCard
from .errors import IndexFormatError, UnsafePathError

INDEX = "index.json"
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)  # format 1: one version per name, its files in NAME/

# The one model-name rule, for references, indexes and publishing alike: 2-63 lower-case letters, digits,
# '.', '_' or '-', starting with a letter or digit. A name becomes a folder (lower case: macOS and Windows
# would merge 'Foo' and 'foo') and part of a URL. Every model the workbook's build makes passes it.
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# A version is a folder name in the cache too: letters, digits, '.', '_', '+' and '-', at most 64.
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")

# Licences that say nothing a user could rely on: a zoo publishes none of them, an audit flags them.
PLACEHOLDER_LICENCES = {"", "unknown", "other", "tbd", "todo", "none", "?", "n/a"}


SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_REFUSED = (
    "Refused before anything was read or written. Do not use this zoo until its owner rebuilds the index: "
    "`python -m zoo_patterns build` and `publish` write only safe paths."
)


# -- the rules: each returns what is wrong in words, or None ---------------------------------------
def path_problem(path: object, model: str | None = None) -> str | None:
    """Why ``path`` is unsafe as a file path of ``model`` (from the zoo root), or None when it is safe.

    With ``model=None`` the path is relative to the model's own folder (a card's or a manifest's paths).
    """
    if not isinstance(path, str) or not path:
        return "a file path must be a non-empty string"
    if any(unicodedata.category(ch) == "Cc" for ch in path):
        return "it holds a NUL or another control character"
    if "\\" in path:
        return "it holds a backslash, which Windows reads as a folder separator"
    if path.startswith("/"):
        return "it is absolute; every path is relative to the zoo root"
    if _DRIVE.match(path):
        return "it starts with a drive letter"
    parts = path.split("/")
    if ".." in parts:
        return "it has a '..' component, which climbs out of the folder it is joined to"
    if "" in parts or "." in parts:
        return "it has an empty or '.' component; write each path once, in its plain form"
    if model is not None:
        folder = model.split("/")  # NAME (format 1) or NAME/VERSION (format 2)
        if parts[: len(folder)] != folder or len(parts) <= len(folder):
            return f"it is not inside the model's own folder {model + '/'!r}"
    return None


def check_path(
    path: object, *, model: str, where: str, in_zoo: bool = True, fix: str = _REFUSED, folder: str | None = None
) -> str:
    """``path`` with its model folder taken off, or :class:`UnsafePathError` naming the model, the path and the rule.

    ``in_zoo=True``: a path from the zoo root (``folder/file``, the folder ``NAME/VERSION`` or, in format 1,
    ``NAME``), as an index lists it; otherwise one inside the model's folder, as a card or a manifest lists it.
    """
    folder = folder or model
    problem = path_problem(path, folder if in_zoo else None)
    if problem:
        raise UnsafePathError(f"{where} lists the file {path!r} for model {model!r}: {problem}. {fix}")
    return path[len(folder) + 1 :] if in_zoo else path


def check_name(name: object, *, where: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise UnsafePathError(
            f"{where} lists a model named {name!r}: a model name is 2-63 lower-case letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit, since it becomes a folder in the cache. {_REFUSED}"
        )
    return name


def check_version(version: object, *, model: str, where: str) -> str:
    if not isinstance(version, str) or not VERSION.match(version):
        raise UnsafePathError(
            f"{where} gives model {model!r} the version {version!r}: a version is 1-64 letters, digits, '.', '_', "
            f"'+' or '-', starting with a letter or digit, since it becomes a file name in the cache. {_REFUSED}"
        )
    return version


def check_file(
    path: object,
    size: object,
    sha256: object,
    *,
    model: str,
    where: str,
    seen: set,
    in_zoo: bool = True,
    folder: str | None = None,
) -> str:
    """One file of a model: the path rule, a size in whole bytes, a sha256 in hex, and no path listed twice."""
    inner = check_path(path, model=model, where=where, in_zoo=in_zoo, folder=folder)
    if type(size) is not int or size < 0:  # not bool, not "7", not 7.0
        raise UnsafePathError(
            f"{where} gives {path!r} of model {model!r} the size {size!r}: a size is a whole number of bytes, 0 or more. {_REFUSED}"
        )
    if not isinstance(sha256, str) or not SHA256.match(sha256):
        raise UnsafePathError(
            f"{where} gives {path!r} of model {model!r} the sha256 {sha256!r}: expected 64 lower-case hex digits "
            f"(it names the file's blob in the cache). {_REFUSED}"
        )
    key = inner.casefold()  # 'W.bin' and 'w.bin' are one file on macOS and Windows
    if key in seen:
        raise UnsafePathError(
            f"{where} lists the file {path!r} for model {model!r} twice (paths that differ only in case count as one). {_REFUSED}"
        )
    seen.add(key)
    return inner


def check_entry(entry: object, *, where: str, format_version: int = FORMAT_VERSION) -> dict:
    """One version's entry: its name, version, content id, card and every file obey the rules above.

    Returns the entry with ``folder`` added: where its files are (``NAME/VERSION``, or ``NAME`` in format 1).
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), list) or not isinstance(entry.get("format"), str):
        raise IndexFormatError(
            f"{where} has a model entry without a 'name', 'version', 'format' and 'files' list ({str(entry)[:80]!r}). "
            "Rebuild the zoo with `python -m zoo_patterns build`, or publish its models again."
        )
    name = check_name(entry.get("name"), where=where)
    version = check_version(entry.get("version"), model=name, where=where)
    folder = name if format_version == 1 else f"{name}/{version}"
    if "card" in entry:
        check_path(entry["card"], model=name, where=where, folder=folder)
    seen: set = set()
    for f in entry["files"]:
        if not isinstance(f, dict):
            raise IndexFormatError(
                f"{where} lists a file of model {name!r} that is not an object with 'path', 'size' and 'sha256': {f!r}."
            )
        check_file(f.get("path"), f.get("size"), f.get("sha256"), model=name, where=where, seen=seen, folder=folder)
        if not isinstance(f.get("unpack", False), bool):
            raise IndexFormatError(
                f"{where}: 'unpack' of {f.get('path')!r} (model {name!r}) must be true or false, not {f['unpack']!r}."
            )
    computed = content_id((f["path"][len(folder) + 1 :], f["sha256"]) for f in entry["files"])
    if format_version >= 2 and entry.get("content_id", computed) != computed:
        raise IndexFormatError(
            f"{where} gives {name}@{version} the content id {entry.get('content_id')!r}, but its files' hashes give "
            f"{computed}: the index was edited by hand or damaged. Copy the zoo again, or ask its owner to republish."
        )
    yanked = entry.get("yanked")
    if yanked is not None and not isinstance(yanked, str):
        raise IndexFormatError(f"{where}: 'yanked' of {name}@{version} must be a reason (text), not {yanked!r}.")
    return {**entry, "content_id": computed, "folder": folder}


def check_index(index: object, *, where: str) -> dict:
    """A parsed index, checked as a whole before any of it is used: one bad entry refuses the zoo, as in an archive.

    Returns a copy whose entries carry ``folder`` and ``content_id`` (format 1 entries too), sorted by name and version.
    """
    if not isinstance(index, dict) or not isinstance(index.get("models"), list):
        raise IndexFormatError(
            f"{where} is JSON but not a zoo index: expected an object with a 'models' list. "
            "Point at the zoo's root folder or URL, or rebuild it with `python -m zoo_patterns build`."
        )
    version = index.get("format_version", 1)  # test zoos and early builds leave it out
    if version not in READABLE_FORMATS:
        raise IndexFormatError(
            f"{where} has format_version {version!r}; this zoo-patterns reads format_version "
            f"{' and '.join(map(str, READABLE_FORMATS))}. Upgrade zoo-patterns (pip install -U zoo-patterns), "
            "or rebuild the zoo with the version you have."
        )
    seen: set = set()
    entries = []
    for entry in index["models"]:
        entry = check_entry(entry, where=where, format_version=version)
        key = (entry["name"], entry["version"])
        if key in seen or (version == 1 and entry["name"] in {n for n, _ in seen}):
            what = f"{entry['name']!r}" if version == 1 else f"{entry['name']}@{entry['version']}"
            raise UnsafePathError(f"{where} lists model {what} twice; which one is meant cannot be told. {_REFUSED}")
        seen.add(key)
        entries.append(entry)
    entries.sort(key=lambda e: (e["name"], version_key(e["version"])))
    return {**index, "format_version": version, "models": entries}


def to_json(index: dict) -> str:
    """The text of ``index.json`` for a checked index (the derived ``folder`` of each entry is left out)."""
    models = [{k: v for k, v in e.items() if k != "folder"} for e in index["models"]]
    return json.dumps({**index, "models": models}, indent=2, sort_keys=True) + "\n"


# -- versions ---------------------------------------------------------------------------------------
SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
CONTENT_ID = re.compile(r"^[0-9a-f]{7,40}$")


def version_key(version: str) -> tuple:
    """A sort key in semantic-version order: ``1.9.0 < 1.10.0``, ``1.0.0-rc.1 < 1.0.0``; other strings sort first."""
    m = SEMVER.match(version)
    if not m:
        return (0, version)
    numbers = tuple(int(g or 0) for g in m.groups()[:3])
    pre = m.group(4)
    # a release sorts after its pre-releases; pre-release fields compare as numbers when numeric (semver 11.4)
    pre_key = (1,) if pre is None else (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return (1, numbers, pre_key)


def is_semver(version: str) -> bool:
    return bool(re.match(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$", version))


def is_prerelease(version: str) -> bool:
    m = SEMVER.match(version)
    return bool(m and m.group(4))


def content_id(files: Iterable[tuple[str, str]]) -> str:
    """40 hex digits from ``(path inside the version folder, sha256)`` pairs: equal bytes, equal id.

    The sha1 of the sorted ``"path sha256\n"`` lines; the Hugging Face protocol serves it as the commit.
    """
    import hashlib

    lines = "".join(f"{path} {sha}\n" for path, sha in sorted(files))
    return hashlib.sha1(lines.encode()).hexdigest()


def versions_of(index: dict, name: str) -> list[dict]:
    """Every entry of ``name`` in a checked index, oldest first (semantic-version order)."""
    return sorted((e for e in index["models"] if e["name"] == name), key=lambda e: version_key(e["version"]))


def newest(entries: list[dict]) -> dict | None:
    """The version a bare name means: the newest not yanked, a release before any pre-release; None if all are yanked."""
    live = [e for e in entries if not e.get("yanked")]
    releases = [e for e in live if not is_prerelease(e["version"])]
    pool = releases or live
    return max(pool, key=lambda e: version_key(e["version"])) if pool else None


def latest_entries(index: dict) -> list[dict]:
    """One entry per name, the one a bare name means, sorted by name (names whose versions are all yanked drop out)."""
    names = sorted({e["name"] for e in index["models"]})
    return [e for e in (newest(versions_of(index, n)) for n in names) if e is not None]


def describe_versions(entries: list[dict]) -> str:
    """``1.0.0, 1.1.0 (yanked)``: the versions there, for an error message."""
    return ", ".join(e["version"] + (" (yanked)" if e.get("yanked") else "") for e in entries)


def select(index: dict, name: str, ref: str | None = None, *, where: str = "the zoo") -> dict:
    """The entry that ``name`` or ``name@ref`` means: ``ref`` is a version, or a content id (7 to 40 hex digits).

    An unknown name or version raises :class:`~zoo_patterns.errors.ModelNotFoundError` (exit 2), listing what
    is there in one line.
    """
    from .errors import ModelNotFoundError, VersionNotFoundError

    entries = versions_of(index, name)
    if not entries:
        raise ModelNotFoundError(name, {e["name"] for e in index["models"]}, where=where)
    if ref is None:
        found = newest(entries)
        if found is None:
            raise VersionNotFoundError(
                f"every version of {name} in {where} is yanked ({describe_versions(entries)}); "
                f"ask for one exactly, e.g. {name}@{entries[-1]['version']}, if you must use it."
            )
        return found
    for e in entries:
        if e["version"] == ref:
            return e
    if CONTENT_ID.match(ref):
        hits = [e for e in entries if e["content_id"].startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise VersionNotFoundError(
                f"{name}@{ref} matches {len(hits)} versions' content ids in {where} ({describe_versions(hits)}); "
                "give more of the id."
            )
    raise VersionNotFoundError(
        f"{name} has no version or content id {ref!r} in {where}; the versions there: {describe_versions(entries)}. "
        f"Use {name} for the newest, or {name}@VERSION."
    )


def parse_index(text: str, *, where: str) -> dict:
    """The index in ``text`` (read from ``where``, a path or URL), parsed and checked; errors are one line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.strip():
            what = "is empty"
        elif exc.msg.startswith("Unterminated") or exc.pos >= len(text.rstrip()):
            what = (
                f"is cut short: its JSON stops unfinished after {len(text)} characters (a copy or download that stopped early?)"
            )
        else:
            what = f"is not JSON (the first problem is at line {exc.lineno}, column {exc.colno})"
        raise IndexFormatError(
            f"{where} {what}. Expected a zoo index as `python -m zoo_patterns build` and `publish` write it: "
            "copy or download the zoo again, or rebuild it."
        ) from None
    return check_index(data, where=where)


def read_index(root: str | Path) -> dict:
    """The checked ``index.json`` of the zoo folder ``root``; FileNotFoundError when there is none."""
    path = Path(root) / INDEX
    if not path.exists():
        raise FileNotFoundError(f"No zoo index at {path}; build the zoo with `python -m zoo_patterns build`.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise IndexFormatError(f"{path} is not UTF-8 text, so it is not a zoo index; copy the zoo again or rebuild it.") from None
    return parse_index(text, where=str(path))


def index_entry(card: ModelCard, files: Iterable[Path], folder: Path) -> dict:
    """A version's entry in ``index.json``: what it is, its content id, and every file (paths from the zoo root,
    ``NAME/VERSION/...``) with size and sha256.

    A file the card already lists keeps the card's size and sha256 (hashed once, when the card was made);
    only the others (the card itself) are hashed here.
    """
    listed = {f.path: f for f in card.files}
    entries = [listed.get(p.relative_to(folder).as_posix()) or FileEntry.of(p, folder) for p in sorted(files)]
    prefix = f"{card.name}/{card.version}"
    return {
        "name": card.name,
        "version": card.version,
        "content_id": content_id((f.path, f.sha256) for f in entries),
        "framework": card.framework,
        "format": card.format,
        "task": card.task,
        "domain": card.domain,
        "license": card.license,
        "card": f"{prefix}/README.md",
        "files": [{"path": f"{prefix}/{f.path}", "size": f.size, "sha256": f.sha256} for f in entries],
    }
