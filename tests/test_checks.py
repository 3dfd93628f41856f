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
    assert fields["disclosure.licensing.decisions"].value == -1  # the printed value stays


def test_fractional_count_and_implausible_money_are_named():
    template = load_template("2021")
    fields = _all_zero(template)
    fields["requests.granted.natural_person"].value = 2.5
    fields["requests.granted.total"].value = 2.5  # keep the row sum intact
    fields["disclosure.fees.amount_yuan"].value = 5e12
    failing = {c.rule for c in run_checks(template, fields) if not c.ok}
    assert "requests.whole_number" in failing and "disclosure.money_range" in failing


def _requests_consistent(template):
    """All zeros but one application received and granted (every sum rule holds)."""
    fields = _all_zero(template)
    for f in ("received", "granted", "handled_total"):
        for col in ("natural_person", "total"):
            fields[f"requests.{f}.{col}"].value = 1
    assert all(c.ok for c in run_checks(template, fields))
    return fields


def test_a_wrong_printed_total_is_pinned_by_its_row_and_column_rules():
    from pipeline.validate import pinned_values

    template = load_template("2019")
    fields = _requests_consistent(template)
    # the report prints 0 for 三、总计 of 自然人 and of 总计: the column and balance rules fail
    fields["requests.handled_total.natural_person"].value = 0
    fields["requests.handled_total.total"].value = 0
    checks = run_checks(template, fields)
    assert any(not c.ok for c in checks)
    assert pinned_values(template, fields, checks) == {"requests.handled_total.natural_person",
                                                       "requests.handled_total.total"}
    assert fields["requests.handled_total.total"].value == 0  # the printed values stay


def test_a_wrong_part_of_a_row_only_its_total_checks_is_not_pinned():
    from pipeline.validate import pinned_values

    template = load_template("2019")
    fields = _all_zero(template)
    fields["appeals.review.upheld"].value = 3  # total printed 0: any of the row's five cells may be off
    checks = run_checks(template, fields)
    assert [c.rule for c in checks if not c.ok] == ["appeals.appeals_total[review]"]
    assert pinned_values(template, fields, checks) is None
    assert pinned_values(template, _all_zero(template), run_checks(template, _all_zero(template))) is None
