"""The canonical schema as data: template versions loaded from YAML.

Every field id, check and export column is derived from these files; code never
spells a field id out.  The hybrid template (2021 section 二 with the 2019 single
（六）其他处理 row) is derived from the two files, not stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import yaml

VERSIONS = ("2019", "2021")
HYBRID = "2021-hybrid"


@dataclass(frozen=True)
class Column:
    id: str
    labels: tuple[str, ...]
    kind: str = "count"  # count | signed | money
    default_unit: str | None = None  # money: unit assumed when the cell prints none
    unit_ambiguous: bool = False  # money: a bare number might be 元 or 万元

    @property
    def signed(self) -> bool:
        return self.kind == "signed"


@dataclass(frozen=True)
class Relation:
    """A soft relation between two columns of a row that nearly every real report obeys.

    Only used to order readings of a row that no sum rule decides (run-together digits
    in section 二); never a check, never a reason to change a printed value.
    """
    larger: str
    smaller: str
    absolute: bool = False  # larger >= |smaller|
    ratio: tuple[float, float] | None = None  # instead: larger / smaller within [low, high]

    def holds(self, larger: float, smaller: float) -> bool:
        if self.ratio is not None:
            return smaller == 0 or self.ratio[0] <= larger / smaller <= self.ratio[1]
        return larger >= (abs(smaller) if self.absolute else smaller)


@dataclass(frozen=True)
class Row:
    id: str
    labels: tuple[str, ...]
    columns: tuple[str, ...]
    group: str | None = None
    parent: str | None = None  # printed group heading the row sits under (不予公开, 无法提供, ...)
    part: str | None = None  # the sub-table it is printed in (section 二's 第二十条第（五）项): its column headers


@dataclass(frozen=True)
class Table:
    id: str
    section: str
    headings: tuple[str, ...]
    columns: dict[str, Column]
    rows: tuple[Row, ...]
    group_labels: tuple[str, ...] = ()
    printed_flat: bool = False  # all cells printed as one band, rows side by side
    anchors: tuple[str, ...] = ()  # printed at the table's start: the section when its heading is lost
    plausible: tuple[Relation, ...] = ()

    def row(self, row_id: str) -> Row:
        for row in self.rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)

    def field_id(self, row_id: str, column_id: str) -> str:
        return f"{self.id}.{row_id}.{column_id}"

    def field_ids(self) -> list[str]:
        return [self.field_id(r.id, c) for r in self.rows for c in r.columns]


@dataclass(frozen=True)
class RuleInstance:
    """One concrete equation: sum(lhs fields) must equal sum(rhs fields)."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


@dataclass(frozen=True)
class Rule:
    id: str
    table: str
    over: str  # rows: one equation per row; columns: one per column
    total: str | None = None
    parts: tuple[str, ...] = ()
    parts_group: str | None = None
    lhs: tuple[str, ...] = ()
    rhs: tuple[str, ...] = ()

    def instances(self, table: Table) -> list[RuleInstance]:
        out = []
        if self.over == "rows":
            for row in table.rows:
                if self.total in row.columns and all(p in row.columns for p in self.parts):
                    out.append(RuleInstance(
                        f"{table.id}.{self.id}[{row.id}]",
                        tuple(table.field_id(row.id, p) for p in self.parts),
                        (table.field_id(row.id, self.total),)))
            return out
        row_ids = {r.id for r in table.rows}
        if self.parts_group:
            lhs_rows = tuple(r.id for r in table.rows if r.group == self.parts_group)
            rhs_rows: tuple[str, ...] = (self.total,)
        else:
            lhs_rows, rhs_rows = self.lhs, self.rhs
        if not all(r in row_ids for r in lhs_rows + rhs_rows):
            return out
        for column in table.columns:
            out.append(RuleInstance(
                f"{table.id}.{self.id}[{column}]",
                tuple(table.field_id(r, column) for r in lhs_rows),
                tuple(table.field_id(r, column) for r in rhs_rows)))
        return out


@dataclass(frozen=True)
class FieldRule:
    """A rule every value of some column kinds obeys: a bound, or being a whole number."""

    id: str
    kinds: tuple[str, ...]
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    note: str = ""

    def holds(self, value: float) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        if self.maximum is not None and value > self.maximum:
            return False
        return not self.integer or float(value).is_integer()

    def fields(self, table: Table) -> list[str]:
        return [table.field_id(r.id, c) for r in table.rows for c in r.columns
                if table.columns[c].kind in self.kinds]


@dataclass(frozen=True)
class Template:
    version: str  # "2019" | "2021"
    name: str
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    hybrid: bool = False
    field_rules: tuple[FieldRule, ...] = ()

    @property
    def key(self) -> str:
        return HYBRID if self.hybrid else self.version

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def field_ids(self) -> list[str]:
        return [f for t in self.tables for f in t.field_ids()]

    def column_of(self, field_id: str) -> Column:
        table_id, _row, column_id = field_id.split(".")
        return self.table(table_id).columns[column_id]

    def rule_instances(self) -> list[RuleInstance]:
        return list(self._rule_instances)

    @cached_property
    def _rule_instances(self) -> tuple[RuleInstance, ...]:  # assembly asks for them per row and table
        return tuple(inst for rule in self.rules for inst in rule.instances(self.table(rule.table)))


def _column(cid: str, spec: dict) -> Column:
    return Column(cid, tuple(spec.get("labels", ())), spec.get("kind", "count"),
                  spec.get("default_unit"), bool(spec.get("unit_ambiguous", False)))


def _table(spec: dict) -> Table:
    columns = {cid: _column(cid, c) for cid, c in spec["columns"].items()}
    rows = tuple(
        Row(r["id"], tuple(r["labels"]), tuple(r.get("columns", columns.keys())),
            r.get("group"), r.get("parent"), r.get("part"))
        for r in spec["rows"])
    for row in rows:
        unknown = set(row.columns) - set(columns)
        if unknown:
            raise ValueError(f"table {spec['id']} row {row.id}: unknown columns {unknown}")
    plausible = tuple(_relation(r, columns) for r in spec.get("plausible", ()))
    return Table(spec["id"], str(spec["section"]), tuple(spec.get("headings", ())), columns, rows,
                 tuple(spec.get("group_labels", ())), bool(spec.get("printed_flat", False)),
                 anchors=tuple(spec.get("anchors", ())), plausible=plausible)


def _relation(spec: dict, columns: dict[str, Column]) -> Relation:
    if spec["larger"] not in columns or spec["smaller"] not in columns:
        raise ValueError(f"relation {spec} names an unknown column")
    ratio = tuple(float(v) for v in spec["ratio"]) if "ratio" in spec else None
    return Relation(spec["larger"], spec["smaller"], bool(spec.get("absolute", False)), ratio)


def _field_rule(spec: dict) -> FieldRule:
    return FieldRule(spec["id"], tuple(spec["kinds"]), spec.get("min"), spec.get("max"),
                     bool(spec.get("integer", False)), spec.get("note", ""))


def _rule(spec: dict) -> Rule:
    return Rule(spec["id"], spec["table"], spec["over"], spec.get("total"), tuple(spec.get("parts", ())),
                spec.get("parts_group"), tuple(spec.get("lhs", ())), tuple(spec.get("rhs", ())))


def _load_file(version: str) -> dict:
    text = resources.files(__package__).joinpath(f"template_{version}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _derive_hybrid(base: Template, donor: Template) -> Template:
    """2021 tables with the 2019 single 其他处理 row in place of the three 2021 sub-rows."""
    base_requests, donor_requests = base.table("requests"), donor.table("requests")
    donor_other = [r for r in donor_requests.rows if r.group == "results" and r.parent is None
                   and r.id not in {x.id for x in base_requests.rows}]
    rows: list[Row] = []
    for row in base_requests.rows:
        if row.parent == "其他处理":
            if donor_other:
                rows.extend(donor_other)
                donor_other = []
            continue
        rows.append(row)
    group_labels = tuple(g for g in base_requests.group_labels if "其他处理" not in g)
    requests = Table(base_requests.id, base_requests.section, base_requests.headings,
                     base_requests.columns, tuple(rows), group_labels, base_requests.printed_flat,
                     anchors=base_requests.anchors, plausible=base_requests.plausible)
    tables = tuple(requests if t.id == "requests" else t for t in base.tables)
    return Template(base.version, base.name + "（混合：单行其他处理）", tables, base.rules, hybrid=True,
                    field_rules=base.field_rules)


@lru_cache(maxsize=None)
def load_template(key: str) -> Template:
    """`key` is "2019", "2021" or "2021-hybrid"."""
    if key == HYBRID:
        return _derive_hybrid(load_template("2021"), load_template("2019"))
    if key not in VERSIONS:
        raise KeyError(f"unknown template {key!r}; known: {', '.join(VERSIONS + (HYBRID,))}")
    spec = _load_file(key)
    return Template(str(spec["version"]), spec["name"], tuple(_table(t) for t in spec["tables"]),
                    tuple(_rule(r) for r in spec["rules"]), field_rules=tuple(_field_rule(r) for r in spec["field_rules"]))


def all_templates() -> list[Template]:
    return [load_template(k) for k in VERSIONS + (HYBRID,)]
