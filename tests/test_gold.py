"""Every shared document extracts exactly as hand-verified, with no confident wrong value,
and the printed anomalies the gold notes describe come out as failing checks."""
import pytest

from pipeline.extract import calibrator, extract_file
from pipeline.model import CONFIDENT
from pipeline.trust import ok_level

from .conftest import SHARED, gold_for, gold_inputs, needs_shared


@needs_shared
@pytest.mark.parametrize("path", gold_inputs(), ids=lambda p: p.name)
def test_document_matches_gold(path):
    gold = gold_for(path)
    result = extract_file(path)
    assert result.template == gold["template"]
    if gold["template"] is None:  # must be refused, with the reason
        assert not result.fields and any("not a supported report" in e for e in result.errors)
    assert result.hybrid == gold["hybrid"]
    assert result.year == gold["year"]
    assert set(result.fields) == set(gold["fields"])
    wrong = {f: (g, result.fields[f].value) for f, g in gold["fields"].items()
             if g is not None and result.fields[f].value != pytest.approx(g)}
    assert not wrong
    for field in result.fields.values():
        assert 0.0 <= field.confidence <= 1.0
        if field.status == "ok":
            assert field.confidence >= CONFIDENT


@needs_shared
def test_gold_null_fields_are_not_invented():
    # seed 003 prints no 四、结转下年度继续办理 row
    result = extract_file(SHARED / "seeds/003_a929f22f00d6b349.txt")
    for column in ("natural_person", "total"):
        field = result.fields[f"requests.carried_forward.{column}"]
        assert field.value is None and field.status == "missing"


@needs_shared
@pytest.mark.parametrize("name", ["reports/pdf/hongze_district_2023.pdf",
                                  "reports/text/014_hongze_district_2023_pdf_pdfminer.txt",
                                  "reports/text/015_hongze_district_2023_pdf_pypdf.txt"])
def test_wrong_printed_totals_are_kept_and_flagged(name):
    result = extract_file(SHARED / name)
    failing = {c.rule: c for c in result.checks if not c.ok}
    review = failing["appeals.appeals_total[review]"]
    assert (review.expected, review.printed) == (11, 0)
    assert "appeals.appeals_total[litigation_after_review]" in failing
    total = result.fields["appeals.review.total"]
    assert total.value == 0 and total.status == "inconsistent"
    # 维持 10 + 纠正 1 over 总计 0: only the total can be off without a count turning negative,
    # so the parts are not inconsistent; they stay as printed and say where the rules point
    upheld = result.fields["appeals.review.upheld"]
    assert upheld.value == 10 and upheld.status != "inconsistent"
    assert "the rules point at" in " ".join(upheld.reasons) and "appeals.review.total" in " ".join(upheld.reasons)
    # 复议后起诉: 维持 5 over 总计 0, the rest 0: the 维持 or the total may be off, the zeros not
    after = {c: result.fields[f"appeals.litigation_after_review.{c}"].status for c in ("upheld", "corrected", "total")}
    assert after == {"upheld": "inconsistent", "corrected": after["corrected"], "total": "inconsistent"}
    assert after["corrected"] != "inconsistent"


@needs_shared
def test_printed_zero_total_row_fails_results_and_balance_rules():
    result = extract_file(SHARED / "seeds/001_fbbed35e721b98e3.txt")
    failing = {c.rule for c in result.checks if not c.ok}
    assert failing == {"requests.results_total[natural_person]", "requests.results_total[total]",
                       "requests.balance[natural_person]", "requests.balance[total]"}
    assert result.fields["requests.handled_total.natural_person"].value == 0


@needs_shared
def test_rows_with_lost_cells_say_so_and_are_only_as_trusted_as_measured():
    # seed 000: section 三 rows print 6 or 8 numbers for 7 cells, section 四 14 for 15
    result = extract_file(SHARED / "seeds/000_777780e1fe126479.txt")
    lost = [f for f in result.fields.values() if f.signals.get("reading") == "lost_cell"]
    assert lost and all(f.value == 0 and any("lost in conversion" in r for r in f.reasons) for f in lost)
    model = calibrator()[0]
    for field in result.fields.values():
        assert (field.status == "ok") == (field.confidence >= ok_level(model, field.signals) and field.status not in
                                          ("inconsistent", "missing"))
    assert result.fields["requests.received.total"].signals["reading"] == "as_printed"


@needs_shared
def test_metadata_and_money():
    result = extract_file(SHARED / "seeds/002_c118c1f3c5e39f04.txt")
    assert result.agency == "无锡市滨湖区行政审批局"
    assert result.fields["disclosure.procurement.amount_yuan"].value == 226700
    pdf = extract_file(SHARED / "reports/pdf/huaian_city_2024.pdf")
    assert pdf.fields["disclosure.fees.amount_yuan"].value == 961716000
    evidence = pdf.fields["requests.received.total"].evidence
    assert evidence.page is not None and evidence.bbox is not None and "3119" in evidence.text
