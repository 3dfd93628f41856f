"""The archive store: one SQLite file holding every document a batch read, its fields, its
checks, every path it was found under, and the append-only log of people's review decisions.

SQLite in WAL mode (readers never block the writer), foreign keys on, one transaction per
document, so a process killed at any instant leaves each document either wholly stored or
absent.  The schema version lives in `meta`; `MIGRATIONS` brings older files up to date.
Each document's whole extraction (the JSON contract) is kept zlib-compressed in
`documents.result_z` (`stored_result` decodes it); fields and checks are also rows, for queries.

`fields.current_value` is what exports use: the extracted value until a person reviews the
field.  Re-extracting never overwrites a reviewed value: `extracted_value` follows the new
extraction, `current_value` stays, and `conflict` is set when the new extraction differs from
the reviewed value and from the extraction the reviewer overruled (a reading nobody has seen).

    conn = store.open_store("archive.sqlite")
    store.upsert_result(conn, result, sources=[...], seconds=0.3, model_versions={...})
    for item in store.review_queue(conn): ...
    store.record_decision(conn, sha, field_id, "edit", new_value=12, reviewer="li")
    store.undo(conn, sha, field_id, reviewer="li")
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .model import CONFIDENT, Check, Evidence, FieldValue, Result

STATUSES = ("done", "needs_review", "failed")
ACTIONS = ("accept", "edit", "blank", "illegible", "reject", "undo")
# A document that could not be read at all has no content to hash; it is keyed by its path.
PATH_KEY_PREFIX = "path:"


class StoreError(RuntimeError):
    """The store file cannot be used (newer schema, not a govreport store, bad argument)."""


# --- schema and migrations -------------------------------------------------------------

_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE runs(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    argv TEXT NOT NULL DEFAULT '[]',
    model_versions_json TEXT NOT NULL DEFAULT '{}',
    summary_json TEXT
);

CREATE TABLE documents(
    sha256 TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('done', 'needs_review', 'failed')),
    template TEXT,
    hybrid INTEGER NOT NULL DEFAULT 0,
    year INTEGER,
    agency TEXT,
    error TEXT,
    pages_json TEXT NOT NULL DEFAULT '[]',
    seconds REAL,
    model_versions_json TEXT NOT NULL DEFAULT '{}',
    result_json TEXT NOT NULL,
    extracted_at TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX documents_status ON documents(status);

CREATE TABLE sources(
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    size INTEGER,
    mtime REAL,
    seen_at TEXT NOT NULL
);
CREATE INDEX sources_sha256 ON sources(sha256);

CREATE TABLE fields(
    sha256 TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    field_id TEXT NOT NULL,
    extracted_value REAL,
    current_value REAL,
    confidence REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    evidence_json TEXT NOT NULL DEFAULT '{}',
    candidates_json TEXT NOT NULL DEFAULT '[]',
    reasons_json TEXT NOT NULL DEFAULT '[]',
    reviewed INTEGER NOT NULL DEFAULT 0 CHECK (reviewed IN (0, 1)),
    conflict INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1)),
    PRIMARY KEY (sha256, field_id)
);
CREATE INDEX fields_queue ON fields(reviewed, confidence);

CREATE TABLE checks(
    sha256 TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    expected REAL,
    printed REAL,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1))
);
CREATE INDEX checks_sha256 ON checks(sha256);

-- no foreign key: the log outlives anything, and a decision is never lost with its document
CREATE TABLE review_log(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    field_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'edit', 'blank', 'illegible', 'reject', 'undo')),
    old_value REAL,
    new_value REAL,
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX review_log_field ON review_log(sha256, field_id, id);
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
    BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
    BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
-- a document with review decisions cannot be deleted (its cascade would drop reviewed values)
CREATE TRIGGER documents_keep_reviewed BEFORE DELETE ON documents
    WHEN EXISTS (SELECT 1 FROM review_log WHERE sha256 = OLD.sha256)
    BEGIN SELECT RAISE(ABORT, 'document has review decisions'); END;
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    """A migration running `sql` statement by statement inside the caller's transaction
    (executescript would commit first)."""
    def run(conn: sqlite3.Connection) -> None:
        statement = ""
        for line in sql.splitlines(keepends=True):
            if line.lstrip().startswith("--"):
                continue
            statement += line
            if sqlite3.complete_statement(statement):
                conn.execute(statement)
                statement = ""
        if statement.strip():
            raise StoreError(f"incomplete statement in a migration: {statement.strip()[:80]}")
    return run


def _v2(conn: sqlite3.Connection) -> None:
    """documents.result_json (the JSON contract as text, ~250 KB a document: most of the store
    and of its writing cost) becomes documents.result_z, the same JSON compact and
    zlib-compressed (~10 KB).  Rows are re-encoded one at a time: a store of thousands of
    documents does not fit in memory at once."""
    conn.execute("ALTER TABLE documents ADD COLUMN result_z BLOB")
    for (sha,) in conn.execute("SELECT sha256 FROM documents").fetchall():
        text = conn.execute("SELECT result_json FROM documents WHERE sha256 = ?", (sha,)).fetchone()[0]
        conn.execute("UPDATE documents SET result_z = ? WHERE sha256 = ?", (encode_result(json.loads(text)), sha))
    conn.execute("ALTER TABLE documents DROP COLUMN result_json")


def _v3(conn: sqlite3.Connection) -> None:
    """fields_queue (reviewed, confidence) goes: no query uses it (the queue's OR of conflict,
    status and confidence scans the fields), yet every stored field row updated it, at a random
    place in the index for each of ~200 rows a document (~15 % of the driver's store CPU)."""
    conn.execute("DROP INDEX IF EXISTS fields_queue")


# Ordered: MIGRATIONS[i] takes a store from schema version i to i + 1.  Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _script(_V1),
    _v2,
    _v3,
]
SCHEMA_VERSION = len(MIGRATIONS)


PAGE_SIZE = 16384


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def connect(path: str | Path, timeout: float = 60.0) -> sqlite3.Connection:
    """A connection with WAL, foreign keys, Row results and explicit transactions."""
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    # a new store only (a page size is fixed once the file has content): a document writes about
    # 200 KB, which 16 KiB pages write and checkpoint in a quarter of the system calls
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise StoreError(f"{path}: cannot switch the store to WAL mode (got {mode})")
    # WAL + NORMAL: a commit survives a killed process; only a power cut may lose the last ones
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT; ROLLBACK on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta:
        others = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if others:
            raise StoreError("not a govreport store (tables without a meta table)")
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the pending migrations, each in its own transaction; returns the schema version."""
    while True:
        with transaction(conn):
            version = schema_version(conn)
            if version > SCHEMA_VERSION:
                raise StoreError(f"store schema version {version} is newer than this govreport "
                                 f"({SCHEMA_VERSION}); upgrade govreport")
            if version == SCHEMA_VERSION:
                return version
            MIGRATIONS[version](conn)
            conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(version + 1),))


def open_store(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the store at `path`."""
    path = Path(path)
    if not create and not path.is_file():
        raise StoreError(f"{path}: no such store (run `govreport batch ... --db {path}` first)")
    try:
        conn = connect(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a usable SQLite store ({exc})") from exc
    try:
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a usable SQLite store ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return conn


# --- documents -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    path: str  # a file path, or `archive.zip!inner/path` for a zip member
    size: int | None = None
    mtime: float | None = None


def path_key(path: str) -> str:
    """The key of a document whose content could not be read (unreadable file, symlink loop)."""
    return PATH_KEY_PREFIX + hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()


def is_flagged(status: str, confidence: float, threshold: float = CONFIDENT) -> bool:
    """A field a person should look at (as the extraction left it)."""
    return status != "ok" or confidence < threshold


def document_status(result: dict) -> str:
    if result.get("template") is None:
        return "failed"
    failing = any(not c["ok"] for c in result.get("checks", []))
    flagged = any(is_flagged(f["status"], f["confidence"]) for f in result.get("fields", {}).values())
    return "needs_review" if failing or flagged else "done"


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


@dataclass
class Prepared:
    """One extraction already encoded as the store's rows.  A worker prepares it where it read
    the document, so the one process that writes the store only binds rows: encoding a result
    (about 200 KB of JSON, three small JSON values per field) costs more than storing it."""

    sha256: str  # the content read ("" when nothing could be read)
    source: str
    status: str
    template: str | None
    hybrid: int
    year: int | None
    agency: str | None
    errors: list[str]
    pages: int
    pages_json: str
    result_z: bytes  # the whole JSON contract, `encode_result`: compressed where it was read
    # (field_id, value, confidence, status, evidence_json, candidates_json, reasons_json)
    fields: list[tuple]
    checks: list[tuple]  # (rule, fields_json, expected, printed, ok)


# json.dumps(x, ensure_ascii=False, separators=(",", ":")) without building an encoder per
# call (up to 600 calls a document)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# zlib level 3: the contract (per-field signal names repeated ~6,000 times) shrinks ~20×; higher
# levels save a few KB more for twice the time
ZLIB_LEVEL = 3


def encode_result(data: dict) -> bytes:
    """documents.result_z: the JSON contract, compact, UTF-8, zlib-compressed."""
    return zlib.compress(_dumps(data).encode("utf-8"), ZLIB_LEVEL)


def decode_result(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob))


def stored_result(conn: sqlite3.Connection, sha: str) -> dict | None:
    """The JSON contract of the document's last extraction (what `govreport extract` printed
    for it), or None when no such document is stored."""
    row = conn.execute("SELECT result_z FROM documents WHERE sha256 = ?", (sha,)).fetchone()
    return None if row is None else decode_result(row[0])


def prepare(result: Result | dict) -> Prepared:
    """The rows of one extraction (the JSON contract)."""
    data = result.as_dict() if isinstance(result, Result) else result
    # most fields have no candidates and no reasons: no encoder call for those
    fields = [(field_id, _num(f.get("value")), float(f.get("confidence", 0.0)), f.get("status", "missing"),
               _dumps(f.get("evidence") or {}), _dumps(f["candidates"]) if f.get("candidates") else "[]",
               _dumps(f["reasons"]) if f.get("reasons") else "[]")
              for field_id, f in data.get("fields", {}).items()]
    checks = [(c["rule"], _dumps(c["fields"]), c["expected"], c["printed"], int(bool(c["ok"])))
              for c in data.get("checks", [])]
    return Prepared(data.get("sha256") or "", data.get("source") or "", document_status(data), data.get("template"),
                    int(bool(data.get("hybrid"))), data.get("year"), data.get("agency"), list(data.get("errors") or []),
                    len(data.get("pages") or []), _dumps(data.get("pages", [])), encode_result(data),
                    fields, checks)


_INSERT_FIELD = ("INSERT INTO fields(sha256, field_id, extracted_value, current_value, confidence, status, "
                 "evidence_json, candidates_json, reasons_json, reviewed, conflict) VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def upsert_result(conn: sqlite3.Connection, result: Result | dict | Prepared, sources: Iterable[Source] = (),
                  seconds: float | None = None, model_versions: dict | None = None,
                  run_id: int | None = None, key: str | None = None) -> str:
    """Store one extraction (the JSON contract, or its `prepare`d rows) and the paths it was
    found under, in one transaction.  Returns what happened: "inserted", "updated", or "kept"
    (a failed extraction of a document already stored with values: nothing stored changes).

    Reviewed fields keep their current_value; `conflict` is set where the new extraction
    differs.  Unreviewed fields take the new extraction; fields the new extraction no longer
    has are dropped unless reviewed."""
    rec = result if isinstance(result, Prepared) else prepare(result)
    sha = key or rec.sha256
    if not sha:
        raise StoreError(f"{rec.source}: a result without sha256 needs an explicit key")
    versions = json.dumps(model_versions or {}, ensure_ascii=False, sort_keys=True)
    with transaction(conn):
        old = conn.execute("SELECT status FROM documents WHERE sha256 = ?", (sha,)).fetchone()
        if old is not None and rec.status == "failed" and old["status"] != "failed":
            _add_sources(conn, sha, sources)
            return "kept"
        conn.execute(
            "INSERT INTO documents(sha256, status, template, hybrid, year, agency, error, pages_json, seconds, "
            "model_versions_json, result_z, extracted_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(sha256) DO UPDATE SET status = excluded.status, template = excluded.template, "
            "hybrid = excluded.hybrid, year = excluded.year, agency = excluded.agency, error = excluded.error, "
            "pages_json = excluded.pages_json, seconds = excluded.seconds, "
            "model_versions_json = excluded.model_versions_json, result_z = excluded.result_z, "
            "extracted_at = excluded.extracted_at, run_id = excluded.run_id",
            (sha, rec.status, rec.template, rec.hybrid, rec.year, rec.agency, "; ".join(rec.errors) or None,
             rec.pages_json, seconds, versions, rec.result_z, _now(), run_id))
        if old is None:  # a new document has no rows yet (they cascade with their document)
            conn.executemany(_INSERT_FIELD, [(sha, f[0], f[1], f[1], *f[2:], 0, 0) for f in rec.fields])
        else:
            _write_fields(conn, sha, rec.fields)
            conn.execute("DELETE FROM checks WHERE sha256 = ?", (sha,))
        conn.executemany("INSERT INTO checks(sha256, rule, fields_json, expected, printed, ok) VALUES (?,?,?,?,?,?)",
                         [(sha, *c) for c in rec.checks])
        _add_sources(conn, sha, sources)
        if old is not None:
            _refresh_status(conn, sha)
    return "inserted" if old is None else "updated"


def _write_fields(conn: sqlite3.Connection, sha: str, fields: list[tuple]) -> None:
    """A re-extraction's field rows (`Prepared.fields`) over the stored ones."""
    old = {r["field_id"]: r for r in conn.execute(
        "SELECT field_id, extracted_value, current_value, reviewed, conflict FROM fields WHERE sha256 = ?", (sha,))}
    rows = []
    for field_id, value, *rest in fields:
        prev = old.get(field_id)
        reviewed = bool(prev and prev["reviewed"])
        current = prev["current_value"] if reviewed else value
        # a conflict is a reading the reviewer has not seen: the new value differs from the
        # reviewed one and from the extraction the reviewer overruled (or a conflict stays open)
        conflict = reviewed and not _same(current, value) and (
            bool(prev["conflict"]) or not _same(prev["extracted_value"], value))
        rows.append((sha, field_id, value, current, *rest, int(reviewed), int(conflict)))
    conn.executemany(
        _INSERT_FIELD + " ON CONFLICT(sha256, field_id) DO UPDATE SET extracted_value = excluded.extracted_value, "
        "current_value = excluded.current_value, confidence = excluded.confidence, status = excluded.status, "
        "evidence_json = excluded.evidence_json, candidates_json = excluded.candidates_json, "
        "reasons_json = excluded.reasons_json, reviewed = excluded.reviewed, conflict = excluded.conflict", rows)
    kept = {f[0] for f in fields}
    for field_id, prev in old.items():
        if field_id in kept:
            continue
        if prev["reviewed"]:  # the new extraction lost a field a person decided: keep it, flag it
            conn.execute("UPDATE fields SET extracted_value = NULL, status = 'missing', confidence = 0, "
                         "conflict = ? WHERE sha256 = ? AND field_id = ?",
                         (int(prev["current_value"] is not None), sha, field_id))
        else:
            conn.execute("DELETE FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id))


def _add_sources(conn: sqlite3.Connection, sha: str, sources: Iterable[Source]) -> None:
    now = _now()
    for src in sources:
        prev = conn.execute("SELECT sha256 FROM sources WHERE path = ?", (src.path,)).fetchone()
        conn.execute("INSERT INTO sources(path, sha256, size, mtime, seen_at) VALUES (?,?,?,?,?) "
                     "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
                     "mtime = excluded.mtime, seen_at = excluded.seen_at", (src.path, sha, src.size, src.mtime, now))
        if prev is not None and prev["sha256"] != sha and prev["sha256"].startswith(PATH_KEY_PREFIX):
            # the path could not be read before and now can: its placeholder document goes
            conn.execute("DELETE FROM documents WHERE sha256 = ? AND NOT EXISTS "
                         "(SELECT 1 FROM sources WHERE sha256 = ?)", (prev["sha256"], prev["sha256"]))


def add_sources(conn: sqlite3.Connection, sha: str, sources: Iterable[Source]) -> None:
    """Record more paths of an already stored document (a duplicate found again)."""
    with transaction(conn):
        _add_sources(conn, sha, sources)


def document(conn: sqlite3.Connection, sha: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM documents WHERE sha256 = ?", (sha,)).fetchone()


def stored_keys(conn: sqlite3.Connection) -> dict[str, tuple[str, dict]]:
    """sha256 -> (status, model versions) of every stored document."""
    return {r["sha256"]: (r["status"], json.loads(r["model_versions_json"] or "{}"))
            for r in conn.execute("SELECT sha256, status, model_versions_json FROM documents")}


def source_paths(conn: sqlite3.Connection, sha: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT path FROM sources WHERE sha256 = ? ORDER BY path", (sha,))]


# --- runs ------------------------------------------------------------------------------------

def start_run(conn: sqlite3.Connection, argv: list[str], model_versions: dict) -> int:
    with transaction(conn):
        cur = conn.execute("INSERT INTO runs(started_at, argv, model_versions_json) VALUES (?,?,?)",
                           (_now(), json.dumps(argv, ensure_ascii=False),
                            json.dumps(model_versions, ensure_ascii=False, sort_keys=True)))
    return int(cur.lastrowid)


def finish_run(conn: sqlite3.Connection, run_id: int, summary: dict) -> None:
    with transaction(conn):
        conn.execute("UPDATE runs SET finished_at = ?, summary_json = ? WHERE id = ?",
                     (_now(), json.dumps(summary, ensure_ascii=False), run_id))


# --- review ----------------------------------------------------------------------------------

def failing_fields(conn: sqlite3.Connection, sha: str | None = None) -> dict[str, set[str]]:
    """sha256 -> fields taking part in a failing check."""
    sql = "SELECT sha256, fields_json FROM checks WHERE ok = 0" + (" AND sha256 = ?" if sha else "")
    out: dict[str, set[str]] = {}
    for row in conn.execute(sql, (sha,) if sha else ()):
        out.setdefault(row["sha256"], set()).update(json.loads(row["fields_json"]))
    return out


def in_queue(row: sqlite3.Row, failing: set[str], threshold: float) -> bool:
    if row["conflict"]:
        return True
    if row["reviewed"]:
        return False
    return is_flagged(row["status"], row["confidence"], threshold) or row["field_id"] in failing


def _queue_filter(agency: str | None, year: int | None, sha256: str | None) -> tuple[list[str], list]:
    where, args = ["d.status != 'failed'"], []
    if agency:
        where.append("d.agency LIKE ?")
        args.append(f"%{agency}%")
    if year:
        where.append("d.year = ?")
        args.append(int(year))
    if sha256:
        where.append("d.sha256 = ?")
        args.append(sha256)
    return where, args


def review_queue(conn: sqlite3.Connection, threshold: float = CONFIDENT, agency: str | None = None,
                 year: int | None = None, sha256: str | None = None, limit: int | None = None) -> list[dict]:
    """Fields a person should look at: unreviewed fields below `threshold` confidence, not
    `ok`, or in a failing check; and reviewed fields whose re-extraction disagrees (conflict).
    Documents in order of their least confident queued field, fields within a document
    lowest confidence first (ties in field id order)."""
    where, args = _queue_filter(agency, year, sha256)
    rows = conn.execute(
        "SELECT f.*, d.agency, d.year, d.template, d.hybrid FROM fields f JOIN documents d USING (sha256) "
        f"WHERE {' AND '.join(where)} AND (f.reviewed = 0 OR f.conflict = 1)", args).fetchall()
    failing = failing_fields(conn, sha256)
    items = [dict(r) for r in rows if in_queue(r, failing.get(r["sha256"], set()), threshold)]
    items.sort(key=_queue_order(items))
    for it in items:
        it["in_failing_check"] = it["field_id"] in failing.get(it["sha256"], set())
        for name in ("evidence", "candidates", "reasons"):
            it[name] = json.loads(it.pop(f"{name}_json"))
    return items[:limit] if limit else items


def _queue_order(items: list) -> Callable:
    """The queue's sort key: documents by their least confident queued field, then fields by confidence."""
    lowest: dict[str, float] = {}
    for it in items:
        lowest[it["sha256"]] = min(lowest.get(it["sha256"], 1.0), it["confidence"])
    return lambda it: (lowest[it["sha256"]], it["sha256"], it["confidence"], it["field_id"])


def queue_documents(conn: sqlite3.Connection, threshold: float = CONFIDENT, agency: str | None = None,
                    year: int | None = None) -> list[tuple[str, int]]:
    """(sha256, number of queued fields) of the documents `review_queue` lists, in its order,
    without reading the fields' evidence: a review session loads a document's fields when it
    gets there (`review_queue(sha256=...)`).  Reads only the flagged rows and, by primary key,
    the fields of failing checks, not every unreviewed row."""
    where, args = _queue_filter(agency, year, None)
    cond = " AND ".join(where)
    flagged = conn.execute(
        "SELECT f.sha256, f.field_id, f.confidence FROM fields f JOIN documents d USING (sha256) "
        f"WHERE {cond} AND (f.conflict = 1 OR (f.reviewed = 0 AND (f.status != 'ok' OR f.confidence < ?)))",
        [*args, threshold]).fetchall()
    # the failing checks' (document, field) pairs first, then their rows by primary key
    in_failing = conn.execute(
        "WITH bad(sha256, field_id) AS MATERIALIZED (SELECT DISTINCT c.sha256, j.value FROM checks c, "
        "json_each(c.fields_json) j WHERE c.ok = 0) "
        "SELECT f.sha256, f.field_id, f.confidence FROM bad CROSS JOIN fields f ON f.sha256 = bad.sha256 "
        f"AND f.field_id = bad.field_id JOIN documents d ON d.sha256 = f.sha256 WHERE f.reviewed = 0 AND {cond}",
        args).fetchall()
    rows = list({(r["sha256"], r["field_id"]): r for r in flagged + in_failing}.values())
    rows.sort(key=_queue_order(rows))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["sha256"]] = counts.get(r["sha256"], 0) + 1
    return list(counts.items())


def queue_size(conn: sqlite3.Connection, threshold: float = CONFIDENT) -> int:
    # counted from queue_documents' rows: review_queue would decode every queued field's JSON
    return sum(n for _, n in queue_documents(conn, threshold))


def _refresh_status(conn: sqlite3.Connection, sha: str) -> None:
    """needs_review while any field is queued, done once none is (failed stays failed)."""
    failing = failing_fields(conn, sha).get(sha, set())
    rows = conn.execute("SELECT field_id, status, confidence, reviewed, conflict FROM fields WHERE sha256 = ?",
                        (sha,)).fetchall()
    queued = any(in_queue(r, failing, CONFIDENT) for r in rows)
    conn.execute("UPDATE documents SET status = ? WHERE sha256 = ? AND status != 'failed'",
                 ("needs_review" if queued else "done", sha))


def _field(conn: sqlite3.Connection, sha: str, field_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    if row is None:
        raise StoreError(f"no field {field_id} in document {sha}")
    return row


def _decided_value(action: str, field: sqlite3.Row, new_value: float | None) -> float | None:
    if action == "accept":
        return field["current_value"] if new_value is None else float(new_value)
    if action == "edit":
        if new_value is None:
            raise StoreError("an edit needs a value")
        return float(new_value)
    if action == "blank":
        # the cell is printed empty: the template has no "not applicable" count cells, and the
        # extraction reads a printed blank marker (—, /, 无) as 0 the same way
        return 0.0
    return None  # illegible: no value can be read; reject: the value is wrong, none given


def record_decision(conn: sqlite3.Connection, sha: str, field_id: str, action: str,
                    new_value: float | None = None, reviewer: str = "", note: str | None = None,
                    recheck: bool = False) -> dict:
    """Log a person's decision and apply it to current_value, in one transaction.

    accept: the current value is right (or `new_value`, e.g. the extraction's value when
    resolving a conflict); edit: `new_value`; blank: the cell is printed empty (0);
    illegible / reject: no value (NULL).  Clears the conflict flag.  With `recheck`, a changed
    value re-runs the document's checks in the same transaction.  Returns the log row."""
    if action not in ACTIONS or action == "undo":
        raise StoreError(f"unknown decision {action!r}; one of {', '.join(a for a in ACTIONS if a != 'undo')}")
    if not reviewer:
        raise StoreError("a decision needs a reviewer name")
    with transaction(conn):
        field = _field(conn, sha, field_id)
        value = _decided_value(action, field, new_value)
        cur = conn.execute(
            "INSERT INTO review_log(sha256, field_id, action, old_value, new_value, reviewer, at, note) "
            "VALUES (?,?,?,?,?,?,?,?)", (sha, field_id, action, field["current_value"], value, reviewer, _now(), note))
        conn.execute("UPDATE fields SET current_value = ?, reviewed = 1, conflict = 0 WHERE sha256 = ? "
                     "AND field_id = ?", (value, sha, field_id))
        if recheck and not _same(value, field["current_value"]):
            _store_checks(conn, sha, checks_for(conn, sha))
        _refresh_status(conn, sha)
        return dict(conn.execute("SELECT * FROM review_log WHERE id = ?", (cur.lastrowid,)).fetchone())


def _effective(conn: sqlite3.Connection, sha: str, field_id: str) -> list[sqlite3.Row]:
    """The decisions still in force for a field, oldest first (undo pops the latest)."""
    stack: list[sqlite3.Row] = []
    for row in conn.execute("SELECT * FROM review_log WHERE sha256 = ? AND field_id = ? ORDER BY id",
                            (sha, field_id)):
        if row["action"] == "undo":
            if stack:
                stack.pop()
        else:
            stack.append(row)
    return stack


def undo(conn: sqlite3.Connection, sha: str, field_id: str, reviewer: str = "",
         note: str | None = None, recheck: bool = False) -> dict | None:
    """Undo the latest decision in force on a field: current_value goes back to what it was
    before it, `reviewed` to whether an earlier decision remains.  Logged as an `undo` row
    (with `recheck`, a changed value re-runs the checks in the same transaction).
    Returns the log row, or None when there is nothing to undo."""
    if not reviewer:
        raise StoreError("an undo needs a reviewer name")
    with transaction(conn):
        field = _field(conn, sha, field_id)
        stack = _effective(conn, sha, field_id)
        if not stack:
            return None
        last = stack.pop()
        restored = last["old_value"] if stack else field["extracted_value"]
        cur = conn.execute(
            "INSERT INTO review_log(sha256, field_id, action, old_value, new_value, reviewer, at, note) "
            "VALUES (?, ?, 'undo', ?, ?, ?, ?, ?)",
            (sha, field_id, field["current_value"], restored, reviewer, _now(), note or f"undo of #{last['id']}"))
        reviewed = bool(stack)
        conflict = reviewed and not _same(restored, field["extracted_value"]) and bool(field["conflict"])
        conn.execute("UPDATE fields SET current_value = ?, reviewed = ?, conflict = ? WHERE sha256 = ? "
                     "AND field_id = ?", (restored, int(reviewed), int(conflict), sha, field_id))
        if recheck and not _same(restored, field["current_value"]):
            _store_checks(conn, sha, checks_for(conn, sha))
        _refresh_status(conn, sha)
        return dict(conn.execute("SELECT * FROM review_log WHERE id = ?", (cur.lastrowid,)).fetchone())


def review_log(conn: sqlite3.Connection, sha: str | None = None) -> list[dict]:
    sql = "SELECT * FROM review_log" + (" WHERE sha256 = ?" if sha else "") + " ORDER BY id"
    return [dict(r) for r in conn.execute(sql, (sha,) if sha else ())]


# --- checks from current values ----------------------------------------------------------------

def template_key(row: sqlite3.Row) -> str | None:
    from .schema import HYBRID

    if row["template"] is None:
        return None
    return HYBRID if row["hybrid"] else row["template"]


def _plain(value: float | None) -> float | int | None:
    """A stored REAL as the extraction gave it: whole numbers as int."""
    return int(value) if value is not None and float(value).is_integer() else value


def current_fields(conn: sqlite3.Connection, sha: str) -> dict[str, FieldValue]:
    """The document's fields as FieldValues carrying current values (what exports show)."""
    out = {}
    for r in conn.execute("SELECT * FROM fields WHERE sha256 = ? ORDER BY field_id", (sha,)):
        ev = json.loads(r["evidence_json"] or "{}")
        out[r["field_id"]] = FieldValue(_plain(r["current_value"]), r["confidence"], r["status"],
                                        Evidence(ev.get("page"), tuple(ev["bbox"]) if ev.get("bbox") else None,
                                                 ev.get("text", "")),
                                        json.loads(r["candidates_json"]), json.loads(r["reasons_json"]))
    return out


def checks_for(conn: sqlite3.Connection, sha: str, overrides: dict[str, float | None] | None = None) -> list[Check]:
    """The template's checks over the current values (plus `overrides`, e.g. an edit being
    considered) — without storing anything."""
    doc = conn.execute("SELECT template, hybrid FROM documents WHERE sha256 = ?", (sha,)).fetchone()
    if doc is None:
        raise StoreError(f"no document {sha}")
    key = template_key(doc)
    if key is None:
        return []
    # the rules read values only: the evidence JSON current_fields decodes is not needed
    values = {r[0]: FieldValue(_plain(r[1])) for r in conn.execute(
        "SELECT field_id, current_value FROM fields WHERE sha256 = ?", (sha,))}
    return template_checks(key, values, overrides)


def template_checks(key: str, fields: dict[str, FieldValue],
                    overrides: dict[str, float | None] | None = None) -> list[Check]:
    """The checks of template `key` over `fields` (not changed) with `overrides` in place."""
    from .schema import load_template
    from .validate import run_checks

    fields = dict(fields)
    for field_id, value in (overrides or {}).items():
        if field_id in fields:
            fields[field_id] = FieldValue(value)
    template = load_template(key)
    for field_id in template.field_ids():  # a field absent from the store is simply missing
        fields.setdefault(field_id, FieldValue())
    return run_checks(template, fields)


def rerun_checks(conn: sqlite3.Connection, sha: str) -> list[Check]:
    """Re-run the document's checks from current values and store them (one transaction)."""
    with transaction(conn):
        checks = checks_for(conn, sha)
        _store_checks(conn, sha, checks)
        _refresh_status(conn, sha)
    return checks


def _store_checks(conn: sqlite3.Connection, sha: str, checks: list[Check]) -> None:
    conn.execute("DELETE FROM checks WHERE sha256 = ?", (sha,))
    conn.executemany(
        "INSERT INTO checks(sha256, rule, fields_json, expected, printed, ok) VALUES (?,?,?,?,?,?)",
        [(sha, c.rule, _dumps(c.fields), c.expected, c.printed, int(c.ok)) for c in checks])


# --- summaries -------------------------------------------------------------------------------

def counts(conn: sqlite3.Connection, column: str) -> list[tuple[Any, int]]:
    if column not in ("status", "template", "year", "agency"):
        raise StoreError(f"cannot count by {column}")
    return [(r[0], r[1]) for r in conn.execute(
        f"SELECT {column}, count(*) FROM documents GROUP BY {column} ORDER BY count(*) DESC, {column}")]

