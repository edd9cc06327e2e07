"""Every exercise question, checked against its hints and against plausible wrong answers.

- The hint ladder: at least three hints (the idea, the lesson's section, the code), and no hint
  before the last gives the solution away.
- The checks: for every question, at least two plausible wrong answers are rejected with an
  "Incorrect:" message that does not contain the answer; an untouched placeholder is
  "Not attempted"; where it is cheap, the solution's own answer passes.

The wrong answers are built cheaply: a check is a function, so a case calls it directly with
small objects, never a training run or a torchrun launch.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import exercise_questions, measured_once, source, sources

from zoo_patterns.exercises import Incorrect, NotAttempted, PredictionQuestion, Question, ____

QUESTIONS = exercise_questions(range(15))


# -- the hint ladder --------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace('"', "'")).strip()


SKIP_LINE = re.compile(r"^(import |from |def |class |@|return$|else:|try:|except|for p in net|\)|#)")


def solution_giveaways(solution: str) -> list[str]:
    """The pieces of a solution that a hint before the last must not contain.

    Each code line of the solution (not an import, a def/class line or a bare keyword), and the
    right-hand side of each assignment: ``my_device = zoo_patterns.device()`` gives away both
    the whole line and ``zoo_patterns.device()``.
    """
    pieces = []
    for line in solution.splitlines():
        line = _norm(line)
        if len(line) < 8 or SKIP_LINE.match(line):
            continue
        pieces.append(line)
        m = re.match(r"^[\w, .\[\]']+ = (.+)$", line)
        if m and len(m.group(1)) >= 8:
            pieces.append(m.group(1))
    if len(_norm(solution)) >= 8:
        pieces.append(_norm(solution))
    return pieces


@pytest.mark.parametrize("qid", QUESTIONS)
def test_hint_ladder_has_three_steps(qid):
    hints = QUESTIONS[qid]._hints
    assert len(hints) >= 3, f"{qid} has {len(hints)} hint(s); a ladder needs the idea, the lesson's section, the code"
    assert "section" in hints[1].lower() and "lesson" in hints[1].lower(), f"{qid}: hint 2 should name the lesson's section"


@pytest.mark.parametrize("qid", QUESTIONS)
def test_no_hint_before_the_last_gives_the_solution(qid):
    q = QUESTIONS[qid]
    for n, hint in enumerate(q._hints[:-1], 1):
        for piece in solution_giveaways(q._solution):
            assert piece not in _norm(hint), f"{qid} hint {n} contains the solution's {piece!r}"


def test_the_giveaway_rule_catches_a_code_hint():
    assert "zoo_patterns.device()" in solution_giveaways("my_device = zoo_patterns.device()")
    assert "net.head = torch.nn.Linear(64, 10)" in solution_giveaways("net.head = torch.nn.Linear(64, 10)")


@pytest.mark.parametrize("qid", QUESTIONS)
def test_hints_come_in_order(qid, capsys):
    q = QUESTIONS[qid]
    for n, hint in enumerate(q._hints, 1):
        assert hint in q.hint(n) and f"Hint {n}/" in q.hint(n)


# -- cheap contexts the wrong answers need -------------------------------------------------------------
def _settings():
    from zoo_patterns import settings

    return settings


def _zoo():
    import zoo_patterns as zp

    return zp.registry()


def _digits_clf():
    from sklearn.linear_model import LogisticRegression

    from zoo_patterns.datasets import digits_task

    split = digits_task(seed=0)
    return LogisticRegression(max_iter=200).fit(split.x_train.reshape(len(split.x_train), -1), split.y_train)


def _flat_spec():
    from zoo_patterns.cards import TensorSpec

    return TensorSpec("pixels", ("batch", "features"), (None, 64), "float32", "", (0.0, 1.0))


def _sklearn_adapter(predict="proba", params="both", save="npz", bypass=False):
    from zoo_patterns.adapters import ZooModel

    class Adapter(ZooModel):
        framework = "sklearn"
        native_format = "npz"

        def _predict(self, x):
            if predict == "labels":
                return self.native.predict(x).astype(np.float32)
            return self.native.predict_proba(x).astype(np.float32)

        @property
        def num_params(self):
            extra = self.native.intercept_.size if params == "both" else 0
            return int(self.native.coef_.size + extra)

        def _save(self, folder):
            if save == "pickle":
                import pickle

                path = Path(folder) / "model.pkl"
                path.write_bytes(pickle.dumps(self.native))
                return [path]
            path = Path(folder) / "model.npz"
            np.savez(path, coef=self.native.coef_, intercept=self.native.intercept_)
            return [path]

        if bypass:

            def predict(self, x):  # skips the spec check
                return self._predict(x)

    return Adapter


def _verify(mode):
    import hashlib

    def verify(path, size, sha256):
        path = Path(path)
        if mode == "size":
            return path.is_file() and path.stat().st_size == size
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256  # mode == "hash": a missing file raises

    return verify


def _loader():
    import zoo_patterns as zp
    from zoo_patterns.loader import Cache, Loader

    return Loader(zoo=str(zp.zoo_dir()), cache=Cache(zp.cache_dir() / "test-exercise-checks"), progress=False)


class _Resolver:
    def __init__(self, claims):
        self.claims = claims

    def supports(self, request):
        return self.claims(request.ref)

    def resolve(self, request):  # pragma: no cover - the checks reject these before resolving
        raise AssertionError("not reached")


def _registered(claims):
    loader = _loader()
    return loader.resolvers.register(_Resolver(claims)), loader


def _fresh_cnn(classes=5):
    from zoo_patterns.models import torch_digits

    return torch_digits.DigitsCNN(num_classes=classes)


def _digits_net():
    import zoo_patterns as zp

    return zp.load("digits-cnn-torch", progress=False)


def _plan(weight_decay, base="digits-cnn-torch", classes=10):
    from zoo_patterns.transfer import Regularisation, TransferPlan

    return TransferPlan.full(base, classes, head="extend", regularisation=Regularisation(weight_decay=weight_decay))


def _keras_model(trainable):
    import keras

    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, name="body")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, name="head")(hidden))
    for layer in model.layers:
        layer.trainable = layer.name in trainable
    return model


def _gluon_net(frozen):
    from zoo_patterns.compat import import_mxnet

    mx = import_mxnet()

    class Net(mx.gluon.Block):
        def __init__(self):
            super().__init__()
            self.backbone = mx.gluon.nn.Dense(3, in_units=4)
            self.head = mx.gluon.nn.Dense(2, in_units=3)

    net = Net()
    net.initialize()
    for part in frozen:
        for p in getattr(net, part).collect_params().values():
            p.grad_req = "null"
    return net


def _broken_card_fixed(**changes):
    from zoo_patterns.exercises.ex11 import broken_card

    parent, broken = broken_card()
    return broken.replace(**{k: (v(parent) if callable(v) else v) for k, v in changes.items()})


def _counting_vm(rule):
    from traitlets import Int, observe

    from zoo_patterns.ui.viewmodel import ZooBrowserViewModel

    if rule == "no trait":

        class VM(ZooBrowserViewModel):
            @property
            def count(self):
                return len(self.results)

    elif rule == "set once":

        class VM(ZooBrowserViewModel):
            count = Int(0)

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.count = len(self.results)

    else:

        class VM(ZooBrowserViewModel):
            count = Int(0)

            @observe("results")
            def _count(self, change):
                self.count = len(change["new"])

    return VM


def _clearing(mode):
    from zoo_patterns.ui.mvc import MVCController

    class Clearing(MVCController):
        def clear(self):
            if mode == "both":
                self.select("")
            if mode in ("box only", "both", "box, then selection"):
                self.view.w.search.value = ""
            if mode == "box, then selection":
                self.select("")  # too late: the list kept the old selection

    return Clearing


def _vm_test(mode):
    def test(vm):
        vm.selected = "minilm-l7"
        if mode == "weak":
            assert vm.selected == "minilm-l7"
        elif mode == "right":
            assert "minilm-l6" in vm.error and vm.card_markdown == ""

    return test


def _capstone_net():
    from zoo_patterns.models import torch_digits

    torch_digits.seed_everything(0)
    return torch_digits.DigitsCNN(num_classes=10, width=4, hidden=8)


def _versions_predicted(bare="1.9.0", pinned="1.10.0"):
    from zoo_patterns.exercises.ex04 import references

    bare_ref, pin_ref, cid_ref, rc_ref = references()
    return {bare_ref: bare, pin_ref: pinned, cid_ref: "1.2.0", rc_ref: "2.0.0-rc.1"}


def _other_net():
    """The capstone's architecture with other weights: what 'tuned' stands for in the wrong answers."""
    from zoo_patterns.models import torch_digits

    torch_digits.seed_everything(1)
    return torch_digits.DigitsCNN(num_classes=10, width=4, hidden=8)


def _capstone_card(**changes):
    import zoo_patterns as zp

    return zp.card("digits-cnn-torch").replace(**changes)


def _derived(name, parent="digits-cnn-torch"):
    import zoo_patterns as zp
    from zoo_patterns.lineage import derived_card

    return derived_card(zp.card(parent), "torch", [], "a test", name=name, verb="fine-tuned")


def _sampler_first(epoch, rank=1):
    from torch.utils.data.distributed import DistributedSampler

    sampler = DistributedSampler(range(160), num_replicas=2, rank=rank, shuffle=True, seed=0)
    if epoch is not None:
        sampler.set_epoch(epoch)
    return list(sampler)[:5]


FRAMEWORKS = ("torch", "tensorflow", "mxnet", "transformers")


def _minus_one(values):
    values = sorted(values)
    return values[1:]


# -- the table: question -> (wrong answers, the answer's text that no message may contain) ---------------
# Each wrong answer is a function returning the arguments for q.check(...).
WRONG: dict[str, dict[str, object]] = {
    "ex00.q1": {
        "not a device name": lambda: ("gpu",),
        "the other device": lambda: ("cuda" if _settings().device() == "cpu" else "cpu",),
    },
    "ex00.q2": {
        "the zoo, not the cache": lambda: (lambda environ: _settings().zoo_dir(),),
        "a string, not a Path": lambda: (lambda environ: str(_settings().cache_dir()),),
        "a dict, not a function": lambda: ({},),
    },
    "ex00.q3": {
        "only torch": lambda: (lambda names: {"torch": md.version("torch")},),
        "import-time versions mistyped": lambda: (lambda names: dict.fromkeys(names, "0.0"),),
        "a dict, not a function": lambda: ({n: md.version(n) for n in FRAMEWORKS},),
    },
    "ex00.q4": {
        "the text taken as typed": lambda: ({**_truth("ex00.q4"), "CUDA": "CUDA", " cpu ": " cpu "},),
        "gpu accepted": lambda: ({**_truth("ex00.q4"), "gpu": "cuda"},),
        "cuda:1 refused": lambda: ({**_truth("ex00.q4"), "cuda:1": "ValueError"},),
        "one missing": lambda: (dict(list(_truth("ex00.q4").items())[1:]),),
    },
    "ex01.q1": {
        "the paraphrase": lambda: ({**_truth("ex01.q1"), "closest to sentence 0": 2},),
        "itself": lambda: ({**_truth("ex01.q1"), "closest to sentence 0": 0},),
        "one missing": lambda: ({"closest to sentence 0": 1},),
    },
    "ex01.q2": {
        "a distance matrix": lambda: (lambda v: 1 - _cosines(v),),
        "features by features": lambda: (lambda v: v.T @ v,),
        "not normalised": lambda: (lambda v: v @ v.T,),
    },
    "ex01.q3": {
        "one missing": lambda: (dict(list(_single_framework().items())[1:]),),
        "a set, not a dict": lambda: (set(_single_framework()),),
        "a task in several frameworks": lambda: ({**_single_framework(), "image-classification": "torch"},),
    },
    "ex01.q4": {
        "no mean": lambda: (lambda logits, labels: np.argmax(logits, axis=1) == labels,),
        "the wrong axis": lambda: (lambda logits, labels: float((np.argmax(logits, axis=0)[: len(labels)] == labels).mean()),),
        "a percentage": lambda: (lambda logits, labels: 100 * float((np.argmax(logits, axis=1) == labels).mean()),),
    },
    "ex02.q1": {
        "a dict": lambda: ({"tiny-linear": lambda: None},),
        "a function, not a class": lambda: (lambda: None,),
    },
    "ex02.q2": {
        "every model": lambda: (_zoo().names(),),
        "torch models": lambda: (_zoo().list(framework="torch"),),
        "one missing": lambda: (_zoo().list(framework="onnx")[1:],),
    },
    "ex02.q3": {
        "no parent": lambda: (_child(None, register=True),),
        "another parent": lambda: (_child("other", register=True),),
        "nothing registered": lambda: (_child("zoo", register=False),),
    },
    "ex02.q4": {
        "the child writes to its own names only": lambda: ({**_truth("ex02.q4"), "register 'minilm-l6' in the child": "ok"},),
        "unregister reaches the parent": lambda: ({**_truth("ex02.q4"), "unregister 'digits-cnn-torch' from the child": "ok"},),
        "KeyError for every failure": lambda: ({k: "ok" if v == "ok" else "KeyError" for k, v in _truth("ex02.q4").items()},),
        "one missing": lambda: (dict(list(_truth("ex02.q4").items())[1:]),),
    },
    "ex03.q1": {
        "labels, not probabilities": lambda: (_sklearn_adapter(predict="labels"), _digits_clf(), _flat_spec()),
        "num_params without the intercept": lambda: (_sklearn_adapter(params="coef"), _digits_clf(), _flat_spec()),
        "predict bypasses the spec": lambda: (_sklearn_adapter(bypass=True), _digits_clf(), _flat_spec()),
        "a pickle": lambda: (_sklearn_adapter(save="pickle"), _digits_clf(), _flat_spec()),
        "not a ZooModel": lambda: (object, _digits_clf(), _flat_spec()),
    },
    "ex03.q2": {
        "a negative number": lambda: (lambda a, b, x: -0.1,),
        "a string": lambda: (lambda a, b, x: "1e-7",),
        "a number, not a function": lambda: (1e-7,),
    },
    "ex03.q3": {
        "float64 refused too": lambda: ({**_truth("ex03.q3"), "float64": "refused"},),
        "the batch of one refused too": lambda: ({**_truth("ex03.q3"), "a batch of one": "refused"},),
        "NaN let through": lambda: ({**_truth("ex03.q3"), "a NaN pixel": "accepted"},),
        "a name that is not a candidate": lambda: ({"strings": "refused"},),
    },
    "ex04.q1": {
        "size only": lambda: (_verify("size"),),
        "hash only, reads a missing file": lambda: (_verify("hash"),),
    },
    "ex04.q2": {
        "claims every ref": lambda: _registered(lambda ref: True),
        "claims a prefix without the scheme": lambda: _registered(lambda ref: "digits" in ref),
        "never registered": lambda: (_Resolver(lambda ref: ref.startswith("mirror://")), _loader()),
    },
    "ex04.q3": {
        "the stamp catches everything": lambda: (dict.fromkeys(_truth("ex04.q3"), True),),
        "only full hashing catches a changed byte": lambda: (
            {k: k[1] == "full" or k[0] == "truncated" for k in _truth("ex04.q3")},
        ),
        "a missing pair": lambda: (dict(list(_truth("ex04.q3").items())[1:]),),
        "strings for booleans": lambda: ({k: str(v) for k, v in _truth("ex04.q3").items()},),
    },
    "ex04.q4": {
        "a yanked version is still the newest": lambda: (_versions_predicted(bare="1.10.0"),),
        "the pre-release is the newest": lambda: (_versions_predicted(bare="2.0.0-rc.1"),),
        "a pin to a yanked version fails": lambda: (_versions_predicted(pinned="VersionNotFoundError"),),
        "one reference missing": lambda: ({"digits-cnn": "1.9.0"},),
    },
    "ex05.q1": {
        "no hubconf text": lambda: _hub(None),
        "not the weights folder": lambda: (Path("/nonexistent"), HUBCONF),
        "pretrained ignored": lambda: _hub(HUBCONF.replace("    if pretrained:\n        net", "    if True:\n        net")),
        "no dependencies": lambda: _hub(HUBCONF.replace("dependencies = ", "needs = ")),
        "another entry point name": lambda: _hub(HUBCONF.replace("def digits_cnn(", "def load_digits_cnn(")),
    },
    "ex05.q2": {
        "takes NHWC": lambda: (_tfsm_model((8, 8, 1), None),),
        "height and width swapped": lambda: (_tfsm_model((1, 8, 8), (3, 2, 1)),),
        "no TFSMLayer": lambda: (_keras_model({"head"}),),
    },
    "ex05.q3": {
        "the head is just a layer": lambda: ({**_truth("ex05.q3"), "resnet18_v1, classes=10, thumbnail": True},),
        "every resnet18": lambda: ({k: k.startswith("resnet18") for k in _truth("ex05.q3")},),
        "none": lambda: (dict.fromkeys(_truth("ex05.q3"), False),),
        "not a label": lambda: ({"resnet18": True},),
    },
    "ex06.q1": {
        "every digit classifier": lambda: (_zoo().list(task="image-classification", domain="handwritten-digits"),),
        "every ONNX model": lambda: (_zoo().list(framework="onnx"),),
        "a string": lambda: ("digits-cnn-onnx",),
    },
    "ex06.q2": {
        "keeps dominated rows": lambda: (lambda rows: rows,),
        "ignores ties": lambda: (
            lambda rows: [
                r for r in rows if not any(o["accuracy"] > r["accuracy"] and o["latency ms"] < r["latency ms"] for o in rows)
            ],
        ),
        "the fastest only": lambda: (lambda rows: [min(rows, key=lambda r: r["latency ms"])],),
    },
    "ex06.q3": {
        "the most accurate": lambda: (lambda rows: max(rows, key=lambda r: r["accuracy"]),),
        "the fastest": lambda: (lambda rows: min(rows, key=lambda r: r["latency ms"]),),
        "within 3 points, the most accurate": lambda: (
            lambda rows: max(
                (r for r in rows if r["accuracy"] >= max(o["accuracy"] for o in rows) - 0.03), key=lambda r: r["latency ms"]
            ),
        ),
    },
    "ex06.q4": {
        "the same pick either way": lambda: ({"1-point window": "b", "10-point window": "b"},),
        "wide picks the fastest of all": lambda: ({"1-point window": "d", "10-point window": "f"},),
        "swapped": lambda: ({"1-point window": "a", "10-point window": "d"},),
    },
    "ex07.q1": {
        "the old class count": lambda: (_head_fn(out=5),),
        "the wrong width in": lambda: (_head_fn(in_=32),),
        "a new network": lambda: (lambda net, n: _fresh_cnn(n),),
    },
    "ex07.q2": {
        "everything frozen": lambda: (_freeze_fn(("nothing",)),),
        "only the head": lambda: (_freeze_fn(("head.",)),),
        "the whole backbone": lambda: (_freeze_fn(("backbone.", "head.")),),
    },
    "ex07.q3": {
        "no weight decay": lambda: (_plan(0.0),),
        "far too much": lambda: (_plan(5.0),),
        "another base": lambda: (_plan(0.01, base="digits-cnn-onnx"),),
        "the old class count": lambda: (_plan(0.01, classes=5),),
    },
    "ex07.q4": {
        "the late unfreeze works": lambda: ({k: k.startswith(("head.", "backbone.8.")) for k in _truth("ex07.q4")},),
        "nothing changes": lambda: (dict.fromkeys(_truth("ex07.q4"), False),),
        "not parameter names": lambda: ({"head": True},),
    },
    "ex08.q1": {
        "everything trainable": lambda: (_keras_model({"body", "head"}),),
        "nothing trainable": lambda: (_keras_model(set()),),
        "the body, not the head": lambda: (_keras_model({"body"}),),
    },
    "ex08.q2": {
        "not a dict": lambda: ("nothing",),
        "a count as text": lambda: ({"raises an error": False, "backbone parameters still learning": "all"},),
        "everything frozen": lambda: ({"raises an error": False, "backbone parameters still learning": 0},),
    },
    "ex08.q3": {
        "nothing frozen": lambda: (_gluon_net(()),),
        "everything frozen": lambda: (_gluon_net(("backbone", "head")),),
        "the head frozen": lambda: (_gluon_net(("head",)),),
    },
    "ex08.q4": {
        "the same number": lambda: (lambda m: m,),
        "one over": lambda: (lambda m: 1 / m,),
        "a string": lambda: (lambda m: str(1 - m),),
    },
    "ex08.q5": {
        "swapped": lambda: ({"torch": _running_means()["keras"], "keras": _running_means()["torch"]},),
        "one step each": lambda: ({"torch": 0.1, "keras": 0.9},),
        "not rounded": lambda: ({"torch": 0.6513, "keras": 1.0},),
    },
    "ex09.q1": {
        "not transposed": lambda: (lambda linear: [linear.weight.detach().numpy(), linear.bias.detach().numpy()],),
        "no bias": lambda: (lambda linear: [linear.weight.detach().numpy().T],),
        "bias first": lambda: (lambda linear: [linear.bias.detach().numpy(), linear.weight.detach().numpy().T],),
    },
    "ex09.q2": {
        "the first layer": lambda: (0, "BatchNorm epsilon"),
        "the last layer": lambda: (8, "BatchNorm epsilon"),
        "a name, not a number": lambda: ("BatchNorm2d", "BatchNorm epsilon"),
        "the right layer, another trap": lambda: (_first_divergent(), "flatten order"),
    },
    "ex09.q3": {
        "Keras's defaults": lambda: (lambda bn: {"epsilon": 1e-3, "momentum": 0.99},),
        "torch's momentum copied": lambda: (lambda bn: {"epsilon": float(bn.eps), "momentum": float(bn.momentum)},),
        "Keras's epsilon": lambda: (lambda bn: {"epsilon": 1e-3, "momentum": 1 - bn.momentum},),
    },
    "ex10.q1": {
        "a percentage": lambda: (
            {"fraction of zero weights": 60.0, "saved file is smaller": False, "fewer multiplications per call": False},
        ),
        "a smaller file": lambda: (
            {"fraction of zero weights": 0.6, "saved file is smaller": True, "fewer multiplications per call": True},
        ),
    },
    "ex10.q2": {
        "the original channel count": lambda: (lambda net, amount: (16, 1),),
        "a float": lambda: (lambda net, amount: (4.0, 1),),
    },
    "ex10.q3": {
        "the fastest": lambda: (lambda table: "int4 experimental",),
        "the first int8": lambda: (lambda table: "int8 torch",),
        "not in the table": lambda: (lambda table: "int8",),
    },
    "ex10.q4": {
        "the range as it is": lambda: (lambda low, high: ((high - low) / 255, int(round(-128 - low / ((high - low) / 255)))),),
        "256 steps": lambda: (lambda low, high: ((max(high, 0) - min(low, 0)) / 256, -128),),
    },
    "ex11.q1": {
        "an array": lambda: (lambda word, A, B: np.zeros(1),),
        "the sign reversed": lambda: (lambda word, A, B: -_association(),),
        "zero": lambda: (lambda word, A, B: 0.0,),
    },
    "ex11.q2": {
        "every test": lambda: (lambda audits: [a.test for a in audits], "male_names"),
        "the control left out": lambda: (lambda audits: ["male-female names/career-family"], "male_names"),
        "a string, not a list": lambda: (lambda audits: "all", "male_names"),
        "the wrong side": lambda: (_supported_rule, _wrong_side()),
    },
    "ex11.q3": {
        "the broken card": lambda: (_broken_card_fixed(),),
        "licence only": lambda: (_broken_card_fixed(license=lambda p: p.license),),
        "a new name": lambda: (_broken_card_fixed(license=lambda p: p.license, biases=lambda p: p.biases, name="x-y"),),
        "not a card": lambda: ({"license": "MIT"},),
    },
    "ex11.q4": {
        "permutations, not combinations": lambda: (lambda n: (40320, 1 / 40320),),
        "two to the eight": lambda: (lambda n: (2 ** (2 * n), 1 / 2 ** (2 * n)),),
        "the step as a count": lambda: (lambda n: (math.comb(2 * n, n), float(math.comb(2 * n, n))),),
    },
    "ex12.q1": {
        "a property, not a trait": lambda: (_counting_vm("no trait"),),
        "set once, never updated": lambda: (_counting_vm("set once"),),
        "not a view model": lambda: (object,),
    },
    "ex12.q2": {
        "no clear()": lambda: (_clearing_base(),),
        "clears the box, keeps the card": lambda: (_clearing("box only"),),
        "does nothing": lambda: (_clearing("nothing"),),
        "the box first, then the selection": lambda: (_clearing("box, then selection"),),
    },
    "ex12.q3": {
        "asserts nothing": lambda: (_vm_test("none"),),
        "asserts what it set": lambda: (_vm_test("weak"),),
        "not a function": lambda: ("test",),
    },
    "ex12.q4": {
        "every step heard once": lambda: ({step: 1 for step in _steps()},),
        "True, not a count": lambda: ({step: True for step in _steps()},),
    },
    "ex13.q0": {
        "over the budget": lambda: (16, 64, _capstone_net()),
        "not an option": lambda: (12, 32, _capstone_net()),
        "net built with other sizes": lambda: (8, 16, _capstone_net()),
        "not a DigitsCNN": lambda: (8, 32, "net"),
    },
    "ex13.q1": {
        "not a card": lambda: ({"name": "ada-digits-cnn"}, _capstone_net()),
        "the placeholder name": lambda: (_capstone_card(name="CHANGE-ME"), _capstone_net()),
        "another model's parameter count": lambda: (_capstone_card(name="ada-digits-cnn"), _capstone_net()),
    },
    "ex13.q2": {
        "not an entry": lambda: ("published", "/nonexistent"),
        "an empty zoo": lambda: ({"name": "ada-digits-cnn", "files": []}, _empty_dir()),
    },
    "ex13.q3": {
        "the same object": lambda: (_same_net(), _same_net(), _empty_dir()),
        "not a module": lambda: ("ada-digits-cnn", _capstone_net(), _empty_dir()),
        "another model": lambda: (_fresh_cnn(10), _capstone_net(), _empty_dir()),
    },
    "ex13.q4": {
        "the same model": lambda: (_same_net(), _same_net()),
        "an untrained copy": lambda: (_capstone_net(), _capstone_net()),
    },
    "ex13.q5": {
        "not quantised": lambda: (_capstone_net(), _capstone_net()),
        "a float16 copy, the same bytes": lambda: (_capstone_net(), _capstone_net()),
    },
    "ex13.q6": {
        "not a card": lambda: ("tuned", _capstone_card(name="ada-digits-cnn")),
        "a new name, not a new version": lambda: (_derived("ada-tuned"), _capstone_card()),
        "the same version": lambda: (_derived("digits-cnn-torch"), _capstone_card()),
        "an older version": lambda: (_derived("digits-cnn-torch").replace(version="0.9.0"), _capstone_card()),
        "another parent": lambda: (
            _derived("digits-cnn-torch", parent="digits-cnn-onnx").replace(version="1.1.0"),
            _capstone_card(),
        ),
    },
    "ex13.q7": {
        "not a pair": lambda: (_capstone_net(), _capstone_net(), _other_net(), _empty_dir()),
        "the newest twice": lambda: ((_other_net(), _other_net()), _capstone_net(), _other_net(), _empty_dir()),
        "the two swapped": lambda: ((_other_net(), _capstone_net()), _capstone_net(), _other_net(), _empty_dir()),
    },
    "ex14.q1": {
        "the global batch": lambda: (lambda b, w, n: (b, n // b),),
        "steps per process": lambda: (lambda b, w, n: (b // w, n // (b // w)),),
        "floats": lambda: (lambda b, w, n: (b / w, n / b),),
    },
    "ex14.q2": {
        "epoch 0": lambda: (_shard_fn(epoch_used=False),),
        "rank 0": lambda: (_shard_fn(rank0=True),),
        "a range": lambda: (lambda n, world, rank, seed, epoch: list(range(5)),),
    },
    "ex14.q3": {
        "not a dict": lambda: ("frozen",),
        "not an outcome": lambda: ({k: "batch" for k in _runs()},),
        "one run left out": lambda: ({k: "same" for k in list(_runs())[1:]},),
    },
}

# Text that gives an answer away: no "Incorrect:" message for that question may contain it.
SECRETS = {
    "ex00.q1": lambda: [f"'{_settings().device()}'"],
    "ex00.q2": lambda: [str(_settings().cache_dir()), "user_cache_path", "expanduser"],
    "ex00.q3": lambda: ["PackageNotFoundError", "md.version"],
    "ex00.q4": lambda: ["': 'cuda'", "': 'ValueError'", "is ValueError"],
    "ex01.q1": lambda: ["closest to sentence 0': 1", "closest is 1", "sentence 1 is", "The mat sat on the cat"],
    "ex01.q2": lambda: ["np.linalg.norm", "unit @ unit.T"],
    "ex01.q3": lambda: [f"'{t}': '{f}'" for t, f in _single_framework().items()],
    "ex01.q4": lambda: ["argmax", "axis=1"],
    "ex02.q1": lambda: ["get_close_matches", "self._builders = {}"],
    "ex02.q2": lambda: _zoo().list(framework="onnx")[:1],
    "ex02.q3": lambda: ["parent=zp.registry()"],
    "ex02.q4": lambda: ["': 'ok'", "DuplicateModelError'", "is 'ok'"],
    "ex03.q1": lambda: ["predict_proba(x).astype"],
    "ex03.q2": lambda: ["np.abs(model_a.predict(x) - model_b.predict(x))"],
    "ex03.q3": lambda: [f"'{k}': 'refused'" for k, v in _truth("ex03.q3").items() if v == "refused"],
    "ex04.q1": lambda: ["hexdigest", "st_size"],
    "ex04.q2": lambda: ["IndexResolver().resolve"],
    "ex04.q3": lambda: ["): True", "): False", "is served", "is repaired"],
    "ex04.q4": lambda: ["1.9.0", "yanked", "pre-release"],
    "ex05.q1": lambda: ["load_state_dict(load_file"],
    "ex05.q2": lambda: ["Permute((2, 3, 1))"],
    "ex05.q3": lambda: ["'resnet18_v1, classes=5, thumbnail': True"],
    "ex06.q1": lambda: [str(_zoo().list(task="image-classification", domain="handwritten-digits", framework="onnx"))],
    "ex06.q2": lambda: ["['a', 'b', 'd', 'f']"],
    "ex06.q3": lambda: ["'b'", "is b"],
    "ex06.q4": lambda: ["'d'", "'a'", "is d", "is a"],
    "ex07.q1": lambda: ["net.head.in_features", "Linear(64, 10)"],
    "ex07.q2": lambda: ["p.requires_grad = False", "list(m.parameters())"],
    "ex07.q3": lambda: ["weight_decay=0.01"],
    "ex07.q4": lambda: ["'head.weight': True", "only the head"],
    "ex08.q1": lambda: ["layer.trainable = layer.name"],
    "ex08.q2": lambda: ["still learning': 0", "still learning': 8"],
    "ex08.q3": lambda: ["grad_req = 'null'"],
    "ex08.q4": lambda: ["1 - torch_momentum", "return 1 -"],
    "ex08.q5": lambda: ["0.65", "0.9 ** 10", "0.9**10"],
    "ex09.q1": lambda: [".numpy().T"],
    "ex09.q2": lambda: [f"layer {_first_divergent()} is", "'BatchNorm epsilon' is"],
    "ex09.q3": lambda: ["1e-5, 0.9", "1e-05"],
    "ex10.q1": lambda: [f"{_zero_fraction():.3f}", "': False"],
    "ex10.q2": lambda: [f" {_kept()} "],
    "ex10.q3": lambda: ["'int8 onnxruntime' is", "is int8 onnxruntime", "choose int8 onnxruntime"],
    "ex10.q4": lambda: ["0.00392", "round(-128"],
    "ex11.q1": lambda: [f"{_association():.4f}"],
    "ex11.q2": lambda: [str(_supported())],
    "ex11.q3": lambda: ["license=parent.license"],
    "ex11.q4": lambda: ["70", "0.0142"],
    "ex12.q1": lambda: ["self.count = len(change"],
    "ex12.q2": lambda: ["self.select('')"],
    "ex12.q3": lambda: ["'minilm-l7'"],
    "ex12.q4": lambda: ["': 0", "': 1"],
    "ex13.q0": lambda: ["width=8, hidden=32 fits", "choose 8", "(8, 32)"],
    "ex13.q1": lambda: ["torch_digits.accuracy(net, digits()"],
    "ex13.q2": lambda: ["publish(net, card"],
    "ex13.q3": lambda: ["zp.load(card.name, zoo=url"],
    "ex13.q4": lambda: ["start_from=loaded"],
    "ex13.q5": lambda: ["small = torch_dynamic_int8(tuned)"],
    "ex13.q6": lambda: ["derived_card(card", "int(minor) + 1"],
    "ex13.q7": lambda: ["card.name}@{card.version}"],
    "ex14.q1": lambda: ["= 8", "is 8", " 5."],
    "ex14.q2": lambda: [str(_sampler_first(3))],
    "ex14.q3": lambda: ["frozen': 'same", "local': 'differ"],
}


# -- helpers the table uses (below it, so that the table reads first) -----------------------------------


def _truth(qid):
    """A prediction question's runs (memoised: some take seconds)."""
    return _memo(f"truth {qid}", lambda: measured_once(QUESTIONS[qid]))


def _cosines(v):
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit @ unit.T


def _single_framework():
    from zoo_patterns.exercises.ex01 import _frameworks_by_task

    return {t: next(iter(f)) for t, f in _frameworks_by_task().items() if len(f) == 1}


def _head_fn(out=None, in_=None):
    import torch

    def replace_head(net, num_classes):
        net.head = torch.nn.Linear(in_ or net.head.in_features, out or num_classes)
        return net

    return replace_head


def _freeze_fn(trainable):
    def freeze(net):
        for name, p in net.named_parameters():
            p.requires_grad = name.startswith(trainable)

    return freeze


HUBCONF = QUESTIONS["ex05.q1"]._solution.split('"""')[1]


def _hub(text):
    import shutil
    import tempfile

    import zoo_patterns as zp

    folder = Path(tempfile.mkdtemp(prefix="test-hub-"))
    for name in ("config.json", "model.safetensors"):
        shutil.copy(zp.model_dir("digits-cnn-torch") / name, folder / name)
    return folder, text


def _tfsm_model(shape, permute):
    import keras

    import zoo_patterns as zp

    inputs = keras.Input(shape)
    x = keras.layers.Permute(permute)(inputs) if permute else inputs
    layer = keras.layers.TFSMLayer(str(zp.model_dir("digits-cnn-savedmodel")), call_endpoint="serve")
    return keras.Model(inputs, layer(x))


def _running_means():
    from zoo_patterns.exercises.ex08 import _running_means

    return _running_means()


def _supported_rule(audits):
    return [a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= 0.8]


def _steps():
    from zoo_patterns.exercises.ex12 import STEPS

    return [step for step, _, _ in STEPS]


def _runs():
    from zoo_patterns.exercises.ex14 import q3

    return q3.keys


def _shard_fn(epoch_used=True, rank0=False):
    def shard(n, world, rank, seed, epoch):
        import torch

        g = torch.Generator()
        g.manual_seed(seed + (epoch if epoch_used else 0))
        order = torch.randperm(n, generator=g).tolist()
        total = math.ceil(n / world) * world
        order += order[: total - n]
        return order[(0 if rank0 else rank) : total : world]

    return shard


def _registry_with(name, n_in, n_out):
    import torch

    from zoo_patterns.model_registry import Registry

    reg = Registry("mine")
    reg.register(name, lambda: torch.nn.Linear(n_in, n_out))
    return reg


def _child(parent, register):
    from zoo_patterns.model_registry import Registry

    parent_reg = {None: None, "other": Registry("other"), "zoo": _zoo()}[parent]
    if parent == "other":
        parent_reg.register("minilm-l6", lambda: "a copy")
    child = Registry("lesson", parent=parent_reg)
    if register:
        child.register("my-model", lambda: "mine")
    return child


def _clearing_base():
    from zoo_patterns.ui.mvc import MVCController

    return MVCController


_CACHE: dict[str, object] = {}


def _memo(key, build):
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def _same_net():
    return _memo("same net", _capstone_net)


def _empty_dir():
    import tempfile

    return tempfile.mkdtemp(prefix="ex13-")


def _first_divergent():
    from zoo_patterns.convert import ParityError, parity, probe_inputs
    from zoo_patterns.exercises.ex09 import mystery

    def build():
        model, keras_model = mystery()
        try:
            parity(model, keras_model, probe_inputs((1, 8, 8)))
        except ParityError as error:
            return int(error.report.divergent.split()[1])
        return None

    return _memo("divergent", build)


def _zero_fraction():
    from zoo_patterns.optimize.prune import prune_unstructured, sparsity

    return _memo("zeros", lambda: sparsity(prune_unstructured(_digits_net(), 0.6)))


def _kept():
    from zoo_patterns.optimize.prune import prune_digits_cnn

    return _memo("kept", lambda: prune_digits_cnn(_digits_net(), 0.75).backbone[0].out_channels)


def _association():
    from zoo_patterns.audit import associations
    from zoo_patterns.data.words import WORDS
    from zoo_patterns.exercises.ex11 import _encode

    return _memo("assoc", lambda: float(associations(_encode(), ["Emma"], WORDS["science"], WORDS["arts"])[0]))


def _supported(effect=0.8):
    import zoo_patterns as zp

    audits = zp.card("minilm-l6").audits
    return sorted(a.test for a in audits if a.p_value is not None and a.p_value < 0.01 and abs(a.effect_size) >= effect)


def _all_tests():
    import zoo_patterns as zp

    return [a.test for a in zp.card("minilm-l6").audits]


def _wrong_side():
    import zoo_patterns as zp

    names = next(a for a in zp.card("minilm-l6").audits if a.test == "male-female names/career-family")
    return "female_names" if names.effect_size > 0 else "male_names"


# -- the tests ------------------------------------------------------------------------------------------
CASES = [(qid, label) for qid, wrongs in WRONG.items() for label in wrongs]


def test_every_question_has_two_wrong_answers():
    missing = [qid for qid in QUESTIONS if len(WRONG.get(qid, {})) < 2]
    assert not missing, f"no table of wrong answers (at least two) for {missing}"
    assert set(SECRETS) >= set(QUESTIONS), f"no secret for {sorted(set(QUESTIONS) - set(SECRETS))}"


@pytest.mark.parametrize("qid, label", CASES, ids=[f"{q}-{w}" for q, w in CASES])
def test_wrong_answer_is_rejected_without_the_answer(qid, label, journal, capsys):
    args = WRONG[qid][label]()
    with pytest.raises(Incorrect) as err:
        _check(QUESTIONS[qid], args)
    message = str(err.value)
    assert message.startswith("Incorrect:"), message
    for secret in SECRETS[qid]():
        assert secret not in message, f"the message gives the answer away ({secret!r}): {message}"


@pytest.fixture
def journal(tmp_path, monkeypatch):
    """A fresh prediction journal for the test (never the one beside a notebook)."""
    path = tmp_path / "predictions.json"
    monkeypatch.setenv("ZOO_PATTERNS_PREDICTIONS", str(path))
    return path


def _check(q, args):
    """q.check(*args); for a prediction question, commit args[0] first and score it, as the notebook does."""
    if isinstance(q, PredictionQuestion):
        q.predict(*args)
        return q.check()
    return q.check(*args)


@pytest.mark.parametrize("qid", QUESTIONS)
def test_untouched_placeholder_is_not_attempted(qid, journal):
    q = QUESTIONS[qid]
    if isinstance(q, PredictionQuestion):
        with pytest.raises(NotAttempted, match="Not attempted"):
            q.predict(____)
        with pytest.raises(NotAttempted, match="Not attempted"):
            q.check()
        return
    n_args = {
        "ex05.q1": 2,
        "ex03.q1": 3,
        "ex04.q2": 2,
        "ex09.q2": 2,
        "ex11.q2": 2,
    }
    n_args |= {"ex13.q0": 3, "ex13.q1": 2, "ex13.q2": 2, "ex13.q3": 3, "ex13.q4": 2, "ex13.q5": 2, "ex13.q6": 2}
    n_args |= {"ex13.q7": 4}
    with pytest.raises(NotAttempted, match="Not attempted"):
        q.check(*([____] * n_args.get(qid, 1)))


def _raises_not_implemented(*args):
    raise NotImplementedError("your code here")


@pytest.mark.parametrize(
    "qid",
    [
        "ex00.q2",
        "ex00.q3",
        "ex01.q2",
        "ex01.q4",
        "ex03.q2",
        "ex04.q1",
        "ex06.q2",
        "ex06.q3",
        "ex07.q1",
        "ex07.q2",
        "ex08.q4",
        "ex12.q3",
    ],
)
def test_an_unwritten_function_is_not_attempted(qid):
    with pytest.raises(NotAttempted):
        QUESTIONS[qid].check(_raises_not_implemented)


# The solutions' answers, where they are cheap to build (the notebooks under nbval check the rest).
RIGHT = {
    "ex00.q1": lambda: (_settings().device(),),
    "ex00.q2": lambda: (_solution_fn("ex00", "q2", "cache_dir_for"),),
    "ex00.q3": lambda: (_solution_fn("ex00", "q3", "framework_versions"),),
    "ex00.q4": lambda: (_truth("ex00.q4"),),
    "ex01.q1": lambda: ({"closest to sentence 0": 1, "farthest from sentence 0": 3},),
    "ex01.q2": lambda: (_solution_fn("ex01", "q2", "cosine_similarity", np=np),),
    "ex01.q3": lambda: (_single_framework(),),
    "ex01.q4": lambda: (lambda logits, labels: float((np.argmax(logits, axis=1) == labels).mean()),),
    "ex02.q1": lambda: (_solution_fn("ex02", "q1", "SafeRegistry"),),
    "ex02.q3": lambda: (_child("zoo", register=True),),
    "ex02.q4": lambda: (_truth("ex02.q4"),),
    "ex03.q1": lambda: (_sklearn_adapter(), _digits_clf(), _flat_spec()),
    "ex03.q2": lambda: (_solution_fn("ex03", "q2", "parity", np=np),),
    "ex03.q3": lambda: (_truth("ex03.q3"),),
    "ex04.q1": lambda: (_solution_verify(),),
    "ex04.q3": lambda: (_truth("ex04.q3"),),
    "ex04.q4": lambda: (_versions_predicted(),),
    "ex05.q1": lambda: _hub(HUBCONF),
    "ex05.q2": lambda: (_tfsm_model((1, 8, 8), (2, 3, 1)),),
    "ex05.q3": lambda: (_truth("ex05.q3"),),
    "ex06.q2": lambda: (_solution_fn("ex06", "q2", "frontier"),),
    "ex06.q3": lambda: (_solution_fn("ex06", "q3", "choose"),),
    "ex06.q4": lambda: ({"1-point window": "d", "10-point window": "a"},),
    "ex07.q1": lambda: (_solution_fn("ex07", "q1", "replace_head", torch=__import__("torch")),),
    "ex07.q2": lambda: (_solution_fn("ex07", "q2", "freeze_all_but_last"),),
    "ex07.q4": lambda: (_truth("ex07.q4"),),
    "ex08.q1": lambda: (_keras_model({"head"}),),
    "ex08.q3": lambda: (_gluon_net(("backbone",)),),
    "ex08.q4": lambda: (lambda m: 1 - m,),
    "ex09.q1": lambda: (lambda linear: [linear.weight.detach().numpy().T, linear.bias.detach().numpy()],),
    "ex09.q2": lambda: (_first_divergent(), "BatchNorm epsilon"),
    "ex09.q3": lambda: (lambda bn: {"epsilon": float(bn.eps), "momentum": 1 - bn.momentum},),
    "ex10.q3": lambda: (_solution_fn("ex10", "q3", "choose"),),
    "ex11.q3": lambda: (_broken_card_fixed(license=lambda p: p.license, biases=lambda p: p.biases),),
    "ex11.q4": lambda: (_solution_fn("ex11", "q4", "resolution"),),
    "ex12.q1": lambda: (_counting_vm("rule"),),
    "ex12.q2": lambda: (_clearing("both"),),
    "ex12.q3": lambda: (_vm_test("right"),),
    "ex14.q1": lambda: (lambda b, w, n: (b // w, math.ceil(math.ceil(n / w) / (b // w))),),
    "ex14.q2": lambda: (_shard_fn(),),
}


def _solution_fn(mod, q, name, **context):
    namespace: dict = {"math": math, **context}
    exec(QUESTIONS[f"{mod}.{q}"]._solution, namespace)  # the solution a learner would be shown
    return namespace[name]


def _solution_verify():
    import hashlib

    namespace = {"Path": Path, "hashlib": hashlib}
    exec(QUESTIONS["ex04.q1"]._solution, namespace)
    return namespace["verify"]


@pytest.mark.parametrize("qid", RIGHT)
def test_the_solution_passes(qid, journal, capsys):
    assert _check(QUESTIONS[qid], RIGHT[qid]()) is True
    assert "Correct" in capsys.readouterr().out


# -- review questions ---------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
STEMS = [p.stem for p in sources("solutions")]


def _review(path):
    text = path.read_text(encoding="utf-8")
    assert "# ## Review questions" in text, f"{path.name} has no review questions"
    tail = text[text.index("# ## Review questions") :]
    questions_cell, _, answers_cell = tail.partition("\n# %%\n")
    return re.findall(r"^# (\d+)\. ", questions_cell, re.M), answers_cell


@pytest.mark.parametrize("stem", STEMS)
def test_review_questions_end_every_exercise_with_answers_in_the_solution(stem):
    questions, answers = _review(source("solutions", stem))
    assert 3 <= len(questions) <= 5, f"{stem}: {len(questions)} review questions; three to five"
    assert re.findall(r"^# (\d+)\. ", answers, re.M) == questions, f"{stem}: one answer per review question"
    assert answers.lstrip().startswith("# BEGIN SOLUTION"), f"{stem}: the answers must be a solution region"
    ex_questions, ex_answers = _review(source("exercises", stem))
    assert ex_questions == questions and not re.findall(r"^# \d+\. ", ex_answers, re.M), f"{stem}: the exercise shows answers"


# -- hints point at sections that exist -------------------------------------------------------------
def _headings(lesson: str) -> set[str]:
    text = source("notebooks", lesson).read_text()
    return {m.strip() for m in re.findall(r"^# ## (.+)$", text, flags=re.M)}


def _every_question():
    for n in range(16):
        module = importlib.import_module(f"zoo_patterns.exercises.ex{n:02d}")
        for name, value in vars(module).items():
            if isinstance(value, Question):
                yield f"ex{n:02d}.{name}", value


def section_references(hint: str, default_lesson: str) -> list[tuple[str, str]]:
    """``(lesson, heading)`` for every ``section '...'`` a hint names, each with the lesson named last before it."""
    refs, lesson = [], default_lesson
    for m in re.finditer(r"[Ll]esson (\d\d)|section '(.+?)'(?=[\s.,;:)]|$)", hint):  # a heading may hold an apostrophe
        if m.group(1):
            lesson = m.group(1)
        else:
            refs.append((lesson, m.group(2)))
    return refs


@pytest.mark.parametrize(("qid", "question"), list(_every_question()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_hint_names_sections_the_lesson_has(qid, question):
    for hint in question._hints:
        for lesson, heading in section_references(hint, qid[2:4]):
            assert heading in _headings(lesson), f"{qid}: lesson {lesson} has no section '{heading}' (the hint says it does)"


def test_the_section_check_can_fail():
    assert section_references("Lesson 04 shows it in section '2. Resolve'; lesson 10's section '9. It's X'.", "00") == [
        ("04", "2. Resolve"),
        ("10", "9. It's X"),
    ]
    assert "99. No such section" not in _headings("04")


def test_a_prediction_is_committed_before_the_runs_and_the_first_one_is_scored(tmp_path, monkeypatch, capsys):
    import pytest

    from zoo_patterns.exercises import Incorrect, NotAttempted, PredictionQuestion, ____, read_journal

    monkeypatch.setenv("ZOO_PATTERNS_PREDICTIONS", str(tmp_path / "predictions.json"))
    runs = []

    def measure():
        runs.append(1)
        return {("a", 1): True, ("b", 2): False}

    q = PredictionQuestion("q9", "ex99", [("a", 1), ("b", 2)], measure, shape="(name, n): bool", keys_are="cases",
                           value_ok=lambda v: isinstance(v, bool), value_rule="each is True or False.",
                           ask="Think again.", hints=["h"], solution="s")  # fmt: skip
    with pytest.raises(NotAttempted):
        q.check()
    with pytest.raises(NotAttempted):
        q.predict(____)
    with pytest.raises(Incorrect, match="one prediction for each"):
        q.predict({("a", 1): True})  # malformed: not committed, nothing measured
    assert runs == [] and read_journal() == {}
    q.predict({("a", 1): True, ("b", 2): True})  # wrong, committed first
    assert runs == [1] and "DIFFERS" in capsys.readouterr().out
    q.predict({("a", 1): True, ("b", 2): False})  # corrected after seeing the runs: recorded, not scored
    assert "scores the first one" in capsys.readouterr().out
    assert [a["prediction"][("b", 2)] for a in read_journal()["ex99.q9"]] == [True, False]
    with pytest.raises(Incorrect, match="1 of your 2 first predictions differ") as wrong:
        q.check()
    assert "False" not in str(wrong.value) and "True" not in str(wrong.value)  # never the right values
    with pytest.raises(TypeError, match="takes no answer"):
        q.check({("a", 1): True, ("b", 2): False})  # the runner's answer handed to check is refused
    (tmp_path / "predictions.json").unlink()
    q.predict({("a", 1): True, ("b", 2): False})
    assert q.check() is True
