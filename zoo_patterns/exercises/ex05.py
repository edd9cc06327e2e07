"""Checks for exercise 05: the four hubs, each through its own API."""

from __future__ import annotations

import numpy as np

from . import Question, expect


def _digits():
    from ..datasets import digits_task

    return digits_task(seed=0)


def _check_torch_hub(net) -> None:
    import torch

    from .. import load

    expect(isinstance(net, torch.nn.Module), f"torch.hub.load should give a torch.nn.Module, got {type(net).__name__}.")
    split = _digits()
    net.eval()
    with torch.no_grad():
        out = net(torch.from_numpy(split.x_test)).numpy()
    expect(out.shape == (len(split.x_test), 5), f"expected 5 scores per image, got shape {out.shape}.")
    truth = load("digits-cnn-torch", adapt=True, progress=False).predict(split.x_test)
    expect(np.abs(out - truth).max() <= 1e-6, "these are not the pretrained weights: did you pass pretrained=False?")


q1 = Question(
    "q1",
    _check_torch_hub,
    hints=[
        "PyTorch Hub runs an entry point from a hubconf.py; with source='local' the repository is a folder on disk.",
        "Lesson 05 shows it in section '1. PyTorch Hub'.",
        "torch.hub.load(folder, entry_point_name, source='local'); the folder is zp.model_dir('digits-cnn-torchhub').",
    ],
    solution="hub_net = torch.hub.load(str(zp.model_dir('digits-cnn-torchhub')), 'digits_cnn', source='local')",
)


def _check_tfsm(model) -> None:
    import keras

    from .. import model_dir
    from ..compat import import_tensorflow_hub

    expect(isinstance(model, keras.Model), f"expected a Keras 3 model (keras.Model), got {type(model).__name__}.")
    expect(
        any(isinstance(layer, keras.layers.TFSMLayer) for layer in model.layers),
        "the model should contain a keras.layers.TFSMLayer.",
    )
    x = _digits().nhwc().x_test
    loaded = import_tensorflow_hub().load(str(model_dir("digits-cnn-savedmodel")))
    truth = loaded.serve(x).numpy()
    out = np.asarray(model(x))
    expect(out.shape == truth.shape, f"expected outputs of shape {truth.shape}, got {out.shape}.")
    expect(np.abs(out - truth).max() <= 1e-6, "the outputs differ from tensorflow_hub.load's: check call_endpoint.")


q2 = Question(
    "q2",
    _check_tfsm,
    hints=[
        "In Keras 3 a SavedModel is not a Keras model; TFSMLayer wraps one of its signatures as a layer you build a model around.",
        "Lesson 05 shows it in section '2. TensorFlow Hub, and the Keras 3 break'.",
        "inputs = keras.Input((8, 8, 1)); a keras.Model from inputs to TFSMLayer(saved_dir, call_endpoint='serve')(inputs).",
    ],
    solution="""inputs = keras.Input((8, 8, 1))
keras_model = keras.Model(inputs, keras.layers.TFSMLayer(saved_dir, call_endpoint="serve")(inputs))""",
)


def _check_gluon(net) -> None:
    from .. import card
    from ..compat import import_mxnet

    mx = import_mxnet()
    expect(isinstance(net, mx.gluon.Block), f"expected a Gluon block from vision.get_model, got {type(net).__name__}.")
    split = _digits()
    try:
        out = net(mx.nd.array(split.x_test)).asnumpy()
    except Exception as exc:  # uninitialised parameters, wrong shapes
        expect(False, f"running it failed ({type(exc).__name__}): were the parameters loaded with load_parameters?")
    expect(out.shape == (len(split.x_test), 5), f"expected 5 classes: pass classes=5 to get_model (got shape {out.shape}).")
    acc = float((out.argmax(1) == split.y_test).mean())
    expect(
        abs(acc - card("digits-resnet18-gluon").metric("accuracy")) < 1e-6,
        f"accuracy {acc:.3f} is not the card's: check thumbnail=True and the file.",
    )


q3 = Question(
    "q3",
    _check_gluon,
    hints=[
        "The Gluon model zoo builds an architecture by name; the weights are a separate file you load into it, and the architecture must match them.",
        "Lesson 05 shows it in section '4. The MXNet Gluon model zoo'.",
        "vision.get_model('resnet18_v1', classes=5, thumbnail=True), then net.load_parameters(...).",
    ],
    solution="""resnet = vision.get_model("resnet18_v1", classes=5, thumbnail=True)
resnet.load_parameters(str(resnet_dir / "model.params"))""",
)
