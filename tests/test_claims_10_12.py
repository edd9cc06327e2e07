"""What lessons 10, 11 and 12 say about the libraries they use, checked against the installed libraries.

Each test names the lesson sentence it stands behind. A test calls the library (or reads its source) and
fails when a new release stops doing what the lesson says. The lessons' hand-written mechanisms (channel
pruning, the counterfactual flip rate and bootstrap, the WEAT p-value) are checked here too, without the
zoo, against the package functions they are asserted equal to in the lessons.

Each test here has been seen failing: `python scripts/mutate_claims.py` breaks every claim once
(in the test process only) and checks that the test backing it fails; add a mutation there for a new test.
"""

from __future__ import annotations

import inspect
import itertools
import math
import warnings

import numpy as np
import pytest

# -- lesson 10 -----------------------------------------------------------------------------------------


def keep_by_l1(weight, ratio: float):
    """Lesson 10's hand-written rule, verbatim: the round(n * (1 - ratio)) largest L1 norms, in order."""
    norms = weight.abs().sum(dim=(1, 2, 3))
    n_keep = max(1, round(len(norms) * (1 - ratio)))
    return norms.argsort(descending=True)[:n_keep].sort().values


def prune_by_hand(net, ratio: float) -> dict:
    """Lesson 10's hand-written channel pruning of conv -> BatchNorm -> conv -> BatchNorm -> ... -> Linear."""
    state = {name: t.detach().clone() for name, t in net.state_dict().items()}
    conv1, bn1, conv2, bn2, linear = "backbone.0", "backbone.1", "backbone.3", "backbone.4", "backbone.8"
    kept1 = keep_by_l1(state[f"{conv1}.weight"], ratio)
    state[f"{conv2}.weight"] = state[f"{conv2}.weight"][:, kept1]
    kept2 = keep_by_l1(state[f"{conv2}.weight"], ratio)
    for conv, bn, kept in ((conv1, bn1, kept1), (conv2, bn2, kept2)):
        for name in (f"{conv}.weight", f"{conv}.bias"):
            state[name] = state[name][kept]
        for name in ("weight", "bias", "running_mean", "running_var"):
            state[f"{bn}.{name}"] = state[f"{bn}.{name}"][kept]
    hidden = state[f"{linear}.weight"].shape[0]
    state[f"{linear}.weight"] = state[f"{linear}.weight"].reshape(hidden, -1, 16)[:, kept2].reshape(hidden, -1)
    return state


def random_digits_cnn(seed: int):
    import torch

    from zoo_patterns.models.torch_digits import DigitsCNN

    torch.manual_seed(seed)
    net = DigitsCNN(5, width=16)
    with torch.no_grad():  # BatchNorm statistics that are not all 0 and 1, as after training
        for bn in (net.backbone[1], net.backbone[4]):
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.normal_()
            bn.bias.normal_()
    return net.eval()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ratio", [0.25, 0.5, 0.75])
def test_lesson10_channel_pruning_by_hand_equals_prune_digits_cnn(seed, ratio):
    """Lesson 10, section 2: the hand-sliced tensors are the package's, tensor for tensor."""
    import torch

    from zoo_patterns.optimize.prune import _keep, prune_digits_cnn

    net = random_digits_cnn(seed)
    by_hand = prune_by_hand(net, ratio)
    pruned = prune_digits_cnn(net, ratio)
    theirs = {k: v for k, v in pruned.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert theirs.keys() <= by_hand.keys()
    assert [k for k, v in theirs.items() if not torch.equal(v, by_hand[k])] == []
    weight = net.backbone[0].weight.detach()
    assert keep_by_l1(weight, ratio).tolist() == _keep(weight.numpy(), ratio).tolist()
    x = torch.rand(4, 1, 8, 8)  # and the network really is narrower, not just different
    assert pruned(x).shape == (4, 5) and pruned.config["width"] == round(16 * (1 - ratio))


def test_lesson10_torch_prune_zeroes_the_smallest_weights_and_keeps_shapes():
    """Lesson 10, section 1: torch.nn.utils.prune (l1_unstructured) zeroes the smallest weights; shapes stay."""
    from zoo_patterns.optimize.prune import prune_unstructured, sparsity

    net = random_digits_cnn(0)
    pruned = prune_unstructured(net, 0.8)
    for before, after in zip(net.modules(), pruned.modules(), strict=True):
        if hasattr(before, "weight") and before.weight is not None and before.weight.dim() > 1:
            magnitude, zero = before.weight.detach().abs(), after.weight.detach() == 0
            assert after.weight.shape == before.weight.shape
            assert magnitude[zero].max() <= magnitude[~zero].min()
    assert sparsity(pruned) == pytest.approx(0.8, abs=0.01)


def test_lesson10_quantize_dynamic_is_deprecated_and_names_torchao():
    """Lesson 10, section 5: torch.ao.quantization.quantize_dynamic warns (DeprecationWarning) and names
    torchao's quantize_ as the replacement; the qint8 tensors it makes are deprecated too; one scale per tensor."""
    import torch
    from torch import nn

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = torch.ao.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 3)), {nn.Linear}, dtype=torch.qint8)
    deprecations = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert any("quantize_dynamic" in m and "torchao" in m and "quantize_ API" in m for m in deprecations)
    assert any("qint8" in str(w.message) and "deprecated" in str(w.message) for w in caught)
    assert q[0].weight().qscheme() == torch.per_tensor_affine


def test_lesson10_the_package_silences_the_deprecation_and_still_quantises(monkeypatch):
    """Lesson 10, section 5: quantize.torch_dynamic_int8 silences that deprecation (only that one) and still quantises."""
    import torch
    from torch import nn

    from zoo_patterns.optimize.quantize import torch_dynamic_int8

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = torch_dynamic_int8(nn.Sequential(nn.Linear(4, 3)))
    assert [str(w.message)[:80] for w in caught if issubclass(w.category, DeprecationWarning)] == []
    assert isinstance(q[0], torch.ao.nn.quantized.dynamic.Linear), f"not quantised: {q[0]!r}"
    assert q[0].weight().dtype == torch.qint8
    quantize_dynamic = torch.ao.quantization.quantize_dynamic

    def also_warns(*args, **kwargs):
        warnings.warn("some other API is deprecated", DeprecationWarning, stacklevel=2)
        return quantize_dynamic(*args, **kwargs)

    monkeypatch.setattr(torch.ao.quantization, "quantize_dynamic", also_warns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch_dynamic_int8(nn.Sequential(nn.Linear(4, 3)))
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == ["some other API is deprecated"]


def _tiny_onnx(path, kind: str):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    if kind == "matmul":
        w = numpy_helper.from_array(rng.normal(size=(8, 6)).astype(np.float32), "W")
        nodes = [helper.make_node("MatMul", ["x", "W"], ["y"])]
        x, y = [None, 8], [None, 6]
        inits = [w]
    else:
        w = numpy_helper.from_array(rng.normal(size=(4, 1, 3, 3)).astype(np.float32), "W")
        b = numpy_helper.from_array(rng.normal(size=(4,)).astype(np.float32), "B")
        nodes = [helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])]
        x, y = [None, 1, 8, 8], [None, 4, 8, 8]
        inits = [w, b]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y)],
        inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    return path


def test_lesson10_onnxruntime_dynamic_int8_does_not_warn_and_keeps_one_scale_per_column(tmp_path):
    """Lesson 10, section 5: onnxruntime.quantization.quantize_dynamic does not warn; with per_channel=True
    it stores int8 weights with one scale per output column and quantises activations at run time."""
    import onnx
    from onnx import numpy_helper

    from zoo_patterns.optimize.quantize import onnx_dynamic_int8

    src = _tiny_onnx(tmp_path / "mm.onnx", "matmul")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error", FutureWarning)
        out = onnx_dynamic_int8(src, tmp_path / "mm8.onnx", per_channel=True)
    model = onnx.load(str(out))
    stored = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    ops = [n.op_type for n in model.graph.node]
    matmul = next(n for n in model.graph.node if n.op_type == "MatMulInteger")
    assert "DynamicQuantizeLinear" in ops  # activations: quantised on the fly
    weight = stored[matmul.input[1]]
    assert weight.dtype == np.int8 and stored[matmul.input[1].replace("_quantized", "_scale")].shape == (6,)


def test_lesson10_calibration_reader_and_qdq_and_fusion(tmp_path):
    """Lesson 10, section 3: quantize_static asks a CalibrationDataReader for one batch per get_next() call
    until it returns None; the QDQ file feeds every Conv from DequantizeLinear nodes; ONNX Runtime's optimiser
    turns DequantizeLinear -> Conv -> QuantizeLinear into QLinearConv."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    src = _tiny_onnx(tmp_path / "conv.onnx", "conv")
    batches = [{"x": np.random.default_rng(i).random((2, 1, 8, 8), dtype=np.float32)} for i in range(3)]
    answers = []

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(batches)

        def get_next(self):
            answers.append(next(self.it, None))
            return answers[-1]

    quantize_static(str(src), str(tmp_path / "q.onnx"), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)  # fmt: skip
    assert [a is None for a in answers[:4]] == [False, False, False, True]
    qdq = onnx.load(str(tmp_path / "q.onnx"))
    made_by = {o: n.op_type for n in qdq.graph.node for o in n.output}
    convs = [n for n in qdq.graph.node if n.op_type == "Conv"]
    assert convs, f"no float Conv between Q/DQ nodes: {[n.op_type for n in qdq.graph.node]}"
    assert all(made_by[i] == "DequantizeLinear" for conv in convs for i in conv.input)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(tmp_path / "as-run.onnx")
    ort.InferenceSession(str(tmp_path / "q.onnx"), options, providers=["CPUExecutionProvider"])
    as_run = [n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node]
    assert "QLinearConv" in as_run and "Conv" not in as_run


# -- lesson 11 -----------------------------------------------------------------------------------------


def _synthetic(n=5, seed=0, shift=0.6):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=12), rng.normal(size=12)
    table = {f"a{i}": a + 0.5 * rng.normal(size=12) for i in range(4)}
    table |= {f"b{i}": b + 0.5 * rng.normal(size=12) for i in range(4)}
    table |= {f"x{i}": shift * a + rng.normal(size=12) for i in range(n)}
    table |= {f"y{i}": shift * b + rng.normal(size=12) for i in range(n)}
    X, Y = [f"x{i}" for i in range(n)], [f"y{i}" for i in range(n)]
    return (lambda words: np.stack([table[w] for w in words])), X, Y, [f"a{i}" for i in range(4)], [f"b{i}" for i in range(4)]


def test_lesson11_exact_p_value_counts_the_observed_split():
    """Lessons 01 and 11's convention, exact: (splits at least as extreme, the observed included) / (all splits)."""
    from zoo_patterns.audit import associations, weat

    encode, X, Y, A, B = _synthetic()
    result = weat(encode, X, Y, A, B)
    s = associations(encode, [*X, *Y], A, B)
    stats = [2 * s[list(c)].sum() - s.sum() for c in itertools.combinations(range(10), 5)]
    assert result.exact and result.partitions == len(stats) == math.comb(10, 5)
    assert result.p_value == sum(t >= result.statistic - 1e-12 for t in stats) / len(stats)
    assert result.p_value < 0.05  # and the planted association is still found


def test_lesson11_sampled_p_value_is_one_plus_count_over_one_plus_samples():
    """The Monte Carlo convention (Phipson & Smyth 2010): p = (1 + count) / (1 + samples), never 0."""
    from zoo_patterns.audit import associations, weat

    encode, X, Y, A, B = _synthetic(shift=3.0)  # an association so strong no sampled split reaches it
    result = weat(encode, X, Y, A, B, permutations=500, seed=7)
    s = associations(encode, [*X, *Y], A, B)
    rng = np.random.default_rng(7)  # the same draws weat makes
    count = sum(2 * s[rng.permutation(10)[:5]].sum() - s.sum() >= result.statistic - 1e-12 for _ in range(500))
    assert not result.exact and result.partitions == 500
    assert result.p_value == (1 + count) / (1 + 500)
    assert result.p_value > 0


def test_lesson11_pandas_sample_with_replacement_is_randomstate_choice():
    """Lesson 11's bootstrap by hand: DataFrame.sample(frac=1, replace=True, random_state=s), which fairlearn
    calls (fairlearn/metrics/_bootstrap.py, generate_single_bootstrap_sample), draws RandomState(s).choice(n, n)."""
    import pandas as pd
    from fairlearn.metrics import _bootstrap

    frame = pd.DataFrame({"v": np.arange(37)})
    for s in np.random.default_rng(0).integers(0, np.iinfo(np.uint32).max, size=5, dtype=np.uint32):
        drawn = frame.sample(frac=1, replace=True, random_state=s, axis=0, ignore_index=True)["v"].to_numpy()
        assert (drawn == np.random.RandomState(s).choice(37, size=37, replace=True)).all()
    source = inspect.getsource(_bootstrap.generate_single_bootstrap_sample)
    assert "data.sample(" in source and "frac=1, replace=True" in source


def fake_router(texts):
    """A deterministic stand-in for the router: a label from the words of the text."""
    return np.array([sum(map(ord, t)) % 5 for t in texts])


def test_lesson11_flip_rate_and_bootstrap_by_hand_equal_counterfactual_audit():
    """Lesson 11, section 3, without MiniLM: the hand-written flip rate and bootstrap equal the package's."""
    from zoo_patterns.audit import counterfactual_audit
    from zoo_patterns.data.words import FRAMES, IDENTITY

    rng = np.random.default_rng(0)
    messages = [f"message {i} about {w}" for i, w in enumerate(rng.choice(["billing", "login", "parcel"], 40))]
    y_true = fake_router(messages)
    y_true[::3] = (y_true[::3] + 1) % 5  # a router that is not always right
    report = counterfactual_audit(fake_router, messages, y_true, n_boot=50, seed=3)
    original = fake_router(messages)
    flips = {(r.dimension, r.group): r.flip_rate for r in report.flip_rates("group").itertuples()}
    table = {(r.dimension, r.group): (r.accuracy, r.ci_low, r.ci_high) for r in report.accuracy_table().itertuples()}
    for dim, groups in IDENTITY.items():
        for group, terms in groups.items():
            moved = [fake_router([FRAMES[dim].format(term=t, msg=m) for m in messages]) != original for t in terms]
            assert flips[dim, group] == float(np.mean(moved))
        rows = [(g, FRAMES[dim].format(term=terms[i % len(terms)], msg=m), y_true[i])
                for i, m in enumerate(messages) for g, terms in groups.items()]  # fmt: skip
        group_of = np.array([g for g, _, _ in rows])
        correct = fake_router([t for _, t, _ in rows]) == np.array([y for _, _, y in rows])
        seeds = np.random.default_rng(3).integers(0, np.iinfo(np.uint32).max, size=50, dtype=np.uint32)
        resampled = []
        for s in seeds:
            pick = np.random.RandomState(s).choice(len(rows), size=len(rows), replace=True)
            resampled.append([correct[pick][group_of[pick] == g].mean() for g in groups])
        low, high = np.nanquantile(resampled, [0.025, 0.975], axis=0)
        for g, lo, hi in zip(groups, low, high, strict=True):
            assert table[dim, g] == (correct[group_of == g].mean(), lo, hi), (dim, g)


# -- lesson 12 -----------------------------------------------------------------------------------------


def test_lesson12_value_and_click_run_the_handlers_a_browser_message_runs():
    """Lesson 12, section 2: setting .value and calling .click() run the same handlers as the messages the
    browser sends (ipywidgets/widgets/widget.py, Widget._handle_msg 'update'; widget_button.py, a 'click' event)."""
    import ipywidgets as widgets

    seen = {"code": [], "browser": []}
    for how in seen:
        text, button = widgets.Text(), widgets.Button()
        text.observe(lambda change, how=how: seen[how].append(("value", change["new"])), "value")
        button.on_click(lambda b, how=how: seen[how].append(("click",)))
        if how == "code":
            text.value = "cnn-t"
            button.click()
        else:
            text._handle_msg({"content": {"data": {"method": "update", "state": {"value": "cnn-t"}}}, "buffers": []})
            content = {"method": "custom", "content": {"event": "click"}}
            button._handle_msg({"content": {"data": content}, "buffers": []})
    assert seen["code"] == seen["browser"] == [("value", "cnn-t"), ("click",)]


def test_lesson12_a_widget_is_a_kernel_model_with_a_browser_view():
    """Lesson 12: each widget is a model in the kernel (its state synced over a comm) shown by a view in the page."""
    import ipywidgets as widgets

    text = widgets.Text()
    assert (text._model_name, text._view_name) == ("TextModel", "TextView")
    assert text.trait_metadata("value", "sync") and "value" in text.get_state()
    assert text.comm is not None


def test_lesson12_voila_shows_outputs_without_code_by_default():
    """Lesson 12, section 7: Voila runs the notebook and shows its outputs, not its code (voila/configuration.py,
    VoilaConfiguration.strip_sources defaults to True), on port 8866 by default (voila/app.py, Voila.port)."""
    from voila import app as voila_app  # the lab extra (in `all`) installs Voila: missing is a failure, not a skip
    from voila import configuration as voila_config

    assert voila_config.VoilaConfiguration.class_traits()["strip_sources"].default_value is True
    assert voila_app.Voila.class_traits()["port"].default_value == 8866
