"""No shortcut passes a check (issue 32): the laziest answers a learner could try, each one rejected.

For every checked question of exercises 00-07, the lazy answers: the check's own inputs handed back,
a constant that matches a single test table, one part right and another anything, a function that
ignores its argument, and the unmodified starter. Each is rejected with "Incorrect:" (the starter
with "Not attempted"). Exercises 08-15 have their rows in a file of their own; the prediction
questions of all sixteen are covered here, by one generic test.

A look-up question (Q1 of exercise 00: which device) has one right answer on a machine, so a typed-in
constant equal to it passes: that is what a look-up is, and why the exercises hold few of them.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import measured_once

from zoo_patterns.exercises import Incorrect, NotAttempted, PredictionQuestion, Question, ____, read_journal


def _q(qid: str) -> Question:
    mod, name = qid.split(".")
    return getattr(importlib.import_module(f"zoo_patterns.exercises.{mod}"), name)


def _not_written(*args, **kwargs):
    raise NotImplementedError("your code here")


class _StarterClass:
    """The starter of a 'write a class' question: every method still raises NotImplementedError."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("your code here")


# -- the lazy answers, question by question -------------------------------------------------------------
def _settings():
    from zoo_patterns import settings

    return settings


def _ex00_q2_shortcuts():
    default = _settings().cache_dir()
    return {
        "ignores its argument (today's cache)": lambda: (lambda environ: default,),
        "the variable handed back as typed": lambda: (lambda environ: Path(environ.get("ZOO_PATTERNS_CACHE", default)),),
        "one part right (the default), the variable not tidied": lambda: (
            lambda environ: (
                Path(environ["ZOO_PATTERNS_CACHE"]).expanduser().resolve() if "ZOO_PATTERNS_CACHE" in environ else default
            ),
        ),
        "a constant path": lambda: (lambda environ: Path("~/.cache/zoo-patterns").expanduser(),),
    }


FRAMEWORKS = ("torch", "tensorflow", "mxnet", "transformers")


def _versions_of_the_four():
    return {n: md.version(n) for n in FRAMEWORKS}


def _similarity():
    from zoo_patterns.exercises.ex01 import _similarity

    return _similarity()


def _seed7_accuracy():
    rng = np.random.default_rng(7)
    n, k = int(rng.integers(40, 80)), int(rng.integers(3, 8))
    logits = rng.normal(size=(n, k)).astype(np.float32)
    labels = rng.integers(0, k, size=n)
    return float((logits.argmax(1) == labels).mean())


def _naive_registry(kind):
    """Lazy registries for ex02.q1: the lesson's ten lines, or one fault of it mended and another not."""
    import difflib

    shared: dict = {}

    class Lazy:
        def __init__(self):
            self._builders = shared if kind == "global dict" else {}

        def register(self, name):
            def add(builder):
                if kind != "silent overwrite" and name in self._builders:
                    raise ValueError(name)
                self._builders[name] = builder() if kind == "builds at once" else builder
                return builder

            return add

        def build(self, name, **kwargs):
            if name not in self._builders:
                if kind == "bare KeyError":
                    raise KeyError(name)
                raise KeyError(difflib.get_close_matches(name, list(self._builders)))
            entry = self._builders[name]
            return entry if kind == "builds at once" else entry(**kwargs)

    return Lazy


def _digits_clf():
    from sklearn.linear_model import LogisticRegression

    from zoo_patterns.datasets import digits_task

    split = digits_task(seed=0)
    return LogisticRegression(max_iter=200).fit(split.x_train.reshape(len(split.x_train), -1), split.y_train)


def _flat_spec():
    from zoo_patterns.cards import TensorSpec

    return TensorSpec("pixels", ("batch", "features"), (None, 64), "float32", "", (0.0, 1.0))


def _adapter(kind, clf):
    from zoo_patterns.adapters import ZooModel

    fixed = int(clf.coef_.size + clf.intercept_.size)
    classes = len(clf.classes_)

    class Adapter(ZooModel):
        framework = "sklearn"
        native_format = "npz"

        def _predict(self, x):
            if kind == "ignores x":
                return np.full((len(x), len(self.native.classes_)), 1 / len(self.native.classes_), np.float32)
            if kind == "hard-wired to the notebook's classifier":
                return clf.predict_proba(x).astype(np.float32)[:, :classes]
            return self.native.predict_proba(x).astype(np.float32)

        @property
        def num_params(self):
            return fixed if kind == "num_params typed in" else int(self.native.coef_.size + self.native.intercept_.size)

        def _save(self, folder):
            path = Path(folder) / "model.npz"
            np.savez(path, coef=self.native.coef_, intercept=self.native.intercept_)
            return [path]

    return Adapter


def _adapter_case(kind):
    clf = _digits_clf()
    return lambda: (_adapter(kind, clf), clf, _flat_spec())


def _parity_truth():
    import zoo_patterns as zp
    from zoo_patterns.datasets import digits_task

    x = digits_task(seed=0).x_test
    a, b = zp.load("digits-cnn-onnx", adapt=True, progress=False), zp.load("digits-cnn-torch", adapt=True, progress=False)
    return float(np.abs(a.predict(x) - b.predict(x)).max())


def _constant(value):
    return lambda *args: value


def _verify_by_name(path, size, sha256):
    return Path(path).name in {"good.bin", "empty.bin"}


def _verify_size_only(path, size, sha256):
    path = Path(path)
    return path.is_file() and path.stat().st_size == size


def _verify_hash_only(path, size, sha256):
    import hashlib

    path = Path(path)
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def _loader():
    import zoo_patterns as zp
    from zoo_patterns.loader import Cache, Loader

    return Loader(zoo=str(zp.zoo_dir()), cache=Cache(zp.cache_dir() / "test-exercise-shortcuts"), progress=False)


def _resolver_case(kind):
    def build():
        import zoo_patterns as zp
        from zoo_patterns.loader import IndexResolver, Request

        zoo = str(zp.zoo_dir())

        class Lazy:
            def supports(self, request):
                return True if kind == "claims every ref" else request.ref.startswith("mirror://")

            def resolve(self, request):
                name = "digits-cnn-onnx" if kind == "ignores the name" else request.ref.split("://", 1)[1]
                return IndexResolver().resolve(Request("zoo://" + name, request.offline, zoo))

        loader = _loader()
        resolver = Lazy() if kind == "never registered" else loader.resolvers.register(Lazy())
        return resolver, loader

    return build


def _hubconf(kind):
    import zoo_patterns as zp

    weights = zp.model_dir("digits-cnn-torch") / "model.safetensors"
    load = (
        f"load_file({str(weights)!r})"
        if kind == "the zoo's weights by absolute path"
        else "load_file(here / 'model.safetensors')"
    )
    flag = "True" if kind == "pretrained ignored" else "pretrained"
    return f"""
dependencies = ["torch", "safetensors", "zoo_patterns"]


def digits_cnn(pretrained=True):
    import json
    from pathlib import Path

    from safetensors.torch import load_file
    from zoo_patterns.models.torch_digits import DigitsCNN

    here = Path(__file__).resolve().parent
    net = DigitsCNN(**json.loads((here / "config.json").read_text()))
    if {flag}:
        net.load_state_dict({load})
    return net
"""


def _hub_case(kind):
    def build():
        import shutil
        import tempfile

        import zoo_patterns as zp

        folder = Path(tempfile.mkdtemp(prefix="test-shortcut-hub-"))
        for name in ("config.json", "model.safetensors"):
            shutil.copy(zp.model_dir("digits-cnn-torch") / name, folder / name)
        return folder, _hubconf(kind)

    return build


def _tfsm_model(shape, permute):
    import keras

    import zoo_patterns as zp

    inputs = keras.Input(shape)
    x = keras.layers.Permute(permute)(inputs) if permute else inputs
    layer = keras.layers.TFSMLayer(str(zp.model_dir("digits-cnn-savedmodel")), call_endpoint="serve")
    return keras.Model(inputs, layer(x))


ROWS_FRONTIER = {"a", "b", "d", "f"}


def _replace_head(kind):
    import torch

    def replace_head(net, num_classes):
        width = 64 if kind == "the lesson's width typed in" else net.head.in_features
        classes = 10 if kind == "ignores num_classes" else num_classes
        net.head = torch.nn.Linear(width, classes)
        return net

    return replace_head


def _freeze(kind):
    def freeze(net):
        for name, p in net.named_parameters():
            p.requires_grad = name.startswith(("backbone.8.", "head.")) if kind == "counts to backbone.8" else False

    return freeze


def _plan(weight_decay, base="digits-cnn-torch", classes=10):
    from zoo_patterns.transfer import Regularisation, TransferPlan

    return TransferPlan.full(base, classes, head="extend", regularisation=Regularisation(weight_decay=weight_decay))


# Each shortcut is a function returning the arguments for q.check(...); every one must be rejected with "Incorrect:".
SHORTCUTS: dict[str, dict[str, object]] = {
    "ex00.q1": {"not a device name": lambda: ("gpu",)},
    "ex00.q2": _ex00_q2_shortcuts(),
    "ex00.q3": {
        "a constant dict of the four": lambda: (lambda names: _versions_of_the_four(),),
        "ignores its argument (asks for the four)": lambda: (lambda names: {n: md.version(n) for n in FRAMEWORKS},),
        "one part right, the missing package not handled": lambda: (lambda names: {n: md.version(n) for n in names},),
        "every name answered None": lambda: (lambda names: dict.fromkeys(names),),
    },
    "ex01.q2": {
        "the dot product, not normalised": lambda: (lambda v: v @ v.T,),
        "the check's own MiniLM matrix handed back": lambda: (lambda v: _similarity(),),
        "ignores its argument (the identity)": lambda: (lambda v: np.eye(len(v)),),
        "features by features": lambda: (lambda v: v.T @ v,),
    },
    "ex01.q3": {
        "the lesson's one task": lambda: ({"voice-activity-detection": "torch"},),
        "every task, one framework each": lambda: (
            {t: sorted(f)[0] for t, f in __import__("zoo_patterns.exercises.ex01", fromlist=["x"])._frameworks_by_task().items()},
        ),
    },
    "ex01.q4": {
        "a constant that matches the notebook's table": lambda: (
            lambda logits, labels: 1.0 if len(labels) == 3 else _seed7_accuracy(),
        ),
        "ignores its argument": lambda: (lambda logits, labels: 0.5,),
    },
    "ex02.q1": {
        "the lesson's ten lines (one global dict, overwrites)": lambda: (_naive_registry("global dict"),),
        "a duplicate silently replaces the first": lambda: (_naive_registry("silent overwrite"),),
        "a bare KeyError for a typo": lambda: (_naive_registry("bare KeyError"),),
        "builds when registering": lambda: (_naive_registry("builds at once"),),
    },
    "ex02.q2": {
        "every model": lambda: (__import__("zoo_patterns").list_models(),),
        "the torch models": lambda: (__import__("zoo_patterns").list_models(framework="torch"),),
    },
    "ex02.q3": {
        "the zoo's registry handed back": lambda: (__import__("zoo_patterns").registry(),),
        "a registry without a parent": lambda: (__import__("zoo_patterns").Registry("lesson"),),
    },
    "ex03.q1": {
        "_predict ignores x": _adapter_case("ignores x"),
        "hard-wired to the notebook's classifier": _adapter_case("hard-wired to the notebook's classifier"),
        "num_params typed in": _adapter_case("num_params typed in"),
    },
    "ex03.q2": {
        "the measured value typed in": lambda: (_constant(_parity_truth()),),
        "ignores its arguments (0.0)": lambda: (lambda a, b, x: 0.0,),
        "the mean, not the largest": lambda: (lambda a, b, x: float(np.abs(a.predict(x) - b.predict(x)).mean()),),
    },
    "ex04.q1": {
        "knows the old test table's files by name": lambda: (_verify_by_name,),
        "size only, the hash ignored": lambda: (_verify_size_only,),
        "hash only, the size ignored": lambda: (_verify_hash_only,),
    },
    "ex04.q2": {
        "ignores the name (always digits-cnn-onnx)": _resolver_case("ignores the name"),
        "claims every ref": _resolver_case("claims every ref"),
        "never registered": _resolver_case("never registered"),
    },
    "ex05.q1": {
        "the zoo's weights by absolute path": _hub_case("the zoo's weights by absolute path"),
        "pretrained ignored": _hub_case("pretrained ignored"),
    },
    "ex05.q2": {
        "takes NHWC": lambda: (_tfsm_model((8, 8, 1), None),),
        "height and width swapped": lambda: (_tfsm_model((1, 8, 8), (3, 2, 1)),),
    },
    "ex06.q1": {
        "every digit classifier": lambda: (
            __import__("zoo_patterns").list_models(task="image-classification", domain="handwritten-digits"),
        ),
        "every ONNX model": lambda: (__import__("zoo_patterns").list_models(framework="onnx"),),
    },
    "ex06.q2": {
        "the names of the single test table": lambda: (lambda rows: [r for r in rows if r["name"] in ROWS_FRONTIER] or rows[:1],),
        "keeps every row": lambda: (lambda rows: rows,),
    },
    "ex06.q3": {
        "ignores its argument ('b')": lambda: (lambda rows: {"name": "b"},),
        "the name typed in": lambda: (lambda rows: "b",),
    },
    "ex07.q1": {
        "the lesson's width typed in": lambda: (_replace_head("the lesson's width typed in"),),
        "ignores num_classes": lambda: (_replace_head("ignores num_classes"),),
    },
    "ex07.q2": {
        "counts to backbone.8": lambda: (_freeze("counts to backbone.8"),),
        "freezes everything": lambda: (_freeze("everything"),),
    },
    "ex07.q3": {
        "no weight decay": lambda: (_plan(0.0),),
        "another base": lambda: (_plan(0.01, base="digits-cnn-onnx"),),
    },
}


def _starter_adapter():
    from zoo_patterns.adapters import ZooModel

    class SklearnModel(ZooModel):
        framework = "sklearn"
        native_format = "npz"

        def _predict(self, x):
            raise NotImplementedError("return class probabilities")

        @property
        def num_params(self):
            raise NotImplementedError("count coef_ and intercept_")

        def _save(self, folder):
            raise NotImplementedError("save the arrays, no pickle")

    return SklearnModel


# The unmodified starter of each question that is not a prediction: what the exercise notebook hands the check.
STARTERS: dict[str, object] = {
    "ex00.q1": (____,),
    "ex00.q2": (_not_written,),
    "ex00.q3": (_not_written,),
    "ex01.q2": (_not_written,),
    "ex01.q3": (____,),
    "ex01.q4": (_not_written,),
    "ex02.q1": (_StarterClass,),
    "ex02.q2": (____,),
    "ex02.q3": (____,),
    "ex03.q1": lambda: (_starter_adapter(), _digits_clf(), _flat_spec()),
    "ex03.q2": (_not_written,),
    "ex04.q1": (_not_written,),
    "ex04.q2": (____, None),
    "ex05.q1": (None, ____),
    "ex05.q2": (____,),
    "ex06.q1": (____,),
    "ex06.q2": (_not_written,),
    "ex06.q3": (_not_written,),
    "ex07.q1": (_not_written,),
    "ex07.q2": (_not_written,),
    "ex07.q3": (____,),
}

OWN = [f"ex{n:02d}" for n in range(8)]


def _questions(modules):
    for mod in modules:
        module = importlib.import_module(f"zoo_patterns.exercises.{mod}")
        for name, value in vars(module).items():
            if isinstance(value, Question):
                yield f"{mod}.{name}", value


MINE = dict(_questions(OWN))
ALL = dict(_questions([f"ex{n:02d}" for n in range(16)]))
PREDICTIONS = {qid: q for qid, q in ALL.items() if isinstance(q, PredictionQuestion)}


def test_every_question_of_00_to_07_has_its_shortcuts_or_is_a_prediction():
    plain = {qid for qid, q in MINE.items() if not isinstance(q, PredictionQuestion)}
    assert plain <= set(SHORTCUTS), f"no shortcuts tried for {sorted(plain - set(SHORTCUTS))}"
    assert plain == set(STARTERS), f"starters missing for {sorted(plain - set(STARTERS))}"


CASES = [(qid, label) for qid, cases in SHORTCUTS.items() for label in cases]


@pytest.mark.parametrize(("qid", "label"), CASES, ids=[f"{q}-{w}" for q, w in CASES])
def test_a_shortcut_is_rejected(qid, label, capsys):
    with pytest.raises(Incorrect) as err:
        _q(qid).check(*SHORTCUTS[qid][label]())
    assert str(err.value).startswith("Incorrect:"), err.value


@pytest.mark.parametrize("qid", STARTERS)
def test_the_unmodified_starter_is_not_attempted(qid):
    with pytest.raises(NotAttempted, match="Not attempted"):
        _q(qid).check(*(STARTERS[qid]() if callable(STARTERS[qid]) else STARTERS[qid]))


# -- prediction questions, all sixteen exercises ------------------------------------------------------------
def _wrong_value(question: PredictionQuestion, key, right, values):
    """A well-formed prediction for ``key`` that differs from the run: another outcome seen, or the other bool."""
    for v in [*(not right,) * isinstance(right, bool), *values, "ValueError", 0, 1, 2, 3]:
        if v != right and type(v) is type(right) and question.value_ok(v):
            return v
    return None


@pytest.fixture
def journal(tmp_path, monkeypatch):
    path = tmp_path / "predictions.json"
    monkeypatch.setenv("ZOO_PATTERNS_PREDICTIONS", str(path))
    return path


@pytest.mark.parametrize("qid", PREDICTIONS)
def test_a_prediction_corrected_after_the_runs_is_scored_as_first_committed(qid, journal, capsys):
    q = PREDICTIONS[qid]
    with pytest.raises(NotAttempted):
        q.predict(____)  # the starter
    with pytest.raises(NotAttempted):
        q.check()  # nothing committed
    truth = measured_once(q)
    assert set(truth) == set(q.keys), f"{qid}: the runs are not keyed like the prediction"
    key, wrong = next((k, w) for k in q.keys if (w := _wrong_value(q, k, truth[k], list(truth.values()))) is not None)
    q.predict({**truth, key: wrong})  # a guess, committed
    shown = q.predict(dict(truth))  # then the runs copied in: recorded, not scored
    assert shown == truth and len(read_journal(journal)[q.journal_key]) == 2
    with pytest.raises(Incorrect) as err:
        q.check()
    assert str(err.value).startswith("Incorrect:") and "1 of your" in str(err.value)
    with pytest.raises(TypeError, match="takes no answer"):
        q.check(dict(truth))  # the runs handed to check are refused
    journal.unlink()
    q.predict(dict(truth))
    assert q.check() is True


def test_the_runs_are_made_once_and_check_scores_the_runs_predict_showed(journal, capsys):
    runs = iter([{"a": 1}, {"a": 2}])  # a second run would disagree with the first
    q = PredictionQuestion("q9", "ex99", ["a"], lambda: next(runs), shape="'a': int", keys_are="keys",
                           value_ok=lambda v: isinstance(v, int), value_rule="ints", ask="", hints=["-"], solution="-")  # fmt: skip
    assert q.predict({"a": 1}) == {"a": 1}
    q._measure()["a"] = 5  # a caller's copy: the kept runs do not change
    assert q.check() is True and q._measure() == {"a": 1}


def test_the_journal_keeps_keys_that_are_tuples_and_values_that_are_bools(journal, capsys):
    from zoo_patterns.exercises.ex04 import q3

    first = {k: True for k in q3.keys}
    from zoo_patterns.exercises import _append_journal

    _append_journal(q3.journal_key, first, journal)
    assert read_journal(journal)[q3.journal_key][0]["prediction"] == first
    assert json.loads(journal.read_text())[q3.journal_key][0]["time"]


# -- the exercise notebooks hand no runner to the learner (00-07) ------------------------------------------------
INPUTS = {"SETTINGS", "SENTENCES", "OPERATIONS", "candidates", "DAMAGES", "MODES", "VERSIONS", "content_id_of", "references"}
INPUTS |= {"BUILDS", "ROWS"}


@pytest.mark.parametrize("mod", OWN)
def test_an_exercise_imports_only_questions_and_their_inputs(mod):
    import re

    root = Path(__file__).resolve().parent.parent
    source = next((root / "exercises" / "src").glob(f"{mod[2:]}_*.py")).read_text()
    imported = {
        name.strip()
        for block in re.findall(rf"from zoo_patterns\.exercises\.{mod} import ([^\n]+)", source)
        for name in block.split(",")
    }
    module = importlib.import_module(f"zoo_patterns.exercises.{mod}")
    runners = sorted(n for n in imported if not isinstance(getattr(module, n), Question) and n not in INPUTS)
    assert not runners, f"{mod}: the exercise imports {runners}, which run what a prediction should reason about"
    for qid, q in MINE.items():
        if qid.startswith(mod) and isinstance(q, PredictionQuestion):
            assert f"{q.name}.predict(" in source and f"{q.name}.check()" in source, f"{qid}: predict, then check"
