"""Run a :class:`TransferPlan` in PyTorch on the zoo's digits CNN.

Freezing is ``param.requires_grad = False``, and the frozen layers are also put
in ``eval()`` mode: otherwise BatchNorm keeps updating its running statistics
from a handful of new images, which quietly undoes the pretraining even though
no weight receives a gradient.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from ..datasets import Split
from .history import EarlyStopping, History
from .plan import TransferPlan


def layer_groups(net) -> dict:
    """The plan's groups (convs, fc, head) as modules of a DigitsCNN."""
    return {"convs": net.backbone[:6], "fc": net.backbone[8], "head": net.head}


def build(plan: TransferPlan):
    """The network a plan starts from: pretrained weights (minus the head, or extended) or random ones."""
    import torch

    from .. import load
    from ..models.torch_digits import DigitsCNN

    if plan.base is not None:
        from ..zoo import ensure_built_once

        ensure_built_once()  # a first-time zoo build draws random numbers: let it happen before seeding
    torch.manual_seed(plan.seed)
    dropout = plan.regularisation.dropout
    if plan.base is None:
        return DigitsCNN(plan.num_classes, **({"dropout": dropout} if dropout is not None else {}))
    pretrained = load(plan.base, progress=False)
    config = {**pretrained.config, "num_classes": plan.num_classes, **({"dropout": dropout} if dropout is not None else {})}
    net = DigitsCNN(**config)
    state = pretrained.state_dict()
    net.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")}, strict=False)
    if plan.head == "extend":  # keep what the old head knows about its classes; new rows start random
        known = state["head.weight"].shape[0]
        with torch.no_grad():
            net.head.weight[:known] = state["head.weight"]
            net.head.bias[:known] = state["head.bias"]
    return net


def _accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    import torch

    net.eval()
    device = next(net.parameters()).device
    with torch.inference_mode():
        return float((net(torch.from_numpy(x).to(device)).argmax(1).cpu().numpy() == y).mean())


def fit(
    plan: TransferPlan, split: Split, *, validation: Split | None = None, progress: bool = True, label: str = "", start_from=None
):
    """Train by the plan; returns ``(network, History)``. Deterministic for a given plan.seed.

    ``start_from`` trains that DigitsCNN (a pruned one, lesson 10) instead of building one from the plan.
    """
    import torch
    from torch import nn
    from tqdm.auto import trange

    from ..settings import device as pick_device

    start = time.perf_counter()
    device = pick_device()  # cuda when torch sees a GPU, else cpu; ZOO_PATTERNS_DEVICE overrides
    torch.manual_seed(plan.seed)
    net = (copy.deepcopy(start_from) if start_from is not None else build(plan)).to(device)
    groups = layer_groups(net)
    reg = plan.regularisation
    optimizer = torch.optim.AdamW(
        [{"params": list(groups[g].parameters()), "lr": plan.lr_for(g)} for g in plan.groups], weight_decay=reg.weight_decay
    )
    gen = torch.Generator().manual_seed(plan.seed)
    x, y = torch.from_numpy(split.x_train).to(device), torch.from_numpy(split.y_train).to(device)
    history = History(label or plan.describe())
    stopper = EarlyStopping(reg.early_stopping)
    for epoch in trange(1, plan.epochs + 1, desc=label or "torch", leave=False, disable=not progress):
        active = plan.trainable_at(epoch)
        net.train()
        for name, module in groups.items():
            for p in module.parameters():
                p.requires_grad = name in active
            if name not in active:
                module.eval()  # frozen BatchNorm keeps its pretrained statistics
        total, order = 0.0, torch.randperm(len(x), generator=gen).to(device)
        for i in range(0, len(x), plan.batch_size):
            idx = order[i : i + plan.batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
            if reg.l1:
                loss = loss + reg.l1 * sum(p.abs().sum() for p in net.parameters() if p.requires_grad and p.ndim > 1)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        history.loss.append(total / len(x))
        history.test_accuracy.append(_accuracy(net, split.x_test, split.y_test))
        if validation is not None:
            history.val_accuracy.append(_accuracy(net, validation.x_test, validation.y_test))
        if stopper.step(history, save=lambda: copy.deepcopy(net.state_dict())):
            net.load_state_dict(stopper.best_state)  # the best epoch's weights, not the last ones
            break
    history.seconds = time.perf_counter() - start
    return net.cpu().eval(), history
