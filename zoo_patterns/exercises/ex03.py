"""Checks for exercise 03: the adapter pattern."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np

from . import PredictionQuestion, Question, expect


def _unseen_classifier(rng, n_classes_seen: int):
    """A classifier the learner never saw, with a class count other than ``n_classes_seen``: a num_params
    typed in for the notebook's classifier can then never be right for this one by chance."""
    from sklearn.linear_model import LogisticRegression

    k = int(rng.choice([k for k in range(3, 9) if k != n_classes_seen]))
    x = rng.uniform(0, 1, (40 * k, 64))
    return LogisticRegression(max_iter=200).fit(x, np.arange(40 * k) % k)


def _check_sklearn_adapter(adapter_class, clf, spec) -> None:
    from ..adapters import ZooModel
    from ..errors import SpecError

    expect(isinstance(adapter_class, type) and issubclass(adapter_class, ZooModel), "SklearnModel should subclass ZooModel.")
    rng = np.random.default_rng()  # inputs, and a second classifier, drawn fresh each call
    for number, classifier in enumerate((clf, _unseen_classifier(rng, len(clf.classes_)))):
        where = "" if number == 0 else " (on a classifier the check trained, with another number of classes)"
        model = adapter_class(classifier, input_spec=spec)
        x = rng.uniform(0, 1, (int(rng.integers(3, 12)), 64)).astype(np.float32)
        out = model.predict(x)
        expect(isinstance(out, np.ndarray), f"predict should return a numpy array, got {type(out).__name__}.")
        expect(
            out.shape == (len(x), len(classifier.classes_)),
            f"predict should give one probability per class and row{where}; got shape {out.shape} for {len(x)} rows.",
        )
        expect(
            np.allclose(out, classifier.predict_proba(x), atol=1e-6),
            f"predict should return the classifier's class probabilities{where}.",
        )
        expect(
            model.num_params == classifier.coef_.size + classifier.intercept_.size,
            f"num_params should count every number in coef_ and intercept_{where}; {model.num_params} does not.",
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


def _check_parity(parity) -> None:
    from .. import load
    from ..datasets import digits_task

    expect(callable(parity), f"parity should be a function parity(model_a, model_b, x), got {type(parity).__name__}.")
    onnx = load("digits-cnn-onnx", adapt=True, progress=False)
    torch_model = load("digits-cnn-torch", adapt=True, progress=False)
    x = digits_task(seed=0).x_test
    rows = np.random.default_rng().permutation(len(x))[: int(np.random.default_rng().integers(20, 60))]  # fresh each call
    for a, b, batch in ((onnx, torch_model, x), (torch_model, onnx, x[rows])):
        got = parity(a, b, batch)
        expect(isinstance(got, (float, np.floating)), f"parity should return one number (a float), got {type(got).__name__}.")
        truth = float(np.abs(a.predict(batch) - b.predict(batch)).max())
        expect(got >= 0, "a largest absolute difference cannot be negative.")
        expect(
            abs(got - truth) <= 1e-9,
            "that is not the largest absolute difference between the two models' outputs over the whole batch "
            "(the check passes batches of its own).",
        )
    same = parity(torch_model, torch_model, x[rows])
    expect(same == 0.0, "a model compared with itself on the same batch should differ by exactly 0.")


q2 = Question(
    "q2",
    _check_parity,
    hints=[
        "Parity is a measurement: the same inputs through both adapters, then the worst disagreement over the whole batch.",
        "Lesson 03 shows it in section '2. One interface'. It compares every runtime with torch.",
        "float(np.abs(model_a.predict(x) - model_b.predict(x)).max())",
    ],
    solution="""def parity(model_a, model_b, x):
    return float(np.abs(model_a.predict(x) - model_b.predict(x)).max())""",
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
def _outcomes() -> dict:
    from .. import load
    from ..errors import SpecError

    model = load("digits-cnn-torch", adapt=True, progress=False)
    outcomes = {}
    for name, x in candidates().items():
        try:
            model.predict(x)
            outcomes[name] = "accepted"
        except SpecError:
            outcomes[name] = "refused"
    return outcomes


q3 = PredictionQuestion(
    "q3",
    "ex03",
    lambda: list(candidates()),
    _outcomes,
    shape="candidate: 'accepted' or 'refused'",
    keys_are="candidates()",
    value_ok=lambda v: v in ("accepted", "refused"),
    value_rule="each prediction is 'accepted' or 'refused'.",
    ask="Read the spec's rules in order: which one would each input break?",
    hints=[
        "The spec checks, in order: a numpy array, the dtype's kind (float or int, not its width), the shape "
        "(None matches any size), finite values, then the value range. What passes is cast to float32.",
        "Lesson 03 shows it in section '3. The spec protects the caller'; the rules are in check_input in "
        "zoo_patterns/adapters/base.py.",
        "A float64 batch is cast, not refused; a batch of one matches the free batch axis; a tensor is not a numpy "
        "array; integers are the wrong kind; raw pixels break the range; NaN is not finite.",
    ],
    solution="""predicted = {
    "the test batch": "accepted", "a batch of one": "accepted", "one image, no batch axis": "refused",
    "float64": "accepted", "raw pixels 0..16": "refused", "integer pixels": "refused",
    "a torch tensor": "refused", "a NaN pixel": "refused",
}""",
)
