"""Numbers the narrative states about the tables become named checks, never changed values."""
from pipeline.extract import extract_file
from pipeline.narrative import statements
from pipeline.schema import load_template

from .conftest import SHARED, needs_shared

T2021 = load_template("2021")


def test_request_and_appeal_statements_with_their_breakdown():
    text = ("2024年，全市共受理政府信息公开申请 3,119 件，答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到"
            "下年度答复）。政府信息公开行政复议 351 件，其中结果维持 72 件，结果纠正 64 件，尚未审结 37 件；"
            "政府信息公开行政诉讼 46 件，其中结果维持 25 件。")
    found = {(s.claim, s.fields, s.stated) for s in statements(text, T2021)}
    assert ("received", ("requests.received.total",), 3119) in found
    assert ("handled", ("requests.handled_total.total",), 3050) in found
    assert ("carried_over", ("requests.carried_over.total",), 34) in found
    assert ("carried_forward", ("requests.carried_forward.total",), 103) in found
    assert ("review_upheld", ("appeals.review.upheld",), 72) in found
    assert ("litigation", ("appeals.litigation_direct.total", "appeals.litigation_after_review.total"), 46) in found
    assert ("litigation_upheld", ("appeals.litigation_direct.upheld", "appeals.litigation_after_review.upheld"),
            25) in found


def test_counts_of_other_work_are_no_statement_about_the_tables():
    text = ("全年共办结各类审批服务事项9000件，受理行政审批申请5000件。其中自然人申请20件，同比增长3件。"
            "本年度废止规范性文件5件。")
    assert statements(text, T2021) == []


def test_template_decides_which_column_a_statement_names():
    text = "本年度制发规范性文件12件。"
    assert statements(text, T2021)[0].fields == ("disclosure.normative_docs.issued",)
    assert statements(text, load_template("2019"))[0].fields == ("disclosure.normative_docs.new_made",)


@needs_shared
def test_narrative_that_contradicts_the_table_is_a_failing_check_and_the_value_stays():
    result = extract_file(SHARED / "reports/pdf/hongze_district_2024.pdf")
    check = next(c for c in result.checks if c.rule == "narrative.received")
    assert (check.expected, check.printed, check.ok) == (17, 95, False)
    field = result.fields["requests.received.total"]
    assert field.value == 95 and field.status != "ok"
    assert any("narrative states 17" in r for r in field.reasons)
    agreeing = extract_file(SHARED / "reports/pdf/huaian_city_2024.pdf")
    narrative = [c for c in agreeing.checks if c.rule.startswith("narrative.")]
    assert len(narrative) >= 10 and all(c.ok for c in narrative)


def test_enumerated_claims_and_clauses_saying_there_was_none():
    found = lambda text: {(s.claim, s.stated) for s in statements(text, T2021)}  # noqa: E731
    assert found("全年发生政府信息公开行政复议33起、行政诉讼11起。") == {("review", 33), ("litigation", 11)}
    # one number for both: no claim on either
    assert found("全年发生政府信息公开行政复议、行政诉讼各1起。") == set()
    assert found("全年未发生因政府信息公开引起的行政复议、行政诉讼。") == {("review", 0), ("litigation", 0)}
    assert found("2017年未收到有关政府信息公开行政复议、提起行政诉讼的申请。") == {("review", 0), ("litigation", 0)}
    assert found("本年度未发生因政府信息公开申请引起的行政复议，发生政府信息公开行政诉讼2起。") == \
        {("review", 0), ("litigation", 2)}
    assert found("（二）依申请公开。2021年，未收到政府信息公开申请。") == {("received", 0)}
    # none of something else: a result, or no negation before the words
    assert found("本年度政府信息公开工作未发生行政复议被纠错的情况。") == set()
    assert found("政府信息公开行政复议案件未发生。") == set()
