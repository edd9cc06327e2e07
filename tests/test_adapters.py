"""Contract tests: written once, run against every adapter (torch, TorchScript, Keras, Gluon, ONNX Runtime,
TF SavedModel, transformers), plus zoo_patterns.adapt on models the zoo has never seen."""

from __future__ import annotations

import numpy as np
import pytest

import zoo_patterns as zp
from zoo_patterns import TensorSpec
from zoo_patterns.adapters import ZooModel, adapt
from zoo_patterns.datasets import digits_task
from zoo_patterns.errors import AdapterError, SpecError

NUMERIC = ["torch", "torchscript", "keras", "gluon", "onnx", "savedmodel"]
ALL = [*NUMERIC, "transformers"]
SAME_WEIGHTS = ["torchscript", "keras", "gluon", "onnx"]  # all carry digits-cnn-torch's weights


@pytest.fixture(scope="module")
def split():
    return digits_task(seed=0)


@pytest.fixture(scope="module")
def models() -> dict[str, ZooModel]:
    import torch

    from zoo_patterns.convert import torch_to_gluon, torch_to_keras

    zp.quiet()
    base = zp.load("digits-cnn-torch", adapt=True, progress=False)
    traced = torch.jit.trace(base.native, torch.zeros(2, 1, 8, 8))
    return {
        "torch": base,
        "torchscript": adapt(traced, card=zp.card("digits-cnn-torch")),
        "keras": adapt(torch_to_keras(base.native), card=zp.card("digits-cnn-keras")),
        "gluon": adapt(torch_to_gluon(base.native), card=zp.card("digits-cnn-gluon")),
        "onnx": zp.load("digits-cnn-onnx", adapt=True, progress=False),
        "savedmodel": zp.load("digits-cnn-savedmodel", adapt=True, progress=False),
        "transformers": zp.load("minilm-l6", adapt=True, progress=False),
    }


def _input(model: ZooModel, split, n: int = 32):
    if model.input_spec.dtype == "str":
        return ["the parcel never arrived", "I cannot log in", "refund my last invoice"]
    x = split.x_test[:n]  # NCHW, like the torch model; each adapter converts if its spec says NHWC
    return np.transpose(x, (0, 2, 3, 1)) if model.input_spec.layout == "NHWC" else x


# -- the contract -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ALL)
def test_prediction_has_the_shape_and_dtype_the_spec_promises(models, split, kind):
    model = models[kind]
    x = _input(model, split)
    out = model.predict(x)
    spec = model.output_spec
    assert isinstance(out, np.ndarray) and out.dtype == np.dtype(spec.dtype)
    assert out.ndim == len(spec.shape) and out.shape[0] == len(x)
    assert all(w is None or w == d for w, d in zip(spec.shape, out.shape, strict=True))
    assert model.num_params > 0 and isinstance(model.input_spec, TensorSpec)


@pytest.mark.parametrize("kind", SAME_WEIGHTS)
def test_the_same_weights_give_the_same_outputs_in_every_runtime(models, split, kind):
    reference = models["torch"].predict(split.x_test)
    out = models[kind].predict(split.x_test, layout="NCHW")  # one NCHW batch for all; the adapter transposes
    assert np.abs(out - reference).max() <= 1e-5


def test_the_savedmodel_matches_the_keras_model_it_was_exported_from(models, split):
    keras_model = zp.load("digits-cnn-keras", adapt=True, progress=False)
    x = split.nhwc().x_test
    assert np.abs(models["savedmodel"].predict(x) - keras_model.predict(x)).max() <= 1e-5


BAD = {
    "missing batch axis": (lambda x: x[0], "shape", "x[None]"),
    "wrong channel count": (lambda x: np.concatenate([x, x], axis=1 if x.shape[1] == 1 else 3), "shape", "expected (batch, "),
    "integers": (lambda x: (x * 16).astype(np.int64), "dtype", "int64"),
    "not divided by 16": (lambda x: x * 16, "value range", "Preprocess first"),
    "NaN": (lambda x: np.where(x > 0.5, np.nan, x).astype(np.float32), "values", "NaN"),
}


@pytest.mark.parametrize("kind", NUMERIC)
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_expected_and_actual(models, split, kind, case):
    model = models[kind]
    if model.input_spec.value_range is None and case == "not divided by 16":
        pytest.skip("this spec records no value range")
    make, what, text = BAD[case]
    with pytest.raises(SpecError, match=what) as info:
        model.predict(make(_input(model, split, 4)))
    assert text in str(info.value) and "expected" in str(info.value) and "got" in str(info.value)


def test_text_models_refuse_a_bare_string_and_non_text(models):
    with pytest.raises(SpecError, match="Wrap it in a list"):
        models["transformers"].predict("just one sentence")
    with pytest.raises(SpecError, match="a list of strings"):
        models["transformers"].predict(np.zeros((2, 3)))


def test_a_wrong_layout_gets_a_hint_and_the_adapter_converts_when_told(models, split):
    keras_model = models["keras"]
    with pytest.raises(SpecError, match="It looks like NCHW; pass layout='NCHW'"):
        keras_model.predict(split.x_test[:4])
    assert np.array_equal(keras_model.predict(split.x_test[:4], layout="NCHW"), keras_model.predict(split.nhwc().x_test[:4]))
    with pytest.raises(SpecError, match="a numpy array"):
        import torch

        models["torch"].predict(torch.zeros(2, 1, 8, 8))


@pytest.mark.parametrize("kind", ALL)
def test_device_moves(models, split, kind):
    import torch

    model = models[kind]
    x = _input(model, split, 4)
    before = model.predict(x)
    assert model.to("cpu") is model and model.device == "cpu"
    if torch.cuda.is_available() and kind in ("torch", "torchscript", "transformers"):
        model.to("cuda")
        assert model.device.startswith("cuda")
        assert np.abs(model.predict(x) - before).max() < 1e-4
        model.to("cpu")
    elif kind in ("keras", "gluon", "savedmodel") or not torch.cuda.is_available():
        with pytest.raises(AdapterError, match="cuda"):
            model.to("cuda")
    assert np.array_equal(model.predict(x), before)


@pytest.mark.parametrize("kind", ALL)
def test_save_and_load_round_trip(models, split, kind, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_PATTERNS_CACHE", str(tmp_path / "cache"))
    model = models[kind]
    folder = model.save(tmp_path / kind)
    assert (folder / "README.md").exists()
    again = zp.load(str(folder), adapt=True, progress=False)
    assert type(again) is type(model) and again.card.format == model.native_format
    x = _input(model, split, 8)
    assert np.abs(again.predict(x) - model.predict(x)).max() <= 1e-6


# -- a learner's own models join the zoo -------------------------------------------------------------
IMAGE = TensorSpec("image", ("batch", "channel", "height", "width"), (None, 1, 8, 8), "float32", "NCHW", (0.0, 1.0))


def _unseen(kind: str, tmp_path):
    if kind == "torch":
        import torch

        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 3))
        return adapt(net, input_spec=IMAGE)
    if kind == "keras":
        import keras

        keras.utils.set_random_seed(0)
        inputs = keras.Input((8, 8, 1), name="pixels")
        out = keras.layers.Dense(3)(keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(inputs)))
        return adapt(keras.Model(inputs, out))  # Keras knows its input: no spec needed
    if kind == "gluon":
        from zoo_patterns.compat import import_mxnet

        mx = import_mxnet()
        net = mx.gluon.nn.HybridSequential()
        net.add(mx.gluon.nn.Conv2D(4, 3, in_channels=1), mx.gluon.nn.Flatten(), mx.gluon.nn.Dense(3, in_units=144))
        net.initialize(mx.init.Xavier())
        return adapt(net, input_spec=IMAGE)
    if kind == "onnx":
        import onnxruntime as ort
        import torch

        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3)).eval()
        path = tmp_path / "mine.onnx"
        torch.onnx.export(
            net,
            (torch.zeros(2, 1, 8, 8),),
            str(path),
            input_names=["image"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            verbose=False,
        )
        return adapt(ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]))
    raise KeyError(kind)


@pytest.mark.parametrize("kind", ["torch", "keras", "gluon", "onnx"])
def test_adapt_wraps_models_the_zoo_has_never_seen(kind, tmp_path, monkeypatch, split):
    monkeypatch.setenv("ZOO_PATTERNS_CACHE", str(tmp_path / "cache"))
    model = _unseen(kind, tmp_path)
    x = _input(model, split, 5)
    out = model.predict(x)
    assert out.shape == (5, 3) and model.output_spec.shape == (None, 3)
    if kind in ("keras", "onnx"):  # inferred from the framework's own record of its input
        assert model.input_spec.shape == ((None, 8, 8, 1) if kind == "keras" else (None, 1, 8, 8))
    with pytest.raises(SpecError):
        model.predict(np.zeros((5, 3, 8, 8), np.float32))
    again = zp.load(str(model.save(tmp_path / f"mine-{kind}")), adapt=True, progress=False)
    assert np.abs(again.predict(x) - out).max() <= 1e-6
    assert "generated by zoo_patterns.adapt()" in again.card.limitations[0]


def test_adapt_explains_what_it_needs():
    import torch

    with pytest.raises(AdapterError, match="input_spec="):
        adapt(torch.nn.Linear(64, 3))
    with pytest.raises(AdapterError, match="no adapter for builtins.dict"):
        adapt({"weights": 1})


# -- the four hubs, each through its own API -------------------------------------------------------------
def test_torch_hub_loads_the_generated_repository(split):
    import torch

    folder = zp.model_dir("digits-cnn-torchhub")
    net = torch.hub.load(str(folder), "digits_cnn", source="local").eval()
    with torch.no_grad():
        out = net(torch.from_numpy(split.x_test)).numpy()
    assert np.abs(out - zp.load("digits-cnn-torch", adapt=True, progress=False).predict(split.x_test)).max() <= 1e-6


def test_tensorflow_hub_and_tfsmlayer_give_identical_outputs(split):
    import keras

    from zoo_patterns.compat import import_tensorflow_hub

    hub = import_tensorflow_hub()
    folder = str(zp.model_dir("digits-cnn-savedmodel"))
    x = split.nhwc().x_test
    loaded = hub.load(folder)  # keep a reference: the signature's variables live on this object
    via_hub = loaded.serve(x).numpy()
    layer = keras.layers.TFSMLayer(folder, call_endpoint="serve")
    assert np.abs(np.asarray(layer(x)) - via_hub).max() == 0.0


def test_gluon_model_zoo_get_model_plus_load_parameters(split):
    from zoo_patterns.compat import import_mxnet

    mx = import_mxnet()
    from mxnet.gluon.model_zoo import vision

    folder = zp.model_dir("digits-resnet18-gluon")
    net = vision.get_model("resnet18_v1", classes=5, thumbnail=True)
    net.load_parameters(str(folder / "model.params"), ctx=mx.cpu())
    acc = (net(mx.nd.array(split.x_test)).argmax(axis=1).asnumpy() == split.y_test).mean()
    assert abs(acc - zp.card("digits-resnet18-gluon").metric("accuracy")) < 1e-6  # the card rounds to 6 digits


def test_every_zoo_entry_loads_behind_the_same_interface(split):
    for name in zp.list_models():
        if name.startswith("silero"):
            continue  # stateful audio models take (audio, state, rate): they keep their native API
        model = zp.load(name, adapt=True, progress=False)
        assert isinstance(model, ZooModel) and model.card.name == name
        x = _input(model, split, 4)
        assert model.predict(x).shape[0] == len(x)
