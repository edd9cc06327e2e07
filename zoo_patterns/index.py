"""The zoo index format: ``index.json``, the one file that says what a zoo holds (lessons 04 and 13).

A zoo is a folder, served or not, with one ``NAME/`` folder per model and an
``index.json`` at its root: for every model its name, version, format, card
and files, each file with its path from the zoo root, size and sha256. The
build and publish write it (:func:`index_entry`); the loader's resolvers and
the registry read it (:func:`parse_index`, :func:`read_index`).

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
FORMAT_VERSION = 1

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
    if model is not None and (parts[0] != model or len(parts) < 2):
        return f"it is not inside the model's own folder {model + '/'!r}"
    return None


def check_path(path: object, *, model: str, where: str, in_zoo: bool = True, fix: str = _REFUSED) -> str:
    """``path`` with its model folder taken off, or :class:`UnsafePathError` naming the model, the path and the rule.

    ``in_zoo=True``: a path from the zoo root (``NAME/file``), as an index lists it; otherwise one inside the
    model's folder, as a card or a manifest lists it.
    """
    problem = path_problem(path, model if in_zoo else None)
    if problem:
        raise UnsafePathError(f"{where} lists the file {path!r} for model {model!r}: {problem}. {fix}")
    return path.partition("/")[2] if in_zoo else path


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


def check_file(path: object, size: object, sha256: object, *, model: str, where: str, seen: set, in_zoo: bool = True) -> str:
    """One file of a model: the path rule, a size in whole bytes, a sha256 in hex, and no path listed twice."""
    inner = check_path(path, model=model, where=where, in_zoo=in_zoo)
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


def check_entry(entry: object, *, where: str) -> dict:
    """One model's entry: its name, version, card and every file obey the rules above."""
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), list) or not isinstance(entry.get("format"), str):
        raise IndexFormatError(
            f"{where} has a model entry without a 'name', 'version', 'format' and 'files' list ({str(entry)[:80]!r}). "
            "Rebuild the zoo with `python -m zoo_patterns build`, or publish its models again."
        )
    name = check_name(entry.get("name"), where=where)
    check_version(entry.get("version"), model=name, where=where)
    if "card" in entry:
        check_path(entry["card"], model=name, where=where)
    seen: set = set()
    for f in entry["files"]:
        if not isinstance(f, dict):
            raise IndexFormatError(
                f"{where} lists a file of model {name!r} that is not an object with 'path', 'size' and 'sha256': {f!r}."
            )
        check_file(f.get("path"), f.get("size"), f.get("sha256"), model=name, where=where, seen=seen)
        if not isinstance(f.get("unpack", False), bool):
            raise IndexFormatError(
                f"{where}: 'unpack' of {f.get('path')!r} (model {name!r}) must be true or false, not {f['unpack']!r}."
            )
    return entry


def check_index(index: object, *, where: str) -> dict:
    """A parsed index, checked as a whole before any of it is used: one bad entry refuses the zoo, as in an archive."""
    if not isinstance(index, dict) or not isinstance(index.get("models"), list):
        raise IndexFormatError(
            f"{where} is JSON but not a zoo index: expected an object with a 'models' list. "
            "Point at the zoo's root folder or URL, or rebuild it with `python -m zoo_patterns build`."
        )
    version = index.get("format_version", FORMAT_VERSION)  # test zoos and early builds leave it out
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"{where} has format_version {version!r}; this zoo-patterns reads format_version {FORMAT_VERSION}. "
            "Upgrade zoo-patterns (pip install -U zoo-patterns), or rebuild the zoo with the version you have."
        )
    names: set = set()
    for entry in index["models"]:
        name = check_entry(entry, where=where)["name"]
        if name in names:
            raise UnsafePathError(f"{where} lists model {name!r} twice; which one is meant cannot be told. {_REFUSED}")
        names.add(name)
    return index


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
    """A model's entry in ``index.json``: what it is, and every file (paths from the zoo root) with size and sha256.

    A file the card already lists keeps the card's size and sha256 (hashed once, when the card was made);
    only the others (the card itself) are hashed here.
    """
    listed = {f.path: f for f in card.files}
    entries = [listed.get(p.relative_to(folder).as_posix()) or FileEntry.of(p, folder) for p in sorted(files)]
    return {
        "name": card.name,
        "version": card.version,
        "framework": card.framework,
        "format": card.format,
        "task": card.task,
        "domain": card.domain,
        "license": card.license,
        "card": f"{card.name}/README.md",
        "files": [{"path": f"{card.name}/{f.path}", "size": f.size, "sha256": f.sha256} for f in entries],
    }
