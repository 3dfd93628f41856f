#!/usr/bin/env python3
"""Benchmark (not a test): two OCR calibrators side by side on the same generated scans, and
why the fields they flag are flagged.

Each scan's OCR is done once (cached with --cache, as `bench_ocr.py accuracy` does); then the
document is extracted and proof-read once per calibrator and scored against the generator's
truth (`pipeline.evaluate`: exact, flagged, confident wrong) and, over the OCR'd values, the
ECE of the confidences shown.  Every flagged field is put under one cause (`cause`).

    python scripts/make_scans.py --official 2 --seed S --conditions <tuning ones> --out DIR
    python scripts/compare_ocr_calibrators.py --scans DIR/tuning --cache C \\
        --models old=models/ocr_calibrator.skops,new=build/ocr_calibrator.skops [--json out.json]
"""
from __future__ import annotations

import argparse
import copy
import functools
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_ocr import cached_document  # noqa: E402  (scripts/ is the script's own directory)


def cause(outcome, fv, errors: list[str]) -> str:
    """The first reason, in this order, that a flagged field is flagged."""
    from pipeline.model import CONFIDENT
    from pipeline.trust import _ROW_DOUBTS, _RULE_READINGS, _ocr_rules_confirm, vouched

    if outcome.absent:
        return "not found: section missing" if any("not found" in e and "section" in e for e in errors) \
            else "not found: row or cell"
    s = fv.get("signals") or {}
    if fv.get("status") == "inconsistent":
        return "a sum or field rule fails over it"
    if not s:
        return "no signals"
    if s["reading"] in ("several_readings", "conflict"):
        return f"rule-open reading ({s['reading']})"
    if s["repaired"]:
        return "OCR repaired a character"
    if any(s.get(k) for k in _ROW_DOUBTS) or s["label_score"] < CONFIDENT:
        return "row doubt or low label score"
    if s["reading"] in _RULE_READINGS and not _ocr_rules_confirm(s):
        return f"rules give it ({s['reading']}), no second printed rule"
    if s.get("ocr_agree", 0) < 1 and not vouched(s):
        return "read once, no holding rule"
    if s["blank_marker"] or s["empty_cell"]:
        return "blank/empty under the ok level"
    return "read twice or vouched, under the ok level"


def main() -> int:
    from pipeline.calibration import ece
    from pipeline.evaluate import score_document
    from pipeline.extract import extract_document
    from pipeline.ocr.proofread import proofread
    from pipeline.trust import load_calibrator

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=Path, required=True)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--models", required=True, help="name=path,name=path (the OCR calibrators)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--detail", type=Path, help="write every non-exact or flagged field here (jsonl)")
    args = ap.parse_args()
    models = {k: load_calibrator(Path(v)) for k, v in (kv.split("=", 1) for kv in args.models.split(","))}
    per = {m: defaultdict(lambda: defaultdict(float)) for m in models}
    conf = {m: defaultdict(lambda: ([], [])) for m in models}  # per half: confidences, right
    causes = {m: defaultdict(Counter) for m in models}
    detail = args.detail.open("w", encoding="utf-8") if args.detail else None
    for pdf in sorted(args.scans.rglob("*.pdf")):
        gold = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
        base = cached_document(pdf, args.cache)
        line = {"file": pdf.name}
        half = "held out" if gold["scan"]["held_out"] else "tuning"
        for name, model in models.items():
            doc = copy.deepcopy(base)
            extract = functools.partial(extract_document, ocr_trust_model=model)
            result = extract(doc)
            if any(p.path == "ocr" for p in doc.pages):
                result = proofread(doc, pdf.read_bytes(), result, extract)
            pred = result.as_dict()
            s = score_document(gold, pred, pdf.name)
            fields = pred.get("fields", {})
            for o in s.outcomes:
                fv = fields.get(o.field_id) or {}
                if not o.absent and (fv.get("signals") or {}).get("path") == "ocr":
                    conf[name][half][0].append(o.confidence)
                    conf[name][half][1].append(float(o.correct))
                if o.flagged(s.threshold) or not o.present:
                    why = cause(o, fv, pred.get("errors") or [])
                    causes[name][half][(why, o.correct)] += 1
                if detail and (o.flagged(s.threshold) or not o.correct or not o.present):
                    detail.write(json.dumps({"model": name, "file": pdf.name, **o.to_dict(s.threshold),
                                             "cause": cause(o, fv, pred.get("errors") or []),
                                             "reasons": fv.get("reasons")}, ensure_ascii=False) + "\n")
            prefix = "held out: " if gold["scan"]["held_out"] else ""
            for key in (prefix + gold["scan"]["condition"], prefix + "all"):
                r = per[name][key]
                r["docs"] += 1
                r["fields"] += s.scored
                r["exact"] += s.exact
                r["flagged"] += s.flagged
                r["confident_wrong"] += s.confident_wrong
            line[name] = (s.scored, s.exact, s.flagged, s.confident_wrong)
        print(json.dumps(line), flush=True)
    out = {}
    for name in models:
        out[name] = {"conditions": {k: {kk: int(vv) for kk, vv in v.items()} for k, v in per[name].items()},
                     "ece_ocr": {h: round(ece(np.array(c), np.array(r)), 4) for h, (c, r) in conf[name].items()},
                     "ocr_values": {h: len(c) for h, (c, _) in conf[name].items()},
                     "causes": {h: {f"{why} ({'right' if ok else 'wrong'})": n for (why, ok), n in cs.most_common()}
                                for h, cs in causes[name].items()}}
    names = list(models)
    print(f"{'condition':24s} {'docs':>4s} {'fields':>6s} {'exact':>7s}  " +
          "  ".join(f"{'flagged ' + n:>14s} {'CW ' + n:>7s}" for n in names))
    for cond in sorted(out[names[0]]["conditions"], key=lambda k: (k.startswith("held"), k.endswith("all"), k)):
        a = out[names[0]]["conditions"][cond]
        print(f"{cond:24s} {a['docs']:4d} {a['fields']:6d} {100 * a['exact'] / a['fields']:6.2f}%  " + "  ".join(
            f"{100 * out[n]['conditions'][cond]['flagged'] / a['fields']:13.2f}% "
            f"{out[n]['conditions'][cond]['confident_wrong']:7d}" for n in names))
    for n in names:
        for h in out[n]["causes"]:
            print(f"\n{n}, {h}: ECE over {out[n]['ocr_values'][h]} OCR'd values {out[n]['ece_ocr'][h]}; "
                  "flagged (or not found) by cause:")
            for k, v in out[n]["causes"][h].items():
                print(f"  {v:5d}  {k}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
