"""Checks for exercise 14: past one machine."""

from __future__ import annotations

from . import Question, expect


def _check_split(local_batch, steps) -> None:
    expect(isinstance(local_batch, int) and isinstance(steps, int), "answer with two ints.")
    expect(local_batch != 32, "--batch-size is the global batch: each of the 4 processes takes a share of it.")
    expect(local_batch == 32 // 4, "split the global batch of 32 evenly across 4 processes.")
    expect(steps == 160 // 32, "every step consumes one global batch of 32 of the 160 examples, whatever the world size.")


q1 = Question(
    "q1",
    _check_split,
    hints=[
        "The batch size on the command line is the global batch; the world size splits it, it does not multiply it.",
        "Lesson 14 shows it in section '1. One process or two: the same weights?'.",
        "local batch = global batch / world size; steps per epoch = examples / global batch.",
    ],
    solution="local_batch = 32 // 4\nsteps = 160 // 32",
)


def _check_shard(rank1_first) -> None:
    from torch.utils.data.distributed import DistributedSampler

    sampler = DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0)
    sampler.set_epoch(3)
    want = list(sampler)[:5]
    expect(isinstance(rank1_first, list) and len(rank1_first) == 5, "answer with a list of the first 5 indices.")
    other = DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0)
    expect(
        rank1_first != list(other)[:5] or want == list(other)[:5],
        "call sampler.set_epoch(3) first: each epoch has its own shuffle.",
    )
    expect([int(i) for i in rank1_first] == want, "DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0).")


q2 = Question(
    "q2",
    _check_shard,
    hints=[
        "Every rank computes the same shuffle from the seed and the epoch, then takes its own slice of it.",
        "Lesson 14 shows it in section '1. One process or two: the same weights?'.",
        "DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0); sampler.set_epoch(3) before list(sampler).",
    ],
    solution=(
        "sampler = DistributedSampler(range(160), num_replicas=2, rank=1, shuffle=True, seed=0)\n"
        "sampler.set_epoch(3)\n"
        "rank1_first = list(sampler)[:5]"
    ),
)


def _check_bn(bn_mode) -> None:
    import tempfile
    from pathlib import Path

    from safetensors.torch import load_file

    from ..transfer.distributed import BN_MODES, RunFailed, launch

    expect(bn_mode in BN_MODES, f"choose one of {BN_MODES}.")
    expect(bn_mode != "local", "'local' is what breaks parity: each rank normalises with its own half batch.")
    work = Path(tempfile.mkdtemp(prefix="ex14-"))
    try:
        for n in (1, 2):
            launch(n, work / str(n), plan="full", bn=bn_mode, epochs=2)
    except RunFailed as exc:
        expect(False, f"that run failed: {exc}")
    a, b = (load_file(str(work / n / "model.safetensors")) for n in ("1", "2"))
    diff = max(float((a[k] - b[k]).abs().max()) for k in a)
    expect(diff <= 1e-5, f"1 and 2 processes still differ by {diff:.2e}.")


q3 = Question(
    "q3",
    _check_bn,
    hints=[
        "BatchNorm's batch statistics depend on the batch, and each rank sees only its share of it.",
        "Lesson 14 shows it in section '2. Where it breaks: BatchNorm'. It lists two fixes; one of them needs GPUs.",
        "On a CPU: keep the pretrained statistics.",
    ],
    solution='bn_mode = "frozen"',
)
