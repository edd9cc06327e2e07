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
# # 11 · Ethics and limits
#
# **Time:** about 30 minutes; the cells run in about 55 s on a 2-core CPU, most of it training the router and running it on the 2,800 messages of the counterfactual audit.
#
# **Prerequisites:** lessons 01 and 07 (model cards, and the help-desk router built on MiniLM);
# what a p-value is.
#
# **You will learn to:**
#
# - compute a word's association score by hand, and test an association test where the answer
#   is known before trusting it;
# - run SEAT on MiniLM and say which claims its effect sizes and p-values support and which not;
# - audit a classifier counterfactually: flip rates, and accuracy by group with bootstrap intervals,
#   both written by hand and then checked against the package's audit;
# - record an audit in a model card, and check the zoo's provenance and licences.
#
# A pretrained model learned from someone else's data, and it keeps what that data taught it,
# including the associations of the people who wrote it. The usual advice is to evaluate such a
# model critically before you use it. This lesson turns that advice into measurements:
#
# 1. an **association test** ([WEAT/SEAT](../docs/glossary.md#seat-weat)) on MiniLM's embeddings;
# 2. a **[counterfactual audit](../docs/glossary.md#counterfactual-audit)** of the help-desk
#    router of lesson 07: the same problem, a different customer;
# 3. a **provenance and licence audit** of the whole zoo;
# 4. the results **written into model cards**, where the next user will look.
#
# The hard part is not computing numbers. It is saying what they do and do not support, and this
# lesson shows both.

# %%
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import zoo_patterns as zp
from zoo_patterns.audit import associations, audit_cards, cards_in, counterfactual_audit, record_audit, records, run_tests, weat
from zoo_patterns.data.words import TESTS, WORDS

zp.quiet()
minilm = zp.load("minilm-l6", adapt=True, progress=False)
encode = minilm.predict  # list of strings -> unit vectors [n, 384]
work = Path(tempfile.mkdtemp(prefix="lesson11-"))
print({k: WORDS[k][:4] for k in ("male_names", "female_names", "career", "family")})

# %% [markdown]
# ## 1. The association test, one word at a time
#
# WEAT (Caliskan et al., 2017) asks whether target words X sit closer to attribute words A than
# target words Y do. For one word w:
#
# $$s(w, A, B) = \operatorname{mean}_{a \in A} \cos(w, a) - \operatorname{mean}_{b \in B} \cos(w, b)$$
#
# A positive s means w is closer to A than to B. Here is s for one name against career and family
# words, computed by hand and by the library:

# %%
word, A, B = "Sarah", list(WORDS["career"]), list(WORDS["family"])
w, a, b = encode([word]), encode(A), encode(B)
by_hand = float((w @ a.T).mean() - (w @ b.T).mean())
library = float(associations(encode, [word], A, B)[0])
print(f"s({word}, career, family) = {by_hand:+.4f} by hand, {library:+.4f} by zoo_patterns.audit.associations")
assert abs(by_hand - library) < 1e-6

# %% [markdown]
# The test statistic adds s over X and subtracts it over Y; the **effect size** divides the gap in
# means by the standard deviation of s over all target words; the **[p-value](../docs/glossary.md#permutation-test)** is the share of all
# equal-size re-splits of X ∪ Y whose statistic is at least as large as the observed one. If the
# labels "X" and "Y" meant nothing, the observed split would be a typical one.
#
# One convention, the same as lesson 01's: the observed split is one of the arrangements, so it is
# counted too. When every split is enumerated (as here), p = (splits at least as extreme, the
# observed one included) / (all splits), so p is never below 1 / (number of splits): no test can
# claim more than its arrangements allow. When there are too many splits to enumerate, `weat`
# samples them instead and reports p = (1 + count) / (1 + samples) (Phipson & Smyth, 2010): the
# observed split is added once to the count and to the total, so a sampled p is never 0.
#
# Before trusting `weat` on a real model, test it where the answer is known: synthetic vectors in
# which X was built near A. A slow reference written with loops must agree with it, and the
# p-value must be exactly the share of the enumerated partitions.

# %%
rng = np.random.default_rng(0)
dim = 12
centre_a, centre_b = rng.normal(size=dim), rng.normal(size=dim)
table = {f"a{i}": centre_a + 0.5 * rng.normal(size=dim) for i in range(4)}
table |= {f"b{i}": centre_b + 0.5 * rng.normal(size=dim) for i in range(4)}
table |= {f"x{i}": 0.6 * centre_a + rng.normal(size=dim) for i in range(5)}  # X planted near A
table |= {f"y{i}": 0.6 * centre_b + rng.normal(size=dim) for i in range(5)}
lookup = lambda words: np.stack([table[w] for w in words])  # noqa: E731
X, Y = [f"x{i}" for i in range(5)], [f"y{i}" for i in range(5)]
A_syn, B_syn = [f"a{i}" for i in range(4)], [f"b{i}" for i in range(4)]


def cos(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def s_slow(word):
    return np.mean([cos(table[word], table[x]) for x in A_syn]) - np.mean([cos(table[word], table[x]) for x in B_syn])


def stat_slow(xs, ys):
    return sum(s_slow(x) for x in xs) - sum(s_slow(y) for y in ys)


result = weat(lookup, X, Y, A_syn, B_syn)
every = X + Y
null = np.array([stat_slow(xi, [w for w in every if w not in xi]) for xi in itertools.combinations(every, len(X))])
values = [s_slow(w) for w in every]
effect_slow = (np.mean(values[:5]) - np.mean(values[5:])) / np.std(values, ddof=1)
print(f"weat:      {result.summary()}")
print(f"reference: effect size {effect_slow:+.3f}, statistic {stat_slow(X, Y):+.4f}, {len(null)} partitions")
assert abs(result.statistic - stat_slow(X, Y)) < 1e-9 and abs(result.effect_size - effect_slow) < 1e-9
assert result.exact and result.partitions == len(null) == 252
assert result.p_value == np.mean(null >= result.statistic - 1e-12)  # the p-value IS the permutation distribution
assert result.effect_size > 1 and result.p_value < 0.01  # the planted association is found

# %% [markdown]
# **Try changing this:** in the cell above, plant nothing: change `0.6 * centre_a` and
# `0.6 * centre_b` to `0.0 * ...` and run it again. The effect size falls near zero (about -0.2)
# and the p-value rises to about 0.6, so the last assertion fails: with no association planted,
# none is found. Put the 0.6 back.

# %% [markdown]
# ## 2. SEAT on MiniLM
#
# MiniLM encodes sentences, so each word goes into four neutral templates ("This is a {}.",
# "{} is here.", ...) and is represented by the mean of their embeddings (SEAT, May et al., 2019).
# The word lists are the workbook's own (`zoo_patterns/data/words.py` says how they were chosen):
# eight words per set, so the p-values are exact over C(16, 8) = 12,870 partitions.
#
# The first row is a **control** with a known answer: flowers are more pleasant than insects in
# any encoder trained on ordinary text. If it failed, the method would be broken.

# %%
seat = run_tests(encode)
bare = run_tests(encode, templates=None)  # the same tests on bare words, no templates
rows = [
    {
        "test": name,
        "effect size": r.effect_size,
        "p-value": r.p_value,
        "effect size, bare words": bare[name].effect_size,
        "p, bare words": bare[name].p_value,
    }
    for name, r in seat.items()
]
print(pd.DataFrame(rows).round(4).to_string(index=False))
control = seat["flowers-insects/pleasant-unpleasant (control)"]
assert control.effect_size > 1.0 and control.p_value < 0.001, "the control must show its known association"

# %% [markdown]
# ### A bias that is measurable
#
# With these names and these words, MiniLM places the male names closer to career words and the
# female names closer to family words than a random split of the same sixteen names would be:
# a large effect size, and a p-value no random re-split reaches. This is what the data supports: an
# association **in this encoder, for these words**. It is not a measurement of people, and it does
# not by itself say what a system built on MiniLM will do to anyone. The counterfactual audit in
# section 3 asks that second question.

# %%
names = seat["male-female names/career-family"]
print(f"male-female names / career-family: {names.summary()}")
assert names.effect_size > 0.8 and names.p_value < 0.01

# %% [markdown]
# ### Claims the data cannot support
#
# **"MiniLM ties male words to science."** With the gendered family terms (father, sister, ...) the
# science-arts test gives a moderate effect size but a p-value above 0.05: more than one random
# re-split in twenty sits at least as far apart (the cell prints how many). Eight words cannot carry that claim. The template choice matters
# too: the career-family effect of the same terms is more than twice as large on bare words as
# in templates. A number that moves this much with the method is not a property of the model alone.
#
# **Fewer words make it worse.** With three words per set there are only C(6, 3) = 20 partitions.
# The smallest p-value possible is then 1/20 = 0.05, "the most extreme of 20 splits", something
# that happens by chance one time in 20, and p moves in steps of 0.05. A test this small cannot
# reach any stricter level, whatever the model does.

# %%
terms = seat["male-female terms/science-arts"]
print(f"male-female terms / science-arts: {terms.summary()}")
print(f"  {round(terms.p_value * terms.partitions):,} of {terms.partitions:,} re-splits sit at least as far apart: about one in {1 / terms.p_value:.0f}")
assert 0.5 <= terms.effect_size < 0.8 and terms.p_value > 0.05  # moderate (0.5 to 0.8 standard deviations), not significant
moved = bare["male-female terms/career-family"].effect_size / seat["male-female terms/career-family"].effect_size
print(f"career-family, terms: bare words give {moved:.1f}x the effect size of templates")
assert moved > 2

few = weat(encode, WORDS["male_names"][:3], WORDS["female_names"][:3], WORDS["career"][:3], WORDS["family"][:3])
print(f"three words per set: {few.summary()}; {few.partitions} partitions, so p moves in steps of {1 / few.partitions:.2f}")
assert few.exact and few.partitions == 20

# %% [markdown]
# ## 3. A counterfactual audit of the help-desk router
#
# Association in an encoder is one thing; what a product does is another. Lesson 07's router (MiniLM
# frozen, a new linear head) sends customer messages to five queues. Here every test message is
# rewritten with an identity term in a fixed frame ("Hi, this is Sarah. …", "She asked me to write
# to you. …", "I am writing for my father. …", "I am a Nigerian customer. …"). The problem is the
# same, so the right queue is the same. We measure:
#
# - the **[flip rate](../docs/glossary.md#flip-rate)**: how often the label moves away from the label of the untouched message;
# - **accuracy by group**, with fairlearn's `MetricFrame` and 95%
#   [bootstrap intervals](../docs/glossary.md#bootstrap-interval) (300 resamples here to keep the
#   lesson quick; use 1000 or more for a report).
#
# The router is trained once (seed 0), so every number below is about this one router.
#
# ### By hand first
#
# The flip rate needs nothing but a loop: rewrite every message with every term, predict, and
# compare with the prediction for the untouched message. The router is deterministic, so
# `predict` below remembers each text's label: the package's audit further down asks for the
# same 2,700 rewritten messages and gets them without a second pass through MiniLM.

# %%
from zoo_patterns.data.words import FRAMES, IDENTITY
from zoo_patterns.datasets import helpdesk_task
from zoo_patterns.transfer.text import fit, text_plan

split = helpdesk_task()
router, history = fit(text_plan(len(split.labels)), split, progress=False)
messages, y_true = list(split.test_texts), np.asarray(split.y_test)
label_of = {}


def predict(texts):
    """The router's label for each text, each distinct text run through MiniLM once."""
    new = [t for t in dict.fromkeys(texts) if t not in label_of]
    if new:
        label_of.update(zip(new, router.predict(new), strict=True))
    return np.array([label_of[t] for t in texts])


original = predict(messages)
flip_by_hand = {}  # (dimension, group) -> share of (term, message) pairs whose label moved
for dim, groups in IDENTITY.items():
    for group, terms in groups.items():
        moved = [predict([FRAMES[dim].format(term=term, msg=m) for m in messages]) != original for term in terms]
        flip_by_hand[dim, group] = float(np.mean(moved))
print(f"{len(label_of)} texts predicted; flip rates by hand:", {f"{d}/{g}": round(r, 3) for (d, g), r in flip_by_hand.items()})

# %% [markdown]
# The interval is a **bootstrap**: draw the table's rows again, with replacement, as many rows as
# it has; compute each group's accuracy on that resample; repeat; the middle 95% of those
# accuracies is the interval. The table has one row per message and group: each group's
# variant of the message, its terms taken in turn (term k for messages k, k + 4, ...), so a
# group's 100 rows are 100 different messages. fairlearn draws from the whole table at once (every
# group's rows together) and seeds each resample with a number drawn from the one seed it is
# given; the next cell does exactly that for the names, so that its numbers can be compared.

# %%
def bootstrap_accuracy(dim, n_boot=300, seed=0):
    """{group: (accuracy, 2.5% quantile, 97.5% quantile)} of the router on one dimension's table."""
    groups = IDENTITY[dim]
    rows = [(group, FRAMES[dim].format(term=terms[i % len(terms)], msg=m), y_true[i])
            for i, m in enumerate(messages) for group, terms in groups.items()]  # fmt: skip
    group_of = np.array([g for g, _, _ in rows])
    correct = predict([text for _, text, _ in rows]) == np.array([y for _, _, y in rows])
    seeds = np.random.default_rng(seed).integers(0, np.iinfo(np.uint32).max, size=n_boot, dtype=np.uint32)
    resampled = []
    for s in seeds:
        pick = np.random.RandomState(s).choice(len(rows), size=len(rows), replace=True)  # rows drawn with replacement
        resampled.append([correct[pick][group_of[pick] == g].mean() for g in groups])
    low, high = np.nanquantile(resampled, [0.025, 0.975], axis=0)
    return {g: (correct[group_of == g].mean(), lo, hi) for g, lo, hi in zip(groups, low, high, strict=True)}


names_by_hand = bootstrap_accuracy("name")
for group, (acc_, lo, hi) in names_by_hand.items():
    print(f"{group:7} accuracy {acc_:.3f}, 95% interval [{lo:.3f}, {hi:.3f}] (by hand, 300 resamples)")

# %% [markdown]
# Now the package's `counterfactual_audit`, given the same `predict`, the same 300 resamples and
# the same seed, for every dimension at once. Its flip rates and the names' intervals must be
# the numbers above, exactly.

# %%
report = counterfactual_audit(predict, messages, y_true, n_boot=300, seed=0)
print(f"router accuracy on the untouched test messages: {report.original_accuracy:.2f} ({report.n_messages} messages)")
package_flips = {(r.dimension, r.group): r.flip_rate for r in report.flip_rates("group").itertuples()}
package_names = {r.group: (r.accuracy, r.ci_low, r.ci_high) for r in report.accuracy_table().itertuples() if r.dimension == "name"}
print("largest difference from the hand-written numbers:",
      max(abs(a - b) for k in flip_by_hand for a, b in [(flip_by_hand[k], package_flips[k])]),
      max(abs(a - b) for g in names_by_hand for a, b in zip(names_by_hand[g], package_names[g], strict=True)))  # fmt: skip
assert package_flips == flip_by_hand and package_names == names_by_hand

# %% [markdown]
# The report holds every rewritten message with its prediction, so the flip rates can be read
# per term, per group, and as disagreement (the share of messages whose variants do not all get
# the same label):

# %%
print(report.variants.sample(3, random_state=0)[["dimension", "term", "text"]].to_string(index=False))
flips = report.flip_rates("group")
print(flips.pivot_table(index="dimension", columns="group", values="flip_rate", sort=False).round(3).fillna("").to_string())
print(report.disagreement().round(3).to_string())
assert flips["flip_rate"].max() > 0.10, "identity terms alone move some labels"

# %%
acc = report.accuracy_table()
print(acc.round(3).to_string(index=False))
widths = acc["ci_high"] - acc["ci_low"]
print(f"interval widths: {widths.min():.2f} to {widths.max():.2f} accuracy points with {report.n_messages} messages per group")
assert (widths > 0.08).all()
named = acc[acc["dimension"] == "name"]
assert named["ci_low"].max() < named["ci_high"].min(), "the name groups' intervals overlap"

# %% [markdown]
# How to read this honestly:
#
# - Identity terms that should change nothing **do** move labels: a few percent to over a tenth of
#   the messages, depending on the term. That is measured, per term, on these 100 messages.
# - Differences between groups' accuracies of one or two points mean nothing here: each interval is
#   about ten points wide or more, and the name groups' intervals overlap. "The router is fair to names" is a claim
#   these 100 messages cannot support either way. The honest sentence is "no difference shown; an
#   audit with this many messages could not have shown a small one".
# - A prefix of any kind changes the sentence. Comparing groups *within* one frame, as here, keeps
#   that effect out of the comparison between groups, not out of the flip rate.

# %% [markdown]
# ## 4. Results into the cards
#
# An audit nobody reads does not help. The zoo's build runs the same SEAT tests on MiniLM and
# records them in its card (method, date, effect sizes, p-values); `python -m zoo_patterns show
# minilm-l6` prints them. They must be what this lesson just measured:

# %%
card = zp.card("minilm-l6")
print(card.audit_section())
for rec in card.audits:
    assert abs(rec.effect_size - seat[rec.test].effect_size) < 1e-3 and abs(rec.p_value - seat[rec.test].p_value) < 1e-3

# %% [markdown]
# The router is a new model derived from MiniLM, so it gets its own card: the parent named, the
# licence inherited, and the counterfactual audit recorded. The card is saved as YAML front matter
# plus markdown and read back unchanged.

# %%
from safetensors.torch import save_file

from zoo_patterns.cards import Metric, TensorSpec
from zoo_patterns.lineage import derived_card

router_card = derived_card(
    card,
    "torch",
    [Metric("accuracy", report.original_accuracy, "help-desk test messages (zoo_patterns.datasets.helpdesk_task)")],
    "lesson 07 frozen plan: a linear head on mean-pooled MiniLM embeddings, 5 help-desk queues; "
    "head.safetensors holds the head, the encoder is the parent unchanged",
    name="helpdesk-router",
    verb="fine-tuned",
).replace(
    task="text-classification",
    domain="customer-help-desk-english",
    format="safetensors",
    outputs=(TensorSpec("logits", ("batch", "class"), (None, len(split.labels)), "float32"),),
    labels=split.labels,
    audits=(),
)
save_file(router.head.state_dict(), work / "head.safetensors")
router_card = record_audit(router_card, report.records())
router_card = record_audit(router_card, records({"male-female names/career-family": names}))  # its encoder's association
path = router_card.save(work / "README.md")
again = zp.ModelCard.load(path)
assert again.audits == router_card.audits and again.license == card.license
print(path.read_text()[:400], "...")
print(again.summary())

# %% [markdown]
# ## 5. Provenance and licence
#
# Every card must say where the model comes from, what trained it, and under what licence; a
# derived model must name its parent and keep its licence. `audit_cards` checks the whole zoo plus
# the router, then a careless copy of the router card with a new licence and no bias section.

# %%
zoo_cards = cards_in(zp.zoo_dir())
findings = audit_cards([*zoo_cards, again])
print(f"{len(zoo_cards) + 1} cards audited, {len(findings)} findings")
assert findings == []
careless = again.replace(name="helpdesk-router-copy", license="MIT", biases=())
for finding in audit_cards([*zoo_cards, careless]):
    print(" -", finding)
assert {f.field for f in audit_cards([*zoo_cards, careless])} == {"license", "biases"}

# %% [markdown]
# ## 6. The other limits
#
# **Domain fit.** The router learned English help-desk messages. The same problems in German,
# French and Spanish (three per queue, written for this lesson) are a different domain.
#
# **Predict, then run:** the router gets most English test messages right. What share of these
# fifteen will it route correctly: about the same, or much less?

# %%
foreign = [
    ("billing", "Mir wurde diesen Monat zweimal Geld abgebucht."),
    ("billing", "On m'a facturé deux fois le même abonnement."),
    ("billing", "Me cobraron dos veces la misma factura."),
    ("login", "Ich kann mich nicht mehr in mein Konto einloggen."),
    ("login", "Je n'arrive pas à me connecter à mon compte."),
    ("login", "No puedo iniciar sesión en mi cuenta."),
    ("delivery", "Mein Paket ist nach zwei Wochen immer noch nicht angekommen."),
    ("delivery", "Mon colis n'est toujours pas arrivé."),
    ("delivery", "Mi pedido todavía no ha llegado."),
    ("bug", "Die App stürzt jedes Mal beim Öffnen ab."),
    ("bug", "L'application plante à chaque ouverture."),
    ("bug", "La aplicación se cierra sola cada vez que la abro."),
    ("cancel", "Ich möchte mein Abonnement kündigen."),
    ("cancel", "Je veux résilier mon abonnement."),
    ("cancel", "Quiero cancelar mi suscripción."),
]
truth = np.array([split.labels.index(label) for label, _ in foreign])
foreign_acc = float(np.mean(router.predict([text for _, text in foreign]) == truth))
print(f"accuracy: English test messages {report.original_accuracy:.2f}, the same problems in other languages {foreign_acc:.2f}")
assert foreign_acc < report.original_accuracy - 0.2

# %% [markdown]
# MiniLM's card said so ("English web text; quality drops on other languages"); the card was right,
# and only a measurement says by how much. (Fifteen sentences are enough to show a drop of more
# than twenty points, not to pin down its size.)
#
# **Framework availability.** A model exists only in the frameworks someone published it for:

# %%
frameworks = {}
for c in zoo_cards:
    frameworks.setdefault(c.task, set()).add(c.framework)
for task, fws in sorted(frameworks.items()):
    print(f"{task:26} {', '.join(sorted(fws))}")
assert "keras" not in frameworks["voice-activity-detection"]

# %% [markdown]
# Silero VAD ships as TorchScript and ONNX only. A Keras team either runs it through ONNX Runtime
# or converts it (lesson 09), and owns the parity check either way.
#
# **Licence.** Every zoo model carries one, and derived models inherit it; the data has terms too
# (the digits are CC BY 4.0, which asks for attribution):

# %%
print(pd.Series({c.name: c.license for c in zoo_cards}).value_counts().to_string())
print(sorted({c.provenance.origin for c in zoo_cards if "CC BY" in c.provenance.origin}))

# %% [markdown]
# ## Summary
#
# - Measure, then say exactly what was measured: these words, this encoder, these messages, this
#   many of them, with the interval.
# - An association test is tested first where the answer is known: `weat` agreed with a slow
#   reference, and found a planted association.
# - On MiniLM, male and female names sat closer to career and family words respectively, with an
#   effect size above 0.8 and p < 0.01. The science-arts test with gendered terms did not reach
#   p < 0.05, and their career-family effect moved more than twofold between bare words and
#   templates: claims these eight-word tests cannot carry.
# - The flip rate is a loop and a comparison; the bootstrap interval is "draw the rows again, with
#   replacement, and take the middle 95% of the accuracies". Written by hand with the same seed,
#   both gave exactly the numbers of `counterfactual_audit` (fairlearn's `MetricFrame` inside).
# - A permutation p-value counts the observed split among the arrangements: exact enumeration
#   gives p = (at least as extreme) / (all), so three words per set cannot go below 1/20.
# - Identity terms that should change nothing moved more than a tenth of the labels for some groups;
#   with 100 messages, each group's accuracy interval was more than eight points wide, too wide to
#   show small differences between groups.
# - A small test can show a large association; it cannot show that something is absent. Write the
#   result into the card with its method and date, because the next user reads the card, not your
#   notebook.
#
# **Exercise:** [exercises/11_ethics_and_limits.ipynb](../exercises/11_ethics_and_limits.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [12 · MVC, MVVM and layers](12_mvc_mvvm.ipynb).
