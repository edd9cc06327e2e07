"""A cell that shows an error must fail when the error does not happen (issue 31).

`try: f() except SomeError: print(...)` passes silently on the day `f` stops raising, so the
lesson goes on teaching an error that no longer exists. Lessons and solutions show errors with
`with zp.expect_error(SomeError) as caught:`, which fails the cell when nothing is raised. This
test reads every `notebooks/src/*.py` and `solutions/src/*.py` (the jupytext sources) as Python and
fails, naming file and line, on any `try`/`except` that gives no such guarantee.

A `try` inside a function or class is the program's own error handling (a view model that turns
an error into a message), not a demonstration, and is not checked. A top-level `try` is accepted
when one of these holds:

- every handler catches only `ImportError` / `ModuleNotFoundError` (an optional import) or
  `NotImplementedError` (an exercise's "fill this in first" guard, around a learner's stub);
- its `else:` raises (`else: raise AssertionError(...)`);
- the last statement of its body raises (`f(); raise AssertionError(...)`) and no handler
  catches `AssertionError`;
- every handler re-raises (a bare `raise` or `raise ... from ...`);
- a later `assert` in the same cell (up to the next `# %%` line) reads a name every handler
  binds or assigns (`except E as err: caught = err` ... `assert caught is not None`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT, sources

SOURCES = [*sources("notebooks"), *sources("solutions")]

# Lessons whose silent try/except another helper fixes in parallel (issue 31: s31b owns 04 and 08,
# s31c owns 10, 11 and 12). Checked like every other file, and expected to fail on this branch only:
# strict, so the run after the merge reports XPASS for each entry, which is the sign to delete it.
# Keep this the one place that lists them; it must be empty once those branches are merged.
EXPECTED_TO_FAIL_UNTIL_MERGED: dict[str, str] = {}  # file -> the branch that fixes it (strict xfail until then)

NOT_A_DEMONSTRATION = {"ImportError", "ModuleNotFoundError", "NotImplementedError"}
CATCHES_ASSERTION = {"AssertionError", "Exception", "BaseException"}


def _names(node: ast.expr | None) -> set[str]:
    """The exception class names a handler catches (`None`: a bare `except:`, which catches everything)."""
    if node is None:
        return {"BaseException"}
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    return {p.attr if isinstance(p, ast.Attribute) else getattr(p, "id", "?") for p in parts}


def _raises(statements: list[ast.stmt]) -> bool:
    return bool(statements) and isinstance(statements[-1], ast.Raise)


def _reraises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise) for n in ast.walk(handler))


def _bound_names(handler: ast.ExceptHandler) -> set[str]:
    """`as NAME`, and every name the handler assigns to (`caught[k] = ...` counts as `caught`)."""
    names = {handler.name} if handler.name else set()
    for node in ast.walk(handler):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AugAssign, ast.AnnAssign))
            else []
        )
        for target in targets:
            while isinstance(target, (ast.Subscript, ast.Attribute)):
                target = target.value
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def silent_tries(source: str, filename: str = "<source>") -> list[str]:
    """Each `try`/`except` in `source` that passes when nothing is raised, as 'file:line: why'."""
    tree = ast.parse(source, filename)
    asserts = [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    inside_definitions = {
        inner
        for d in ast.walk(tree)
        if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for inner in ast.walk(d)
        if isinstance(inner, ast.Try)
    }
    cell_starts = [i for i, line in enumerate(source.splitlines(), start=1) if line.startswith("# %%")]
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try) or not node.handlers:
            continue
        caught = set().union(*(_names(h.type) for h in node.handlers))
        if caught <= NOT_A_DEMONSTRATION or node in inside_definitions:
            continue
        if _raises(node.orelse):
            continue
        if _raises(node.body) and not caught & CATCHES_ASSERTION:
            continue
        if all(_reraises(h) for h in node.handlers):
            continue
        end = max(getattr(h, "end_lineno", h.lineno) for h in node.handlers)
        cell_end = min([start for start in cell_starts if start > end], default=float("inf"))
        later = {n.id for a in asserts if end < a.lineno < cell_end for n in ast.walk(a.test) if isinstance(n, ast.Name)}
        if all(_bound_names(h) & later for h in node.handlers):
            continue
        problems.append(
            f"{filename}:{node.lineno}: try/except {' | '.join(sorted(caught))} passes when nothing is raised; "
            "use `with expect_error(...) as caught:` (from zoo_patterns import expect_error), or add `else: raise AssertionError(...)`"
        )
    return problems


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=f"fixed on {EXPECTED_TO_FAIL_UNTIL_MERGED[_rel(p)]}"))
        if _rel(p) in EXPECTED_TO_FAIL_UNTIL_MERGED
        else p
        for p in SOURCES
    ],
    ids=_rel,
)
def test_every_demonstrated_error_fails_when_it_is_not_raised(path):
    problems = silent_tries(path.read_text(), _rel(path))
    assert not problems, "\n".join(problems)


def test_the_expected_failures_name_real_files():
    for name in EXPECTED_TO_FAIL_UNTIL_MERGED:
        assert (ROOT / name).exists(), f"EXPECTED_TO_FAIL_UNTIL_MERGED names {name}, which does not exist: remove it"


# The checker itself, on planted sources: each silent form is found, each guaranteed form passes.
SILENT = {
    "print in the handler": "try:\n    f()\nexcept ValueError as err:\n    print(err)\n",
    "assert inside the handler only": "try:\n    f()\nexcept ValueError as err:\n    assert 'x' in str(err)\n",
    "a bare except": "try:\n    f()\n    raise AssertionError('no')\nexcept:\n    pass\n",
    "raise in the body, but Exception swallows it": "try:\n    f()\n    raise AssertionError('no')\nexcept Exception:\n    pass\n",
    "a later assert on another name": "try:\n    f()\nexcept ValueError as err:\n    msg = str(err)\nassert other\n",
    "an assert on the same name, in the next cell": "try:\n    f()\nexcept KeyError as err:\n    print(err)\n\n# %%\nerr = g()\nassert err\n",
}
GUARANTEED = {
    "else raises": "try:\n    f()\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no error')\n",
    "raise at the end of the body": "try:\n    f()\n    raise AssertionError('no error')\nexcept ValueError:\n    pass\n",
    "handler re-raises": "try:\n    f()\nexcept ValueError as err:\n    raise RuntimeError('x') from err\n",
    "later assert on the caught value": "refused = None\ntry:\n    f()\nexcept ValueError as err:\n    refused = str(err)\nassert refused is not None\n",
    "an optional import": "try:\n    import google.colab\nexcept ImportError:\n    pass\n",
    "error handling inside a function": "def show(name):\n    try:\n        return f(name)\n    except KeyError as err:\n        return str(err)\n",
    "expect_error": "with expect_error(ValueError) as caught:\n    f()\n",
}


@pytest.mark.parametrize("case", SILENT)
def test_the_checker_finds_a_planted_silent_try(case):
    problems = silent_tries(SILENT[case], "planted.py")
    assert len(problems) == 1 and problems[0].startswith("planted.py:")


@pytest.mark.parametrize("case", GUARANTEED)
def test_the_checker_accepts_a_guaranteed_form(case):
    assert silent_tries(GUARANTEED[case], "planted.py") == []
