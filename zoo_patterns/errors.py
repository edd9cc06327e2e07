"""One exception type per failure a caller can act on.

Each message says what happened, what was expected and how to fix it, in the
spirit of the Keras API guidelines' "errors that teach". Every error class of the
package is here, at the bottom of lesson 12's layers, and each carries the exit
code the command line returns for it (``exit_code``), so ``python -m zoo_patterns``
maps any failure to its code in one line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base class of every error zoo-patterns raises on purpose."""

    exit_code = 1  # the command line's exit status for this failure


class InvalidCardError(ZooError, ValueError):
    """A model card is missing a required field or has a malformed one."""

    exit_code = 2


class DuplicateModelError(ZooError, ValueError):
    """A name is registered twice without ``replace=True``."""


class ModelNotFoundError(ZooError, KeyError):
    """An unknown model name; the message suggests close matches."""

    exit_code = 2

    def __init__(self, name: str, known: Iterable[str], where: str = "the registry"):
        self.name = name
        self.suggestions = close_matches(name, known)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"No model named {name!r} in {where}.{hint} "
            "List the known names with `zoo_patterns.list_models()` or `python -m zoo_patterns list`."
        )

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return self.args[0]


class VersionNotFoundError(ModelNotFoundError):
    """A known model asked for at a version (or content id) the zoo does not have; the message lists the versions."""

    exit_code = 2

    def __init__(self, message: str):
        self.name, self.suggestions = message.split()[0], []
        ZooError.__init__(self, message)


def close_matches(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Known names that look like ``name``: close spellings first, then names containing it."""
    known = sorted(set(known))
    found = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    for k in known:
        if len(found) >= n:
            break
        if name and name.lower() in k.lower() and k not in found:
            found.append(k)
    return found


# -- the layered loader's failures (lesson 04) -------------------------------------
class InvalidReferenceError(ZooError, ValueError):
    """A model reference no resolver understands (``zoo://name@1.0``, ``http://...``, a path)."""

    exit_code = 2


class IntegrityError(ZooError):
    """Bytes on disk or on the wire do not match the expected size or sha256."""

    exit_code = 3

    def __init__(self, what: str, expected: str, actual: str, fix: str):
        self.expected, self.actual = expected, actual
        super().__init__(f"{what}: expected {expected}, got {actual}. {fix}")


class OfflineError(ZooError):
    """Offline mode is on and the model (or one of its files) is not in the cache."""

    exit_code = 4


class NetworkError(ZooError, OSError):
    """The server could not be reached, was too slow, or kept cutting the download short."""

    exit_code = 5


class UnsafeFormatError(ZooError):
    """A file would run code when loaded (a pickle): refused."""

    exit_code = 6


class UnsafeArchiveError(ZooError):
    """An archive member would land outside the folder it is extracted into."""

    exit_code = 6


class UnsafePathError(ZooError):
    """A zoo's index (or a manifest, a card, a published folder) names a path that would reach outside its folder.

    Names, versions, sizes and hashes are checked with the paths, since each becomes part of a path in the
    cache. Raised before anything is read or written, and never retried: the same index refuses the same way.
    """

    exit_code = 6


class IndexFormatError(ZooError, ValueError):
    """A zoo's ``index.json`` cannot be read as an index: not JSON, cut short, no ``models``, an unknown format."""

    exit_code = 2


class UnknownFormatError(ZooError, ValueError):
    """No decoder is registered for a model's format."""


class SpecError(ZooError, ValueError):
    """An input does not match the model's input spec (shape, dtype, layout or range)."""

    def __init__(self, what: str, expected: str, actual: str, fix: str = ""):
        self.expected, self.actual = expected, actual
        super().__init__(f"{what}: expected {expected}, got {actual}." + (f" {fix}" if fix else ""))


class AdapterError(ZooError, TypeError):
    """No adapter knows this object, or it cannot do what was asked (a device, a format)."""


# -- the workflows' failures (lessons 09, 10, 11, 13) ------------------------------------
class ConversionError(ZooError, ValueError):
    """A layer no rule converts, or a setting the target cannot express; nothing is half-converted."""

    exit_code = 7


class ParityError(ZooError, AssertionError):
    """Two models that should agree do not; ``.report`` holds the numbers and the divergent layer."""

    exit_code = 8

    def __init__(self, report):  # a convert.parity.ParityReport
        self.report = report
        where = report.divergent or "the layers could not be compared one by one (not a chain of layers)"
        super().__init__(
            f"{report.summary()}. Expected max |diff| <= {report.tolerance:.0e}. The first layer that differs is where the "
            f"conversion went wrong: {where}. Check that layer's layout, epsilon, padding or flatten order."
        )


class UnsupportedOptimisation(ZooError, ValueError):
    """No optimisation is implemented for this model, method and runtime."""

    exit_code = 7


class PublishError(ZooError, ValueError):
    """The model cannot be published as asked; the message says what to change."""

    exit_code = 2


class AuditError(ZooError, ValueError):
    """An audit cannot be computed as asked (unequal target sets, no variation, a zero vector)."""


class PredictionError(ZooError, ValueError):
    """The loaded model cannot predict on the sample given (or the app has no sample for its task)."""


class expect_error:  # noqa: N801 (used as a statement, like contextlib.suppress)
    """A cell that shows an error, and fails when the error does not happen.

        with expect_error(ModelNotFoundError) as caught:
            zp.load("minilm-l7")
        caught.error.suggestions      # the exception itself, for asserts on it

    The block must raise one of ``types``: the message is printed (what a learner reads), and the
    exception is kept on ``.error``. If the block raises nothing, or raises another type, the cell
    fails with an ``AssertionError`` (or the other exception itself), so a demonstration cannot go
    silently stale when a library stops raising. ``match`` (a substring) must appear in the message.
    """

    def __init__(self, *types: type[BaseException], match: str | None = None, quiet: bool = False):
        if not types:
            raise TypeError("expect_error needs at least one exception type, for example expect_error(ValueError)")
        self.types, self.match, self.quiet = types, match, quiet
        self.error: BaseException | None = None

    def __enter__(self) -> expect_error:
        return self

    def __exit__(self, kind, error, tb) -> bool:
        names = " or ".join(t.__name__ for t in self.types)
        if error is None:
            raise AssertionError(f"expected {names}, but the block raised nothing")
        if not isinstance(error, self.types):
            return False  # another error: let it propagate unchanged, with its own traceback
        text = str(error)
        if self.match is not None and self.match not in text:
            raise AssertionError(f"{type(error).__name__} was raised, but its message lacks {self.match!r}: {text}") from error
        self.error = error
        if not self.quiet:
            print(f"{type(error).__name__}: {text}")
        return True
