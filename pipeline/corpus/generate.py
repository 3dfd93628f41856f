"""Materialize the corpus: DIR/<family>/<stem>.<ext> with its truth DIR/<family>/<stem>.json.

Document `index` of corpus `seed` is one report (values, site style, page) shared by every
family, so families are compared on the same reports.  Outputs are cached by (generator
version, seed, family, index): a rerun only makes what is missing or stale.  Printed sources
(Chromium/WeasyPrint PDFs, pandoc DOCX) are made once per page, in batches, and cached by the
page's hash under DIR/_sources, so the six text extractors of one PDF share one print.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .browser import Browser
from .converters import SOURCE_EXT, Context, make_sources
from .families import HELD_OUT, available, family
from .render import Page, page_for
from .values import Report, report_for

# Bump when values, rendering or a converter changes what a document looks like.
GENERATOR_VERSION = 2


def doc_stem(family_name: str, seed: int | str, index: int) -> str:
    """Unique across the corpus, so `govreport eval --gold DIR` pairs every output with its truth."""
    return f"{family_name}-s{seed}-{index:04d}"


def _key(family_name: str, seed, index: int, zero: str | None = None) -> dict:
    key = {"version": GENERATOR_VERSION, "seed": str(seed), "index": index, "family": family_name}
    if zero is not None:  # a forced zero print is another document
        key["zero"] = zero
    return key


DROPPED_TABLE = 0.3  # a text output naming fewer of a table's rows than this share lost the table


def dropped_tables(report: Report, text: str) -> list[str]:
    """Tables a converter left out of its text output (pandoc plain writes "[TABLE]" for tables
    it cannot draw): their values are not in the file, so the truth cannot ask for them."""
    from ..labels import row_labels
    from ..layout import squash

    flat = squash(text)
    dropped = []
    for table in report.template.tables:
        labels = row_labels(table.id)
        named = sum(any(squash(v) in flat for v in labels[row.id]) for row in table.rows)
        if named < DROPPED_TABLE * len(table.rows):
            dropped.append(table.id)
    return dropped


def truth(report: Report, page: Page, family_name: str, seed, index: int, output: bytes | None = None,
          zero: str | None = None) -> dict:
    gold = report.gold()
    if output is not None and family(family_name).ext in (".txt", ".md"):
        for table_id in dropped_tables(report, output.decode("utf-8", errors="replace")):
            gold["fields"].update({f: None for f in gold["fields"] if f.startswith(table_id + ".")})
            gold["notes"].append(f"the converter left table {table_id} out of its output: not scored")
    names = ("section 二", "section 三", "section 四")
    for where, zero in zip(names, page.style.zero):
        if zero != "0":
            gold["notes"].append(f"zeros in {where} printed as {zero!r} (the value is 0)")
    gold["corpus"] = {**_key(family_name, seed, index, zero), "tool": family(family_name).what,
                      "site": page.style.site, "held_out": family_name in HELD_OUT,
                      "wrong_table": report.wrong_table}
    return gold


def _fresh(path: Path, key: dict) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    corpus = data.get("corpus", {})
    return all(corpus.get(k) == v for k, v in key.items())


@dataclass
class Summary:
    made: dict[str, int] = field(default_factory=dict)
    cached: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per source print and per family


def generate(out: Path, per_family: int, seed: int | str = 0, families: list[str] | None = None,
             start: int = 0, log: Callable[[str], None] = print, zero: str | None = None) -> Summary:
    """`zero`: print every zero of every document this way (see render.page_for)."""
    out = Path(out)
    summary = Summary()
    names, summary.skipped = available(families)
    for why in summary.skipped.values():
        log(why)
    indices = list(range(start, start + per_family))
    stale = {}
    for name in names:
        fam = family(name)
        todo = [i for i in indices if not (_fresh(out / name / f"{doc_stem(name, seed, i)}.json", _key(name, seed, i, zero))
                                           and (out / name / f"{doc_stem(name, seed, i)}{fam.ext}").exists())]
        summary.cached[name] = len(indices) - len(todo)
        if todo:
            stale[name] = todo
    if not stale:
        return summary

    needed = sorted({i for todo in stale.values() for i in todo})
    reports = {i: report_for(seed, i) for i in needed}
    pages = {i: page_for(reports[i], zero=zero) for i in needed}
    page_dir = out / "_pages"
    page_dir.mkdir(parents=True, exist_ok=True)
    page_paths = {}
    for i in needed:
        page_paths[i] = page_dir / f"s{seed}-{i:04d}.html"
        if not page_paths[i].exists() or page_paths[i].read_text(encoding="utf-8") != pages[i].html:
            page_paths[i].write_text(pages[i].html, encoding="utf-8")

    # printed sources, in batches, cached by the page's content
    source_paths: dict[tuple[str, int], Path] = {}
    for source in sorted({family(n).source for n in stale} - {"html"}):
        wanted = sorted({i for n, todo in stale.items() if family(n).source == source for i in todo})
        sdir = out / "_sources" / source
        sdir.mkdir(parents=True, exist_ok=True)
        for i in wanted:
            digest = hashlib.sha256(pages[i].html.encode("utf-8")).hexdigest()[:16]
            source_paths[(source, i)] = sdir / f"s{seed}-{i:04d}-{digest}{SOURCE_EXT[source]}"
        missing = [i for i in wanted if not source_paths[(source, i)].exists()]
        if missing:
            t0 = time.perf_counter()
            log(f"printing {len(missing)} pages: {source}")
            make_sources(source, [(page_paths[i], pages[i]) for i in missing],
                         [source_paths[(source, i)] for i in missing])
            summary.seconds[f"source:{source}"] = time.perf_counter() - t0

    browser = None
    try:
        with tempfile.TemporaryDirectory(prefix="govreport-corpus-") as tmp:
            for name, todo in stale.items():
                fam = family(name)
                fdir = out / name
                fdir.mkdir(parents=True, exist_ok=True)
                if name.startswith("chromium_") and fam.source == "html" and browser is None:
                    browser = Browser()
                t0 = time.perf_counter()
                for i in todo:
                    ctx = Context(Path(tmp), browser, page_paths[i])
                    src = pages[i] if fam.source == "html" else source_paths[(fam.source, i)].read_bytes()
                    stem = doc_stem(name, seed, i)
                    try:
                        data = fam.convert(src, ctx)
                    except Exception as exc:  # one document's failure is reported, the batch goes on
                        summary.failed.setdefault(name, []).append(f"{stem}: {type(exc).__name__}: {exc}")
                        log(f"{stem}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=2)}")
                        continue
                    (fdir / f"{stem}{fam.ext}").write_bytes(data)
                    (fdir / f"{stem}.json").write_text(
                        json.dumps(truth(reports[i], pages[i], name, seed, i, data, zero), ensure_ascii=False, indent=1),
                        encoding="utf-8")
                    summary.made[name] = summary.made.get(name, 0) + 1
                summary.seconds[name] = time.perf_counter() - t0
    finally:
        if browser is not None:
            browser.close()
    return summary


def corpus_documents(root: Path, family_name: str) -> list[tuple[Path, Path]]:
    """(document, truth) pairs of one family under a generated corpus."""
    fam = family(family_name)
    out = []
    for truth_path in sorted((Path(root) / family_name).glob("*.json")):
        doc = truth_path.with_suffix(fam.ext)
        if doc.exists():
            out.append((doc, truth_path))
    return out

