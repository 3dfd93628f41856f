"""`govreport review`: the queue session, the Textual UI driven by its pilot, queue export and
decision import — each asserted on the store and its append-only log."""
import asyncio
import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import store
from pipeline.cli import app
from pipeline.extract import extract_file
from pipeline.review.session import InvalidValue, Session, parse_value
from pipeline.store import Source

from .conftest import SHARED, needs_shared

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "xixia_2020_text.txt"
MISREAD = "requests.granted.total"  # a total read wrong, as OCR turns a 1 into a 7
DOUBTFUL = ("disclosure.licensing.prev_items", "disclosure.licensing.change", "disclosure.licensing.decisions",
            "disclosure.other_services.prev_items")


@pytest.fixture(scope="module")
def misread_report() -> tuple[dict, int]:
    """A real report whose checks all pass, with one total misread by +10 at low confidence:
    the two rules through it fail, as they would on a scan with a misread digit."""
    result = extract_file(SAMPLE).as_dict()
    assert all(c["ok"] for c in result["checks"])
    result = copy.deepcopy(result)
    printed = result["fields"][MISREAD]["value"]
    result["fields"][MISREAD].update(value=printed + 10, confidence=0.55, status="low_confidence",
                                     reasons=["OCR character repaired"])
    # and doubtful values outside those rules, so that the queue goes on after the misread
    for field_id in DOUBTFUL:
        result["fields"][field_id].update(confidence=0.6, status="low_confidence",
                                          reasons=["row label recognised with probability 0.60"])
    return result, printed


@pytest.fixture
def archive(tmp_path, misread_report):
    result, printed = misread_report
    db = tmp_path / "archive.sqlite"
    conn = store.open_store(db)
    store.upsert_result(conn, result, [Source(str(SAMPLE))])
    store.rerun_checks(conn, result["sha256"])  # checks from the stored (misread) values
    yield db, conn, result["sha256"], printed
    conn.close()


def _field(conn, sha, field_id):
    return conn.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()


def _failing(conn, sha):
    return [r["rule"] for r in conn.execute("SELECT rule FROM checks WHERE sha256 = ? AND ok = 0", (sha,))]


def test_parse_value_follows_the_column_kind():
    assert parse_value("1,234", "requests.granted.total", "2021") == 1234
    assert parse_value("22.67万元", "disclosure.fees.amount_yuan", "2021") == 226700
    assert parse_value("-3", "disclosure.licensing.change", "2019") == -3
    for bad, field_id in (("-3", "requests.granted.total"), ("2.5", "requests.granted.total"),
                          ("abc", "requests.granted.total"), ("5万", "requests.granted.total")):
        with pytest.raises(InvalidValue):
            parse_value(bad, field_id, "2021")


def test_queue_leads_with_the_misread_field_and_the_rules_it_breaks(archive):
    _db, conn, sha, _printed = archive
    session = Session(conn, "tester")
    assert session.current["field_id"] == MISREAD
    confidences = [it["confidence"] for it in session.items]
    assert confidences == sorted(confidences)
    failing = {f for c in session.checks(sha) if not c.ok for f in c.fields}
    assert failing <= {it["field_id"] for it in session.items}
    view = session.view()
    assert view.labels.row.endswith("予以公开") and view.labels.column == "总计"
    assert {c.rule for c in view.failed_checks} == {"requests.row_total[granted]", "requests.results_total[total]"}


def test_review_ui_accept_edit_undo_quit(archive):
    """The pilot types what a reviewer types; every assertion is on the store and its log."""
    from pipeline.review.app import ReviewApp

    _db, conn, sha, printed = archive
    session = Session(conn, "tester")
    queued_before = len(session.items)

    async def drive():
        app = ReviewApp(session)
        async with app.run_test(size=(160, 50)) as pilot:
            status = app.query_one("#status").render()
            assert f"field 1 of {queued_before}" in str(status)

            # an edit the sum rules contradict is shown, and nothing is saved
            await pilot.press("e")
            await pilot.press("ctrl+a", "ctrl+k", *str(printed + 20), "enter")
            await pilot.pause()
            assert "sum rules fail" in str(app.query_one("#message").render())
            assert store.review_log(conn) == []
            # the value as printed: saved at once, checks re-run, the rules' fields leave the queue
            await pilot.press("ctrl+a", "ctrl+k", *str(printed), "enter")
            await pilot.pause()
            log = store.review_log(conn)
            assert [(r["action"], r["old_value"], r["new_value"], r["reviewer"]) for r in log] == \
                [("edit", printed + 10, printed, "tester")]
            assert _field(conn, sha, MISREAD)["current_value"] == printed
            assert _failing(conn, sha) == []
            assert len(session.items) < queued_before - 5
            n, m = session.progress()
            assert f"field {n} of {m}" in str(app.query_one("#status").render()) and n == 2

            # accept the next field as read
            accepted = session.current["field_id"]
            await pilot.press("a")
            await pilot.pause()
            row = _field(conn, sha, accepted)
            assert row["reviewed"] == 1 and row["current_value"] == row["extracted_value"]
            assert store.review_log(conn)[-1]["action"] == "accept"

            # undo twice: the accept, then the edit; the misread and its failing rules come back
            await pilot.press("u")
            await pilot.pause()
            assert _field(conn, sha, accepted)["reviewed"] == 0
            assert session.current["field_id"] == accepted
            await pilot.press("u")
            await pilot.pause()
            assert _field(conn, sha, MISREAD)["current_value"] == printed + 10
            assert session.current["field_id"] == MISREAD
            assert sorted(_failing(conn, sha)) == ["requests.results_total[total]", "requests.row_total[granted]"]
            assert len(session.items) == queued_before

            await pilot.press("q")
            await pilot.pause()
        assert not app.is_running

    asyncio.run(drive())
    # append-only: four rows, the undos naming what they undid
    log = store.review_log(conn)
    assert [r["action"] for r in log] == ["edit", "accept", "undo", "undo"]
    assert log[2]["note"] == f"undo of #{log[1]['id']}" and log[3]["note"] == f"undo of #{log[0]['id']}"


def test_skip_and_next_document_move_without_deciding(archive, tmp_path, misread_report):
    _db, conn, sha, _printed = archive
    other = copy.deepcopy(misread_report[0])
    other["sha256"] = "0" * 64
    store.upsert_result(conn, other, [Source(str(tmp_path / "copy.txt"))])
    store.rerun_checks(conn, other["sha256"])
    session = Session(conn, "tester")
    first_doc = session.current["sha256"]
    session.skip()
    assert session.pos == 1 and store.review_log(conn) == []
    session.next_document()
    assert session.current["sha256"] != first_doc
    assert session.view().doc_index == 1


@pytest.fixture
def three_documents(archive, tmp_path, misread_report):
    """The archive's document and two more copies under other keys: a queue of three documents."""
    _db, conn, sha, printed = archive
    for i in (1, 2):
        other = copy.deepcopy(misread_report[0])
        other["sha256"] = f"{i}" * 64
        store.upsert_result(conn, other, [Source(str(tmp_path / f"copy{i}.txt"))])
        store.rerun_checks(conn, other["sha256"])
    return conn, printed


def _keys(items):
    return {(it["sha256"], it["field_id"]) for it in items}


def test_session_reads_a_document_when_it_gets_there(three_documents):
    conn, _printed = three_documents
    queued = len(store.review_queue(conn))
    reads = []
    conn.set_trace_callback(lambda sql: reads.append(sql) if "evidence_json" in sql or "f.*" in sql else None)
    session = Session(conn, "tester")
    assert len(reads) == 1  # the first document's queued fields; the others are only counted
    n, m = session.progress()
    assert (n, m) == (1, queued)
    session.next_document()
    assert len(reads) == 2
    conn.set_trace_callback(None)
    assert session.view().doc_index == 1 and session.view().doc_count == 3


def test_session_queue_stays_what_the_store_queues_through_decisions(three_documents):
    """Each decision updates only its document's part of the queue; after every step the
    session's remaining fields are exactly the store's queue, and its checks the store's."""
    conn, printed = three_documents
    session = Session(conn, "tester")

    def in_step():
        assert _keys(session.items) == _keys(store.review_queue(conn))
        assert session.current is None or _keys([session.current]) <= _keys(session.items)
        assert session.progress()[1] == len(session.done) + len(session.items)
        for sha in session.documents():
            assert [(c.rule, c.ok) for c in session.checks(sha)] == \
                [(c.rule, c.ok) for c in store.checks_for(conn, sha)]

    assert session.current["field_id"] == MISREAD
    session.decide("edit", printed)  # the rules pass again: their fields leave the queue
    in_step()
    session.decide("accept")
    in_step()
    session.decide("blank")  # a changed value re-runs the checks
    in_step()
    first = session.current["sha256"]
    while session.current["sha256"] == first:  # clear the document: it leaves the list
        session.decide("accept")
    in_step()
    assert session.view().doc_count == 2 and first not in session.documents()
    session.undo()  # its last field comes back, and with it the document, where we are
    in_step()
    assert session.current["sha256"] == first and session.view().doc_count == 3
    session.decide("accept")
    second = session.current["sha256"]
    session.skip()  # a skipped field stays queued, behind us
    session.decide("accept")
    session.next_document()
    in_step()
    assert session.current["sha256"] not in (first, second) and second in session.documents()
    while session.done:
        session.undo()
        in_step()
    assert _keys(session.items) == _keys(store.review_queue(conn)) and store.review_log(conn)[-1]["action"] == "undo"


def test_export_queue_then_import_decisions(archive, tmp_path):
    db, conn, sha, printed = archive
    queue = tmp_path / "queue.jsonl"
    result = CliRunner().invoke(app, ["review", "--db", str(db), "--export-queue", str(queue)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["field_id"] == MISREAD and lines[0]["value"] == printed + 10
    assert lines[0]["labels"]["column"] == "总计"
    assert {c["rule"] for c in lines[0]["failed_checks"]} == {"requests.row_total[granted]", "requests.results_total[total]"}
    assert [line["confidence"] for line in lines] == sorted(line["confidence"] for line in lines)

    other = next(line["field_id"] for line in lines if line["field_id"] != MISREAD)
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"sha256": sha, "field_id": MISREAD, "action": "edit", "value": printed, "reviewer": "wang"},
        {"sha256": sha, "field_id": other, "action": "accept"},
        {"sha256": sha, "field_id": "disclosure.fees.change", "action": "reject", "note": "stamp over the cell"},
        {"sha256": sha, "field_id": MISREAD, "action": "delete"},
        {"sha256": "f" * 64, "field_id": MISREAD, "action": "accept"},
        {"sha256": sha, "field_id": other, "action": "edit", "value": "x12"},
    ]) + "\n", encoding="utf-8")
    args = ["review", "--db", str(db), "--import-decisions", str(decisions), "--reviewer", "li"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1  # three bad lines, reported; the good ones applied
    output = " ".join(result.output.split())
    assert "3 decisions applied" in output
    assert "line 4:" in output and "line 5:" in output and "line 6:" in output
    log = store.review_log(conn)
    assert [(r["field_id"], r["action"], r["reviewer"]) for r in log] == [
        (MISREAD, "edit", "wang"), (other, "accept", "li"), ("disclosure.fees.change", "reject", "li")]
    assert _field(conn, sha, MISREAD)["current_value"] == printed
    assert _field(conn, sha, "disclosure.fees.change")["current_value"] is None
    assert _failing(conn, sha) == []  # checks re-run after the import

    # the same file again changes nothing
    result = CliRunner().invoke(app, args)
    assert "0 decisions applied, 3 already in force" in " ".join(result.output.split())
    assert len(store.review_log(conn)) == 3


def test_review_needs_an_existing_store(tmp_path):
    result = CliRunner().invoke(app, ["review", "--db", str(tmp_path / "none.sqlite"), "--export-queue",
                                      str(tmp_path / "q.jsonl")])
    assert result.exit_code == 2 and "no such store" in " ".join(result.output.split())
    assert not (tmp_path / "none.sqlite").exists()


@needs_shared
def test_crop_cache_renders_from_the_stored_source_and_checks_its_hash(tmp_path):
    from pipeline.review.app import CropCache

    pdf = SHARED / "reports/pdf/hongze_district_2023.pdf"
    conn = store.open_store(tmp_path / "a.sqlite")
    result = extract_file(pdf)
    store.upsert_result(conn, result, [Source(str(tmp_path / "moved.pdf")), Source(str(pdf))])
    cache = CropCache(conn, tmp_path / "crops")
    field_id = next(f for f, v in result.fields.items() if v.status != "ok" and v.evidence.bbox)
    path = cache.make(result.sha256, field_id)
    assert path is not None and path.is_file() and path.stat().st_size > 1000
    # a file at the stored path whose content changed is not used
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "hongze.pdf").write_bytes(pdf.read_bytes()[:-10])
    conn2 = store.open_store(tmp_path / "b.sqlite")
    store.upsert_result(conn2, result, [Source(str(changed / "hongze.pdf"))])
    assert CropCache(conn2, tmp_path / "crops2").make(result.sha256, field_id) is None
