"""The ``ZooModel`` interface: one way to use a model, whatever framework it was written in.

An adapter wraps a framework's own object (the *native* model) and offers:

- ``predict(x)``: numpy in, numpy out (a list of strings in, for text models);
- ``input_spec`` / ``output_spec``: :class:`~zoo_patterns.TensorSpec` values;
- ``device`` and ``to(device)``; ``num_params``;
- ``save(folder)``: the framework's safe native format plus a model card, a
  folder that ``zoo_patterns.load(folder, adapt=True)`` opens again.

``predict`` checks its input against the spec *before* the framework sees it,
so a wrong input fails with a message naming the expected and the actual
shape, dtype, layout or value range, instead of a framework stack trace.
It also converts NCHW <-> NHWC when the caller says which layout it holds.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..cards import ModelCard, TensorSpec
from ..errors import AdapterError, SpecError

_PERMUTE = {("NHWC", "NCHW"): (0, 3, 1, 2), ("NCHW", "NHWC"): (0, 2, 3, 1)}


def describe_shape(shape: Sequence) -> str:
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


def check_input(x: Any, spec: TensorSpec | None, layout: str | None = None) -> Any:
    """``x`` as the model needs it, or a :class:`SpecError` that says what is wrong and how to fix it."""
    if spec is not None and spec.dtype == "str":
        if isinstance(x, str):
            raise SpecError("text input", "a list of strings", "one string", f"Wrap it in a list: predict([{x[:20]!r}]).")
        if not isinstance(x, (list, tuple)) or not all(isinstance(s, str) for s in x):
            raise SpecError("text input", "a list of strings", type(x).__name__)
        return list(x)
    if hasattr(x, "detach"):  # a torch tensor: the interface is numpy, say so rather than guess
        raise SpecError("input type", "a numpy array", type(x).__name__, "Convert it with x.detach().cpu().numpy().")
    x = np.asarray(x)
    if spec is None:
        return x
    if layout is not None and spec.layout and layout != spec.layout:
        if (layout, spec.layout) not in _PERMUTE or x.ndim != 4:
            raise SpecError("layout", "one of NCHW/NHWC for a 4-d batch", f"{layout} with {x.ndim} dimensions")
        x = np.transpose(x, _PERMUTE[(layout, spec.layout)])  # the adapter's job, so callers can keep one layout
    elif layout is not None and not spec.layout:
        raise SpecError("layout", "no layout argument (this model's spec has no channel layout)", repr(layout))
    want = np.dtype(spec.dtype)
    if x.dtype.kind != want.kind:
        hint = f"Preprocess first: {spec.preprocessing}." if spec.preprocessing else f"Convert with x.astype('{spec.dtype}')."
        raise SpecError(f"dtype of {spec.name!r}", spec.dtype, str(x.dtype), hint)
    if x.ndim != len(spec.shape) or any(w is not None and w != d for w, d in zip(spec.shape, x.shape, strict=True)):
        fix = ""
        if x.ndim == 4 and spec.layout in ("NCHW", "NHWC"):
            other = "NHWC" if spec.layout == "NCHW" else "NCHW"
            swapped = np.transpose(x, _PERMUTE[(other, spec.layout)]).shape
            if all(w is None or w == d for w, d in zip(spec.shape, swapped, strict=True)):
                fix = f"It looks like {other}; pass layout={other!r} and the adapter will transpose it."
        if not fix and x.ndim == len(spec.shape) - 1:
            fix = "A single example? Add the batch axis: x[None]."
        raise SpecError(f"shape of {spec.name!r} ({spec.layout or 'no layout'})", describe_shape(spec.shape), str(x.shape), fix)
    x = x.astype(want, copy=False)
    if x.size and not np.isfinite(x).all() and want.kind == "f":
        raise SpecError(f"values of {spec.name!r}", "finite numbers", "NaN or infinity")
    if spec.value_range is not None and x.size:
        lo, hi = spec.value_range
        if x.min() < lo - 1e-6 or x.max() > hi + 1e-6:
            hint = f"Preprocess first: {spec.preprocessing}." if spec.preprocessing else ""
            raise SpecError(f"value range of {spec.name!r}", f"[{lo}, {hi}]", f"[{x.min():.4g}, {x.max():.4g}]", hint)
    return np.ascontiguousarray(x)


class ZooModel(abc.ABC):
    """The adapter interface. Subclasses implement the ``_`` methods for one framework."""

    framework: str = "?"
    native_format: str = "?"

    def __init__(
        self,
        native: Any,
        *,
        card: ModelCard | None = None,
        input_spec: TensorSpec | None = None,
        output_spec: TensorSpec | None = None,
    ):
        self.native = native
        self.card = card
        self._input_spec = (
            input_spec or (card.inputs[0] if card is not None and card.inputs else None) or self._infer_input_spec()
        )
        self._output_spec = output_spec or (card.outputs[0] if card is not None and card.outputs else None)

    # -- what every adapter offers --------------------------------------------------------
    @property
    def input_spec(self) -> TensorSpec | None:
        return self._input_spec

    @property
    def output_spec(self) -> TensorSpec:
        """From the card when there is one; otherwise measured by running one example."""
        if self._output_spec is None:
            probe = self.example_input(1)
            out = self._predict(check_input(probe, self.input_spec))
            dims = ("batch",) + tuple(f"d{i}" for i in range(1, out.ndim))
            self._output_spec = TensorSpec("output", dims, (None, *out.shape[1:]), str(out.dtype))
        return self._output_spec

    def predict(self, x: Any, *, layout: str | None = None) -> np.ndarray:
        """Numpy in, numpy out. ``layout="NCHW"`` (or NHWC) says how ``x`` is laid out; the adapter transposes."""
        return self._predict(check_input(x, self.input_spec, layout))

    @property
    def device(self) -> str:
        return "cpu"

    def to(self, device: str) -> ZooModel:
        """Move the model; TensorFlow and MXNet CPU builds can only be on the CPU."""
        if str(device).split(":")[0] != "cpu":
            raise AdapterError(
                f"{type(self).__name__} cannot move to {device!r}: this {self.framework} build runs on the CPU only. "
                "Expected 'cpu'; install the framework's GPU build to use a GPU."
            )
        return self

    @property
    @abc.abstractmethod
    def num_params(self) -> int: ...

    def example_input(self, batch: int = 2, seed: int = 0) -> Any:
        """A valid random input for this model's spec (for probing, tests and benchmarks)."""
        spec = self.input_spec
        if spec is None:
            raise AdapterError(f"{type(self).__name__} has no input spec; pass input_spec=TensorSpec(...) to adapt().")
        if spec.dtype == "str":
            return ["an example sentence", "another one"][:batch] * max(1, batch // 2)
        rng = np.random.default_rng(seed)
        shape = tuple(batch if d is None and i == 0 else (d or 1) for i, d in enumerate(spec.shape))
        lo, hi = spec.value_range or (0.0, 1.0)
        return rng.uniform(lo, hi, shape).astype(spec.dtype)

    def save(self, folder: str | Path) -> Path:
        """Write the model in its framework's safe format plus a card listing every file's sha256."""
        from ..cards import file_entries

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        entries = file_entries(self._save(folder), folder)
        card = (self.card or self._generated_card()).replace(
            format=self.native_format, files=entries, size_bytes=sum(e.size for e in entries), num_params=self.num_params
        )
        card.save(folder / "README.md")
        return folder

    def __repr__(self) -> str:
        name = self.card.name if self.card is not None else type(self.native).__name__
        spec = self.input_spec.describe() if self.input_spec is not None else "no input spec"
        return f"<{type(self).__name__} {name}: {self.num_params:,} params on {self.device}; input {spec}>"

    # -- what each framework implements --------------------------------------------------------
    @abc.abstractmethod
    def _predict(self, x: Any) -> np.ndarray: ...

    @abc.abstractmethod
    def _save(self, folder: Path) -> list[Path]: ...

    def _infer_input_spec(self) -> TensorSpec | None:
        return None

    def _generated_card(self) -> ModelCard:
        from ..cards import Provenance

        spec = self.input_spec
        return ModelCard(
            name=f"my-{self.framework}-model",
            version="0.1.0",
            task="unknown",
            domain="unknown",
            framework=self.framework,
            format=self.native_format,
            inputs=(spec,) if spec is not None else (),
            outputs=(self.output_spec,),
            license="unknown",
            provenance=Provenance("adapted with zoo_patterns.adapt()", "not recorded"),
            intended_use="Not recorded: edit this card before sharing the model.",
            limitations=("Not evaluated: this card was generated by zoo_patterns.adapt(), not written by a person.",),
            biases=("Not measured.",),
        )
