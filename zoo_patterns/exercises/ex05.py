"""Checks for exercise 05: the four hubs, each through its own API."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from . import PredictionQuestion, Question, expect


def _digits():
    from ..datasets import digits_task

    return digits_task(seed=0)


def _check_hub_repo(folder, hubconf) -> None:
    import torch

    from .. import load

    folder = Path(folder)
    expect(isinstance(hubconf, str), f"HUBCONF should be the text of a hubconf.py (a string), got {type(hubconf).__name__}.")
    expect((folder / "model.safetensors").is_file(), f"{folder} should be my_hub, the folder with the weights.")
    (folder / "hubconf.py").write_text(hubconf, encoding="utf-8")
    namespace: dict = {}
    exec(compile((folder / "hubconf.py").read_text(encoding="utf-8"), "hubconf.py", "exec"), namespace)  # noqa: S102
    deps = namespace.get("dependencies")
    expect(
        isinstance(deps, list) and "torch" in deps, "a hubconf.py declares the packages it needs in a list named dependencies."
    )
    expect(callable(namespace.get("digits_cnn")), "the entry point should be a function named digits_cnn.")
    split = _digits()
    x = torch.from_numpy(split.x_test)

    def outputs(**kwargs):
        net = torch.hub.load(str(folder), "digits_cnn", source="local", **kwargs)
        expect(isinstance(net, torch.nn.Module), f"the entry point should return a torch.nn.Module, got {type(net).__name__}.")
        with torch.no_grad():
            return net.eval()(x).numpy()

    truth = load("digits-cnn-torch", adapt=True, progress=False).predict(split.x_test)
    pretrained = outputs()
    expect(pretrained.shape == truth.shape, f"expected {truth.shape[1]} scores per image, got shape {pretrained.shape}.")
    expect(np.abs(pretrained - truth).max() <= 1e-6, "digits_cnn() should give the pretrained weights by default.")
    fresh = outputs(pretrained=False)
    expect(np.abs(fresh - truth).max() > 1e-3, "digits_cnn(pretrained=False) still loaded the pretrained weights.")
    # The same repository moved elsewhere, with other weights (drawn fresh each call): the entry point must read
    # the files beside hubconf.py, not a path or a model it knows.
    import shutil
    import tempfile

    from safetensors.torch import load_file, save_file

    with tempfile.TemporaryDirectory(prefix="moved-hub-") as tmp:
        moved = Path(tmp) / "hub"
        shutil.copytree(folder, moved, ignore=shutil.ignore_patterns("__pycache__"))
        weights = load_file(folder / "model.safetensors")
        generator = torch.Generator().manual_seed(int(np.random.default_rng().integers(1 << 31)))
        other = {  # each number scaled by its own factor near 1: a variance stays positive
            k: v * (1 + 0.2 * torch.randn(v.shape, generator=generator)).abs() if v.is_floating_point() else v
            for k, v in weights.items()
        }
        save_file(other, moved / "model.safetensors")
        folder = moved
        reference = load("digits-cnn-torch", progress=False)
        reference.load_state_dict(other)
        with torch.no_grad():
            want = reference.eval()(x).numpy()
        expect(
            np.abs(outputs() - want).max() <= 1e-5,
            "moved to another folder with other weights, the entry point did not load the weights beside hubconf.py.",
        )


q1 = Question(
    "q1",
    _check_hub_repo,
    hints=[
        "A PyTorch Hub repository is a folder with a hubconf.py: a list named dependencies, and one function per entry "
        "point that builds the model and, when pretrained is true, loads its weights.",
        "Lesson 05 shows it in section '1. PyTorch Hub'; the zoo's own hubconf.py is in zp.model_dir('digits-cnn-torchhub').",
        "def digits_cnn(pretrained=True): build DigitsCNN(**json.loads(config.json)), then, if pretrained, "
        "net.load_state_dict(safetensors.torch.load_file(here / 'model.safetensors')), where here = Path(__file__).parent.",
    ],
    solution='''HUBCONF = """
dependencies = ["torch", "safetensors", "zoo_patterns"]


def digits_cnn(pretrained=True):
    import json
    from pathlib import Path

    from safetensors.torch import load_file
    from zoo_patterns.models.torch_digits import DigitsCNN

    here = Path(__file__).resolve().parent
    net = DigitsCNN(**json.loads((here / "config.json").read_text()))
    if pretrained:
        net.load_state_dict(load_file(here / "model.safetensors"))
    return net
"""  # the check writes it to my_hub / "hubconf.py"''',
)


def _check_nchw_keras(model) -> None:
    import keras

    from .. import model_dir
    from ..compat import import_tensorflow_hub

    expect(isinstance(model, keras.Model), f"expected a Keras 3 model (keras.Model), got {type(model).__name__}.")
    expect(
        any(isinstance(layer, keras.layers.TFSMLayer) for layer in model.layers),
        "the model should call the SavedModel through a keras.layers.TFSMLayer.",
    )
    shape = tuple(model.inputs[0].shape)
    expect(shape[1:] == (1, 8, 8), f"the model should take NCHW images, (batch, 1, 8, 8); it takes {shape}.")
    split = _digits()
    loaded = import_tensorflow_hub().load(str(model_dir("digits-cnn-savedmodel")))
    unseen = np.random.default_rng().uniform(0, 1, (5, 1, 8, 8)).astype(np.float32)  # drawn fresh each call
    for nchw in (split.x_test, unseen):
        truth = loaded.serve(np.ascontiguousarray(np.transpose(nchw, (0, 2, 3, 1)))).numpy()
        out = np.asarray(model(nchw))
        expect(out.shape == truth.shape, f"expected outputs of shape {truth.shape}, got {out.shape}.")
        expect(
            np.abs(out - truth).max() <= 1e-5,
            "the outputs differ from the SavedModel's on the same images: which axis of an NCHW image goes where in NHWC?",
        )


q2 = Question(
    "q2",
    _check_nchw_keras,
    hints=[
        "In Keras 3 a SavedModel is not a Keras model: a TFSMLayer wraps one of its signatures as a layer. The "
        "SavedModel wants NHWC, so the model you build must move the channel axis before calling it.",
        "Lesson 05 shows it in section '2. TensorFlow Hub, and the Keras 3 break'; lesson 03's section "
        "'1. Five runtimes, five APIs' shows the NCHW/NHWC transpose.",
        "inputs = keras.Input((1, 8, 8)); nhwc = keras.layers.Permute((2, 3, 1))(inputs); then "
        "keras.layers.TFSMLayer(saved_dir, call_endpoint='serve') on nhwc.",
    ],
    solution="""inputs = keras.Input((1, 8, 8))
nhwc = keras.layers.Permute((2, 3, 1))(inputs)  # (C, H, W) -> (H, W, C); Permute numbers the axes from 1
keras_model = keras.Model(inputs, keras.layers.TFSMLayer(saved_dir, call_endpoint="serve")(nhwc))""",
)

BUILDS = {
    "resnet18_v1, classes=5, thumbnail": ("resnet18_v1", 5, True),
    "resnet18_v1, classes=10, thumbnail": ("resnet18_v1", 10, True),
    "resnet18_v1, classes=5, no thumbnail": ("resnet18_v1", 5, False),
    "resnet34_v1, classes=5, thumbnail": ("resnet34_v1", 5, True),
    "resnet18_v2, classes=5, thumbnail": ("resnet18_v2", 5, True),
}


def _try_build(label: str) -> str:
    """Build one of BUILDS and load the zoo's model.params into it: 'loaded', or the first line of the error."""
    from .. import model_dir
    from ..compat import import_mxnet

    name, classes, thumbnail = BUILDS[label]
    net = import_mxnet().gluon.model_zoo.vision.get_model(name, classes=classes, thumbnail=thumbnail)
    try:
        net.load_parameters(str(model_dir("digits-resnet18-gluon") / "model.params"))
    except Exception as exc:  # MXNet raises AssertionError on a mismatch
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    return "loaded"


@functools.lru_cache(maxsize=1)
def _loads() -> dict:
    return {label: _try_build(label) == "loaded" for label in BUILDS}


q3 = PredictionQuestion(
    "q3",
    "ex05",
    BUILDS,
    _loads,
    shape="build: True (loads) or False",
    keys_are="BUILDS",
    value_ok=lambda v: isinstance(v, bool),
    value_rule="each prediction is True (the file loads into that build) or False (it does not).",
    ask="A .params file holds names and shapes, and no architecture: which builds have exactly those?",
    hints=[
        "A .params file holds arrays by parameter name and shape, and no architecture. A build can load it only if "
        "it has exactly those names with exactly those shapes.",
        "Lesson 05 shows it in section '4. The MXNet Gluon model zoo'; the model's config.json says how it was built.",
        "The head's shape depends on classes; thumbnail swaps the first convolution and drops a pooling layer; "
        "v2 and resnet34 name their blocks differently.",
    ],
    solution="""loads = {label: label == "resnet18_v1, classes=5, thumbnail" for label in BUILDS}
# what config.json records; every other build mismatches a name or a shape""",
)
