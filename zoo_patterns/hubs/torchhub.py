"""torch.hub's weights protocol: a URL whose file name carries the sha256 prefix (lesson 15).

``torch.hub.load_state_dict_from_url(url, check_hash=True)`` takes the
expected hash from the ``-<hex>.`` part of the file name in the URL it was
*given* (not from a redirect's target), downloads to
``$TORCH_HOME/hub/checkpoints/<file name>`` and calls ``torch.load`` on it.
So torch.hub needs ``torch.load``'s format, a zip holding a pickle, which is
why ``weights_only=True`` (the default since torch 2.6) matters: it
unpickles only tensors and plain containers, never arbitrary objects.

The zoo stores no pickle. ``/torchhub/<name>.pth`` redirects (302) to
``/torchhub/<name>-<sha256[:8]>.pth``, a state dict converted from the
model's safetensors on the first request (torch imported here, inside the
handler) and kept in the server's memory, never written into the zoo.
"""

from __future__ import annotations

import hashlib
import io
import re

from . import Answer, Zoo, ZooEntry, error_answer

PREFIX = "/torchhub/"
_HASHED = re.compile(r"^(.+)-([0-9a-f]{8})\.pth$")


def has_safetensors(entry: ZooEntry) -> bool:
    return entry.file("model.safetensors") is not None


def state_dict_bytes(entry: ZooEntry) -> bytes:
    """The safetensors weights as ``torch.save`` bytes (a weights-only state dict)."""
    import torch
    from safetensors.torch import load_file

    state = load_file(str(entry.file("model.safetensors").source))
    buf = io.BytesIO()
    torch.save(dict(sorted(state.items())), buf)
    return buf.getvalue()


def converted(zoo: Zoo, entry: ZooEntry) -> tuple[bytes, str]:
    def make():
        data = state_dict_bytes(entry)
        return data, hashlib.sha256(data).hexdigest()

    return zoo.memo(("torchhub", entry.name), make)


def hashed_name(zoo: Zoo, name: str) -> str:
    """``<name>-<sha256[:8]>.pth``: the file name torch.hub's ``check_hash`` reads."""
    return f"{name}-{converted(zoo, zoo.get(name))[1][:8]}.pth"


def answer(zoo: Zoo, method: str, path: str, query: str) -> Answer | None:
    if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
        return None
    file_name = path[len(PREFIX) :]
    m = _HASHED.match(file_name)
    name = m.group(1) if m else file_name.removesuffix(".pth")
    entry = zoo.get(name)
    if entry is None or not has_safetensors(entry) or not file_name.endswith(".pth"):
        served = sorted(n for n, e in zoo.models.items() if has_safetensors(e))
        return error_answer(404, f"no torch weights named {file_name!r}; served: {[n + '.pth' for n in served]}")
    data, sha256 = converted(zoo, entry)
    if m is None:
        return Answer(302, {"Location": PREFIX + f"{name}-{sha256[:8]}.pth"}, body=b"")
    if not sha256.startswith(m.group(2)):
        return error_answer(404, f"{file_name} is not the current weights of {name}; ask for {name}.pth")
    return Answer(200, {"Content-Type": "application/octet-stream"}, body=data)
