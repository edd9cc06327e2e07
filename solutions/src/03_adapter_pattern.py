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
# # Exercise 03 · The adapter pattern
#
# Three checked questions: write an adapter for a runtime the workbook does not know
# (scikit-learn, Q1), write the parity measurement between two runtimes (Q2), and predict which
# inputs a model's spec refuses before you see it (Q3, committed first).

# %%
import numpy as np
from sklearn.linear_model import LogisticRegression

import zoo_patterns as zp
from zoo_patterns import TensorSpec
from zoo_patterns.adapters import ZooModel
from zoo_patterns.datasets import digits_task
from zoo_patterns.exercises import ____
from zoo_patterns.exercises.ex03 import candidates, q1, q2, q3

zp.quiet()
split = digits_task(seed=0)
clf = LogisticRegression(max_iter=500).fit(split.x_train.reshape(len(split.x_train), -1), split.y_train)
flat = TensorSpec("pixels", ("batch", "features"), (None, 64), "float32", "", (0.0, 1.0), "8x8 digit, flattened, divided by 16")

# %% [markdown]
# ## Q1 · An adapter for a new runtime
# `ZooModel` does the spec checking in `predict`; an adapter only fills in what is
# framework-specific. Write `SklearnModel`, a `ZooModel` for fitted scikit-learn classifiers:
# `_predict(x)` returns class probabilities (float32), `num_params` counts `coef_` and
# `intercept_`, and `_save(folder)` writes the arrays *without pickle* and returns the paths.

# %%
# BEGIN SOLUTION
#> class SklearnModel(ZooModel):
#>     framework = "sklearn"
#>     native_format = "npz"
#>
#>     def _predict(self, x):
#>         raise NotImplementedError("return class probabilities")
#>
#>     @property
#>     def num_params(self):
#>         raise NotImplementedError("count coef_ and intercept_")
#>
#>     def _save(self, folder):
#>         raise NotImplementedError("save the arrays, no pickle")
class SklearnModel(ZooModel):
    framework = "sklearn"
    native_format = "npz"

    def _predict(self, x):
        return self.native.predict_proba(x).astype(np.float32)

    @property
    def num_params(self):
        return int(self.native.coef_.size + self.native.intercept_.size)

    def _save(self, folder):
        path = folder / "model.npz"
        np.savez(path, coef=self.native.coef_, intercept=self.native.intercept_, classes=self.native.classes_)
        return [path]
# END SOLUTION


# %% tags=["check"]
q1.check(SklearnModel, clf, flat)

# %% [markdown]
# ## Q2 · Parity
# `digits-cnn-onnx` is the ONNX export of `digits-cnn-torch`. Write `parity(model_a, model_b, x)`:
# the largest absolute difference between two adapted models' outputs on the batch `x`. The
# check runs it on batches of its own; the next cell measures the two runtimes with it.

# %%
# BEGIN SOLUTION
#> def parity(model_a, model_b, x):
#>     raise NotImplementedError("your code here")
def parity(model_a, model_b, x):
    return float(np.abs(model_a.predict(x) - model_b.predict(x)).max())
# END SOLUTION


# %% tags=["check"]
q2.check(parity)

# %%
try:
    max_diff = parity(zp.load("digits-cnn-onnx", adapt=True), zp.load("digits-cnn-torch", adapt=True), split.x_test)
    print(f"max |onnx - torch| = {max_diff:.2e}")
except NotImplementedError:
    print("Write parity above first.")

# %% [markdown]
# ## Q3 · Predict, then run: what does the spec refuse?
# `candidates()` holds eight inputs for `digits-cnn-torch`, whose input spec is printed below.
# **Predict**, from the spec alone, whether `model.predict` accepts each one or refuses it with a
# `SpecError`. Write `predicted = {name: "accepted" or "refused"}`, then run
# `q3.predict(predicted)`: it records your first prediction, then runs the eight and shows the
# outcomes beside it. `q3.check()` scores the first prediction.

# %%
model = zp.load("digits-cnn-torch", adapt=True)
print(model.card.inputs[0])
for name, x in candidates().items():
    print(f"{name:26} {type(x).__name__:8} {str(getattr(x, 'dtype', '')):8} {tuple(x.shape)}")

# %%
# BEGIN SOLUTION
#> predicted = ____
predicted = {
    "the test batch": "accepted",
    "a batch of one": "accepted",  # the batch axis is free (None)
    "one image, no batch axis": "refused",  # the wrong number of axes
    "float64": "accepted",  # a float: the spec compares the dtype's kind, and casts it
    "raw pixels 0..16": "refused",  # outside the range 0..1
    "integer pixels": "refused",  # an integer kind
    "a torch tensor": "refused",  # not a numpy array
    "a NaN pixel": "refused",  # not finite
}
# END SOLUTION

# %% tags=["check"]
q3.predict(predicted)

# %% tags=["check"]
q3.check()

# %% [markdown]
# ## Review questions
# Open questions, not checked: answer them in your own words, in the cell below or on paper.
# (The solution notebook has answers.)
#
# 1. Why does the spec check live in the base class's `predict` and not in each adapter?
# 2. Look at what Q3's runs showed you about number types. Is that the right rule, and why?
# 3. Parity between two runtimes is seldom exactly 0. Why, and what tolerance would you accept?

# %%
# BEGIN SOLUTION
#> # Your answers, as comments (or add a markdown cell).
# 1. So that every adapter gets it, and no adapter can forget it or bypass it; an adapter only
#    writes the framework-specific `_predict`.
# 2. Float64 is accepted and cast, integers are refused. Casting float64 to float32 loses nothing
#    a model cares about; integer pixels almost always mean the preprocessing (dividing by 16)
#    was skipped, so refusing them catches a real mistake.
# 3. Different kernels sum in different orders and fuse operations, so float32 rounding differs.
#    Accept differences near float32 precision times the depth of the network (around 1e-5
#    here), and check that the predicted classes agree.
# END SOLUTION
