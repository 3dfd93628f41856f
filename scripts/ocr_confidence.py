#!/usr/bin/env python3
"""How reliable the rule of thumb is on OCR'd fields (trust.rule_of_thumb), per document fold.

The rule of thumb stands in for the OCR calibrator when its model file is absent, and the
proof-reader picks its second reads by it.  This measures, on rows built from generated scans,
how often values are right per reason the rule flags them, and at the ok level the confident
errors, the flagged share and the ECE, per fold (the scans' seed); the calibrator's own
out-of-fold figures come from `govreport train --calibrator --ocr`.

    python scripts/make_scans.py --official 4 --seed 7001 --conditions <tuning> --out build/cal_scans
    python scripts/build_calibration_data.py --scans build/cal_scans build/cal_scans2 \\
        --out training_data/calibration_ocr.jsonl.gz
    python scripts/ocr_confidence.py [--data training_data/calibration_ocr.jsonl.gz]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.calibration import DATA_PATH, ece, never_ok, read_rows  # noqa: E402
from pipeline.model import CONFIDENT  # noqa: E402
from pipeline.trust import NEVER_OK_CAP, flagged_by  # noqa: E402

OCR_DATA_PATH = DATA_PATH.with_name("calibration_ocr.jsonl.gz")


def fold(row: dict) -> str:
    seed = re.search(r"-s(\d+)-", row["doc"])
    return f"seed {seed.group(1)}" if seed else "?"


def shown(row: dict) -> float:
    from pipeline.trust import rule_of_thumb

    p = rule_of_thumb(row)
    return min(p, NEVER_OK_CAP) if never_ok(row) else p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=OCR_DATA_PATH)
    args = ap.parse_args()
    rows = [r for r in read_rows(args.data) if r["path"] == "ocr"]
    by_fold = defaultdict(list)
    for r in rows:
        by_fold[fold(r)].append(r)
    print(f"{len(rows)} OCR'd fields with a value, {len({r['doc'] for r in rows})} documents")
    print(f"{'fold':12s} {'fields':>7s} {'wrong':>6s} {'ECE':>7s} {'ok':>6s} {'ok err':>7s} {'flagged':>8s}")
    for name, group in sorted(by_fold.items()) + [("all", rows)]:
        conf = np.array([shown(r) for r in group])
        right = np.array([r["correct"] for r in group], dtype=float)
        ok = conf >= CONFIDENT  # a value in a failing rule that pins it is inconsistent: counted flagged
        ok &= np.array([not (r["sum_rules_failed"] and r.get("pinned_elsewhere", 0) <= 0) for r in group])
        print(f"{name:12s} {len(group):7d} {int((1 - right).sum()):6d} {ece(conf, right):7.4f} {int(ok.sum()):6d} "
              f"{int((ok & (right == 0)).sum()):7d} {(~ok).mean():8.2%}")
    print("\nflagged values by the rule's reason (fields, wrong), per fold:")
    reasons: dict[str, Counter] = defaultdict(Counter)
    for name, group in by_fold.items():
        for r in group:
            why = flagged_by(r)
            if why:
                reasons[why][name] += 1
                reasons[why][name + " wrong"] += 1 - r["correct"]
    for why, c in sorted(reasons.items(), key=lambda kv: -sum(v for k, v in kv[1].items() if "wrong" not in k)):
        print(f"  {why:40s} " + "  ".join(f"{f}: {c[f]} ({c[f + ' wrong']})" for f in sorted(by_fold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
