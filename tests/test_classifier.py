"""Trained label classifier: safe loading, noise robustness, joint decoding, the spotter
on a real document, and a tiny training run."""
import random
import zipfile

import pytest

from pipeline.classify import data
from pipeline.classify.decode import NONE, decode
from pipeline.classify.model import DEFAULT_PATH, ModelError, ModelSpotter, load_model
from pipeline.schema import load_template

from .conftest import SHARED, gold_for, needs_shared

needs_model = pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason="no trained model (govreport train)")


def test_missing_model_names_train(tmp_path):
    with pytest.raises(ModelError, match="govreport train"):
        load_model(tmp_path / "absent.skops")


@needs_model
def test_untrusted_types_are_refused(tmp_path):
    # rewrite the archive's schema so one object claims a foreign type
    bad = tmp_path / "bad.skops"
    with zipfile.ZipFile(DEFAULT_PATH) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "schema.json":
                content = content.replace(b'"pipeline.classify.features"', b'"os"', 1) \
                    .replace(b'"FieldText"', b'"system"', 1)
            dst.writestr(item, content)
    with pytest.raises(ModelError, match="not trusted"):
        load_model(bad)


@needs_model
@pytest.mark.parametrize("style", ["clean", "ocr", "traditional"])
def test_labels_of_unseen_generated_reports_classified(style):
    # a seed the training data never used: these reports are new to the model
    rng = random.Random(99_991)
    recs = []
    for layout in data.LAYOUTS:
        report = data.synthetic_report(rng.choice(["2019", "2021", "2021-hybrid"]), rng, layout, style)
        for labelled in data.label_report(report).values():
            recs += labelled.records
    labelled = [r for r in recs if r["label"] != NONE]
    assert len(labelled) > 100
    pred = load_model().predict(labelled)
    accuracy = sum(p == r["label"] for p, r in zip(pred, labelled)) / len(labelled)
    assert accuracy >= 0.97


def test_training_data_holds_no_shared_document():
    """The gold gates score the shared documents: none of them may be in the training data."""
    from pipeline.classify.train import DATA_DIR, read_records

    train, test = read_records(DATA_DIR)
    assert {r["source"] for r in train + test} == {"synthetic"}
    assert all(r["doc"].startswith("synthetic-") for r in train + test)
    assert not {r["doc"] for r in train} & {r["doc"] for r in test}
    if SHARED.exists():
        shared_lines = {line.strip() for p in SHARED.rglob("*.txt")
                        for line in p.read_text(encoding="utf-8", errors="ignore").splitlines() if len(line.strip()) > 30}
        assert not shared_lines & {r["text"] for r in train}


def test_group_enumerator_glued_to_its_first_row_is_cut_off():
    from pipeline.classify.candidates import candidates
    from pipeline.labels import row_labels
    from pipeline.layout import Section
    from pipeline.model import Token

    tokens = [Token("text", "三、收到和处理政府信息公开申请情况"), Token("text", "（五）1.信访举报投诉类申请"),
              Token("number", "0", value=0), Token("text", "不予处理"), Token("text", "2.重复申请"),
              Token("number", "0", value=0)]
    cands = candidates(tokens, Section("requests", 0, len(tokens)), row_labels("requests"))
    assert [c.text for c in cands] == ["(五)", "1.信访举报投诉类申请", "不予处理", "2.重复申请"]


def test_generated_candidates_are_labelled_by_the_cell_that_holds_them():
    rng = random.Random(5)
    report = data.synthetic_report("2021", rng, "pdf_lines", "clean")
    labelled = data.label_report(report)["requests"]
    assert labelled.lost_labels == 0 and labelled.unmatched == 0
    rows = [r["label"] for r in labelled.records if r["label"] != NONE]
    printed = [c.label for _, c, _ in report.pieces["requests"] if c.label != NONE]
    assert rows == list(dict.fromkeys(printed))  # every printed row label, once, in printed order
    assert all(r["label"] == NONE for r in labelled.records if r["text"] in ("申请人情况", "自然人", "总计"))


def test_decoding_keeps_a_missing_row_missing():
    order = ["a", "b", "c", "d"]
    # row b is not printed; the third candidate is a weak c that also looks a bit like b
    probs = [{"a": 0.97, NONE: 0.03}, {NONE: 0.9, "b": 0.05, "c": 0.05},
             {"b": 0.3, "c": 0.6, NONE: 0.1}, {"d": 0.95, NONE: 0.05}]
    assert decode(probs, order) == ["a", NONE, "c", "d"]
    # a candidate that prefers an earlier row than its predecessor is settled by order
    probs = [{"a": 0.9, NONE: 0.1}, {"c": 0.9, NONE: 0.1}, {"b": 0.45, "d": 0.4, NONE: 0.15}]
    assert decode(probs, order) == ["a", "c", "d"]


@needs_shared
@needs_model
@pytest.mark.parametrize("name", ["reports/text/017_hongze_district_2024_pdf_pypdf.txt",
                                  "reports/text/016_hongze_district_2024_pdf_pdfminer.txt",
                                  "reports/text/014_hongze_district_2023_pdf_pdfminer.txt",
                                  "seeds/001_fbbed35e721b98e3.txt",
                                  "seeds/004_a9dbc25bac2331b1.txt"])  # no shared document is in training
def test_spotter_finds_gold_rows(name):
    from pipeline.extract import _headings
    from pipeline.labels import row_labels
    from pipeline.layout import find_sections, tokenize
    from pipeline.readers import read_document

    path = SHARED / name
    gold = gold_for(path)
    tokens = tokenize(read_document(path))
    sections = find_sections(tokens, _headings())
    spotter = ModelSpotter()
    for table_id in data.TABLES:
        hits = spotter.spot(tokens, sections[table_id], row_labels(table_id))
        template = load_template(gold["template"] if not gold["hybrid"] else "2021-hybrid")
        expected = [r.id for r in template.table(table_id).rows
                    if any(gold["fields"].get(f"{table_id}.{r.id}.{c}") is not None for c in r.columns)]
        assert [h.row for h in hits] == expected
        # context can make the model less sure (pdfminer prints 3.补正后… after （五）不予处理),
        # which lowers the score, but no hit here may be one the template order could not place
        assert all(h.score > 0.5 for h in hits)


def _write(directory, train, test):
    import json

    directory.mkdir(parents=True, exist_ok=True)
    for split, part in (("train", train), ("test", test)):
        (directory / f"{split}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part))


def test_train_on_tiny_subset_learns(tmp_path):
    """A model trained on a few generated reports labels held-out reports far better than
    always saying the most common class, and far better than a model trained on shuffled labels."""
    from pipeline.classify.train import run

    rng = random.Random(3)
    recs, _ = data.synthetic_records(16, rng, layouts=("cells", "pdf_lines"))
    docs = sorted({r["doc"] for r in recs})
    held_out = set(docs[-4:])
    train = [r for r in recs if r["doc"] not in held_out]
    counts = {label: sum(r["label"] == label for r in train) for label in {r["label"] for r in train}}
    train = [r for r in train if counts[r["label"]] >= 3]  # calibration needs 3 examples per class
    test = [r for r in recs if r["doc"] in held_out]
    _write(tmp_path / "real", train, test)
    metrics = run(tmp_path / "real", tmp_path / "real/m.skops")
    assert (tmp_path / "real/m.skops").is_file() and (tmp_path / "real/m.md").is_file()
    assert load_model(tmp_path / "real/m.skops") is not None
    assert 0.0 <= metrics["ece"] <= 1.0

    labels = [r["label"] for r in train]
    random.Random(0).shuffle(labels)
    _write(tmp_path / "shuffled", [dict(r, label=lab) for r, lab in zip(train, labels)], test)
    control = run(tmp_path / "shuffled", tmp_path / "shuffled/m.skops")

    truth = [r["label"] for r in test]
    majority = max(truth.count(t) for t in set(truth)) / len(truth)
    assert metrics["accuracy"] >= majority + 0.3, (metrics["accuracy"], majority)
    assert metrics["accuracy"] >= control["accuracy"] + 0.3, (metrics["accuracy"], control["accuracy"])
    assert control["accuracy"] <= majority + 0.1, (control["accuracy"], majority)  # the control learned nothing
