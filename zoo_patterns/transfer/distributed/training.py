"""The training loop under DistributedDataParallel: freezing by the plan, checkpoints, resuming, the final card.

Rank 0 alone writes the checkpoint, the model, its card and the JSON line; a per-epoch checkpoint lets
``torchrun --max-restarts N`` resume from the last completed epoch (lesson 14).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from .contract import CHECKPOINT, CRASH_ONCE, MODELS, UsageError, World, use_cuda
from .jobs import Job, make_job


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
    cuda = use_cuda(world)
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

    from ...cards import Metric, TensorSpec
    from ...lineage import derived_card, write_card

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
