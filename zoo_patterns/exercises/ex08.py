"""Checks for exercise 08: the same freezing in Keras and Gluon, a torch habit that Gluon ignores, and BatchNorm's momentum."""

from __future__ import annotations

import functools

from . import PredictionQuestion, Question, expect


def _check_keras(model) -> None:
    import keras

    expect(isinstance(model, keras.Model), f"expected the Keras model, got {type(model).__name__}.")
    trainable = sorted({w.path.split("/")[0] for w in model.trainable_weights})
    expect(trainable, "nothing is trainable: the head must still learn.")
    expect(trainable == ["head"], f"only the layer named 'head' should train; trainable now: {trainable}.")


q1 = Question(
    "q1",
    _check_keras,
    hints=[
        "Keras freezes layers, not parameters: each layer has one flag.",
        "Lesson 08 shows it in section '1. Three frameworks, three vocabularies'.",
        "Loop over keras_model.layers and set layer.trainable from layer.name == 'head'.",
    ],
    solution="for layer in keras_model.layers:\n    layer.trainable = layer.name == 'head'",
)


def _torch_habit_in_gluon() -> dict:
    """Question 2, measured: the torch freezing loop copied word for word onto a fresh Gluon digits CNN."""
    import zoo_patterns as zp

    net = zp.load("digits-cnn-gluon", progress=False)
    raised = False
    try:
        for p in net.backbone.collect_params().values():
            p.requires_grad = False  # the torch spelling: Gluon's Parameter takes any new attribute without a word
    except Exception:
        raised = True
    backbone = net.backbone.collect_params().values()
    return {"raises an error": raised, "backbone parameters still learning": sum(p.grad_req != "null" for p in backbone)}


q2 = PredictionQuestion(
    "q2",
    "ex08",
    ["raises an error", "backbone parameters still learning"],
    _torch_habit_in_gluon,
    shape="'raises an error': True or False, 'backbone parameters still learning': a count",
    keys_are="outcomes",
    value_ok=lambda v: isinstance(v, (bool, int)),
    value_rule="each outcome is True/False (does it raise?) or a whole number (how many still learn?).",
    ask="Which attribute does Gluon read to decide whether a parameter gets a gradient, and what does Python do "
    "when you set an attribute a class never declared?",
    hints=[
        "Each framework reads its own switch: torch reads requires_grad on a tensor, Gluon reads grad_req on a "
        "Parameter. Python lets you set a new attribute on most objects without complaint.",
        "Lesson 08 shows each framework's switch in section '1. Three frameworks, three vocabularies'.",
        "Setting p.requires_grad on a Gluon Parameter only adds an unused attribute: nothing is raised, and every "
        "backbone parameter keeps the grad_req it had: count those that were not 'null' before the loop.",
    ],
    solution=(
        "before = sum(p.grad_req != 'null' for p in gluon_net.backbone.collect_params().values())\n"
        "predicted = {'raises an error': False, 'backbone parameters still learning': before}  # nothing frozen, nothing said"
    ),
)


def _check_gluon(net) -> None:
    from ..compat import import_mxnet

    mx = import_mxnet()
    expect(isinstance(net, mx.gluon.Block), f"expected the Gluon network, got {type(net).__name__}.")
    params = net.collect_params()
    learning = sorted(k for k, p in params.items() if p.grad_req != "null")
    expect(learning, "nothing learns any more: the head's parameters need grad_req 'write'.")
    head = sorted(net.head.collect_params().keys())
    expect(learning == head, f"only the head should get gradients; these do too: {[k for k in learning if k not in head]}.")


q3 = Question(
    "q3",
    _check_gluon,
    hints=[
        "Gluon freezes parameters through grad_req: 'write' learns, 'null' is frozen.",
        "Lesson 08 shows it in section '1. Three frameworks, three vocabularies'.",
        "for p in gluon_net.backbone.collect_params().values(): set p.grad_req.",
    ],
    solution="for p in gluon_net.backbone.collect_params().values():\n    p.grad_req = 'null'",
)


def _check_momentum(convert) -> None:
    expect(callable(convert), f"expected a function keras_momentum(torch_momentum), got {type(convert).__name__}.")
    for torch_m, keras_m in ((0.1, 0.9), (0.01, 0.99), (0.5, 0.5), (0.3, 0.7)):
        got = convert(torch_m)
        expect(isinstance(got, (int, float)), f"return a number, got {type(got).__name__}.")
        expect(
            abs(got - keras_m) < 1e-9,
            f"torch momentum {torch_m} weighs the new batch by {torch_m}; your Keras value {got} weighs it by {1 - got:g}.",
        )


q4 = Question(
    "q4",
    _check_momentum,
    hints=[
        "Both frameworks keep a running average, but they name opposite weights 'momentum'.",
        "Lesson 08 shows it in section '1. Three frameworks, three vocabularies'. It writes out both update rules.",
        "torch: running = (1 - m) * running + m * batch. Keras: running = m * running + (1 - m) * batch.",
    ],
    solution="def keras_momentum(torch_momentum):\n    return 1 - torch_momentum",
)


BATCHES = 10


@functools.lru_cache(maxsize=1)
def _running_means() -> dict:
    """A running mean that starts at 0, after BATCHES training batches whose mean is 1, with momentum=0.1 written
    in each framework (question 5), measured on real layers and rounded to 2 decimals."""
    import keras
    import numpy as np
    import torch

    bn = torch.nn.BatchNorm1d(1, momentum=0.1).train()
    x = torch.ones(4, 1)
    for _ in range(BATCHES):
        bn(x)
    layer = keras.layers.BatchNormalization(momentum=0.1)
    y = np.ones((4, 1), dtype="float32")
    for _ in range(BATCHES):
        layer(y, training=True)
    return {"torch": round(float(bn.running_mean[0]), 2), "keras": round(float(np.asarray(layer.moving_mean)[0]), 2)}


q5 = PredictionQuestion(
    "q5",
    "ex08",
    ["torch", "keras"],
    _running_means,
    shape="'torch': running mean, 'keras': running mean",
    keys_are="frameworks",
    value_ok=lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and round(v, 2) == v,
    value_rule="each running mean is a number rounded to 2 decimals, e.g. 0.42.",
    ask="Which framework's momentum is the weight of the new batch, and which the weight of the old running value?",
    hints=[
        "The same number, momentum=0.1, means 'keep 90% of the old value' in one framework and 'keep 10%' in the "
        "other. Repeat each update ten times from 0 towards 1.",
        "Lesson 08 writes out both update rules in section '1. Three frameworks, three vocabularies'.",
        "torch: r = 0.9 * r + 0.1 * 1, ten times: 1 - 0.9 ** 10. Keras: r = 0.1 * r + 0.9 * 1, ten times: 1 - 0.1 ** 10.",
    ],
    solution="predicted = {'torch': round(1 - 0.9**10, 2), 'keras': round(1 - 0.1**10, 2)}  # 0.65 and 1.0",
)
