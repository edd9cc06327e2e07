"""Checks for exercise 09: moving models between frameworks."""

from __future__ import annotations

import numpy as np

from . import Question, expect

SEED = 9


def torch_linear():
    """The torch layer of question 1: Linear(6 -> 3), seeded."""
    import torch

    torch.manual_seed(SEED)
    return torch.nn.Linear(6, 3).eval()


def _check_dense(weights) -> None:
    import keras
    import torch

    expect(isinstance(weights, (list, tuple)) and len(weights) == 2, "give Keras a list of two arrays: [kernel, bias].")
    kernel, bias = (np.asarray(w, dtype="float32") for w in weights)
    expect(kernel.shape == (6, 3), f"a Keras Dense kernel is (inputs, outputs) = (6, 3); yours is {kernel.shape}.")
    dense = keras.layers.Dense(3)
    dense.build((None, 6))
    dense.set_weights([kernel, bias])
    x = np.random.default_rng(0).random((5, 6), dtype=np.float32)
    with torch.no_grad():
        expected = torch_linear()(torch.from_numpy(x)).numpy()
    diff = float(np.abs(np.asarray(dense(x)) - expected).max())
    expect(diff <= 1e-5, f"the Keras layer's outputs differ from torch's by up to {diff:.2e}; check which axis is which.")


q1 = Question(
    "q1",
    _check_dense,
    hints=[
        "The same weights, stored with the axes the other way round: torch keeps (out, in), Keras (in, out).",
        "Lesson 09 shows the same idea for a convolution in section '2. One rule by hand: a convolution into Keras'.",
        "[linear.weight.detach().numpy().T, linear.bias.detach().numpy()]",
    ],
    solution="keras_weights = [linear.weight.detach().numpy().T, linear.bias.detach().numpy()]",
)


def mystery():
    """A torch model and a Keras conversion of it with one wrong rule (which one is the exercise)."""
    import torch
    from torch import nn

    from ..cards import TensorSpec
    from ..convert import convert
    from ..convert.traps import TRAPS

    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
        nn.Flatten(), nn.Linear(6 * 4 * 4, 16), nn.ReLU(), nn.Linear(16, 4),
    )  # fmt: skip
    with torch.no_grad():
        model[3].running_var.uniform_(0.01, 0.1)
    model.eval()
    spec = TensorSpec("image", ("batch", "channel", "height", "width"), (None, 1, 8, 8), "float32", "NCHW")
    return model, convert(model, "keras", input_spec=spec, rules=TRAPS["BatchNorm epsilon"], check=False)


def _check_divergent(index) -> None:
    expect(
        isinstance(index, (int, np.integer)) and not isinstance(index, bool), f"expected a layer number (an int), got {index!r}."
    )
    from ..convert import ParityError, parity, probe_inputs

    model, keras_model = mystery()
    try:
        parity(model, keras_model, probe_inputs((1, 8, 8)))
        truth = None
    except ParityError as error:
        truth = int(error.report.divergent.split()[1])
    expect(truth is not None, "the mystery conversion passed parity: please report this.")
    if index < truth:
        expect(False, f"layer {index} still agrees to 1e-5; the first layer that differs comes later.")
    expect(index == truth, f"layer {index} differs, but it is not the first: look at the layers before it.")


q2 = Question(
    "q2",
    _check_divergent,
    hints=[
        "Parity compares the two models layer by layer; the first layer that disagrees is where the bug is, the later ones only inherit it.",
        "Lesson 09 shows it in section '3. Four mistakes, each caught and located'.",
        "Run parity(model, keras_model, probe_inputs((1, 8, 8))) in try/except ParityError; error.report.divergent reads 'layer N (...)'.",
    ],
    solution=(
        "try:\n    parity(model, keras_model, probe_inputs((1, 8, 8)))\nexcept ParityError as error:\n"
        "    print(error.report.divergent)\nfirst_divergent_layer = 3"
    ),
)


def _check_batchnorm(epsilon, momentum) -> None:
    expect(isinstance(epsilon, float) and isinstance(momentum, float), "give two floats: epsilon and momentum.")
    expect(epsilon != 1e-3, "1e-3 is Keras's default; the torch layer was trained with its own epsilon.")
    expect(abs(epsilon - 1e-5) < 1e-12, "the epsilon must be the one the torch layer used (BatchNorm2d's default).")
    expect(momentum != 0.1, "Keras's momentum is the weight of the *old* running value, torch's the weight of the new batch.")
    expect(abs(momentum - 0.9) < 1e-9, "momentum: the two conventions add up to 1.")


q3 = Question(
    "q3",
    _check_batchnorm,
    hints=[
        "A converter must carry the trained layer's constants, not the target framework's defaults, and translate conventions that differ.",
        "Lesson 09 shows it in section '3. Four mistakes, each caught and located'. Lesson 08's section '1. Three frameworks, three vocabularies' has the momentum conventions.",
        "torch BatchNorm2d defaults: eps=1e-5, momentum=0.1; Keras momentum = 1 - torch momentum.",
    ],
    solution="epsilon, momentum = 1e-5, 0.9",
)
