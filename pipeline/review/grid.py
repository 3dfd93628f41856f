"""The template's tables as grids of field ids with their printed Chinese labels.

Derived from the schema data (pipeline/schema/template_*.yaml) like everything else:
explain pages and the review UI draw the same grids from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..schema import HYBRID, Table, load_template


@dataclass(frozen=True)
class GridColumn:
    id: str
    label: str


@dataclass(frozen=True)
class GridRow:
    id: str
    label: str
    group: str | None  # printed group heading the row sits under, e.g. （三）不予公开
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    table: str
    section: str
    heading: str
    columns: tuple[GridColumn, ...]
    rows: tuple[GridRow, ...]

    def field(self, row: GridRow, column: GridColumn) -> str | None:
        """The field id of a cell; None where the template prints no value."""
        return f"{self.table}.{row.id}.{column.id}" if column.id in row.columns else None

    def field_ids(self) -> list[str]:
        return [f for r in self.rows for c in self.columns if (f := self.field(r, c))]


@dataclass(frozen=True)
class FieldLabels:
    section: str
    heading: str
    row: str
    group: str | None
    column: str

    @property
    def row_path(self) -> str:
        return f"{self.group} {self.row}" if self.group else self.row


def format_value(value) -> str:
    """A value as a reviewer reads it: thousands separated, money to the fen, — for none."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def template_key(template: str | None, hybrid: bool = False) -> str | None:
    if template is None:
        return None
    return HYBRID if hybrid else template


def _group_label(table: Table, parent: str | None) -> str | None:
    if parent is None:
        return None
    return next((g for g in table.group_labels if parent in g), parent)


@lru_cache(maxsize=None)
def grids(key: str) -> tuple[Grid, ...]:
    out = []
    for table in load_template(key).tables:
        used = {c for r in table.rows for c in r.columns}
        columns = tuple(GridColumn(c.id, c.labels[0]) for c in table.columns.values() if c.id in used)
        rows = tuple(GridRow(r.id, r.labels[0], _group_label(table, r.parent), r.columns) for r in table.rows)
        out.append(Grid(table.id, table.section, table.headings[0], columns, rows))
    return tuple(out)


@lru_cache(maxsize=None)
def _labels(key: str) -> dict[str, FieldLabels]:
    out = {}
    for grid in grids(key):
        for row in grid.rows:
            for column in grid.columns:
                field_id = grid.field(row, column)
                if field_id:
                    out[field_id] = FieldLabels(grid.section, grid.heading, row.label, row.group, column.label)
    return out


def field_labels(key: str, field_id: str) -> FieldLabels | None:
    return _labels(key).get(field_id)


def grid_of(key: str, field_id: str) -> Grid | None:
    table_id = field_id.split(".", 1)[0]
    return next((g for g in grids(key) if g.table == table_id), None)
