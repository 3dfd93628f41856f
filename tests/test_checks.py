"""The schema's rules as named checks: sum rules per instance, field rules per table."""
from pipeline.model import FieldValue
from pipeline.schema import load_template
from pipeline.validate import run_checks


def _all_zero(template):
    return {f: FieldValue(0, 0.99, "ok") for f in template.field_ids()}


def test_every_rule_of_a_clean_table_is_named_and_passes():
    template = load_template("2019")
    checks = run_checks(template, _all_zero(template))
    names = {c.rule for c in checks}
    assert {"requests.row_total[received]", "requests.balance[total]", "appeals.appeals_total[review]",
            "disclosure.nonnegative", "requests.whole_number", "disclosure.money_range"} <= names
    assert all(c.ok for c in checks)


def test_negative_count_fails_nonnegative_but_a_negative_change_is_signed():
    template = load_template("2019")
    fields = _all_zero(template)
    fields["disclosure.licensing.change"].value = -3  # 本年增/减 is signed
    fields["disclosure.licensing.decisions"].value = -1
    failing = {c.rule: c for c in run_checks(template, fields) if not c.ok}
    assert set(failing) == {"disclosure.nonnegative"}
    assert failing["disclosure.nonnegative"].fields == ["disclosure.licensing.decisions"]
    assert fields["disclosure.licensing.decisions"].status == "inconsistent"
    assert fields["disclosure.licensing.decisions"].value == -1  # the printed value stays
    assert fields["disclosure.licensing.change"].status == "ok"


def test_fractional_count_and_implausible_money_are_named():
    template = load_template("2021")
    fields = _all_zero(template)
    fields["requests.granted.natural_person"].value = 2.5
    fields["requests.granted.total"].value = 2.5  # keep the row sum intact
    fields["disclosure.fees.amount_yuan"].value = 5e12
    failing = {c.rule for c in run_checks(template, fields) if not c.ok}
    assert "requests.whole_number" in failing and "disclosure.money_range" in failing
    assert fields["disclosure.fees.amount_yuan"].status == "inconsistent"
