"""The registry pattern: names map to builders plus cards.

A :class:`Registry` is an instance, not a module global, so a test or a
lesson can make a fresh one, and a child registry (``Registry("lesson",
parent=zoo)``) sees its parent's entries without changing them.

- Registering a name twice is an error unless ``replace=True`` (timm
  silently overwrites; torchvision raises, and so do we).
- ``list`` takes fnmatch wildcards and filters on task, domain, framework,
  tags and pretrained, like ``timm.list_models("resnet*", pretrained=True)``.
- An unknown name gets close-match suggestions.
- Registering imports no framework: a builder is only called by ``build``.
- An entry may carry its versions (a zoo's registry does): ``get("name")`` is the
  newest, ``get("name@1.0.0")`` and ``get("name@<content id>")`` pick one, by the
  same rule as the loader (:func:`zoo_patterns.index.select`).

Lesson 02 builds a registry from scratch, then uses this one.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .cards import ModelCard
from .errors import DuplicateModelError, ModelNotFoundError

Builder = Callable[..., Any]


@dataclass(frozen=True)
class Entry:
    """One registered model: its name, how to build it, and its card."""

    name: str
    builder: Builder
    card: ModelCard | None = None
    tags: frozenset[str] = frozenset()
    pretrained: bool = False
    content_id: str | None = None  # set by a zoo's registry: what name@<content id> pins
    yanked: str | None = None  # why this version was withdrawn, if it was
    versions: tuple[Entry, ...] = ()  # every version, oldest first, when the entry has several

    @property
    def version(self) -> str:
        return self.card.version if self.card else ""

    def matches(self, *, task=None, domain=None, framework=None, tags=None, pretrained=None) -> bool:
        card = self.card
        checks = (
            (task, card.task if card else None),
            (domain, card.domain if card else None),
            (framework, card.framework if card else None),
        )
        for wanted, have in checks:
            if wanted is not None and wanted != have:
                return False
        if tags is not None:
            wanted_tags = {tags} if isinstance(tags, str) else set(tags)
            if not wanted_tags <= self.tags:
                return False
        return pretrained is None or pretrained == self.pretrained


class Registry:
    """A named catalogue of model builders and their cards."""

    def __init__(self, name: str = "registry", parent: Registry | None = None):
        self.name = name
        self.parent = parent
        self._entries: dict[str, Entry] = {}

    # -- registering ---------------------------------------------------------
    def register(
        self,
        name: str | Builder | None = None,
        builder: Builder | None = None,
        *,
        card: ModelCard | None = None,
        tags: Iterable[str] = (),
        pretrained: bool | None = None,
        replace: bool = False,
        versions: Iterable[Entry] = (),
        content_id: str | None = None,
    ):
        """Register a builder, as a call or as a decorator.

        ``reg.register("tiny-mlp", make_mlp, card=card)`` or::

            @reg.register("tiny-mlp", card=card)
            def make_mlp(): ...

        A bare ``@reg.register`` uses the function's name.
        """
        if callable(name) and builder is None:  # bare @reg.register
            builder, name = name, name.__name__

        def add(fn: Builder) -> Builder:
            key = name or (card.name if card else fn.__name__)
            if not isinstance(key, str) or not key:
                raise TypeError(f"A registry name must be a non-empty string, got {key!r}.")
            if card is not None and card.name != key:
                raise ValueError(f"Name {key!r} and card name {card.name!r} differ; register the model under its card's name.")
            if not replace and key in self:
                owner = self if key in self._entries else "its parent"
                where = owner if isinstance(owner, str) else f"registry {self.name!r}"
                raise DuplicateModelError(
                    f"{key!r} is already registered in {where}. Pick another name, "
                    "or pass replace=True if you mean to override it."
                )
            all_tags = frozenset(tags) | (frozenset(card.tags) if card else frozenset())
            is_pretrained = pretrained if pretrained is not None else bool(card and card.pretrained)
            self._entries[key] = Entry(key, fn, card, all_tags, is_pretrained, content_id, None, tuple(versions))
            return fn

        return add(builder) if builder is not None else add

    def unregister(self, name: str) -> None:
        """Remove one of this registry's own entries; a parent's entries are not this registry's to remove."""
        if name not in self._entries:
            raise ModelNotFoundError(name, self._entries, where=f"registry {self.name!r} (own entries)")
        del self._entries[name]

    # -- looking up ------------------------------------------------------------
    def get(self, name: str) -> Entry:
        """The entry for ``name`` (or one version: ``name@1.0.0``, ``name@<content id>``); unknown names raise with close matches."""
        registry: Registry | None = self
        while registry is not None:
            if name in registry._entries:
                return registry._entries[name]
            registry = registry.parent
        base, at, ref = name.partition("@")
        if at and base in self:
            from .index import select

            entry = self.get(base)
            rows = [
                {"name": base, "version": v.version, "content_id": v.content_id or "", "yanked": v.yanked, "entry": v}
                for v in entry.versions or (entry,)
            ]
            return select({"models": rows}, base, ref, where=f"registry {self.name!r}")["entry"]
        raise ModelNotFoundError(name, self.names(), where=f"registry {self.name!r}")

    def build(self, name: str, **kwargs: Any) -> Any:
        """Call the builder registered under ``name``."""
        return self.get(name).builder(**kwargs)

    def list(
        self,
        pattern: str | Iterable[str] = "*",
        *,
        task: str | None = None,
        domain: str | None = None,
        framework: str | None = None,
        tags: str | Iterable[str] | None = None,
        pretrained: bool | None = None,
    ) -> list[str]:
        """Sorted names matching an fnmatch pattern (or any of several) and every filter given."""
        patterns = [pattern] if isinstance(pattern, str) else list(pattern)
        return [
            n
            for n in self.names()
            if any(fnmatch.fnmatchcase(n, p) for p in patterns)
            and self.get(n).matches(task=task, domain=domain, framework=framework, tags=tags, pretrained=pretrained)
        ]

    def names(self) -> list[str]:
        """Every visible name: this registry's own, then its ancestors' (own entries shadow)."""
        seen: set[str] = set()
        registry: Registry | None = self
        while registry is not None:
            seen.update(registry._entries)
            registry = registry.parent
        return sorted(seen)

    def cards(self, pattern: str = "*", **filters: Any) -> list[ModelCard]:
        return [c for c in (self.get(n).card for n in self.list(pattern, **filters)) if c is not None]

    def all_versions(self, pattern: str | Iterable[str] = "*", **filters: Any) -> list[Entry]:
        """Every version of every name :meth:`list` gives, oldest first within a name."""
        return [v for n in self.list(pattern, **filters) for v in (self.get(n).versions or (self.get(n),))]

    def __contains__(self, name: object) -> bool:
        registry: Registry | None = self
        while registry is not None:
            if name in registry._entries:
                return True
            registry = registry.parent
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        parent = f", parent={self.parent.name!r}" if self.parent else ""
        return f"Registry({self.name!r}, {len(self._entries)} own entries{parent})"
