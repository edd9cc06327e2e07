"""Every lesson reads the same way (the shape the README and docs/teaching.md describe), checked on the .py sources.

A lesson opens with its time, its prerequisites and three to five objectives; it has at least
one "Predict, then run" and one "Try changing this" prompt; it ends with a summary, a link to
its exercise and a link to the next lesson; and its jargon links to docs/glossary.md, whose
every anchor a lesson links to exists.
"""

import re

import pytest
from helpers import ROOT, sources

LESSONS = sources("notebooks")
GLOSSARY = ROOT / "docs" / "glossary.md"


def markdown_of(path):
    """The markdown cells' text, the leading '# ' of each line removed."""
    cells, current = [], None
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            current = [] if "[markdown]" in line else None
            if current is not None:
                cells.append(current)
        elif current is not None:
            current.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    return ["\n".join(cell) for cell in cells]


def glossary_anchors():
    """GitHub's anchors for the glossary's '### Term' headings."""
    anchors = set()
    for heading in re.findall(r"^### (.+)$", GLOSSARY.read_text(), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def objectives_of(opening):
    """The '- ' bullets of the list right after '**You will learn to:**' (continuation lines belong to their bullet)."""
    bullets = []
    for line in opening.split("**You will learn to:**", 1)[1].splitlines()[1:]:
        if line.startswith("- "):
            bullets.append(line[2:])
        elif (line.strip() and not line.startswith("  ")) or (not line.strip() and bullets):
            break
    return bullets


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_the_lesson_opens_with_time_prerequisites_and_objectives(lesson):
    opening = markdown_of(lesson)[0]
    assert "**Time:**" in opening, f"{lesson.name}: the first markdown cell has no '**Time:**' line"
    assert "**Prerequisites:**" in opening, f"{lesson.name}: the first markdown cell has no '**Prerequisites:**' line"
    assert "**You will learn to:**" in opening, f"{lesson.name}: no '**You will learn to:**' list in the first markdown cell"
    bullets = objectives_of(opening)
    assert 3 <= len(bullets) <= 5, f"{lesson.name}: {len(bullets)} objectives, expected three to five"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_the_lesson_asks_the_learner_to_predict_and_to_change_something(lesson):
    text = "\n".join(markdown_of(lesson))
    assert "**Predict, then run:**" in text, f"{lesson.name}: no '**Predict, then run:**' prompt"
    assert "**Try changing this:**" in text, f"{lesson.name}: no '**Try changing this:**' prompt"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_the_lesson_ends_with_a_summary_its_exercise_and_the_next_lesson(lesson):
    cells = markdown_of(lesson)
    text = "\n".join(cells)
    assert re.search(r"^## Summary$", text, flags=re.M), f"{lesson.name}: no '## Summary' section"
    ending = "\n".join(cells[-2:])
    exercise = f"../exercises/{lesson.stem}.ipynb"
    assert exercise in ending, f"{lesson.name}: the last cells do not link to {exercise}"
    later = [p for p in LESSONS if p.stem > lesson.stem]
    if later:
        assert f"({later[0].stem}.ipynb)" in ending, f"{lesson.name}: the last cells do not link to {later[0].stem}.ipynb"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_the_lessons_glossary_links_land_on_a_term(lesson):
    links = re.findall(r"\.\./docs/glossary\.md#([\w\-]+)", lesson.read_text())
    assert links, f"{lesson.name}: no term links to ../docs/glossary.md#term"
    missing = sorted(set(links) - glossary_anchors())
    assert not missing, f"{lesson.name}: glossary anchors that docs/glossary.md lacks: {missing}"


def test_the_glossary_defines_the_jargon_a_reader_found_undefined():
    anchors = glossary_anchors()
    for term in ("qdq", "litert", "p50-p90", "comm", "dlink", "pareto-frontier", "gloo"):
        assert term in anchors, f"docs/glossary.md has no '### ' heading for {term}"


def test_the_objectives_check_can_fail(tmp_path):
    """A lesson with two objectives, or none, is refused (the check above is not vacuous)."""
    lesson = tmp_path / "99_broken.py"
    lesson.write_text(
        "# %% [markdown]\n# # 99\n#\n# **Time:** 1 min.\n# **Prerequisites:** none.\n#\n"
        "# **You will learn to:**\n#\n# - one\n# - two\n"
    )
    with pytest.raises(AssertionError, match="2 objectives"):
        test_the_lesson_opens_with_time_prerequisites_and_objectives(lesson)
