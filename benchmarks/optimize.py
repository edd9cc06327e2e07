"""Optimisation benchmark (issue goals, measured side by side in one run, one thread).

    .venv/bin/python benchmarks/optimize.py        (or `make bench`)

Goals:
- MiniLM, ONNX Runtime int8 (per channel) vs fp32 ONNX, batch 1: >= 2x faster, >= 3.5x smaller,
  mean cosine >= 0.99, help-desk accuracy within 1 point;
- digits CNN with 50% of its channels structurally pruned, after recovery: >= 1.5x faster
  (batch 32), accuracy within 2 points;
- unstructured 50% sparsity: the speed ratio printed, to show it is about 1x.
"""

import sys
import tempfile

import zoo_patterns as zp
from zoo_patterns.optimize.bench import table
from zoo_patterns.optimize.study import digits_study, minilm_study

zp.quiet()
with tempfile.TemporaryDirectory() as work:
    digits = digits_study(work, repeats=200)
    minilm, cosines = minilm_study(work, repeats=30)
find = {(r.model, r.method, r.runtime): r for r in digits + minilm}
print(table(digits + minilm, {"digits": digits[0], "minilm": minilm[0]}))
onnx32, onnx8 = find["minilm", "fp32", "onnxruntime"], find["minilm", "int8 dynamic", "onnxruntime"]
base, pruned, sparse = (
    find["digits", "fp32", "torch"],
    find["digits", "prune 50% channels", "torch"],
    find["digits", "prune 50% unstructured", "torch"],
)
checks = [
    ("MiniLM ORT int8 vs fp32, batch 1: speed-up", onnx32.p50("b1") / onnx8.p50("b1"), ">=", 2.0),
    ("MiniLM ORT int8 vs fp32: size ratio", onnx32.size_mb / onnx8.size_mb, ">=", 3.5),
    ("MiniLM ORT int8: mean cosine to fp32", cosines["int8 dynamic onnxruntime"], ">=", 0.99),
    ("MiniLM ORT int8: help-desk accuracy drop (points)", 100 * (onnx32.quality - onnx8.quality), "<=", 1.0 + 1e-9),
    ("digits pruned 50% channels, batch 32: speed-up", base.p50("b32") / pruned.p50("b32"), ">=", 1.5),
    ("digits pruned 50% channels: accuracy drop (points)", 100 * (base.quality - pruned.quality), "<=", 2.0),
    ("digits unstructured 50%, batch 32: speed-up (expect ~1)", base.p50("b32") / sparse.p50("b32"), "info", None),
]
failed = 0
for name, value, op, goal in checks:
    ok = op == "info" or (value >= goal if op == ">=" else value <= goal)
    failed += not ok
    print(f"{'ok  ' if ok else 'MISS'} {name}: {value:.3f}" + ("" if goal is None else f" (goal {op} {goal:g})"))
sys.exit(1 if failed else 0)
