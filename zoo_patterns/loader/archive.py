"""Safe extraction of a model shipped as an archive (.zip, .tar, .tar.gz).

``tarfile.extractall`` and ``zipfile.extractall`` trust member names. A
crafted archive can write outside the target (``../../.bashrc``, an absolute
path) or plant a symlink that a later member writes through. Every member is
checked before anything is written, and the whole archive is refused if any
member is unsafe.
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


def safe_extract(archive: str | Path, target: str | Path) -> list[Path]:
    """Extract ``archive`` into ``target`` after checking every member; return the files written."""
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise UnsafeArchiveError(
                        f"{archive.name} holds a symlink {info.filename!r}; model archives may hold only files and folders."
                    )
                _check_name(archive, info.filename, target)
            for info in infos:
                dest = _check_name(archive, info.filename, target)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
                written.append(dest)
        return written
    try:
        tf = tarfile.open(archive)  # noqa: SIM115
    except tarfile.TarError as exc:
        raise UnsafeArchiveError(f"{archive.name} is neither a zip nor a tar archive ({exc}).") from None
    with tf:
        members = tf.getmembers()
        for m in members:
            if not (m.isfile() or m.isdir()):
                kind = "symlink" if m.issym() else "hard link" if m.islnk() else "special file"
                raise UnsafeArchiveError(
                    f"{archive.name} holds a {kind} {m.name!r}; model archives may hold only files and folders."
                )
            _check_name(archive, m.name, target)
        for m in members:
            dest = _check_name(archive, m.name, target)
            if m.isdir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tf.extractfile(m) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            written.append(dest)
    return written
