"""`govreport export` and `govreport status` over a store holding a 2019 and a 2021 report,
a failed document, a reviewed edit and a conflict: every format opens in pandas (and XLSX in
openpyxl with its frozen header, Chinese labels and highlighted cells)."""
import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import store
from pipeline.cli import app
from pipeline.export import DOC_COLUMNS, FILLS, LONG_COLUMNS, field_catalog
from pipeline.extract import extract_file
from pipeline.store import Source

pd = pytest.importorskip("pandas")
pytest.importorskip("openpyxl")
pytest.importorskip("pyarrow")

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def archive_store(tmp_path_factory):
    """Two real reports, a failed input, one edited field and one conflicting re-extraction."""
    db = tmp_path_factory.mktemp("export") / "archive.sqlite"
    conn = store.open_store(db)
    r2019 = extract_file(REPO / "samples/xixia_2020_text.txt").as_dict()
    r2021 = extract_file(REPO / "samples/huaian_city_2024.pdf").as_dict()
    # a doubtful value, whatever the shipped calibrator makes of this sample
    r2019["fields"]["disclosure.licensing.decisions"].update(confidence=0.6, status="low_confidence")
    assert (r2019["template"], r2021["template"]) == ("2019", "2021")
    store.upsert_result(conn, r2019, [Source("/archive/xixia.txt"), Source("/archive/a.zip!xixia.txt")])
    store.upsert_result(conn, r2021, [Source("/archive/huaian.pdf")])
    failed = {"source": "/archive/bad.pdf", "sha256": "f" * 64, "template": None, "fields": {}, "checks": [],
              "errors": ["corrupt or truncated PDF"], "pages": []}
    store.upsert_result(conn, failed, [Source("/archive/bad.pdf")])
    edited, conflicted = [f for f, v in r2021["fields"].items() if v["value"] is not None][:2]
    store.record_decision(conn, r2021["sha256"], edited, "edit", new_value=4242, reviewer="li")
    store.record_decision(conn, r2021["sha256"], conflicted, "accept", reviewer="li")
    newer = copy.deepcopy(r2021)
    newer["fields"][conflicted]["value"] = r2021["fields"][conflicted]["value"] + 1
    store.upsert_result(conn, newer)
    conn.close()
    return db, r2019, r2021, edited, conflicted


def export(db, fmt, layout, out):
    result = runner.invoke(app, ["export", "--db", str(db), "--format", fmt, "--layout", layout, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def read(path: Path, fmt: str, layout: str):
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path, header=3 if layout == "wide" else 0)


def test_catalog_labels_every_field_of_every_template_from_the_schema():
    from pipeline.schema import all_templates

    catalog = field_catalog()
    assert set(catalog) == {f for t in all_templates() for f in t.field_ids()}
    label = catalog["requests.granted.total"]
    assert (label.row_label, label.column_label) == ("（一）予以公开", "总计")
    assert catalog["requests.withheld_state_secret.natural_person"].row_label == "不予公开·1.属于国家秘密"
    assert catalog["appeals.review.upheld"].section.startswith("四")
    ids = list(catalog)  # printed order: the 2019 single 其他处理 row sits before the 2021 sub-rows
    assert ids.index("requests.other_handling.total") < ids.index("requests.other_no_correction.natural_person")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_long_export_one_row_per_field_with_current_values(archive_store, tmp_path, fmt):
    db, r2019, r2021, edited, conflicted = archive_store
    frame = read(export(db, fmt, "long", tmp_path / f"long.{fmt}"), fmt, "long")
    assert list(frame.columns) == list(LONG_COLUMNS)
    assert len(frame) == len(r2019["fields"]) + len(r2021["fields"])
    row = frame[(frame.sha256 == r2021["sha256"]) & (frame.field_id == edited)].iloc[0]
    assert row.value == 4242 and row.extracted_value == r2021["fields"][edited]["value"]
    assert bool(row.reviewed) and not bool(row.conflict)
    row = frame[(frame.sha256 == r2021["sha256"]) & (frame.field_id == conflicted)].iloc[0]
    assert row.value == r2021["fields"][conflicted]["value"]  # the reviewed value, not the new extraction
    assert row.extracted_value == row.value + 1 and bool(row.conflict) and bool(row.flagged)
    label = field_catalog()[conflicted]
    assert (row.row_label, row.column_label) == (label.row_label, label.column_label)
    flagged = frame[frame.sha256 == r2019["sha256"]]
    expected = {f for f, v in r2019["fields"].items() if store.is_flagged(v["status"], v["confidence"])}
    assert expected <= set(flagged[flagged.flagged.astype(bool)].field_id)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_wide_export_one_row_per_document_a_column_per_field(archive_store, tmp_path, fmt):
    db, r2019, r2021, edited, _ = archive_store
    frame = read(export(db, fmt, "wide", tmp_path / f"wide.{fmt}"), fmt, "wide")
    assert list(frame.columns) == list(DOC_COLUMNS) + list(field_catalog())
    assert len(frame) == 3
    doc = frame[frame.sha256 == r2021["sha256"]].iloc[0]
    assert doc[edited] == 4242 and doc.template == 2021 or doc.template == "2021"
    assert doc.source == "/archive/huaian.pdf"
    old = frame[frame.sha256 == r2019["sha256"]].iloc[0]
    assert "/archive/a.zip!xixia.txt" in old.sources
    some = next(f for f, v in r2019["fields"].items() if v["value"] is not None)
    assert old[some] == r2019["fields"][some]["value"]
    bad = frame[frame.status == "failed"].iloc[0]
    assert "corrupt" in bad.error and pd.isna(bad[some])


def test_xlsx_wide_has_frozen_labelled_header_and_highlighted_cells(archive_store, tmp_path):
    import openpyxl

    db, r2019, r2021, edited, conflicted = archive_store
    wb = openpyxl.load_workbook(export(db, "xlsx", "wide", tmp_path / "wide.xlsx"))
    ws = wb["documents"]
    assert ws.freeze_panes == "F5"  # agency .. status and the four header rows stay in view
    names = [c.value for c in ws[4]]
    col = names.index(conflicted) + 1
    label = field_catalog()[conflicted]
    assert [ws.cell(r, col).value for r in (1, 2, 3)] == [label.section, label.row_label, label.column_label]
    rows = {ws.cell(r, names.index("sha256") + 1).value: r for r in range(5, ws.max_row + 1)}
    fill = lambda r, f: ws.cell(rows[r], names.index(f) + 1).fill.fgColor.rgb[-6:]  # noqa: E731
    assert fill(r2021["sha256"], conflicted) == FILLS["conflict"]
    assert fill(r2021["sha256"], edited) == FILLS["reviewed"]
    low = next(f for f, v in r2019["fields"].items() if store.is_flagged(v["status"], v["confidence"]))
    assert fill(r2019["sha256"], low) == FILLS["flagged"]
    assert "legend" in wb.sheetnames


def test_xlsx_long_freezes_its_header(archive_store, tmp_path):
    import openpyxl

    db, *_ = archive_store
    ws = openpyxl.load_workbook(export(db, "xlsx", "long", tmp_path / "long.xlsx"))["fields"]
    assert ws.freeze_panes == "A2" and [c.value for c in ws[1]] == list(LONG_COLUMNS)


def test_status_counts(archive_store):
    db, r2019, r2021, *_ = archive_store
    result = runner.invoke(app, ["status", "--db", str(db), "--json", "--failed"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["documents"] == 3 and data["paths"] == 4 and data["documents_with_duplicates"] == 1
    assert data["by_status"]["failed"] == 1
    assert data["by_template"] == {"2019": 1, "2021": 1}
    assert data["by_year"] == {str(r2019["year"]): 1, str(r2021["year"]): 1}
    assert set(data["by_agency"]) == {r2019["agency"], r2021["agency"]}
    assert data["conflicts"] == 1 and data["reviewed_fields"] == 2 and data["decisions"] == 2
    conn = store.open_store(db)
    assert data["review_queue_fields"] == len(store.review_queue(conn))
    conn.close()
    assert data["failed"][0]["paths"] == "/archive/bad.pdf"
    human = runner.invoke(app, ["status", "--db", str(db)])
    assert human.exit_code == 0 and "review queue" in human.stdout


def test_commands_on_a_missing_store_fail_clearly(tmp_path):
    for args in (["status", "--db", str(tmp_path / "none.sqlite")],
                 ["export", "--db", str(tmp_path / "none.sqlite"), "--format", "csv", "-o", str(tmp_path / "x.csv")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "no such store" in result.output
    assert not (tmp_path / "none.sqlite").exists()
