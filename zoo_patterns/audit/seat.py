"""SEAT: WEAT for sentence encoders, with the workbook's own words and templates, and results into a card.

A sentence encoder is trained and used on sentences, so SEAT (May et al., 2019) puts each word into a few
neutral templates ("This is a {}.", "{} is here.") and encodes the sentences. Here each word is then
represented by the mean of its template embeddings, so a set of eight words stays eight samples. (Counting
every sentence as its own sample, as the original SEAT does, multiplies n by the number of templates while the
words stay the same, and makes p-values look smaller than the words can support.)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..cards import AUDIT_HEADING, AuditRecord, ModelCard
from ..data.words import TEMPLATES, TESTS, WORDS
from .weat import WeatResult, weat

Encoder = Callable[[list[str]], np.ndarray]


def kind_of(word: str) -> str:
    """``name`` for a capitalised first name, ``noun`` for anything else: they need different templates."""
    return "name" if word[:1].isupper() else "noun"


def sentences(word: str, templates: dict[str, Sequence[str]] = TEMPLATES) -> list[str]:
    """The sentences one word becomes."""
    return [t.format(word) for t in templates[kind_of(word)]]


def seat_encoder(encode: Encoder, templates: dict[str, Sequence[str]] = TEMPLATES) -> Encoder:
    """An encoder of words: each word is the normalised mean of its template sentences' embeddings."""

    def encode_words(words: list[str]) -> np.ndarray:
        groups = [sentences(w, templates) for w in words]
        flat = np.asarray(encode([s for g in groups for s in g]), dtype=np.float64)
        out, start = [], 0
        for g in groups:
            v = flat[start : start + len(g)].mean(axis=0)
            start += len(g)
            out.append(v / (np.linalg.norm(v) or 1.0))
        return np.stack(out)

    return encode_words


def run_tests(
    encode: Encoder,
    tests: Iterable[tuple[str, str, str, str, str]] = TESTS,
    words: dict[str, Sequence[str]] = WORDS,
    *,
    templates: dict[str, Sequence[str]] | None = TEMPLATES,
    seed: int = 0,
) -> dict[str, WeatResult]:
    """Every test of ``tests`` as ``{name: WeatResult}``; SEAT templates unless ``templates=None`` (bare words)."""
    enc = seat_encoder(encode, templates) if templates else encode
    cache: dict[str, np.ndarray] = {}

    def cached(batch: list[str]) -> np.ndarray:  # each word list is encoded once, however many tests use it
        missing = [w for w in dict.fromkeys(batch) if w not in cache]
        if missing:
            cache.update(zip(missing, enc(missing), strict=True))
        return np.stack([cache[w] for w in batch])

    return {name: weat(cached, words[x], words[y], words[a], words[b], seed=seed) for name, x, y, a, b in tests}


def audit_date() -> str:
    """Today (UTC), or the day of ``SOURCE_DATE_EPOCH`` when set, so a reproducible build records a fixed date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


SEAT_METHOD = (
    "SEAT: each word in 4 templates, mean embedding; WEAT effect size (ddof 1) and one-sided exact permutation p-value; "
    "zoo_patterns.data.words lists, 8 words per set"
)


def records(results: dict[str, WeatResult], *, method: str = SEAT_METHOD, date: str | None = None) -> tuple[AuditRecord, ...]:
    """Audit records for a card, rounded so a rebuild writes the same card."""
    date = date or audit_date()
    out = []
    for name, r in results.items():
        n = len(r.associations) // 2
        note = "" if r.exact else f"p from {r.partitions:,} sampled partitions"
        out.append(AuditRecord(name, round(r.effect_size, 4), round(r.p_value, 6), n, method, date, note))
    return tuple(out)


def record_audit(card: ModelCard, new: Iterable[AuditRecord]) -> ModelCard:
    """The card with ``new`` audit records (replacing older records of the same test), body rewritten to show them."""
    new = tuple(new)
    names = {a.test for a in new}
    audits = tuple(a for a in card.audits if a.test not in names) + new
    body = card.description.strip()
    if not body or body == card.replace(description="")._default_body().strip():
        body = ""  # the generated body: regenerate it, audit section included
    else:  # a hand-written body: replace its audit section, keep the rest
        before, found, after = body.partition(AUDIT_HEADING)
        rest = after[after.find("\n## ") :] if found and "\n## " in after else ""
        body = f"{before.rstrip()}\n\n{card.replace(audits=audits).audit_section()}{rest}"
    return card.replace(audits=audits, description=body)
