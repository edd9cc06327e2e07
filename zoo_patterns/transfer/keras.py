"""Run a :class:`TransferPlan` in Keras 3 on the zoo's digits CNN (TensorFlow backend).

Freezing is ``layer.trainable = False``. In Keras 3 that also switches a
BatchNormalization layer to inference mode (its running statistics stop
updating), so frozen BN behaves like torch's ``eval()`` without extra work.
One optimizer per parameter group gives per-group learning rates; a plain
``GradientTape`` loop keeps the steps visible.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from ..datasets import Split
from .history import EarlyStopping, History
from .plan import TransferPlan

GROUP_LAYERS = {"convs": ("conv1", "bn1", "conv2", "bn2"), "fc": ("fc",), "head": ("head",)}


def build(plan: TransferPlan):
    import keras

    from .. import load
    from ..models import keras_digits

    keras.utils.set_random_seed(plan.seed)
    dropout = plan.regularisation.dropout
    net = keras_digits.build_net(plan.num_classes, **({"dropout": dropout} if dropout is not None else {}))
    if plan.base is None:
        return net
    pretrained = load(plan.base, progress=False)
    if not isinstance(pretrained, keras.Model):  # a torch digits CNN: same architecture, convert its weights
        from ..convert import torch_to_keras

        pretrained = torch_to_keras(pretrained)
    for layer in pretrained.layers:
        if layer.weights and layer.name != "head":
            net.get_layer(layer.name).set_weights(layer.get_weights())
    if plan.head == "extend":
        kernel, bias = net.get_layer("head").get_weights()
        old_kernel, old_bias = pretrained.get_layer("head").get_weights()
        kernel[:, : old_kernel.shape[1]], bias[: old_bias.shape[0]] = old_kernel, old_bias
        net.get_layer("head").set_weights([kernel, bias])
    return net


def _accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray(net(x, training=False)).argmax(1) == y).mean())


def _make_step(net, layers, optimizers, loss_fn, active: list[str], l1: float):
    import tensorflow as tf

    per_group = {g: [w for layer in layers[g] for w in layer.trainable_weights] for g in active}
    flat = [w for ws in per_group.values() for w in ws]

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, net(x, training=True))
            if l1:
                loss += l1 * tf.add_n([tf.reduce_sum(tf.abs(w)) for w in flat if len(w.shape) > 1])
        grads = iter(tape.gradient(loss, flat))
        for g, weights in per_group.items():  # each group steps with its own optimizer, so its own learning rate
            optimizers[g].apply_gradients([(next(grads), w) for w in weights])
        return loss

    return step


def fit(plan: TransferPlan, split: Split, *, validation: Split | None = None, progress: bool = True, label: str = ""):
    import keras
    from tqdm.auto import trange

    start = time.perf_counter()
    net = build(plan)
    data = split.nhwc()  # Keras convolutions are channels-last
    val = validation.nhwc() if validation is not None else None
    reg = plan.regularisation
    layers = {g: [net.get_layer(n) for n in GROUP_LAYERS[g]] for g in plan.groups}
    optimizers = {g: keras.optimizers.AdamW(plan.lr_for(g), weight_decay=reg.weight_decay) for g in plan.groups}
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rng = np.random.default_rng(plan.seed)
    history = History(label or plan.describe())
    stopper = EarlyStopping(reg.early_stopping)
    steps: dict = {}
    for epoch in trange(1, plan.epochs + 1, desc=label or "keras", leave=False, disable=not progress):
        active = plan.trainable_at(epoch)
        for g, group in layers.items():
            for layer in group:
                layer.trainable = g in active
        key = frozenset(active)
        if key not in steps:  # one traced graph per set of trainable groups (retracing every step would be slow)
            steps[key] = _make_step(net, layers, optimizers, loss_fn, sorted(active), reg.l1)
        total, order = 0.0, rng.permutation(len(data.y_train))
        for i in range(0, len(order), plan.batch_size):
            idx = order[i : i + plan.batch_size]
            total += float(steps[key](data.x_train[idx], data.y_train[idx])) * len(idx)
        history.loss.append(total / len(order))
        history.test_accuracy.append(_accuracy(net, data.x_test, data.y_test))
        if val is not None:
            history.val_accuracy.append(_accuracy(net, val.x_test, val.y_test))
        if stopper.step(history, save=lambda: copy.deepcopy(net.get_weights())):
            net.set_weights(stopper.best_state)
            break
    history.seconds = time.perf_counter() - start
    return net, history
