"""The command-line contract of a distributed run: its arguments, the world torchrun describes, the checks.

Everything here runs before any process waits for another, so a bad argument fails on every rank at
once with one line (lesson 14).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

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
        from ...errors import close_matches

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
    if args.bn == "sync" and not use_cuda(world):
        raise UsageError(
            "--bn sync uses torch.nn.SyncBatchNorm, which runs on GPUs only (nccl); on CPU use --bn frozen, "
            "or --bn local to see the per-rank statistics"
        )


def use_cuda(world: World) -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.device_count() >= world.local_size
