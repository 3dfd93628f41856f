"""Field values from assembled cells, and the checks of the schema's rules.

Printed values are never changed here.  Whether a value is trusted (confidence, status)
is decided afterwards by `trust`, from these checks and the value's evidence.
"""
from __future__ import annotations

from .assemble import CellRecord
from .model import Check, Evidence, FieldValue
from .schema import FieldRule, Template


def _evidence(rec: CellRecord) -> Evidence:
    if rec.tokens:
        t = rec.tokens[0]
        label = rec.label.text if rec.label else ""
        return Evidence(t.page, t.bbox, f"{label} {t.text}".strip(), line=t.line_no, cell=t.cell_no)
    if rec.label is not None:
        return Evidence(None, None, rec.label.text)
    return Evidence()


def field_values(template: Template, records: dict[str, CellRecord]) -> dict[str, FieldValue]:
    """Every field of the template with its value (None when not found), evidence and candidates."""
    out: dict[str, FieldValue] = {}
    for field_id in template.field_ids():
        rec = records.get(field_id)
        if rec is None or (rec.guess.value is None and not rec.guess.candidates):
            out[field_id] = FieldValue(None, 0.0, "missing", _evidence(rec) if rec else Evidence(),
                                       reasons=(rec.notes if rec else []) or ["not found in the document"])
            continue
        out[field_id] = FieldValue(rec.guess.value, 0.0, "low_confidence", _evidence(rec),
                                   rec.guess.candidates, list(rec.notes))
    return out


def run_checks(template: Template, fields: dict[str, FieldValue]) -> list[Check]:
    """Every rule of the schema, named: the sum rules per instance whose fields all have
    values, and the field rules (bounds, whole numbers) once per table."""
    checks = []
    for inst in template.rule_instances():
        values = [fields[f].value for f in inst.fields]
        if any(v is None for v in values):
            continue
        expected = sum(fields[f].value for f in inst.lhs)
        printed = sum(fields[f].value for f in inst.rhs)
        checks.append(Check(inst.name, list(inst.fields), expected, printed, abs(expected - printed) < 1e-6))
    for rule in template.field_rules:
        for table in template.tables:
            covered = [f for f in rule.fields(table) if fields[f].value is not None]
            if covered:
                checks.append(_field_check(rule, f"{table.id}.{rule.id}", covered, fields))
    return checks


def _field_check(rule: FieldRule, name: str, covered: list[str], fields: dict[str, FieldValue]) -> Check:
    """One check per table: the fields breaking the rule (or all it covers when none does)."""
    broken = [f for f in covered if not rule.holds(fields[f].value)]
    shown = broken or covered
    values = [fields[f].value for f in shown]
    if rule.maximum is not None:
        expected, printed = rule.maximum, max(values)
    elif rule.minimum is not None:
        expected, printed = rule.minimum, min(values)
    else:  # whole numbers: the first offender against its rounding
        printed = values[0] if broken else 0
        expected = round(printed)
    return Check(name, shown, expected, printed, not broken, rule.note)
