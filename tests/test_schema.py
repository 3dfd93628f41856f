import pytest

from pipeline.schema import HYBRID, load_template


@pytest.mark.parametrize("key,counts", [
    ("2019", {"disclosure": 22, "requests": 161, "appeals": 15}),
    ("2021", {"disclosure": 10, "requests": 175, "appeals": 15}),
    (HYBRID, {"disclosure": 10, "requests": 161, "appeals": 15}),
])
def test_field_counts_follow_the_canonical_schema(key, counts):
    template = load_template(key)
    assert {t.id: len(t.field_ids()) for t in template.tables} == counts
    assert len(set(template.field_ids())) == sum(counts.values())


def test_hybrid_is_2021_with_the_single_other_handling_row():
    hybrid, t2021 = load_template(HYBRID), load_template("2021")
    assert hybrid.version == "2021" and hybrid.hybrid
    rows = [r.id for r in hybrid.table("requests").rows]
    assert "other_handling" in rows and "other_other" not in rows
    assert rows.index("other_handling") == rows.index("rejected_reconfirm") + 1
    assert hybrid.table("disclosure") == t2021.table("disclosure")


def test_rules_cover_the_template_equations():
    names = {i.name for i in load_template("2021").rule_instances()}
    assert "requests.row_total[granted]" in names
    assert "requests.results_total[total]" in names
    assert "requests.balance[natural_person]" in names
    assert "appeals.appeals_total[litigation_direct]" in names
    results = next(i for i in load_template("2021").rule_instances() if i.name == "requests.results_total[total]")
    assert len(results.lhs) == 21  # every 办理结果 leaf row, the three 其他处理 sub-rows included


def test_unknown_template_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown template"):
        load_template("2008")
