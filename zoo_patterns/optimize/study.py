"""The measured comparison of lesson 10 and ``benchmarks/optimize.py``: every method on two real models.

:func:`digits_study` (the zoo's CNN: pruning, ONNX Runtime static int8, LiteRT) and
:func:`minilm_study` (MiniLM: torch and ONNX Runtime dynamic int8) each return
:class:`~zoo_patterns.optimize.bench.Row` values measured in this process, in interleaved
rounds (the best of ``rounds`` for each), at the same thread count. GPU rows say "no GPU" where
torch sees none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .bench import Row, latency, measure, measure_rounds, threads, torch_size_mb


def _gpu_row(model: str, predict_on) -> Row:
    """fp32 torch on the GPU, or a row that says there is none."""
    import torch

    row = Row(model, "fp32", "torch cuda", float("nan"), float("nan"), "", notes="no GPU")
    if not torch.cuda.is_available():
        return row
    row.notes = torch.cuda.get_device_name(0)
    return predict_on(row)


def digits_study(
    work: str | Path, *, n_threads: int = 1, repeats: int = 30, rounds: int = 3, recover_epochs: int = 5
) -> list[Row]:
    """The digits CNN: fp32, unstructured and structured pruning, ONNX Runtime static int8, LiteRT fp32/fp16/int8."""
    import torch

    from .. import card, load, model_dir
    from ..convert import convert
    from ..datasets import digits_task
    from ..transfer import TransferPlan
    from ..transfer.torch import fit
    from .prune import prune_digits_cnn, prune_unstructured
    from .quantize import LiteRTModel, litert, onnx_session, onnx_static_int8

    work = Path(work)
    split = digits_task(seed=0)
    x, y = split.x_test, split.y_test
    batches = {"b1": x[:1], "b32": x[:32]}
    net = load("digits-cnn-torch", progress=False).eval()

    timed = []  # (row, predict, batches), measured together at the end

    def torch_row(method: str, module, notes: str = "") -> Row:
        module = module.eval()

        def predict(batch):
            with torch.inference_mode():
                return module(torch.from_numpy(batch)).numpy()

        row = Row(
            "digits", method, "torch", torch_size_mb(module), float(np.mean(predict(x).argmax(1) == y)), "accuracy", notes=notes
        )
        timed.append((row, predict, batches))
        return row

    rows = []
    with threads(n_threads):
        rows.append(torch_row("fp32", net))
        rows.append(torch_row("prune 50% unstructured", prune_unstructured(net, 0.5), "zeros, same shapes"))
        pruned = prune_digits_cnn(net, 0.5)
        recovered, _ = fit(
            TransferPlan.full("digits-cnn-torch", 5, epochs=recover_epochs), split, progress=False, start_from=pruned
        )
        rows.append(torch_row("prune 50% channels", recovered, f"{recover_epochs}-epoch recovery"))

        def onnx_row(method: str, path: Path) -> Row:
            session = onnx_session(path, n_threads)
            name = session.get_inputs()[0].name

            def predict(batch):
                return session.run(None, {name: batch})[0]

            row = Row(
                "digits", method, "onnxruntime", path.stat().st_size / 1e6, float(np.mean(predict(x).argmax(1) == y)), "accuracy"
            )
            timed.append((row, predict, batches))
            return row

        fp32_onnx = model_dir("digits-cnn-onnx") / "model.onnx"
        rows.append(onnx_row("fp32", fp32_onnx))
        rows.append(onnx_row("int8 static (QDQ)", onnx_static_int8(fp32_onnx, work / "digits-int8.onnx", split.x_train[:512])))

        keras_model = convert(net, "keras", input_spec=card("digits-cnn-torch").inputs[0])
        nhwc = split.nhwc()
        for mode in ("fp32", "fp16", "int8"):
            path = litert(keras_model, work / f"digits-{mode}.tflite", mode, nhwc.x_train[:256])
            lite = LiteRTModel(path, n_threads)
            row = Row(
                "digits", mode, "litert", path.stat().st_size / 1e6, float(np.mean(lite(nhwc.x_test).argmax(1) == y)), "accuracy"
            )
            timed.append((row, lite, {k: v.transpose(0, 2, 3, 1) for k, v in batches.items()}))
            rows.append(row)
        measure_rounds(timed, repeats=repeats, rounds=rounds)

    def on_gpu(row: Row) -> Row:
        gpu = net.to("cuda")

        def predict(batch):
            with torch.inference_mode():
                out = gpu(torch.from_numpy(batch).to("cuda"))
                torch.cuda.synchronize()
                return out.cpu().numpy()

        row.size_mb, row.quality, row.quality_name = rows[0].size_mb, float(np.mean(predict(x).argmax(1) == y)), "accuracy"
        return measure(row, predict, batches, repeats=repeats)

    rows.append(_gpu_row("digits", on_gpu))
    net.cpu()
    return rows


def minilm_study(
    work: str | Path, *, n_threads: int = 1, repeats: int = 10, rounds: int = 3
) -> tuple[list[Row], dict[str, float]]:
    """MiniLM: fp32 and dynamic int8 in torch and in ONNX Runtime. Returns the rows and the cosines to fp32.

    Quality is help-desk accuracy with one frozen head: a logistic regression trained on the fp32
    embeddings of the training messages, applied unchanged to each variant's embeddings.
    """
    import torch
    from sklearn.linear_model import LogisticRegression

    from .. import load
    from ..adapters.hf import mean_pool
    from ..convert.onnx import MINILM_INPUTS, minilm_to_onnx, onnx_sentence_embeddings
    from ..datasets import helpdesk_task
    from .bench import size_mb
    from .quantize import onnx_dynamic_int8, onnx_session, torch_dynamic_int8

    work = Path(work)
    task = helpdesk_task()
    encoder = load("minilm-l6", adapt=True, progress=False)
    tokenizer = encoder.tokenizer
    texts = list(task.test_texts)
    fp32 = encoder.predict(texts)
    head = LogisticRegression(max_iter=2000).fit(encoder.predict(list(task.train_texts)), task.y_train)
    pt = {k: tokenizer(texts[:n], padding=True, truncation=True, return_tensors="pt") for k, n in (("b1", 1), ("b32", 32))}
    np_batches = {
        k: {name: v.numpy().astype(np.int64) for name, v in enc.items() if name in MINILM_INPUTS} for k, enc in pt.items()
    }
    rows, cosines, timed = [], {}, []

    def add(method: str, runtime: str, size: float, embeddings: np.ndarray, predict, batches) -> None:
        cosine = float(np.mean((embeddings * fp32).sum(axis=1)))
        cosines[f"{method} {runtime}"] = cosine
        accuracy = float(np.mean(head.predict(embeddings) == task.y_test))
        row = Row("minilm", method, runtime, size, accuracy, "help-desk accuracy", notes=f"cosine to fp32 {cosine:.4f}")
        rows.append(row)
        timed.append((row, predict, batches))

    def torch_embed(module, texts_):
        tok = tokenizer(texts_, padding=True, truncation=True, return_tensors="pt")
        with torch.inference_mode():
            hidden = module(**tok).last_hidden_state
        return torch.nn.functional.normalize(mean_pool(hidden, tok["attention_mask"]), dim=-1).numpy()

    with threads(n_threads):
        model = encoder.native.cpu().eval()
        quantized = torch_dynamic_int8(model)
        for method, module in (("fp32", model), ("int8 dynamic", quantized)):

            def predict(enc, module=module):
                with torch.inference_mode():
                    return module(**enc).last_hidden_state

            add(method, "torch", torch_size_mb(module), torch_embed(module, texts), predict, pt)
        fp32_onnx = minilm_to_onnx(work / "minilm.onnx", model, tokenizer)
        int8_onnx = onnx_dynamic_int8(fp32_onnx, work / "minilm-int8.onnx", per_channel=True)
        for method, path in (("fp32", fp32_onnx), ("int8 dynamic", int8_onnx)):
            session = onnx_session(path, n_threads)
            names = {i.name for i in session.get_inputs()}

            def predict(batch, session=session, names=names):
                return session.run(None, {k: v for k, v in batch.items() if k in names})[0]

            add(method, "onnxruntime", size_mb(path), onnx_sentence_embeddings(path, tokenizer, texts), predict, np_batches)
        # a batch-1 call costs about a twentieth of a batch-32 one: four times the calls, for a steadier p50
        measure_rounds(timed, repeats={"b1": 4 * repeats, "b32": repeats}, rounds=rounds)

    def on_gpu(row: Row) -> Row:
        gpu = model.to("cuda")
        batches = {k: {n: t.to("cuda") for n, t in enc.items()} for k, enc in pt.items()}

        def predict(enc):
            with torch.inference_mode():
                out = gpu(**enc).last_hidden_state
                torch.cuda.synchronize()
                return out

        row.size_mb, row.quality, row.quality_name = rows[0].size_mb, rows[0].quality, "help-desk accuracy"
        return measure(row, predict, batches, repeats=repeats)

    rows.append(_gpu_row("minilm", on_gpu))
    model.cpu()
    return rows, cosines


def thread_scaling(predict, batch, counts=(1, 2), repeats: int = 10) -> dict[int, float]:
    """p50 latency (ms) of ``predict(batch)`` at each torch thread count."""
    out = {}
    for n in counts:
        with threads(n):
            out[n] = latency(lambda: predict(batch), repeats=repeats)[0]
    return out
