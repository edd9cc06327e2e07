"""The MXNet Gluon model store's protocol: a URL per name and sha1, and a sha1 table as the trust anchor (lesson 15).

``model_store.get_model_file(name, root)`` looks ``name`` up in
``mxnet.gluon.model_zoo.model_store._model_sha1``, downloads
``$MXNET_GLUON_REPO/gluon/models/<name>-<sha1[:8]>.zip``, extracts
``<name>-<sha1[:8]>.params`` and checks its sha1 against the table, on every
cache hit too. That table, inside the library, is MXNet's **trust anchor**: a
server can only hand out bytes whose sha1 the installed library already
holds. A library author adds a model by adding its row;
:func:`add_to_model_store` does exactly that for the zoo's Gluon models.
"""

from __future__ import annotations

import io
import re
import zipfile

from . import Answer, Zoo, ZooEntry, error_answer, sha1_file

PREFIX = "/mxnet/gluon/models/"
_ZIP = re.compile(r"^(.+)-([0-9a-f]{8})\.zip$")
GLUON_FORMATS = ("gluon-params", "gluon-model-zoo")


def params_file(entry: ZooEntry):
    return next((f for f in entry.files if f.path.endswith(".params")), None)


def model_sha1(zoo: Zoo) -> dict[str, str]:
    """name -> sha1 of the ``.params`` file, for every Gluon model in the zoo (the rows a library author adds)."""
    table = {}
    for name, entry in sorted(zoo.models.items()):
        f = params_file(entry) if entry.format in GLUON_FORMATS else None
        if f is not None:
            table[name] = zoo.memo(("sha1", f.sha256), lambda f=f: sha1_file(f.source))
    return table


def add_to_model_store(zoo_folder, model_store=None) -> dict[str, str]:
    """Add the zoo's sha1s to MXNet's ``model_store._model_sha1`` (the trust anchor) and return the rows added."""
    if model_store is None:
        from ..compat import import_mxnet

        import_mxnet()
        from mxnet.gluon.model_zoo import model_store
    rows = model_sha1(Zoo(zoo_folder))
    model_store._model_sha1.update(rows)
    return rows


def zip_for(entry: ZooEntry, sha1: str) -> bytes:
    f = params_file(entry)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{entry.name}-{sha1[:8]}.params", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, f.source.read_bytes())
    return raw.getvalue()


def answer(zoo: Zoo, method: str, path: str, query: str) -> Answer | None:
    if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
        return None
    m = _ZIP.match(path[len(PREFIX) :])
    table = model_sha1(zoo)
    if m is None or m.group(1) not in table or not table[m.group(1)].startswith(m.group(2)):
        return error_answer(404, f"not in this store; it serves {[f'{n}-{s[:8]}.zip' for n, s in table.items()]}")
    name = m.group(1)
    body = zoo.memo(("mxnet", name), lambda: zip_for(zoo.get(name), table[name]))
    return Answer(200, {"Content-Type": "application/zip"}, body=body)
