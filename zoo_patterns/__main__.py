"""``python -m zoo_patterns``: the workbook zoo from a shell.

doctor                         what is installed, broken or missing (exit 1 if anything is)
build [--out DIR] [--if-missing]   pretrain and publish the zoo
list [PATTERN] [--task T] [--framework F] [--json]
show NAME                      print a model card
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
    from .zoo.publish import build, is_current

    out = args.out or zoo_dir()
    if args.if_missing and is_current(out):
        print(f"zoo is up to date at {out}")
        return 0
    build(out, progress=not args.quiet)
    from .zoo.publish import read_index

    print(f"built {len(read_index(out)['models'])} models into {out}")
    return 0


def _registry(args: argparse.Namespace):
    from .zoo import ensure_built, registry_from_zoo

    return registry_from_zoo(ensure_built(args.zoo))


def _cmd_list(args: argparse.Namespace) -> int:
    registry = _registry(args)
    names = registry.list(args.pattern, task=args.task, framework=args.framework, domain=args.domain)
    if args.json:
        rows = []
        for n in names:
            c = registry.get(n).card
            rows.append(
                {
                    "name": c.name,
                    "version": c.version,
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
    if not names:
        print("no model matches", file=sys.stderr)
        return 1
    width = max(len(n) for n in names)
    for n in names:
        c = registry.get(n).card
        print(f"{n:<{width}}  {c.framework:<12} {c.task:<26} {c.num_params or 0:>11,} params  {c.license}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    card = _registry(args).get(args.name).card
    print(card.to_markdown())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zoo_patterns", description="The zoo-patterns workbook zoo.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check the environment").set_defaults(func=_cmd_doctor)
    p = sub.add_parser("build", help="pretrain and publish the workbook zoo")
    p.add_argument("--out", help="target folder (default: the workbook zoo location)")
    p.add_argument("--if-missing", action="store_true", help="do nothing if an up-to-date zoo is there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
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
            p.set_defaults(func=_cmd_list)
        else:
            p.add_argument("name")
            p.set_defaults(func=_cmd_show)
    args = parser.parse_args(argv)
    from .errors import ZooError

    try:
        return args.func(args)
    except ZooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
