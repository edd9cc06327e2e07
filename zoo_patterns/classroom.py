"""Classroom labs with nbgrader: the exercises as a graded course (``python -m zoo_patterns classroom export``).

The workbook's ``solutions/`` notebooks already mark what a learner writes (``# BEGIN SOLUTION`` ...
``# END SOLUTION``, nbgrader's own delimiters) and what checks it (cells tagged ``check`` that call
``qN.check(...)``). ``export_course`` turns them into an nbgrader course folder:

    COURSE/nbgrader_config.py
    COURSE/source/<assignment>/<assignment>.ipynb     one assignment per exercise

- a cell with a solution region becomes an nbgrader **solution cell**; the learner's starting line (the
  ``#> ...`` lines of the workbook's own exercises) is kept above the region as a comment;
- a ``check`` cell becomes an **autograded test cell** worth ``points`` (locked, so it cannot be edited);
- every other cell is left as it is.

Then the usual nbgrader flow works: ``nbgrader generate_assignment`` writes ``release/`` without the
solutions, students submit, ``nbgrader autograde`` runs their notebooks and scores each check cell.
``docs/teaching.md`` walks through it.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
LEARNER = re.compile(r"^(\s*)#> ?(.*)$")
CHECK = re.compile(r"\b(q\d+)\.check\(")
SCHEMA = 3
JOURNAL = "predictions.json"  # zoo_patterns.exercises.journal_path() beside the notebook

CONFIG = '''"""nbgrader configuration of the zoo-patterns course (written by `python -m zoo_patterns classroom export`)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = {course!r}
# the workbook's own markers, which are nbgrader's defaults
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# lessons that train or load models take up to a minute or two on a laptop CPU
c.ExecutePreprocessor.timeout = {timeout}
c.Execute.timeout = {timeout}
# A learner's q.predict(...) commits each prediction to {journal} beside the notebook, and the autograde scores
# the first one: the journal is submitted with the notebook. A journal in source/ (a teacher ran a notebook there)
# must neither be released to the students nor overwrite theirs when grading.
import sys  # noqa: E402

if "generate_assignment" in sys.argv or "assign" in sys.argv:
    c.CourseDirectory.ignore.append({journal!r})
c.Autograde.exclude_overwriting = {{name: [{journal!r}] for name in {assignments!r}}}
'''


def default_solutions() -> Path:
    """``solutions/`` of the repository this package was installed from (``pip install -e .``)."""
    return Path(__file__).resolve().parent.parent / "solutions"


def convert_cell_source(source: str) -> str:
    """A solution cell's code for nbgrader: the learner's starting lines as comments above each region."""
    out, pending, inside = [], [], False
    for line in source.split("\n"):
        if BEGIN.match(line):
            inside, pending, region = True, [], [line]
            continue
        if inside and END.match(line):
            indent = BEGIN.match(region[0]).group(1)
            starts = [p for p in pending if p.strip() and not p.strip().startswith("raise NotImplementedError")]
            if starts:
                out += [f"{indent}# Start from:"] + [f"{indent}#     {p.strip()}" for p in starts]
            out += region + [line]
            inside = False
            continue
        if inside:
            learner = LEARNER.match(line)
            if learner:
                pending.append(learner.group(2))
            else:
                region.append(line)
            continue
        out.append(line)
    if inside:
        raise ValueError("a BEGIN SOLUTION region has no END SOLUTION")
    return "\n".join(out)


def to_nbgrader(nb, *, points: int = 1):
    """The notebook with nbgrader cell metadata; returns ``(notebook, number of graded check cells)``."""
    checks = 0
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if any(BEGIN.match(line) for line in cell.source.split("\n")):
            cell.source = convert_cell_source(cell.source)
            cell.metadata["nbgrader"] = {
                "grade": False,
                "solution": True,
                "locked": False,
                "task": False,
                "grade_id": f"solution-{number:02d}",
                "schema_version": SCHEMA,
            }
        elif "check" in cell.metadata.get("tags", []):
            names = CHECK.findall(cell.source)
            checks += 1
            cell.metadata["nbgrader"] = {
                "grade": True,
                "solution": False,
                "locked": True,
                "task": False,
                "points": points,
                "grade_id": f"check-{'-'.join(names) or number}",
                "schema_version": SCHEMA,
            }
    return nb, checks


def export_course(
    out: str | Path,
    *,
    solutions: str | Path | None = None,
    only: list[str] | None = None,
    points: int = 1,
    course: str = "zoo-patterns",
    timeout: int = 600,
) -> dict[str, int]:
    """Write an nbgrader course folder; returns ``{assignment: points available}``."""
    import nbformat

    solutions = Path(solutions) if solutions else default_solutions()
    notebooks = sorted(solutions.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no solution notebooks in {solutions}; run this from a clone of the workbook or pass --solutions DIR."
        )
    chosen = {p.stem: p for p in notebooks}
    unknown = sorted(set(only or []) - set(chosen))
    if unknown:
        raise ValueError(f"no exercise named {unknown}; the exercises are {sorted(chosen)}.")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; export into a new folder so no grades or submissions are overwritten.")
    available = {}
    for stem, path in chosen.items():
        if only and stem not in only:
            continue
        nb, checks = to_nbgrader(nbformat.read(path, as_version=4), points=points)
        if not checks:
            continue  # nothing to grade
        target = out / "source" / stem / f"{stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        available[stem] = checks * points
    config = CONFIG.format(course=course, timeout=timeout, journal=JOURNAL, assignments=sorted(available))
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return available


# -- the lab on one machine: JupyterHub for a roster (``python -m zoo_patterns classroom hub``) ----------
# One settings dict is the single source: the hub's configuration file (classroom/jupyterhub_config.py)
# reads it from DIR/hub-settings.json, and ``zero_to_jupyterhub_values`` turns the same dict into the
# Zero to JupyterHub chart's values.yaml. Only the command that starts the hub writes it.

REPO = Path(__file__).resolve().parent.parent
HUB_CONFIG = REPO / "classroom" / "jupyterhub_config.py"
PROXY_PACKAGE = REPO / "classroom"  # package.json + package-lock.json: configurable-http-proxy from npm
COURSE_REPO = "https://github.com/zoo-patterns/zoo-patterns"
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")  # useradd's portable names; JupyterHub lower-cases logins
ROLES = ("teacher", "student")
MARK = "zoo-patterns classroom"  # the GECOS comment of every account the command makes
ONE_MACHINE_ONLY = ("PATH", "JUPYTER_CONFIG_PATH", "ZOO_PATTERNS_ZOO")  # paths on the lab machine; a pod has its image's


class ClassroomError(Exception):
    """A classroom command cannot go on; the message says what to do."""


def read_roster(path: str | Path) -> dict[str, str]:
    """``{username: role}`` from a CSV with a header ``username,role`` (role: teacher or student)."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise ClassroomError(f"no roster at {path}; write a CSV with the header 'username,role' and one line per person.")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"username", "role"} <= set(rows[0]):
        raise ClassroomError(f"{path} needs a header line 'username,role' and at least one person.")
    roster: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        name, role = (row["username"] or "").strip(), (row["role"] or "").strip().lower()
        if not USERNAME.match(name):
            raise ClassroomError(
                f"{path}, line {number}: {name!r} is not a usable account name; use lower-case letters, digits, '-' or '_', "
                "starting with a letter, at most 31 characters."
            )
        if role not in ROLES:
            raise ClassroomError(f"{path}, line {number}: role {role!r} must be 'teacher' or 'student'.")
        if name in roster:
            raise ClassroomError(f"{path}, line {number}: {name} appears twice.")
        roster[name] = role
    if "teacher" not in roster.values():
        raise ClassroomError(f"{path} names no teacher; the teacher releases, collects and grades the assignments.")
    return roster


def hub_settings(
    roster: dict[str, str],
    data: str | Path,
    *,
    zoo: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    mirror_port: int = 8765,
    course: str = "zoo-patterns",
    course_repo: str = COURSE_REPO,
    branch: str = "main",
    python: str | None = None,
    proxy: str | Path | None = None,
) -> dict:
    """Every setting of the lab in one JSON-able dict: the hub's config file and values.yaml both read it."""
    import sys

    data = Path(data).resolve()
    python = python or sys.executable
    mirror = f"http://127.0.0.1:{mirror_port}"
    zoo = Path(zoo).resolve()
    teachers = sorted(n for n, r in roster.items() if r == "teacher")
    return {
        "host": host,
        "port": port,
        "hub_port": port + 1,
        "proxy_api_port": port + 2,
        "data": str(data),
        "proxy": str(proxy or PROXY_PACKAGE / "node_modules" / ".bin" / "configurable-http-proxy"),
        "python": python,
        "singleuser": str(Path(python).parent / "jupyterhub-singleuser"),
        "teachers": teachers,
        "students": sorted(n for n, r in roster.items() if r == "student"),
        "course_id": course,
        "exchange": str(data / "exchange"),
        "course_repo": course_repo,
        "branch": branch,
        "repo_dir": course_repo.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1],
        "mirror": {"name": "zoo-mirror", "port": mirror_port, "zoo": str(zoo), "url": mirror},
        # what every user's server and kernels see: lesson 15's clients and zp.load go to the mirror;
        # the lessons that read the zoo's folder (its index, its cards) read the one the mirror serves
        "environment": {
            "HF_ENDPOINT": mirror,
            "MXNET_GLUON_REPO": f"{mirror}/mxnet/",
            "ZOO_PATTERNS_MIRROR": mirror,
            "ZOO_PATTERNS_ZOO": str(zoo),
            "JUPYTER_CONFIG_PATH": str(data / "jupyter"),  # nbgrader's exchange and course id for everyone
            "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",  # nbgrader runs alembic from PATH
        },
    }


def pull_link(settings: dict, hub_url: str, path: str = "") -> str:
    """An nbgitpuller link: log in, pull the course into ~/<repo>, open ``path`` in JupyterLab."""
    from urllib.parse import urlencode

    query = urlencode(
        {"repo": settings["course_repo"], "branch": settings["branch"], "urlpath": f"lab/tree/{settings['repo_dir']}/{path}"}
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def zero_to_jupyterhub_values(settings: dict, *, image: str = "zoo-patterns:latest") -> dict:
    """The Zero to JupyterHub chart's values for the same lab (one pod per student; see docs/teaching.md).

    Kubernetes differs from one machine in three places: users are the authenticator's, not Unix
    accounts (each pod runs as the image's ``jovyan``, so isolation comes from separate pods and
    volumes); the mirror runs beside the hub as a sidecar container in the hub's pod, reached through
    a Service the teacher adds (``zoo-mirror``); nbgrader's exchange is a shared volume.
    """
    mirror = settings["mirror"]
    in_cluster = f"http://{mirror['name']}:{mirror['port']}"
    # the image's own PATH, /etc/jupyter and built zoo (postBuild) replace one machine's venv, DIR/jupyter and zoo folder
    env = {k: v.replace(mirror["url"], in_cluster) for k, v in settings["environment"].items() if k not in ONE_MACHINE_ONLY}
    exchange = "/srv/nbgrader/exchange"
    return {
        "hub": {
            # no Unix accounts in a hub pod: the chart's hub image has NativeAuthenticator (students sign
            # up, the teacher approves each at /hub/authorize); the chart's default, dummy, takes any password
            "config": {
                "JupyterHub": {"authenticator_class": "nativeauthenticator"},
                "Authenticator": {
                    "admin_users": settings["teachers"],
                    "allowed_users": settings["teachers"] + settings["students"],
                },
            },
            "services": {mirror["name"]: {"url": in_cluster, "display": False}},
            "extraContainers": [
                {
                    "name": mirror["name"],
                    "image": image,
                    "command": ["python", "-m", "zoo_patterns", "serve", "--dir", "/srv/zoo-patterns/zoo"]
                    + ["--host", "0.0.0.0", "--port", str(mirror["port"])],
                    "ports": [{"containerPort": mirror["port"], "name": "zoo-mirror"}],
                }
            ],
        },
        "singleuser": {
            "image": {"name": image.rsplit(":", 1)[0], "tag": image.rsplit(":", 1)[1] if ":" in image else "latest"},
            "defaultUrl": f"/lab/tree/{settings['repo_dir']}",
            "extraEnv": env,
            "extraFiles": {
                "nbgrader-config": {
                    "mountPath": "/etc/jupyter/nbgrader_config.py",
                    "stringData": nbgrader_exchange_config(settings["course_id"], exchange),
                }
            },
            "storage": {
                "extraVolumes": [{"name": "nbgrader-exchange", "persistentVolumeClaim": {"claimName": "nbgrader-exchange"}}],
                "extraVolumeMounts": [{"name": "nbgrader-exchange", "mountPath": exchange}],
            },
        },
    }


def nbgrader_exchange_config(course: str, exchange: str | Path) -> str:
    """The nbgrader settings every user shares: which course, and where its exchange lives."""
    return (
        '"""nbgrader: the course and its exchange, for the teacher and every student (written by zoo_patterns classroom)."""\n\n'
        "c = get_config()  # noqa: F821 (nbgrader provides it)\n"
        f"c.CourseDirectory.course_id = {course!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
    )


def closed_to_others(path: str | Path) -> Path | None:
    """The first folder above ``path`` (its real path) that other accounts cannot enter, or the file
    itself if they cannot read it; ``None`` when every account can read ``path``."""
    path = Path(path).resolve()
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & 0o001:
            return folder
    return None if path.stat().st_mode & 0o004 else path


def _run(*cmd: str, stdin: str | None = None) -> None:
    import subprocess

    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if done.returncode:
        raise ClassroomError(f"`{' '.join(cmd)}` failed: {done.stderr.strip()}")


def _accounts_file(data: Path) -> Path:
    return data / "accounts.json"


def make_accounts(roster: dict[str, str], data: str | Path) -> dict[str, str]:
    """A Unix account per person (home mode 0700); returns ``{username: initial password}`` for new accounts.

    Accounts made here are recorded in DIR/accounts.json, so a second run keeps them (and their
    passwords) and ``remove_accounts`` removes exactly them. An account that exists but was not made
    here is refused: the roster must not hand a hub login to someone else's account.
    """
    import json
    import pwd
    import secrets

    data = Path(data)
    record = _accounts_file(data)
    made = json.loads(record.read_text()) if record.exists() else []
    passwords = {}
    for name in roster:
        try:
            pwd.getpwnam(name)
            if name not in made:
                raise ClassroomError(
                    f"an account named {name} already exists and this command did not make it; rename {name} in the roster."
                )
            continue
        except KeyError:
            pass
        _run("useradd", "--create-home", "--shell", "/bin/bash", "--comment", MARK, name)
        made.append(name)
        record.write_text(json.dumps(made))
        home = Path(pwd.getpwnam(name).pw_dir)
        home.chmod(0o700)  # only its owner reads a home: no student reads another's work
        passwords[name] = secrets.token_urlsafe(9)
        _run("chpasswd", stdin=f"{name}:{passwords[name]}\n")
    return passwords


def remove_accounts(data: str | Path) -> list[str]:
    """Stop every process of, and delete (with its home), each account ``make_accounts`` made."""
    import json
    import os
    import pwd
    import signal
    import subprocess

    record = _accounts_file(Path(data))
    if not record.exists():
        return []
    removed = []
    for name in json.loads(record.read_text()):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        # what the account still runs (a server the hub could not stop), by process id
        running = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
        for pid in running:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        _run("userdel", "--remove", name)
        removed.append(name)
    record.unlink()
    return removed


def install_proxy() -> Path:
    """configurable-http-proxy from npm into classroom/node_modules (``npm ci`` on the lockfile), once."""
    import shutil
    import subprocess

    proxy = PROXY_PACKAGE / "node_modules" / ".bin" / "configurable-http-proxy"
    if proxy.exists():
        return proxy
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    if missing:
        raise ClassroomError(
            f"the hub's proxy (configurable-http-proxy) runs on Node.js, and {' and '.join(missing)} is not installed; "
            "install Node.js 18 or newer (Debian: apt-get install nodejs npm), then run this again."
        )
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PROXY_PACKAGE)], capture_output=True, text=True
    )
    if done.returncode or not proxy.exists():
        raise ClassroomError(f"`npm ci --prefix {PROXY_PACKAGE}` failed: {done.stderr.strip()[-500:]}")
    return proxy


def prepare_hub(roster: dict[str, str], data: str | Path, **options) -> tuple[dict, dict[str, str]]:
    """Everything before the hub starts; returns ``(settings, {username: initial password})``.

    Needs root (accounts, homes, running servers as their users). Writes DIR/hub-settings.json (the
    one source of the hub's configuration), DIR/jupyter/nbgrader_config.py (the course and the
    exchange), DIR/exchange (nbgrader's, writable by all, sticky), the teacher's course
    (~/course, from ``export_course``) and an API token for the teacher (DIR/teacher-token, 0600).
    """
    import json
    import os
    import pwd
    import secrets
    import shutil

    if os.geteuid() != 0:
        raise ClassroomError(
            "the classroom hub makes a Unix account per person and runs each server as its user, so it needs root: "
            "run it with sudo (or as root)."
        )
    if not shutil.which("useradd") or not shutil.which("chpasswd"):
        raise ClassroomError("useradd and chpasswd are missing; install the passwd package (Debian: apt-get install passwd).")
    data = Path(data).resolve()
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o755)  # students reach the exchange and the shared nbgrader settings inside it
    settings = hub_settings(roster, data, proxy=install_proxy(), **options)
    for what in (settings["python"], settings["singleuser"], Path(__file__)):
        closed = closed_to_others(what)
        if closed:
            raise ClassroomError(
                f"students' servers run {what}, but other accounts cannot enter {closed}; install Python and the "
                "workbook where every account can read them (for example /opt or /srv, not under /root)."
            )
    index = Path(settings["mirror"]["zoo"]) / "index.json"
    if not index.is_file():
        raise ClassroomError(
            f"no built zoo at {settings['mirror']['zoo']}; build it first: python -m zoo_patterns build --if-missing"
        )
    closed = closed_to_others(index)
    if closed:  # the lessons read the zoo's index and cards (ZOO_PATTERNS_ZOO); the models come from the mirror
        raise ClassroomError(
            f"students' lessons read the zoo at {index.parent}, but other accounts cannot enter {closed}; build the zoo "
            "where every account can read it: ZOO_PATTERNS_ZOO=/srv/zoo-patterns/zoo python -m zoo_patterns build --if-missing"
        )
    passwords = make_accounts(roster, data)
    (data / "jupyter").mkdir(exist_ok=True)
    (data / "jupyter" / "nbgrader_config.py").write_text(nbgrader_exchange_config(settings["course_id"], settings["exchange"]))
    exchange = Path(settings["exchange"])
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader wants 0777; the sticky bit stops anyone renaming another's folders
    for teacher in settings["teachers"]:
        account = pwd.getpwnam(teacher)
        course = Path(account.pw_dir) / "course"
        if not course.exists():
            export_course(course, course=settings["course_id"])
            (Path(account.pw_dir) / ".jupyter").mkdir(exist_ok=True)
            (Path(account.pw_dir) / ".jupyter" / "nbgrader_config.py").write_text(
                f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}  # the formgrader's course\n"
            )
            for path in [
                course,
                Path(account.pw_dir) / ".jupyter",
                *course.rglob("*"),
                *(Path(account.pw_dir) / ".jupyter").rglob("*"),
            ]:
                os.chown(path, account.pw_uid, account.pw_gid)
    token_file = data / "teacher-token"
    if not token_file.exists():
        token_file.touch(mode=0o600)
        token_file.write_text(secrets.token_hex(32))
    settings["teacher_token_file"] = str(token_file)
    settings_file = data / "hub-settings.json"
    settings_file.write_text(json.dumps(settings, indent=2))
    settings_file.chmod(0o600)
    return settings, passwords


class _Stopped(Exception):
    """SIGTERM reached ``run_hub``."""


def run_hub(settings: dict) -> int:
    """Run the proxy, then JupyterHub, in the foreground; Ctrl-C or SIGTERM stops both (the hub stops
    the mirror and every student's server first).

    The command starts the proxy itself (the hub's configuration says ``should_start = False``):
    JupyterHub gives a proxy it starts 10 seconds to listen, which a busy lab machine can miss, and
    a proxy the command owns is stopped by the command even when the hub fails.
    """
    import os
    import secrets
    import signal
    import socket
    import subprocess
    import time

    env = {**os.environ, "ZOO_PATTERNS_HUB_SETTINGS": str(Path(settings["data"]) / "hub-settings.json")}
    env["PATH"] = f"{Path(settings['python']).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)  # the hub and the proxy share it, nobody else
    proxy = subprocess.Popen(
        [settings["proxy"], "--ip", settings["host"], "--port", str(settings["port"])]
        + ["--api-ip", "127.0.0.1", "--api-port", str(settings["proxy_api_port"])]
        + ["--error-target", f"http://127.0.0.1:{settings['hub_port']}/hub/error"],
        env=env,
    )
    children = [proxy]

    def stop():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already: a second SIGTERM must not cut it short
        for child in reversed(children):  # the hub first: it stops the servers and the mirror
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()

    def on_sigterm(signum, frame):
        # Stop in `finally`, not here: this handler interrupts the main thread inside hub.wait(), which
        # holds the hub's wait lock, so a wait(timeout=...) here could never reap the hub and sat out the
        # whole timeout (a 60 s stop, measured) before it went on to the proxy.
        raise _Stopped

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        deadline = time.monotonic() + 120
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", settings["proxy_api_port"])) == 0:
                    break
            if proxy.poll() is not None or time.monotonic() > deadline:
                raise ClassroomError(f"configurable-http-proxy did not start (exit status {proxy.poll()}); see its output above.")
            time.sleep(0.2)
        hub = subprocess.Popen([settings["python"], "-m", "jupyterhub", "-f", str(HUB_CONFIG)], cwd=settings["data"], env=env)
        children.append(hub)
        return hub.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to the hub and the proxy too
        return children[-1].wait()
    except _Stopped:
        return 0  # `finally` stops the hub, then the proxy
    finally:
        stop()


def values_yaml(settings: dict, *, image: str = "zoo-patterns:latest") -> str:
    """``zero_to_jupyterhub_values`` as the chart's values.yaml, with a header saying how it was made."""
    import yaml

    header = (
        "# Zero to JupyterHub values for the zoo-patterns classroom, generated from the same settings as\n"
        "# classroom/jupyterhub_config.py by `python -m zoo_patterns classroom values` (do not edit by hand).\n"
        "# Also needed on the cluster: a Service `zoo-mirror` to the hub pod's port, a ReadWriteMany\n"
        "# PersistentVolumeClaim `nbgrader-exchange` (see docs/teaching.md).\n"
    )

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value):  # a file's content reads as a block, as it would be written by hand
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return header + yaml.dump(zero_to_jupyterhub_values(settings, image=image), Dumper=Dumper, sort_keys=False, width=120)
