# ---
# jupyter:
#   jupytext:
#     formats: ipynb,src//py:percent
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
# **Time:** about 30 minutes; the cells run in about 45 s on a 2-core CPU (each `torchrun` job
# starts fresh Python processes, which is most of the time).
#
# **Prerequisites:** lessons 07 and 08 (a `TransferPlan`, the training loop, BatchNorm when
# fine-tuning); running a command in a subprocess.
#
# **You will learn to:**
#
# - turn a training loop into a data-parallel one: join the process group, shard the data with `DistributedSampler` and `set_epoch`, wrap the model in `DistributedDataParallel`, and write from rank 0 only;
# - launch it with `torchrun` and check that two processes end with the weights one process gets;
# - explain why BatchNorm breaks that agreement, and fix it on a CPU by freezing its statistics;
# - resume a job from a per-epoch checkpoint after a process dies.
#
# Fine-tuning outgrows one process long before it outgrows one zoo. The standard next step in
# PyTorch is `torch.distributed`, started by [`torchrun`](../docs/glossary.md#torchrun): N copies of
# the same script, one per process, each reading its own share of the data and averaging gradients
# with the others after every backward pass. Each process has a [rank](../docs/glossary.md#rank)
# (its number, 0 to N − 1) and knows the [world size](../docs/glossary.md#world-size) (N). On a CPU
# they talk through [gloo](../docs/glossary.md#gloo), PyTorch's CPU backend for exchanging tensors
# (`nccl` is the GPU one).
#
# This lesson first writes the changes by hand in a short script, then runs the package's full
# version. `zoo_patterns.transfer.distributed` is a script that `torchrun` launches, with the
# transfer plans of lessons 07–08:
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
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch.distributed as dist
from safetensors.torch import load_file

import zoo_patterns as zp
from zoo_patterns.transfer.distributed import launch

zp.quiet()
work = Path(tempfile.mkdtemp(prefix="lesson14-"))


def max_diff(a: Path, b: Path) -> float:
    """Largest difference between two runs' final weights (and BatchNorm statistics): folders or state dicts."""
    x, y = (load_file(str(f / "model.safetensors")) if isinstance(f, Path) else f for f in (a, b))
    return max(float((x[k].double() - y[k].double()).abs().max()) for k in x)


print("device torch sees:", zp.device(), "| backend on CPU: gloo (nccl when every rank has a GPU)")

# %% [markdown]
# ## 1. One process or two: the same weights?
#
# Four changes turn lesson 07's loop into a data-parallel one:
#
# 1. **join the group**: `init_process_group("gloo")` reads the rank, the world size and where to
#    meet from the environment `torchrun` sets;
# 2. **shard the data**: `DistributedSampler` shuffles the indices from the seed (every rank gets
#    the same shuffle) and hands rank *r* every world-size-th one from position *r*; `set_epoch`
#    makes each epoch's shuffle new, and the same on every rank (it seeds with seed + epoch:
#    `torch/utils/data/distributed.py`, `DistributedSampler.__iter__`, checked by calling it in
#    `tests/test_claims.py`);
# 3. **average the gradients**: `DistributedDataParallel` wraps the model, and `backward()` then
#    averages every gradient across the ranks, so every rank takes the same optimiser step;
# 4. **one writer**: only rank 0 saves the checkpoint and prints;
# 5. **leave together**: `leave()` waits, in torchrun's key-value store, until every rank has
#    finished its last collective, destroys the process group, then ends the process at once
#    (`os._exit`). A rank that closed its connections earlier could cut off a peer still reading its
#    last message; and after a `DistributedDataParallel`, `destroy_process_group()` leaves gloo's
#    threads running, so a normal interpreter exit tears the runtime down around them, and a rank
#    can then die of SIGABRT after its work is done (`tests/test_distributed.py` measures both
#    facts; `zoo_patterns/transfer/distributed/launch.py`, `leave`, says more).
#
# `--batch-size` is the **global** batch: with two processes each takes 16 of the 32 examples of a
# step. The two shares of a step are exactly the 32 indices one process would take, and the average
# of two half-batch gradients is the gradient of the whole batch. The script below is the partial
# plan of lesson 07 (the last block and the head train, dropout off) with those five changes.

# %%
script = work / "ddp_by_hand.py"
script.write_text('''"""The digits CNN's partial fine-tuning, data-parallel: the five DDP changes, by hand (lesson 14)."""

import json
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from zoo_patterns.datasets import digits_transfer_task
from zoo_patterns.transfer import TransferPlan
from zoo_patterns.transfer.distributed import leave
from zoo_patterns.transfer.plan import Regularisation
from zoo_patterns.transfer.torch import build, layer_groups


def train(out, plan="partial", bn="local", epochs=3, batch_size=32, seed=0):
    """Lesson 07's loop on one rank of a process group; returns the trained (unwrapped) network."""
    rank, world = dist.get_rank(), dist.get_world_size()
    recipe = getattr(TransferPlan, plan)("digits-cnn-torch", 10, regularisation=Regularisation(dropout=0.0), seed=seed)
    net = build(recipe)  # every rank builds the same start: the pretrained weights and a seeded head
    groups = layer_groups(net)
    net.eval().requires_grad_(False)
    for name in recipe.trainable:
        groups[name].requires_grad_(True)
        if bn == "local":
            groups[name].train()  # its BatchNorm normalises with the batch statistics: of the LOCAL batch
    model = DistributedDataParallel(net)  # change 3: backward() averages the gradients of every rank
    params = [{"params": list(groups[g].parameters()), "lr": recipe.lr_for(g)} for g in recipe.trainable]
    optimizer = torch.optim.AdamW(params, weight_decay=recipe.regularisation.weight_decay)
    data = digits_transfer_task(labels_per_class=16)  # 160 labelled images, 16 of each digit
    keep = len(data.y_train) // batch_size * batch_size  # whole global batches, so every rank gets equal ones
    x, y = torch.from_numpy(data.x_train[:keep]), torch.from_numpy(data.y_train[:keep])
    sampler = DistributedSampler(range(keep), num_replicas=world, rank=rank, shuffle=True, seed=seed)  # change 2
    local = batch_size // world  # batch_size is the global batch
    if rank == 0:
        Path(out).mkdir(parents=True, exist_ok=True)
    for epoch in range(1, epochs + 1):
        sampler.set_epoch(epoch)  # a new shuffle every epoch, the same on every rank
        order = torch.tensor(list(sampler))  # this rank's share of it
        for i in range(0, len(order), local):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[order[i : i + local]]), y[order[i : i + local]])
            loss.backward()
            optimizer.step()
        if rank == 0:  # change 4: one writer, or every rank would write the same file at once
            torch.save({"epoch": epoch, "model": net.state_dict(), "optimizer": optimizer.state_dict()}, Path(out) / "checkpoint.pt")
        dist.barrier()  # nobody starts the next epoch before the checkpoint is written
    return net


if __name__ == "__main__":  # torchrun ... ddp_by_hand.py OUT PLAN:BN [PLAN:BN ...]: one job, one run per PLAN:BN
    from safetensors.torch import save_file

    dist.init_process_group("gloo")  # change 1: torchrun's RANK, WORLD_SIZE and MASTER_ADDR say who and where
    seconds = {}
    for run in sys.argv[2:]:
        start = time.perf_counter()
        plan, bn = run.split(":")
        net = train(Path(sys.argv[1]) / f"{plan}-{bn}", plan, bn)
        seconds[run] = round(time.perf_counter() - start, 3)
        if dist.get_rank() == 0:
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(Path(sys.argv[1]) / f"{plan}-{bn}" / "model.safetensors"))
    if dist.get_rank() == 0:
        print(json.dumps({"world_size": dist.get_world_size(), "train_s": seconds}))
    leave()  # change 5: every rank finished, then the group destroyed, then out at once (see below)
''')
print(f"wrote {script.name}: {len(script.read_text().splitlines())} lines")

# %% [markdown]
# `torchrun` starts two copies of it. Starting processes is the slow part here, so one job runs the
# three trainings this lesson compares: the partial plan now, and two more for section 2. In this
# notebook the same `train` function runs as a world of one: a process group with one member, which
# needs no `torchrun`.
#
# **Predict, then run:** the two runs below take different batches per process (16 and 32) and
# different numbers of processes. How far apart will their final weights be: about 1e-1, 1e-3, or
# less than 1e-6?

# %%
cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script), str(hand2 := work / "by-hand-2")]
cmd += ["partial:local", "full:local", "full:frozen"]
done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
by_hand_2 = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])

sys.path.insert(0, str(work))
import ddp_by_hand  # the same file, imported: its train() without the torchrun part

ddp_by_hand = importlib.reload(ddp_by_hand)  # so that running this cell again picks up your edits
if not dist.is_initialized():
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)  # a world of one, in this kernel
start = time.perf_counter()
one = {"partial-local": ddp_by_hand.train(work / "by-hand-1" / "partial-local").state_dict()}
one_s = time.perf_counter() - start
print(f"by hand: 1 process vs 2 processes (torchrun): max |w1 - w2| = {max_diff(one['partial-local'], hand2 / 'partial-local'):.1e}")
assert max_diff(one["partial-local"], hand2 / "partial-local") <= 1e-5

# %% [markdown]
# The weights agree to about 1e-8: the only difference is the order of floating-point additions when
# the two half-batch gradients are averaged.
#
# **Try changing this:** in the script, make each rank take the whole global batch
# (`local = batch_size`) and run the two cells again: the two runs no longer take the same steps,
# and the difference jumps far above 1e-5. Or delete `sampler.set_epoch(epoch)`: one and two
# processes still agree (both now repeat the first shuffle every epoch), but the next cell's
# comparison with the package fails.
#
# Now the package's script, with the same plan, seed and global batch, on two processes. It does
# the same five things (and checks its arguments, resumes, writes a card), so it must end with the
# same weights as the script by hand. `tests/test_distributed.py` also runs the package itself on
# one process and on two (and the frozen plan, and MiniLM with a new head) and checks they agree.

# %%
runs = {2: launch(2, work / "partial-2", plan="partial", epochs=3)}
table = pd.DataFrame([
    {"run": "by hand, 1 process (this kernel)", "max |w - w(package, 2)|": max_diff(one["partial-local"], work / "partial-2")},
    {"run": "by hand, 2 processes (torchrun)", "max |w - w(package, 2)|": max_diff(hand2 / "partial-local", work / "partial-2")},
    {"run": "package launch(), 2 processes", "max |w - w(package, 2)|": 0.0},
])  # fmt: skip
print(table.to_string(index=False))
print(f"package run: accuracy {runs[2]['accuracy']:.4f}, world size {runs[2]['world_size']}, backend {runs[2]['backend']}")
assert max_diff(hand2 / "partial-local", work / "partial-2") <= 1e-6 and max_diff(one["partial-local"], work / "partial-2") <= 1e-5

# %% [markdown]
# **Is it faster?** Compare the time of the same `train()` in one process and on two. On this 2-core
# machine each process has one core, and the steps are tiny (a CNN on 8x8 images), so the gradient
# exchange (the [comm](../docs/glossary.md#comm) time) costs about as much as it saves; and before
# any `train()`, a `torchrun` job starts its own Python processes and imports torch in each. Two
# processes are *not* reliably faster here; distribution pays when one step's compute is large
# compared with moving its gradients, as with big models on several GPUs.

# %%
two_s = by_hand_2["train_s"]["partial:local"]
print(f"train(), partial plan: 1 process {one_s:.2f} s, 2 processes {two_s:.2f} s -> {one_s / two_s:.2f}x")
print("(one run, and it moves from run to run; each first train() in a process also loads the pretrained model)")

# %% [markdown]
# ## 2. Where it breaks: BatchNorm
#
# The full plan trains the convolutions too, and BatchNorm in training mode normalises with the mean
# and variance of **its own** batch: 32 images in one process, 16 on each of two. Different numbers
# go into every layer, so the runs drift apart. DDP also copies rank 0's running statistics to the
# other ranks before every forward pass (`forward_sync_buffers`, on by default; the older argument
# `broadcast_buffers` is deprecated in the installed torch and warns), so the saved statistics come
# from half the data (`torch/nn/parallel/distributed.py`, `DistributedDataParallel._sync_buffers`,
# where rank 0 is the authoritative copy; `tests/test_claims.py` checks the default and the warning).
#
# Two fixes: `SyncBatchNorm` computes the statistics over all ranks (one more exchange per layer per
# step; its `forward` refuses a CPU tensor, `torch/nn/modules/batchnorm.py`, `SyncBatchNorm.forward`,
# tested), and **frozen statistics** keep the pretrained mean and variance (normalisation no longer
# depends on the batch; common when fine-tuning with small batches).
#
# Both runs are the script by hand: two processes from the `torchrun` job above, one in this kernel
# (`bn="frozen"` leaves the trained layers, BatchNorm included, in `eval()` mode). The package's
# `--bn local` and `--bn frozen` do the same, and `tests/test_distributed.py` checks them on one
# process and on two.
#
# **Predict, then run:** the partial plan agreed to about 1e-8. With per-rank statistics, will one
# and two processes end more than 1e-3 apart? And with frozen statistics?

# %%
bn_rows = []
for bn in ("local", "frozen"):
    one[f"full-{bn}"] = ddp_by_hand.train(work / "by-hand-1" / f"full-{bn}", plan="full", bn=bn).state_dict()
    bn_rows.append({"plan": "full", "BatchNorm": bn, "max |w1 - w2|": max_diff(one[f"full-{bn}"], hand2 / f"full-{bn}")})
dist.destroy_process_group()  # the world of one is done
diff_local, diff_frozen = (row["max |w1 - w2|"] for row in bn_rows)
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
with zp.expect_error(UsageError, match="GPUs only"):
    check_args(args, World(rank=0, size=2, local_rank=0, local_size=2))

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
# | MXNet Gluon | `gluon.Trainer(..., kvstore="dist_sync")`, gradients pushed to parameter servers | the MXNet repository's `tools/launch.py` (scheduler, servers, workers; not in the pip wheel) |
# | Hugging Face | `accelerate` wraps the same `torch.distributed` (and DeepSpeed, FSDP) | `accelerate launch` |
#
# The Keras and MXNet rows are checked in the installed libraries (`tests/test_claims.py`
# checks that `keras.distribution.DataParallel`, `tf.distribute.MirroredStrategy` and
# `MultiWorkerMirroredStrategy` exist, that Keras's TensorFlow distribution backend is marked a
# prototype "DO NOT USE" while its JAX one is complete, and that Gluon's `Trainer` hands
# `"dist_sync"` to `mxnet/model.py`, `_create_kvstore`, which makes a distributed kvstore that
# applies the updates itself, even for one device). `accelerate` is not installed here, so its row
# is not checked.
#
# ## Summary
#
# - Data parallelism is lesson 07's loop with five changes: join the group (`init_process_group`),
#   shard the data (`DistributedSampler`, `set_epoch`), average the gradients (DDP), write from
#   rank 0 only, and leave together (`leave()`). The script by hand ended with the package's weights (within 1e-6; 0.0 in our
#   runs), and one process with the same weights as two to about 1e-8.
# - On this 2-core machine two processes were not reliably faster: the steps are tiny, and starting
#   processes and exchanging gradients cost about what they save (one run, printed above).
# - BatchNorm with per-rank statistics broke the agreement (more than 1e-3 apart); frozen statistics
#   restored it (within 1e-5). `SyncBatchNorm` is the GPU fix.
# - A per-epoch checkpoint let `torchrun --max-restarts 1` resume after a rank was killed, ending with
#   exactly the uninterrupted run's weights.
# - Prove a distributed run computes what one process computes before you trust it, and measure
#   whether it is faster before you pay for it.
#
# **Exercise:** [exercises/14_past_one_machine.ipynb](../exercises/14_past_one_machine.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [15 · Inside the hubs' clients](15_inside_the_hubs_clients.ipynb).
