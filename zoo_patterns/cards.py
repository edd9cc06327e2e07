"""Model cards and tensor specs: a model is more than its weights.

A :class:`ModelCard` records what a user must know to use a model safely:
its task and domain, input and output specs, labels, measured metrics (with
the data they were measured on), size, file hashes, license, provenance,
intended use, limitations and known biases. A :class:`TensorSpec` says what
a tensor must look like: named dimensions, dtype, layout, value range and
preprocessing.

Both are frozen dataclasses, like torchvision's ``Weights`` and timm's
``PretrainedCfg``. On disk a card is YAML front matter plus markdown, the
convention the Hugging Face Hub uses for ``README.md``; reading and writing go
through ``huggingface_hub``'s card classes. Lesson 01 reads them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidCardError
from .hashing import sha256_file

Dim = int | None


@dataclass(frozen=True)
class TensorSpec:
    """What one input or output tensor looks like.

    ``dims`` names each axis (``("batch", "channel", "height", "width")``) and
    ``shape`` gives its size, ``None`` for any size.
    """

    name: str
    dims: tuple[str, ...]
    shape: tuple[Dim, ...]
    dtype: str
    layout: str = ""
    value_range: tuple[float, float] | None = None
    preprocessing: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(self.dims))
        object.__setattr__(self, "shape", tuple(self.shape))
        if self.value_range is not None:
            object.__setattr__(self, "value_range", tuple(float(v) for v in self.value_range))
        if len(self.dims) != len(self.shape):
            raise InvalidCardError(
                f"TensorSpec {self.name!r}: dims {self.dims} and shape {self.shape} have different lengths; "
                "give one name per axis, e.g. dims=('batch', 'features'), shape=(None, 384)."
            )

    def describe(self) -> str:
        axes = ", ".join(f"{d}={'*' if s is None else s}" for d, s in zip(self.dims, self.shape, strict=True))
        rng = f" in [{self.value_range[0]:g}, {self.value_range[1]:g}]" if self.value_range else ""
        layout = f" {self.layout}" if self.layout else ""
        return f"{self.name}: {self.dtype}[{axes}]{layout}{rng}"

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["dims"], out["shape"] = list(self.dims), list(self.shape)
        out["value_range"] = list(self.value_range) if self.value_range else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorSpec:
        return cls(**_fields_of(cls, data, where="a tensor spec"))


@dataclass(frozen=True)
class Metric:
    """A measured number, and the data it was measured on."""

    name: str
    value: float
    dataset: str
    split: str = "test"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        return cls(**_fields_of(cls, data, where="a metric"))


@dataclass(frozen=True)
class FileEntry:
    """One file of a model, with its size and sha256."""

    path: str
    size: int
    sha256: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileEntry:
        return cls(**_fields_of(cls, data, where="a file entry"))

    @classmethod
    def of(cls, path: str | Path, root: str | Path) -> FileEntry:
        """The entry of a file on disk, named relative to ``root`` (its model folder); the one place a file is hashed."""
        path = Path(path)
        return cls(path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path))


def file_entries(files, root: str | Path) -> tuple[FileEntry, ...]:
    """A card's file list: one :class:`FileEntry` per file, sorted by path, each file hashed once."""
    return tuple(sorted((FileEntry.of(p, root) for p in files), key=lambda f: Path(f.path).parts))


@dataclass(frozen=True)
class Provenance:
    """Where a model comes from and how it was trained."""

    origin: str
    training: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        return cls(**_fields_of(cls, data, where="provenance"))


@dataclass(frozen=True)
class AuditRecord:
    """One measured bias test, kept in the card so the next user sees it (lesson 11).

    ``method`` says how it was measured (test, encoding, word lists, how the p-value was computed);
    ``date`` is the day it was measured (ISO 8601). ``effect_size`` and ``p_value`` are what a reader
    compares (the method says what the effect size is); ``n`` says how much data stands behind
    them (words per set, or messages).
    """

    test: str
    effect_size: float
    p_value: float | None  # None where the method gives no p-value (the counterfactual audit gives intervals)
    n: int
    method: str
    date: str
    note: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditRecord:
        return cls(**_fields_of(cls, data, where="an audit record"))

    def describe(self) -> str:
        p = "p " + _p_text(self.p_value, "= ")
        note = f"; {self.note}" if self.note else ""
        return f"{self.test}: effect size {self.effect_size:+.2f}, {p}, n = {self.n} ({self.date}{note})"


@dataclass(frozen=True)
class ModelCard:
    """Everything a user must know about one model; frozen, so nobody edits it by accident."""

    name: str
    version: str
    task: str
    domain: str
    framework: str
    format: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    license: str
    provenance: Provenance
    intended_use: str
    limitations: tuple[str, ...]
    biases: tuple[str, ...]
    labels: tuple[str, ...] = ()
    metrics: tuple[Metric, ...] = ()
    num_params: int | None = None
    size_bytes: int | None = None
    files: tuple[FileEntry, ...] = ()
    tags: tuple[str, ...] = ()
    pretrained: bool = True
    audits: tuple[AuditRecord, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        for name in REQUIRED:
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InvalidCardError(f"Model card {self.name or '?'!r}: required field {name!r} is empty.")
        for name in ("inputs", "outputs", "limitations", "biases", "labels", "metrics", "files", "tags", "audits"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.inputs or not self.outputs:
            missing = "inputs" if not self.inputs else "outputs"
            raise InvalidCardError(
                f"Model card {self.name!r}: required field {missing!r} has no tensor spec; "
                "a user cannot call a model without knowing what goes in and what comes out."
            )

    # -- convenience -------------------------------------------------------
    def metric(self, name: str) -> float:
        for m in self.metrics:
            if m.name == name:
                return m.value
        raise KeyError(f"{self.name} reports no metric {name!r}; it has {[m.name for m in self.metrics]}")

    def replace(self, **changes: Any) -> ModelCard:
        """A copy with some fields changed (cards are frozen)."""
        return dataclasses.replace(self, **changes)

    # -- YAML front matter + markdown -----------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("description")
        data["inputs"] = [s.to_dict() for s in self.inputs]
        data["outputs"] = [s.to_dict() for s in self.outputs]
        for key in ("limitations", "biases", "labels", "tags"):
            data[key] = list(data[key])
        data["metrics"] = [dataclasses.asdict(m) for m in self.metrics]
        data["files"] = [dataclasses.asdict(f) for f in self.files]
        data["audits"] = [dataclasses.asdict(a) for a in self.audits]
        if not data["audits"]:
            del data["audits"]  # cards without an audit keep the front matter they always had
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], description: str = "") -> ModelCard:
        data = dict(data)
        missing = [f for f in REQUIRED if f not in data or data[f] is None]
        if missing:
            who = data.get("name", "?")
            raise InvalidCardError(
                f"Model card {who!r} is missing required field(s): {', '.join(missing)}. Every card needs: {', '.join(REQUIRED)}."
            )
        try:
            data["inputs"] = tuple(TensorSpec.from_dict(s) for s in data["inputs"])
            data["outputs"] = tuple(TensorSpec.from_dict(s) for s in data["outputs"])
            data["provenance"] = Provenance.from_dict(data["provenance"])
            data["metrics"] = tuple(Metric.from_dict(m) for m in data.get("metrics") or ())
            data["files"] = tuple(FileEntry.from_dict(f) for f in data.get("files") or ())
            data["audits"] = tuple(AuditRecord.from_dict(a) for a in data.get("audits") or ())
        except (TypeError, AttributeError) as exc:
            raise InvalidCardError(f"Model card {data.get('name', '?')!r} has a malformed field: {exc}") from exc
        return cls(**_fields_of(cls, data, where=f"model card {data.get('name', '?')!r}"), description=description)

    def to_markdown(self) -> str:
        """The card as YAML front matter plus a markdown body (HF ``README.md`` convention)."""
        from huggingface_hub import ModelCard as HFCard
        from huggingface_hub import ModelCardData

        data = ModelCardData(**self.to_dict())
        body = self.description.strip() or self._default_body()
        return str(HFCard(f"---\n{data.to_yaml()}\n---\n\n{body}\n"))

    @classmethod
    def from_markdown(cls, text: str) -> ModelCard:
        from huggingface_hub import ModelCard as HFCard

        try:
            hf = HFCard(text, ignore_metadata_errors=False)
        except ValueError as exc:
            raise InvalidCardError(f"Not a model card (YAML front matter between '---' lines): {exc}") from exc
        data = hf.data.to_dict()
        if not data:
            raise InvalidCardError("This model card has no YAML front matter; expected a block between '---' lines.")
        return cls.from_dict(data, description=hf.text.strip())

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        if path.is_dir():
            path = path / "README.md"
        path.write_text(self.to_markdown(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> ModelCard:
        path = Path(path)
        if path.is_dir():
            path = path / "README.md"
        if not path.exists():
            raise InvalidCardError(f"No model card at {path}; a model folder keeps its card in README.md.")
        return cls.from_markdown(path.read_text(encoding="utf-8"))

    def _default_body(self) -> str:
        lines = [f"# {self.name} {self.version}", "", self.intended_use, ""]
        lines += ["## Inputs", *[f"- `{s.describe()}`" for s in self.inputs], ""]
        lines += ["## Outputs", *[f"- `{s.describe()}`" for s in self.outputs], ""]
        if self.metrics:
            lines += ["## Metrics", *[f"- {m.name} = {m.value:.4g} on {m.dataset} ({m.split})" for m in self.metrics], ""]
        lines += ["## Limitations", *[f"- {x}" for x in self.limitations], ""]
        lines += ["## Known biases", *[f"- {x}" for x in self.biases], ""]
        if self.audits:
            lines += [self.audit_section(), ""]
        lines += ["## Provenance", f"- origin: {self.provenance.origin}", f"- training: {self.provenance.training}"]
        return "\n".join(lines)

    def audit_section(self) -> str:
        """The measured bias tests as a markdown section (part of the default body); each method is written once."""
        methods = list(dict.fromkeys(a.method for a in self.audits))
        lines = [AUDIT_HEADING, "", "| test | effect size | p-value | n | date | method |", "|---|---|---|---|---|---|"]
        for a in self.audits:
            p = _p_text(a.p_value)
            lines.append(f"| {a.test} | {a.effect_size:+.2f} | {p} | {a.n} | {a.date} | M{methods.index(a.method) + 1} |")
        lines += ["", *[f"- M{i}: {m}" for i, m in enumerate(methods, 1)]]
        lines += [f"- {a.test}: {a.note}" for a in self.audits if a.note]
        return "\n".join(lines)

    def summary(self) -> str:
        """A few lines for a terminal: what ``python -m zoo_patterns show`` prints first."""
        size = f"{self.size_bytes / 1e6:.2f} MB" if self.size_bytes else "?"
        params = f"{self.num_params:,}" if self.num_params else "?"
        return "\n".join(
            [
                f"{self.name} {self.version}  [{self.framework}/{self.format}]  task={self.task}  domain={self.domain}",
                f"params={params}  size={size}  license={self.license}",
                *[f"in   {s.describe()}" for s in self.inputs],
                *[f"out  {s.describe()}" for s in self.outputs],
                *[f"metric {m.name}={m.value:.4g} ({m.dataset}, {m.split})" for m in self.metrics],
                *[f"audit  {a.describe()}" for a in self.audits],
            ]
        )


AUDIT_HEADING = "## Bias audit (measured)"


def _p_text(p: float | None, equals: str = "") -> str:
    if p is None:
        return "n/a"
    return f"{equals}{p:.4f}" if p >= 1e-4 else "< 0.0001"


REQUIRED = (
    "name",
    "version",
    "task",
    "domain",
    "framework",
    "format",
    "inputs",
    "outputs",
    "license",
    "provenance",
    "intended_use",
    "limitations",
    "biases",
)


def _fields_of(cls: type, data: dict[str, Any], where: str) -> dict[str, Any]:
    """Keep the keys ``cls`` knows; name the first required one that is missing."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    for name, f in known.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in data and name != "description":
            raise InvalidCardError(f"{where} is missing required field {name!r}.")
    return {k: v for k, v in data.items() if k in known}
