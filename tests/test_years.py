"""Cross-year check: 结转下年度 of year N against 上年结转 of year N+1, per agency and column."""
import json

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.years import YearReport, compare_years


def _report(agency, year, forward=None, over=None, source=None):
    values = {}
    for column, value in (forward or {}).items():
        values[f"requests.carried_forward.{column}"] = value
    for column, value in (over or {}).items():
        values[f"requests.carried_over.{column}"] = value
    return YearReport(source or f"{agency}{year}", agency, year, values)


def test_consecutive_years_of_one_agency_are_compared_column_by_column():
    reports = [_report("甲区政府", 2020, forward={"total": 3, "natural_person": 3}),
               _report("甲区 政府", 2021, over={"total": 2, "natural_person": 3}),  # spacing differs
               _report("乙区政府", 2021, over={"total": 9}),  # another agency: never paired
               _report("甲区政府", 2023, over={"total": 5})]  # 2022 missing: no pair
    mismatches, pairs = compare_years(reports)
    assert pairs == 1
    assert [(m.column, m.carried_forward, m.carried_over) for m in mismatches] == [("total", 3, 2)]


def test_cli_reads_extract_results_and_exits_1_on_a_mismatch(tmp_path):
    def write(name, year, forward, over):
        fields = {f"requests.carried_forward.total": {"value": forward},
                  f"requests.carried_over.total": {"value": over}}
        (tmp_path / name).write_text(json.dumps({"template": "2021", "agency": "丙市政府", "year": year,
                                                 "fields": fields}, ensure_ascii=False), encoding="utf-8")

    write("a.json", 2022, 4, 0)
    write("b.json", 2023, 1, 4)
    runner = CliRunner()
    ok = runner.invoke(app, ["check-years", str(tmp_path), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["pairs"] == 1
    write("c.json", 2024, 0, 2)
    bad = runner.invoke(app, ["check-years", str(tmp_path), "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["mismatches"][0]["year"] == 2023


def test_cli_checks_the_store_with_reviewed_values(tmp_path):
    from pipeline import store

    db = tmp_path / "archive.sqlite"
    conn = store.open_store(db)
    for sha, year, forward, over in (("a" * 64, 2022, 4, 0), ("b" * 64, 2023, 1, 5)):
        fields = {"requests.carried_forward.total": {"value": forward, "status": "ok", "confidence": 0.99},
                  "requests.carried_over.total": {"value": over, "status": "ok", "confidence": 0.99}}
        store.upsert_result(conn, {"sha256": sha, "source": f"{year}.txt", "template": "2021", "agency": "丙市政府",
                                   "year": year, "fields": fields}, [store.Source(str(tmp_path / f"{year}.txt"))])
    runner = CliRunner()
    bad = runner.invoke(app, ["check-years", "--db", str(db), "--json"])
    assert bad.exit_code == 1
    assert [(m["carried_forward"], m["carried_over"]) for m in json.loads(bad.stdout)["mismatches"]] == [(4, 5)]
    # a reviewer finds 上年结转 misread: the store's current value is what the check compares
    store.record_decision(conn, "b" * 64, "requests.carried_over.total", "edit", new_value=4, reviewer="t")
    conn.close()
    ok = runner.invoke(app, ["check-years", "--db", str(db), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["pairs"] == 1
