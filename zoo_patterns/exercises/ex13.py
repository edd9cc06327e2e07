"""Checks for exercise 13: the capstone, your model through every pattern of the workbook."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from . import Question, expect

NAME_HINT = "a lower-case name with '-' between words, e.g. 'ada-digits-cnn'"


@functools.lru_cache(maxsize=1)
def digits():
    from ..datasets import ALL_CLASSES, digits_task

    return digits_task(ALL_CLASSES, seed=0)


def noisy_digits(n_train: int = 400, sigma: float = 0.35, seed: int = 0):
    """The new domain of step 4: the same digits from a noisier scanner."""
    from ..datasets import Split

    split, rng = digits(), np.random.default_rng(seed)
    noisy = lambda x: np.clip(x + rng.normal(0, sigma, x.shape), 0, 1).astype(np.float32)  # noqa: E731
    return Split(noisy(split.x_train)[:n_train], split.y_train[:n_train], noisy(split.x_test), split.y_test, split.classes)


def train_my_model(width: int = 8, hidden: int = 32, epochs: int = 15):
    """Step 0: trains the DigitsCNN you chose, from scratch on all ten digits."""
    from ..models import torch_digits

    torch_digits.seed_everything(0)
    net = torch_digits.DigitsCNN(num_classes=10, width=width, hidden=hidden)
    torch_digits.train(net, digits(), epochs=epochs, seed=0)
    return net


WIDTHS, HIDDENS = (4, 8, 16), (16, 32, 64)
BUDGET_PARAMS, MIN_ACCURACY = 12_000, 0.90  # the stated rule of step 0: a phone app's size limit, and a quality bar


def params_of(width: int, hidden: int) -> int:
    """Parameters of the 10-class DigitsCNN with this width and hidden size (builds it; does not train it)."""
    from ..models import torch_digits

    return torch_digits.num_params(torch_digits.DigitsCNN(num_classes=10, width=width, hidden=hidden))


def _check_choice(width, hidden, net) -> None:
    from ..models import torch_digits

    expect(width in WIDTHS and hidden in HIDDENS, f"choose width from {WIDTHS} and hidden from {HIDDENS}.")
    n = params_of(width, hidden)
    expect(n <= BUDGET_PARAMS, f"width={width}, hidden={hidden} has {n:,} parameters: over the budget of {BUDGET_PARAMS:,}.")
    expect(
        isinstance(net, torch_digits.DigitsCNN), f"net should be the DigitsCNN train_my_model returns, got {type(net).__name__}."
    )
    expect(
        (net.config["width"], net.config["hidden"]) == (width, hidden),
        f"net was built with width={net.config['width']}, hidden={net.config['hidden']}, not the sizes you chose.",
    )
    accuracy = _accuracy(net, digits())
    expect(
        accuracy >= MIN_ACCURACY,
        f"it fits the budget, but its test accuracy is {accuracy:.3f}, under the bar of {MIN_ACCURACY}: choose another size.",
    )


q0 = Question(
    "q0",
    _check_choice,
    hints=[
        "A budget rule first removes what does not fit, then you pick among what is left by the quality you measure. "
        "Most of this network's parameters are in the Linear layer after the convolutions.",
        "Lesson 13 shows it in section '1. Your model'.",
        "params_of(width, hidden) counts without training: list it for every pair in WIDTHS x HIDDENS, keep those within "
        "BUDGET_PARAMS, train the largest with train_my_model(width=..., hidden=...) and check the bar.",
    ],
    solution="""print({(w, h): params_of(w, h) for w in WIDTHS for h in HIDDENS})  # keep those <= BUDGET_PARAMS
width, hidden = 8, 32
net = train_my_model(width=width, hidden=hidden)""",
)


def _accuracy(module, split) -> float:
    from ..models import torch_digits

    return torch_digits.accuracy(module, split.x_test, split.y_test)


def _check_card(card, net) -> None:
    from ..cards import ModelCard
    from ..zoo.publishing import check_card

    expect(isinstance(card, ModelCard), f"card should be a ModelCard, got {type(card).__name__}.")
    expect(card.name != "CHANGE-ME", f"give your model its own name: {NAME_HINT}.")
    try:
        check_card(card)
    except Exception as exc:  # the publisher's own refusal, word for word
        expect(False, str(exc))
    expect(card.num_params == sum(p.numel() for p in net.parameters()), "num_params: count the parameters of net.")
    try:
        reported = card.metric("accuracy")
    except KeyError:
        expect(False, "report the measured test accuracy as a Metric named 'accuracy'.")
    expect(abs(reported - _accuracy(net, digits())) < 1e-4, "the accuracy metric must be measured on digits().x_test, not typed.")


q1 = Question(
    "q1",
    _check_card,
    hints=[
        "A card is checked before it is published, and each refusal names one field and how to fix it; once it is "
        "accepted, its numbers must still be measured on the model, not typed.",
        "Lesson 13 measures a card's numbers in section '2. Its card', and shows the publisher refusing a card without "
        "a licence in section '3. Publish it'.",
        "base_card.replace(name=..., license=..., num_params=..., metrics=(Metric('accuracy', torch_digits.accuracy(net, ...), ...),))",
    ],
    solution=(
        "card = base_card.replace(name='ada-digits-cnn', license='Apache-2.0', num_params=torch_digits.num_params(net),\n"
        "    metrics=(Metric('accuracy', torch_digits.accuracy(net, digits().x_test, digits().y_test), 'sklearn digits 0-9'),))"
    ),
)


def _check_published(entry, zoo) -> None:
    import zoo_patterns as zp

    from ..loader.verify import sha256_file
    from ..zoo import read_index

    zoo = Path(zoo)
    expect(isinstance(entry, dict) and "name" in entry, "entry is what publish(...) returns.")
    # an entry of the workbook's own zoo passes every test below, with nothing published
    expect(zoo.resolve() != Path(zp.zoo_dir()).resolve(), "publish into my_zoo, your own zoo, not the workbook's.")
    expect(entry["name"] not in zp.registry().list(), f"{entry['name']!r} is a workbook model: publish your own model.")
    try:
        index = read_index(zoo)
    except FileNotFoundError:
        expect(False, f"{zoo} has no index.json: publish into my_zoo.")
    names = [m["name"] for m in index["models"]]
    expect(entry["name"] in names, f"{entry['name']} is not in {zoo}/index.json; it has {names}.")
    for f in entry["files"]:
        expect(sha256_file(zoo / f["path"]) == f["sha256"], f"{f['path']} does not match its sha256 in the index.")
    expect(any(f["path"].endswith(".safetensors") for f in entry["files"]), "the weights should be published as safetensors.")


q2 = Question(
    "q2",
    _check_published,
    hints=[
        "Publishing writes the weights and an index entry with each file's sha256; the loader later checks those hashes.",
        "Lesson 13 shows it in section '3. Publish it'.",
        "from zoo_patterns.zoo import publish; publish(net, card, zoo=my_zoo)",
    ],
    solution="entry = publish(net, card, zoo=my_zoo)",
)


def _cached_weights(cache) -> list[dict]:
    """The state dicts of every safetensors file the loader wrote into the snapshots of ``cache``."""
    from safetensors.torch import load_file

    return [load_file(str(f)) for f in sorted((Path(cache) / "snapshots").rglob("*.safetensors"))]


def _same_weights(module, state: dict) -> bool:
    mine = module.state_dict()
    return set(state) <= set(mine) and all(mine[k].shape == v.shape and bool((mine[k] == v).all()) for k, v in state.items())


def _check_loaded(loaded, net, cache) -> None:
    import torch

    expect(loaded is not net, "load it back through the loader (zp.load), do not reuse net.")
    expect(isinstance(loaded, torch.nn.Module), "zp.load without adapt=True returns the torch module.")
    # a copy of net (copy.deepcopy) computes the same thing: only the cache shows that the loader fetched the files
    expect(
        any(_same_weights(loaded, state) for state in _cached_weights(cache)),
        f"{cache} holds no snapshot with these weights: load the published name with cache=str(cache).",
    )
    x = torch.from_numpy(digits().x_test[:16])
    with torch.inference_mode():
        diff = float((loaded.eval()(x) - net.eval()(x)).abs().max())
    expect(diff < 1e-6, f"the loaded model differs from yours by {diff:.2e}: did you load the published name?")


q3 = Question(
    "q3",
    _check_loaded,
    hints=[
        "Load it back the way anyone else would: through the server and the loader, into a fresh cache.",
        "Lesson 13 shows it in section '4. Serve, fetch, adapt'.",
        "server = ZooServer(my_zoo); url = server.start(); zp.load(card.name, zoo=url, cache=str(cache), progress=False)",
    ],
    solution="server = ZooServer(my_zoo)\nurl = server.start()\nloaded = zp.load(card.name, zoo=url, cache=str(cache), progress=False)",
)


def _check_tuned(tuned, loaded) -> None:
    split = noisy_digits()
    expect(tuned is not loaded, "fine-tuning should give a new model; this is the loaded one, unchanged.")
    before, after = _accuracy(loaded, split), _accuracy(tuned, split)
    expect(after > before + 0.03, f"noisy accuracy {before:.3f} -> {after:.3f}: train on noisy.x_train, more epochs.")


q4 = Question(
    "q4",
    _check_tuned,
    hints=[
        "Fine-tuning starts from your loaded model and trains on the new domain's data, giving a new model.",
        "Lesson 13 shows it in section '5. Fine-tune it to a new domain'.",
        "TransferPlan.partial(card.name, 10, epochs=20, seed=0), then torch_trainer.fit(plan, noisy, start_from=loaded, progress=False).",
    ],
    solution=(
        "plan = TransferPlan.partial(card.name, 10, epochs=20, seed=0)\n"
        "tuned, history = torch_trainer.fit(plan, noisy, start_from=loaded, progress=False)"
    ),
)


def _check_small(small, tuned) -> None:
    from ..optimize.bench import torch_size_mb

    ratio = torch_size_mb(tuned) / torch_size_mb(small)
    expect(ratio > 1.5, f"only {ratio:.2f}x smaller: quantise the Linear layers to int8 (torch_dynamic_int8).")
    split = noisy_digits()
    expect(_accuracy(small, split) > _accuracy(tuned, split) - 0.02, "the quantised model lost more than 2 points.")


q5 = Question(
    "q5",
    _check_small,
    hints=[
        "Most of the weights are in the Linear layers; dynamic int8 stores them in a quarter of the bytes.",
        "Lesson 13 shows it in section '6. Quantise and convert it'. Lesson 10's section '4. Every method, one table: the digits CNN' has the methods.",
        "from zoo_patterns.optimize.quantize import torch_dynamic_int8",
    ],
    solution="small = torch_dynamic_int8(tuned)",
)


def _check_audit(tuned_card, card) -> None:
    from ..audit import audit_cards, parent_of
    from ..cards import ModelCard
    from ..index import version_key

    expect(isinstance(tuned_card, ModelCard), "tuned_card should be a ModelCard (derived_card(...) makes one).")
    expect(
        tuned_card.name == card.name,
        "publish the fine-tuned weights as a new version of your model, so users who pinned the first keep it: keep its name.",
    )
    expect(
        version_key(tuned_card.version) > version_key(card.version),
        f"version {tuned_card.version!r} is not newer than {card.version!r} in semantic-version order; a bare name would not pick it.",
    )
    expect(parent_of(tuned_card) == (card.name, card.version), "its provenance must name its parent, your published model.")
    findings = audit_cards([card, tuned_card])
    expect(not findings, "the provenance audit finds: " + "; ".join(map(str, findings)))


q6 = Question(
    "q6",
    _check_audit,
    hints=[
        "The fine-tuned weights are the next version of the same model: same name, a newer version, and a provenance that names the version it came from.",
        "Lesson 13 shows it in section '7. A new version beside the first'.",
        "derived_card(card, 'torch', [Metric('accuracy', ..., 'noisy digits')], how, name=card.name, verb='fine-tuned').replace(version=...)",
    ],
    solution=(
        "tuned_card = derived_card(card, 'torch', [Metric('accuracy', torch_digits.accuracy(tuned, noisy.x_test, noisy.y_test), "
        "'noisy digits')], 'partial plan on 400 noisy images', name=card.name, verb='fine-tuned')"
        ".replace(version=f'{major}.{int(minor) + 1}.0')  # major, minor, _ = card.version.split('.')"
    ),
)


def _check_both(both, net, tuned, zoo) -> None:
    import torch

    from ..zoo import read_index

    expect(isinstance(both, (tuple, list)) and len(both) == 2, "both should be a pair: (the first version, the newest).")
    # handing back the two objects you already hold proves nothing: they must come out of the zoo
    expect(
        both[0] is not net and both[1] is not tuned and both[0] is not tuned and both[1] is not net,
        "both holds the models you already had in memory: load each one from my_zoo with zp.load.",
    )
    try:
        index = read_index(Path(zoo))
    except FileNotFoundError:
        expect(False, f"{zoo} has no index.json: publish into my_zoo.")
    by_name: dict[str, list[str]] = {}
    for m in index["models"]:
        by_name.setdefault(m["name"], []).append(m["version"])
    expect(
        any(len(versions) >= 2 for versions in by_name.values()),
        f"{zoo} holds one version of each model ({by_name}): publish the fine-tuned weights under the same name.",
    )
    x = torch.from_numpy(noisy_digits().x_test[:16])
    for model, want, which in ((both[0], net, "the first version"), (both[1], tuned, "the newest version")):
        expect(isinstance(model, torch.nn.Module), f"load {which} with zp.load (a torch module), not {type(model).__name__}.")
        with torch.inference_mode():
            diff = float((model.eval()(x) - want.eval()(x)).abs().max())
        expect(
            diff < 1e-5,
            f"{which} computes something else (max difference {diff:.2e}): is it published, and which ref did you load?",
        )


q7 = Question(
    "q7",
    _check_both,
    hints=[
        "Once the second version is published, a bare name means the newest; the first is still there for anyone who pins it.",
        "Lesson 13 shows it in section '7. A new version beside the first'.",
        "publish(tuned, tuned_card, zoo=my_zoo); then zp.load(f'{card.name}@{card.version}', ...) and zp.load(card.name, ...)",
    ],
    solution=(
        "publish(tuned, tuned_card, zoo=my_zoo)\n"
        "both = (zp.load(f'{card.name}@{card.version}', zoo=str(my_zoo), cache=str(cache), progress=False),\n"
        "        zp.load(card.name, zoo=str(my_zoo), cache=str(cache), progress=False))"
    ),
)
