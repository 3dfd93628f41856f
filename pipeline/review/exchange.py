"""Review elsewhere: the queue out as JSON Lines, decisions back in (in the spirit of
Prodigy's db-out / db-in).

Queue line (lowest confidence first, grouped by document):
  {"sha256", "field_id", "agency", "year", "template", "hybrid", "labels": {"section", "heading",
   "row", "group", "column"}, "value", "extracted_value", "confidence", "status", "reasons",
   "candidates", "failed_checks": [{"rule", "expected", "printed"}], "evidence", "conflict",
   "sources": [path, ...]}

Decision line: {"sha256", "field_id", "action": "accept" | "reject" | "edit" | "blank" |
"illegible", "value": number (edit; optional for accept), "reviewer": str (optional when the
importer names one), "note": str (optional)}.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import store
from ..model import CONFIDENT
from .grid import field_labels
from .session import InvalidValue, parse_value

IMPORTABLE = ("accept", "reject", "edit", "blank", "illegible")


def export_queue(conn: sqlite3.Connection, out: Path, threshold: float = CONFIDENT, agency: str | None = None,
                 year: int | None = None) -> int:
    """Write the review queue to `out` (one JSON object per line); returns the line count."""
    items = store.review_queue(conn, threshold, agency, year)
    failing: dict[str, list] = {}
    lines = []
    for it in items:
        sha, field_id = it["sha256"], it["field_id"]
        if sha not in failing:
            failing[sha] = [c for c in store.checks_for(conn, sha) if not c.ok]
        key = store.template_key(it)
        labels = field_labels(key, field_id) if key else None
        lines.append(json.dumps({
            "sha256": sha, "field_id": field_id, "agency": it["agency"], "year": it["year"],
            "template": it["template"], "hybrid": bool(it["hybrid"]),
            "labels": asdict(labels) if labels else None,
            "value": _plain(it["current_value"]), "extracted_value": _plain(it["extracted_value"]),
            "confidence": it["confidence"], "status": it["status"], "reasons": it["reasons"],
            "candidates": it["candidates"],
            "failed_checks": [{"rule": c.rule, "expected": c.expected, "printed": c.printed}
                              for c in failing[sha] if field_id in c.fields],
            "evidence": it["evidence"], "conflict": bool(it["conflict"]),
            "sources": store.source_paths(conn, sha)}, ensure_ascii=False))
    from ..output import write_atomic

    write_atomic(out, "".join(line + "\n" for line in lines))
    return len(lines)


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass
class ImportReport:
    applied: int = 0
    unchanged: int = 0  # the same decision is already in force (a file imported twice)
    documents: int = 0
    errors: list[str] = field(default_factory=list)


def import_decisions(conn: sqlite3.Connection, path: Path, reviewer: str | None = None) -> ImportReport:
    """Apply a decisions file: each line is logged and applied in its own transaction, each
    touched document's checks re-run from current values.  Bad lines are reported and
    skipped; the others still apply."""
    report = ImportReport()
    touched: set[str] = set()
    text = Path(path).read_text(encoding="utf-8-sig")
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            d = json.loads(raw)
            if not isinstance(d, dict):
                raise ValueError("not a JSON object")
            sha, field_id, action = d.get("sha256"), d.get("field_id"), d.get("action")
            if action not in IMPORTABLE:
                raise ValueError(f"action must be one of {', '.join(IMPORTABLE)}, not {action!r}")
            who = d.get("reviewer") or reviewer
            if not who:
                raise ValueError("no reviewer: give one in the line or with --reviewer")
            doc = store.document(conn, sha) if isinstance(sha, str) else None
            if doc is None:
                raise ValueError(f"no document {sha!r} in the store")
            key = store.template_key(doc)
            value = d.get("value")
            if action == "edit" or (action == "accept" and value is not None):
                if value is None:
                    raise ValueError("an edit needs a value")
                value = parse_value(str(value), field_id, key)
            else:
                value = None
            row = conn.execute("SELECT current_value, reviewed FROM fields WHERE sha256 = ? AND field_id = ?",
                               (sha, field_id)).fetchone()
            if row is None:
                raise ValueError(f"no field {field_id!r} in document {sha[:12]}")
            if _in_force(conn, sha, field_id, action, value if value is not None else row["current_value"]):
                report.unchanged += 1
                continue
            store.record_decision(conn, sha, field_id, action, new_value=value, reviewer=who, note=d.get("note"))
            touched.add(sha)
            report.applied += 1
        except (ValueError, InvalidValue, store.StoreError) as exc:
            report.errors.append(f"line {n}: {exc}")
    for sha in sorted(touched):
        store.rerun_checks(conn, sha)
    report.documents = len(touched)
    return report


def _in_force(conn: sqlite3.Connection, sha: str, field_id: str, action: str, value) -> bool:
    """Whether the field's latest decision in force is this one already."""
    stack = store._effective(conn, sha, field_id)
    if not stack:
        return False
    last = stack[-1]
    expected = store._decided_value(action, {"current_value": value}, value) if action != "edit" else float(value)
    return last["action"] == action and store._same(last["new_value"], expected)
