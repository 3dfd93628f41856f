"""Checks from the schema's rules, and each field's status and confidence.

Confidence starts from how the value was obtained and is only ever lowered by doubt:
a fuzzy label, an unverifiable column order, an OCR score, a unit that was not
printed, a rule the printed table breaks.  Printed values are never changed here.
"""
from __future__ import annotations

from .assemble import CellRecord
from .model import CONFIDENT, Check, Evidence, FieldValue
from .schema import Template

BASE = {"direct": 0.99, "inferred": 0.75, "ambiguous": 0.2, "conflict": 0.4}
DOUBTED = 0.6
UNIT_NOT_PRINTED = 0.85
RULE_BROKEN = 0.5
REPAIRED = 0.6
LABEL_DOUBT = 0.95  # below this a label's score is worth telling the reviewer


def _evidence(rec: CellRecord) -> Evidence:
    if rec.tokens:
        t = rec.tokens[0]
        label = rec.label.text if rec.label else ""
        return Evidence(t.page, t.bbox, f"{label} {t.text}".strip(), line=t.line_no, cell=t.cell_no)
    if rec.label is not None:
        return Evidence(None, None, rec.label.text)
    return Evidence()


def field_values(template: Template, records: dict[str, CellRecord]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for field_id in template.field_ids():
        rec = records.get(field_id)
        if rec is None or (rec.guess.value is None and not rec.guess.candidates):
            out[field_id] = FieldValue(None, 0.0, "missing", _evidence(rec) if rec else Evidence(),
                                       reasons=(rec.notes if rec else []) or ["not found in the document"])
            continue
        guess = rec.guess
        confidence = BASE[guess.how]
        reasons = list(rec.notes)
        if rec.label is not None and rec.label.score < 1.0:
            # the label's probability (classifier) or match quality (fuzzy) bounds the field's
            confidence *= rec.label.score
            if rec.label.score < LABEL_DOUBT:
                reasons.append(f"row label {rec.label.text!r} recognised with probability {rec.label.score:.2f}")
        for token in rec.tokens:
            if token.score is not None:
                confidence *= token.score
            if token.repaired:
                confidence = min(confidence, REPAIRED)
                reasons.append("OCR character repaired")
            if token.blank:
                confidence = min(confidence, BASE["inferred"])
        if rec.doubts:
            confidence = min(confidence, DOUBTED)
            reasons.extend(rec.doubts)
        column = template.column_of(field_id)
        if column.unit_ambiguous and rec.tokens and not rec.tokens[0].unit:
            confidence = min(confidence, UNIT_NOT_PRINTED)
            reasons.append(f"no unit printed; read as {column.default_unit}")
        if guess.how == "inferred":
            reasons.append("derived from the template's sum rules")
        if guess.how == "ambiguous":
            reasons.append("several readings fit the sum rules")
        status = "ok" if confidence >= CONFIDENT else "low_confidence"
        if guess.how == "inferred" or (rec.tokens and rec.tokens[0].blank):
            status = "inferred"
        out[field_id] = FieldValue(guess.value, round(confidence, 4), status, _evidence(rec),
                                   guess.candidates, reasons)
    return out


def run_checks(template: Template, fields: dict[str, FieldValue]) -> list[Check]:
    """Every rule of the schema, named: the sum rules per instance whose fields all have
    values, and the field rules (bounds, whole numbers) once per table.  The fields of a
    failing check are flagged inconsistent; their printed values stay."""
    checks = []
    for inst in template.rule_instances():
        values = [fields[f].value for f in inst.fields]
        if any(v is None for v in values):
            continue
        expected = sum(fields[f].value for f in inst.lhs)
        printed = sum(fields[f].value for f in inst.rhs)
        ok = abs(expected - printed) < 1e-6
        checks.append(Check(inst.name, list(inst.fields), expected, printed, ok))
        if not ok:
            _flag(fields, inst.fields, f"rule {inst.name} fails: {expected:g} vs {printed:g}")
    for rule in template.field_rules:
        for table in template.tables:
            covered = [f for f in rule.fields(table) if fields[f].value is not None]
            if covered:
                checks.append(_field_check(rule, f"{table.id}.{rule.id}", covered, fields))
    return checks


def _field_check(rule, name: str, covered: list[str], fields: dict[str, FieldValue]) -> Check:
    broken = [f for f in covered if not rule.holds(fields[f].value)]
    for f in broken:
        _flag(fields, [f], f"rule {name} fails: {rule.note}")
    shown = broken or covered
    values = [fields[f].value for f in shown]
    if rule.integer and not (rule.minimum is not None or rule.maximum is not None):
        printed = values[0] if broken else 0
        expected = round(printed)
    elif rule.maximum is not None:
        expected, printed = rule.maximum, max(values)
    else:
        expected, printed = rule.minimum, min(values)
    return Check(name, shown, expected, printed, not broken)


def _flag(fields: dict[str, FieldValue], names, note: str) -> None:
    for f in names:
        fv = fields[f]
        fv.status = "inconsistent"
        fv.confidence = min(fv.confidence, RULE_BROKEN)
        if note not in fv.reasons:
            fv.reasons.append(note)
