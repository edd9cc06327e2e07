"""zoo-patterns: the support package of a workbook that builds a small, real model zoo.

Each architecture pattern lives in its own module (see the lessons):

- ``cards``      model cards and tensor specs (lesson 01)
- ``model_registry``  names mapped to builders plus cards (lesson 02); ``registry()`` is the zoo's
- ``models``     the digits CNN in torch, Keras and Gluon (lessons 01, 07-08)
- ``zoo``        the workbook's own zoo: pretrain, publish, index (lessons 01-02)
- ``adapters``   one ZooModel interface over every framework (lesson 03)
- ``loader``     resolve, cache, fetch, verify, decode (lesson 04)
- ``convert``    models moved between frameworks, with parity proofs (lessons 03, 09)
- ``lineage``    the cards of derived models, and their parent read back (lessons 11, 13)
- ``ui``         the zoo browser, as MVC and as MVVM (lesson 12)
- ``architecture``  the package's layers, read from its imports (lesson 12)
- ``settings``   device, offline flag, cache and zoo locations (lesson 00)
- ``compat``     the one place that keeps MXNet working on today's numpy
- ``exercises``  instant checks for the learner notebooks

This module is the facade (lesson 12): the one-liners below join the loader
and the adapters, which sit side by side one layer down and never import each
other. Importing this package imports no deep-learning framework: every
framework is imported lazily, inside the code that needs it.
"""

from __future__ import annotations

import functools
from pathlib import Path

__version__ = "0.1.0"

from .cards import ModelCard, TensorSpec  # noqa: E402  (light: stdlib only)
from .compat import import_triton_before_tensorflow  # noqa: E402
from .errors import ZooError, expect_error  # noqa: E402
from .model_registry import Registry  # noqa: E402
from .settings import cache_dir, device, is_offline, zoo_dir  # noqa: E402

# torch's CUDA build brings triton, which segfaults when imported after TensorFlow: from now
# on, the first `import tensorflow` (or keras) imports triton first. Installing the hook imports nothing.
import_triton_before_tensorflow()

__all__ = [
    "ModelCard",
    "adapt",
    "build",
    "read_card",
    "Registry",
    "TensorSpec",
    "ZooError",
    "cache_dir",
    "card",
    "device",
    "expect_error",
    "is_offline",
    "list_models",
    "load",
    "model_dir",
    "quiet",
    "registry",
    "zoo_dir",
]


def registry() -> Registry:
    """The workbook zoo's registry (the zoo is built on first use, see :func:`settings.default_zoo`)."""
    from .settings import default_zoo

    return _zoo_registry(str(default_zoo()))


@functools.lru_cache(maxsize=None)
def _zoo_registry(root: str) -> Registry:
    return registry_from_zoo(root)


def registry_from_zoo(root: str | Path, name: str = "zoo") -> Registry:
    """A registry with one entry per model in a built zoo: its newest version's card and a lazy builder (its decoder).

    Each entry carries every version (``registry.get("name@1.0.0")``); a name whose versions are all yanked is left out.
    """
    from .index import newest, read_index, versions_of
    from .loader.decode import decode
    from .model_registry import Entry

    root = Path(root)
    found = Registry(name)
    index = read_index(root)
    for model in sorted({e["name"] for e in index["models"]}):
        entries = versions_of(index, model)
        versions = {}
        for e in entries:
            card = ModelCard.load(root / e["card"])
            builder = functools.partial(decode, root / e["folder"], card.format)
            versions[e["version"]] = Entry(
                f"{model}@{e['version']}", builder, card, frozenset(card.tags), card.pretrained, e["content_id"], e.get("yanked")
            )
        top = newest(entries)
        if top is not None:
            chosen = versions[top["version"]]
            found.register(model, chosen.builder, card=chosen.card, versions=versions.values(), content_id=chosen.content_id)
    return found


def list_models(pattern: str = "*", **filters) -> list[str]:
    """Names in the workbook zoo, like ``timm.list_models``: ``list_models("digits-*", framework="torch")``."""
    return registry().list(pattern, **filters)


def card(name: str) -> ModelCard:
    """The model card of a zoo entry."""
    return registry().get(name).card


def model_dir(name: str):
    """The published folder of a zoo entry (its card, README.md, and its weights): ``name`` or ``name@VERSION``."""
    from .index import read_index, select

    entry = registry().get(name)  # unknown names fail here, with suggestions; builds the zoo if needed
    base = name.partition("@")[0]
    return zoo_dir() / select(read_index(zoo_dir()), base, entry.version)["folder"]


def load(
    ref: str,
    *,
    zoo=None,
    cache=None,
    offline: bool | None = None,
    adapt: bool = False,
    loader=None,
    on_progress=None,
    **options,
):
    """The one-liner: ``zp.load("digits-cnn-torch")`` gives a ready model.

    ``ref`` is a zoo name (``"minilm-l6"``, ``"minilm-l6@1.0.0"``) or any reference
    the loader resolves (``http://127.0.0.1:8765/minilm-l6``, ``file:///...``, a
    model folder, such as one :meth:`ZooModel.save` wrote). It goes down every layer of
    :class:`zoo_patterns.loader.Loader` (resolve, cache, fetch, verify, decode), then
    :func:`build`. ``options`` are the Loader's (``progress=``, ``verify="full"``,
    ``retries=``, ``timeout=``), or pass a ready ``loader=``; ``on_progress(done, total)``
    hears the bytes of this call's downloads.
    """
    if loader is None:
        from .loader import Loader

        loader = Loader(zoo=zoo, cache=cache, offline=offline, **options)
    return build(loader.fetch(ref, on_progress=on_progress), adapt=adapt)


def build(snapshot, fmt: str | None = None, *, adapt: bool = False):
    """Layer 6: a fetched snapshot (or a model folder) -> the native object, or a ZooModel with its card.

    The loader stops at decode; the facade joins what it decoded with the adapters (lesson 03)
    and with the card in the snapshot. ``adapt=False`` gives the framework's own object (lesson 01).
    """
    from .loader import decode

    folder = Path(getattr(snapshot, "folder", snapshot))
    manifest = getattr(snapshot, "manifest", None)
    native = decode(folder, fmt or (manifest.format if manifest is not None else None))
    if not adapt:
        return native
    from .adapters import adapt as wrap

    return wrap(native, card=read_card(folder), source=folder)


def read_card(folder) -> ModelCard | None:
    """A model folder's card (its ``README.md``), or None for a folder without one."""
    path = Path(folder) / "README.md"
    return ModelCard.load(path) if path.is_file() else None


def adapt(native, card: ModelCard | None = None, **options):
    """Wrap a framework's own model (torch, Keras, Gluon, transformers, ONNX Runtime, SavedModel) in the ZooModel interface."""
    from .adapters import adapt as _adapt

    return _adapt(native, card, **options)


def quiet() -> None:
    """Silence TensorFlow, absl, transformers and MXNet log noise (call before importing them)."""
    from .logs import quiet as _quiet

    _quiet()
