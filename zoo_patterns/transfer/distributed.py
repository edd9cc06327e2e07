"""Fine-tuning on several processes with torch.distributed, launched by torchrun (lesson 14).

    python -m torch.distributed.run --standalone --nproc-per-node 2 -m zoo_patterns.transfer.distributed \\
        --model digits-cnn-torch --plan partial --epochs 4 --batch-size 32 --seed 0 --out runs/partial-2

What stays as in lessons 07-08: the :class:`TransferPlan` (which groups train, at which learning rates),
the model built from the zoo (``transfer.torch.build``, ``TextClassifier``) and AdamW. What changes:

- **data**: each rank reads its own share through ``DistributedSampler``; ``--batch-size`` is the *global*
  batch, split evenly, so one step sees the same examples whatever the number of processes;
- **gradients**: ``DistributedDataParallel`` averages them across ranks after every backward pass, so every
  rank takes the same optimiser step and the copies of the model never drift apart;
- **BatchNorm**: in training mode it normalises with the statistics of the *local* batch, which is half as
  big on two ranks: the one place where 1 and 2 processes compute different things (``--bn``);
- **who writes**: rank 0 alone writes the checkpoint, the model, its card and the JSON line.

For the runs to be comparable the training set is cut to a whole number of global batches (every rank then
gets equal batches), and dropout is off: a random mask is drawn per rank, so it could never match.

Failure behaviour: arguments are checked before any process waits for another, so a bad argument fails on
every rank at once with one line; collectives time out after ``--timeout`` seconds; a per-epoch checkpoint
lets ``torchrun --max-restarts N`` resume from the last completed epoch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODELS = {"digits-cnn-torch": "digits", "minilm-l6": "text"}
PLANS = ("frozen", "partial", "full")
BN_MODES = ("local", "frozen", "sync")
CHECKPOINT = "checkpoint.pt"
# Fault injection for the restart test and lesson 14: "RANK:EPOCH" kills that rank once, during that epoch.
CRASH_ONCE = "ZOO_PATTERNS_CRASH_ONCE"


class UsageError(ValueError):
    """Arguments that cannot run; raised before any rendezvous, so no rank waits for another."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m torch.distributed.run --standalone --nproc-per-node N -m zoo_patterns.transfer.distributed",
        description="Fine-tune a zoo model on N processes (gloo on CPU, nccl on GPUs).",
    )
    p.add_argument("--model", required=True, help=f"one of {', '.join(MODELS)}")
    p.add_argument("--plan", required=True, choices=PLANS)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=32, help="the global batch, split evenly across ranks")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder for the model, its card and the checkpoint")
    p.add_argument("--bn", choices=BN_MODES, default="local", help="BatchNorm: per-rank statistics, frozen, or synced")
    p.add_argument("--labels-per-class", type=int, default=16, help="digits: labelled training images per digit")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds a collective waits for a missing rank")
    return p


@dataclass(frozen=True)
class World:
    rank: int
    size: int
    local_rank: int
    local_size: int

    @classmethod
    def from_env(cls) -> World:
        """What torchrun tells each process; one process of one when started without it."""
        get = lambda name, default: int(os.environ.get(name, default))  # noqa: E731
        return cls(get("RANK", 0), get("WORLD_SIZE", 1), get("LOCAL_RANK", 0), get("LOCAL_WORLD_SIZE", 1))


def check_args(args: argparse.Namespace, world: World) -> None:
    if args.model not in MODELS:
        from ..errors import close_matches

        hint = close_matches(args.model, list(MODELS))
        raise UsageError(
            f"--model {args.model!r} cannot be fine-tuned here; expected one of {', '.join(MODELS)}"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < world.size or args.batch_size % world.size:
        raise UsageError(
            f"--batch-size {args.batch_size} is the global batch and must split evenly across {world.size} processes; "
            f"use a multiple of {world.size}"
        )
    if args.bn == "sync" and not _use_cuda(world):
        raise UsageError(
            "--bn sync uses torch.nn.SyncBatchNorm, which runs on GPUs only (nccl); on CPU use --bn frozen, "
            "or --bn local to see the per-rank statistics"
        )


def _use_cuda(world: World) -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.device_count() >= world.local_size


# -- the two jobs: what model, which data, what one step computes ------------------------------------------
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

        from ..datasets import digits_transfer_task
        from . import torch as trainer
        from .plan import Regularisation, TransferPlan

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
        from . import torch as trainer

        return trainer._accuracy(self.module, self.x_test, self.y_test)

    def save(self, out: Path) -> list[Path]:
        from ..models import torch_digits

        return torch_digits.save(self.module.cpu(), out)  # config.json + model.safetensors: zp.load(out) opens it


class TextJob(Job):
    """MiniLM with a new head on the help-desk task (lesson 07's ``TextClassifier``)."""

    def __init__(self, args: argparse.Namespace, device):
        import torch

        from .. import load
        from ..datasets import helpdesk_task
        from .text import TextClassifier, text_plan

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


# -- training ------------------------------------------------------------------------------------------------
def _set_trainable(job: Job, bn: str) -> None:
    """Freeze by the plan; frozen groups (and every BatchNorm with --bn frozen) use their stored statistics."""
    import torch

    active = job.plan.trainable_at(1)
    job.module.eval()  # dropout stays off in every plan (see the module docstring)
    job.module.requires_grad_(False)  # parameters outside every group (MiniLM's pooler) never train
    for name, module in job.groups.items():
        for p in module.parameters():
            p.requires_grad = name in active
        if name in active and MODELS[job.parent] == "digits":
            module.train()  # trainable digits layers: BatchNorm normalises with batch statistics
    if bn == "frozen":
        for m in job.module.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()


def _crash_once(world: World, epoch: int, out: Path) -> None:
    spec = os.environ.get(CRASH_ONCE, "")
    if not spec:
        return
    rank, at = (int(v) for v in spec.split(":"))
    marker = out / f".crashed-rank{rank}-epoch{at}"
    if world.rank == rank and epoch == at and not marker.exists():
        marker.touch()
        print(f"rank {rank}: killing myself during epoch {epoch} ({CRASH_ONCE}={spec})", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


def _save_checkpoint(path: Path, epoch: int, job: Job, optimizer, args: argparse.Namespace) -> None:
    import torch

    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    state = {"epoch": epoch, "args": _run_key(args), "model": job.module.state_dict(), "optimizer": optimizer.state_dict()}
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash mid-write leaves the previous checkpoint whole


def _run_key(args: argparse.Namespace) -> dict:
    """What a checkpoint must match to be resumed (not --out, not --timeout)."""
    return {k: getattr(args, k) for k in ("model", "plan", "epochs", "batch_size", "seed", "bn", "labels_per_class")}


def _resume(path: Path, job: Job, optimizer, args: argparse.Namespace) -> int:
    """The last completed epoch of a matching checkpoint (its weights and optimiser state loaded), else 0."""
    import torch

    if not path.exists():
        return 0
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state["args"] != _run_key(args):
        raise UsageError(
            f"{path} is the checkpoint of another run ({state['args']}); use a new --out folder or delete the checkpoint"
        )
    job.module.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return int(state["epoch"])


def train(args: argparse.Namespace, world: World) -> dict:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data.distributed import DistributedSampler

    start = time.perf_counter()
    cuda = _use_cuda(world)
    device = torch.device(f"cuda:{world.local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    out = Path(args.out)
    job = make_job(args, device)
    _set_trainable(job, args.bn)
    job.ddp = DistributedDataParallel(job.module, device_ids=[device.index] if cuda else None)
    trained = {g: [p for p in job.groups[g].parameters() if p.requires_grad] for g in job.plan.groups}
    optimizer = torch.optim.AdamW(
        [{"params": params, "lr": job.plan.lr_for(g)} for g, params in trained.items() if params],
        weight_decay=job.plan.regularisation.weight_decay,
    )
    checkpoint = out / CHECKPOINT
    if world.rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    dist.barrier()
    done = _resume(checkpoint, job, optimizer, args)
    sampler = DistributedSampler(range(job.n_train), num_replicas=world.size, rank=world.rank, shuffle=True, seed=args.seed)
    local_batch = args.batch_size // world.size
    losses = []
    for epoch in range(done + 1, args.epochs + 1):
        sampler.set_epoch(epoch)  # the same shuffle on every rank, a new one every epoch
        order = torch.tensor(list(sampler), device=device)
        total = 0.0
        for step, i in enumerate(range(0, len(order), local_batch)):
            if step == 1:
                _crash_once(world, epoch, out)
            optimizer.zero_grad()
            loss = job.loss(order[i : i + local_batch])
            loss.backward()  # DDP averages the gradients of every rank here
            optimizer.step()
            total += loss.item()
        losses.append(total / (len(order) // local_batch))
        if world.rank == 0:
            _save_checkpoint(checkpoint, epoch, job, optimizer, args)
        dist.barrier()  # nobody starts the next epoch before the checkpoint of this one is whole
    train_s = time.perf_counter() - start
    result = {"model": args.model, "plan": args.plan, "bn": args.bn, "world_size": world.size, "backend": dist.get_backend()}
    if world.rank == 0:
        result |= {"accuracy": round(job.accuracy(), 6), "resumed_from": done, "epochs": args.epochs}
        result |= {"global_batch": args.batch_size, "train_examples": job.n_train, "train_s": round(train_s, 3)}
        _write(out, job, args, world, result)
        checkpoint.unlink(missing_ok=True)  # the run is complete: a new run in this folder starts afresh
        for marker in out.glob(".crashed-rank*"):
            marker.unlink()
    dist.barrier()
    return result


def _write(out: Path, job: Job, args: argparse.Namespace, world: World, result: dict) -> None:
    """Rank 0 only: the final weights and a card naming the parent, the plan, the world size and the accuracy."""
    import zoo_patterns as zp

    from ..cards import Metric, TensorSpec
    from ..lineage import derived_card, write_card

    files = job.save(out)
    parent = zp.card(args.model)
    dataset = "digits 0-9, held-out split" if MODELS[args.model] == "digits" else "help-desk test messages"
    how = (
        f"torch.distributed ({result['backend']}), {world.size} process(es), DistributedDataParallel; plan {args.plan}: "
        f"{job.plan.describe()}; global batch {args.batch_size}, seed {args.seed}, BatchNorm {args.bn}"
    )
    card = derived_card(
        parent,
        "torch",
        [Metric("accuracy", result["accuracy"], dataset)],
        how,
        name=f"{args.model}-{args.plan}-distributed",
        verb="fine-tuned",
    ).replace(
        format="safetensors",
        labels=job.labels,
        outputs=(TensorSpec("logits", ("batch", "class"), (None, len(job.labels)), "float32"),),
        tags=(*parent.tags, "fine-tuned", "distributed", f"world-size-{world.size}"),
        audits=(),
        num_params=sum(p.numel() for p in job.module.parameters()),
    )
    if MODELS[args.model] == "text":
        card = card.replace(task="text-classification")
    write_card(card, out, files)


def _init_process_group(backend: str, world: World, timeout: dt.timedelta) -> None:
    """Join the group; after a torchrun restart, under keys of this attempt only.

    torchrun's agent keeps one key-value store for the whole job. The processes of a restarted attempt
    must not read addresses the dead attempt left there (gloo then connects to a process that is gone),
    so each attempt writes under its own prefix.
    """
    import torch.distributed as dist

    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT")
    if attempt is None or os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        dist.init_process_group(backend, timeout=timeout)
        return
    agent = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), world.size, is_master=False, timeout=timeout)
    store = dist.PrefixStore(f"zoo-patterns/attempt-{attempt}", agent)
    dist.init_process_group(backend, store=store, rank=world.rank, world_size=world.size, timeout=timeout)


class RunFailed(RuntimeError):
    """A torchrun job ended with an error; the message holds the ranks' error lines."""


def launch(
    nproc: int,
    out: str | Path,
    *,
    model: str = "digits-cnn-torch",
    plan: str = "partial",
    epochs: int = 3,
    batch_size: int = 32,
    seed: int = 0,
    bn: str = "local",
    max_restarts: int = 0,
    env: dict | None = None,
    timeout: float = 300,
) -> dict:
    """Run the command-line contract under torchrun in a subprocess, as a shell would; rank 0's JSON line.

    From a notebook this is the honest way: every rank is a fresh process, exactly as on a cluster.
    """
    import subprocess

    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    cmd += [f"--max-restarts={max_restarts}", "-m", __name__, "--model", model, "--plan", plan, "--epochs", str(epochs)]
    cmd += ["--batch-size", str(batch_size), "--seed", str(seed), "--bn", bn, "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        errors = [line for line in done.stderr.splitlines() if line.startswith("error: [rank")]
        unique = dict.fromkeys(line.split("] ", 1)[-1] for line in errors)  # one line per message, not per rank
        why = " | ".join(f"{m} ({len(errors)} of {nproc} ranks)" for m in unique) or " | ".join(done.stderr.splitlines()[-5:])
        raise RunFailed(f"torchrun exited with {done.returncode}: {why}")
    result = json.loads(lines[-1])
    result["stderr"] = done.stderr
    return result


def main(argv: list[str] | None = None) -> int:
    import torch.distributed as dist

    world = World.from_env()
    args = parser().parse_args(argv)  # argparse exits 2 with one usage line on every rank
    prefix = f"[rank {world.rank}/{world.size}]"
    try:
        check_args(args, world)
    except UsageError as exc:
        print(f"error: {prefix} {exc}", file=sys.stderr, flush=True)
        return 2
    if "RANK" not in os.environ:  # started without torchrun: a world of one on this host
        os.environ.update(RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=os.environ.get("MASTER_PORT", "29512"))
    backend = "nccl" if _use_cuda(world) else "gloo"
    _init_process_group(backend, world, dt.timedelta(seconds=args.timeout))
    try:
        start = time.perf_counter()
        result = train(args, world)
        if world.rank == 0:
            result["wall_s"] = round(time.perf_counter() - start, 3)
            print(json.dumps(result), flush=True)
        return 0
    except UsageError as exc:
        print(f"error: {prefix} {exc}", file=sys.stderr, flush=True)
        return 2
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
