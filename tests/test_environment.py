"""The three install routes (make, Binder, Colab) ask for the same versions."""

import re

import tomllib
import yaml
from helpers import ROOT, sources


def _pins(lines):
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*([=<>!].*)$", line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2).replace(" ", "")
    return out


def test_binder_environment_pins_match_constraints():
    constraints = _pins((ROOT / "constraints.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    binder = _pins(pip_section)
    for name, spec in constraints.items():
        assert binder.get(name) == spec, f"environment.yml has {name}{binder.get(name)}, constraints.txt {name}{spec}"


def test_binder_environment_lists_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in ("frameworks", "lab", "test"):
        wanted += project["optional-dependencies"][extra]
    names = {re.split(r"[<>=!\[ ]", w)[0].lower().replace("_", "-") for w in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = set(_pins(pip_section))
    assert names <= listed, f"missing from environment.yml: {sorted(names - listed)}"


def test_colab_cell_keeps_colab_torch_and_numpy():
    for folder in ("notebooks", "solutions"):
        for source in sources(folder):
            text = source.read_text()
            assert '"google.colab" in sys.modules' in text, f"{source.name} has no Colab install cell"
            cell = "\n".join(x for x in text.split("# %% [markdown]")[0].splitlines() if not x.lstrip().startswith("#"))
            assert "--no-deps" in cell and "mxnet==1.9.1" in cell
            assert "torch" not in cell.replace("zoo-patterns", "") and "numpy" not in cell, (
                f"{source.name} reinstalls torch/numpy"
            )


def test_the_colab_cell_is_collapsed_in_colab_and_jupyterlab():
    import json

    for folder in ("notebooks", "solutions", "exercises"):
        for path in (ROOT / folder).glob("*.ipynb"):
            first = json.loads(path.read_text())["cells"][0]
            assert first["metadata"].get("tags") == ["colab"], path.name
            assert first["metadata"].get("cellView") == "form", f"{path.name}: Colab shows the cell as a form only with cellView"
            assert first["metadata"].get("jupyter", {}).get("source_hidden") is True, f"{path.name}: JupyterLab hides it"
            assert "".join(first["source"]).startswith("#@title "), f"{path.name}: a collapsed Colab form needs a #@title"


def test_jupyterlab_news_prompt_is_off_by_a_repository_override():
    import json

    overrides = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert (
        "jupyter/overrides.json" in (ROOT / "Makefile").read_text()
        and "jupyter/overrides.json" in (ROOT / "postBuild").read_text()
    )
