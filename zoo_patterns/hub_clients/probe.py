"""One hub's own client in its own process, fetching one model on command (lesson 15's fault matrix).

``python -m zoo_patterns.hub_clients.probe CLIENT[,CLIENT] URL ZOO`` imports one client once
(the clients read ``HF_ENDPOINT``, ``MXNET_GLUON_REPO`` and the like when they
are imported, so each setting needs its own process), then answers JSON lines
on stdin:

- ``{"op": "fetch", "client": CLIENT, "cache": DIR}``: fetch the client's model into the cache
  ``DIR`` and say whether the bytes it handed back are the zoo's:
  ``{"raised": null | "Type: message", "good": true | false | null}``;
- ``{"op": "poison", "client": CLIENT, "cache": DIR}``: flip bytes in the middle of the cached
  weights file, as a bad disk would (same length).

Each client fetches the small digits model of its format. The clients are
used as their users call them; the only change is that the pauses between
retries (huggingface_hub's 1 s, the workbook loader's backoff) are skipped, to
keep a lesson within a minute (the retries themselves are unchanged).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..hashing import sha256_file
from ..hubs import Zoo

MODELS = {
    "huggingface_hub": "digits-cnn-torch",
    "tensorflow_hub": "digits-cnn-savedmodel",
    "mxnet_store": "digits-cnn-gluon",
    "torch.hub": "digits-cnn-torch",
    "torch.hub check_hash": "digits-cnn-torch",
    "zoo loader": "digits-cnn-torch",
}
# The request path each client's weights travel on, for Fault patterns.
WEIGHT_PATHS = {
    "huggingface_hub": "/zoo-patterns/digits-cnn-torch/resolve/*/model.safetensors",
    "tensorflow_hub": "/tfhub/digits-cnn-savedmodel",
    "mxnet_store": "/mxnet/gluon/models/digits-cnn-gluon-*.zip",
    "torch.hub": "/torchhub/digits-cnn-torch-*.pth",
    "torch.hub check_hash": "/torchhub/digits-cnn-torch-*.pth",
    "zoo loader": "/digits-cnn-torch/*/model.safetensors",
}


def flip_middle(path: Path) -> None:
    """Flip 16 bytes in the middle of a file, in place (a bad disk: the size stays)."""
    path = Path(path).resolve()
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(mid, min(mid + 16, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


class Client:
    """fetch(cache) -> True when the bytes handed back are the zoo's; weights(cache) -> the cached weights file."""

    def __init__(self, url: str, zoo: Zoo, name: str):
        self.url, self.zoo, self.entry = url.rstrip("/") + "/", zoo, zoo.get(name)


class HuggingFace(Client):
    def __init__(self, *args):
        super().__init__(*args)
        import huggingface_hub.file_download as fd

        class _NoSleep:  # the retries stay; only their 1 s pauses go
            def __getattr__(self, name):
                import time

                return (lambda s: None) if name == "sleep" else getattr(time, name)

        fd.time = _NoSleep()
        self.download = fd.hf_hub_download

    def fetch(self, cache):
        path = self.download(f"zoo-patterns/{self.entry.name}", "model.safetensors", cache_dir=cache)
        return sha256_file(path) == self.entry.file("model.safetensors").sha256

    def weights(self, cache):
        return next(Path(cache).glob("models--*/snapshots/*/model.safetensors"))


class TFHub(Client):
    def __init__(self, *args):
        super().__init__(*args)
        from ..compat import import_tensorflow_hub

        self.hub = import_tensorflow_hub()

    def fetch(self, cache):
        os.environ["TFHUB_CACHE_DIR"] = str(cache)  # read on every resolve
        self.hub.load(self.url + f"tfhub/{self.entry.name}")
        module = next(p for p in Path(cache).iterdir() if p.is_dir())
        return all(sha256_file(module / f.path) == f.sha256 for f in self.entry.files if f.path != "README.md")

    def weights(self, cache):
        return next(Path(cache).glob("*/variables/variables.data-*"))


class MXNetStore(Client):
    def __init__(self, *args):
        super().__init__(*args)
        from ..hubs.mxnet_store import add_to_model_store

        add_to_model_store(self.zoo.folder)
        from mxnet.gluon.model_zoo import model_store

        self.store = model_store

    def fetch(self, cache):
        path = self.store.get_model_file(self.entry.name, root=str(cache))
        return sha256_file(path) == next(f for f in self.entry.files if f.path.endswith(".params")).sha256

    def weights(self, cache):
        return next(Path(cache).glob("*.params"))


class TorchHub(Client):
    check_hash = False

    def __init__(self, *args):
        super().__init__(*args)
        import torch
        from safetensors.torch import load_file

        from ..hubs.torchhub import hashed_name

        self.torch = torch
        self.expected = load_file(str(self.entry.file("model.safetensors").source))
        self.file_url = self.url + "torchhub/" + hashed_name(self.zoo, self.entry.name)

    def fetch(self, cache):
        got = self.torch.hub.load_state_dict_from_url(
            self.file_url, model_dir=str(cache), check_hash=self.check_hash, progress=False
        )
        return set(got) == set(self.expected) and all(self.torch.equal(got[k], v) for k, v in self.expected.items())

    def weights(self, cache):
        return next(Path(cache).glob("*.pth"))


class TorchHubChecked(TorchHub):
    check_hash = True


class ZooLoader(Client):
    def __init__(self, *args):
        super().__init__(*args)
        from ..loader import Cache, Loader

        self.Cache, self.Loader = Cache, Loader

    def fetch(self, cache):
        loader = self.Loader(zoo=self.url, cache=self.Cache(cache), progress=False, backoff=0.0)
        snap = loader.fetch(self.entry.name)
        return sha256_file(snap.folder / "model.safetensors") == self.entry.file("model.safetensors").sha256

    def weights(self, cache):
        return self.Cache(cache).blob(self.entry.file("model.safetensors").sha256)


CLIENTS = {
    "huggingface_hub": HuggingFace,
    "tensorflow_hub": TFHub,
    "mxnet_store": MXNetStore,
    "torch.hub": TorchHub,
    "torch.hub check_hash": TorchHubChecked,
    "zoo loader": ZooLoader,
}


def main(argv: list[str]) -> int:
    names, url, zoo_folder = argv[0].split(","), argv[1], argv[2]  # several clients of one framework share its import
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the clients' own prints go to stderr; stdout carries only our answers
    sys.stdout = sys.stderr
    zoo = Zoo(zoo_folder)
    clients = {name: CLIENTS[name](url, zoo, MODELS[name]) for name in names}
    protocol.write(json.dumps({"ready": names}) + "\n")
    for line in sys.stdin:
        cmd = json.loads(line)
        client, cache = clients[cmd["client"]], Path(cmd["cache"])
        reply = {"raised": None, "good": None}
        try:
            if cmd["op"] == "poison":
                flip_middle(client.weights(cache))
            else:
                reply["good"] = bool(client.fetch(cache))
        except Exception as exc:  # noqa: BLE001 (what the client raised is the measurement)
            reply["raised"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
        protocol.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
