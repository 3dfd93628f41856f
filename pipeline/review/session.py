"""A review session over the archive store, without any UI: the queue (lowest confidence
first, grouped by document), the field a person looks at with everything needed to judge it,
decisions written at once, checks re-run after an edit, undo.  The Textual app and the
decision importer both drive this class.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .. import store
from ..cells import parse_number, to_yuan
from ..model import CONFIDENT, Check, Evidence, FieldValue, Result
from ..schema import load_template
from .grid import FieldLabels, Grid, field_labels, grid_of

DECISIONS = ("accept", "edit", "blank", "illegible", "reject")


class InvalidValue(ValueError):
    pass


def parse_value(text: str, field_id: str, key: str | None) -> float | int:
    """A typed value for a field: counts are whole numbers (non-negative unless the column is
    signed); money is in yuan, `万`/`万元` scaled like the extraction does."""
    parsed = parse_number(text)
    if parsed is None:
        raise InvalidValue(f"not a number: {text!r}")
    column = load_template(key).column_of(field_id) if key else None
    value = parsed.value
    if column is not None and column.kind == "money":
        return to_yuan(value, parsed.unit)
    if parsed.unit:
        raise InvalidValue(f"{field_id} is a count, not money: {text!r}")
    if not float(value).is_integer():
        raise InvalidValue(f"{field_id} is a count: a whole number, not {text!r}")
    if value < 0 and not (column is not None and column.signed):
        raise InvalidValue(f"{field_id} is a count: never negative")
    return int(value)


@dataclass
class FieldView:
    """Everything the reviewer sees for one queued field."""

    item: dict  # the store's queue row
    labels: FieldLabels | None
    grid: Grid | None
    values: dict[str, FieldValue]  # the document's fields with current values
    failed_checks: list[Check]  # checks involving this field that fail on current values
    doc_index: int  # position of the document among the queue's documents (0-based)
    doc_count: int

    @property
    def sha256(self) -> str:
        return self.item["sha256"]

    @property
    def field_id(self) -> str:
        return self.item["field_id"]

    @property
    def evidence(self) -> dict:
        return self.item["evidence"] or {}


@dataclass
class Session:
    conn: sqlite3.Connection
    reviewer: str
    threshold: float = CONFIDENT
    agency: str | None = None
    year: int | None = None
    items: list[dict] = field(default_factory=list)
    pos: int = 0
    done: list[tuple[str, str, str]] = field(default_factory=list)  # (sha, field, action) this session
    _values: dict[str, dict[str, FieldValue]] = field(default_factory=dict)

    def __post_init__(self):
        if not self.reviewer:
            raise store.StoreError("a review session needs a reviewer name")
        self.items = store.review_queue(self.conn, self.threshold, self.agency, self.year)

    # --- where we are -------------------------------------------------------------------------

    @property
    def current(self) -> dict | None:
        return self.items[self.pos] if 0 <= self.pos < len(self.items) else None

    def progress(self) -> tuple[int, int]:
        """(n, m): the field shown is the n-th of m this session has to go through."""
        return len(self.done) + min(self.pos, len(self.items)) + (1 if self.current else 0), \
            len(self.done) + len(self.items)

    def documents(self) -> list[str]:
        return list(dict.fromkeys(it["sha256"] for it in self.items))

    def view(self) -> FieldView | None:
        item = self.current
        if item is None:
            return None
        key = store.template_key(item)
        values = self.values(item["sha256"])
        failed = [c for c in self.checks(item["sha256"]) if not c.ok and item["field_id"] in c.fields]
        docs = self.documents()
        return FieldView(item, field_labels(key, item["field_id"]) if key else None,
                         grid_of(key, item["field_id"]) if key else None, values, failed,
                         docs.index(item["sha256"]), len(docs))

    def values(self, sha: str) -> dict[str, FieldValue]:
        if sha not in self._values:
            self._values[sha] = store.current_fields(self.conn, sha)
        return self._values[sha]

    def checks(self, sha: str, overrides: dict[str, float | None] | None = None) -> list[Check]:
        return store.checks_for(self.conn, sha, overrides)

    def queued(self, sha: str) -> set[str]:
        return {it["field_id"] for it in self.items if it["sha256"] == sha}

    # --- moving --------------------------------------------------------------------------------

    def skip(self) -> None:
        if self.pos < len(self.items):
            self.pos += 1

    def next_document(self) -> None:
        item = self.current
        if item is None:
            return
        while self.current is not None and self.current["sha256"] == item["sha256"]:
            self.pos += 1

    def _goto(self, sha: str, field_id: str) -> None:
        for i, it in enumerate(self.items):
            if it["sha256"] == sha and it["field_id"] == field_id:
                self.pos = i
                return

    # --- deciding ------------------------------------------------------------------------------

    def preview_edit(self, value: float | int | None) -> list[Check]:
        """The checks of the current field that would fail with `value` (nothing is stored)."""
        item = self.current
        checks = self.checks(item["sha256"], {item["field_id"]: value})
        return [c for c in checks if not c.ok and item["field_id"] in c.fields]

    def decide(self, action: str, value: float | int | None = None, note: str | None = None) -> dict:
        """Write the decision on the current field (one transaction), re-run the document's
        checks when the value changed, refresh its part of the queue; the next field becomes
        current.  Returns the log row."""
        item = self.current
        if item is None:
            raise store.StoreError("the queue is empty")
        if action not in DECISIONS:
            raise store.StoreError(f"unknown decision {action!r}")
        row = store.record_decision(self.conn, item["sha256"], item["field_id"], action,
                                    new_value=value, reviewer=self.reviewer, note=note)
        self.done.append((item["sha256"], item["field_id"], action))
        self._after_change(item["sha256"], row)
        return row

    def undo(self) -> dict | None:
        """Undo this session's latest decision; its field becomes current again."""
        if not self.done:
            return None
        sha, field_id, _action = self.done.pop()
        row = store.undo(self.conn, sha, field_id, reviewer=self.reviewer)
        self._after_change(sha, row, keep=(sha, field_id))
        self._goto(sha, field_id)
        return row

    def _after_change(self, sha: str, row: dict | None, keep: tuple[str, str] | None = None) -> None:
        self._values.pop(sha, None)
        if row is not None and not store._same(row["old_value"], row["new_value"]):
            store.rerun_checks(self.conn, sha)
        self._refresh(sha, keep)

    def _refresh(self, sha: str, keep: tuple[str, str] | None = None) -> None:
        """Replace the document's queued fields by what the store queues now, in place: the
        fields before the current position stay skipped, the rest follow in queue order."""
        fresh = store.review_queue(self.conn, self.threshold, sha256=sha)
        indices = [i for i, it in enumerate(self.items) if it["sha256"] == sha]
        if not indices:
            at = len(self.items) if keep is None else self.pos
            self.items[at:at] = fresh
            return
        first, end = indices[0], indices[-1] + 1
        before = {it["field_id"] for it in self.items[first:min(self.pos, end)]}
        skipped = [it for it in fresh if it["field_id"] in before]
        later = [it for it in fresh if it["field_id"] not in before]
        self.items[first:end] = skipped + later
        if first <= self.pos < end:
            self.pos = first + len(skipped)
        elif self.pos >= end:
            self.pos += len(fresh) - (end - first)


def result_of(conn: sqlite3.Connection, sha: str) -> Result:
    """The stored extraction of a document as a Result (pages, evidence), for crops."""
    doc = store.document(conn, sha)
    data = json.loads(doc["result_json"])
    result = Result(data.get("source", ""), sha, data.get("template"), bool(data.get("hybrid")),
                    data.get("agency"), data.get("year"), pages=data.get("pages", []))
    for field_id, f in data.get("fields", {}).items():
        ev = f.get("evidence") or {}
        result.fields[field_id] = FieldValue(f.get("value"), f.get("confidence", 0.0), f.get("status", "missing"),
                                             Evidence(ev.get("page"), tuple(ev["bbox"]) if ev.get("bbox") else None,
                                                      ev.get("text", "")))
    return result


def readable_source(conn: sqlite3.Connection, sha: str, unpack_to: Path | None = None) -> Path | None:
    """A path of the document's file that still exists with the stored content; a zip member
    (`archive.zip!inner/file.pdf`) is unpacked into `unpack_to`."""
    import hashlib

    paths = store.source_paths(conn, sha)
    for path in sorted(paths, key=lambda p: "!" in p):
        try:
            if "!" not in path:
                if Path(path).is_file() and hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha:
                    return Path(path)
            elif unpack_to is not None:
                from ..batch import read_member

                outer, *members = path.split("!")
                data = read_member(outer, tuple(members))
                if hashlib.sha256(data).hexdigest() == sha:
                    unpack_to.mkdir(parents=True, exist_ok=True)
                    target = unpack_to / ("source" + Path(members[-1]).suffix.lower())
                    target.write_bytes(data)
                    return target
        except Exception:  # moved, changed or unreadable: try the next path
            continue
    return None
