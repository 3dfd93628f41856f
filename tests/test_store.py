"""The archive store: schema and migrations, one transaction per document, reviewed values
that survive re-extraction, the append-only review log, undo, checks from current values."""
import copy
import json
import sqlite3
from pathlib import Path

import pytest

from pipeline import store
from pipeline.extract import extract_file
from pipeline.store import Source, StoreError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "xixia_2020_text.txt"


@pytest.fixture(scope="module")
def extracted() -> dict:
    """A real 2019-template report as the extraction's JSON contract."""
    result = extract_file(SAMPLE).as_dict()
    assert result["template"] == "2019" and result["fields"]
    return result


@pytest.fixture
def conn(tmp_path):
    c = store.open_store(tmp_path / "archive.sqlite")
    yield c
    c.close()


def a_field_in_a_rule(result: dict) -> str:
    """A field taking part in a passing check: editing it breaks that check."""
    return next(c["fields"][0] for c in result["checks"] if c["ok"])


def test_new_store_is_wal_with_foreign_keys_and_versioned_schema(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = store.open_store(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version(conn) == store.SCHEMA_VERSION == len(store.MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "documents", "sources", "fields", "checks", "review_log", "runs"} <= tables
    conn.close()
    # reopening migrates nothing and keeps the version
    conn = store.open_store(path)
    assert store.schema_version(conn) == store.SCHEMA_VERSION
    conn.close()


def test_store_written_by_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = store.open_store(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(store.SCHEMA_VERSION + 1),))
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        store.open_store(path)


def test_foreign_sqlite_file_and_garbage_are_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t(x)")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="not a govreport store"):
        store.open_store(other)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        store.open_store(garbage)


def write_v1_store(path: Path, results: list[dict]) -> None:
    """A store as schema version 1 wrote it (its DDL, its rows: the result as JSON text in
    documents.result_json, the small JSON values with the default separators), with one
    field reviewed twice and a failed document."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    store._script(store._V1)(conn)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO runs(started_at, finished_at, argv, model_versions_json, summary_json) "
                 "VALUES ('2026-12-01T08:00:00.000+00:00', '2026-12-01T08:01:00.000+00:00', '[\"govreport\"]', "
                 "'{\"ocr\": \"x\"}', '{\"documents\": 2}')")
    for i, res in enumerate(results):
        sha = res["sha256"]
        conn.execute(
            "INSERT INTO documents(sha256, status, template, hybrid, year, agency, error, pages_json, seconds, "
            "model_versions_json, result_json, extracted_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1)",
            (sha, store.document_status(res), res["template"], int(res["hybrid"]), res["year"], res["agency"],
             "; ".join(res["errors"]) or None, json.dumps(res["pages"], ensure_ascii=False), 0.25 + i,
             '{"ocr": "x"}', json.dumps(res, ensure_ascii=False), f"2026-12-01T08:00:0{i}.000+00:00"))
        conn.executemany(
            "INSERT INTO fields(sha256, field_id, extracted_value, current_value, confidence, status, evidence_json, "
            "candidates_json, reasons_json) VALUES (?,?,?,?,?,?,?,?,?)",
            [(sha, fid, f["value"], f["value"], f["confidence"], f["status"],
              json.dumps(f["evidence"], ensure_ascii=False), json.dumps(f.get("candidates", []), ensure_ascii=False),
              json.dumps(f.get("reasons", []), ensure_ascii=False)) for fid, f in res["fields"].items()])
        conn.executemany("INSERT INTO checks(sha256, rule, fields_json, expected, printed, ok) VALUES (?,?,?,?,?,?)",
                         [(sha, c["rule"], json.dumps(c["fields"]), c["expected"], c["printed"], int(c["ok"]))
                          for c in res["checks"]])
        conn.execute("INSERT INTO sources(path, sha256, size, mtime, seen_at) VALUES (?,?,?,?,?)",
                     (f"archive/{i}.txt", sha, 1000 + i, 1.5e9, "2026-12-01T08:00:00.000+00:00"))
    sha, field_id = results[0]["sha256"], next(iter(results[0]["fields"]))
    old = results[0]["fields"][field_id]["value"]
    for n, (action, before, after) in enumerate((("edit", old, 12345.0), ("edit", 12345.0, 777.0))):
        conn.execute("INSERT INTO review_log(sha256, field_id, action, old_value, new_value, reviewer, at, note) "
                     "VALUES (?,?,?,?,?,'li',?,NULL)", (sha, field_id, action, before, after,
                                                        f"2026-12-01T09:00:0{n}.000+00:00"))
    conn.execute("UPDATE fields SET current_value = 777.0, reviewed = 1 WHERE sha256 = ? AND field_id = ?",
                 (sha, field_id))
    conn.execute("COMMIT")
    conn.close()


def rows(path: Path) -> dict:
    conn = sqlite3.connect(path)
    out = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")))
           for t in ("runs", "sources", "fields", "checks", "review_log")}
    out["documents"] = sorted(map(tuple, conn.execute(
        "SELECT sha256, status, template, hybrid, year, agency, error, pages_json, seconds, model_versions_json, "
        "extracted_at, run_id FROM documents")))
    conn.close()
    return out


def test_a_version_1_store_migrates_keeping_every_row_and_review(tmp_path, extracted):
    other = copy.deepcopy(extracted)
    other["sha256"] = "b" * 64
    field_id = next(iter(other["fields"]))
    other["fields"][field_id]["value"] = 4321  # a second document that differs from the first
    failed = {"source": "bad.pdf", "sha256": "c" * 64, "template": None, "hybrid": False, "agency": None,
              "year": None, "fields": {}, "checks": [], "errors": ["cannot read: truncated"], "pages": []}
    path = tmp_path / "old.sqlite"
    write_v1_store(path, [extracted, other, failed])
    before = rows(path)

    conn = store.open_store(path)
    assert store.schema_version(conn) == store.SCHEMA_VERSION == 3
    columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    assert "result_json" not in columns and "result_z" in columns
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not conn.execute("PRAGMA foreign_key_check").fetchall()
    # every row of every table as it was; the results decode to the JSON the old store held
    assert rows(path) == before
    for res in (extracted, other, failed):
        assert store.stored_result(conn, res["sha256"]) == res
    # the review survives: the reviewed value stays through a re-extraction, and undo walks the log back
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted, [Source("archive/0.txt")])
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert row["current_value"] == 777.0 and row["reviewed"] == 1
    store.undo(conn, sha, field_id, reviewer="li")
    assert store.current_fields(conn, sha)[field_id].value == 12345
    store.undo(conn, sha, field_id, reviewer="li")
    assert store.current_fields(conn, sha)[field_id].value == extracted["fields"][field_id]["value"]
    conn.close()


def test_the_review_queue_queries_need_no_index_beyond_the_keys(conn, extracted):
    """Every index costs the batch driver a write per field row; the queue's queries scan the
    fields or look them up by key, so an index they never use must not exist."""
    store.upsert_result(conn, extracted, [Source("a/x.txt")])
    indexed = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'fields' "
                                          "AND name NOT LIKE 'sqlite_autoindex%'")}
    plans = []
    real_execute = conn.execute

    def explaining(sql, *args):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            plans.append(" ".join(r[3] for r in real_execute("EXPLAIN QUERY PLAN " + sql, *args)))
        return real_execute(sql, *args)

    class Explaining:
        def __getattr__(self, name):
            return explaining if name == "execute" else getattr(conn, name)

    store.queue_documents(Explaining())
    store.review_queue(Explaining())
    assert len(plans) >= 3
    used = {name for name in indexed if any(name in p for p in plans)}
    assert indexed == used, f"indexes on fields that no queue query uses: {indexed - used}"


def test_missing_store_is_not_created_when_reading(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        store.open_store(tmp_path / "absent.sqlite", create=False)
    assert not (tmp_path / "absent.sqlite").exists()


def test_upsert_stores_document_fields_checks_and_sources(conn, extracted):
    sha = extracted["sha256"]
    outcome = store.upsert_result(conn, extracted, [Source("a/x.txt", 10, 1.0), Source("b.zip!x.txt", 10)],
                                  seconds=0.5, model_versions={"govreport": "t"})
    assert outcome == "inserted"
    doc = store.document(conn, sha)
    assert doc["template"] == "2019" and doc["year"] == 2020 and doc["agency"] == extracted["agency"]
    flagged = any(store.is_flagged(f["status"], f["confidence"]) for f in extracted["fields"].values())
    assert doc["status"] == ("needs_review" if flagged else "done")
    n_fields = conn.execute("SELECT count(*) FROM fields WHERE sha256 = ?", (sha,)).fetchone()[0]
    assert n_fields == len(extracted["fields"])
    same = conn.execute("SELECT count(*) FROM fields WHERE sha256 = ? AND current_value IS extracted_value",
                        (sha,)).fetchone()[0]
    assert same == n_fields
    assert conn.execute("SELECT count(*) FROM checks WHERE sha256 = ?", (sha,)).fetchone()[0] == len(extracted["checks"])
    assert store.source_paths(conn, sha) == ["a/x.txt", "b.zip!x.txt"]


def test_reviewed_value_survives_reextraction_and_conflict_is_flagged(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    old = extracted["fields"][field_id]["value"]
    store.record_decision(conn, sha, field_id, "edit", new_value=old + 7, reviewer="li")

    # a newer model reads the same cell as something else
    newer = copy.deepcopy(extracted)
    newer["fields"][field_id]["value"] = old + 1
    assert store.upsert_result(conn, newer, model_versions={"label_classifier": "v2"}) == "updated"
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert row["extracted_value"] == old + 1
    assert row["current_value"] == old + 7
    assert row["reviewed"] == 1 and row["conflict"] == 1
    assert any(it["field_id"] == field_id for it in store.review_queue(conn))

    # the same re-extraction of an unreviewed field simply updates it
    other = next(f for f in extracted["fields"] if f != field_id and extracted["fields"][f]["value"] is not None)
    newer["fields"][other]["value"] = extracted["fields"][other]["value"] + 3
    store.upsert_result(conn, newer)
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, other)).fetchone()
    assert row["current_value"] == row["extracted_value"] == extracted["fields"][other]["value"] + 3
    assert row["conflict"] == 0

    # the reviewer resolves the conflict by accepting the new extraction
    store.record_decision(conn, sha, field_id, "accept", new_value=old + 1, reviewer="li")
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert row["current_value"] == old + 1 and row["conflict"] == 0


def test_reextraction_agreeing_with_the_reviewer_is_no_conflict(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    store.record_decision(conn, sha, field_id, "accept", reviewer="li")
    store.upsert_result(conn, extracted)
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert row["reviewed"] == 1 and row["conflict"] == 0


def test_reextraction_repeating_the_overruled_value_is_no_conflict(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    old = extracted["fields"][field_id]["value"]
    store.record_decision(conn, sha, field_id, "edit", new_value=old + 7, reviewer="li")
    store.upsert_result(conn, extracted)  # the same misreading again: the reviewer has seen it
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert (row["current_value"], row["conflict"]) == (old + 7, 0)


def test_reviewed_field_the_new_extraction_lacks_is_kept(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    unreviewed = next(f for f in extracted["fields"] if f != field_id)
    store.record_decision(conn, sha, field_id, "accept", reviewer="li")
    newer = copy.deepcopy(extracted)
    del newer["fields"][field_id], newer["fields"][unreviewed]
    store.upsert_result(conn, newer)
    row = conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
    assert row["current_value"] == extracted["fields"][field_id]["value"]
    assert row["extracted_value"] is None and row["conflict"] == 1
    assert conn.execute("SELECT count(*) FROM fields WHERE sha256 = ? AND field_id = ?",
                        (sha, unreviewed)).fetchone()[0] == 0


def test_failed_reextraction_changes_nothing_stored(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted, [Source("first.txt")])
    before = store.document(conn, sha)["result_z"]
    failed = {"source": "copy.txt", "sha256": sha, "template": None, "fields": {}, "checks": [],
              "errors": ["OCR unavailable"], "pages": []}
    assert store.upsert_result(conn, failed, [Source("copy.txt")]) == "kept"
    doc = store.document(conn, sha)
    assert doc["result_z"] == before and doc["status"] != "failed"
    assert store.source_paths(conn, sha) == ["copy.txt", "first.txt"]


def test_upsert_is_one_transaction(conn, extracted):
    """A failure midway (here: a field without a status) leaves no trace of the document."""
    broken = copy.deepcopy(extracted)
    broken["fields"][next(iter(broken["fields"]))]["status"] = None
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_result(conn, broken, [Source("x.txt")])
    for table in ("documents", "fields", "checks", "sources"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_review_log_is_append_only(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    store.record_decision(conn, sha, field_id, "accept", reviewer="li")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE review_log SET new_value = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM review_log")
    with pytest.raises(sqlite3.IntegrityError, match="review decisions"):
        conn.execute("DELETE FROM documents WHERE sha256 = ?", (sha,))
    assert len(store.review_log(conn, sha)) == 1


def test_decisions_and_undo_restore_values_step_by_step(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    original = extracted["fields"][field_id]["value"]

    def current():
        return conn.execute("SELECT current_value, reviewed FROM fields WHERE sha256 = ? AND field_id = ?",
                            (sha, field_id)).fetchone()

    log = store.record_decision(conn, sha, field_id, "edit", new_value=42, reviewer="li", note="stamp over cell")
    assert (log["old_value"], log["new_value"], log["reviewer"]) == (original, 42, "li")
    store.record_decision(conn, sha, field_id, "illegible", reviewer="wang")
    assert tuple(current()) == (None, 1)
    store.undo(conn, sha, field_id, reviewer="wang")
    assert tuple(current()) == (42, 1)
    store.undo(conn, sha, field_id, reviewer="li")
    assert tuple(current()) == (original, 0)
    assert store.undo(conn, sha, field_id, reviewer="li") is None
    store.record_decision(conn, sha, field_id, "blank", reviewer="li")
    assert tuple(current()) == (0, 1)
    actions = [r["action"] for r in store.review_log(conn, sha)]
    assert actions == ["edit", "illegible", "undo", "undo", "blank"]


def test_bad_decisions_are_refused_and_change_nothing(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    with pytest.raises(StoreError, match="needs a value"):
        store.record_decision(conn, sha, field_id, "edit", reviewer="li")
    with pytest.raises(StoreError, match="unknown decision"):
        store.record_decision(conn, sha, field_id, "approve", reviewer="li")
    with pytest.raises(StoreError, match="reviewer"):
        store.record_decision(conn, sha, field_id, "accept")
    with pytest.raises(StoreError, match="no field"):
        store.record_decision(conn, sha, "requests.nonsense.total", "accept", reviewer="li")
    assert store.review_log(conn) == []


def test_review_queue_lowest_confidence_first_grouped_by_document(conn, extracted):
    low = copy.deepcopy(extracted)
    low["sha256"] = "b" * 64
    ids = [f for f, v in low["fields"].items() if v["value"] is not None][:3]
    for field_id, conf in zip(ids, (0.5, 0.3, 0.95)):
        low["fields"][field_id].update(confidence=conf, status="low_confidence")
    store.upsert_result(conn, extracted)
    store.upsert_result(conn, low)
    queue = store.review_queue(conn)
    shas = [it["sha256"] for it in queue]
    # documents in order of their least confident field, never interleaved
    assert shas[0] == "b" * 64
    assert shas == sorted(shas, key=lambda s: shas.index(s))
    mine = [it for it in queue if it["sha256"] == "b" * 64]
    assert [it["confidence"] for it in mine] == sorted(it["confidence"] for it in mine)
    assert {ids[0], ids[1], ids[2]} <= {it["field_id"] for it in mine}
    assert all(isinstance(it["evidence"], dict) for it in queue)
    # a decision takes a field out of the queue
    store.record_decision(conn, "b" * 64, ids[1], "accept", reviewer="li")
    assert ids[1] not in {it["field_id"] for it in store.review_queue(conn, sha256="b" * 64)}
    assert store.review_queue(conn, year=1999) == []


def test_queue_documents_order_and_count_what_review_queue_lists(conn, extracted):
    """The light listing a review session starts from: the same documents in the same order,
    each with as many fields as review_queue gives it (flagged ones, fields of failing checks,
    conflicts), under the same filters."""
    for i, (conf, broken) in enumerate([(0.5, False), (0.3, True), (0.95, False), (0.99, True)]):
        doc = copy.deepcopy(extracted)
        doc["sha256"] = f"{i}" * 64
        doc["agency"] = f"agency {i % 2}"
        field_id = a_field_in_a_rule(doc)
        doc["fields"][field_id].update(confidence=conf, status="low_confidence")
        if broken:  # a misread: its rules fail, their fields are queued though read confidently
            doc["fields"][field_id]["value"] += 10
        store.upsert_result(conn, doc)
        store.rerun_checks(conn, doc["sha256"])
    store.record_decision(conn, "0" * 64, a_field_in_a_rule(extracted), "accept", reviewer="li")

    def grouped(queue):
        out: dict[str, int] = {}
        for it in queue:
            out[it["sha256"]] = out.get(it["sha256"], 0) + 1
        return list(out.items())

    for kwargs in ({}, {"threshold": 0.999}, {"agency": "agency 1"}, {"year": 1999}):
        assert store.queue_documents(conn, **kwargs) == grouped(store.review_queue(conn, **kwargs))


def test_a_decision_with_recheck_stores_its_checks_in_the_same_transaction(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    value = extracted["fields"][field_id]["value"]
    store.record_decision(conn, sha, field_id, "edit", new_value=value + 1, reviewer="li", recheck=True)
    stored = {r[0] for r in conn.execute("SELECT rule FROM checks WHERE sha256 = ? AND ok = 0", (sha,))}
    assert stored and stored == {c.rule for c in store.checks_for(conn, sha) if not c.ok}
    assert store.document(conn, sha)["status"] == "needs_review"
    store.undo(conn, sha, field_id, reviewer="li", recheck=True)
    stored = {r[0] for r in conn.execute("SELECT rule FROM checks WHERE sha256 = ? AND ok = 0", (sha,))}
    assert stored == {c["rule"] for c in extracted["checks"] if not c["ok"]}
    # a failing check rolls the decision back with it: nothing half-written
    conn.execute("CREATE TRIGGER no_checks BEFORE INSERT ON checks BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    before = len(store.review_log(conn))
    with pytest.raises(sqlite3.DatabaseError):
        store.record_decision(conn, sha, field_id, "edit", new_value=value + 2, reviewer="li", recheck=True)
    assert len(store.review_log(conn)) == before
    assert conn.execute("SELECT current_value FROM fields WHERE sha256 = ? AND field_id = ?",
                        (sha, field_id)).fetchone()[0] == value


def test_checks_rerun_from_current_values(conn, extracted):
    sha = extracted["sha256"]
    store.upsert_result(conn, extracted)
    field_id = a_field_in_a_rule(extracted)
    value = extracted["fields"][field_id]["value"]
    # an edit under consideration: which checks would it break?
    preview = store.checks_for(conn, sha, {field_id: value + 1})
    broken = [c for c in preview if not c.ok]
    assert broken and all(field_id in c.fields for c in broken)
    assert conn.execute("SELECT count(*) FROM checks WHERE sha256 = ? AND ok = 0", (sha,)).fetchone()[0] == \
        sum(1 for c in extracted["checks"] if not c["ok"])

    store.record_decision(conn, sha, field_id, "edit", new_value=value + 1, reviewer="li")
    checks = store.rerun_checks(conn, sha)
    assert {c.rule for c in checks if not c.ok} == {c.rule for c in broken}
    stored = conn.execute("SELECT rule FROM checks WHERE sha256 = ? AND ok = 0", (sha,)).fetchall()
    assert {r[0] for r in stored} == {c.rule for c in broken}
    # the other fields of the broken rule are now in the queue, and the document needs review
    partners = {f for c in broken for f in c.fields} - {field_id}
    queued = {it["field_id"] for it in store.review_queue(conn, sha256=sha)}
    assert partners <= queued
    assert store.document(conn, sha)["status"] == "needs_review"

    store.undo(conn, sha, field_id, reviewer="li")
    assert all(c.ok for c in store.rerun_checks(conn, sha)) == all(c["ok"] for c in extracted["checks"])


def test_placeholder_of_an_unreadable_path_goes_once_the_path_is_read(conn, extracted):
    key = store.path_key("dir/report.txt")
    failed = {"source": "dir/report.txt", "sha256": "", "template": None, "fields": {}, "checks": [],
              "errors": ["cannot read dir/report.txt: Permission denied"], "pages": []}
    store.upsert_result(conn, failed, [Source("dir/report.txt")], key=key)
    assert store.document(conn, key)["status"] == "failed"
    store.upsert_result(conn, extracted, [Source("dir/report.txt")])
    assert store.document(conn, key) is None
    assert store.source_paths(conn, extracted["sha256"]) == ["dir/report.txt"]
