"""Starting a distributed run: joining the process group (``main``, what torchrun runs) and ``launch`` from Python."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import NoReturn

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


def leave(code: int = 0, timeout: float = 60.0) -> NoReturn:
    """End this rank: wait until every rank is done, destroy the process group, then exit at once.

    Two things make a plain ``destroy_process_group()`` and a normal exit unsafe under gloo:

    - A rank returns from the last collective as soon as *it* has what it needs, while its own last
      message to a peer may still be queued. If it closes its connections then, the peer reads
      "Connection closed by peer". So the ranks first meet in the key-value store (plain TCP, no gloo):
      no rank closes a connection before every rank has finished its last collective.
    - Once a ``DistributedDataParallel`` has been built, ``destroy_process_group()`` no longer stops
      gloo's threads (``gloo_tcp_loop``, ``pt_gloo_runloop``: still running after it, measured in
      ``tests/test_distributed.py``). A normal exit then tears the interpreter and the C++ runtime down
      around threads that still serve sockets the peers are closing, and a rank can die of SIGABRT
      after its work is done. So the rank flushes its output and leaves with ``os._exit``, as
      ``multiprocessing``'s children do: nothing runs after the work but the kernel's cleanup.
    """
    import torch.distributed as dist
    from torch.distributed.distributed_c10d import _get_default_store

    if not dist.is_initialized():  # refused before joining: no gloo threads, so a normal exit is safe
        sys.exit(code)
    rank, world = dist.get_rank(), dist.get_world_size()
    if not wait_for_every_rank(_get_default_store(), world, timeout):
        print(f"error: [rank {rank}/{world}] not every rank finished within {timeout:.0f} s", file=sys.stderr)
        code = code or 1
    dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def wait_for_every_rank(store, world_size: int, timeout: float, key: str = "zoo-patterns/finished") -> bool:
    """Count this rank as finished in ``store``, then wait until ``world_size`` ranks have; False on timeout."""
    store.add(key, 1)
    deadline = time.monotonic() + timeout
    while store.add(key, 0) < world_size:  # add(key, 0) reads the count
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class RunFailed(RuntimeError):
    """A torchrun job ended with an error; the message names each failed rank, its attempt and its last lines.

    ``logs`` is the folder of the ranks' own output (``attempt_N/RANK/stderr.log``), kept for reading.
    """

    def __init__(self, message: str, logs: Path | None = None):
        super().__init__(message)
        self.logs = logs


# torchrun's closing summary names each failed rank: "  rank      : 1 (local_rank: 1)", then its exit code.
_FAILED_RANK = re.compile(r"^\s*rank\s*:\s*(\d+) \(local_rank: (\d+)\)")
_EXIT_CODE = re.compile(r"^\s*exitcode\s*:\s*(-?\d+)")
# With --tee, torchrun echoes each rank's lines with this prefix ("[default1]:...").
_TEE_PREFIX = re.compile(r"^\[default\d+\]:")
FATAL = ("terminate called", "Fatal Python error", "Segmentation fault", "Aborted")


def _exit_reason(code: int) -> str:
    import signal

    if code < 0:
        try:
            return f"exit {code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"exit {code}"
    return f"exit {code}"


def failed_ranks(stderr: str) -> list[tuple[int, int, int]]:
    """(rank, local rank, exit code) of every rank torchrun's closing summary names."""
    found, rank = [], None
    for line in stderr.splitlines():
        if m := _FAILED_RANK.match(line):
            rank = (int(m.group(1)), int(m.group(2)))
        elif rank is not None and (m := _EXIT_CODE.match(line)):
            found.append((*rank, int(m.group(1))))
            rank = None
    return found


def rank_report(logs: Path, stderr: str, lines: int = 4) -> str:
    """Per failed rank of the last attempt: its exit, and the last lines it wrote to its own stderr."""
    attempts = sorted(logs.glob("*/attempt_*"), key=lambda p: int(p.name.split("_")[1]))
    if not attempts:
        return ""
    last = attempts[-1]
    parts = []
    for rank, local_rank, code in failed_ranks(stderr):
        log = last / str(local_rank) / "stderr.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        said = [t.strip() for t in text.splitlines() if t.strip()]
        # A fatal error's first line says what it was (a C++ terminate, a Python fatal error); the
        # lines after it say where (faulthandler's stacks, see launch()). Without one, the last lines.
        fatal = next((i for i, t in enumerate(said) if t.startswith(FATAL)), None)
        tail = said[fatal : fatal + lines] if fatal is not None else said[-lines:]
        parts.append(
            f"rank {rank} ({_exit_reason(code)}) in {last.name}: " + (" / ".join(tail) or "(it wrote nothing to stderr)")
        )
    return " | ".join(parts)


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
    Each rank's own output goes to a log folder (``--log-dir``, one ``attempt_N/RANK/`` per attempt) and
    to this process (``--tee 3``); a failed job raises :class:`RunFailed` naming each failed rank, its
    attempt and its last lines, and keeps the folder. A job that succeeds leaves nothing behind.
    """
    import shutil
    import subprocess
    import tempfile

    logs = Path(tempfile.mkdtemp(prefix="zoo-patterns-torchrun-"))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    cmd += [f"--max-restarts={max_restarts}", "--log-dir", str(logs), "--tee", "3"]
    cmd += ["-m", __package__, "--model", model, "--plan", plan, "--epochs", str(epochs)]
    cmd += ["--batch-size", str(batch_size), "--seed", str(seed), "--bn", bn, "--out", str(out)]
    # faulthandler: a rank killed by a fatal signal (SIGABRT, SIGSEGV) prints every thread's Python stack first
    ranks_env = {**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ranks_env)
    stdout = [_TEE_PREFIX.sub("", line) for line in done.stdout.splitlines()]
    stderr = "\n".join(_TEE_PREFIX.sub("", line) for line in done.stderr.splitlines())
    results = [line for line in stdout if line.startswith("{")]
    if done.returncode or not results:
        errors = [line for line in stderr.splitlines() if line.startswith("error: [rank")]
        unique = dict.fromkeys(line.split("] ", 1)[-1] for line in errors)  # one line per message, not per rank
        if unique:  # the script refused its arguments on every rank: that line says it all
            shutil.rmtree(logs, ignore_errors=True)
            why = " | ".join(f"{m} ({len(errors)} of {nproc} ranks)" for m in unique)
            raise RunFailed(f"torchrun exited with {done.returncode}: {why}")
        why = rank_report(logs, stderr) or " | ".join(stderr.splitlines()[-5:])
        raise RunFailed(f"torchrun exited with {done.returncode}: {why} (each rank's output: {logs})", logs)
    shutil.rmtree(logs, ignore_errors=True)
    result = json.loads(results[-1])
    result["stderr"] = stderr
    return result


def main(argv: list[str] | None = None) -> int:
    """What each torchrun process runs; returns the exit code (``__main__`` passes it to :func:`leave`)."""
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
