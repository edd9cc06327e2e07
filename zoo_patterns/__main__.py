"""``python -m zoo_patterns``: the workbook zoo from a shell.

doctor                         what is installed, broken or missing (exit 1 if anything is)
build [--out DIR] [--if-missing] [--step S]   pretrain and publish the zoo
list [PATTERN] [--all-versions] [--task T] [--framework F] [--json]
                               the newest version of each model (or every version)
show NAME[@VERSION]            print a model card
publish DIR --zoo ZOO [--next-patch]
                               add a version of a model (safe weights + card) to a zoo, atomically (lessons 04, 13)
yank NAME@VERSION --zoo ZOO --reason TEXT [--undo]
                               withdraw a version: a bare name skips it, an exact pin still loads it
classroom export --out COURSE  the exercises as an nbgrader course (solution and autograded cells)
classroom hub --roster CSV --data DIR [--host H --port P]
                               JupyterHub for a class on this machine (root): accounts, logins, mirror, nbgrader
classroom values --roster CSV --data DIR   the same lab as Zero to JupyterHub's values.yaml
classroom remove-accounts --data DIR       delete the accounts (and homes) `classroom hub` made
serve --dir DIR --port PORT [--log FILE] [-v] [--fault KIND:GLOB]
                               serve a built zoo over HTTP on 127.0.0.1 (GET, HEAD, Range): its files and
                               four hubs' protocols (Hugging Face, /tfhub/, /mxnet/, /torchhub/; lesson 15)
fetch NAME[@VERSION|@CONTENT_ID] --zoo URL --cache DIR [--offline]
                               fetch through every loader layer; print "<sha256>  <path>" per file
convert NAME --to {torch,keras,gluon,onnx} --out DIR
                               convert a zoo model, check parity, write a loadable folder (lesson 09)
optimize NAME --method M --runtime R --out DIR
                               prune or quantise a zoo model, measure it, write a loadable folder (lesson 10)
browse [--port P] [--no-browser] [--zoo DIR]
                               serve the zoo browser app (lesson 12) with Voila on 127.0.0.1

Exit codes, for scripts: 0 ok, 2 bad usage or unknown name, 3 integrity, 4 offline and
not cached, 5 network, 6 unsafe file, 7 no conversion rule, 8 parity failed, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import checks, report

    rows = checks()
    print(report(rows))
    return 0 if all(r.ok for r in rows) else 1


def _cmd_build(args: argparse.Namespace) -> int:
    from .settings import zoo_dir
    from .zoo.builder import build
    from .zoo.fingerprint import is_current

    out = args.out or zoo_dir()
    if args.if_missing and is_current(out):
        print(f"zoo is up to date at {out}")
        return 0
    build(out, steps=args.step, progress=not args.quiet)
    from .index import read_index

    print(f"built {len(read_index(out)['models'])} models into {out}")
    return 0


def _registry(args: argparse.Namespace):
    from pathlib import Path

    from .index import INDEX
    from .zoo import ensure_built, registry_from_zoo

    if args.zoo and (Path(args.zoo) / INDEX).exists():
        return registry_from_zoo(args.zoo)  # any zoo, yours included: never rebuilt over
    return registry_from_zoo(ensure_built(args.zoo))


def _cmd_list(args: argparse.Namespace) -> int:
    from .errors import close_matches

    registry = _registry(args)
    for field in ("framework", "task", "domain"):
        wanted = getattr(args, field)
        known = sorted({getattr(registry.get(n).card, field) for n in registry.list()})
        if wanted is not None and wanted not in known:
            near = close_matches(wanted, known)
            hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            print(f"error: no model has {field} {wanted!r}.{hint} Known {field}s: {', '.join(known)}.", file=sys.stderr)
            return 2
    names = registry.list(args.pattern, task=args.task, framework=args.framework, domain=args.domain)
    if args.all_versions:
        entries = [v for n in names for v in (registry.get(n).versions or (registry.get(n),))]
    else:
        entries = [registry.get(n) for n in names]
    if args.json:
        rows = []
        for e in entries:
            c = e.card
            rows.append(
                {
                    "name": c.name,
                    "version": c.version,
                    "content_id": e.content_id,
                    "yanked": e.yanked,
                    "framework": c.framework,
                    "format": c.format,
                    "task": c.task,
                    "domain": c.domain,
                    "license": c.license,
                    "num_params": c.num_params,
                    "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in c.files],
                }
            )
        print(json.dumps(rows, indent=2))
        return 0
    if not entries:
        print("no model matches", file=sys.stderr)
        return 1
    width = max(len(n) for n in names)
    vwidth = max(len(e.version) for e in entries)
    for e in entries:
        c = e.card
        line = f"{c.name:<{width}}  {c.version:<{vwidth}}  {c.framework:<12} {c.task:<26} {c.num_params or 0:>11,} params  {c.license}"
        if args.all_versions:
            line += f"  {(e.content_id or '')[:12]}" + (f"  yanked: {e.yanked}" if e.yanked else "")
        print(line)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    card = _registry(args).get(args.name).card
    print(card.to_markdown())
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from .zoo.publishing import publish

    entry = publish(args.folder, zoo=args.zoo, next_patch=args.next_patch)
    size = sum(f["size"] for f in entry["files"])
    ref = f"{entry['name']}@{entry['version']}"
    if entry.get("unchanged"):
        print(f"{ref} is already in {args.zoo} with the same bytes (content id {entry['content_id'][:12]}): nothing to do")
        return 0
    print(
        f"published {ref} ({len(entry['files'])} files, {size / 1e6:.2f} MB, content id {entry['content_id'][:12]}) to {args.zoo}"
    )
    print(f"load it with zoo_patterns.load('zoo://{ref}', zoo={str(args.zoo)!r})")
    return 0


def _cmd_yank(args: argparse.Namespace) -> int:
    from .zoo.publishing import yank

    entry = yank(args.ref, zoo=args.zoo, reason=args.reason, undo=args.undo)
    what = "restored" if args.undo else f"yanked ({entry['yanked']})"
    print(f"{entry['name']}@{entry['version']} {what} in {args.zoo}")
    return 0


def _cmd_classroom(args: argparse.Namespace) -> int:
    from .classroom import export_course

    if args.action != "export":
        return _cmd_classroom_hub(args)
    available = export_course(args.out, solutions=args.solutions, only=args.only, points=args.points)
    for name, points in available.items():
        print(f"{name:34} {points:3} points")
    print(f"wrote an nbgrader course with {len(available)} assignments to {args.out}")
    print(f"next: cd {args.out} && nbgrader generate_assignment {next(iter(available), 'NAME')}  (see docs/teaching.md)")
    return 0


def _cmd_classroom_hub(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import classroom
    from .settings import zoo_dir

    try:
        if args.action == "remove-accounts":
            removed = classroom.remove_accounts(args.data)
            print(f"removed {len(removed)} accounts and their homes: {' '.join(removed) or '(none)'}")
            return 0
        roster = classroom.read_roster(args.roster)
        options = {"zoo": args.zoo or zoo_dir(), "course_repo": args.course_repo or classroom.COURSE_REPO, "branch": args.branch}
        if args.action == "values":
            settings = classroom.hub_settings(roster, args.data, **options)
            print(classroom.values_yaml(settings, image=args.image), end="")
            return 0
        settings, passwords = classroom.prepare_hub(
            roster, args.data, host=args.host, port=args.port, mirror_port=args.mirror_port, **options
        )
    except classroom.ClassroomError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 2
    url = f"http://{args.host}:{args.port}"
    print(f"classroom hub for {len(roster)} people at {url} (data in {settings['data']})")
    if passwords:
        print("initial passwords (shown once; hand each to its person):")
        for name, password in passwords.items():
            print(f"  {roster[name]:8} {name:32} {password}")
    print(f"the teacher's API token: {settings['teacher_token_file']} (mode 0600)")
    print(f"the course, pulled into each student's ~/{settings['repo_dir']}: {classroom.pull_link(settings, url, 'notebooks')}")
    links = Path(settings["data"]) / "lesson-links.txt"
    lessons = sorted((classroom.REPO / "notebooks").glob("*.ipynb"))
    links.write_text("".join(f"{nb.stem}  {classroom.pull_link(settings, url, f'notebooks/{nb.name}')}\n" for nb in lessons))
    print(f"one link per lesson: {links}")
    sys.stdout.flush()
    try:
        return classroom.run_hub(settings)
    except classroom.ClassroomError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 1


def _cmd_serve(args: argparse.Namespace) -> int:
    from .hubs.faults import Faults, parse
    from .loader.serve import make_server

    faults = Faults()
    for spec in args.fault or ():
        try:
            kind, pattern = parse(spec)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        faults.add(pattern, kind, delay=args.delay)
    server = make_server(args.dir, args.port, host=args.host, quiet=not args.verbose, log=args.log, faults=faults)
    host, port = server.server_address[:2]
    print(f"serving {args.dir} at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    print(f"  Hugging Face: HF_ENDPOINT=http://{host}:{port}  (repos zoo-patterns/<name>)", flush=True)
    print(f"  MXNet store:  MXNET_GLUON_REPO=http://{host}:{port}/mxnet/", flush=True)
    print(
        f"  TF Hub:       hub.load('http://{host}:{port}/tfhub/<name>'); torch.hub: http://{host}:{port}/torchhub/<name>.pth",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .loader import Loader

    loader = Loader(zoo=args.zoo, cache=args.cache, offline=True if args.offline else None, progress=args.progress)
    snapshot = loader.fetch(args.name)
    for sha, path in snapshot.files():
        print(f"{sha}  {path}")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from .convert.to_folder import convert_to_folder
    from .logs import quiet

    quiet()

    out, card = convert_to_folder(args.name, args.to, args.out)
    for metric in card.metrics:
        print(f"{metric.name} = {metric.value:.3g} ({metric.dataset})")
    print(f"wrote {card.name} to {out}; load it with zoo_patterns.load({str(out)!r})")
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    from .logs import quiet
    from .optimize.to_folder import optimize_to_folder

    quiet()
    out, card = optimize_to_folder(args.name, args.method, args.runtime, args.out)
    for metric in card.metrics:
        print(f"{metric.name} = {metric.value:.4g} ({metric.dataset})")
    print(f"wrote {card.name} to {out}; load it with zoo_patterns.load({str(out)!r})")
    return 0


def _cmd_browse(args: argparse.Namespace) -> int:
    from .ui.app import browse

    return browse(args.port, open_browser=not args.no_browser, zoo=args.zoo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zoo_patterns", description="The zoo-patterns workbook zoo.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check the environment").set_defaults(func=_cmd_doctor)
    p = sub.add_parser("build", help="pretrain and publish the workbook zoo")
    p.add_argument("--out", help="target folder (default: the workbook zoo location)")
    p.add_argument("--if-missing", action="store_true", help="do nothing if an up-to-date zoo is there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--step", action="append", help="build only this step (repeatable); default: every step")
    p.set_defaults(func=_cmd_build)
    for name, helptext in (("list", "list zoo models"), ("show", "print a model card")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--zoo", help="a built zoo folder (default: the workbook zoo)")
        if name == "list":
            p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern, e.g. 'digits-*'")
            p.add_argument("--task")
            p.add_argument("--framework")
            p.add_argument("--domain")
            p.add_argument("--json", action="store_true")
            p.add_argument("--all-versions", action="store_true", help="every version, with its content id and any yank")
            p.set_defaults(func=_cmd_list)
        else:
            p.add_argument("name", help="NAME (the newest version), NAME@VERSION or NAME@CONTENT_ID")
            p.set_defaults(func=_cmd_show)
    p = sub.add_parser("publish", help="add a version of a model (weights + README.md card) to a zoo")
    p.add_argument("folder", help="a model folder: safe weights and a README.md card")
    p.add_argument("--zoo", required=True, help="the zoo folder to add it to (created if new)")
    p.add_argument(
        "--next-patch", action="store_true", help="publish as the patch after the highest version there (1.0.2 -> 1.0.3)"
    )
    p.set_defaults(func=_cmd_publish)
    p = sub.add_parser("yank", help="withdraw one version: a bare name skips it, an exact pin still loads it")
    p.add_argument("ref", help="NAME@VERSION or NAME@CONTENT_ID")
    p.add_argument("--zoo", required=True, help="the zoo folder")
    p.add_argument("--reason", required=True, help="why, for its users: e.g. 'wrong labels; use 1.1.0'")
    p.add_argument("--undo", action="store_true", help="restore a yanked version")
    p.set_defaults(func=_cmd_yank)
    p = sub.add_parser("classroom", help="classroom labs: export the exercises as an nbgrader course")
    csub = p.add_subparsers(dest="action", required=True)
    p = csub.add_parser("export", help="write an nbgrader course folder from solutions/")
    p.add_argument("--out", required=True, help="a new folder for the course")
    p.add_argument("--solutions", help="the solution notebooks (default: the repository's solutions/)")
    p.add_argument("--only", action="append", help="export only this exercise, e.g. 02_registry (repeatable)")
    p.add_argument("--points", type=int, default=1, help="points per checked question")
    p.set_defaults(func=_cmd_classroom)
    for action, text in (
        ("hub", "start JupyterHub for a roster: accounts, PAM logins, the mirror, nbgrader's exchange (needs root)"),
        ("values", "print the Zero to JupyterHub values.yaml for the same roster and settings"),
    ):
        p = csub.add_parser(action, help=text)
        p.add_argument("--roster", required=True, help="a CSV with the header username,role (teacher or student)")
        p.add_argument("--data", required=True, help="the hub's folder: its database, token, exchange and logs")
        p.add_argument("--zoo", help="the built zoo the mirror serves (default: the workbook zoo)")
        p.add_argument("--course-repo", help="the git repository nbgitpuller pulls the course from (default: the workbook's)")
        p.add_argument("--branch", default="main", help="its branch")
        if action == "hub":
            p.add_argument("--host", default="127.0.0.1", help="the address to listen on; 0.0.0.0 for the lab network")
            p.add_argument("--port", type=int, default=8000, help="the hub's port (the next two are its API and the proxy's)")
            p.add_argument("--mirror-port", type=int, default=8765, help="the lab mirror's port (on 127.0.0.1)")
        else:
            p.add_argument("--image", default="zoo-patterns:latest", help="the image built from environment.yml and postBuild")
        p.set_defaults(func=_cmd_classroom)
    p = csub.add_parser("remove-accounts", help="delete every account (and home) `classroom hub` made")
    p.add_argument("--data", required=True, help="the hub's folder (its accounts.json lists them)")
    p.set_defaults(func=_cmd_classroom)
    p = sub.add_parser("serve", help="serve a built zoo over HTTP on 127.0.0.1")
    p.add_argument("--dir", required=True, help="a built zoo folder (it has index.json)")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr: method, path, status, range, bytes")
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on; 0.0.0.0 for a lab-network mirror")
    p.add_argument("--log", help="append the request log to this file")
    p.add_argument(
        "--fault",
        action="append",
        metavar="KIND:GLOB",
        help="inject a fault on matching paths: truncate, corrupt, drop or slow (repeatable), e.g. corrupt:*model.safetensors",
    )
    p.add_argument("--delay", type=float, default=1.0, help="seconds before the first byte for a 'slow' fault")
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("fetch", help="fetch a model through every loader layer")
    p.add_argument("name", help="NAME, NAME@VERSION or a full reference")
    p.add_argument("--zoo", help="zoo URL or folder (default: the workbook zoo)")
    p.add_argument("--cache", help="cache folder (default: $ZOO_PATTERNS_CACHE or the user cache dir)")
    p.add_argument("--offline", action="store_true", help="never touch the network; the model must be cached")
    p.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    p.set_defaults(func=_cmd_fetch)
    p = sub.add_parser("convert", help="convert a zoo model to another framework, with a parity check")
    p.add_argument("name")
    p.add_argument("--to", required=True, choices=["torch", "keras", "gluon", "onnx"])
    p.add_argument("--out", required=True, help="an empty or new folder")
    p.set_defaults(func=_cmd_convert)
    p = sub.add_parser("optimize", help="prune or quantise a zoo model and write a loadable folder")
    p.add_argument("name")
    p.add_argument("--method", required=True, choices=["int8-dynamic", "int8-static", "fp16", "prune-structured"])
    p.add_argument("--runtime", required=True, choices=["torch", "onnx", "litert"])
    p.add_argument("--out", required=True, help="an empty or new folder")
    p.set_defaults(func=_cmd_optimize)
    p = sub.add_parser("browse", help="serve the zoo browser app with Voila on 127.0.0.1")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("--zoo", help="a built zoo folder (default: the workbook zoo)")
    p.set_defaults(func=_cmd_browse)
    args = parser.parse_args(argv)
    from .errors import ZooError

    try:
        return args.func(args)
    except ZooError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # one line, for scripts
        return exc.exit_code  # every error class carries its own (errors.py)
    except (FileExistsError, FileNotFoundError, ValueError) as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
