"""The transfer-learning workflow: plans, the three trainers' freezing, schedules, early stopping, evaluation."""

from __future__ import annotations

import numpy as np
import pytest

import zoo_patterns as zp
from zoo_patterns.datasets import digits_transfer_task, helpdesk_task
from zoo_patterns.transfer import History, Regularisation, TransferPlan, evaluate, fit, mean_history

BASE = "digits-cnn-torch"


@pytest.fixture(scope="module")
def task():
    zp.quiet()
    return digits_transfer_task(labels_per_class=2, draw=0)


# -- the plan -----------------------------------------------------------------------------------
def test_plans_refuse_what_cannot_work():
    with pytest.raises(ValueError, match="unknown group"):
        TransferPlan(BASE, 10, trainable=("head", "decoder"))
    with pytest.raises(ValueError, match="from scratch"):
        TransferPlan(None, 10, trainable=("head",))
    with pytest.raises(ValueError, match="'new'.*'extend'"):
        TransferPlan(BASE, 10, head="replace")


def test_unfreeze_schedule_and_description():
    plan = TransferPlan(BASE, 10, trainable=("head",), unfreeze=((3, "fc"), (5, "convs")))
    assert (
        plan.trainable_at(1) == {"head"}
        and plan.trainable_at(3) == {"head", "fc"}
        and plan.trainable_at(9) == {"head", "fc", "convs"}
    )
    text = plan.describe()
    assert "frozen: fc, convs" in text and "fc from epoch 3" in text
    assert TransferPlan.frozen(BASE, 10).trainable == ("head",) and TransferPlan.partial(BASE, 10).trainable == ("fc", "head")


def test_evaluate_matches_scikit_learn():
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    p[:5] = 3  # and a class never predicted correctly would give 0, not NaN
    report = evaluate(y, p, ["a", "b", "c", "d"])
    precision, recall, f1, _ = precision_recall_fscore_support(y, p, zero_division=0)
    assert np.array_equal(report.confusion, confusion_matrix(y, p))
    assert np.allclose(report.precision, precision) and np.allclose(report.recall, recall) and np.allclose(report.f1, f1)
    assert report.accuracy == pytest.approx((y == p).mean())
    assert "macro F1" in report.table()


def test_history_helpers():
    a = History("a", [1.0, 0.5], [0.2, 0.6])
    b = History("b", [1.0], [0.4])
    assert a.epochs_to_reach(0.5) == 2 and a.epochs_to_reach(0.9) is None
    assert mean_history([a, b]).test_accuracy == pytest.approx([0.3, 0.5])  # b padded with its last value


# -- freezing is real in every framework ---------------------------------------------------------------
def _torch_weights(net, prefix):
    return {k: v.clone() for k, v in net.state_dict().items() if k.startswith(prefix)}


def test_torch_frozen_layers_and_their_batchnorm_statistics_do_not_move(task):
    import torch

    from zoo_patterns.transfer.torch import build

    plan = TransferPlan.partial(BASE, 10, head="extend", epochs=3)
    before = _torch_weights(build(plan), "backbone.")
    net, history = fit("torch", plan, task, progress=False)
    after = _torch_weights(net, "backbone.")
    convs = [k for k in before if k.split(".")[1] in "012345"]
    assert convs and all(torch.equal(before[k], after[k]) for k in convs)  # includes BN running_mean / running_var
    assert not torch.equal(before["backbone.8.weight"], after["backbone.8.weight"])
    assert len(history.loss) == 3 and len(history.test_accuracy) == 3


def test_extend_keeps_the_pretrained_rows_of_the_head():
    import torch

    from zoo_patterns.transfer.torch import build

    pretrained = zp.load(BASE, progress=False)
    net = build(TransferPlan.full(BASE, 10, head="extend"))
    assert torch.equal(net.head.weight[:5], pretrained.head.weight) and net.head.weight.shape == (10, 64)
    assert not torch.equal(build(TransferPlan.full(BASE, 10)).head.weight[:5], pretrained.head.weight)


def test_torch_unfreezing_on_schedule(task):
    import torch

    from zoo_patterns.transfer.torch import build

    plan = TransferPlan(BASE, 10, trainable=("head",), unfreeze=((3, "convs"),), epochs=2)
    start = build(plan).backbone[0].weight.clone()
    assert torch.equal(fit("torch", plan, task, progress=False)[0].backbone[0].weight, start)  # not reached yet
    assert not torch.equal(fit("torch", plan.replace(epochs=3), task, progress=False)[0].backbone[0].weight, start)


def test_keras_frozen_layers_do_not_move(task):
    from zoo_patterns.transfer.keras import build

    plan = TransferPlan.frozen(BASE, 10, head="extend", epochs=2)
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in build(plan).layers}
    net, _ = fit("keras", plan, task, progress=False)
    for name in ("conv1", "bn1", "conv2", "bn2", "fc"):
        assert all(np.array_equal(a, b) for a, b in zip(before[name], net.get_layer(name).get_weights(), strict=True)), name
    assert not np.array_equal(before["head"][0], net.get_layer("head").get_weights()[0])


def test_gluon_frozen_layers_and_statistics_do_not_move(task):
    from zoo_patterns.transfer.gluon import build

    plan = TransferPlan.frozen(BASE, 10, head="extend", epochs=2)
    before = {k: p.data().asnumpy().copy() for k, p in build(plan).collect_params().items()}
    net, _ = fit("gluon", plan, task, progress=False)
    after = {k: p.data().asnumpy() for k, p in net.collect_params().items()}
    frozen = [k for k in before if "head" not in k]
    assert any("running_mean" in k for k in frozen)
    # parameter names carry a per-instance prefix: compare in order
    for (k0, v0), (k1, v1) in zip(sorted(before.items()), sorted(after.items()), strict=True):
        if "head" in k0:
            continue
        assert np.array_equal(v0, v1), k1
    assert not all(
        np.array_equal(v0, v1)
        for (k0, v0), (_, v1) in zip(sorted(before.items()), sorted(after.items()), strict=True)
        if "head" in k0
    )


@pytest.mark.parametrize("framework", ["torch", "keras", "gluon"])
def test_early_stopping_stops_and_restores_the_best_epoch(task, framework):
    plan = TransferPlan.full(
        BASE,
        10,
        head="extend",
        epochs=25,
        lr=(("head", 0.3), ("fc", 0.3), ("convs", 0.3)),
        regularisation=Regularisation(early_stopping=2),
    )
    _, history = fit(framework, plan, task, progress=False)
    assert history.stopped_early is not None and len(history.loss) == history.stopped_early < 25


def test_the_same_plan_transfers_in_all_three_frameworks(task):
    """Pretrained beats scratch in each framework on the same small task (the lessons assert the full numbers)."""
    for framework in ("torch", "keras", "gluon"):
        scratch = fit(framework, TransferPlan.scratch(10, epochs=15), task, progress=False)[1].final
        tuned = fit(framework, TransferPlan.full(BASE, 10, head="extend", epochs=15), task, progress=False)[1].final
        assert tuned > scratch + 0.05, (framework, scratch, tuned)


# -- text ----------------------------------------------------------------------------------------------
def test_minilm_head_beats_bag_of_words_and_keeps_the_encoder_frozen():
    import torch

    from zoo_patterns.transfer.text import bag_of_words_baseline, text_plan

    split = helpdesk_task()
    model, history = fit("text", text_plan(len(split.labels), epochs=150), split, progress=False)
    reference = zp.load("minilm-l6", progress=False)
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.encoder.native.state_dict().values(), reference.state_dict().values(), strict=True)
    )
    accuracy = float((model.predict(split.test_texts) == split.y_test).mean())
    bow = float((bag_of_words_baseline(split) == split.y_test).mean())
    assert accuracy == pytest.approx(history.final) and accuracy >= 0.85 and accuracy >= bow + 0.05
