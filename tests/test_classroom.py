"""Classroom labs (issue 14): the exercises as an nbgrader course, released without solutions, autograded."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli, source

pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")

BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin, as when it is activated


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr[-4000:]
    return done


def solution_lines(path: Path) -> set[str]:
    """Lines only the solution has: inside a region, not a learner line, and nowhere else in the notebook."""
    text = path.read_text()
    inside, lines = False, set()
    for line in text.splitlines():
        if "# BEGIN SOLUTION" in line:
            inside = True
        elif "# END SOLUTION" in line:
            inside = False
        elif inside and not line.strip().startswith("#") and len(line.strip()) >= 12:
            lines.add(line.strip())
    outside = re.sub(r"# BEGIN SOLUTION.*?# END SOLUTION", "", text, flags=re.S)
    learner = {m.strip() for m in re.findall(r"^\s*#> ?(.*)$", text, flags=re.M)}  # the exercise shows these too
    return {line for line in lines if line not in outside and line not in learner}


def test_export_makes_solution_cells_and_autograded_check_cells(tmp_path):
    result = run_cli("classroom", "export", "--out", str(tmp_path / "course"))
    assert result.returncode == 0, result.stderr
    sources = sorted((tmp_path / "course" / "source").glob("*/*.ipynb"))
    assert len(sources) == len(list((ROOT / "solutions").glob("*.ipynb")))
    assert "c.CourseDirectory.course_id" in (tmp_path / "course" / "nbgrader_config.py").read_text()
    for path in sources:
        cells = json.loads(path.read_text())["cells"]
        graded = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade")]
        solutions = [c for c in cells if c["metadata"].get("nbgrader", {}).get("solution")]
        # a graded cell runs a check, or commits a prediction (q.predict(...)) that a later check scores
        assert graded and all(
            c["metadata"]["nbgrader"]["locked"] and re.search(r"\.(check|predict)\(", "".join(c["source"])) for c in graded
        )
        assert solutions and all("BEGIN SOLUTION" in "".join(c["source"]) for c in solutions)
        assert len({c["metadata"]["nbgrader"]["grade_id"] for c in graded + solutions}) == len(graded + solutions)
    again = run_cli("classroom", "export", "--out", str(tmp_path / "course"))
    assert again.returncode == 2 and "not empty" in again.stderr
    one = run_cli("classroom", "export", "--out", str(tmp_path / "one"), "--only", "02_registry")
    assert one.returncode == 0, one.stderr
    assert [p.name for p in (tmp_path / "one" / "source").iterdir()] == ["02_registry"]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """One exported course, every assignment released by one `nbgrader generate_assignment` (a glob)."""
    from zoo_patterns.classroom import export_course

    folder = tmp_path_factory.mktemp("classroom") / "course"
    points = export_course(folder)
    nbgrader(folder, "generate_assignment", "*", "--force")
    return folder, points


def test_released_assignments_hold_no_solution_text(course):
    course, available = course
    assert sorted(p.name for p in (course / "release").iterdir()) == sorted(available)
    for name in available:
        released = (course / "release" / name / f"{name}.ipynb").read_text()
        assert "YOUR CODE HERE" in released
        leaked = [line for line in solution_lines(source("solutions", name)) if json.dumps(line)[1:-1] in released]
        assert not leaked, f"{name} releases solution text: {leaked[:3]}"


def test_autograde_gives_a_solution_full_marks_and_an_untouched_exercise_zero(course):
    from nbgrader.api import Gradebook

    (course, available), name = course, "02_registry"
    points = available[name]
    for student, notebook in (("alice", course / "source"), ("bob", course / "release")):
        target = course / "submitted" / student / name
        target.mkdir(parents=True)
        shutil.copy(notebook / name / f"{name}.ipynb", target / f"{name}.ipynb")
    nbgrader(course, "autograde", name)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(name, s).score for s in ("alice", "bob")}
        assert gradebook.find_assignment(name).max_score == points
    assert scores == {"alice": points, "bob": 0}


# -- the classroom hub's pieces that need no root (the hub itself: tests/test_classroom_hub.py) ------


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_roster_reads_people_and_roles_and_bad_lines_say_which_and_why(tmp_path):
    from zoo_patterns.classroom import ClassroomError, read_roster

    good = write(tmp_path / "r.csv", "username,role\nada,teacher\nbo-1,Student\n")
    assert read_roster(good) == {"ada": "teacher", "bo-1": "student"}
    for text, message in [
        ("username,role\nAda Lovelace,teacher\n", "line 2: 'Ada Lovelace' is not a usable account name"),
        ("username,role\nada,teacher\nbo,pupil\n", "line 3: role 'pupil' must be 'teacher' or 'student'"),
        ("username,role\nada,teacher\nada,student\n", "line 3: ada appears twice"),
        ("username,role\nbo,student\n", "names no teacher"),
        ("name,kind\nada,teacher\n", "needs a header line 'username,role'"),
    ]:
        with pytest.raises(ClassroomError, match=re.escape(message)):
            read_roster(write(tmp_path / "bad.csv", text))
    with pytest.raises(ClassroomError, match="no roster at"):
        read_roster(tmp_path / "missing.csv")


def test_hub_settings_point_every_client_at_the_mirror_and_the_link_pulls_the_course(tmp_path):
    from urllib.parse import parse_qs, urlsplit

    from zoo_patterns.classroom import hub_settings, pull_link

    settings = hub_settings({"ada": "teacher", "bo": "student"}, tmp_path, zoo=tmp_path / "zoo", mirror_port=9999)
    env = settings["environment"]
    assert env["HF_ENDPOINT"] == env["ZOO_PATTERNS_MIRROR"] == "http://127.0.0.1:9999"
    assert env["ZOO_PATTERNS_ZOO"] == str((tmp_path / "zoo").resolve())  # the folder the mirror serves: the lessons read it
    assert env["MXNET_GLUON_REPO"] == "http://127.0.0.1:9999/mxnet/"
    assert settings["teachers"] == ["ada"] and settings["students"] == ["bo"]
    link = pull_link(settings, "http://lab:8000/", "notebooks/04_layered_loader.ipynb")
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "repo": "https://github.com/zoo-patterns/zoo-patterns",
        "branch": "main",
        "urlpath": "lab/tree/zoo-patterns/notebooks/04_layered_loader.ipynb",
    }


def test_the_hub_says_in_one_line_what_it_needs(tmp_path, monkeypatch):
    from zoo_patterns import classroom

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(classroom.ClassroomError, match="needs root") as caught:
        classroom.prepare_hub({"ada": "teacher"}, tmp_path / "hub", zoo=tmp_path)
    assert "\n" not in str(caught.value)
    monkeypatch.setattr(classroom, "PROXY_PACKAGE", tmp_path)  # no node_modules here
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool in ("node", "npm") else "/usr/bin/" + tool)
    with pytest.raises(classroom.ClassroomError, match="node and npm is not installed") as caught:
        classroom.install_proxy()
    assert "\n" not in str(caught.value) and "apt-get install nodejs npm" in str(caught.value)


def test_closed_to_others_names_the_folder_that_keeps_students_out():
    import tempfile

    from zoo_patterns.classroom import closed_to_others

    top = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own tmp folders are closed to others
    try:
        top.chmod(0o755)
        folder = top / "closed"
        (folder / "inner").mkdir(parents=True)
        python = folder / "inner" / "python"
        python.write_text("")
        python.chmod(0o755)
        folder.chmod(0o700)
        assert closed_to_others(python) == folder
        folder.chmod(0o711)  # others may enter, not list: enough
        assert closed_to_others(python) is None
        python.chmod(0o700)
        assert closed_to_others(python) == python
    finally:
        shutil.rmtree(top)


def test_the_hub_refuses_a_zoo_that_students_cannot_read(tmp_path, monkeypatch):
    """Students' lessons read the zoo folder (ZOO_PATTERNS_ZOO), so a zoo under root's 0700 home is refused
    before any account is made, in one line that says where to build it instead."""
    import tempfile

    from zoo_patterns import classroom

    real = classroom.closed_to_others
    top = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own tmp folders are closed to others
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda tool: "/usr/sbin/" + tool)
    monkeypatch.setattr(classroom, "install_proxy", lambda: tmp_path / "configurable-http-proxy")
    monkeypatch.setattr(classroom, "closed_to_others", lambda path: real(path) if str(path).startswith(str(top)) else None)

    def no_accounts(*args):
        raise AssertionError("accounts made")

    monkeypatch.setattr(classroom, "make_accounts", no_accounts)
    try:
        top.chmod(0o755)
        zoo = top / "closed" / "zoo"
        zoo.mkdir(parents=True)
        (zoo / "index.json").write_text("{}")
        (top / "closed").chmod(0o700)
        with pytest.raises(classroom.ClassroomError, match="cannot enter .*closed; build the zoo where every") as caught:
            classroom.prepare_hub({"ada": "teacher"}, tmp_path / "hub", zoo=zoo)
        assert "\n" not in str(caught.value) and "ZOO_PATTERNS_ZOO=/srv/zoo-patterns/zoo" in str(caught.value)
        (top / "closed").chmod(0o711)  # others may enter: the check passes, and the next step makes the accounts
        with pytest.raises(AssertionError, match="accounts made"):
            classroom.prepare_hub({"ada": "teacher"}, tmp_path / "hub", zoo=zoo)
    finally:
        shutil.rmtree(top)


STAND_IN = '''#!{python}
"""A stand-in for {what}: writes its pid, then, on SIGTERM, writes 'stopped' and exits."""
import os, signal, socket, sys, time
from pathlib import Path

marks = Path({marks!r})
signal.signal(signal.SIGTERM, lambda *_: (marks.joinpath("{what}-stopped").write_text("1"), sys.exit(0)))
if "--api-port" in sys.argv:  # the proxy: `classroom hub` waits for its API port
    server = socket.create_server(("127.0.0.1", int(sys.argv[sys.argv.index("--api-port") + 1])))
marks.joinpath("{what}-pid").write_text(str(os.getpid()))
while True:
    time.sleep(0.1)
'''


def test_sigterm_stops_the_hub_then_the_proxy_in_seconds(tmp_path):
    """``run_hub`` on SIGTERM: the hub first, then the proxy, each by SIGTERM, and no 60 s wait.

    Stand-ins replace JupyterHub and configurable-http-proxy (no root, no node). The handler once waited
    for the hub inside the main thread's own wait for it, which cannot reap it: every stop took 60 s.
    """
    import socket
    import time

    scripts = {}
    for what in ("proxy", "hub"):
        scripts[what] = tmp_path / what
        scripts[what].write_text(STAND_IN.format(python=sys.executable, what=what, marks=str(tmp_path)))
        scripts[what].chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = {"data": str(tmp_path), "proxy": str(scripts["proxy"]), "python": str(scripts["hub"])}
    settings |= {"host": "127.0.0.1", "port": 1, "proxy_api_port": port, "hub_port": 2}
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    code = f"import json, sys; from zoo_patterns import classroom; sys.exit(classroom.run_hub(json.load(open({str(tmp_path / 'settings.json')!r}))))"
    command = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "hub-pid").exists():
            assert command.poll() is None and time.monotonic() < deadline, "the stand-in hub never started"
            time.sleep(0.1)
        started = time.monotonic()
        command.terminate()
        assert command.wait(timeout=50) == 0  # the 60 s wait, had it happened, would time out here
        stopped = time.monotonic() - started
    finally:
        command.kill()
        for pid_file in tmp_path.glob("*-pid"):  # a failed run leaves no stand-in behind (only ours: by its command line)
            pid = int(pid_file.read_text())
            try:
                if str(tmp_path) in Path(f"/proc/{pid}/cmdline").read_text():
                    os.kill(pid, 9)
            except (FileNotFoundError, ProcessLookupError):
                pass
    assert (tmp_path / "hub-stopped").exists() and (tmp_path / "proxy-stopped").exists()
    assert (tmp_path / "hub-stopped").stat().st_mtime <= (tmp_path / "proxy-stopped").stat().st_mtime
    for what in ("hub", "proxy"):
        pid = int((tmp_path / f"{what}-pid").read_text())
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    print(f"classroom hub stand-ins stopped in {stopped:.1f} s")
