"""Conversion between frameworks: parity <= 1e-5 for every supported pair, traps caught, the CLI contract."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import run_cli
from torch import nn

import zoo_patterns as zp
from zoo_patterns import TensorSpec
from zoo_patterns.convert import ConversionError, ParityError, convert, parity, probe_inputs, to_layers
from zoo_patterns.convert.parity import compare
from zoo_patterns.convert.traps import TRAPS

zp.quiet()
TOL = 1e-5
DIGITS_SPEC = TensorSpec("image", ("batch", "channel", "height", "width"), (None, 1, 8, 8), "float32", "NCHW", (0.0, 1.0))


def spec(c: int, h: int, w: int) -> TensorSpec:
    return TensorSpec("x", ("batch", "channel", "height", "width"), (None, c, h, w), "float32", "NCHW")


def randomise_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Running statistics far from (0, 1), so an epsilon or a statistic mixed up shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 2 - 1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.2 + 0.01)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=g) - 0.5)
    return model.eval()


def unseen_models():
    """Torch models the zoo never saw, using every supported kind."""
    torch.manual_seed(0)
    strided = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 12, 3, stride=2, padding=1), nn.BatchNorm2d(12), nn.ReLU(),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(12 * 4 * 4, 7),
    )  # fmt: skip
    pooled = nn.Sequential(
        nn.Conv2d(2, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 6, 3, stride=1, padding=0, bias=False),
        nn.BatchNorm2d(6), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(6, 10, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(10, 4),
    )  # fmt: skip
    nested = nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU()), nn.Flatten(), nn.Linear(4 * 5 * 5, 3)
    )
    return {
        "strided": (randomise_batchnorm(strided), spec(3, 16, 16)),
        "pooled": (randomise_batchnorm(pooled, 1), spec(2, 12, 12)),
        "nested": (nested.eval(), spec(1, 9, 9)),  # odd size: stride 2 with padding 1 gives 5x5
    }


@pytest.fixture(scope="module")
def digits():
    return zp.load("digits-cnn-torch")


# -- parity for every pair ---------------------------------------------------------------------
@pytest.mark.parametrize("target", ["keras", "gluon", "onnx"])
def test_zoo_cnn_from_torch_and_back(digits, target):
    converted = convert(digits, target, input_spec=DIGITS_SPEC)
    x = probe_inputs((1, 8, 8), n=64, seed=3)
    assert parity(digits, converted, x).max_abs <= TOL
    back = convert(converted, "torch", input_spec=DIGITS_SPEC)  # torch -> X -> torch
    assert parity(digits, back, x).max_abs <= TOL


@pytest.mark.parametrize("name", ["digits-cnn-keras", "digits-cnn-gluon", "digits-cnn-onnx"])
def test_zoo_models_to_torch(name):
    native = zp.load(name)
    if name.endswith("onnx"):  # the zoo keeps ONNX as a file; the converter takes the proto
        import onnx

        native = onnx.load(str(zp.model_dir(name) / "model.onnx"))
    converted = convert(native, "torch", input_spec=DIGITS_SPEC)
    assert parity(native, converted, probe_inputs((1, 8, 8), n=64)).max_abs <= TOL


@pytest.mark.parametrize("target", ["keras", "gluon", "onnx"])
@pytest.mark.parametrize("model_name", ["strided", "pooled", "nested"])
def test_models_the_zoo_never_saw(model_name, target):
    model, input_spec = unseen_models()[model_name]
    converted = convert(model, target, input_spec=input_spec)
    x = probe_inputs(tuple(input_spec.shape[1:]), n=32, seed=7)
    report = parity(model, converted, x)
    assert report.max_abs <= TOL and report.argmax_agreement == 1.0 and report.cosine > 0.999999


def test_onnx_export_has_a_dynamic_batch_axis(digits):
    proto = convert(digits, "onnx", input_spec=DIGITS_SPEC)
    batch = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param and not batch.dim_value
    x = probe_inputs((1, 8, 8), n=37)  # a batch size the export never saw
    assert parity(digits, proto, x).max_abs <= TOL


def test_keras_and_gluon_conventions_are_written_out(digits):
    layers, _ = to_layers(digits, input_spec=DIGITS_SPEC)
    keras_model = convert(digits, "keras", input_spec=DIGITS_SPEC)
    bn = next(k for k in keras_model.layers if k.name.endswith("batchnorm2d"))
    assert bn.epsilon == pytest.approx(1e-5) and bn.momentum == pytest.approx(0.9)  # torch's eps; 1 - torch momentum
    conv = next(k for k in keras_model.layers if k.name.endswith("_conv2d"))
    assert conv.get_weights()[0].shape == (3, 3, 1, 16)  # HWIO
    assert [k for k in keras_model.layers if k.name.endswith("_pad")], "torch padding must be an explicit ZeroPadding2D"
    linear = next(layer for layer in layers if layer.kind == "linear")
    assert linear.params["flatten_from"] == (32, 4, 4)


# -- traps: each is caught by parity, at its layer ------------------------------------------------
@pytest.mark.parametrize("trap,kind", [("kernel layout", "conv2d"), ("BatchNorm epsilon", "batchnorm2d"),
                                       ("stride-2 'same' padding", "conv2d"), ("flatten order", "linear")])  # fmt: skip
def test_each_trap_fails_parity_and_names_its_layer(trap, kind):
    model, input_spec = unseen_models()["strided"]
    wrong = convert(model, "keras", input_spec=input_spec, rules=TRAPS[trap], check=False)
    with pytest.raises(ParityError) as caught:
        parity(model, wrong, probe_inputs((3, 16, 16)))
    report = caught.value.report
    assert not report.passed and f"_{kind}" in report.divergent, report.divergent
    assert all(diff <= TOL * 10 for _, diff in report.layers[:-1]), "layers before the divergent one should agree"
    with pytest.raises(ParityError, match="first divergent layer"):
        convert(model, "keras", input_spec=input_spec, rules=TRAPS[trap])  # the default check catches it too


def test_compare_reports_what_it_says():
    a = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    b = np.array([[1.0, 2.0, 3.5], [0.0, 0.0, 1.0]])
    max_abs, max_rel, cosine, agree = compare(a, b)
    assert max_abs == 1.0 and max_rel == pytest.approx(1 / 3) and agree == 0.5
    assert cosine == pytest.approx((np.dot(a[0], b[0]) / np.linalg.norm(a[0]) / np.linalg.norm(b[0]) + 0.0) / 2)


# -- refusals ----------------------------------------------------------------------------------------
def test_an_unsupported_layer_is_named_with_its_position():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.GELU(), nn.Flatten(), nn.Linear(4 * 36, 2))
    with pytest.raises(ConversionError) as caught:
        convert(model, "keras", input_spec=spec(1, 8, 8))
    message = str(caught.value)
    assert "layer 1 (1: GELU)" in message and "Supported torch layers:" in message and "Conv2d" in message


def test_unsupported_settings_are_refused_not_approximated():
    with pytest.raises(ConversionError, match="groups=1"):
        convert(nn.Sequential(nn.Conv2d(4, 4, 3, groups=2)), "keras", input_spec=spec(4, 8, 8))
    import keras

    inputs = keras.Input((8, 8, 1))
    same_stride2 = keras.Model(inputs, keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs))
    with pytest.raises(ConversionError, match="ZeroPadding2D"):
        convert(same_stride2, "torch")
    with pytest.raises(ConversionError, match="height and width are unknown"):
        convert(nn.Sequential(nn.Conv2d(1, 2, 3)), "keras")
    with pytest.raises(ConversionError, match="unknown target"):
        convert(nn.Sequential(nn.Linear(2, 2)), "jax")


# -- the command line -----------------------------------------------------------------------------------
def test_cli_writes_a_loadable_folder_with_its_parent_recorded(tmp_path):
    out = tmp_path / "keras"
    result = run_cli("convert", "digits-cnn-torch", "--to", "keras", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "parity_max_abs_diff" in result.stdout
    model = zp.load(str(out), adapt=True, progress=False)
    card = model.card
    parent = zp.card("digits-cnn-torch")
    weights_sha = next(f.sha256 for f in parent.files if f.path.endswith(".safetensors"))
    assert card.framework == "keras" and card.inputs[0].layout == "NHWC"
    assert f"{parent.name} {parent.version}" in card.provenance.origin and weights_sha in card.provenance.origin
    assert "zoo_patterns.convert" in card.provenance.training
    assert card.metric("parity_max_abs_diff") <= TOL and card.license == parent.license
    from zoo_patterns.datasets import digits_task

    split = digits_task(seed=0)
    assert (model.predict(split.x_test, layout="NCHW").argmax(1) == split.y_test).mean() > 0.97


def test_cli_minilm_to_onnx(tmp_path):
    out = tmp_path / "minilm"
    result = run_cli("convert", "minilm-l6", "--to", "onnx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "model.onnx").is_file()
    card = zp.load(str(out), adapt=True, progress=False).card
    assert card.metric("parity_min_cosine") >= 0.9999
    import onnxruntime as ort

    session = zp.load(str(out), progress=False)
    assert isinstance(session, ort.InferenceSession)
    names = [i.name for i in session.get_inputs()]
    assert names[:2] == ["input_ids", "attention_mask"] and set(names) <= {"input_ids", "attention_mask", "token_type_ids"}
    assert all(
        i.type == "tensor(int64)" and isinstance(i.shape[0], str) and isinstance(i.shape[1], str) for i in session.get_inputs()
    )
    output = session.get_outputs()[0]
    assert output.name == "last_hidden_state" and output.shape[2] == 384


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["silero-vad", "--to", "keras"], 7, "has no conversion rule"),
        (["digits-cnn-torh", "--to", "keras"], 2, "Did you mean: digits-cnn-torch"),
        (["minilm-l6", "--to", "keras"], 7, "converts to onnx only"),
    ],
)
def test_cli_errors_are_one_line_with_exit_codes(tmp_path, args, code, words):
    result = run_cli("convert", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == code, result.stderr
    assert words in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr


def test_cli_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run_cli("convert", "digits-cnn-torch", "--to", "gluon", "--out", str(tmp_path))
    assert result.returncode == 2 and "is not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


# -- each framework's own ONNX exporter ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["digits-cnn-keras", "digits-cnn-gluon"])
def test_native_onnx_exporters(name, tmp_path):
    from zoo_patterns.convert.onnx import native_onnx

    native = zp.load(name)
    proto = native_onnx(native, (1, 8, 8), tmp_path)
    assert parity(native, proto, probe_inputs((1, 8, 8), n=9)).max_abs <= TOL  # 9: not the batch it was traced with


def test_onnx_mapping_shim_gives_what_mxnet_reads():
    import onnx

    from zoo_patterns.compat import patch_onnx_mapping

    patch_onnx_mapping()
    from onnx import mapping

    assert mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype("float32")] == onnx.TensorProto.FLOAT
    assert mapping.TENSOR_TYPE_TO_NP_TYPE[onnx.TensorProto.INT64] == np.dtype("int64")
    assert patch_onnx_mapping() == []  # once is enough
