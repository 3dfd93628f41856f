"""Cross-year check: what one year's report carries forward (四、结转下年度继续办理) is what the
same agency's next report carries over (二、上年结转政府信息公开申请数量), column by column.

Works on extracted results (JSON files or the archive store's current values); a mismatch is
reported with both documents, never "fixed" in either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .schema import load_template

FORWARD_ROW, OVER_ROW = "carried_forward", "carried_over"


@dataclass(frozen=True)
class YearReport:
    source: str
    agency: str
    year: int
    values: dict[str, float | int | None]  # field id -> value


@dataclass(frozen=True)
class YearMismatch:
    agency: str
    year: int  # the earlier report's year
    column: str
    carried_forward: float | int  # printed by the year's report
    carried_over: float | int  # printed by the next year's report
    source: str
    next_source: str


def agency_key(agency: str) -> str:
    """One agency however its title is spaced or bracketed."""
    return re.sub(r"[\s（）()【】\[\]]", "", agency)


def _columns() -> list[str]:
    table = load_template("2019").table("requests")
    return list(table.columns)


def compare_years(reports: list[YearReport]) -> tuple[list[YearMismatch], int]:
    """Mismatches between consecutive years of each agency, and how many report pairs were compared."""
    mismatches: list[YearMismatch] = []
    pairs = 0
    by_agency: dict[str, dict[int, list[YearReport]]] = {}
    for report in reports:
        if report.agency and report.year:
            by_agency.setdefault(agency_key(report.agency), {}).setdefault(report.year, []).append(report)
    for years in by_agency.values():
        for year in sorted(years):
            for earlier in years[year]:
                for later in years.get(year + 1, []):
                    pairs += 1
                    mismatches.extend(_mismatches(earlier, later))
    return mismatches, pairs


def _mismatches(earlier: YearReport, later: YearReport) -> list[YearMismatch]:
    out = []
    for column in _columns():
        forward = earlier.values.get(f"requests.{FORWARD_ROW}.{column}")
        over = later.values.get(f"requests.{OVER_ROW}.{column}")
        if forward is not None and over is not None and abs(forward - over) > 1e-9:
            out.append(YearMismatch(earlier.agency, earlier.year, column, forward, over,
                                    earlier.source, later.source))
    return out


def from_result(data: dict, source: str) -> YearReport | None:
    """A YearReport from an extract JSON (None for refused documents or unknown agency/year)."""
    if not data.get("template") or not data.get("agency") or not data.get("year"):
        return None
    values = {fid: f.get("value") for fid, f in data.get("fields", {}).items()}
    return YearReport(source, data["agency"], int(data["year"]), values)


def from_store(conn) -> list[YearReport]:
    """YearReports of every stored document with a template, agency and year: the current
    values, so that a reviewer's correction is what the check compares."""
    reports = []
    for doc in conn.execute("SELECT sha256, agency, year FROM documents WHERE template IS NOT NULL "
                            "AND agency IS NOT NULL AND year IS NOT NULL ORDER BY sha256"):
        values = {r["field_id"]: r["current_value"] for r in conn.execute(
            "SELECT field_id, current_value FROM fields WHERE sha256 = ?", (doc["sha256"],))}
        path = conn.execute("SELECT path FROM sources WHERE sha256 = ? ORDER BY path LIMIT 1",
                            (doc["sha256"],)).fetchone()
        reports.append(YearReport(path["path"] if path else doc["sha256"], doc["agency"], int(doc["year"]), values))
    return reports
