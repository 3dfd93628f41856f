"""Exports of the archive store for analysts: CSV, XLSX, Parquet, JSON lines.

    long  one row per field: value (the current value: a reviewer's when reviewed), the
          extracted value, confidence, status, reviewed, conflict, flagged, evidence
    wide  one row per document, one column per field id (every template's fields, schema order)

Row and column labels come from the schema data (pipeline/schema/template_*.yaml).  XLSX has
a frozen header (in the wide layout: section, Chinese row label, Chinese column label and
field id above each value) and highlights flagged, conflicting and reviewed cells.
"""
from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import store
from .model import CONFIDENT

FORMATS = ("csv", "xlsx", "parquet", "jsonl")
LAYOUTS = ("long", "wide")
DOC_COLUMNS = ("agency", "year", "template", "hybrid", "status", "source", "sha256", "sources", "error",
               "extracted_at")
FROZEN_DOC_COLUMNS = 5  # XLSX wide: agency .. status stay in view while scrolling right
LONG_COLUMNS = ("sha256", "source", "agency", "year", "template", "hybrid", "document_status", "field_id",
                "section", "row_label", "column_label", "value", "extracted_value", "confidence", "status",
                "reviewed", "conflict", "flagged", "evidence_page", "evidence_text", "reasons")
# XLSX fills: what needs a look, what disagrees, what a person settled
FILLS = {"flagged": "FFF2CC", "conflict": "F4B6B6", "reviewed": "D9EAD3"}
LEGEND = (("flagged", "to review: low confidence, not ok, or in a failing sum check"),
          ("conflict", "a re-extraction disagrees with the reviewed value (the reviewed value is shown)"),
          ("reviewed", "value set or confirmed by a reviewer"))


class ExportError(RuntimeError):
    pass


@dataclass(frozen=True)
class FieldLabel:
    field_id: str
    section: str  # 二 / 三 / 四 and the table's heading
    row_label: str
    column_label: str


def _merge(base: list[str], other: list[str]) -> list[str]:
    """`base` with the items only `other` has, each placed after its predecessor in `other`."""
    out, prev = list(base), None
    for item in other:
        if item not in out:
            out.insert(out.index(prev) + 1 if prev is not None else 0, item)
        prev = item
    return out


@lru_cache(maxsize=1)
def field_catalog() -> dict[str, FieldLabel]:
    """Every field id of every template version, table by table and row by row in printed
    order (a row only one version prints sits where that version prints it), with the
    Chinese labels of its row and column."""
    from .schema import VERSIONS, load_template

    templates = [load_template(v) for v in reversed(VERSIONS)]  # the newest names shared rows
    out: dict[str, FieldLabel] = {}
    for base_table in templates[0].tables:
        tables = [t.table(base_table.id) for t in templates]
        row_ids: list[str] = []
        for table in tables:
            row_ids = _merge(row_ids, [r.id for r in table.rows])
        section = f"{base_table.section}、{base_table.headings[0]}" if base_table.headings else base_table.section
        for row_id in row_ids:
            versions = [t for t in reversed(tables) if row_id in {r.id for r in t.rows}]
            for table in versions:
                row = table.row(row_id)
                row_label = f"{row.parent}·{row.labels[0]}" if row.parent else row.labels[0]
                for column_id in row.columns:
                    field_id = table.field_id(row_id, column_id)
                    out.setdefault(field_id, FieldLabel(field_id, section, row_label,
                                                        table.columns[column_id].labels[0]))
    return out


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _documents(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT d.*, (SELECT group_concat(path, '; ') FROM (SELECT path FROM sources s WHERE s.sha256 = d.sha256 "
        "ORDER BY path)) AS sources FROM documents d ORDER BY agency IS NULL, agency, year, d.sha256").fetchall()


def _doc_values(doc: sqlite3.Row) -> dict:
    sources = doc["sources"] or ""
    return {"sha256": doc["sha256"], "source": sources.split("; ")[0] if sources else None, "sources": sources,
            "agency": doc["agency"], "year": doc["year"], "template": doc["template"],
            "hybrid": bool(doc["hybrid"]), "status": doc["status"], "error": doc["error"],
            "extracted_at": doc["extracted_at"]}


def _field_state(row: sqlite3.Row, failing: set[str], threshold: float) -> str | None:
    if row["conflict"]:
        return "conflict"
    if store.in_queue(row, failing, threshold):
        return "flagged"
    if row["reviewed"]:
        return "reviewed"
    return None


def long_rows(conn: sqlite3.Connection, threshold: float = CONFIDENT) -> Iterator[tuple[dict, str | None]]:
    """(row, cell state) per field of every document."""
    catalog = field_catalog()
    order = {f: i for i, f in enumerate(catalog)}
    failing = store.failing_fields(conn)
    for doc in _documents(conn):
        meta = _doc_values(doc)
        rows = conn.execute("SELECT * FROM fields WHERE sha256 = ?", (doc["sha256"],)).fetchall()
        for r in sorted(rows, key=lambda r: (order.get(r["field_id"], len(order)), r["field_id"])):
            label = catalog.get(r["field_id"])
            evidence = json.loads(r["evidence_json"] or "{}")
            state = _field_state(r, failing.get(doc["sha256"], set()), threshold)
            yield ({"sha256": meta["sha256"], "source": meta["source"], "agency": meta["agency"],
                    "year": meta["year"], "template": meta["template"], "hybrid": meta["hybrid"],
                    "document_status": meta["status"], "field_id": r["field_id"],
                    "section": label.section if label else None,
                    "row_label": label.row_label if label else None,
                    "column_label": label.column_label if label else None,
                    "value": _number(r["current_value"]), "extracted_value": _number(r["extracted_value"]),
                    "confidence": r["confidence"], "status": r["status"], "reviewed": bool(r["reviewed"]),
                    "conflict": bool(r["conflict"]), "flagged": state in ("flagged", "conflict"),
                    "evidence_page": evidence.get("page"), "evidence_text": evidence.get("text"),
                    "reasons": "; ".join(json.loads(r["reasons_json"] or "[]"))}, state)


def wide_rows(conn: sqlite3.Connection, threshold: float = CONFIDENT
              ) -> Iterator[tuple[dict, dict[str, str]]]:
    """(row, {field id: cell state}) per document; a column per field id of the catalog."""
    catalog = field_catalog()
    failing = store.failing_fields(conn)
    for doc in _documents(conn):
        row = _doc_values(doc)
        row.update({f: None for f in catalog})
        states = {}
        for r in conn.execute("SELECT * FROM fields WHERE sha256 = ?", (doc["sha256"],)):
            row[r["field_id"]] = _number(r["current_value"])
            state = _field_state(r, failing.get(doc["sha256"], set()), threshold)
            if state:
                states[r["field_id"]] = state
        yield row, states


def columns(layout: str) -> list[str]:
    return list(LONG_COLUMNS) if layout == "long" else list(DOC_COLUMNS) + list(field_catalog())


def export(conn: sqlite3.Connection, fmt: str, layout: str, out: Path, threshold: float = CONFIDENT) -> int:
    """Write the export; returns the number of data rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise ExportError(f"unknown layout {layout!r}: long or wide")
    rows = long_rows(conn, threshold) if layout == "long" else wide_rows(conn, threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        n = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx}[fmt](rows, layout, tmp)
        tmp.replace(out)  # never leave half an export under the real name
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _csv(rows, layout: str, path: Path) -> int:
    n = 0
    # UTF-8 with BOM: Excel opens Chinese text correctly only then
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns(layout))
        writer.writeheader()
        for row, _ in rows:
            writer.writerow(row)
            n += 1
    return n


def _jsonl(rows, layout: str, path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        names = columns(layout)
        for row, _ in rows:
            fh.write(json.dumps({c: row[c] for c in names}, ensure_ascii=False) + "\n")
            n += 1
    return n


def _parquet(rows, layout: str, path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ExportError("Parquet export needs pyarrow: pip install 'govreport[export]'") from exc
    types = {"year": pa.int32(), "hybrid": pa.bool_(), "confidence": pa.float64(), "reviewed": pa.bool_(),
             "conflict": pa.bool_(), "flagged": pa.bool_(), "evidence_page": pa.int32(),
             "value": pa.float64(), "extracted_value": pa.float64()}
    names = columns(layout)
    catalog = field_catalog()
    schema = pa.schema([(c, pa.float64() if c in catalog else types.get(c, pa.string())) for c in names])
    data = [row for row, _ in rows]
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path)
    return len(data)


def _xlsx(rows, layout: str, path: Path) -> int:
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise ExportError("XLSX export needs openpyxl: pip install 'govreport[export]'") from exc
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("fields" if layout == "long" else "documents")
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in FILLS.items()}
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    names = columns(layout)
    catalog = field_catalog()

    def header_cell(text):
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.alignment = bold, wrap
        return cell

    if layout == "wide":
        fixed = len(DOC_COLUMNS)
        header = [
            [header_cell("章节") if i == fixed - 1 else None for i in range(fixed)]
            + [header_cell(catalog[f].section) for f in names[fixed:]],
            [header_cell("行") if i == fixed - 1 else None for i in range(fixed)]
            + [header_cell(catalog[f].row_label) for f in names[fixed:]],
            [header_cell("列") if i == fixed - 1 else None for i in range(fixed)]
            + [header_cell(catalog[f].column_label) for f in names[fixed:]],
            [header_cell(c) for c in names]]
        ws.freeze_panes = f"{get_column_letter(FROZEN_DOC_COLUMNS + 1)}{len(header) + 1}"
        for i, name in enumerate(names, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 14 if i > fixed else (40 if name in ("source", "sources", "error") else 16)
    else:
        header = [[header_cell(c) for c in names]]
        ws.freeze_panes = "A2"
        for i, name in enumerate(names, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 36 if name in ("section", "row_label", "evidence_text", "reasons", "source") else 14
    for line in header:
        ws.append(line)
    n = 0
    for row, states in rows:
        cells = []
        for name in names:
            cell = WriteOnlyCell(ws, value=row[name])
            state = states.get(name) if layout == "wide" else (states if name == "value" else None)
            if state:
                cell.fill = fills[state]
            cells.append(cell)
        ws.append(cells)
        n += 1
    legend = wb.create_sheet("legend")
    for state, text in LEGEND:
        cell = WriteOnlyCell(legend, value=state)
        cell.fill = fills[state]
        legend.append([cell, text])
    wb.save(path)
    return n
