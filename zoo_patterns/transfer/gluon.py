"""Run a :class:`TransferPlan` in MXNet Gluon on the zoo's digits CNN.

Freezing is ``param.grad_req = "null"`` (no gradient is even allocated).
For BatchNorm that is half of torch's ``eval()``: MXNet 1.9 updates a
BatchNorm's running statistics in its backward pass, and autograd records no
backward for a block when none of its inputs or parameters need a gradient,
so frozen BatchNorm layers with nothing trainable below them keep their
statistics (``tests/test_transfer.py``). Inside ``autograd.record()`` they
still normalise with the *batch's* statistics, not the running ones; only
``use_global_stats=True`` would do that (lesson 08 measures both).
One ``gluon.Trainer`` per group gives per-group learning rates. MXNet 1.9 has
no AdamW optimizer (its Adam's ``wd`` is an L2 term added to the gradient), so
decoupled weight decay is applied by hand before each step, as torch's AdamW
does: ``w -= lr * weight_decay * w``.
"""

from __future__ import annotations

import time

import numpy as np

from ..compat import import_mxnet
from ..datasets import Split
from .history import EarlyStopping, History
from .plan import TransferPlan


def _groups(net) -> dict:
    return {"convs": list(net.backbone)[:6], "fc": [list(net.backbone)[8]], "head": [net.head]}


def build(plan: TransferPlan):
    mx = import_mxnet()
    from .. import load
    from ..models import gluon_digits

    gluon_digits.seed_everything(plan.seed)
    dropout = plan.regularisation.dropout
    net = gluon_digits.build_net(plan.num_classes, **({"dropout": dropout} if dropout is not None else {}))
    if plan.base is None:
        return net
    pretrained = load(plan.base, progress=False)
    if not isinstance(pretrained, mx.gluon.Block):  # a torch digits CNN: same layouts, copy its weights across
        from ..convert import torch_to_gluon

        pretrained = torch_to_gluon(pretrained)
    for new, old in zip(list(net.backbone), list(pretrained.backbone), strict=True):
        for (_, p_new), (_, p_old) in zip(
            sorted(new.collect_params().items()), sorted(old.collect_params().items()), strict=True
        ):
            p_new.set_data(p_old.data())
    if plan.head == "extend":
        for (_, p_new), (_, p_old) in zip(
            sorted(net.head.collect_params().items()), sorted(pretrained.head.collect_params().items()), strict=True
        ):
            data = p_new.data().asnumpy()
            data[: p_old.shape[0]] = p_old.data().asnumpy()
            p_new.set_data(mx.nd.array(data))
    return net


def _accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    mx = import_mxnet()
    return float((net(mx.nd.array(x)).argmax(axis=1).asnumpy() == y).mean())


def fit(plan: TransferPlan, split: Split, *, validation: Split | None = None, progress: bool = True, label: str = ""):
    mx = import_mxnet()
    from mxnet import autograd, gluon
    from tqdm.auto import trange

    start = time.perf_counter()
    net = build(plan)
    groups = _groups(net)
    reg = plan.regularisation
    params = {g: {k: p for block in groups[g] for k, p in block.collect_params().items()} for g in plan.groups}
    trainers = {g: gluon.Trainer(params[g], "adam", {"learning_rate": plan.lr_for(g)}) for g in plan.groups if params[g]}
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.default_rng(plan.seed)
    history = History(label or plan.describe())
    stopper = EarlyStopping(reg.early_stopping)
    for epoch in trange(1, plan.epochs + 1, desc=label or "gluon", leave=False, disable=not progress):
        active = plan.trainable_at(epoch)
        for g, block_params in params.items():
            for p in block_params.values():
                if p.name.endswith(("running_mean", "running_var")):
                    continue  # statistics, never trained by gradient
                p.grad_req = "write" if g in active else "null"
        total, order = 0.0, rng.permutation(len(split.y_train))
        for i in range(0, len(order), plan.batch_size):
            idx = order[i : i + plan.batch_size]
            x, y = mx.nd.array(split.x_train[idx]), mx.nd.array(split.y_train[idx])
            with autograd.record():
                loss = loss_fn(net(x), y).mean()
                if reg.l1:
                    loss = loss + reg.l1 * sum(
                        p.data().abs().sum()
                        for g in active
                        for p in params[g].values()
                        if p.grad_req != "null" and len(p.shape) > 1
                    )
            loss.backward()
            for g in active:
                if g in trainers:
                    if reg.weight_decay:  # decoupled (AdamW): shrink the weights, not the gradient
                        for p in params[g].values():
                            if p.grad_req != "null":
                                p.set_data(p.data() * (1 - plan.lr_for(g) * reg.weight_decay))
                    trainers[g].step(1, ignore_stale_grad=True)  # the loss is already a mean
            total += float(loss.asscalar()) * len(idx)
        history.loss.append(total / len(order))
        history.test_accuracy.append(_accuracy(net, split.x_test, split.y_test))
        if validation is not None:
            history.val_accuracy.append(_accuracy(net, validation.x_test, validation.y_test))
        if stopper.step(history, save=lambda: {k: p.data().copy() for k, p in net.collect_params().items()}):
            for k, p in net.collect_params().items():
                p.set_data(stopper.best_state[k])
            break
    history.seconds = time.perf_counter() - start
    return net, history
