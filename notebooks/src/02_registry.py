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
# # 02 · The registry pattern
#
# **Time:** about 20 minutes; the cells run in about 10 s on a 2-core CPU.
#
# **Prerequisites:** lesson 01; Python functions, decorators and dicts.
#
# **You will learn to:**
#
# - write a registry in ten lines, and show the three ways it fails as a catalogue grows;
# - register, look up and build models with the workbook's `Registry`, reading its errors;
# - search a catalogue by name pattern and by card fields (task, framework, tags);
# - keep experiments in a child registry that does not change its parent.
#
# A zoo is a catalogue covering many tasks, domains and frameworks. Behind every catalogue
# sits a **[registry](../docs/glossary.md#registry)**: a mapping from a *name* to *how to build
# the model* (a *builder*: a function that returns it) plus *its card*.
# `timm.create_model("resnet50")`, `torchvision.models.get_model("resnet50")` and
# `AutoModel.from_pretrained("bert-base-uncased")` all start with a registry lookup.
#
# We build one from scratch, watch where the naive version goes wrong, then use the
# workbook's `Registry` and compare its design with timm, torchvision and transformers.

# %%
import sys

import zoo_patterns as zp

zp.quiet()

# %% [markdown]
# ## 1. A registry in ten lines
#
# The core idea fits in a dict and a decorator.

# %%
NAIVE = {}


def naive_register(name):
    def add(builder):
        NAIVE[name] = builder
        return builder

    return add


@naive_register("tiny-mlp")
def tiny_mlp():
    import torch

    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))


model = NAIVE["tiny-mlp"]()
print(type(model).__name__, sum(p.numel() for p in model.parameters()), "parameters")

# %% [markdown]
# **Predict, then run:** the next cell registers a second function under the same name,
# `"tiny-mlp"`. What does `NAIVE["tiny-mlp"]()` build afterwards: the MLP, the new model, or
# does the second registration fail?

# %%
@naive_register("tiny-mlp")
def someone_elses_model():
    return "a different model"


print("after a second registration, 'tiny-mlp' builds:", NAIVE["tiny-mlp"]())
assert NAIVE["tiny-mlp"]() == "a different model"  # the first model is gone, and nobody was told

# %% [markdown]
# The new one, and nobody was told. Three things go wrong with the naive registry as soon as a
# catalogue grows:
#
# 1. registering a name twice **silently replaces** the first model (timm did this until
#    November 2023; its registry now warns "Overwriting … in registry" and still replaces the
#    model: see section 5 for where this was read);
# 2. a typo gives a bare `KeyError` with no help;
# 3. there is nothing to search on: no task, no framework, no card.

# %% [markdown]
# `expect_error(KeyError)` runs the block, prints the error it raised, and fails the cell if
# nothing was raised: a demonstration of an error that cannot go stale.

# %%
with zp.expect_error(KeyError) as typo:
    NAIVE["tiny-mpl"]
assert typo.error.args == ("tiny-mpl",)  # the bare key, and not a word of help

# %% [markdown]
# ## 2. The workbook's `Registry`
#
# `zoo_patterns.Registry` fixes all three. It is an *instance* (not a module global), so each
# lesson or test can make a fresh one. A duplicate is an error unless you say `replace=True`,
# an unknown name comes with suggestions, and every entry can carry a model card to filter on.
# Registering never imports a framework: the builder runs only on `build`.

# %%
from zoo_patterns import Registry
from zoo_patterns.errors import DuplicateModelError, ModelNotFoundError

zoo = zp.registry()  # the workbook zoo's registry, one entry per published model
lesson = Registry("lesson-02")
for name in zoo.list():
    entry = zoo.get(name)
    lesson.register(name, entry.builder, card=entry.card)

heavy = [m for m in ("tensorflow", "mxnet", "transformers") if m in sys.modules]
print(f"{len(lesson)} models registered; frameworks imported so far: {heavy or 'none'}")
assert not heavy

# %%
with zp.expect_error(DuplicateModelError):
    lesson.register("minilm-l6", lambda: None)

with zp.expect_error(ModelNotFoundError) as unknown:
    lesson.get("digits-cnn-tf")
assert "digits-cnn-torch" in unknown.error.suggestions or "digits-cnn-keras" in unknown.error.suggestions

# %% [markdown]
# ## 3. Searching the catalogue
#
# `list` takes shell-style wildcards, like `timm.list_models("resnet*")`, and filters on the
# card: task, domain, framework, tags, pretrained.
#
# **Try changing this:** ask for `lesson.list("digits-*", framework="torch")` and then for
# `lesson.list(tags="no-such-tag")`. Filters combine (every one must match), and a query that
# matches nothing gives an empty list, not an error.

# %%
print("digits-*              ", lesson.list("digits-*"))
print("task=sentence-embedding", lesson.list(task="sentence-embedding"))
print("framework=onnx        ", lesson.list(framework="onnx"))
print("tags=audio            ", lesson.list(tags="audio"))
print("image + keras         ", lesson.list(task="image-classification", framework="keras"))
assert lesson.list(task="image-classification", framework="keras") == ["digits-cnn-keras"]
assert set(lesson.list(framework="onnx")) == {"digits-cnn-onnx", "silero-vad-onnx"}

# %% [markdown]
# The table a catalogue page shows is a query over cards:

# %%
frameworks = sorted({c.framework for c in lesson.cards()})
tasks = sorted({c.task for c in lesson.cards()})
print(f"{'task':<26}" + "".join(f"{f:>13}" for f in frameworks))
for task in tasks:
    print(f"{task:<26}" + "".join(f"{len(lesson.list(task=task, framework=f)):>13}" for f in frameworks))
assert len(frameworks) >= 5

# %% [markdown]
# ## 4. Scoped registries
#
# A learner's experiments should not leak into the shared zoo. A **child** registry sees its
# parent's entries, adds its own, and may shadow a parent entry (with `replace=True`) without
# changing the parent: the same idea as mmengine's `Registry(name, parent=...)`.

# %%
from zoo_patterns.cards import ModelCard

scratch = Registry("my-experiments", parent=zoo)
my_card = zp.card("digits-cnn-torch").replace(name="digits-cnn-torch-mine", version="0.1.0", tags=("mine",))
scratch.register("digits-cnn-torch-mine", tiny_mlp, card=my_card)

print("child sees", len(scratch), "models; parent still has", len(zoo))
assert "minilm-l6" in scratch and "digits-cnn-torch-mine" in scratch
assert "digits-cnn-torch-mine" not in zoo
assert scratch.list(tags="mine") == ["digits-cnn-torch-mine"]

# %% [markdown]
# Building goes through the registry, and the card travels with the model:

# %%
net = scratch.build("digits-cnn-torch")
entry = scratch.get("digits-cnn-torch")
print(type(net).__name__, "| card says:", entry.card.inputs[0].describe())
assert entry.card.inputs[0].layout == "NCHW"

# %% [markdown]
# ## 5. How the big libraries do it
#
# | | timm | torchvision | transformers | this workbook |
# |---|---|---|---|---|
# | name → builder | `@register_model` on a function; `arch.tag` names pick weights | `@register_model`; weights are an enum per model | `MODEL_MAPPING_NAMES`: `model_type` → model class | `Registry.register` |
# | duplicate name | overwritten, with a warning ("Overwriting … in registry"; silent before November 2023) | raises `ValueError` | `AutoConfig.register` / `AutoModel.register` raise `ValueError` unless `exist_ok=True` | raises, unless `replace=True` |
# | unknown name | `RuntimeError('Unknown model (…)')` | `ValueError('Unknown model …')`, no suggestions | `ValueError('Unrecognized model identifier …')`, listing every known type | `ModelNotFoundError` with close matches |
# | search | `list_models("res*", pretrained=True)` | `list_models(module)` | the Hub's search API (`HfApi.list_models`) | `list(pattern, task=, framework=, tags=, pretrained=)` |
# | metadata | `PretrainedCfg` dataclass | `Weights(url, transforms, meta)` dataclass | `config.json` + model card | frozen `ModelCard` |
# | lazy imports | no: `timm.models` imports every model module | no | yes: the package is a `_LazyModule` | yes: builders import on `build` |
#
# Where these come from. **transformers** is installed, so its column is measured in the next
# two cells. **timm** and **torchvision** are not installed here (torchvision does not install
# beside this torch), so their columns are a *reading* of their source, not a measurement:
# timm's `timm/models/_registry.py` (`register_model`, `list_models`), `_factory.py`
# (`create_model`) and `_pretrained.py` (`PretrainedCfg`) at version 1.0.29.dev0 (commit
# `aa4b585`; the overwrite warning arrived in commit `ef72c3c`, November 2023), and
# torchvision's `torchvision/models/_api.py` (`register_model`, `find_model`, `Weights`) at
# commit `0209327`. If you install either, check a row yourself: register a name twice, ask for
# a misspelt one.
#
# transformers' design: the **config picks the class**. `AutoConfig` reads `config.json`, and a
# lazy mapping from `model_type` finds the class to build, importing its module only then.

# %%
from transformers import AutoConfig, AutoModel
from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

config = AutoConfig.from_pretrained(zp.model_dir("minilm-l6"))
print("model_type:", config.model_type, "-> class:", MODEL_MAPPING_NAMES[config.model_type])
print("transformers knows", len(MODEL_MAPPING_NAMES), "model types")
built = AutoModel.from_config(config)
assert type(built).__name__ == MODEL_MAPPING_NAMES[config.model_type] == "BertModel"

# %% [markdown]
# The rest of its column, measured: a second registration of a known `model_type` is refused
# (unless `exist_ok=True`), a misspelt one gets a list of every known type rather than the
# closest few, and the package itself is a lazy module that imports a model's code on first use.

# %%
import transformers  # noqa: E402

with zp.expect_error(ValueError, match="already used"):
    AutoConfig.register("bert", type(config))
with zp.expect_error(ValueError, match="Unrecognized model identifier", quiet=True) as misspelt:
    AutoConfig.for_model("bret")
print(f"a misspelt model_type: {str(misspelt.error)[:90]}… ({len(str(misspelt.error)):,} characters)")
print("type(transformers):", type(transformers).__name__)
assert "bert" in str(misspelt.error) and len(str(misspelt.error)) > 1000  # every type listed, none singled out
assert type(transformers).__name__ == "_LazyModule"

# %% [markdown]
# ## Summary
#
# - A registry maps a name to a builder *and* a [model card](../docs/glossary.md#model-card);
#   listing and filtering are queries on cards.
# - The naive dict replaced a model silently and answered a typo with a bare `KeyError`;
#   `Registry` raises `DuplicateModelError` and suggests close names.
# - Registering every zoo model imported no framework: builders import only when they build.
# - A child registry sees its parent's models and adds its own; the parent is unchanged.
# - transformers' registry is keyed by the config's `model_type`, which picks the class; it
#   refuses a duplicate `model_type` and answers a typo with the full list (both measured).
#
# **Exercise:** [exercises/02_registry.ipynb](../exercises/02_registry.ipynb) (its checks tell you at once whether you have it).
#
# **Next:** [03 · The adapter pattern](03_adapter_pattern.ipynb).
