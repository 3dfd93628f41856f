"""Benchmark (not a test): govreport's OCR path on generated official-layout scans.

Accuracy: every scan under DIR/tuning and DIR/held_out (scripts/make_scans.py --official) is
extracted (`pipeline.extract.extract_file`) and scored against the generator's truth with
`pipeline.evaluate.score_document`: exact, flagged, confident-wrong, per condition.

Speed: each method runs in its own process on the same pages (rasterized by the same
renderer at the pipeline's dpi), so peak RSS is the method's alone:
  ours             the pipeline's OCR path per document (pipeline.ocr.ocr_document + the
                   proof-reader's re-reads)
  rapidocr_engine  rapidocr on the full page with the pipeline's engine settings
                   (detector side, no angle classifier, own-width recognition): credits the settings
  rapidocr_default rapidocr's stock pipeline on the full page (pipeline.baselines.NaiveOcr)
The ratios ours/engine and ours/default separate engine settings from table-aware reading.
Each method's pages are also extracted and scored (after its timing and peak RSS are taken).

    python scripts/make_scans.py --official 3
    python scripts/bench_ocr.py accuracy [--scans build/official_scans] [--conditions a,b] [--json out.json]
    python scripts/bench_ocr.py speed [--scans build/official_scans/tuning] [--max-docs 6]
    python scripts/bench_ocr.py doc --inputs acc_tuning.json,acc_held_out.json,speed.json   # docs/benchmarks.md
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
METHODS = ("ours", "rapidocr_engine", "rapidocr_default")


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would carry a parent's peak across fork+exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cached_document(pdf: Path, cache: Path | None):
    """The scan read through OCR, from `cache` (this script's own pickles, never a file from
    elsewhere) when an earlier run saved it there."""
    import pickle

    from pipeline.extract import load_document

    cached = cache / f"{pdf.stem}.pkl" if cache else None
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    doc = load_document(pdf)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(doc))
    return doc


def _scans(root: Path, conditions: set[str] | None) -> list[Path]:
    files = sorted(root.rglob("*.pdf"))
    return [f for f in files if not conditions or f.stem.split("-s")[0] in conditions]


def _score(gold: dict, pred: dict, name: str):
    from pipeline.evaluate import score_document

    return score_document(gold, pred, name)


def accuracy(args) -> dict:
    import copy

    from pipeline.extract import extract_document
    from pipeline.ocr.proofread import proofread

    def extract(pdf: Path) -> dict:
        """What extract_file does, with the OCR'd document cached (--cache) so that a change
        after the OCR stage is re-scored without OCR."""
        doc = copy.deepcopy(cached_document(pdf, Path(args.cache) if args.cache else None))
        result = extract_document(doc)
        if any(p.path == "ocr" for p in doc.pages):
            result = proofread(doc, pdf.read_bytes(), result, extract_document)
        return result.as_dict()

    rows: dict[tuple[str, bool], dict] = defaultdict(lambda: defaultdict(float))
    for pdf in _scans(Path(args.scans), set(args.conditions.split(",")) if args.conditions else None):
        gold = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
        t = time.perf_counter()
        pred = extract(pdf)
        seconds = time.perf_counter() - t
        s = _score(gold, pred, pdf.name)
        scan = gold["scan"]
        for key in ((scan["condition"], scan["held_out"]), ("all", scan["held_out"])):
            r = rows[key]
            r["docs"] += 1
            r["pages"] += scan["pages"]
            r["seconds"] += seconds
            r["fields"] += s.scored
            r["exact"] += s.exact
            r["flagged"] += s.flagged
            r["confident_wrong"] += s.confident_wrong
            r["perfect_docs"] += s.exact == s.scored
        print(json.dumps({"file": pdf.name, "font": scan["font"], "dpi": scan["dpi"], "held_out": scan["held_out"],
                          "fields": s.scored, "exact": s.exact, "flagged": s.flagged,
                          "confident_wrong": s.confident_wrong, "seconds": round(seconds, 1),
                          "errors": pred.get("errors")}, ensure_ascii=False), flush=True)
    out = []
    for (cond, held), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0] == "all", kv[0][0])):
        n = max(1, r["fields"])
        out.append({"condition": cond, "held_out": held, "docs": int(r["docs"]), "pages": int(r["pages"]),
                    "fields": int(r["fields"]), "exact_pct": round(100 * r["exact"] / n, 2),
                    "flagged_pct": round(100 * r["flagged"] / n, 2), "confident_wrong": int(r["confident_wrong"]),
                    "perfect_docs": int(r["perfect_docs"]), "s_per_page": round(r["seconds"] / max(1, r["pages"]), 2)})
    return {"accuracy": out}


# --- speed: one method per process ----------------------------------------------------------

class _EngineFullPage:
    """rapidocr with the pipeline's engine settings on the whole page, lines in reading order."""

    def __init__(self):
        from pipeline.ocr import get_engine

        self.engine = get_engine("rapidocr")

    def page(self, image, number):
        from pipeline.baselines import reading_order
        from pipeline.model import Line, Page, TextBox

        boxes = [(b.text, b.bbox, b.score) for b in self.engine.recognize(image)]
        lines = [Line([TextBox(boxes[i][0], boxes[i][1], boxes[i][2]) for i in idx], number)
                 for idx in reading_order(boxes)]
        h, w = image.shape[:2]
        return Page(number, lines, width=float(w), height=float(h), path="ocr", note="rapidocr engine settings")


def run_method(args) -> dict:
    """In a fresh process: OCR every page of the scans with one method, then score."""
    import pdfplumber

    from pipeline.model import Document
    from pipeline.ocr.rasterize import DEFAULT_DPI, rasterize_pdf_page

    files = _scans(Path(args.scans), set(args.conditions.split(",")) if args.conditions else None)[:args.max_docs or None]
    if args.method == "ours":
        return _run_ours(files)
    if args.method == "rapidocr_engine":
        read = _EngineFullPage().page
    else:
        from pipeline.baselines import NaiveOcr

        read = NaiveOcr().page
    read(_warm_image(), 1)
    seconds, pages, docs = 0.0, 0, []
    for f in files:
        data = f.read_bytes()
        with pdfplumber.open(f) as pdf:
            count = len(pdf.pages)
        doc = Document(str(f), "", "pdf")
        for n in range(1, count + 1):
            image = rasterize_pdf_page(data, n, DEFAULT_DPI)  # not timed, for any method
            t = time.perf_counter()
            doc.pages.append(read(image, n))
            seconds += time.perf_counter() - t
            pages += 1
        docs.append((f, doc))
    rss = peak_rss_mb()  # before extraction loads the pipeline's own models
    from pipeline.extract import extract_document

    return _summary(args.method, [(f, extract_document(doc).as_dict()) for f, doc in docs], pages, seconds, rss)


def _warm_image():
    import cv2
    import numpy as np

    warm = np.full((256, 512, 3), 255, np.uint8)
    cv2.putText(warm, "2024 123", (10, 150), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    return warm


def _run_ours(files: list[Path]) -> dict:
    """The pipeline's whole OCR path per document: the table-aware reading and the
    proof-reader's re-reads.  Pages are rasterized before the clock starts, as for the
    baselines (same renderer, same dpi)."""
    import pdfplumber

    from pipeline.extract import extract_document
    from pipeline.model import Document, Page
    from pipeline.ocr import get_engine, ocr_document, ocr_image, rasterize
    from pipeline.ocr.proofread import proofread

    ocr_image(_warm_image(), 1, get_engine())
    render = rasterize.rasterize_pdf_page
    seconds, pages, outputs = 0.0, 0, []
    for f in files:
        data = f.read_bytes()
        with pdfplumber.open(f) as pdf:
            count = len(pdf.pages)
        images = {n: render(data, n, rasterize.DEFAULT_DPI) for n in range(1, count + 1)}
        rasterize.rasterize_pdf_page = lambda _data, n, _dpi=None, images=images: images[n].copy()
        doc = Document(str(f), "", "pdf", pages=[Page(n, path="needs_ocr") for n in range(1, count + 1)])
        t = time.perf_counter()
        ocr_document(doc, data)
        seconds += time.perf_counter() - t
        result = extract_document(doc)
        t = time.perf_counter()
        result = proofread(doc, data, result, extract_document)
        seconds += time.perf_counter() - t
        rasterize.rasterize_pdf_page = render
        pages += count
        outputs.append((f, result.as_dict()))
    # the whole pipeline's peak (OCR, extraction and trust models): what a batch worker needs
    return _summary("ours", outputs, pages, seconds, peak_rss_mb())


def _summary(method: str, outputs: list, pages: int, seconds: float, rss: float) -> dict:
    fields = exact = flagged = wrong = 0
    for f, pred in outputs:
        gold = json.loads(f.with_suffix(".json").read_text(encoding="utf-8"))
        s = _score(gold, pred, f.name)
        fields, exact, flagged, wrong = fields + s.scored, exact + s.exact, flagged + s.flagged, wrong + s.confident_wrong
    return {"method": method, "docs": len(outputs), "pages": pages, "s_per_page": round(seconds / max(1, pages), 3),
            "peak_rss_mb": round(rss, 1), "fields": fields, "exact_pct": round(100 * exact / max(1, fields), 2),
            "flagged_pct": round(100 * flagged / max(1, fields), 2), "confident_wrong": wrong}


def speed(args) -> dict:
    results = {}
    for method in args.methods.split(","):
        cmd = [sys.executable, __file__, "method", "--method", method, "--scans", args.scans,
               "--max-docs", str(args.max_docs)] + (["--conditions", args.conditions] if args.conditions else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        try:
            results[method] = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            results[method] = {"error": out.stderr[-500:]}
        print(json.dumps(results[method]), flush=True)
    ours = results.get("ours", {}).get("s_per_page")
    for base in ("rapidocr_engine", "rapidocr_default"):
        other = results.get(base, {}).get("s_per_page")
        if ours and other:
            results[f"speedup_vs_{base}"] = round(other / ours, 2)
    return results


def write_doc(args) -> dict:
    """The official-scan section of docs/benchmarks.md from saved accuracy/speed JSON files."""
    import platform
    import subprocess as sp

    # each accuracy file is one set of documents, named by its file name (acc_<set>.json)
    acc = [{**row, "set": Path(f).stem.removeprefix("acc_")} for f in args.inputs.split(",") if "acc" in Path(f).name
           for row in json.loads(Path(f).read_text(encoding="utf-8"))["accuracy"]]
    speed = next((json.loads(Path(f).read_text(encoding="utf-8")) for f in args.inputs.split(",")
                  if "speed" in Path(f).name), None)
    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    lines = ["<!-- bench_ocr:begin -->", "## Official-layout scans (issue 12)", "",
             f"Generated by `scripts/bench_ocr.py` at commit `{commit}` ({platform.python_version()}, "
             f"{__import__('os').cpu_count()} CPUs shared with other jobs: timings are noisy, ratios are from "
             "one run). Scans from `scripts/make_scans.py --official N --seed S` (pipeline/corpus/scans.py): generated "
             "reports in the official table layout, printed by Chromium in Song/Ming, Kai and Hei fonts at "
             "8-10.5 pt, 150-300 dpi, one condition each. **Held-out** (never looked at while tuning): "
             "conditions fax, combined, combined_copier and fonts Noto Serif CJK SC, WenQuanYi Micro Hei "
             "(a document is held out when its condition or its font is). Truth: the generator's values; "
             "scoring: pipeline/evaluate.py (threshold 0.9).", "",
             "| set | condition | held out | docs | pages | fields | exact | flagged | confident wrong | perfect docs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in acc:
        name = f"**{r['condition']}**" if r["condition"] == "all" else r["condition"]
        lines.append(f"| {r['set']} | {name} | {'yes' if r['held_out'] else 'no'} | {r['docs']} | {r['pages']} | {r['fields']} | "
                     f"{r['exact_pct']}% | {r['flagged_pct']}% | {r['confident_wrong']} | {r['perfect_docs']} |")
    if speed:
        lines += ["", "Speed, each method in its own process on the same pages, rasterized (200 dpi) before "
                  "the clock starts. ours: the pipeline's OCR stage per document (`ocr_document`: prose read "
                  "only near the tables, table cells, second reads) plus the proof-reader's re-reads, peak RSS "
                  "of the whole pipeline (OCR, extraction and trust models); the baselines: OCR of every "
                  "page, peak RSS before extraction loads any model, accuracy = `extract_document` on their "
                  "pages (no proof-reader):", "",
                  "| method | pages | s/page | peak RSS MB | exact | flagged | confident wrong |", "|---|---|---|---|---|---|---|"]
        for m in METHODS:
            r = speed.get(m)
            if r and "s_per_page" in r:
                lines.append(f"| {m} | {r['pages']} | {r['s_per_page']} | {r['peak_rss_mb']} | {r['exact_pct']}% | "
                             f"{r['flagged_pct']}% | {r['confident_wrong']} |")
        lines += ["", f"Speed-up of ours: {speed.get('speedup_vs_rapidocr_default')}x vs rapidocr defaults, "
                  f"{speed.get('speedup_vs_rapidocr_engine')}x vs rapidocr with the pipeline's engine settings."]
    if args.note:
        lines += ["", args.note]
    lines.append("<!-- bench_ocr:end -->")
    block = "\n".join(lines)
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    begin, end = "<!-- bench_ocr:begin -->", "<!-- bench_ocr:end -->"
    text = (text[:text.index(begin)] + block + text[text.index(end) + len(end):]) if begin in text \
        else text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")
    return {"wrote": str(doc)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["accuracy", "speed", "method", "doc"])
    ap.add_argument("--inputs", help="doc: comma-separated JSON files written by accuracy/speed --json")
    ap.add_argument("--note", help="doc: a paragraph of remarks on this run")
    ap.add_argument("--scans", default=str(ROOT / "build" / "official_scans"))
    ap.add_argument("--conditions", help="comma-separated conditions (default: all)")
    ap.add_argument("--max-docs", type=int, default=0)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--method", choices=METHODS)
    ap.add_argument("--json", help="also write the summary here")
    ap.add_argument("--cache", help="accuracy: keep OCR'd documents here (pickles) and reuse them")
    args = ap.parse_args()
    result = {"accuracy": accuracy, "speed": speed, "method": run_method, "doc": write_doc}[args.what](args)
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
