# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["colab"] cellView="form" jupyter={"source_hidden": true}
#@title Colab only: install the workbook and MXNet, keeping Colab's torch and numpy (does nothing elsewhere) { display-mode: "form" }
import sys

if "google.colab" in sys.modules:
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "zoo-patterns[colab] @ git+https://github.com/zoo-patterns/zoo-patterns"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "mxnet==1.9.1"], check=True)

# %% [markdown]
# # 14 · Past one machine
#
# Fine-tuning outgrows one process long before it outgrows one zoo. The standard next step in
# PyTorch is `torch.distributed`, started by `torchrun`: N copies of the same script, one per
# process, each reading its own share of the data and averaging gradients with the others after
# every backward pass.
#
# This lesson runs the real thing. `zoo_patterns.transfer.distributed` is a script that `torchrun`
# launches, with the transfer plans of lessons 07–08:
#
# ```bash
# python -m torch.distributed.run --standalone --nproc-per-node 2 -m zoo_patterns.transfer.distributed \
#     --model digits-cnn-torch --plan partial --epochs 3 --batch-size 32 --seed 0 --out runs/partial-2
# ```
#
# `launch(n, out, ...)` below runs exactly that command in a subprocess and returns the JSON line
# rank 0 prints. We ask three questions: does it compute the same thing as one process, is it
# faster here, and what happens when a process dies?

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.torch import load_file

import zoo_patterns as zp
from zoo_patterns.transfer.distributed import launch

zp.quiet()
work = Path(tempfile.mkdtemp(prefix="lesson14-"))


def max_diff(a: Path, b: Path) -> float:
    """Largest difference between two runs' final weights (and BatchNorm statistics)."""
    x, y = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return max(float((x[k].double() - y[k].double()).abs().max()) for k in x)


print("device torch sees:", zp.device(), "| backend on CPU: gloo (nccl when every rank has a GPU)")

# %% [markdown]
# ## 1. One process or two: the same weights?
#
# `--batch-size` is the **global** batch: with two processes each takes 16 of the 32 examples of a
# step, chosen by `DistributedSampler` from one shuffle that every rank computes from the seed. DDP
# averages the two gradients, which is the gradient of the whole batch. So, with dropout off and the
# same seed, both runs should take the same steps. We run the partial plan of lesson 07 (the last
# block and the head train); `tests/test_distributed.py` checks the frozen plan, and MiniLM with a
# new head, the same way.

# %%
runs = {n: launch(n, work / f"partial-{n}", plan="partial", epochs=3) for n in (1, 2)}
table = pd.DataFrame([{k: run[k] for k in ("plan", "world_size", "accuracy", "train_s", "wall_s")} for run in runs.values()])
table["max |w1 - w2|"] = [0.0, max_diff(work / "partial-1", work / "partial-2")]
print(table.to_string(index=False))
assert max_diff(work / "partial-1", work / "partial-2") <= 1e-5

# %% [markdown]
# The weights agree to about 1e-7: the only difference is the order of floating-point additions when
# the two half-batch gradients are averaged.
#
# **Is it faster?** Look at the wall times. On this 2-core machine each process has one core, starts
# its own Python, imports torch and loads the model, and the steps are tiny (a CNN on 8x8 images), so
# the gradient exchange costs about as much as it saves. Two processes are *not* reliably faster here;
# distribution pays when one step's compute is large compared with moving its gradients, as with big
# models on several GPUs.

# %%
print(f"training time, 1 process / 2 processes: {runs[1]['train_s'] / runs[2]['train_s']:.2f}x (one run; it moves from run to run)")

# %% [markdown]
# ## 2. Where it breaks: BatchNorm
#
# The full plan trains the convolutions too, and BatchNorm in training mode normalises with the mean
# and variance of **its own** batch: 32 images in one process, 16 on each of two. Different numbers
# go into every layer, so the runs drift apart. DDP also copies rank 0's running statistics to the
# other ranks at every step (`broadcast_buffers`), so the saved statistics come from half the data.
#
# Two fixes: `SyncBatchNorm` computes the statistics over all ranks (one more exchange per layer per
# step, GPUs only), and **frozen statistics** keep the pretrained mean and variance (normalisation no
# longer depends on the batch; common when fine-tuning with small batches).

# %%
bn_rows = []
for bn in ("local", "frozen"):
    for n in (1, 2):
        result = launch(n, work / f"full-{bn}-{n}", plan="full", bn=bn, epochs=3)
        bn_rows.append({"BatchNorm": bn, "world_size": n, "accuracy": result["accuracy"]})
diff_local = max_diff(work / "full-local-1", work / "full-local-2")
diff_frozen = max_diff(work / "full-frozen-1", work / "full-frozen-2")
print(pd.DataFrame(bn_rows).to_string(index=False))
print(f"max |w1 - w2|: per-rank statistics {diff_local:.2e}, frozen statistics {diff_frozen:.2e}")
assert diff_local > 1e-3 and diff_frozen <= 1e-5

# %% [markdown]
# What about `--bn sync` here? Every rank checks its arguments before it joins the others, so a run
# that cannot work fails at once instead of leaving a process waiting. This is that check, for rank 0
# of a world of two on this machine (`tests/test_distributed.py` launches the same arguments with
# `torchrun` and gets this line from both ranks):

# %%
from zoo_patterns.transfer.distributed import UsageError, World, check_args, parser

args = parser().parse_args(["--model", "digits-cnn-torch", "--plan", "full", "--bn", "sync", "--out", str(work / "sync")])
try:
    check_args(args, World(rank=0, size=2, local_rank=0, local_size=2))
    sync_error = None
except UsageError as exc:
    sync_error = str(exc)
print(sync_error)
assert sync_error is not None and "GPUs only" in sync_error

# %% [markdown]
# On a GPU machine `--bn sync` converts every BatchNorm with `torch.nn.SyncBatchNorm.convert_sync_batchnorm`
# and the runs agree again; on CPU (gloo) PyTorch refuses it, and the script says so before any
# process waits for another.
#
# ## 3. When a process dies
#
# Rank 0 writes a checkpoint after every epoch (atomically: a temporary file, then a rename). If a
# rank dies, `torchrun` stops the others at once; with `--max-restarts 1` it starts them all again,
# and they resume from the last completed epoch. `ZOO_PATTERNS_CRASH_ONCE=1:2` makes rank 1 kill
# itself (SIGKILL) once, during epoch 2. (Without `--max-restarts` the job fails within seconds,
# and the checkpoint of epoch 1 stays in `--out` for the next try; `tests/test_distributed.py`
# checks both.)

# %%
crash = {"ZOO_PATTERNS_CRASH_ONCE": "1:2"}
resumed = launch(2, work / "restarts", plan="partial", env=crash, max_restarts=1)
print([line for line in resumed["stderr"].splitlines() if "killing myself" in line])
print(f"resumed from epoch {resumed['resumed_from']}, accuracy {resumed['accuracy']:.4f}")
print(f"max |w(resumed) - w(uninterrupted)| = {max_diff(work / 'restarts', work / 'partial-2'):.1e}")
assert resumed["resumed_from"] == 1 and max_diff(work / "restarts", work / "partial-2") <= 1e-6

# %% [markdown]
# The resumed run ends with exactly the weights of the run that never failed: the checkpoint holds the
# model *and* the optimiser state, and the sampler's shuffle depends only on the seed and the epoch.
#
# The output is a zoo-style model folder with a card naming the parent, the plan and the world size:

# %%
card = zp.ModelCard.load(work / "partial-2")
print(card.summary())
print(card.provenance.origin[:60], "...")
print(card.provenance.training)
net = zp.load(str(work / "partial-2"), progress=False)
assert "world-size-2" in card.tags and net.head.out_features == 10

# %% [markdown]
# ## 4. The same command, bigger
#
# **Several machines.** Run the same command on every machine, naming how many there are and where
# to meet (any host all of them reach, port open):
#
# ```bash
# # on each of 2 machines, 4 processes each (world size 8)
# torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint head-node:29400 --rdzv-id ft-01 \
#     -m zoo_patterns.transfer.distributed --model minilm-l6 --plan partial --batch-size 64 --out /shared/runs/ft-01
# ```
#
# The global batch stays 64 whatever the world size, so the result does not depend on how many
# machines you got. `--out` should be a folder every machine sees, since rank 0 (wherever it runs)
# writes the checkpoint that a restarted job resumes from.
#
# **GPUs.** With a GPU per process the script picks `nccl` and puts each rank on `cuda:LOCAL_RANK`;
# `--nproc-per-node gpu` starts one process per GPU. Nothing else changes.
#
# **The other frameworks of this workbook:**
#
# | framework | data-parallel training | launched by |
# |---|---|---|
# | PyTorch | `torch.distributed` + `DistributedDataParallel` (this lesson) | `torchrun` |
# | Keras 3 | `keras.distribution.DataParallel` (JAX backend); on TensorFlow, `tf.distribute.MirroredStrategy` / `MultiWorkerMirroredStrategy` | one process per machine, `TF_CONFIG` for several |
# | MXNet Gluon | `gluon.Trainer(..., kvstore="dist_sync")`, gradients pushed to parameter servers | `tools/launch.py` (scheduler, servers, workers) |
# | Hugging Face | `accelerate` wraps the same `torch.distributed` (and DeepSpeed, FSDP) | `accelerate launch` |
#
# **Takeaways.** Distributed data parallelism is the same training loop with three changes: each
# rank reads its share, gradients are averaged, one rank writes. Prove it computes what one process
# computes before you trust it, measure whether it is faster before you pay for it, and checkpoint
# every epoch, because at scale some process always dies.
#
# **Exercise:** [exercises/14_past_one_machine.ipynb](../exercises/14_past_one_machine.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [15 · Inside the hubs' clients](15_inside_the_hubs_clients.ipynb).
