"""Checks for exercise 07: fine-tuning in PyTorch."""

from __future__ import annotations

import functools

from . import Question, expect


def _check_head(net) -> None:
    import torch

    from .. import load

    expect(isinstance(net, torch.nn.Module), f"expected the torch network, got {type(net).__name__}.")
    head = getattr(net, "head", None)
    expect(isinstance(head, torch.nn.Linear), "net.head should be a torch.nn.Linear.")
    expect(head.in_features == 64, f"the head reads the 64 backbone features; yours reads {head.in_features}.")
    expect(head.out_features == 10, f"the new task has 10 classes; your head has {head.out_features} outputs.")
    fresh = load("digits-cnn-torch", progress=False)
    same = all(
        torch.equal(a, b) for a, b in zip(net.backbone.state_dict().values(), fresh.backbone.state_dict().values(), strict=True)
    )
    expect(same, "the backbone changed: replace only the head, keep the pretrained layers.")


q1 = Question(
    "q1",
    _check_head,
    hints=[
        "Reconfiguring the output layer means replacing only the head: a new layer with the backbone's width in and the new number of classes out.",
        "Lesson 07 shows it in section '1. Fine-tuning by hand'. It builds a 10-class network and prints its head.",
        "Assign a new torch.nn.Linear(in_features, out_features) to net.head.",
    ],
    solution="net.head = torch.nn.Linear(64, 10)",
)


def _check_frozen(net) -> None:
    trainable = sorted(name for name, p in net.named_parameters() if p.requires_grad)
    expect(trainable, "nothing is trainable any more: the last block and the head must still learn.")
    expect(
        all(n.startswith(("backbone.8.", "head.")) for n in trainable),
        f"only the last block (backbone.8, the 64-unit layer) and the head should train; also trainable: "
        f"{[n for n in trainable if not n.startswith(('backbone.8.', 'head.'))]}.",
    )
    expect(
        trainable == ["backbone.8.bias", "backbone.8.weight", "head.bias", "head.weight"],
        f"the last block and the head should both train; trainable now: {trainable}.",
    )


q2 = Question(
    "q2",
    _check_frozen,
    hints=[
        "Freezing is per parameter: switch requires_grad off everywhere, then back on for the parts that should learn.",
        "Lesson 07 shows it in section '2. The plans'. The partial plan freezes all but the last block.",
        "for p in net.parameters(): p.requires_grad = False; then True for net.backbone[8] and net.head's parameters.",
    ],
    solution="""for p in net.parameters():
    p.requires_grad = False
for p in [*net.backbone[8].parameters(), *net.head.parameters()]:
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


def _check_late_unfreeze(changed) -> None:
    expect(
        isinstance(changed, (set, frozenset, list, tuple)),
        f"changed should be a set of parameter names, got {type(changed).__name__}.",
    )
    names = [n for n, _ in _names()]
    unknown = [c for c in changed if c not in names]
    expect(not unknown, f"{unknown} are not parameter names of the network (net.named_parameters()).")
    truth = _changed_by_the_late_unfreeze()
    expect(set(changed) >= truth, "some parameters that the step changed are missing from your set.")
    expect(
        set(changed) <= truth,
        "requires_grad=True gives a parameter a gradient; does that put it in the optimizer?",
    )


def _names():
    from .. import load

    return list(load("digits-cnn-torch", progress=False).named_parameters())


q4 = Question(
    "q4",
    _check_late_unfreeze,
    hints=[
        "Two things must agree for a parameter to learn: it gets a gradient (requires_grad), and the optimizer holds it. "
        "The optimizer takes its list once, when you build it.",
        "Lesson 07 shows it in section '1. Fine-tuning by hand': it sets requires_grad first, then builds the optimizer.",
        "torch.optim.SGD([p for p in net.parameters() if p.requires_grad], ...) copies the list at that moment; "
        "later flags do not add to it.",
    ],
    solution='changed = {"head.weight", "head.bias"}  # backbone.8 gets gradients, but the optimizer never had it',
)
