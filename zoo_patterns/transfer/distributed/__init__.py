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

The package, one idea per module: ``contract`` (the arguments, the world, the checks), ``jobs`` (the two
models and their data), ``training`` (the DDP loop, checkpoints, the card) and ``launch`` (``main``, what
torchrun runs, and :func:`launch`, which runs it from Python).
"""

from __future__ import annotations

from .contract import BN_MODES, CHECKPOINT, CRASH_ONCE, MODELS, PLANS, UsageError, World, check_args, parser
from .launch import RunFailed, launch, leave, main

__all__ = ["BN_MODES", "CHECKPOINT", "CRASH_ONCE", "MODELS", "PLANS", "RunFailed", "UsageError", "World", "check_args",
           "launch", "leave", "main", "parser"]  # fmt: skip
