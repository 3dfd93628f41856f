#!/usr/bin/env python3
"""Run every synthetic mangling over every gold document and report pass rates per kind.

A variant passes when every field comes out equal to its truth or is flagged (status not
ok, or confidence below 0.9), and every field whose printed value the kind corrupted (OCR
misreadings) is flagged.  `exact` is the share of fields equal to the truth; `corrupt` the
number of corrupted fields (all of them must be flagged for the variant to pass).
Usage: .venv/bin/python scripts/mangle_report.py [--seeds 3] [--gold ../shared/gold]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.extract import extract_file  # noqa: E402
from pipeline.model import CONFIDENT  # noqa: E402
from pipeline.synth import MANGLINGS, judge, variants  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "gold")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--kinds", nargs="*", default=None)
    args = parser.parse_args()
    stats = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # variants, passed, fields, exact, confident wrong, corrupt
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for gold_path in sorted(args.gold.glob("*/*.json")):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            for seed in range(args.seeds):
                for variant in variants(gold, seed, args.kinds):
                    path = Path(tmp) / f"{gold_path.stem}_{variant.name}_{seed}{variant.suffix}"
                    path.write_bytes(variant.text.encode(variant.encoding))
                    verdict = judge(extract_file(path), variant.truth, CONFIDENT, variant.corrupt)
                    n, exact, bad = verdict.fields, verdict.exact, len(verdict.confident_wrong)
                    s = stats[variant.name]
                    s[0] += 1; s[1] += bad == 0; s[2] += n; s[3] += exact; s[4] += bad
                    s[5] += len(variant.corrupt)
                    if bad:
                        failures.append(f"{variant.name} {gold_path.stem} seed {seed}: {bad} confident wrong")
    print(f"{'mangling':28s} {'variants':>8s} {'pass':>7s} {'exact':>8s} {'conf.wrong':>10s} {'corrupt':>8s}")
    for name in MANGLINGS:
        if name in stats:
            v, p, n, e, b, c = stats[name]
            print(f"{name:28s} {v:8d} {p / v:7.1%} {e / n:8.2%} {b:10d} {c:8d}")
    for line in failures:
        print("FAIL", line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
