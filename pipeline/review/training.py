"""`govreport train --from-db`: what people decided in review becomes training data.

* label samples: each reviewed document is read again and its label candidates are cut
  exactly as extraction cuts them.  A candidate is labelled with a row when the numbers printed
  after it equal the row's reviewed values (aligned in template order, so rows of zeros do not
  slide), or when extraction read the row from that candidate and got every value of it right
  (the values are not all zero and no other row of the table has them, so they name the row).
  The second way reaches forms whose numbers do not follow their label as the row prints them:
  cells run together ("1234" for 12 and 34) and pdfminer's column-scattered blocks.  The label
  classifier is retrained on the base data plus these, through the same code as `govreport
  train` (pipeline/classify/train.py).
* value prior: the magnitudes of every trusted value in the store (reviewed, or ok with no
  failing check), per field; it orders the readings a row's sum rules leave open
  (pipeline/classify/value_prior.py), written beside the classifier.
* cell samples: every reviewed field with its box, source line, extracted and decided value —
  for re-reading cells (OCR) later.
* calibration samples: the signals extraction computed for each reviewed value and whether the
  value survived review; `govreport train --calibrator --from-db` adds them to the generated
  calibration data.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import store
from ..cells import to_yuan
from ..classify.data import TABLES
from ..classify.features import record
from ..classify.value_prior import DEFAULT_PATH as VALUE_PRIOR_PATH, FORMAT as VALUE_PRIOR_FORMAT, ValuePrior
from ..model import CONFIDENT
from ..schema import load_template
from .session import readable_source

MATCH, KEYWORD_BONUS = 1.0, 0.5


@dataclass
class ReviewSamples:
    labels: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    calibration: list[dict] = field(default_factory=list)
    documents: int = 0  # reviewed documents whose labels could be aligned
    skipped: list[str] = field(default_factory=list)  # documents that gave no label samples, and why
    last_log_id: int = 0  # review decisions up to this log id were used

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("labels", "cells", "calibration"):
            rows = getattr(self, name)
            (out_dir / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                                   encoding="utf-8")


def reviewed_documents(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT f.sha256 FROM fields f JOIN documents d USING (sha256) "
        "WHERE f.reviewed = 1 AND d.template IS NOT NULL ORDER BY f.sha256")]


def trusted_values(conn: sqlite3.Connection, sha: str, threshold: float = CONFIDENT) -> dict[str, float | None]:
    """Values a person decided, and values extraction was sure of that no failing check doubts."""
    failing = store.failing_fields(conn, sha).get(sha, set())
    out = {}
    for r in conn.execute("SELECT * FROM fields WHERE sha256 = ?", (sha,)):
        if r["reviewed"] or (r["status"] == "ok" and r["confidence"] >= threshold and r["field_id"] not in failing):
            out[r["field_id"]] = r["current_value"]
    return out


def _same(printed: float | int | None, truth: float | None, money: bool) -> bool:
    if printed is None or truth is None:
        return False
    options = (printed, to_yuan(printed, "万元")) if money else (printed,)
    return any(abs(float(p) - float(truth)) < 1e-6 for p in options)


def align(numbers: list[list], truth: list[tuple | None], money: list[list[bool]], keyword: list[list[bool]]):
    """Monotone assignment of candidates (with the numbers printed after each) to template rows
    (with their trusted values) maximizing matches; a keyword agreement breaks ties between
    rows printing the same numbers.  Returns {candidate index: row index}."""
    n, m = len(numbers), len(truth)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            row = truth[j]
            if row is not None and len(numbers[i]) == len(row) and \
                    all(_same(p, t, mo) for p, t, mo in zip(numbers[i], row, money[j])):
                best = max(best, MATCH + KEYWORD_BONUS * keyword[i][j] + score[i + 1][j + 1])
            score[i][j] = best
    out, i, j = {}, 0, 0
    while i < n and j < m:
        row = truth[j]
        matched = row is not None and len(numbers[i]) == len(row) and \
            all(_same(p, t, mo) for p, t, mo in zip(numbers[i], row, money[j]))
        if matched and abs(score[i][j] - (MATCH + KEYWORD_BONUS * keyword[i][j] + score[i + 1][j + 1])) < 1e-9:
            out[i] = j
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return out


def confirmed_by_reading(cands, records: dict, table, truth_rows: list[tuple | None]) -> dict[int, int]:
    """{candidate index: row index} for rows extraction read from that candidate with every value
    right.  Only values that name their row count: a row of zeros, or values another row of the
    table also has, would confirm a label read for the wrong row just as well."""
    by_span = {(c.token, c.last_token): i for i, c in enumerate(cands)}
    out = {}
    for j, row in enumerate(table.rows):
        want = truth_rows[j]
        if want is None or not any(want) or truth_rows.count(want) > 1:
            continue
        recs = [records.get(table.field_id(row.id, col)) for col in row.columns]
        if any(r is None or r.label is None for r in recs):
            continue
        spans = {(r.label.token, r.label.last_token) for r in recs}
        if len(spans) != 1 or not all(store._same(r.guess.value, t) for r, t in zip(recs, want)):
            continue
        i = by_span.get(spans.pop())
        if i is not None:
            out[i] = j
    return out


def label_samples(doc, key: str, truth: dict[str, float | None], tag: str, spotter=None) -> list[dict]:
    """Labelled candidate records of one document read again (see the module doc); `spotter`
    reads the labels as extraction does (default: the installed model)."""
    from ..assemble import Assembler
    from ..classify.candidates import candidates
    from ..classify.train import keyword_baseline
    from ..extract import _anchors, _headings, _section_labels, _vocabulary, default_spotter
    from ..labels import row_labels
    from ..layout import find_sections, tokenize

    template = load_template(key)
    tokens = tokenize(doc, _vocabulary())
    sections = find_sections(tokens, _headings(), _section_labels(), _anchors())
    spotter = spotter or default_spotter()[0]
    assembler = Assembler(template, tokens)
    out = []
    for table_id in TABLES:
        if table_id not in sections:
            continue
        table, section = template.table(table_id), sections[table_id]
        labels = row_labels(table_id)
        cands = candidates(tokens, section, labels)
        if not cands:
            continue
        numbers = []
        for k, c in enumerate(cands):
            stop = cands[k + 1].token if k + 1 < len(cands) else section.end
            # empty table cells are kept as blank tokens for the readings; the printed numbers are what align
            numbers.append([0 if t.blank else t.value for t in tokens[c.last_token + 1:stop]
                            if t.kind == "number" and not t.empty])
        truth_rows, money = [], []
        for row in table.rows:
            ids = [table.field_id(row.id, col) for col in row.columns]
            truth_rows.append(tuple(truth[f] for f in ids) if all(f in truth and truth[f] is not None for f in ids)
                              else None)
            money.append([table.columns[col].kind == "money" for col in row.columns])
        records = [record(cands, i, table_id) for i in range(len(cands))]
        guesses = [keyword_baseline(r) for r in records]
        keyword = [[g == row.id for row in table.rows] for g in guesses]
        labelled = align(numbers, truth_rows, money, keyword)
        read = assembler.table(table, section, spotter.spot(tokens, section, labels))
        taken = set(labelled.values())
        for i, j in confirmed_by_reading(cands, read, table, truth_rows).items():
            if i in labelled:
                if labelled[i] != j:  # the two ways disagree: neither is sure
                    del labelled[i]
            elif j not in taken:
                labelled[i] = j
        for i, j in sorted(labelled.items()):
            rec = dict(records[i], label=table.rows[j].id, doc=tag, source=f"review:{tag}", variant="review",
                       split="train")
            out.append(rec)
    return out


def review_samples(conn: sqlite3.Connection, threshold: float = CONFIDENT, ocr_engine: str | None = None) -> ReviewSamples:
    """Samples from every document a person reviewed (see the module doc)."""
    from ..extract import load_document

    samples = ReviewSamples()
    samples.last_log_id = conn.execute("SELECT coalesce(max(id), 0) FROM review_log").fetchone()[0]
    for sha in reviewed_documents(conn):
        doc_row = store.document(conn, sha)
        key = store.template_key(doc_row)
        rows = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND reviewed = 1", (sha,)).fetchall()
        for r in rows:
            ev = json.loads(r["evidence_json"] or "{}")
            last = store._effective(conn, sha, r["field_id"])
            correct = store._same(r["extracted_value"], r["current_value"])
            samples.cells.append({"sha256": sha, "field_id": r["field_id"], "page": ev.get("page"),
                                  "bbox": ev.get("bbox"), "line_text": ev.get("line_text") or ev.get("text", ""),
                                  "extracted_value": r["extracted_value"], "value": r["current_value"],
                                  "action": last[-1]["action"] if last else None, "correct": correct})
        with tempfile.TemporaryDirectory(prefix="govreport-train-") as tmp:
            source = readable_source(conn, sha, Path(tmp))
            if source is None:
                samples.skipped.append(f"{sha[:12]}: source file not found at its stored paths")
                continue
            try:
                doc = load_document(source, ocr_engine)
            except Exception as exc:  # one unreadable file costs its samples, not the training
                samples.skipped.append(f"{sha[:12]}: cannot read {source} ({exc})")
                continue
        labels = label_samples(doc, key, trusted_values(conn, sha, threshold), sha[:12])
        if labels:
            samples.labels.extend(labels)
            samples.documents += 1
        else:
            samples.skipped.append(f"{sha[:12]}: no printed row lines up with the reviewed values")
    samples.calibration = calibration_samples(conn)
    return samples


def calibration_samples(conn: sqlite3.Connection) -> list[dict]:
    """Reviewed fields as calibrator rows: the signals extraction computed for the value (kept in
    the stored result) and whether the value survived review (`govreport train --calibrator
    --from-db` fits on them with the generated data)."""
    out, results = [], {}
    for r in conn.execute("SELECT * FROM fields WHERE reviewed = 1 AND extracted_value IS NOT NULL "
                          "ORDER BY sha256, field_id"):
        if r["sha256"] not in results:
            doc = conn.execute("SELECT result_json FROM documents WHERE sha256 = ?", (r["sha256"],)).fetchone()
            results[r["sha256"]] = json.loads(doc["result_json"]).get("fields", {}) if doc else {}
        signals = results[r["sha256"]].get(r["field_id"], {}).get("signals")
        if not signals:  # read before signals were stored: nothing to learn from
            continue
        out.append({**signals, "correct": int(store._same(r["extracted_value"], r["current_value"])),
                    "set": "review", "doc": r["sha256"], "field": r["field_id"]})
    return out


def model_version(path: Path, fmt: str | None = None) -> str:
    """How the store names a model file: name, content digest, format (the classifier's by default)."""
    from ..classify.model import FORMAT

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{Path(path).name} sha256:{digest} format {fmt or FORMAT}"


def train_from_db(db: Path, data_dir: Path | None = None, out: Path | None = None,
                  samples_dir: Path | None = None, ocr_engine: str | None = None) -> tuple[dict, ReviewSamples]:
    """Build review samples, retrain the label classifier on base data + label samples, record
    the training in the store's runs (which review decisions, which model)."""
    from ..classify.model import DEFAULT_PATH
    from ..classify.train import run

    db = Path(db)
    conn = store.open_store(db, create=False)
    try:
        samples = review_samples(conn, ocr_engine=ocr_engine)
        samples.write(samples_dir or db.with_name(db.name + ".training"))
        if not samples.labels:
            raise store.StoreError("no reviewed document gave label samples: review some fields first "
                                   "(govreport review --db " + str(db) + ")")
        out = Path(out or DEFAULT_PATH)
        run_id = store.start_run(conn, ["govreport", "train", "--from-db", str(db)], {})
        metrics = run(data_dir, out, extra=samples.labels)
        prior = value_prior_from_store(conn)
        prior_path = out.with_name(VALUE_PRIOR_PATH.name)
        prior.save(prior_path)
        metrics["value_prior"] = {"path": str(prior_path), "observations": prior.observations}
        versions = {"label_classifier": model_version(out),
                    "value_prior": model_version(prior_path, str(VALUE_PRIOR_FORMAT))}
        with store.transaction(conn):
            conn.execute("UPDATE runs SET model_versions_json = ? WHERE id = ?",
                         (json.dumps(versions, ensure_ascii=False), run_id))
        store.finish_run(conn, run_id, {
            "trained_from_review": {"label_samples": len(samples.labels), "documents": samples.documents,
                                    "cell_samples": len(samples.cells), "review_log_upto": samples.last_log_id,
                                    "skipped": samples.skipped},
            "model": str(out), "held_out_accuracy": metrics.get("decoded_accuracy")})
        return metrics, samples
    finally:
        conn.close()


def value_prior_from_store(conn: sqlite3.Connection) -> ValuePrior:
    """The magnitudes of the archive's trusted values (reviewed, or ok with no failing check)
    over every read document: what orders the open readings of the next extraction."""
    shas = [r[0] for r in conn.execute("SELECT sha256 FROM documents WHERE template IS NOT NULL ORDER BY sha256")]
    return ValuePrior.fit((field_id, value) for sha in shas for field_id, value in trusted_values(conn, sha).items())


def calibrator_from_db(db: Path, data: Path | None = None, out: Path | None = None) -> tuple[dict, list[dict]]:
    """`govreport train --calibrator --from-db`: refit the confidence calibrator on its generated
    data plus the reviewed fields (calibration_samples), through the same code as `govreport
    train --calibrator` (pipeline/calibration.py), and record the training in the store's runs."""
    from .. import calibration
    from ..trust import DEFAULT_PATH, FORMAT

    db = Path(db)
    conn = store.open_store(db, create=False)
    try:
        extra = calibration_samples(conn)
        if not extra:
            raise store.StoreError("no reviewed field with the signals extraction computed: review some fields "
                                   "first (govreport review --db " + str(db) + ")")
        out = Path(out or DEFAULT_PATH)
        run_id = store.start_run(conn, ["govreport", "train", "--calibrator", "--from-db", str(db)], {})
        metrics = calibration.run(data, out, extra=extra)
        with store.transaction(conn):
            conn.execute("UPDATE runs SET model_versions_json = ? WHERE id = ?",
                         (json.dumps({"confidence_calibrator": model_version(out, FORMAT)}, ensure_ascii=False),
                          run_id))
        store.finish_run(conn, run_id, {
            "trained_from_review": {"calibration_samples": len(extra),
                                    "wrong": sum(1 for r in extra if not r["correct"])},
            "model": str(out), "ok_level": metrics["ok_level"]})
        return metrics, extra
    finally:
        conn.close()
