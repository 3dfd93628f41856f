"""The value prior: an archive's own magnitudes order the readings a row's sum rules leave open."""
import json

import pytest

from pipeline.classify.value_prior import ValuePrior, ValuePriorError, magnitude
from pipeline.extract import extract_document, load_document


def test_magnitude_classes():
    assert [magnitude(v) for v in (0, 7, 10, 99, 2171, -3, -40, 0.5, 10 ** 15)] == \
        ["0", "+0", "+1", "+1", "+3", "-0", "-1", "+f", "+12"]


def test_learned_magnitudes_order_readings_and_unknown_fields_are_neutral():
    prior = ValuePrior.fit([("a", 3), ("a", 5), ("a", 8), ("b", 2100), ("b", 900), ("b", 4000), ("a", None)])
    assert prior.observations == 6
    assert prior.score(["a", "b"], [6, 3000]) > prior.score(["a", "b"], [600, 30])
    assert prior.log_likelihood("never seen", 12345) == 0.0 and prior.log_likelihood("a", None) == 0.0


def test_round_trip_and_broken_files_are_refused(tmp_path):
    prior = ValuePrior.fit([("a", 3), ("b", -20)])
    path = tmp_path / "value_prior.json"
    prior.save(path)
    assert ValuePrior.load(path).counts == prior.counts
    path.write_text(json.dumps({"format": 99, "counts": {}}), encoding="utf-8")
    with pytest.raises(ValuePriorError, match="not a value prior"):
        ValuePrior.load(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValuePriorError):
        ValuePrior.load(path)


@pytest.fixture(scope="module")
def run_together_family(tmp_path_factory):
    """Generated reports as BeautifulSoup's get_text() saves them: cells run together, so many
    rows print one digit run that several splits fit (`1110`: 1|1|10, 1|11|0, 11|1|0)."""
    from pipeline.corpus.generate import corpus_documents, generate

    pytest.importorskip("bs4")
    out = tmp_path_factory.mktemp("corpus")
    generate(out, 6, "value-prior-test", ["bs4_get_text"], log=lambda _m: None)
    docs = [(path, json.loads(truth.read_text(encoding="utf-8"))["fields"])
            for path, truth in corpus_documents(out, "bs4_get_text")]
    return docs


def _open_cells(result, truth):
    """(right, total) over values the sum rules left open (several readings)."""
    cells = [(f, fv.value) for f, fv in result.fields.items() if fv.signals.get("reading") == "several_readings"]
    return sum(1 for f, v in cells if truth.get(f) is not None and v == truth[f]), len(cells)


def test_extraction_shows_the_open_reading_whose_magnitudes_the_prior_knows_and_only_there(run_together_family):
    # the prior knows these very documents' magnitudes: this checks that extraction uses it
    # where the sum rules leave readings open, not how well a prior generalizes (models/value_prior.md)
    prior = ValuePrior.fit((f, v) for _path, truth in run_together_family for f, v in truth.items())
    right_without = right_with = open_total = 0
    for path, truth in run_together_family:
        doc = load_document(path)
        plain, learned = extract_document(doc, value_prior=None), extract_document(doc, value_prior=prior)
        for result in (plain, learned):  # an open reading stays open, whichever is shown
            assert not [f for f, fv in result.fields.items()
                        if fv.signals.get("reading") == "several_readings" and fv.status == "ok"]
        changed = {f for f, fv in plain.fields.items() if fv.value != learned.fields[f].value}
        assert all("several_readings" in (plain.fields[f].signals.get("reading"), learned.fields[f].signals.get("reading"))
                   for f in changed)
        right, total = _open_cells(plain, truth)
        right_without += right
        open_total += total
        right_with += _open_cells(learned, truth)[0]
    assert open_total > 0 and right_with > right_without
