"""Starting a distributed run: joining the process group (``main``, what torchrun runs) and ``launch`` from Python."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from .contract import UsageError, World, check_args, parser, use_cuda


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
    cmd += [f"--max-restarts={max_restarts}", "-m", __package__, "--model", model, "--plan", plan, "--epochs", str(epochs)]
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

    from .training import train

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
    backend = "nccl" if use_cuda(world) else "gloo"
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
