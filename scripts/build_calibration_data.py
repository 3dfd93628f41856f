#!/usr/bin/env python3
"""Build training_data/calibration.jsonl.gz: one row per extracted field with known truth.

    .venv/bin/python scripts/build_calibration_data.py --corpus build/corpus [--synth 40] \
        [--out training_data/calibration.jsonl.gz]
    .venv/bin/python scripts/build_calibration_data.py --scans build/cal_scans build/cal_scans2 \
        --out training_data/calibration_ocr.jsonl.gz      # the OCR calibrator's data

Sources (never the held-out converter families or scan conditions, never a document the gold
gate scores):
  --corpus  a generated converter-family corpus (scripts/gen_corpus.py): every family tuning may use;
  --synth   hand-written manglings (pipeline/synth.py: lost blanks, OCR confusions, wrong totals...)
            over N generated reports' values (--kinds: only some of them; --append: added to --out's rows);
  --scans   generated scans with truth (scripts/make_scans.py --official), conditions and fonts
            tuning may use (their held_out/ documents are skipped), under seeds no benchmark scores.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline.calibration import DATA_PATH, rows_for, write_rows  # noqa: E402
from pipeline.corpus.families import HELD_OUT  # noqa: E402
from pipeline.extract import extract_file  # noqa: E402

SYNTH_SEED = "calibration"


def corpus_rows(root: Path) -> list[dict]:
    from pipeline.corpus.converters import FAMILIES
    from pipeline.corpus.generate import corpus_documents

    rows = []
    for name in FAMILIES:
        if name in HELD_OUT or not (root / name).is_dir():
            continue
        pairs = corpus_documents(root, name)
        for doc, truth in pairs:
            rows += rows_for(extract_file(doc), json.loads(truth.read_text(encoding="utf-8")), name, doc.stem)
        print(f"  {name}: {len(pairs)} documents", file=sys.stderr)
    return rows


def synth_rows(count: int, kinds: list[str] | None = None) -> list[dict]:
    from pipeline.corpus.values import report_for
    from pipeline.synth import variants

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(count):
            gold = report_for(SYNTH_SEED, index).gold()
            for variant in variants(gold, index, kinds):
                path = Path(tmp) / f"{variant.name}-{index}{variant.suffix}"
                path.write_bytes(variant.text.encode(variant.encoding))
                truth = {"fields": {f: v for f, v in variant.truth.items() if v is not None}}
                rows += rows_for(extract_file(path), truth, f"synth:{variant.name}", path.stem)
    print(f"  synth: {count} reports x {', '.join(kinds) if kinds else 'every mangling'}", file=sys.stderr)
    return rows


def scan_rows(root: Path, cache: Path | None = None) -> list[dict]:
    """The OCR'd fields of generated scans; with `cache`, each scan's OCR is read from (or saved
    to) scripts/bench_ocr.py's cache, so a change after the OCR stage rebuilds in minutes."""
    from bench_ocr import cached_document

    from pipeline.extract import extract_document
    from pipeline.ocr.proofread import proofread

    rows = []
    for truth in sorted(root.rglob("*.json")):
        data = json.loads(truth.read_text(encoding="utf-8"))
        scan = data.get("scan", {})
        if scan.get("held_out"):
            continue
        doc = truth.with_suffix(".pdf")
        if not doc.exists():
            continue
        if cache:
            read = cached_document(doc, cache)
            result = proofread(read, doc.read_bytes(), extract_document(read), extract_document)
        else:
            result = extract_file(doc)
        rows += rows_for(result, data, f"scan:{scan.get('condition', 'scan')}", doc.stem)
    print(f"  scans: {root}", file=sys.stderr)
    return rows


def raw_rows(path: Path) -> list[dict]:
    """The rows a data file holds, as written (without the table context read_rows adds)."""
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="generated converter-family corpus")
    ap.add_argument("--synth", type=int, default=0, help="generated reports to mangle by every synth kind")
    ap.add_argument("--kinds", nargs="+", metavar="KIND", help="with --synth: only these manglings")
    ap.add_argument("--append", action="store_true", help="add the rows to those already in --out")
    ap.add_argument("--scans", type=Path, nargs="+", default=[], help="generated scans with truth")
    ap.add_argument("--cache", type=Path, help="with --scans: OCR cache (scripts/bench_ocr.py --cache)")
    ap.add_argument("--out", type=Path, default=DATA_PATH)
    args = ap.parse_args()
    started = time.time()
    rows = raw_rows(args.out) if args.append else []
    if args.corpus:
        rows += corpus_rows(args.corpus)
    if args.synth:
        rows += synth_rows(args.synth, args.kinds)
    for root in args.scans:
        rows += scan_rows(root, args.cache)
    if not rows:
        ap.error("nothing to build from: give --corpus, --synth or --scans")
    write_rows(rows, args.out)
    wrong = sum(1 for r in rows if not r["correct"])
    print(f"{len(rows)} rows ({wrong} wrong values) from {len({r['doc'] for r in rows})} documents "
          f"in {time.time() - started:.0f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
