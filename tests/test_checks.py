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


def test_a_row_whose_every_cell_a_change_could_fix_is_not_pinned():
    from pipeline.validate import pinned_values

    template = load_template("2019")
    fields = _all_zero(template)
    # parts 3 + 2 under a total printed 10: raising any part or lowering the total fixes it
    fields["appeals.review.upheld"].value = 3
    fields["appeals.review.corrected"].value = 2
    fields["appeals.review.total"].value = 10
    checks = run_checks(template, fields)
    assert [c.rule for c in checks if not c.ok] == ["appeals.appeals_total[review]"]
    assert pinned_values(template, fields, checks) is None
    assert pinned_values(template, _all_zero(template), run_checks(template, _all_zero(template))) is None


def test_a_zero_total_under_nonzero_parts_is_pinned_where_no_count_turns_negative():
    """Parts 10 + 1 printed over a 总计 of 0 (as a real 行政复议 row prints it): lowering a part
    by 11 makes it negative, so the total is the only value a count allows to be off."""
    from pipeline.validate import pinned_values

    template = load_template("2021")
    fields = _all_zero(template)
    fields["appeals.review.upheld"].value = 10
    fields["appeals.review.corrected"].value = 1
    checks = run_checks(template, fields)
    assert pinned_values(template, fields, checks) == {"appeals.review.total"}
    assert fields["appeals.review.total"].value == 0  # the printed value stays
    # a lone part 3 over a total 0: the part or the total may be off, the zero parts may not
    fields = _all_zero(template)
    fields["appeals.review.upheld"].value = 3
    assert pinned_values(template, fields, run_checks(template, fields)) == {
        "appeals.review.upheld", "appeals.review.total"}


def test_every_smallest_explanation_is_pinned_and_the_rest_of_the_failing_rules_is_not():
    """Two result rows whose removal each makes the column sums hold again (the pingtan 2020
    shape): both rows' cells are pointed at; the zero rows of the same columns cannot be the
    ones off (they would turn negative), nor the 总计 row (the balance rule holds)."""
    from pipeline.validate import pinned_values

    template = load_template("2019")
    fields = _requests_consistent(template)
    for col in ("natural_person", "total"):
        fields[f"requests.partially_granted.{col}"].value = 1  # printed, but the total does not count it
    checks = run_checks(template, fields)
    assert {c.rule for c in checks if not c.ok} == {"requests.results_total[natural_person]",
                                                    "requests.results_total[total]"}
    pinned = pinned_values(template, fields, checks)
    assert pinned == {f"requests.{row}.{col}" for row in ("granted", "partially_granted")
                      for col in ("natural_person", "total")}
    in_failing = {f for c in checks if not c.ok for f in c.fields}
    assert {"requests.withheld_state_secret.natural_person", "requests.handled_total.total"} <= in_failing - pinned
    # the earlier rule (OCR'd documents): one smallest set or nothing
    assert pinned_values(template, fields, checks, localise=False) is None


def test_a_pair_changed_along_a_line_of_solutions_meets_the_bounds_where_some_point_does():
    import numpy as np

    from pipeline.validate import _allowed

    along = np.array([1.0, -1.0]) / np.sqrt(2)
    assert _allowed(np.array([-1.0, 3.0]), np.zeros(2), along)  # (0, 2) is on the line
    assert not _allowed(np.array([-1.0, 0.5]), np.zeros(2), along)  # the sum is negative: no point is
    assert _allowed(np.array([-1.0, 0.5]), np.array([-np.inf, 0.0]), along)  # a signed value may be negative
    assert not _allowed(np.array([-1.0, 0.5]), np.zeros(2), None)  # a unique solution must meet them itself


