"""The two distributed jobs: what model, which data, what one step computes, built the same way on every rank."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .contract import MODELS, UsageError


class Job:
    """A model and its data, built the same way on every rank.

    ``module`` holds every parameter (what the checkpoint saves); ``ddp`` is the same module wrapped in
    DistributedDataParallel once training starts, and ``loss`` calls it so that gradients are averaged.
    """

    plan: Any
    module: Any
    ddp: Any = None
    groups: dict
    n_train: int
    parent: str
    labels: tuple[str, ...]

    def loss(self, idx) -> Any: ...

    def accuracy(self) -> float: ...

    def save(self, out: Path) -> list[Path]: ...


class DigitsJob(Job):
    def __init__(self, args: argparse.Namespace, device):
        import torch

        from ...datasets import digits_transfer_task
        from .. import torch as trainer
        from ..plan import Regularisation, TransferPlan

        self.parent, self.device = args.model, device
        preset = getattr(TransferPlan, args.plan)
        self.plan = preset(
            args.model,
            10,
            regularisation=Regularisation(dropout=0.0),
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        self.module = trainer.build(self.plan).to(device)
        if args.bn == "sync":  # before the groups are taken, so they hold the synced layers the optimiser must train
            self.module = torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.module)
        self.groups = trainer.layer_groups(self.module)
        split = digits_transfer_task(labels_per_class=args.labels_per_class)
        keep = len(split.y_train) - len(split.y_train) % args.batch_size
        if keep == 0:
            raise UsageError(f"--batch-size {args.batch_size} is larger than the {len(split.y_train)} training images")
        self.x, self.y = (torch.from_numpy(a[:keep]).to(device) for a in (split.x_train, split.y_train))
        self.x_test, self.y_test = split.x_test, split.y_test
        self.n_train, self.labels = keep, tuple(str(c) for c in split.classes)

    def loss(self, idx):
        import torch

        return torch.nn.functional.cross_entropy(self.ddp(self.x[idx]), self.y[idx])

    def accuracy(self) -> float:
        from .. import torch as trainer

        return trainer._accuracy(self.module, self.x_test, self.y_test)

    def save(self, out: Path) -> list[Path]:
        from ...models import torch_digits

        return torch_digits.save(self.module.cpu(), out)  # config.json + model.safetensors: zp.load(out) opens it


class TextJob(Job):
    """MiniLM with a new head on the help-desk task (lesson 07's ``TextClassifier``)."""

    def __init__(self, args: argparse.Namespace, device):
        import torch

        from ... import load
        from ...datasets import helpdesk_task
        from ..text import TextClassifier, text_plan

        self.parent, self.device = args.model, device
        split = helpdesk_task()
        unfreeze = {"frozen": 0, "partial": 1, "full": 6}[args.plan]
        self.plan = text_plan(len(split.labels), unfreeze_last=unfreeze, epochs=args.epochs, seed=args.seed).replace(
            batch_size=args.batch_size
        )
        if args.plan == "full":
            self.plan = self.plan.replace(trainable=self.plan.groups)
        torch.manual_seed(args.seed)
        encoder = load(args.model, adapt=True, progress=False).to(device)
        head = torch.nn.Linear(encoder.output_spec.shape[1], len(split.labels)).to(device)
        self.classifier = TextClassifier(encoder, head)
        native = encoder.native
        self.groups = {
            "embeddings": native.embeddings,
            "head": head,
            **{f"layer.{i}": b for i, b in enumerate(native.encoder.layer)},
        }
        self.module = torch.nn.ModuleDict({"encoder": native, "head": head})
        self.module.forward = self._forward  # DDP calls forward: texts (or frozen features) in, logits out
        keep = len(split.y_train) - len(split.y_train) % args.batch_size
        if keep == 0:
            raise UsageError(f"--batch-size {args.batch_size} is larger than the {len(split.y_train)} training messages")
        self.texts, self.y = split.train_texts[:keep], torch.from_numpy(split.y_train[:keep]).to(device)
        self.test_texts, self.y_test = split.test_texts, split.y_test
        self.n_train, self.labels = keep, split.labels
        self.frozen_features = None
        if args.plan == "frozen":  # the encoder never changes: embed once, as lesson 07 does
            self.frozen_features = self.classifier.embed(self.texts)

    def _forward(self, texts):
        if self.frozen_features is not None:
            return self.classifier.head(texts)
        return self.classifier.head(self.classifier.embed(texts, grad=True))

    def loss(self, idx):
        import torch

        inputs = self.frozen_features[idx] if self.frozen_features is not None else [self.texts[i] for i in idx.tolist()]
        return torch.nn.functional.cross_entropy(self.ddp(inputs), self.y[idx])

    def accuracy(self) -> float:
        import numpy as np

        return float(np.mean(self.classifier.predict(self.test_texts) == self.y_test))

    def save(self, out: Path) -> list[Path]:
        from safetensors.torch import save_file

        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.module.state_dict().items()}
        save_file(state, out / "model.safetensors")
        return [out / "model.safetensors"]


def make_job(args: argparse.Namespace, device) -> Job:
    return (DigitsJob if MODELS[args.model] == "digits" else TextJob)(args, device)
