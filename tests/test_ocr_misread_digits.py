"""A digit blur makes OCR misread the same way in every cell (0 read as 6, by both reads): where
sum rules cover the cells they fail, and a value no rule checks that shows the same digit is
never ok, however sure its reads were (issue 13: a confident wrong value on a blurred scan)."""
from pathlib import Path

from pipeline.extract import extract_document
from pipeline.readers import read_document
from pipeline.trust import misread_digits

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_c118c1f3c5e39f04.txt"


def _as_scan(misread_rows: tuple[str, ...], unchecked_cell: str | None):
    """The seed as if OCR'd with both reads agreeing on every cell; the other_org cell of each
    of `misread_rows` and the first cell after `unchecked_cell`'s label read 6 for their 0."""
    doc = read_document(SEED)
    lines = [line for page in doc.pages for line in page.lines]
    texts = ["".join(b.text for b in line.boxes) for line in lines]

    def cell(label: str, k: int):
        start = next(i for i, t in enumerate(texts) if t.endswith(label))
        box = lines[start + 1 + k].boxes[0]
        assert box.text == "0"
        return box

    for label in misread_rows:
        cell(label, 5).text = "6"
    if unchecked_cell:
        cell(unchecked_cell, 0).text = "6"
    for page in doc.pages:
        page.path = "ocr"
        for line in page.lines:
            for box in line.boxes:
                box.score, box.agree = 0.99, True
    return extract_document(doc)


def test_failing_rules_that_one_digit_would_mend_name_the_digit():
    result = _as_scan(("上年结转政府信息公开申请数量", "属于国家秘密"), None)
    fields = {f: v for f, v in result.fields.items() if v.value is not None}
    ocr = set(fields)
    # each row fails by 6: its 6 read for 0, or its total read 0 for 6, the rules cannot tell
    assert set(misread_digits(_template(result), fields, ocr)) >= {"6"}
    # one value that mends every failing rule (here the one misread 6; as well a total printed
    # wrong) shows no habit of the scan's OCR: nothing is named
    one = _as_scan(("上年结转政府信息公开申请数量",), None)
    one_fields = {f: v for f, v in one.fields.items() if v.value is not None}
    assert misread_digits(_template(one), one_fields, set(one_fields)) == {}
    # where every rule holds, nothing is named
    clean = _as_scan((), None)
    clean_fields = {f: v for f, v in clean.fields.items() if v.value is not None}
    assert misread_digits(_template(clean), clean_fields, set(clean_fields)) == {}


def test_an_unchecked_value_showing_a_digit_the_rules_caught_misread_is_never_ok():
    field = "disclosure.rules.new_made"
    alone = _as_scan((), "规章").fields[field]
    assert alone.value == 6 and alone.status == "ok"  # nothing checks it: read twice alike, it passes
    caught = _as_scan(("上年结转政府信息公开申请数量", "属于国家秘密"), "规章")
    value = caught.fields[field]
    assert value.value == 6 and value.status != "ok" and value.confidence < 0.9
    assert any("may misread the digits 6" in r for r in value.reasons)
    # a value holding rules check keeps its level
    assert caught.fields["requests.received.total"].status == "ok"


def _template(result):
    from pipeline.schema import load_template

    return load_template(result.template)
