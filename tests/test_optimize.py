"""Optimisation: pruning that zeroes vs pruning that removes, quantisers in three runtimes, the CLI contract.

Speed is measured in benchmarks/optimize.py and lesson 10 (ratios side by side), not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import run_cli
from torch import nn

import zoo_patterns as zp
from zoo_patterns.convert import to_layers
from zoo_patterns.convert.graph import write_torch
from zoo_patterns.datasets import digits_task
from zoo_patterns.optimize.bench import latency, torch_size_mb
from zoo_patterns.optimize.prune import prune_channels, prune_digits_cnn, prune_unstructured, sparsity

zp.quiet()


@pytest.fixture(scope="module")
def digits():
    return zp.load("digits-cnn-torch", progress=False)


@pytest.fixture(scope="module")
def split():
    return digits_task(seed=0)


def test_unstructured_pruning_zeroes_but_keeps_every_shape(digits):
    pruned = prune_unstructured(digits, 0.5)
    assert sparsity(digits) < 0.01 and sparsity(pruned) == pytest.approx(0.5, abs=0.01)
    shapes = {k: v.shape for k, v in digits.state_dict().items()}
    assert {k: v.shape for k, v in pruned.state_dict().items()} == shapes
    assert torch_size_mb(pruned) == pytest.approx(torch_size_mb(digits), rel=1e-3)
    assert not any(hasattr(m, "weight_orig") for m in pruned.modules()), "masks must be baked in (prune.remove)"
    assert sparsity(digits) < 0.01, "the original must be left alone"


def test_structured_pruning_removes_channels_and_keeps_the_rest_exact():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 6, 3, stride=2, padding=1),
                        nn.ReLU(), nn.Flatten(), nn.Linear(6 * 4 * 4, 3)).eval()  # fmt: skip
    with torch.no_grad():  # make channels 1 and 5 of the first conv worthless: their removal must change nothing
        for c in (1, 5):
            net[0].weight[c] = 1e-4 * torch.randn_like(net[0].weight[c])
        net[3].weight[:, [1, 5]] = 0.0
        net[3].weight[[2, 4]] = 0.0  # and two of the second conv's six filters (25% of each conv goes)
        net[3].bias[[2, 4]] = 0.0
    from zoo_patterns import TensorSpec

    layers, shape = to_layers(net, input_spec=TensorSpec("x", ("batch", "c", "h", "w"), (None, 1, 8, 8), "float32", "NCHW"))
    small = write_torch(prune_channels(layers, 0.25, shape))
    x = torch.rand(16, 1, 8, 8)
    with torch.no_grad():  # the removed channels carried nothing, so the outputs do not move
        assert (small(x) - net(x)).abs().max() < 1e-6
    assert small[0].out_channels == 6 and small[1].num_features == 6 and small[3].in_channels == 6
    assert small[3].out_channels == 4 and small[6].in_features == 4 * 4 * 4
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in net.parameters())


def test_structured_pruning_of_the_zoo_cnn_then_recovery(digits, split):
    from zoo_patterns.transfer import TransferPlan
    from zoo_patterns.transfer.torch import _accuracy, fit

    small = prune_digits_cnn(digits, 0.5)
    assert type(small).__name__ == "DigitsCNN" and small.config["width"] == 8
    assert sum(p.numel() for p in small.parameters()) < 0.5 * sum(p.numel() for p in digits.parameters())
    before = _accuracy(small, split.x_test, split.y_test)
    recovered, history = fit(TransferPlan.full("digits-cnn-torch", 5, epochs=5), split, progress=False, start_from=small)
    assert history.final > before and history.final >= _accuracy(digits, split.x_test, split.y_test) - 0.02
    assert small.config["width"] == 8 and _accuracy(small, split.x_test, split.y_test) == before, (
        "start_from must not train in place"
    )
    with pytest.raises(ValueError, match="1:2 ratio"):
        prune_digits_cnn(digits, 0.4)  # 10 and 19 channels: not a DigitsCNN


def test_onnx_static_int8_and_litert_keep_digits_accuracy(tmp_path, digits, split):
    from zoo_patterns.convert import convert
    from zoo_patterns.optimize.quantize import LiteRTModel, litert, onnx_session, onnx_static_int8

    fp32 = zp.model_dir("digits-cnn-onnx") / "model.onnx"
    int8 = onnx_static_int8(fp32, tmp_path / "int8.onnx", split.x_train[:256])
    session = onnx_session(int8)
    accuracy = np.mean(session.run(None, {session.get_inputs()[0].name: split.x_test})[0].argmax(1) == split.y_test)
    assert accuracy >= 0.98 and int8.stat().st_size < 0.5 * fp32.stat().st_size
    assert any(n.op_type == "QuantizeLinear" for n in __import__("onnx").load(str(int8)).graph.node)  # QDQ format
    keras_model = convert(digits, "keras", input_spec=zp.card("digits-cnn-torch").inputs[0])
    nhwc = split.nhwc()
    for mode in ("int8", "fp16"):
        path = litert(keras_model, tmp_path / f"{mode}.tflite", mode, nhwc.x_train[:128])
        assert np.mean(LiteRTModel(path)(nhwc.x_test).argmax(1) == split.y_test) >= 0.98
    with pytest.raises(ValueError, match="calibration"):
        litert(keras_model, tmp_path / "x.tflite", "int8")


def test_torch_dynamic_int8_quantises_linear_layers(digits, split):
    from zoo_patterns.optimize.quantize import torch_dynamic_int8

    quantized = torch_dynamic_int8(digits)
    kinds = {type(m).__module__ for m in quantized.modules()}
    assert any("quantized" in k for k in kinds) and not any("quantized" in type(m).__module__ for m in digits.modules())
    with torch.inference_mode():
        agree = (
            (quantized(torch.from_numpy(split.x_test)).argmax(1) == digits(torch.from_numpy(split.x_test)).argmax(1))
            .float()
            .mean()
        )
    assert agree > 0.98


def test_latency_reports_p50_below_p90():
    p50, p90 = latency(lambda: sum(range(1000)), repeats=30)
    assert 0 < p50 <= p90


@pytest.mark.parametrize(
    "name,method,runtime,metric,at_least",
    [
        ("digits-cnn-torch", "prune-structured", "torch", "accuracy", 0.97),
        ("digits-cnn-torch", "int8-static", "onnx", "accuracy", 0.98),
        ("digits-cnn-keras", "int8-static", "litert", "accuracy", 0.98),
        ("minilm-l6", "int8-dynamic", "onnx", "mean_cosine_to_parent", 0.99),
    ],
)
def test_cli_writes_a_loadable_folder(tmp_path, name, method, runtime, metric, at_least):
    out = tmp_path / "out"
    result = run_cli("optimize", name, "--method", method, "--runtime", runtime, "--out", str(out))
    assert result.returncode == 0, result.stderr
    card = zp.card(name)
    loaded = zp.load(str(out), progress=False)  # the loader verifies every file against the card's sha256
    from zoo_patterns.cards import ModelCard

    child = ModelCard.load(out / "README.md")
    assert f"{card.name} {card.version}" in child.provenance.origin and "zoo_patterns.optimize" in child.provenance.training
    assert child.metric(metric) >= at_least and child.metric("size_ratio_to_parent") < 0.6
    if runtime == "onnx":
        assert (out / "model.onnx").is_file()
        names = [i.name for i in loaded.get_inputs()]
        assert names[0] == ("input_ids" if name == "minilm-l6" else "image")
        if name == "minilm-l6":
            assert loaded.get_outputs()[0].name == "last_hidden_state"


def test_cli_lists_what_is_supported(tmp_path):
    result = run_cli("optimize", "minilm-l6", "--method", "fp16", "--runtime", "litert", "--out", str(tmp_path / "x"))
    assert result.returncode == 7 and result.stderr.count("\n") == 1
    assert "Supported:" in result.stderr and "sentence-embedding: --method int8-dynamic --runtime onnx" in result.stderr
