"""Checks for exercise 14: past one machine."""

from __future__ import annotations

import functools

from . import PredictionQuestion, Question, expect


def _script_split(global_batch: int, world: int, examples: int) -> tuple[int, int]:
    """What the package's training script does (transfer/distributed/training.py): each rank iterates over its
    DistributedSampler shard in local batches of global_batch // world."""
    from torch.utils.data.distributed import DistributedSampler

    local = global_batch // world
    shard = len(DistributedSampler(range(examples), num_replicas=world, rank=0, shuffle=True, seed=0))
    return local, len(range(0, shard, local))


# the question's run first, then runs the learner has not seen (an example count that does not split evenly too)
SPLIT_CASES = ((32, 4, 160), (32, 2, 160), (30, 3, 100), (64, 4, 150), (8, 8, 20))


def _check_split(split_batch) -> None:
    expect(
        callable(split_batch),
        f"expected a function split_batch(global_batch, world, examples), got {type(split_batch).__name__}.",
    )
    for global_batch, world, examples in SPLIT_CASES:
        got = split_batch(global_batch, world, examples)
        expect(isinstance(got, tuple) and len(got) == 2, "return a pair (local_batch, steps).")
        local_batch, steps = got
        expect(isinstance(local_batch, int) and isinstance(steps, int), "answer with two ints.")
        where = f"--batch-size {global_batch} on {world} processes over {examples} examples"
        want_local, want_steps = _script_split(global_batch, world, examples)
        expect(local_batch != global_batch or world == 1, f"{where}: --batch-size is the global batch, shared by the processes.")
        expect(local_batch == want_local, f"{where}: that is not each process's share of the global batch.")
        expect(
            steps == want_steps,
            f"{where}: the script takes another number of steps per epoch. How many examples does one rank's shard hold "
            "(the sampler pads it so that every rank gets as many), and how many local batches cover it?",
        )


q1 = Question(
    "q1",
    _check_split,
    hints=[
        "The batch size on the command line is the global batch; the world size splits it, it does not multiply it. "
        "Each rank then walks through its own shard of the examples.",
        "Lesson 14 shows it in section '1. One process or two: the same weights?': the script's sampler, its local "
        "batch, and its loop over the shard.",
        "local_batch = global_batch // world; a shard holds ceil(examples / world) indices; steps = ceil(shard / local_batch).",
    ],
    solution=(
        "def split_batch(global_batch, world, examples):\n    local_batch = global_batch // world\n"
        "    shard = math.ceil(examples / world)\n    return local_batch, math.ceil(shard / local_batch)"
    ),
)


class _NoSampler(Exception):
    pass


SHARD_CASES = ((160, 2, 1, 0, 3), (160, 2, 0, 0, 0), (10, 4, 3, 5, 1), (7, 3, 2, 1, 2))  # (n, world, rank, seed, epoch)


def _check_shard(shard) -> None:
    import torch
    from torch.utils.data import distributed

    expect(callable(shard), f"expected a function shard(n, world, rank, seed, epoch), got {type(shard).__name__}.")
    for n, world, rank, seed, epoch in SHARD_CASES:
        sampler = distributed.DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        want = list(sampler)
        real_iter = distributed.DistributedSampler.__iter__

        def refuse(self):
            raise _NoSampler

        distributed.DistributedSampler.__iter__ = refuse  # the point is to write the sampler, not to call it
        try:
            got = shard(n, world, rank, seed, epoch)
        except _NoSampler:
            expect(False, "shard() asks DistributedSampler for the answer: compute the shuffle and the slice yourself.")
        finally:
            distributed.DistributedSampler.__iter__ = real_iter
        got = [int(i) for i in (got.tolist() if isinstance(got, torch.Tensor) else got)]
        where = f"n={n}, world={world}, rank={rank}, seed={seed}, epoch={epoch}"
        expect(
            len(got) == len(want),
            f"{where}: your shard is not as long as DistributedSampler's: does every rank get as many indices?",
        )
        expect(got == want, f"{where}: not the indices DistributedSampler gives this rank: which seed, and which slice?")


q2 = Question(
    "q2",
    _check_shard,
    hints=[
        "Every rank computes the same shuffle from the seed and the epoch, pads it so that it splits evenly, then takes "
        "every world-th index from its own position.",
        "Lesson 14 shows it in section '1. One process or two: the same weights?': the second change, 'shard the data'.",
        "g = torch.Generator(); g.manual_seed(seed + epoch); order = torch.randperm(n, generator=g).tolist(); "
        "pad with order[:total - n] to total = ceil(n / world) * world; return order[rank:total:world].",
    ],
    solution=(
        "def shard(n, world, rank, seed, epoch):\n    g = torch.Generator()\n    g.manual_seed(seed + epoch)\n"
        "    order = torch.randperm(n, generator=g).tolist()\n    total = math.ceil(n / world) * world\n"
        "    order += order[: total - n]\n    return order[rank:total:world]"
    ),
)


RUNS = ("local", "frozen", "sync")  # --bn, with the full plan (it trains BatchNorm too)
OUTCOMES = ("same", "differ", "refused")


@functools.lru_cache(maxsize=1)
def _parity_runs() -> dict:
    """Question 3, measured: the full plan with each --bn mode, launched with torchrun on 1 and on 2 processes.

    A mode the script refuses on this machine is asked of its own argument check, as every rank asks it before it
    joins the others (``check_args``), instead of launching two processes to hear the same refusal.
    """
    import tempfile
    from pathlib import Path

    from safetensors.torch import load_file

    from ..transfer.distributed import RunFailed, UsageError, World, check_args, launch, parser

    work = Path(tempfile.mkdtemp(prefix="ex14-"))
    outcomes = {}
    for bn in RUNS:
        key = f"full plan, --bn {bn}"
        args = parser().parse_args(["--model", "digits-cnn-torch", "--plan", "full", "--bn", bn, "--out", str(work / bn)])
        try:
            check_args(args, World(rank=0, size=2, local_rank=0, local_size=2))
        except UsageError:
            outcomes[key] = "refused"
            continue
        try:
            for n in (1, 2):
                launch(n, work / f"{bn}-{n}", plan="full", bn=bn, epochs=1)
        except RunFailed:
            outcomes[key] = "refused"
            continue
        a, b = (load_file(str(work / f"{bn}-{n}" / "model.safetensors")) for n in (1, 2))
        diff = max(float((a[k] - b[k]).abs().max()) for k in a)
        outcomes[key] = "same" if diff <= 1e-5 else "differ"
    return outcomes


q3 = PredictionQuestion(
    "q3",
    "ex14",
    [f"full plan, --bn {bn}" for bn in RUNS],
    _parity_runs,
    shape="'full plan, --bn local': 'same', 'differ' or 'refused', ...",
    keys_are="runs",
    value_ok=lambda v: v in OUTCOMES,
    value_rule=f"each outcome is one of {OUTCOMES}: the same weights to 1e-5, weights that differ, or a run refused.",
    ask="Does BatchNorm in training mode see the whole global batch on each rank, which statistics does each mode "
    "normalise with, and what does this CPU machine lack?",
    hints=[
        "BatchNorm in training mode normalises with its own batch's statistics, and each rank sees only its share; "
        "statistics that do not depend on the batch cannot differ between the ranks.",
        "Lesson 14 shows it in section '2. Where it breaks: BatchNorm': two fixes, one of which needs GPUs.",
        "local statistics: differ; frozen statistics: same; sync on a CPU: refused (SyncBatchNorm needs GPUs).",
    ],
    solution=(
        "predicted = {'full plan, --bn local': 'differ', 'full plan, --bn frozen': 'same', 'full plan, --bn sync': 'refused'}"
    ),
)
