#!/usr/bin/env python3
"""The end of `make test`: one closing line for its two pytest runs, what was skipped, and where the time went.

`make test` runs pytest twice: the parallel part (pytest-xdist workers) and the serial part (the
notebooks that assert timings, and the browser tests, alone on the CPU). Each run writes a JUnit
XML file; this script reads them and prints

- the ten slowest tests and the ten slowest files, so the 20-minute budget stays visible;
- what was skipped, in one line, with the reasons (a missing browser, say);
- each failed test with the first line of its message;
- one closing line, ``test: N passed, N failed, N skipped``.

    python scripts/test_summary.py --label test build/test-parallel.xml:0 build/test-serial.xml:0

Each argument is a JUnit file and the exit code of the pytest run that wrote it. The exit status is
0 only when no test failed, at least one test ran, and every pytest run ended with 0, or with 5
(collected nothing) while the other runs ran tests.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path


def source_file(classname: str) -> str:
    """The file a JUnit classname comes from: 'notebooks.10_x.ipynb', 'tests.test_zoo' or 'tests.test_zoo.TestX'."""
    if classname.endswith(".ipynb"):
        return classname[: -len(".ipynb")].replace(".", "/") + ".ipynb"
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if Path(candidate).exists():
            return candidate
    return classname


def cases(path: Path) -> list[dict]:
    out = []
    for case in ET.parse(path).getroot().iter("testcase"):
        kinds = {child.tag: child for child in case}
        outcome = "failed" if {"failure", "error"} & kinds.keys() else "skipped" if "skipped" in kinds else "passed"
        reason = kinds["skipped"].get("message", "") if outcome == "skipped" else ""
        file = source_file(case.get("classname", ""))
        failure = kinds.get("failure", kinds.get("error"))
        why = (failure.get("message") or failure.text or "").strip() if failure is not None else ""
        out.append({"id": f"{case.get('classname')}::{case.get('name')}", "file": file, "time": float(case.get("time") or 0),
                    "outcome": outcome, "reason": reason, "why": why})  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    label = "test"
    if argv[:1] == ["--label"]:
        label, argv = argv[1], argv[2:]
    runs = []
    for arg in argv:
        name, _, code = arg.rpartition(":")
        runs.append((Path(name), int(code)))
    every = []
    for path, code in runs:
        if path.exists():
            every += cases(path)
        elif code != 5:
            print(f"{label}: {path} is missing: its pytest run stopped before writing it (exit code {code})", file=sys.stderr)
    counts = Counter(c["outcome"] for c in every)

    print("\nten slowest tests:")
    for c in sorted(every, key=lambda c: -c["time"])[:10]:
        print(f"  {c['time']:7.1f} s  {c['id']}")
    per_file = defaultdict(float)
    for c in every:
        per_file[c["file"]] += c["time"]
    print("ten slowest files (sum of their tests' times; the parallel part overlaps them):")
    for file, seconds in sorted(per_file.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {seconds:7.1f} s  {file}")
    reasons = Counter(c["reason"] for c in every if c["outcome"] == "skipped")
    if reasons:
        listed = "; ".join(f"{n} x {r or 'no reason given'}" for r, n in reasons.most_common())
        print(f"skipped here: {listed}")

    failed = [c for c in every if c["outcome"] == "failed"]
    if failed:  # each failure in one line, so the end of a long CI log says what is red
        print(f"failed here ({len(failed)}):")
        for c in failed:
            first = next((line.strip() for line in c["why"].splitlines() if line.strip()), "no message")
            print(f"  {c['id']}: {first[:300]}")

    bad_codes = [(p.name, code) for p, code in runs if code not in (0, 5) or (code == 5 and not every)]
    if not every:
        print(f"{label}: pytest collected no tests; that proves nothing.", file=sys.stderr)
    for name, code in bad_codes:
        if code != 5 and not counts["failed"]:
            print(
                f"{label}: the pytest run writing {name} exited {code} with no failed test (an internal or usage error)",
                file=sys.stderr,
            )
    print(f"{label}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 0 if every and not counts["failed"] and not bad_codes else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
