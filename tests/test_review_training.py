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


def _small_training_data(data: Path, calibration: bool = True) -> None:
    """Every k-th record of the shipped training data: every class, a quick fit."""
    import gzip

    data.mkdir()
    for split, stride in (("train", 12), ("test", 16)):
        lines = (REPO / "training_data" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        (data / f"{split}.jsonl").write_text("\n".join(lines[::stride]) + "\n", encoding="utf-8")
    if calibration:
        with gzip.open(REPO / "training_data" / "calibration.jsonl.gz", "rt", encoding="utf-8") as fh, \
                gzip.open(data / "calibration.jsonl.gz", "wt", encoding="utf-8") as out:
            out.write("".join(line for i, line in enumerate(fh) if i % 100 == 0))


def test_train_from_db_retrains_and_records_the_model(reviewed_store, tmp_path):
    db, conn, _result = reviewed_store
    data = tmp_path / "data"
    _small_training_data(data)
    model = tmp_path / "model.skops"
    result = CliRunner().invoke(app, ["train", "--from-db", str(db), "--data", str(data), "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "label samples from 1 documents" in " ".join(result.output.split())
    from pipeline.classify.model import load_model
    from pipeline.trust import load_calibrator

    assert load_model(model).predict_proba
    assert "review:" in model.with_suffix(".md").read_text(encoding="utf-8")  # the card counts them
    # the calibrator is refitted in the same command, beside the classifier, with the reviewed fields
    calibrator = model.with_name("confidence_calibrator.skops")
    assert load_calibrator(calibrator) is not None and "1 corrected" in result.output
    runs = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 2").fetchall()
    assert json.loads(runs[0]["argv"])[:4] == ["govreport", "train", "--calibrator", "--from-db"]
    assert json.loads(runs[0]["model_versions_json"])["confidence_calibrator"].startswith("confidence_calibrator")
    run = runs[1]
    assert json.loads(run["argv"])[:3] == ["govreport", "train", "--from-db"]
    import hashlib

    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    assert digest in json.loads(run["model_versions_json"])["label_classifier"]
    summary = json.loads(run["summary_json"])["trained_from_review"]
    assert summary["review_log_upto"] == len(store.review_log(conn)) and summary["label_samples"] > 20
    from pipeline.classify.value_prior import ValuePrior

    prior = ValuePrior.load(model.with_name("value_prior.json"))  # the store's trusted values, per field
    assert prior.observations > 100 and prior.counts[MISREAD]
    assert "value_prior.json sha256:" in json.loads(run["model_versions_json"])["value_prior"]
    written = Path(str(db) + ".training")
    assert {p.name for p in written.iterdir()} == {"labels.jsonl", "cells.jsonl", "calibration.jsonl"}


def test_train_from_db_without_calibration_data_stops_before_training(reviewed_store, tmp_path):
    db, _conn, _result = reviewed_store
    data = tmp_path / "data"
    _small_training_data(data, calibration=False)
    model = tmp_path / "model.skops"
    result = CliRunner().invoke(app, ["train", "--from-db", str(db), "--data", str(data), "--out", str(model)])
    assert result.exit_code == 2 and "--no-calibrator" in " ".join(result.output.split())
    assert not model.exists()
    result = CliRunner().invoke(app, ["train", "--from-db", str(db), "--data", str(data), "--out", str(model),
                                      "--no-calibrator"])
    assert result.exit_code == 0, result.output
    assert model.exists() and not model.with_name("confidence_calibrator.skops").exists()


def test_train_from_db_without_reviews_says_so(tmp_path):
    db = tmp_path / "empty.sqlite"
    store.open_store(db).close()
    result = CliRunner().invoke(app, ["train", "--from-db", str(db)])
    assert result.exit_code == 2 and "review some fields first" in " ".join(result.output.split())


@pytest.fixture(scope="module")
def run_together(tmp_path_factory):
    """A generated report as BeautifulSoup's get_text() saves it: table cells run together
    ("12" and "34" print "1234"), so no printed number sequence follows a row label as its cells."""
    from pipeline.corpus.generate import corpus_documents, generate

    pytest.importorskip("bs4")
    out = tmp_path_factory.mktemp("corpus")
    generate(out, 1, "review-training-test", ["bs4_get_text"], log=lambda _m: None)
    [(path, truth_path)] = corpus_documents(out, "bs4_get_text")
    gold = json.loads(truth_path.read_text(encoding="utf-8"))
    doc = load_document(path)
    result = extract_file(path)
    truth = {f: float(v) for f, v in gold["fields"].items() if v is not None}
    return doc, result, truth


def _distinct_rows(result, truth, table_id):
    """Rows of the table whose reviewed values are not all zero and no other row has."""
    from pipeline.schema import load_template

    table = load_template(result.template).table(table_id)
    rows = {r.id: tuple(truth.get(table.field_id(r.id, c)) for c in r.columns) for r in table.rows}
    return {r for r, v in rows.items() if None not in v and any(v) and list(rows.values()).count(v) == 1}


def test_rows_extraction_read_right_label_their_lines_where_numbers_run_together(run_together):
    doc, result, truth = run_together
    samples = label_samples(doc, result.template, truth, "t")
    labelled = [s["label"] for s in samples if s["table"] == "requests"]
    distinct = _distinct_rows(result, truth, "requests")
    # the printed numbers never line up with a row here; the rows extraction read right do
    right = {f.split(".")[1] for f, fv in result.fields.items()
             if f.startswith("requests.") and fv.value is not None and f in truth and fv.value == truth[f]}
    wrong = {f.split(".")[1] for f, fv in result.fields.items() if f.startswith("requests.") and f in truth
             and fv.value != truth[f]}
    expected = distinct & right - wrong
    assert expected and set(labelled) >= expected and len(labelled) == len(set(labelled))
    assert all(keyword_baseline(s) == s["label"] for s in samples)  # the labels print clean here
    # a row whose reviewed values differ from what extraction read is not confirmed by the reading
    row = sorted(expected)[0]
    edited = {f: (v + 1 if f.startswith(f"requests.{row}.") else v) for f, v in truth.items()}
    again = [s["label"] for s in label_samples(doc, result.template, edited, "t") if s["table"] == "requests"]
    assert row not in again and set(again) >= expected - {row}


def test_calibrator_refits_from_db_and_records_the_model(reviewed_store, tmp_path):
    import gzip

    from pipeline.trust import load_calibrator

    db, conn, _result = reviewed_store
    data = tmp_path / "calibration.jsonl"
    with gzip.open(REPO / "training_data" / "calibration.jsonl.gz", "rt", encoding="utf-8") as fh:
        data.write_text("".join(line for i, line in enumerate(fh) if i % 100 == 0), encoding="utf-8")
    model = tmp_path / "calibrator.skops"
    result = CliRunner().invoke(app, ["train", "--calibrator", "--from-db", str(db), "--data", str(data),
                                      "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "1 corrected" in result.output and "set:review" in result.output  # scored as its own set
    assert load_calibrator(model) is not None
    run = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(run["argv"])[:4] == ["govreport", "train", "--calibrator", "--from-db"]
    import hashlib

    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    assert digest in json.loads(run["model_versions_json"])["confidence_calibrator"]


def test_one_unsafe_risk_group_does_not_flag_the_others():
    """A base family whose scattered tables err at the top confidence once sent every risk group
    to 1.0 (a refit from review flagged every plain field): now only the unsafe group gets 1.0."""
    import gzip

    import numpy as np

    from pipeline import calibration
    from pipeline.trust import risk_group

    with gzip.open(REPO / "training_data" / "calibration.jsonl.gz", "rt", encoding="utf-8") as fh:
        base = next(r for r in map(json.loads, fh)
                    if r["table_unprinted"] == 0 and not calibration.never_ok(r) and risk_group(r) == "plain")
    plain = [dict(base, set="a", correct=1) for _ in range(1200)]
    rebuilt = [dict(base, set="b", table_unprinted=0.6, correct=int(i >= 5)) for i in range(1200)]
    assert {risk_group(r) for r in rebuilt} == {"rebuilt"} and not any(map(calibration.never_ok, rebuilt))
    # the rebuilt group's 5 errors sit above every level below 1.0; its right values at 0.995
    probs = np.array([0.95] * 1200 + [0.99995] * 5 + [0.995] * 1195)
    assert calibration.choose_ok_levels(plain + rebuilt, probs) == {"plain": 0.9, "rebuilt": 1.0}
