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
def test_noised_labels_classified():
    model = load_model()
    rng = random.Random(7)
    recs = []
    for _ in range(20):
        key = rng.choice(["2019", "2021"])
        for table_id in data.TABLES:
            segs = data.synthetic_section(key, table_id, rng, rng.choice(["ocr", "traditional", "paraphrase"]))
            recs += data.label_candidates(segs, table_id, "heading")
    labelled = [r for r in recs if r["label"] != NONE]
    pred = model.predict(labelled)
    accuracy = sum(p == r["label"] for p, r in zip(pred, labelled)) / len(labelled)
    assert accuracy >= 0.97


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
                                  "seeds/004_a9dbc25bac2331b1.txt"])  # held out from training
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


def test_train_on_tiny_subset(tmp_path):
    from pipeline.classify.train import run

    rng = random.Random(3)
    recs = []
    for k in range(12):
        recs += [dict(r, doc=f"d{k}", source="synthetic", variant="clean")
                 for t in data.TABLES
                 for r in data.label_candidates(data.synthetic_section("2021", t, rng, "clean"), t, "h")]
    import json

    for split, part in (("train", recs[: len(recs) * 3 // 4]), ("test", recs[len(recs) * 3 // 4:])):
        (tmp_path / f"{split}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in part))
    metrics = run(tmp_path, tmp_path / "m.skops")
    assert (tmp_path / "m.skops").is_file() and (tmp_path / "m.md").is_file()
    assert 0.0 <= metrics["ece"] <= 1.0
    assert load_model(tmp_path / "m.skops") is not None
