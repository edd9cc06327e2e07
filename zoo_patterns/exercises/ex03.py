"""Checks for exercise 03: the adapter pattern."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np

from . import Question, expect


def _check_sklearn_adapter(adapter_class, clf, spec) -> None:
    from ..adapters import ZooModel
    from ..errors import SpecError

    expect(isinstance(adapter_class, type) and issubclass(adapter_class, ZooModel), "SklearnModel should subclass ZooModel.")
    model = adapter_class(clf, input_spec=spec)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (7, 64)).astype(np.float32)
    out = model.predict(x)
    expect(isinstance(out, np.ndarray), f"predict should return a numpy array, got {type(out).__name__}.")
    expect(
        out.shape == (7, len(clf.classes_)),
        f"predict should give one probability per class: shape (7, {len(clf.classes_)}), got {out.shape}.",
    )
    expect(np.allclose(out, clf.predict_proba(x), atol=1e-6), "predict should return the classifier's class probabilities.")
    expect(
        model.num_params == clf.coef_.size + clf.intercept_.size,
        f"num_params should count coef_ and intercept_: {clf.coef_.size + clf.intercept_.size}, got {model.num_params}.",
    )
    try:
        model.predict(x * 16)
    except SpecError:
        pass
    else:
        expect(False, "an input outside the spec's range was accepted; _predict should only be reached through predict().")
    with tempfile.TemporaryDirectory() as tmp:
        files = model._save(Path(tmp))
        expect(files and all(Path(f).exists() for f in files), "_save should write files and return their paths.")
        for f in files:
            expect(
                Path(f).suffix not in {".pkl", ".pickle", ".joblib"},
                f"{Path(f).name} is a pickle; save the arrays with np.savez instead.",
            )
            if Path(f).suffix == ".npz":
                np.load(f, allow_pickle=False)  # fails if object arrays were saved


q1 = Question(
    "q1",
    _check_sklearn_adapter,
    hints=[
        "An adapter does only the framework-specific work; the base class's predict() checks the spec and then calls your _predict.",
        "Lesson 03 shows it in section '5. Your own model joins the zoo'. Section '2. One interface' lists what a ZooModel needs.",
        "_predict returns self.native.predict_proba(x).astype('float32'); num_params is coef_.size + intercept_.size; _save writes np.savez(folder / 'model.npz', coef=..., intercept=...) and returns [that path].",
    ],
    solution="""class SklearnModel(ZooModel):
    framework = "sklearn"
    native_format = "npz"

    def _predict(self, x):
        return self.native.predict_proba(x).astype(np.float32)

    @property
    def num_params(self):
        return int(self.native.coef_.size + self.native.intercept_.size)

    def _save(self, folder):
        path = folder / "model.npz"
        np.savez(path, coef=self.native.coef_, intercept=self.native.intercept_, classes=self.native.classes_)
        return [path]""",
)


def _check_parity(answer) -> None:
    from .. import load
    from ..datasets import digits_task

    expect(isinstance(answer, (float, np.floating)), f"expected one number (a float), got {type(answer).__name__}.")
    x = digits_task(seed=0).x_test
    truth = float(
        np.abs(
            load("digits-cnn-onnx", adapt=True, progress=False).predict(x)
            - load("digits-cnn-torch", adapt=True, progress=False).predict(x)
        ).max()
    )
    expect(answer >= 0, "a maximum absolute difference cannot be negative.")
    expect(abs(answer - truth) <= 1e-9, "that is not the largest absolute difference over the whole test batch (split.x_test).")


q2 = Question(
    "q2",
    _check_parity,
    hints=[
        "Parity is a measurement: the same inputs through both adapters, then the worst disagreement over the whole batch.",
        "Lesson 03 shows it in section '2. One interface'. It compares every runtime with torch.",
        "Load both with zp.load(name, adapt=True), predict on split.x_test, then float(np.abs(a - b).max()).",
    ],
    solution="""torch_out = zp.load("digits-cnn-torch", adapt=True).predict(split.x_test)
onnx_out = zp.load("digits-cnn-onnx", adapt=True).predict(split.x_test)
max_diff = float(np.abs(onnx_out - torch_out).max())""",
)


def candidates() -> dict:
    """Eight inputs for ``digits-cnn-torch``'s ``predict``: which does its spec refuse? (question 3)."""
    import torch

    from ..datasets import digits_task

    x = digits_task(seed=0).x_test[:8]
    with_nan = x.copy()
    with_nan[0, 0, 0, 0] = np.nan
    return {
        "the test batch": x,
        "a batch of one": x[:1],
        "one image, no batch axis": x[0],
        "float64": x.astype(np.float64),
        "raw pixels 0..16": x * 16,
        "integer pixels": np.rint(x * 16).astype(np.int64),
        "a torch tensor": torch.from_numpy(x),
        "a NaN pixel": with_nan,
    }


@functools.lru_cache(maxsize=1)
def _refused() -> frozenset:
    from .. import load
    from ..errors import SpecError

    model = load("digits-cnn-torch", adapt=True, progress=False)
    refused = set()
    for name, x in candidates().items():
        try:
            model.predict(x)
        except SpecError:
            refused.add(name)
    return frozenset(refused)


def _check_refused(refused) -> None:
    names = list(candidates())
    expect(isinstance(refused, (set, frozenset, list, tuple)), f"refused should be a set of names, got {type(refused).__name__}.")
    unknown = [r for r in refused if r not in names]
    expect(not unknown, f"{unknown} are not names in candidates(); use the keys exactly.")
    wrong = len(set(refused) ^ _refused())
    expect(
        wrong == 0,
        f"{wrong} of your {len(names)} predictions differ from what predict() does. Run each input through "
        "model.predict and read the SpecError: it names the rule that refused it.",
    )


q3 = Question(
    "q3",
    _check_refused,
    hints=[
        "The spec checks, in order: a numpy array, the dtype's kind (float or int, not its width), the shape "
        "(None matches any size), finite values, then the value range. What passes is cast to float32.",
        "Lesson 03 shows it in section '3. The spec protects the caller'; the rules are in check_input in "
        "zoo_patterns/adapters/base.py.",
        "To check your prediction: for name, x in candidates().items(): try model.predict(x) except SpecError: it was refused.",
    ],
    solution="""refused = {"one image, no batch axis", "raw pixels 0..16", "integer pixels", "a torch tensor", "a NaN pixel"}
# float64 is a float: it is cast, not refused; a batch of one matches the free batch axis (None).""",
)
