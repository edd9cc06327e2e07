"""Checks for exercise 09: moving models between frameworks."""

from __future__ import annotations

import functools

import numpy as np

from . import Question, expect

SEED = 9
MYSTERY_TRAP = "BatchNorm epsilon"  # which of convert.traps.TRAPS the mystery conversion uses (question 2)


def torch_linear():
    """The torch layer of question 1: Linear(6 -> 3), seeded."""
    import torch

    torch.manual_seed(SEED)
    return torch.nn.Linear(6, 3).eval()


def _check_dense(dense_weights) -> None:
    import keras
    import torch

    expect(callable(dense_weights), f"expected a function dense_weights(linear), got {type(dense_weights).__name__}.")
    torch.manual_seed(SEED + 1)
    # the question's layer, then one the learner has not seen (other sizes, so that no axis is right by luck)
    for linear in (torch_linear(), torch.nn.Linear(4, 7).eval()):
        n_in, n_out = linear.in_features, linear.out_features
        weights = dense_weights(linear)
        expect(isinstance(weights, (list, tuple)) and len(weights) == 2, "give Keras a list of two arrays: [kernel, bias].")
        kernel, bias = (np.asarray(w, dtype="float32") for w in weights)
        expect(
            kernel.shape == (n_in, n_out),
            f"for Linear({n_in}, {n_out}) a Keras Dense kernel is (inputs, outputs) = {(n_in, n_out)}; yours is {kernel.shape}.",
        )
        dense = keras.layers.Dense(n_out)
        dense.build((None, n_in))
        dense.set_weights([kernel, bias])
        x = np.random.default_rng(0).random((5, n_in), dtype=np.float32)
        with torch.no_grad():
            expected = linear(torch.from_numpy(x)).numpy()
        diff = float(np.abs(np.asarray(dense(x)) - expected).max())
        expect(
            diff <= 1e-5,
            f"for Linear({n_in}, {n_out}) the Keras layer's outputs differ from torch's by up to {diff:.2e}; check which "
            "axis is which.",
        )


q1 = Question(
    "q1",
    _check_dense,
    hints=[
        "The same weights, stored with the axes the other way round: torch keeps (out, in), Keras (in, out).",
        "Lesson 09 shows the same idea for a convolution in section '2. One rule by hand: a convolution into Keras'.",
        "return [linear.weight.detach().numpy().T, linear.bias.detach().numpy()]",
    ],
    solution="def dense_weights(linear):\n    return [linear.weight.detach().numpy().T, linear.bias.detach().numpy()]",
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
    return model, convert(model, "keras", input_spec=spec, rules=TRAPS[MYSTERY_TRAP], check=False)


@functools.lru_cache(maxsize=1)
def _mystery_truth() -> tuple[int, str]:
    """Where the mystery conversion first diverges, and the trap it was made with (measured by parity)."""
    from ..convert import ParityError, parity, probe_inputs

    model, keras_model = mystery()
    try:
        parity(model, keras_model, probe_inputs((1, 8, 8)))
    except ParityError as error:
        return int(error.report.divergent.split()[1]), MYSTERY_TRAP
    raise AssertionError("the mystery conversion passed parity: the exercise is broken, please report it")


def _check_divergent(index, trap) -> None:
    from ..convert.traps import TRAPS

    expect(
        isinstance(index, (int, np.integer)) and not isinstance(index, bool), f"expected a layer number (an int), got {index!r}."
    )
    expect(trap in TRAPS, f"name the wrong rule as one of the traps: {sorted(TRAPS)}.")
    truth, wrong_rule = _mystery_truth()
    # No "earlier" or "later": a direction would let a learner find the layer by bisection instead of by reading parity.
    expect(index == truth, f"layer {index} is not the first layer whose output differs: read the parity report again.")
    expect(trap == wrong_rule, f"the {trap!r} mistake would not make layer {index} the first to differ in this model.")


q2 = Question(
    "q2",
    _check_divergent,
    hints=[
        "Parity compares the two models layer by layer; the first layer that disagrees is where the bug is, the later ones "
        "only inherit it. Then ask which of the four traps can break that kind of layer, and only that one.",
        "Lesson 09 shows it in section '3. Four mistakes, each caught and located': each trap and the layer where it shows.",
        "Catch the ParityError of parity(model, keras_model, probe_inputs((1, 8, 8))); error.report.divergent reads "
        "'layer N (...)'. Layer 3 is a BatchNorm: only the epsilon trap touches BatchNorm.",
    ],
    solution=(
        "with expect_error(ParityError) as caught:\n    parity(model, keras_model, probe_inputs((1, 8, 8)))\n"
        "print(caught.error.report.divergent)\nfirst_divergent_layer, trap = 3, 'BatchNorm epsilon'"
    ),
)


def _check_batchnorm(keras_batchnorm_kwargs) -> None:
    import torch

    expect(
        callable(keras_batchnorm_kwargs),
        f"expected a function keras_batchnorm_kwargs(bn), got {type(keras_batchnorm_kwargs).__name__}.",
    )
    # torch's defaults first, then layers the learner never saw: the constants must be read from the layer
    for eps, momentum in ((1e-5, 0.1), (1e-3, 0.05), (2e-5, 0.3)):
        bn = torch.nn.BatchNorm2d(4, eps=eps, momentum=momentum)
        got = keras_batchnorm_kwargs(bn)
        expect(isinstance(got, dict) and {"epsilon", "momentum"} <= set(got), "return a dict with 'epsilon' and 'momentum'.")
        expect(
            isinstance(got["epsilon"], float) and isinstance(got["momentum"], float),
            "epsilon and momentum should be floats.",
        )
        expect(
            abs(got["epsilon"] - eps) < 1e-12,
            "for one of the check's BatchNorm2d layers, your epsilon is not the layer's own: carry the trained layer's "
            "constant, not a default.",
        )
        expect(
            abs(got["momentum"] - momentum) > 1e-9 or abs(momentum - 0.5) < 1e-9,
            f"for torch momentum={momentum} you copied the number: the two frameworks weigh opposite terms with it.",
        )
        expect(
            abs(got["momentum"] - (1 - momentum)) < 1e-9,
            "for one of the check's layers, your Keras momentum weighs the new batch differently from the torch layer: "
            "write out both update rules.",
        )


q3 = Question(
    "q3",
    _check_batchnorm,
    hints=[
        "A converter must carry the trained layer's constants, not the target framework's defaults, and translate the "
        "conventions that differ.",
        "Lesson 09 shows the epsilon mistake in section '3. Four mistakes, each caught and located'; lesson 08's section "
        "'1. Three frameworks, three vocabularies' writes out both momentum conventions.",
        "A torch BatchNorm2d keeps them as bn.eps and bn.momentum; Keras's momentum is 1 - torch's.",
    ],
    solution="def keras_batchnorm_kwargs(bn):\n    return {'epsilon': float(bn.eps), 'momentum': 1 - bn.momentum}",
)
