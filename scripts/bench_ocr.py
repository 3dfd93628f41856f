"""Benchmark (not a test): govreport's OCR path vs a naive baseline on the same page images.

Baseline: `pipeline.baselines.NaiveOcr`, the one scripts/bench uses: RapidOCR with its default
settings (angle classifier on, full page), boxes grouped into lines in reading order.  Both run in one process on identical rasterized pages,
alternating page by page so background load hits both alike.  Field accuracy uses
pipeline.extract.extract_document when present, against ../shared/gold/reports/<stem>.json.

    python scripts/make_scans.py            # once: build/scans/*.pdf
    python scripts/bench_ocr.py [--scans build/scans] [--only clean,stamp] [--max-pages N]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.baselines import NaiveOcr  # noqa: E402  (the same baseline scripts/bench uses)
from pipeline.model import Document  # noqa: E402

GOLD = ROOT.parent / "shared" / "gold" / "reports"


def peak_rss_mb() -> float:
    """Peak RSS of this process.  VmHWM, not ru_maxrss: Linux carries ru_maxrss across
    fork+exec, so a child started by a big parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def score_fields(doc: Document, stem: str) -> dict | None:
    """Extraction of the OCRed document scored like `govreport eval` (pipeline/evaluate.py)."""
    from pipeline.evaluate import score_document
    from pipeline.extract import extract_document

    gold_path = GOLD / f"{stem}.json"
    if not gold_path.exists():
        return None
    score = score_document(json.loads(gold_path.read_text(encoding="utf-8")), extract_document(doc).as_dict())
    return {"fields": score.scored, "right": score.exact, "ok": score.scored - score.flagged,
            "confident_wrong": score.confident_wrong}


SOURCES = ROOT.parent / "shared" / "reports" / "pdf"
_NUM = __import__("re").compile(r"^\d+(?:\.\d+)?$")


def _rows(doc: Document) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """Per page: (label, numbers) of each table row that has numbers; label = first text cell."""
    import re

    out: dict[int, list] = {}
    for page in doc.pages:
        for line in page.lines:
            if not line.in_table:
                continue
            texts = [re.sub(r"\s+", "", b.text) for b in line.boxes if b.text.strip()]
            nums = tuple(t for t in texts if _NUM.match(t))
            labels = [t for t in texts if not _NUM.match(t)]
            if nums:
                label = re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", (labels[-1] if labels else "").lower())
                out.setdefault(page.number, []).append((label, nums))
    return out


def score_rows(doc: Document, stem: str) -> dict | None:
    """OCR-level accuracy against the source PDF's text layer, independent of extraction:
    table rows reproduced exactly (label and every number), and number cells found."""
    from collections import Counter

    from pipeline.readers.pdf import read as read_pdf

    src = SOURCES / f"{stem}.pdf"
    if not src.exists():
        return None
    want, got = _rows(read_pdf(src.read_bytes(), str(src))), _rows(doc)
    rows = exact = nums = found = extra = 0
    for page, wrows in want.items():
        grows = got.get(page, [])
        rows += len(wrows)
        exact += sum(1 for r in wrows if r in grows)
        wn = Counter(n for _, ns in wrows for n in ns)
        gn = Counter(n for _, ns in grows for n in ns)
        nums += sum(wn.values())
        found += sum((wn & gn).values())
        extra += sum((gn - wn).values())
    return {"rows": rows, "rows_exact": exact, "numbers": nums, "numbers_found": found, "numbers_extra": extra}


def run(args) -> dict:
    import cv2  # noqa: F401

    from pipeline.ocr import get_engine, ocr_image
    from pipeline.ocr.rasterize import DEFAULT_DPI, rasterize_pdf_page

    dpi = args.dpi or DEFAULT_DPI
    files = sorted(Path(args.scans).glob("*.pdf"))
    if args.only:
        wanted = set(args.only.split(","))
        files = [f for f in files if f.stem.split("__")[-1] in wanted]
    if args.stems:
        stems = set(args.stems.split(","))
        files = [f for f in files if f.stem.split("__")[0] in stems]
    if not files:
        sys.exit(f"no scans in {args.scans}: run scripts/make_scans.py first")
    modes = ["ours", "baseline"] if args.mode == "both" else [args.mode]
    if args.det_side:
        import os

        os.environ["GOVREPORT_OCR_DET_SIDE"] = str(args.det_side)
    steps = None if args.steps is None else tuple(x for x in args.steps.split(",") if x and x != "none")
    ours = get_engine() if "ours" in modes else None
    base = NaiveOcr() if "baseline" in modes else None
    # warm both up so model loading is not billed to the first page
    import numpy as np

    warm = np.full((256, 512, 3), 255, np.uint8)
    cv2.putText(warm, "2024 123", (10, 150), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    if ours:
        ocr_image(warm, 1, ours, steps)
    if base:
        base.page(warm, 1)
    seconds = {m: 0.0 for m in modes}
    pages = 0
    per_file = []
    for f in files:
        data = f.read_bytes()
        import pdfplumber

        with pdfplumber.open(f) as pdf:
            count = len(pdf.pages)
        if args.max_pages:
            count = min(count, args.max_pages)
        docs = {m: Document(str(f), "", "pdf") for m in modes}
        for number in range(1, count + 1):
            image = rasterize_pdf_page(data, number, dpi)
            order = modes if number % 2 else modes[::-1]
            for m in order:
                t = time.perf_counter()
                page = ocr_image(image, number, ours, steps) if m == "ours" else base.page(image, number)
                seconds[m] += time.perf_counter() - t
                docs[m].pages.append(page)
            pages += 1
        stem = f.stem.split("__")[0]
        row = {"file": f.name, "pages": count}
        for m in modes:
            try:
                row[m] = score_fields(docs[m], stem)
            except Exception as exc:  # the extraction stage is optional here
                row[m] = None
                row[f"{m}_extract_error"] = f"{type(exc).__name__}: {exc}"[:200]
            row[f"{m}_ocr"] = score_rows(docs[m], stem)
        per_file.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    summary = {"dpi": dpi, "steps": steps, "det_side": getattr(ours, "det_side", None), "pages": pages, "peak_rss_mb_process": round(peak_rss_mb(), 1)}
    for m in modes:
        summary[f"{m}_s_per_page"] = round(seconds[m] / max(1, pages), 3)
        for key, name in ((m, "fields"), (f"{m}_ocr", "ocr")):
            scored = [r[key] for r in per_file if r.get(key)]
            if scored:
                summary[f"{m}_{name}"] = {k: sum(s[k] for s in scored) for k in scored[0]}
    if len(modes) == 2:
        summary["speedup"] = round(seconds["baseline"] / max(1e-9, seconds["ours"]), 2)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", default=str(ROOT / "build" / "scans"))
    ap.add_argument("--only", help="comma-separated degradations, e.g. clean,stamp")
    ap.add_argument("--stems", help="comma-separated report stems, e.g. hongze_district_2023")
    ap.add_argument("--max-pages", type=int, default=0)
    ap.add_argument("--dpi", type=int, default=0)
    ap.add_argument("--mode", choices=["both", "ours", "baseline"], default="both")
    ap.add_argument("--steps", help="preprocessing steps for our path, e.g. red,deskew or none")
    ap.add_argument("--det-side", type=int, default=0, help="detector input size (longest side)")
    ap.add_argument("--no-rss", action="store_true", help="skip the separate per-engine RSS runs")
    args = ap.parse_args()
    summary = run(args)
    if args.mode == "both" and not args.no_rss:
        # peak RSS per engine, each alone in a fresh process on one file
        for m in ("ours", "baseline"):
            cmd = [sys.executable, __file__, "--scans", args.scans, "--mode", m, "--max-pages", "3",
                   "--only", (args.only or "clean").split(",")[0]]
            out = subprocess.run(cmd, capture_output=True, text=True)
            try:
                summary[f"{m}_peak_rss_mb"] = json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mb_process"]
            except (IndexError, ValueError, KeyError):
                summary[f"{m}_peak_rss_mb"] = None
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
