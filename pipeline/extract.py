"""The pipeline for one document: read -> tokens -> sections -> labels -> template ->
cells -> field values -> checks -> Result.  Failures end up in `Result.errors`."""
from __future__ import annotations

import gc
import hashlib
import re
import time
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .assemble import Assembler
from .labels import KeywordSpotter, Spotter, row_labels, rows_by_position
from .cells import normalize
from .classify.value_prior import ValuePrior, default_value_prior
from .layout import END_HEADINGS, Section, Vocabulary, find_sections, squash, tokenize
from .model import Document, Result, Token
from .narrative import document_statements, narrative_checks
from .readers import ReaderError, read_document
from .schema import HYBRID, VERSIONS, all_templates, load_template
from .trust import assess, default_calibrator, default_ocr_calibrator
from .validate import field_values, run_checks

MIN_REQUEST_ROWS = 6  # distinct section 三 rows (and as many printed numbers) make a document a report
MIN_DISCLOSURE_EVIDENCE = 2  # or section 二 column headers / rows only one template prints
MIN_HEADLESS_ROWS = 6  # distinct rows surely spotted place a table whose heading was lost
SURE_LABEL = 0.9  # a row spotted this surely counts there (garbled label text spots lower)


@lru_cache(maxsize=1)
def _headings() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for template in all_templates():
        for table in template.tables:
            out.setdefault(table.id, [])
            out[table.id] += [h for h in table.headings if h not in out[table.id]]
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _anchors() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for template in all_templates():
        for table in template.tables:
            out[table.id] = tuple(dict.fromkeys(out.get(table.id, ()) + table.anchors))
    return out


@lru_cache(maxsize=1)
def _vocabulary() -> Vocabulary:
    headings = tuple(normalize(h) for hs in _headings().values() for h in hs) + END_HEADINGS
    labels = {squash(v) for t in all_templates() for table in t.tables for row in table.rows
              for v in row.labels if len(squash(v)) >= 4}
    return Vocabulary(headings, tuple(sorted(labels)))


@lru_cache(maxsize=1)
def _section_labels() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Per table, each row's squashed label variants (every template version), for finding sections."""
    return {tid: tuple(tuple(k for k in {squash(v) for v in variants} if len(k) >= 2)
                       for variants in row_labels(tid).values())
            for tid in _headings()}


@lru_cache(maxsize=None)
def _unique(version: str, other: str, table_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """Row ids and column labels printed only by `version` in this table."""
    mine, theirs = load_template(version).table(table_id), load_template(other).table(table_id)
    rows = {r.id for r in mine.rows} - {r.id for r in theirs.rows}
    their_labels = [squash(l) for c in theirs.columns.values() for l in c.labels]
    labels = {squash(l) for c in mine.columns.values() for l in c.labels
              if not any(squash(l) in t or t in squash(l) for t in their_labels)}
    return frozenset(rows), frozenset(labels)


@lru_cache(maxsize=1)
def _unsigned_tables() -> frozenset[str]:
    """Tables no template gives a signed column (sections 三 and 四 print counts only)."""
    signed = {t.id for template in all_templates() for t in template.tables
              if any(c.signed for c in t.columns.values())}
    return frozenset(_headings()) - signed


def unsign_dashes(tokens: list[Token], sections) -> list[Token] | None:
    """In a table of counts a number printed with a minus sign is a dash cell (a zero) glued to
    the number (`数量------1` is six blanks and 1): the dash and the number as two cells.  None
    when there is none (the signed 本年增/减 column of section 二 keeps its signs).  Flattened
    text only: an OCR'd number is one ruled cell, its minus a misread or a repair to review."""
    spans = [sections[t] for t in _unsigned_tables() if t in sections]
    out, changed = [], False
    for i, token in enumerate(tokens):
        if token.kind == "number" and token.score is None and token.value is not None and token.value < 0 \
                and token.text.startswith("-") and any(s.start <= i < s.end for s in spans):
            out.append(replace(token, text="-", value=None, unit=None, blank=True))
            out.append(replace(token, text=token.text[1:], value=-token.value))
            changed = True
        else:
            out.append(token)
    return out if changed else None


# column headers of the statistics table that reports printed before the 2019 template
OLD_TABLE_HEADERS = ("指标名称", "计量单位")


def _prints_old_statistics_table(tokens: list[Token]) -> bool:
    text = "".join(squash(t.text) for t in tokens if t.kind == "text")
    return all(h in text for h in OLD_TABLE_HEADERS)


def detect_template(tokens: list[Token], sections, hits) -> tuple[str | None, list[str]]:
    """Template key from what the tables print (never from the year); None: no report."""
    notes = []
    labelled = {h.row for h in hits.get("requests", [])}
    request_rows = labelled
    if "requests" in sections:
        sec = sections["requests"]
        if sum(1 for t in tokens[sec.start:sec.end] if t.kind == "number") < MIN_REQUEST_ROWS:
            request_rows = set()  # row names in narrative or an old-style table, no table of numbers
    votes = {"2019": 0, "2021": 0}
    if "disclosure" in sections:
        sec = sections["disclosure"]
        text = "".join(squash(t.text) for t in tokens[sec.start:sec.end] if t.kind == "text")
        found_rows = {h.row for h in hits.get("disclosure", [])}
        for version, other in (("2019", "2021"), ("2021", "2019")):
            rows, labels = _unique(version, other, "disclosure")
            votes[version] = len(rows & found_rows) + sum(1 for l in labels if l in text)
        positive = sum(votes.values())
        # rows found, yet none of the rows only the 2019 table has: evidence for 2021
        rows19, _ = _unique("2019", "2021", "disclosure")
        if len(found_rows) >= 3 and not rows19 & found_rows and len(request_rows) >= MIN_REQUEST_ROWS:
            votes["2021"] += 1
    else:
        positive = 0
    # a report of a supported template prints its section 三 rows or its section 二 headers;
    # a pre-2019 report prints neither, whatever words it shares with them
    if len(request_rows) < MIN_REQUEST_ROWS and positive < MIN_DISCLOSURE_EVIDENCE:
        return None, notes
    disclosure = max(votes, key=votes.get) if votes["2019"] != votes["2021"] else None
    rows21, _ = _unique("2021", "2019", "requests")
    rows19, _ = _unique("2019", "2021", "requests")
    # which section 三 a report prints is in its row labels, whether or not its rows print numbers
    # (zeros printed as empty cells: a row-label table with three numbers in all)
    requests = "2021" if labelled & rows21 else "2019" if labelled & rows19 else None
    version = disclosure or requests or "2021"
    if version == "2021" and requests == "2019":
        return HYBRID, notes
    if version == "2019" and requests == "2021":
        notes.append("section 二 follows the 2019 template but section 三 prints the 2021 （六） sub-rows; "
                     "read as 2019, the sub-rows are not mapped")
    return version, notes


_TITLE = re.compile(r"(?P<agency>[\u4e00-\u9fff（）()]{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
                    r"(?:政府|政务)?信息公开(?:工作)?年度?报告")


def headless_starts(doc: Document, tokens: list[Token], sections: dict[str, Section],
                    spotter: Spotter) -> dict[str, int]:
    """Where a table begins whose heading and anchors are unreadable (a degraded scan's OCR
    garbles the short heading lines first) while enough of its row labels read: at its first
    surely spotted row label, moved up over the table lines above it, whose labels are garbled
    too, to the last line outside the table."""
    lines = doc.lines()
    flat = {t.id for t in load_template(VERSIONS[0]).tables if t.printed_flat}
    out = {}
    for tid in _headings():
        if tid in sections or tid in flat:
            continue
        hits = [h for h in spotter.spot(tokens, Section(tid, -1, len(tokens)), row_labels(tid))
                if h.score >= SURE_LABEL]
        if len({h.row for h in hits}) < MIN_HEADLESS_ROWS:
            continue
        line_no = tokens[min(h.token for h in hits)].line_no
        while line_no > 0 and lines[line_no - 1].in_table:
            line_no -= 1
        first = next(i for i, t in enumerate(tokens) if t.line_no >= line_no)
        out[tid] = max(first - 1, 0)  # a section starts at its heading, which is not one of its rows
    return out


def find_metadata(doc: Document) -> tuple[str | None, int | None]:
    """Agency and year from the report title (may be split over two lines)."""
    texts = [line.text.strip() for line in doc.lines()[:80] if line.text.strip()]
    for i, text in enumerate(texts):
        for candidate in (text, text + (texts[i + 1] if i + 1 < len(texts) else "")):
            compact = re.sub(r"\s+", "", candidate)
            m = _TITLE.search(compact)
            if m and "关于" not in m.group("agency") and not compact.startswith(("根据", "现将", "本报告")) and m.start() < 4:
                agency = m.group("agency").strip()
                return agency or None, int(m.group("year"))
    for text in texts:
        m = re.search(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日", text)
        if m:
            return None, int(m.group(1))
    return None, None


def default_spotter() -> tuple[Spotter, str | None]:
    """The trained classifier when its model file loads; the keyword baseline (with a
    note for Result.errors) only when the file is absent.  A broken file is an error."""
    from .classify.model import DEFAULT_PATH, ModelSpotter

    if not DEFAULT_PATH.is_file():
        return KeywordSpotter(), f"label classifier {DEFAULT_PATH.name} absent: keyword labels used (govreport train)"
    return ModelSpotter(), None


def calibrator():
    """The confidence calibrator (None: rule-of-thumb confidences) and a note for Result.errors."""
    from .trust import DEFAULT_PATH

    return _installed(default_calibrator, DEFAULT_PATH, "confidence calibrator", "", "--calibrator")


def ocr_calibrator():
    """The OCR calibrator (None: OCR'd fields get rule-of-thumb confidences) and a note."""
    from .trust import OCR_PATH

    return _installed(default_ocr_calibrator, OCR_PATH, "OCR confidence calibrator", " for OCR'd fields",
                      "--calibrator --ocr")


def _installed(load, path: Path, what: str, scope: str, train_flags: str):
    """(model, None) when it loads; (None, why rule-of-thumb confidences are used) otherwise."""
    from .trust import CalibratorError

    try:
        model = load()
    except CalibratorError as exc:
        return None, f"{what} unusable ({exc}): rule-of-thumb confidences{scope}"
    if model is None:
        return None, f"{what} {path.name} absent: rule-of-thumb confidences{scope} (govreport train {train_flags})"
    return model, None


@contextmanager
def timed(timings: dict[str, float] | None, name: str):
    """Add the block's wall time to timings[name] (benchmarks read these; None: no timing)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def extract_document(doc: Document, spotter: Spotter | None = None,
                     timings: dict[str, float] | None = None, trust_model=None, ocr_trust_model=None,
                     value_prior: ValuePrior | None | bool = True) -> Result:
    """Read one document; `spotter`, `trust_model` (a fitted confidence calibrator),
    `ocr_trust_model` (the OCR one) and `value_prior` (True: the installed one if any; None or
    False: none) default to the installed models (comparing models side by side passes others)."""
    note = None
    if spotter is None:
        spotter, note = default_spotter()
    if value_prior is True:
        value_prior = default_value_prior()
    value_prior = value_prior or None
    result = Result(doc.source, doc.sha256, errors=list(doc.errors) + ([note] if note else []),
                    pages=doc.page_info())
    unread = [p.number for p in doc.pages if p.path == "needs_ocr"]
    if unread:
        result.errors.append(f"pages {unread} have no usable text layer and were not OCRed")
    with timed(timings, "tokenize/layout"):
        result.agency, result.year = find_metadata(doc)
        tokens = tokenize(doc, _vocabulary())
        sections = find_sections(tokens, _headings(), _section_labels(), _anchors())
        unsigned = unsign_dashes(tokens, sections)
        if unsigned is not None:
            tokens = unsigned
            sections = find_sections(tokens, _headings(), _section_labels(), _anchors())
    if len(sections) < len(_headings()):
        with timed(timings, "label spotting"):
            inferred = headless_starts(doc, tokens, sections, spotter)
        if inferred:
            sections = find_sections(tokens, _headings(), _section_labels(), _anchors(), inferred)
    with timed(timings, "label spotting"):
        hits = {tid: spotter.spot(tokens, sec, row_labels(tid)) for tid, sec in sections.items()
                if not load_template(VERSIONS[0]).table(tid).printed_flat}
        key, notes = detect_template(tokens, sections, hits)
    result.errors.extend(notes)
    if key is None:
        why = "no table of the 2019 or 2021 政府信息公开工作年度报告 template found"
        if _prints_old_statistics_table(tokens):
            why += "; it prints the pre-2019 政府信息公开情况统计表 (指标名称/计量单位/本年度/历年累计)"
        if result.year and result.year < 2019:
            why += f" (report year {result.year} predates the 2019 template)"
        elif len(sections) >= 2 and any(p.path == "ocr" for p in doc.pages):
            # an archivist rescans such a page; a document that is no report needs nothing
            why += (f"; the scan shows the report's section headings ({len(sections)} of {len(_headings())}) "
                    "but too few of its tables' rows could be read: the scan may be too degraded, rescan it")
        result.errors.append(f"not a supported report: {why}")
        return result
    template = load_template(key)
    result.template, result.hybrid = template.version, template.hybrid
    ocr_pages = {p.number for p in doc.pages if p.path == "ocr"}
    if ocr_pages:
        with timed(timings, "label spotting"):
            # a scan's ruled tables print one line per row: a row whose label did not read is known
            # by its place between rows that did
            grid_lines = {n for n, line in enumerate(doc.lines()) if line.in_table and line.page in ocr_pages}
            for tid, found in hits.items():
                order = [row.id for row in template.table(tid).rows]
                placed = rows_by_position(tokens, sections[tid], found, order, grid_lines)
                hits[tid] = sorted(found + placed, key=lambda h: (h.token, h.offset))
    with timed(timings, "assembly"):
        stated = document_statements(doc, template)
        assembler = Assembler(template, tokens, value_prior, stated, list(sections.values()))
        records = {}
        for table in template.tables:
            if table.id in sections:
                records.update(assembler.table(table, sections[table.id], hits.get(table.id, [])))
            else:
                result.errors.append(f"section {table.section} ({table.id}) not found")
        assembler.unprinted_as_blank(records)
        assembler.settle_owners(records)
        result.fields = field_values(template, records)
    with timed(timings, "checks"):
        result.checks = run_checks(template, result.fields) + narrative_checks(stated, result.fields)
    with timed(timings, "trust"):
        model, note = (trust_model, None) if trust_model is not None else calibrator()
        if note:
            result.errors.append(note)
        ocr_model = ocr_trust_model
        if ocr_model is None and any(p.path == "ocr" for p in doc.pages):
            ocr_model, note = ocr_calibrator()
            if note:
                result.errors.append(note)
        assess(template, result.fields, records, result.checks, {p.number: p.path for p in doc.pages}, model,
               ocr_model)
    _freeze_loaded()
    lines = doc.lines()
    for fv in result.fields.values():
        if fv.evidence.line is not None and fv.evidence.line < len(lines):
            fv.evidence.line_text = line_excerpt(lines[fv.evidence.line].text, fv.evidence.text)
    return result


EXCERPT_CONTEXT = 120  # characters kept on each side of the cell's text in a long source line


def line_excerpt(line: str, cell_text: str, context: int = EXCERPT_CONTEXT) -> str:
    """The part of a source line a reviewer needs: all of it when short, else the cell's text with
    `context` characters around it.  A report saved as one line (crawler page text) would
    otherwise copy the whole document into every field's evidence (3.6 MB of JSON for 198 fields)."""
    if len(line) <= 2 * context + 40:
        return line
    match = None
    for probe in (cell_text, *sorted(re.findall(r"\d+", cell_text), key=len, reverse=True)[:1]):
        chars = [re.escape(c) for c in probe if c.isalnum()]
        if chars:
            # the reader's text of a cell drops or adds spaces and punctuation (`4.保护` → `4保护`)
            match = re.search(r"[\W_]*".join(chars), line)
        if match:
            break
    start, end = (match.start(), match.end()) if match else (0, 0)
    lo, hi = max(0, start - context), min(len(line), end + context)
    return ("…" if lo else "") + line[lo:hi] + ("…" if hi < len(line) else "")


_frozen = False


def _freeze_loaded() -> None:
    """Once per process, after the first document that reached the trust stage: by then the
    models, jieba's dictionary and spaCy are loaded, a few hundred thousand objects that live
    as long as the process and that every full garbage collection would walk again (about
    5 ms per document).  gc.freeze leaves them out of all later collections."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def load_document(path: Path, ocr_engine: str | None = None, timings: dict[str, float] | None = None) -> Document:
    """Read a file; PDF pages without a usable text layer go through OCR.  Raises ReaderError."""
    with timed(timings, "read"):
        doc = read_document(path)
    if doc.kind == "pdf" and any(p.path == "needs_ocr" for p in doc.pages):
        with timed(timings, "ocr"):
            _ocr(doc, path.read_bytes(), ocr_engine)
    return doc


def extract_file(path: str | Path, ocr_engine: str | None = None,
                 timings: dict[str, float] | None = None) -> Result:
    """Never raises for a bad input: the reason lands in `errors`."""
    path = Path(path)
    try:
        doc = load_document(path, ocr_engine, timings)
        result = extract_document(doc, timings=timings)
        if any(p.path == "ocr" for p in doc.pages) and doc.kind == "pdf":
            from .ocr.proofread import proofread

            with timed(timings, "ocr proof-reading"):
                result = proofread(doc, path.read_bytes(), result, lambda d: extract_document(d))
        return result
    except ReaderError as exc:
        return _failed(path, str(exc))
    except Exception as exc:  # a bug must cost one document, not the batch
        return _failed(path, f"internal error ({type(exc).__name__}: {exc})")


def _ocr(doc: Document, data: bytes, engine: str | None) -> None:
    try:
        from .ocr import OcrUnavailable, ocr_document
    except ImportError as exc:
        doc.errors.append(f"OCR stage unavailable ({exc}); reinstall govreport: rapidocr, onnxruntime and opencv are among its dependencies")
        return
    try:
        ocr_document(doc, data, engine)
    except OcrUnavailable as exc:  # the text-layer pages are still worth extracting
        doc.errors.append(f"OCR unavailable: {exc}")


def _failed(path: Path, message: str) -> Result:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    return Result(str(path), digest, errors=[message])
