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


MAX_PINNED = 2  # the most values a pinned explanation may change (pairs: a total and its row's total)


def lower_bounds(template: Template) -> dict[str, float]:
    """The least value each field may take under the field rules (counts and money: 0)."""
    out: dict[str, float] = {}
    for rule in template.field_rules:
        if rule.minimum is None:
            continue
        for table in template.tables:
            for f in rule.fields(table):
                out[f] = max(out.get(f, rule.minimum), rule.minimum)
    return out


def pinned_values(template: Template, fields: dict[str, FieldValue], checks: list[Check],
                  localise: bool = True) -> frozenset[str] | None:
    """The values the failing sum rules point at, when the rules localise them: every field of
    the smallest sets of at most MAX_PINNED fields whose change (to numbers the field rules
    allow: a count is never negative) would make every sum rule hold, the other values staying
    as printed.  A value in a failing rule that no such set contains is exonerated by the rules:
    changing it alone (or with one other value) cannot make them hold, so under the fewest
    changes that explain the print it is right.  None when no sum rule fails, when no set is
    that small, or when the sets together cover every value of the failing rules (nothing is
    localised).  A total printed wrong is pinned by its row and its column; a 总计 printed 0
    under parts 10 + 1 is the only value of its row whose change stays non-negative; parts
    3 + 2 under a 总计 of 10, in a row whose columns have no rule, pin nothing (any of them may be off).  Nothing is changed: the pinned
    values are the ones to review, the others in their failing rules are not suspected by it.
    `localise=False`: the earlier rule (OCR'd documents were measured with it): the one smallest
    set, whatever the field rules allow, None when there are several."""
    import numpy as np

    failing = [c for c in checks if not c.ok and "[" in c.rule]
    if not failing:
        return None
    instances = [i for i in template.rule_instances()
                 if all(f in fields and fields[f].value is not None for f in i.fields)]
    ids = sorted({f for i in instances for f in i.fields})
    col = {f: k for k, f in enumerate(ids)}
    A = np.zeros((len(instances), len(ids)))
    for e, inst in enumerate(instances):
        for f in inst.lhs:
            A[e, col[f]] += 1
        for f in inst.rhs:
            A[e, col[f]] -= 1
    x = np.array([float(fields[f].value) for f in ids])
    bounds = lower_bounds(template)
    lo = np.array([bounds.get(f, -np.inf) if localise else -np.inf for f in ids])
    residual = A @ x  # lhs - rhs of every rule: 0 where it holds
    broken = np.abs(residual) > 1e-6
    tol = 1e-6 * max(1.0, float(np.abs(residual).max()))

    def explains(cols: list[int]) -> bool:
        touched = np.abs(A[:, cols]).sum(axis=1) > 0
        if (broken & ~touched).any():
            return False  # a failing rule over none of them keeps failing
        sub = A[touched][:, cols]
        delta, _, rank, _ = np.linalg.lstsq(sub, -residual[touched], rcond=None)
        if np.abs(sub @ delta + residual[touched]).max() > tol:
            return False
        return _allowed(x[cols] + delta, lo[cols], None if rank == len(cols) else np.linalg.svd(sub)[2][-1])

    # every explaining set meets each failing rule: candidates are their fields, and partners
    # any field sharing a rule with the first (a changed total moves its row's total too)
    suspects = sorted({col[f] for c in failing for f in c.fields if f in col})
    found = [(k,) for k in suspects if explains([k])]
    if not found and MAX_PINNED >= 2:
        pairs = set()
        for k in suspects:
            rules = np.abs(A[:, k]) > 0
            partners = np.flatnonzero((np.abs(A[rules | broken]) > 0).any(axis=0))
            for j in partners:
                if j != k:
                    pairs.add((min(k, j), max(k, j)))
        found = [p for p in sorted(pairs) if explains(list(p))]
    if not localise and len(found) != 1:
        return None
    pinned = frozenset(ids[k] for cols in found for k in cols)
    in_failing = {f for c in failing for f in c.fields}
    if not pinned or (localise and in_failing <= pinned):
        return None
    return pinned


def _allowed(values, lo, along) -> bool:
    """Whether `values` (one solution of the changed fields), moved by some multiple of `along`
    (None: the solution is unique), meets every lower bound `lo`."""
    import numpy as np

    tol = 1e-6 * max(1.0, float(np.abs(values).max()))
    if along is None:
        return bool((values >= lo - tol).all())
    low, high = -np.inf, np.inf  # values + t * along >= lo for t in [low, high]
    for v, b, a in zip(values, lo, along):
        if abs(a) < 1e-12:
            if v < b - tol:
                return False
        elif a > 0:
            low = max(low, (b - v) / a)
        else:
            high = min(high, (b - v) / a)
    return low <= high + tol
