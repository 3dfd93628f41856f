"""A review session over the archive store, without any UI: the queue (lowest confidence
first, grouped by document), the field a person looks at with everything needed to judge it,
decisions written at once, checks re-run after an edit, undo.  The Textual app and the
decision importer both drive this class.
"""
from __future__ import annotations

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
    """The queue as documents in queue order, each document's fields read from the store when
    the session first needs them (`store.queue_documents` orders and counts them without the
    evidence); where we are is (document, field within it).  A decision changes only its
    document's part of the queue."""

    conn: sqlite3.Connection
    reviewer: str
    threshold: float = CONFIDENT
    agency: str | None = None
    year: int | None = None
    done: list[tuple[str, str, str]] = field(default_factory=list)  # (sha, field, action) this session
    _docs: list[str] = field(default_factory=list)  # the queue's documents, in order
    _counts: dict[str, int] = field(default_factory=dict)  # queued fields of documents not read yet
    _fields: dict[str, list[dict]] = field(default_factory=dict)  # the read documents' queued fields
    _doc: int = 0  # index in _docs of the current document
    _at: int = 0  # index of the current field in its document (earlier ones were skipped)
    _values: dict[str, dict[str, FieldValue]] = field(default_factory=dict)
    _checks: dict[str, list[Check]] = field(default_factory=dict)

    def __post_init__(self):
        if not self.reviewer:
            raise store.StoreError("a review session needs a reviewer name")
        docs = store.queue_documents(self.conn, self.threshold, self.agency, self.year)
        self._docs = [sha for sha, _n in docs]
        self._counts = dict(docs)
        self._settle()

    # --- the queue -----------------------------------------------------------------------------

    def fields_of(self, sha: str) -> list[dict]:
        """The document's queued fields in queue order (read from the store once)."""
        if sha not in self._fields:
            self._fields[sha] = store.review_queue(self.conn, self.threshold, sha256=sha)
            self._counts.pop(sha, None)
        return self._fields[sha]

    def _count(self, sha: str) -> int:
        return len(self._fields[sha]) if sha in self._fields else self._counts.get(sha, 0)

    @property
    def items(self) -> list[dict]:
        """The whole queue, every document read (for tests and tools, not the UI's hot path)."""
        return [it for sha in self._docs for it in self.fields_of(sha)]

    @property
    def pos(self) -> int:
        """The current field's index in `items`."""
        return sum(self._count(sha) for sha in self._docs[:self._doc]) + self._at

    def size(self) -> int:
        """Fields still queued (skipped ones included)."""
        return sum(self._count(sha) for sha in self._docs)

    def _settle(self) -> None:
        """Past the end of a document: on to the next one that has fields."""
        while self._doc < len(self._docs) and self._at >= len(self.fields_of(self._docs[self._doc])):
            self._doc += 1
            self._at = 0

    # --- where we are -------------------------------------------------------------------------

    @property
    def current(self) -> dict | None:
        if self._doc >= len(self._docs):
            return None
        items = self.fields_of(self._docs[self._doc])
        return items[self._at] if self._at < len(items) else None

    def peek(self) -> dict | None:
        """The field after the current one (the UI renders its crop ahead)."""
        for d in range(self._doc, len(self._docs)):
            items = self.fields_of(self._docs[d])
            at = self._at + 1 if d == self._doc else 0
            if at < len(items):
                return items[at]
        return None

    def progress(self) -> tuple[int, int]:
        """(n, m): the field shown is the n-th of m this session has to go through."""
        size = self.size()
        return len(self.done) + min(self.pos, size) + (1 if self.current else 0), len(self.done) + size

    def documents(self) -> list[str]:
        return list(self._docs)

    def view(self) -> FieldView | None:
        item = self.current
        if item is None:
            return None
        key = store.template_key(item)
        values = self.values(item["sha256"])
        failed = [c for c in self.checks(item["sha256"]) if not c.ok and item["field_id"] in c.fields]
        return FieldView(item, field_labels(key, item["field_id"]) if key else None,
                         grid_of(key, item["field_id"]) if key else None, values, failed,
                         self._doc, len(self._docs))

    def values(self, sha: str) -> dict[str, FieldValue]:
        if sha not in self._values:
            self._values[sha] = store.current_fields(self.conn, sha)
        return self._values[sha]

    def checks(self, sha: str, overrides: dict[str, float | None] | None = None) -> list[Check]:
        """The document's checks over the values this session holds (the store's current values,
        kept in step with every decision), without reading the store again."""
        if overrides or sha not in self._checks:
            items = self.fields_of(sha)
            key = store.template_key(items[0]) if items else None
            if key is None:
                return store.checks_for(self.conn, sha, overrides)
            checks = store.template_checks(key, self.values(sha), overrides)
            if overrides:
                return checks
            self._checks[sha] = checks
        return self._checks[sha]

    def queued(self, sha: str) -> set[str]:
        return {it["field_id"] for it in self.fields_of(sha)}

    # --- moving --------------------------------------------------------------------------------

    def skip(self) -> None:
        if self.current is not None:
            self._at += 1
            self._settle()

    def next_document(self) -> None:
        if self.current is not None:
            self._doc += 1
            self._at = 0
            self._settle()

    # --- deciding ------------------------------------------------------------------------------

    def preview_edit(self, value: float | int | None) -> list[Check]:
        """The checks of the current field that would fail with `value` (nothing is stored)."""
        item = self.current
        checks = self.checks(item["sha256"], {item["field_id"]: value})
        return [c for c in checks if not c.ok and item["field_id"] in c.fields]

    def decide(self, action: str, value: float | int | None = None, note: str | None = None) -> dict:
        """Write the decision on the current field and, when the value changed, the document's
        re-run checks, in one transaction; update the document's part of the queue; the next
        field becomes current.  Returns the log row."""
        item = self.current
        if item is None:
            raise store.StoreError("the queue is empty")
        if action not in DECISIONS:
            raise store.StoreError(f"unknown decision {action!r}")
        sha, field_id = item["sha256"], item["field_id"]
        row = store.record_decision(self.conn, sha, field_id, action, new_value=value, reviewer=self.reviewer,
                                    note=note, recheck=True)
        self.done.append((sha, field_id, action))
        if self._changed(sha, row):
            self._refresh(sha)
        else:  # the same value: the checks stand, only this field leaves the queue
            self._fields[sha].pop(self._at)
            self._drop_if_empty(sha)
            self._settle()
        return row

    def undo(self) -> dict | None:
        """Undo this session's latest decision; its field becomes current again."""
        if not self.done:
            return None
        sha, field_id, _action = self.done.pop()
        row = store.undo(self.conn, sha, field_id, reviewer=self.reviewer, recheck=True)
        self._changed(sha, row)
        self._refresh(sha, keep=field_id)
        return row

    def _changed(self, sha: str, row: dict | None) -> bool:
        """Bring the cached values and checks in line with a logged change; whether the value changed."""
        if row is None or store._same(row["old_value"], row["new_value"]):
            return False
        if sha in self._values and row["field_id"] in self._values[sha]:
            self._values[sha][row["field_id"]].value = store._plain(row["new_value"])
        self._checks.pop(sha, None)
        return True

    def _refresh(self, sha: str, keep: str | None = None) -> None:
        """Replace the document's queued fields by what the store queues now: the fields before
        the current position stay skipped, the rest follow in queue order.  With `keep` (an
        undone field) the document comes back where we are if it had left the queue, and that
        field becomes current."""
        fresh = store.review_queue(self.conn, self.threshold, sha256=sha)
        if sha not in self._docs:
            if fresh:
                self._docs.insert(self._doc, sha)
                self._fields[sha] = fresh
                self._at = 0
        else:
            d = self._docs.index(sha)
            old = self.fields_of(sha)
            before = {it["field_id"] for it in old[:self._at]} if d == self._doc else set()
            skipped = [it for it in fresh if it["field_id"] in before]
            self._fields[sha] = skipped + [it for it in fresh if it["field_id"] not in before]
            if d == self._doc:
                self._at = len(skipped)
            self._drop_if_empty(sha)
        if keep is not None and sha in self._docs:
            self._doc = self._docs.index(sha)
            self._at = next((i for i, it in enumerate(self._fields[sha]) if it["field_id"] == keep), self._at)
        self._settle()

    def _drop_if_empty(self, sha: str) -> None:
        """A document with nothing left queued leaves the list (the document count shrinks)."""
        if self._fields.get(sha) == []:
            d = self._docs.index(sha)
            del self._docs[d]
            del self._fields[sha]
            if d < self._doc:
                self._doc -= 1
            elif d == self._doc:
                self._at = 0


def result_of(conn: sqlite3.Connection, sha: str) -> Result:
    """The stored extraction of a document as a Result (pages, evidence), for crops."""
    data = store.stored_result(conn, sha)
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
