"""`govreport train --from-db`: reviewed documents become label, cell and calibration samples,
and the classifier retrains on them through the same code as `govreport train`."""
import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import store
from pipeline.classify.train import keyword_baseline
from pipeline.cli import app
from pipeline.extract import extract_file, load_document
from pipeline.review.session import Session
from pipeline.review.training import align, label_samples, review_samples, trusted_values
from pipeline.store import Source

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "xixia_2020_text.txt"
MISREAD = "requests.granted.total"


def test_align_places_rows_of_equal_numbers_in_template_order():
    # three candidates print 0 0; the rows a and c both print 0 0, b prints 5 5
    numbers = [[0, 0], [5, 5], [0, 0]]
    truth = [(0, 0), (5, 5), (0, 0)]
    money = [[False, False]] * 3
    assert align(numbers, truth, money, [[False] * 3] * 3) == {0: 0, 1: 1, 2: 2}
    # a candidate with no numbers (a group heading) is skipped, a row without truth too
    numbers = [[], [0, 0], [5, 5]]
    assert align(numbers, [None, (0, 0), (5, 5)], money, [[False] * 3] * 3) == {1: 1, 2: 2}
    # money printed in 万元 matches its value in yuan
    assert align([[2.5]], [(25000,)], [[True]], [[False]]) == {0: 0}


@pytest.fixture
def reviewed_store(tmp_path):
    result = copy.deepcopy(extract_file(SAMPLE).as_dict())
    printed = result["fields"][MISREAD]["value"]
    result["fields"][MISREAD].update(value=printed + 10, confidence=0.55, status="low_confidence")
    db = tmp_path / "archive.sqlite"
    conn = store.open_store(db)
    store.upsert_result(conn, result, [Source(str(SAMPLE))])
    store.rerun_checks(conn, result["sha256"])
    session = Session(conn, "tester")
    session.decide("edit", printed)
    while session.current is not None:
        session.decide("accept")
    return db, conn, result


def test_reviewed_lines_are_labelled_by_their_values(reviewed_store):
    _db, conn, result = reviewed_store
    sha = result["sha256"]
    truth = trusted_values(conn, sha)
    assert truth[MISREAD] == result["fields"][MISREAD]["value"] - 10
    samples = label_samples(load_document(SAMPLE), "2019", truth, "t")
    by_table = {}
    for s in samples:
        by_table.setdefault(s["table"], []).append(s["label"])
    # every printed row of sections 二 and 三 is found once, in template order
    assert len(by_table["requests"]) == len(set(by_table["requests"])) >= 20
    assert len(by_table["disclosure"]) >= 6
    # the labels are the rows the printed (clean) label texts name
    agree = sum(keyword_baseline(s) == s["label"] for s in samples)
    assert agree >= 0.95 * len(samples)


def test_review_samples_carry_cells_and_calibration(reviewed_store):
    _db, conn, result = reviewed_store
    samples = review_samples(conn)
    assert samples.documents == 1 and samples.labels and not samples.skipped
    cells = {c["field_id"]: c for c in samples.cells}
    assert cells[MISREAD]["correct"] is False and cells[MISREAD]["action"] == "edit"
    assert cells[MISREAD]["value"] == result["fields"][MISREAD]["value"] - 10
    calibration = {c["field"]: c for c in samples.calibration}
    # the signals extraction computed, and the verdict of review
    assert calibration[MISREAD] == {**result["fields"][MISREAD]["signals"], "correct": 0, "set": "review",
                                    "doc": result["sha256"], "field": MISREAD}
    assert sum(c["correct"] for c in samples.calibration) == len(samples.calibration) - 1


def test_train_from_db_retrains_and_records_the_model(reviewed_store, tmp_path):
    db, conn, _result = reviewed_store
    data = tmp_path / "data"
    data.mkdir()
    for split, stride in (("train", 12), ("test", 16)):  # every k-th record: every class, a quick fit
        lines = (REPO / "training_data" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        (data / f"{split}.jsonl").write_text("\n".join(lines[::stride]) + "\n", encoding="utf-8")
    model = tmp_path / "model.skops"
    result = CliRunner().invoke(app, ["train", "--from-db", str(db), "--data", str(data), "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "label samples from 1 documents" in " ".join(result.output.split())
    from pipeline.classify.model import load_model

    assert load_model(model).predict_proba
    assert "review:" in model.with_suffix(".md").read_text(encoding="utf-8")  # the card counts them
    run = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(run["argv"])[:3] == ["govreport", "train", "--from-db"]
    import hashlib

    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    assert digest in json.loads(run["model_versions_json"])["label_classifier"]
    summary = json.loads(run["summary_json"])["trained_from_review"]
    assert summary["review_log_upto"] == len(store.review_log(conn)) and summary["label_samples"] > 20
    written = Path(str(db) + ".training")
    assert {p.name for p in written.iterdir()} == {"labels.jsonl", "cells.jsonl", "calibration.jsonl"}


def test_train_from_db_without_reviews_says_so(tmp_path):
    db = tmp_path / "empty.sqlite"
    store.open_store(db).close()
    result = CliRunner().invoke(app, ["train", "--from-db", str(db)])
    assert result.exit_code == 2 and "review some fields first" in " ".join(result.output.split())
