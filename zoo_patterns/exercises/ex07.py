"""Checks for exercise 07: fine-tuning in PyTorch."""

from __future__ import annotations

import functools

import numpy as np

from . import PredictionQuestion, Question, expect


def _unseen_cnn(zoo_hidden: int):
    """A DigitsCNN of a width, hidden size and class count drawn fresh each call.

    Its hidden size is never ``zoo_hidden``, the zoo network's, so that a head typed with the lesson's width fails here.
    """
    from ..models.torch_digits import DigitsCNN

    rng = np.random.default_rng()
    hidden = int(rng.choice([h for h in range(20, 90) if h != zoo_hidden]))
    return DigitsCNN(num_classes=int(rng.integers(2, 9)), width=int(rng.integers(4, 12)), hidden=hidden)


def _check_head(replace_head) -> None:
    import torch

    from .. import load

    expect(callable(replace_head), f"expected a function replace_head(net, num_classes), got {type(replace_head).__name__}.")
    rng = np.random.default_rng()
    zoo_net = load("digits-cnn-torch", progress=False)
    for net, classes in ((zoo_net, 10), (_unseen_cnn(zoo_net.head.in_features), int(rng.integers(11, 40)))):
        backbone = {k: v.clone() for k, v in net.backbone.state_dict().items()}
        width = net.head.in_features
        out = replace_head(net, classes)
        expect(isinstance(out, torch.nn.Module), f"replace_head should return the network, got {type(out).__name__}.")
        head = getattr(out, "head", None)
        expect(isinstance(head, torch.nn.Linear), "the network's head should be a torch.nn.Linear.")
        expect(
            head.in_features == width,
            f"the head must read what the backbone gives ({'the check passed a network of another width; ' if classes != 10 else ''}"
            f"yours reads {head.in_features}): take the width from the network, not from the lesson.",
        )
        expect(head.out_features == classes, f"asked for {classes} classes, the new head has {head.out_features} outputs.")
        same = all(torch.equal(backbone[k], v) for k, v in out.backbone.state_dict().items())
        expect(same and out.backbone.state_dict().keys() == backbone.keys(), "the backbone changed: replace only the head.")


q1 = Question(
    "q1",
    _check_head,
    hints=[
        "Reconfiguring the output layer means replacing only the head: a new layer with the old head's input width "
        "in and the new number of classes out. The width is in the old head; don't type it in.",
        "Lesson 07 shows it in section '1. Fine-tuning by hand'. It builds a 10-class network and prints its head.",
        "net.head = torch.nn.Linear(net.head.in_features, num_classes); return net.",
    ],
    solution="""def replace_head(net, num_classes):
    net.head = torch.nn.Linear(net.head.in_features, num_classes)
    return net""",
)


def _unseen_mlp():
    """A network with a backbone of a depth drawn fresh each call, its last block at another index than DigitsCNN's."""
    import torch

    rng = np.random.default_rng()
    sizes = [int(s) for s in rng.integers(8, 40, size=int(rng.integers(2, 6)))]
    layers: list = []
    for a, b in zip(sizes, sizes[1:], strict=False):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    if rng.integers(2):
        layers.append(torch.nn.Dropout(0.1))  # a layer without parameters after the last block
    net = torch.nn.Module()
    net.backbone, net.head = torch.nn.Sequential(*layers), torch.nn.Linear(sizes[-1], 3)
    last = max(i for i, m in enumerate(layers) if isinstance(m, torch.nn.Linear))
    return net, {f"backbone.{last}.weight", f"backbone.{last}.bias", "head.weight", "head.bias"}


def _check_frozen(freeze_all_but_last) -> None:
    from .. import load

    expect(
        callable(freeze_all_but_last), f"expected a function freeze_all_but_last(net), got {type(freeze_all_but_last).__name__}."
    )
    zoo_net = load("digits-cnn-torch", progress=False)
    cases = [(zoo_net, {"backbone.8.weight", "backbone.8.bias", "head.weight", "head.bias"}), _unseen_mlp()]
    for number, (net, want) in enumerate(cases):
        rng = np.random.default_rng()
        while True:  # whatever state the network was left in, but not already the answer: doing nothing must fail
            for p in net.parameters():
                p.requires_grad = bool(rng.integers(2))
            if {name for name, p in net.named_parameters() if p.requires_grad} != want:
                break
        freeze_all_but_last(net)
        trainable = {name for name, p in net.named_parameters() if p.requires_grad}
        where = "the zoo's digits CNN" if number == 0 else "a network the check built, of another depth"
        expect(trainable, f"on {where} nothing is trainable any more: the last block and the head must still learn.")
        expect(
            trainable <= want,
            f"on {where}, {len(trainable - want)} parameter(s) besides the last block of the backbone and the head still train.",
        )
        expect(trainable == want, f"on {where}, the last block of the backbone and the head should both train.")


q2 = Question(
    "q2",
    _check_frozen,
    hints=[
        "Freezing is per parameter: switch requires_grad off everywhere, then back on for the parts that should learn. "
        "The last block is the last layer of the backbone that has parameters; find it, don't count to it.",
        "Lesson 07 shows it in section '1. Fine-tuning by hand': it switches requires_grad off for the frozen "
        "layers and calls the last block of the backbone fc.",
        "last = [m for m in net.backbone if list(m.parameters())][-1]; set requires_grad False on net.parameters(), then "
        "True on last.parameters() and net.head.parameters().",
    ],
    solution="""def freeze_all_but_last(net):
    for p in net.parameters():
        p.requires_grad = False
    last = [m for m in net.backbone if list(m.parameters())][-1]
    for p in [*last.parameters(), *net.head.parameters()]:
        p.requires_grad = True""",
)


def _check_l2(plan) -> None:
    from ..datasets import digits_transfer_task
    from ..transfer import TransferPlan, fit

    expect(isinstance(plan, TransferPlan), f"expected a TransferPlan, got {type(plan).__name__}.")
    expect(plan.base == "digits-cnn-torch", f"start from the pretrained digits-cnn-torch, not {plan.base!r}.")
    expect(plan.num_classes == 10, f"the task has 10 classes, the plan says {plan.num_classes}.")
    expect(plan.regularisation.weight_decay > 0, "no L2: set a positive weight_decay in Regularisation.")
    expect(
        plan.regularisation.weight_decay <= 0.5, "a weight decay that large wipes out the pretrained weights; try 1e-3 to 0.1."
    )
    _, history = fit("torch", plan, digits_transfer_task(labels_per_class=1, draw=0), progress=False)
    expect(history.final > 0.7, f"the plan trains to only {history.final:.3f}; is everything frozen?")


q3 = Question(
    "q3",
    _check_l2,
    hints=[
        "L2 regularisation is weight decay: it pulls weights towards zero; too much erases what was pretrained.",
        "Lesson 07 shows it in section '4. Regularisation'.",
        "TransferPlan.full('digits-cnn-torch', 10, head='extend', regularisation=Regularisation(weight_decay=...)) with a small positive value.",
    ],
    solution="plan_l2 = TransferPlan.full('digits-cnn-torch', 10, head='extend', regularisation=Regularisation(weight_decay=0.01))",
)


@functools.lru_cache(maxsize=1)
def _changed_by_the_late_unfreeze() -> frozenset:
    """Freeze all but the head, build the optimizer, *then* unfreeze backbone.8, and take one step (question 4)."""
    import torch

    from .. import load
    from ..datasets import digits_task

    torch.manual_seed(0)
    net = load("digits-cnn-torch", progress=False)
    for p in net.parameters():
        p.requires_grad = False
    for p in net.head.parameters():
        p.requires_grad = True
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    for p in net.backbone[8].parameters():  # the late unfreeze
        p.requires_grad = True
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    split = digits_task(seed=0)
    loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(split.x_train[:32])), torch.from_numpy(split.y_train[:32]))
    loss.backward()
    optimizer.step()
    return frozenset(n for n, p in net.named_parameters() if not torch.equal(before[n], p.detach()))


def _names():
    from .. import load

    return list(load("digits-cnn-torch", progress=False).named_parameters())


def _changed() -> dict:
    truth = _changed_by_the_late_unfreeze()
    return {name: name in truth for name, _ in _names()}


q4 = PredictionQuestion(
    "q4",
    "ex07",
    lambda: [name for name, _ in _names()],
    _changed,
    shape="parameter name: True (changed) or False",
    keys_are="parameters of net.named_parameters()",
    value_ok=lambda v: isinstance(v, bool),
    value_rule="each prediction is True (the step changed it) or False (it did not).",
    ask="requires_grad=True gives a parameter a gradient; does that put it in the optimizer?",
    hints=[
        "Two things must agree for a parameter to learn: it gets a gradient (requires_grad), and the optimizer holds it. "
        "The optimizer takes its list once, when you build it.",
        "Lesson 07 shows it in section '1. Fine-tuning by hand': it sets requires_grad first, then builds the optimizer.",
        "torch.optim.SGD([p for p in net.parameters() if p.requires_grad], ...) copies the list at that moment; "
        "later flags do not add to it.",
    ],
    solution="""changed = {name: name.startswith("head.") for name, _ in net.named_parameters()}
# backbone.8 gets gradients, but the optimizer never had it""",
)
