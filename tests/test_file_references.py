"""Every file a lesson, exercise, solution, doc, README or docstring names exists in the repository.

A learner who reads "see `zoo_patterns/loader/verify.py`" or "(facts in HUBS.md)" and finds no such
file has been sent nowhere (issue 31). Three kinds of reference are checked, in
`notebooks/src/*.py`, `solutions/src/*.py`, `exercises/src/*.py`, `docs/**/*.md`, `README.md` and every module
of `zoo_patterns/` (its docstrings and comments):

- a relative markdown link, `[text](../docs/glossary.md#term)`: the target, resolved from the
  file's own folder (the anchor dropped);
- a backticked repository path, `` `zoo_patterns/loader/serve.py` ``, `` `docs/teaching.md` ``,
  `` `tests/test_hubs.py` ``: resolved from the repository root (a path that starts with one of
  the repository's top-level folders or files; templates with `<`, `{`, `*` or `...` are skipped);
- a backticked dotted module, `` `zoo_patterns.hubs.mxnet_store` ``: each part must be a package,
  a module, or a name its package's `__init__.py` defines;
- a repository path written without backticks, `zoo_patterns/registry.py`, with a file
  extension: resolved from the root;
- any `NAME.md` in the text (bare, or under a top-level folder): a file of that name must exist
  beside the file, at the root, in `docs/`, or (for a bare name) anywhere in the repository.

The test fails naming the file, the line and the missing path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT, sources, tracked_files

SCANNED = sorted(
    {
        *sources("notebooks"),
        *sources("solutions"),
        *sources("exercises"),
        *ROOT.glob("docs/**/*.md"),
        ROOT / "README.md",
        *ROOT.glob("zoo_patterns/**/*.py"),
    }
)
TOP_LEVEL = {p.name for p in ROOT.iterdir() if not p.name.startswith(".") or p.name == ".ci"} - {"__pycache__"}
ALL_MD_NAMES = {Path(p).name for p in tracked_files() if p.endswith(".md")}

# References to files outside this branch's reach, named here so the test can pass on the branch
# while the owner fixes them. Each entry: (file, missing path) -> who fixes it. Keep it short.
KNOWN_MISSING: dict[tuple[str, str], str] = {}

LINK = re.compile(r"\]\(([^)\s]+)\)")
BACKTICK = re.compile(r"`([^`\s]+)`")
BARE_PATH = re.compile(
    r"(?<![\w/.:}{-])((?:zoo_patterns|docs|notebooks|solutions|exercises|tests|scripts|benchmarks)/[\w./-]*\.(?:py|md|ipynb|json|toml|yml|yaml|cfg|txt))\b"
)
MD_NAME = re.compile(r"(?<![\w/.:}-])(\w[\w./-]*\.md)\b")


# What `make` targets write (the book, screenshots, caches) is named in the docs but never committed.
GENERATED = ("build/",)


def _exists_path(path: str, base: Path) -> bool:
    return path.startswith(GENERATED) or (base / path).exists()


def _module_exists(dotted: str) -> bool:
    parts = dotted.split(".")
    here = ROOT / parts[0]
    for part in parts[1:]:
        if (here / part).is_dir():
            here = here / part
        elif (here / f"{part}.py").is_file():
            return True  # a module; what follows is a name inside it
        elif here.is_dir() and re.search(rf"\b{re.escape(part)}\b", (here / "__init__.py").read_text()):
            return True  # a name the package exports
        else:
            return False
    return True


def _link_base(path: Path) -> Path:
    """Where a file's relative links start: a notebook's source in `src/` links from its notebook's folder."""
    notebook_source = path.parent.name == "src" and path.parent.parent.name in {"notebooks", "solutions", "exercises"}
    return path.parent.parent if notebook_source else path.parent


def missing_references(path: Path) -> list[tuple[int, str]]:
    """(line number, reference) for every named file or module that does not exist."""
    missing, base = [], _link_base(path)
    markdown = path.suffix == ".md"
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        prose = markdown or line.lstrip().startswith("#")  # a .py file's links live in its markdown (comment) lines
        for target in LINK.findall(line) if prose else ():
            if "://" in target or target.startswith(("#", "mailto:")):
                continue
            target = target.split("#", 1)[0]
            if not re.fullmatch(r"[\w./-]+", target) or not re.search(r"[./]", target):
                continue  # not a path: code such as `models[name](x)` in a comment
            if target and not _exists_path(target, base):
                missing.append((number, target))
        for token in BACKTICK.findall(line):
            token = token.rstrip(".,:;)")
            if any(c in token for c in "<>{}*?[]$") or "..." in token or "://" in token:
                continue
            if token.startswith("zoo_patterns.") and re.fullmatch(r"[\w.]+", token):
                if not _module_exists(token):
                    missing.append((number, token))
            elif "/" in token and token.split("/", 1)[0] in TOP_LEVEL and re.fullmatch(r"[\w./-]+", token):
                if not _exists_path(token.split("::", 1)[0], ROOT):
                    missing.append((number, token))
        for bare in BARE_PATH.findall(line):
            if not _exists_path(bare, ROOT):
                missing.append((number, bare))
        for name in MD_NAME.findall(line):
            if "/" in name and name.split("/", 1)[0] not in TOP_LEVEL | {"..", "."}:
                continue  # a template such as `out/README.md`, where `out` is an argument
            bases = (base, ROOT, ROOT / "docs")
            if any(_exists_path(name, base) for base in bases):
                continue
            if "/" not in name and name in ALL_MD_NAMES:
                continue
            missing.append((number, name))
    return sorted(set(missing))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", SCANNED, ids=_rel)
def test_every_named_file_exists(path):
    rel = _rel(path)
    problems = [
        f"{rel}:{n}: names {ref!r}, which is not in the repository"
        for n, ref in missing_references(path)
        if (rel, ref) not in KNOWN_MISSING
    ]
    assert not problems, "\n".join(problems)


def test_the_known_missing_are_still_missing():
    """An entry whose file was fixed must leave KNOWN_MISSING, so the list never hides a new break."""
    for (rel, ref), who in KNOWN_MISSING.items():
        assert (rel, ref) in {(rel, r) for _, r in missing_references(ROOT / rel)}, (
            f"{rel} no longer names {ref!r} ({who}): remove the entry"
        )


def test_the_checker_finds_planted_references(tmp_path):
    (tmp_path / "real.md").write_text("x")
    planted = tmp_path / "lesson.py"
    planted.write_text(
        "# see [the glossary](real.md) and [a ghost](ghost.md#term)\n"
        "# facts in HUBS.md; the code is `zoo_patterns/loader/no_such_module.py`\n"
        "# `zoo_patterns.hubs.mxnet_store.add_to_model_store` and `zoo_patterns.nowhere.thing`\n"
        '"hint": "zoo_patterns/registry.py raises it", and f"{tmp}/docs/made_at_run_time.md" is not a reference\n'
        "# a template `adapters/<framework>.py` and a URL https://example.org/x.md are not references\n"
    )
    found = {ref for _, ref in missing_references(planted)}
    assert found == {
        "HUBS.md",
        "ghost.md",
        "zoo_patterns.nowhere.thing",
        "zoo_patterns/loader/no_such_module.py",
        "zoo_patterns/registry.py",
    }


def test_a_sources_links_start_from_its_notebooks_folder(tmp_path):
    """`notebooks/src/NN.py` is the source of `notebooks/NN.ipynb`: its links are read where the notebook is."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "glossary.md").write_text("x")
    source = tmp_path / "notebooks" / "src" / "01_x.py"
    source.parent.mkdir(parents=True)
    source.write_text("# the [glossary](../docs/glossary.md) and [a sibling](../../docs/glossary.md)\n")
    assert [ref for _, ref in missing_references(source)] == ["../../docs/glossary.md"]
