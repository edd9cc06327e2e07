"""Safe extraction of a model shipped as an archive (.zip, .tar, .tar.gz).

``tarfile.extractall`` and ``zipfile.extractall`` trust member names. A
crafted archive can write outside the target (``../../.bashrc``, an absolute
path) or plant a symlink that a later member writes through. Every member is
checked before anything is written, and the whole archive is refused if any
member is unsafe.

Why not ``tarfile``'s ``filter="data"`` (Python 3.12, and 3.11.4 on)? It is a
good default, and this module is kept because the policy here is stricter and
the same for both formats: the filter judges one member at a time, so a refused
archive is left half-extracted; it allows symlinks and hard links that stay
inside the target, which a model archive never needs; and ``zipfile`` has no
filter at all (its ``extractall`` silently rewrites ``../x`` and ``/x`` instead
of refusing them). Lesson 04's path-traversing archive is refused here whole,
before one byte is written.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import UnsafeArchiveError


def _check_name(archive: Path, name: str, target: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(
            f"{archive.name} holds an absolute path {name!r}; members must be relative to the model folder. "
            "Refusing the whole archive: rebuild it with relative paths (tar -C DIR .)."
        )
    dest = (target / pure).resolve()
    if ".." in pure.parts or not dest.is_relative_to(target.resolve()):
        raise UnsafeArchiveError(
            f"{archive.name} holds {name!r}, which would be written outside {target}. "
            "Refusing the whole archive: it may be malicious; do not extract it by hand either."
        )
    return dest


def _zip_members(zf: zipfile.ZipFile):
    for info in zf.infolist():
        is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
        kind = "symlink" if is_link else "dir" if info.is_dir() else "file"
        yield info.filename, kind, lambda info=info: zf.open(info)


def _tar_members(tf: tarfile.TarFile):
    for m in tf.getmembers():
        kind = (
            "file"
            if m.isfile()
            else "dir"
            if m.isdir()
            else "symlink"
            if m.issym()
            else "hard link"
            if m.islnk()
            else "special file"
        )
        yield m.name, kind, lambda m=m: tf.extractfile(m)


def _extract(archive: Path, members, target: Path) -> list[Path]:
    """Check every member first, then write: an unsafe archive writes nothing at all."""
    members = list(members)
    for name, kind, _ in members:
        if kind not in ("file", "dir"):
            raise UnsafeArchiveError(f"{archive.name} holds a {kind} {name!r}; model archives may hold only files and folders.")
        _check_name(archive, name, target)
    written = []
    for name, kind, open_member in members:
        dest = _check_name(archive, name, target)
        if kind == "dir":
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open_member() as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
        written.append(dest)
    return written


def safe_extract(archive: str | Path, target: str | Path) -> list[Path]:
    """Extract ``archive`` (zip or tar, compressed or not) into ``target`` after checking every member."""
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            return _extract(archive, _zip_members(zf), target)
    try:
        tf = tarfile.open(archive)  # noqa: SIM115 (closed below)
    except tarfile.TarError as exc:
        raise UnsafeArchiveError(f"{archive.name} is neither a zip nor a tar archive ({exc}).") from None
    with tf:
        return _extract(archive, _tar_members(tf), target)
