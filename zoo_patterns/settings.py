"""Where things live and what runs where: device, offline flag, cache and zoo folders.

Every environment variable the workbook reads is read here, in one place:

- ``ZOO_PATTERNS_DEVICE``   force ``cpu`` or ``cuda`` (default: cuda when torch sees a GPU)
- ``ZOO_PATTERNS_OFFLINE``  ``1`` forbids all network access
- ``ZOO_PATTERNS_CACHE``    the download cache (default: the user's cache directory)
- ``ZOO_PATTERNS_ZOO``      the built workbook zoo, a folder (default: the user's data directory)
- ``ZOO_PATTERNS_MIRROR``   a served copy of that zoo, a URL (``serve``): bare names load from it

Lesson 00 shows all of them. :func:`default_zoo` is the zoo folder the facade's registry
reads; :func:`default_source` is where the loader fetches a bare name from when it is
handed no zoo: the mirror when one is set (a classroom's, docs/teaching.md), else that folder.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

APP = "zoo-patterns"
_TRUE = {"1", "true", "yes", "on"}

# The function that builds the workbook zoo when it is missing or stale. It lives in the zoo's build,
# a layer above the loader and the facade that need a built zoo (lesson 12), so they may not import it:
# this setting names it and default_zoo() looks it up by name when first asked, the way a plug-in is
# found by its entry point (dependency inversion: the layer above plugs itself into the ground).
ZOO_BUILDER = "zoo_patterns.zoo:ensure_built_once"


_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var, "").strip()
    if _URL.match(value):  # Path("http://host:8765") would be a folder named "http:" in the current directory
        hint = (
            " To load models from a served zoo, set ZOO_PATTERNS_MIRROR to the URL instead." if var == "ZOO_PATTERNS_ZOO" else ""
        )
        raise ValueError(f"{var}={value!r} is a URL, but {var} names a folder on this machine.{hint}")
    return Path(value).expanduser().resolve() if value else default


def cache_dir() -> Path:
    """The download cache: ``$ZOO_PATTERNS_CACHE`` or the user's cache dir, never a temp dir."""
    from platformdirs import user_cache_path

    return _env_path("ZOO_PATTERNS_CACHE", user_cache_path(APP))


def zoo_dir() -> Path:
    """The workbook's built zoo: ``$ZOO_PATTERNS_ZOO`` or ``<user data dir>/zoo``."""
    from platformdirs import user_data_path

    return _env_path("ZOO_PATTERNS_ZOO", user_data_path(APP) / "zoo")


def default_zoo() -> Path:
    """The workbook zoo at :func:`zoo_dir`, built first (once per process) by :data:`ZOO_BUILDER` if missing or stale."""
    module, _, function = ZOO_BUILDER.partition(":")
    return Path(getattr(importlib.import_module(module), function)(zoo_dir()))


def mirror() -> str | None:
    """``$ZOO_PATTERNS_MIRROR``: the URL of a served copy of the workbook zoo, or None when unset."""
    value = os.environ.get("ZOO_PATTERNS_MIRROR", "").strip()
    if not value:
        return None
    if not re.match(r"^https?://[^/]", value):
        raise ValueError(
            f"ZOO_PATTERNS_MIRROR={value!r} is not an http(s) URL. Expected a served zoo, for example "
            "'http://127.0.0.1:8765' (`python -m zoo_patterns serve`); unset it to load from the zoo folder."
        )
    return value


def default_source() -> str | Path:
    """Where a bare name loads from: :func:`mirror` when set (nothing is built here: whoever serves
    the zoo built it), else :func:`default_zoo`."""
    return mirror() or default_zoo()


def is_offline() -> bool:
    """True when ``ZOO_PATTERNS_OFFLINE`` (or HF's ``HF_HUB_OFFLINE``) asks for no network."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("ZOO_PATTERNS_OFFLINE", "HF_HUB_OFFLINE"))


def device() -> str:
    """The torch device: ``$ZOO_PATTERNS_DEVICE`` if set, else ``cuda`` when torch sees a GPU, else ``cpu``.

    TensorFlow and MXNet stay on the CPU unless their GPU builds are installed;
    the workbook's CPU wheels are not.
    """
    forced = os.environ.get("ZOO_PATTERNS_DEVICE", "").strip().lower()
    if forced:
        if forced.split(":")[0] not in {"cpu", "cuda"}:
            raise ValueError(
                f"ZOO_PATTERNS_DEVICE={forced!r} is not a device this workbook knows. "
                "Expected 'cpu', 'cuda' or 'cuda:N'; unset it to choose automatically."
            )
        return forced
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
