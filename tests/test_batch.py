"""`govreport batch`: a mixed folder (text, HTML, PDF, duplicates, a zip, every kind of bad
input) into the store; each document once with all its paths; bad inputs failed with a clear
error while the batch completes and nothing stored changes; reruns skip; workers that die or
hang cost one document."""
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pipeline import batch, store
from pipeline.batch import Found, Limits, Task, discover, plan, run_batch
from pipeline.executors import LocalExecutor

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import make_archive  # noqa: E402

ROOT_USER = os.geteuid() == 0


def by_path(db: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT s.path, d.* FROM sources s JOIN documents d USING (sha256)").fetchall()
    conn.close()
    return {r["path"]: r for r in rows}


def snapshot(db: Path) -> dict:
    """Everything an extraction or review wrote (not when a path was last seen)."""
    conn = sqlite3.connect(db)
    out = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")))
           for t in ("fields", "checks", "review_log")}
    out["documents"] = sorted(map(tuple, conn.execute(
        "SELECT sha256, status, template, hybrid, year, agency, error, pages_json, result_z, extracted_at "
        "FROM documents")))
    conn.close()
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("archive")
    manifest = make_archive.build(out, synthetic=4, scans=0, bad=True, shared=False)
    return out, manifest


@pytest.fixture(scope="module")
def batched(archive, tmp_path_factory):
    out, manifest = archive
    db = tmp_path_factory.mktemp("store") / "archive.sqlite"
    summary = run_batch([out], db, workers=2)
    return db, summary, manifest


# --- discovery and planning (no workers) -----------------------------------------------------

def test_walk_finds_files_in_folders_and_zips_and_skips_litter(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "r.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)  # a folder loop: walked once
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("deep/r2.html", "<p>y</p>")
    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as zf:
        zf.writestr("__MACOSX/._r.txt", "resource fork")
        zf.writestr("dir/", "")
        zf.writestr("dir/r.txt", "x")
        zf.write(inner, "nested/inner.zip")
    inner.unlink()
    os.mkfifo(tmp_path / "pipe.txt")
    found = {f.display.replace(str(tmp_path), ""): f for f in discover([tmp_path])}
    assert set(found) == {"/a/b/r.txt", "/outer.zip!dir/r.txt", "/outer.zip!nested/inner.zip!deep/r2.html",
                          "/pipe.txt"}
    # identical bytes under two names: one sha256
    assert found["/a/b/r.txt"].sha256 == found["/outer.zip!dir/r.txt"].sha256
    assert found["/outer.zip!nested/inner.zip!deep/r2.html"].members == ("nested/inner.zip", "deep/r2.html")
    assert "not a regular file" in found["/pipe.txt"].error
    assert batch.read_member(str(tmp_path / "outer.zip"), ("nested/inner.zip", "deep/r2.html")) == b"<p>y</p>"


def test_encrypted_corrupt_and_too_deep_zips_are_refused(tmp_path):
    enc = tmp_path / "enc.zip"
    with zipfile.ZipFile(enc, "w") as zf:
        zf.writestr("r.txt", "secret report")
    data = bytearray(enc.read_bytes())
    # set the "encrypted" flag in the local and the central header, as an encrypting zip tool does
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.index(sig)
        data[i + off] |= 1
    enc.write_bytes(bytes(data))
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    level = b"report"
    for depth in range(4):
        buf = tmp_path / "level.zip"
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("r.txt" if depth == 0 else "next.zip", level)
        level = buf.read_bytes()
    (tmp_path / "deep.zip").write_bytes(level)
    buf.unlink()
    errors = {f.display.replace(str(tmp_path), ""): f.error for f in discover([tmp_path])}
    assert "encrypted zip member" in errors["/enc.zip!r.txt"]
    assert "corrupt zip" in errors["/broken.zip"]
    assert any("nested deeper" in (e or "") for p, e in errors.items() if p.startswith("/deep.zip"))


def test_files_are_admitted_by_what_they_hold_not_only_by_extension(tmp_path):
    page = "<html><head><meta charset='utf-8'></head><body><p>某县2020年政府信息公开工作年度报告</p></body></html>"
    (tmp_path / "content.shtml").write_text(page, encoding="utf-8")  # a crawler's saved page
    (tmp_path / "index").write_text(page, encoding="utf-8")  # saved without an extension
    (tmp_path / "report.aspx").write_text(page, encoding="utf-8")
    (tmp_path / "notes").write_text("某县2020年政府信息公开工作年度报告\n", encoding="utf-8")
    (tmp_path / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # text, but not a report's form
    (tmp_path / "photo.gif").write_bytes(b"GIF89a" + bytes(range(256)) * 4)
    with zipfile.ZipFile(tmp_path / "sheets.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as zf:
        zf.writestr("2020/page.jsp", page)
        zf.writestr("2020/data.bin", bytes(range(256)) * 8)
    errors = {f.display.replace(str(tmp_path), ""): f.error for f in discover([tmp_path])}
    for admitted in ("/content.shtml", "/index", "/report.aspx", "/notes", "/bundle.zip!2020/page.jsp"):
        assert errors[admitted] is None, admitted
    assert "unsupported file type .csv (plain text)" in errors["/table.csv"]
    assert "unsupported file type .gif (binary data)" in errors["/photo.gif"]
    assert "not a Word document" in errors["/sheets.xlsx"]
    assert "unsupported file type .bin" in errors["/bundle.zip!2020/data.bin"]


def test_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    (found,) = discover([big], Limits(max_file_bytes=1024))
    assert "file too large" in found.error and found.sha256 is None


def test_plan_reads_each_document_once_and_skips_stored_ones():
    def f(path, sha, error=None):
        return Found(path, path, sha256=sha, size=10, error=error)

    found = [f("/a.txt", "1"), f("/b.txt", "1"), f("/z.zip!a.txt", "1"), f("/c.txt", "2"), f("/d.txt", "3"),
             f("/e.docx", "4", "unsupported"), f("/f.docx", "4", "unsupported"), f("/loop", None, "loop")]
    stored = {"2": ("done", {}), "3": ("failed", {}), "4": ("failed", {})}
    p = plan(found, stored)
    assert [(t.key, t.display, [s.path for s in t.sources]) for t in p.tasks] == \
        [("1", "/a.txt", ["/a.txt", "/b.txt", "/z.zip!a.txt"])]
    assert set(p.known) == {"2", "3", "4"}
    assert [[x.display for x in g] for g in p.failed] == [["/loop"]]  # unreadable paths: always tried again
    assert p.paths == 8 and p.duplicates == 3
    retry = plan(found, stored, retry_failed=True)
    assert {t.key for t in retry.tasks} == {"1", "3"} and len(retry.failed) == 2


def test_reextract_only_documents_read_by_other_models():
    found = [Found("/a.txt", "/a.txt", sha256="1"), Found("/b.txt", "/b.txt", sha256="2")]
    current = {"govreport": "1", "label_classifier": "new"}
    stored = {"1": ("done", {"govreport": "1", "label_classifier": "old"}), "2": ("needs_review", current)}
    assert [t.key for t in plan(found, stored, reextract=True, current_versions=current).tasks] == ["1"]
    assert plan(found, stored, current_versions=current).tasks == []


# --- the batch end to end ---------------------------------------------------------------------

def test_every_document_is_stored_once_with_every_path(batched):
    db, summary, manifest = batched
    rows = by_path(db)
    assert set(rows) == set(manifest)  # every path found is recorded, bad ones included
    conn = sqlite3.connect(db)
    n_docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    reports = {rows[p]["sha256"] for p, kind in manifest.items() if kind == "report"}
    for p, kind in manifest.items():
        if kind == "duplicate":
            assert rows[p]["sha256"] in reports  # a copy is recorded under the original's document
    assert summary.documents == n_docs and summary.extracted == n_docs
    assert summary.duplicates == sum(1 for k in manifest.values() if k == "duplicate")
    # every field row belongs to a stored result, and the stored result lists exactly those fields
    for sha, result_z in conn.execute("SELECT sha256, result_z FROM documents"):
        n = conn.execute("SELECT count(*) FROM fields WHERE sha256 = ?", (sha,)).fetchone()[0]
        assert n == len(store.decode_result(result_z)["fields"])
    finished = conn.execute("SELECT finished_at, summary_json FROM runs").fetchall()
    assert len(finished) == 1 and finished[0][0] and json.loads(finished[0][1])["documents"] == n_docs
    conn.close()


def test_read_documents_record_pages_paths_time_and_model_versions(batched):
    db, _, manifest = batched
    rows = by_path(db)
    for path, kind in manifest.items():
        if kind != "report":
            continue
        row = rows[path]
        assert row["status"] in ("done", "needs_review"), (path, row["error"])
        pages = json.loads(row["pages_json"])
        expected = "text_layer" if path.endswith(".pdf") else "html" if path.endswith(".html") else "text"
        assert pages and {p["path"] for p in pages} == {expected}
        versions = json.loads(row["model_versions_json"])
        assert {"govreport", "schema", "label_classifier"} <= set(versions) and "ocr" not in versions
        assert row["seconds"] > 0 and row["template"] in ("2019", "2021")


BAD_KINDS = [k for k in make_archive.BAD_KINDS if not (k == "unreadable" and ROOT_USER)]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_is_recorded_failed_with_a_clear_error(batched, kind):
    db, summary, manifest = batched
    rows = by_path(db)
    paths = [p for p, k in manifest.items() if k == kind]
    if not paths:
        pytest.skip(f"{kind} could not be made here (encrypted PDFs need pypdf)")
    row = rows[paths[0]]
    assert row["status"] == "failed"
    assert make_archive.BAD_KINDS[kind] in row["error"]
    assert (paths[0], row["error"]) in summary.failures or any(p == paths[0] for p, _ in summary.failures)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM fields WHERE sha256 = ?", (row["sha256"],)).fetchone()[0] == 0
    conn.close()


def test_rerun_skips_stored_documents_and_changes_nothing(batched, archive):
    db, first, _ = batched
    before = snapshot(db)
    again = run_batch([archive[0]], db, workers=2)
    assert again.extracted == sum(1 for x in by_path(db).values() if x["sha256"].startswith(store.PATH_KEY_PREFIX))
    assert again.skipped == first.documents - again.extracted
    assert snapshot(db)["fields"] == before["fields"] and snapshot(db)["checks"] == before["checks"]
    stable = [d for d in before["documents"] if not d[0].startswith(store.PATH_KEY_PREFIX)]
    assert [d for d in snapshot(db)["documents"] if not d[0].startswith(store.PATH_KEY_PREFIX)] == stable


def test_bad_inputs_and_copies_added_later_leave_stored_documents_as_they_were(archive, tmp_path):
    out, manifest = archive
    good = tmp_path / "good"
    good.mkdir()
    reports = [Path(p) for p, k in manifest.items() if k == "report"][:3]
    for p in reports:
        (good / p.name).write_bytes(p.read_bytes())
    db = tmp_path / "s.sqlite"
    run_batch([good], db, workers=1)
    conn = store.open_store(db)
    sha = conn.execute("SELECT sha256 FROM documents LIMIT 1").fetchone()[0]
    field_id = conn.execute("SELECT field_id FROM fields WHERE sha256 = ? AND current_value IS NOT NULL",
                            (sha,)).fetchone()[0]
    store.record_decision(conn, sha, field_id, "edit", new_value=12345, reviewer="test")
    conn.close()
    before = snapshot(db)
    # the same reports again (one truncated to garbage under the same name elsewhere) plus every bad input
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for p in reports:
        (mixed / f"copy_{p.name}").write_bytes(p.read_bytes())
    (mixed / reports[0].name).write_bytes(reports[0].read_bytes()[:40])
    summary = run_batch([mixed, out / "bad"], db, workers=2)
    assert summary.statuses["failed"] >= len(BAD_KINDS) - 1
    after = snapshot(db)
    kept = {d[0] for d in before["documents"]}
    assert [d for d in after["documents"] if d[0] in kept] == before["documents"]
    assert [f for f in after["fields"] if f[0] in kept] == before["fields"]
    assert after["review_log"] == before["review_log"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT current_value FROM fields WHERE sha256 = ? AND field_id = ?",
                        (sha, field_id)).fetchone()[0] == 12345
    conn.close()


def test_reextraction_with_other_models_keeps_reviewed_values(archive, tmp_path):
    out, manifest = archive
    report = next(Path(p) for p, k in manifest.items() if k == "report" and p.endswith(".txt"))
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / report.name).write_bytes(report.read_bytes())
    db = tmp_path / "s.sqlite"
    run_batch([folder], db, workers=1)
    conn = store.open_store(db)
    sha, stamp = conn.execute("SELECT sha256, extracted_at FROM documents").fetchone()
    field_id, value = conn.execute("SELECT field_id, extracted_value FROM fields WHERE sha256 = ? AND "
                                   "extracted_value IS NOT NULL ORDER BY field_id", (sha,)).fetchone()
    store.record_decision(conn, sha, field_id, "edit", new_value=value + 1, reviewer="test")

    def reextract_with_older_models_on_record():
        conn.execute("UPDATE documents SET model_versions_json = ? WHERE sha256 = ?",
                     (json.dumps({**batch.model_versions([]), "label_classifier": "older"}), sha))
        conn.close()
        assert run_batch([folder], db, workers=1, reextract=True).extracted == 1
        reopened = store.open_store(db)
        row = reopened.execute("SELECT * FROM fields WHERE sha256 = ? AND field_id = ?", (sha, field_id)).fetchone()
        return reopened, (row["extracted_value"], row["current_value"], row["reviewed"], row["conflict"])

    # the new models read what the reviewer already overruled: the review stands, nothing new to see
    conn, row = reextract_with_older_models_on_record()
    assert row == (value, value + 1, 1, 0)
    assert conn.execute("SELECT extracted_at FROM documents").fetchone()[0] != stamp
    # the older models had read something else: the new reading is one the reviewer never saw
    conn.execute("UPDATE fields SET extracted_value = ? WHERE sha256 = ? AND field_id = ?", (value + 7, sha, field_id))
    conn, row = reextract_with_older_models_on_record()
    assert row == (value, value + 1, 1, 1)
    conn.close()


def _without_file_access_override() -> None:
    """In the child, before exec: drop root's power to read any file (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH) from the capability bounding set, so mode 000 means unreadable."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def test_unreadable_file_is_recorded_failed(archive, tmp_path):
    """Permission denied, for real: as root, the batch runs without the capabilities that let
    root read any file."""
    out, manifest = archive
    report = next(Path(p) for p, k in manifest.items() if k == "report" and p.endswith(".txt"))
    (tmp_path / report.name).write_bytes(report.read_bytes())
    secret = tmp_path / "secret.txt"
    secret.write_bytes(report.read_bytes() + b"\n")
    os.chmod(secret, 0)
    cmd = [sys.executable, "-m", "pipeline", "batch", str(tmp_path), "--db", str(tmp_path / "s.sqlite"),
           "--workers", "1", "-q"]
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                              preexec_fn=_without_file_access_override if ROOT_USER else None)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's file access here: {exc}")
    assert proc.returncode == 1, proc.stderr  # 1: a document failed; the batch itself completed
    rows = by_path(tmp_path / "s.sqlite")
    assert rows[str(secret)]["status"] == "failed"
    assert "Permission denied" in rows[str(secret)]["error"]
    assert rows[str(tmp_path / report.name)]["status"] in ("done", "needs_review")


# --- workers that die or hang -------------------------------------------------------------------

class DiesInWorker(Task):
    """A task whose unpickling ends the worker process, as a crash in a native library would."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_dying_or_hanging_worker_costs_one_document(archive, tmp_path):
    out, manifest = archive
    report = next(p for p, k in manifest.items() if k == "report" and p.endswith(".txt"))
    fifo = tmp_path / "never_written.txt"
    os.mkfifo(fifo)  # opening it for reading blocks forever
    tasks = [DiesInWorker("dies", "dies.txt", "dies.txt"), Task("hangs", str(fifo), str(fifo)),
             Task("fine", report, report)]
    pool = LocalExecutor(workers=1, timeout=5)
    try:
        outcomes = {o["key"]: o for o in pool.run(tasks)}
    finally:
        pool.close()
    assert set(outcomes) == {"dies", "hangs", "fine"}
    assert "worker process exited with code 3" in outcomes["dies"]["record"].errors[0]
    assert "timed out after 5 s" in outcomes["hangs"]["record"].errors[0]
    assert outcomes["fine"]["record"].template is not None


DRIVER_THAT_HANGS_A_WORKER = """
import os, sys
from pipeline.batch import Task
from pipeline.executors import LocalExecutor
pool = LocalExecutor(workers=1)
fifo = sys.argv[1]
for outcome in pool.run([Task("hangs", fifo, fifo)]):
    pass
"""


def _wchan(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


def test_a_busy_worker_exits_when_the_driver_is_killed(tmp_path):
    # the worker is not the driver's child (it is forked by the fork server), and it is stuck
    # in a document: it must still go when the driver dies by kill -9
    fifo = tmp_path / "never_written.txt"
    os.mkfifo(fifo)
    driver = subprocess.Popen([sys.executable, "-c", DRIVER_THAT_HANGS_A_WORKER, str(fifo)], cwd=REPO)

    def busy_workers() -> list[int]:  # blocked opening the FIFO: no fd yet, the kernel waits for a writer
        out = subprocess.run(["pgrep", "-f", "multiprocessing.forkserver"], capture_output=True, text=True).stdout
        return [int(p) for p in out.split() if _wchan(int(p)) == "wait_for_partner"]

    deadline = time.monotonic() + 120
    while not busy_workers() and time.monotonic() < deadline and driver.poll() is None:
        time.sleep(0.2)
    stuck = busy_workers()
    assert stuck, "the worker never opened the document"
    driver.kill()
    driver.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{p}").exists() for p in stuck) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in stuck if Path(f"/proc/{p}").exists()]
