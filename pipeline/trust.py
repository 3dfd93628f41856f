"""Trust: each field's evidence -> the probability that its value is right -> its status.

The evidence ("signals") is what the earlier stages know about a value: the input path, how
the value was read from its row's printed numbers, the row label's probability, OCR scores
and re-reads, the rules covering the cell and whether they hold, what the narrative says.
A calibrator fitted on generated documents with known truth (`govreport train --calibrator`,
card in models/confidence_calibrator.md) maps the signals to a probability; without its model
file a documented rule of thumb stands in and the result says so.  The calibrator only speaks
for the input paths its data measured (`govreport_paths_`); a field read another way (e.g. OCR
before scans are in the data) keeps the rule of thumb.

Statuses follow from the probability and the checks:
  missing        no value;
  inconsistent   a sum or field rule the value takes part in fails (the printed value stays);
  ok             probability >= the ok level (>= CONFIDENT) and nothing below forbids it;
  inferred       not printed as such (a lost cell, a printed dash), below the ok level;
  low_confidence everything else.
Never ok, whatever the probability: a value one of several readings gives, a reading in
conflict with the rules, an OCR character repair, a layout doubt, a value the narrative
contradicts.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from .assemble import DOUBTS, CellRecord
from .model import CONFIDENT, Check, FieldValue
from .schema import Template

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "models" / "confidence_calibrator.skops"
FORMAT = 1  # bumped when the signals change incompatibly
NEVER_OK_CAP = 0.89  # shown confidence of a value that may not be ok, whatever it measures
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "numpy.dtype",
]
_DOUBT_KEYS = {d: f"doubt_{k}" for k, d in zip(("twice", "not_level", "several_labels", "scattered"), DOUBTS)}
_ROW_DOUBTS = ("doubt_twice", "doubt_not_level", "doubt_several_labels")
# readings only the sum rules justify: with no rule over the cell they are guesses (a lone
# "246" split into three one-digit cells, where the source had two blank cells)
_RULE_READINGS = ("split_run", "placed", "lost_cell", "extra_dropped")


class CalibratorError(RuntimeError):
    pass


# --- signals ---------------------------------------------------------------------------

def field_signals(field_id: str, rec: CellRecord | None, template: Template, page_paths: dict[int, str],
                  checks: list[Check]) -> dict[str, float | str]:
    """The evidence about one field's value, as named numbers and categories."""
    table_id = field_id.split(".")[0]
    column = template.column_of(field_id)
    tokens = rec.tokens if rec else []
    # a value with no printed number of its own (a lost cell) came through the document's main path
    path = page_paths.get(tokens[0].page) if tokens else None
    covering = [c for c in checks if field_id in c.fields]
    sums = [c for c in covering if "[" in c.rule]  # one instance of a sum rule: "table.rule[row]"
    field_rules = [c for c in covering if "[" not in c.rule and not c.rule.startswith("narrative.")]
    narrative = [c for c in covering if c.rule.startswith("narrative.")]
    scores = [t.score for t in tokens if t.score is not None]
    signals: dict[str, float | str] = {
        "path": path or next(iter(page_paths.values()), "text"),
        "table": table_id,
        "kind": column.kind,
        "reading": rec.reading if rec else "missing",
        "readings": math.log2(max(1, len(rec.guess.candidates) if rec else 1)),
        "scattered": float(bool(rec and rec.scattered)),
        "by_columns": float(bool(rec and rec.by_columns)),
        "label_score": rec.label.score if rec and rec.label else 1.0,
        "blank_marker": float(any(t.blank and not t.empty for t in tokens)),
        "empty_cell": float(any(t.empty for t in tokens)),
        "unit_missing": float(bool(column.unit_ambiguous and tokens and not tokens[0].unit)),
        "ocr_score": min(scores) if scores else 1.0,
        "repaired": float(any(t.repaired for t in tokens)),
        # OCR: a second independent read of the cell agreed (1), disagreed (-1), was not made (0)
        "ocr_agree": float(-1 if any(t.agree is False for t in tokens) else
                           1 if tokens and all(t.agree for t in tokens) else 0),
        "sum_rules": float(len(sums)),
        "sum_rules_failed": float(sum(not c.ok for c in sums)),
        "field_rule_failed": float(any(not c.ok for c in field_rules)),
        "narrative": float(1 if narrative and all(c.ok for c in narrative) else -1 if narrative else 0),
        "digits": float(len(str(int(abs(rec.guess.value)))) if rec and rec.guess.value is not None else 0),
    }
    for doubt, key in _DOUBT_KEYS.items():
        signals[key] = float(bool(rec and doubt in rec.doubts))
    return signals


def add_table_context(signals: dict[str, dict]) -> None:
    """What the rest of a field's table went through, as signals of the field: errors come in
    blocks (a wrong column order, a shifted row), so a value among many unsure neighbours is
    less sure than the same value in a table read as printed.  Keys: field id -> its signals."""
    by_table: dict[str, list[dict]] = {}
    for s in signals.values():
        by_table.setdefault(str(s["table"]), []).append(s)
    for group in by_table.values():
        n = len(group)
        unprinted = sum(s["reading"] != "as_printed" for s in group) / n
        scattered = sum(bool(s["scattered"] or s["by_columns"]) for s in group) / n
        failing = sum(bool(s["sum_rules_failed"]) for s in group) / n
        for s in group:
            s["table_unprinted"], s["table_scattered"], s["table_failing"] = unprinted, scattered, failing


# --- the rule of thumb that stands in when no calibrator is installed ----------------------

BASE = {"as_printed": 0.99, "extra_dropped": 0.75, "placed": 0.75, "lost_cell": 0.75, "split_run": 0.75,
        "several_readings": 0.2, "conflict": 0.4, "missing": 0.0}


def rule_of_thumb(signals: dict) -> float:
    """The pre-calibration confidence: a base per reading, lowered by each doubt."""
    ocr = signals["ocr_score"]
    if signals.get("ocr_agree", 0) > 0 and signals["sum_rules"] and not signals["sum_rules_failed"]:
        ocr = 1.0  # two reads and the sum rules agree: a low recognition score is no doubt left
    confidence = BASE[signals["reading"]] * signals["label_score"] * ocr
    if signals["repaired"]:
        confidence = min(confidence, 0.6)
    if (signals["blank_marker"] or signals["empty_cell"]) and not (
            signals["sum_rules"] and not signals["sum_rules_failed"]) and not (
            signals["empty_cell"] and signals["path"] == "ocr" and signals.get("ocr_agree", 0) > 0):
        # a blank no holding sum rule vouches for, and no look at the page found empty: a guess
        confidence = min(confidence, 0.75)
    if any(signals[k] for k in _DOUBT_KEYS.values()):
        confidence = min(confidence, 0.6)
    if signals["unit_missing"]:
        confidence = min(confidence, 0.85)
    if signals["path"] == "ocr" and signals["ocr_agree"] < 1 and not (
            signals["sum_rules"] and not signals["sum_rules_failed"]):
        # an OCR value no holding sum rule vouches for needs a second read that agrees
        confidence = min(confidence, 0.85)
    if signals["sum_rules_failed"] or signals["field_rule_failed"]:
        confidence = min(confidence, 0.5)
    return confidence


# --- the calibrator ----------------------------------------------------------------------

def load_calibrator(path: str | Path | None = None):
    """The fitted sklearn model, None when its file is absent; CalibratorError when unusable."""
    import skops.io as sio

    path = Path(path) if path else DEFAULT_PATH
    if not path.is_file():
        return None
    hint = f"run `govreport train --calibrator --out {path}` to rebuild it"
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise CalibratorError(f"{path} is not a readable skops model ({exc}); {hint}") from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise CalibratorError(f"{path} contains types that are not trusted: {', '.join(unexpected)}; {hint}")
    try:
        model = sio.load(path, trusted=[t for t in TRUSTED_TYPES if t in untrusted])
    except Exception as exc:
        raise CalibratorError(f"{path} could not be loaded ({type(exc).__name__}: {exc}); {hint}") from exc
    if getattr(model, "govreport_format_", None) != FORMAT:
        raise CalibratorError(f"{path} has an incompatible format; {hint}")
    return model


@lru_cache(maxsize=2)
def default_calibrator():
    return load_calibrator()


def calibrated(model, rows: list[dict]) -> list[float]:
    from threadpoolctl import threadpool_limits

    if not rows:
        return []
    classes = list(model.classes_)
    # a few hundred rows: OpenMP threads cost more than they save, and batch workers share the cores
    with threadpool_limits(limits=1, user_api="openmp"):
        probs = model.predict_proba(rows)
    return [float(p[classes.index(1)]) for p in probs]


# --- status --------------------------------------------------------------------------------

def never_ok_signals(s: dict) -> bool:
    """Evidence under which a value is never ok, whatever any model measures: the rules leave
    it open, a reading only the rules could justify has no rule over its cell, OCR repaired a
    character, or the layout raised a doubt about which row a number
    belongs to (label printed twice, numbers not level with their label, several labels before
    the numbers) that the generated data hardly shows, so no measurement vouches for it.  (An
    unsettled scattered order is measured: the pdfminer families print it all the time.)"""
    return s["reading"] in ("several_readings", "conflict") or bool(s["repaired"]) or \
        any(s[k] for k in _ROW_DOUBTS) or (s["reading"] in _RULE_READINGS and not s["sum_rules"])


def risk_group(s: dict) -> str:
    """"rebuilt": the field's table was read in a scattered order (a text layer printing a table
    column by column) or half its values or more were not read as printed (placed, split, lost
    cells): such tables err coherently, at confidences where plainly printed ones do not, so
    each group has its own ok level.  "plain" otherwise."""
    rebuilt = s.get("scattered") or s.get("by_columns") or s.get("table_scattered") \
        or s.get("table_unprinted", 0.0) >= 0.5
    return "rebuilt" if rebuilt else "plain"


def ok_level(model, signals: dict | None = None) -> float:
    """The confidence at or above which a calibrated value is ok (chosen per risk group when
    the calibrator was fitted; without signals, the strictest of them)."""
    if model is None:
        return CONFIDENT
    levels = getattr(model, "govreport_ok_levels_", None) or {}
    if not levels:
        return max(CONFIDENT, getattr(model, "govreport_ok_level_", CONFIDENT))
    level = levels.get(risk_group(signals), max(levels.values())) if signals is not None else max(levels.values())
    return max(CONFIDENT, level)


def assess(template: Template, fields: dict[str, FieldValue], records: dict[str, CellRecord],
           checks: list[Check], page_paths: dict[int, str], model=None) -> None:
    """Set every field's signals, confidence, status and the reasons behind them."""
    ids = [f for f in template.field_ids() if fields[f].value is not None]
    signals = {f: field_signals(f, records.get(f), template, page_paths, checks) for f in ids}
    add_table_context(signals)
    measured = set(getattr(model, "govreport_paths_", ())) if model is not None else set()
    by_model = [f for f in ids if signals[f]["path"] in measured]
    probs_of = dict(zip(by_model, calibrated(model, [signals[f] for f in by_model]))) if by_model else {}
    probs = [probs_of[f] if f in probs_of else rule_of_thumb(signals[f]) for f in ids]
    failing = {f: c for c in checks if not c.ok and not c.rule.startswith("narrative.") for f in c.fields}
    contradicted = {f: c for c in checks if not c.ok and c.rule.startswith("narrative.") for f in c.fields}
    for field_id, p in zip(ids, probs):
        fv, s, rec = fields[field_id], signals[field_id], records.get(field_id)
        fv.signals = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()}
        fv.reasons.extend(_reasons(s, rec))
        never_ok = never_ok_signals(s) or field_id in contradicted
        fv.confidence = round(min(p, NEVER_OK_CAP) if never_ok else p, 4)
        if field_id in contradicted:
            c = contradicted[field_id]
            fv.reasons.append(f"the narrative states {c.expected:g} ({c.about!r}); the table prints {c.printed:g}")
        if field_id in failing:
            c = failing[field_id]
            fv.status = "inconsistent"
            fv.reasons.append(f"rule {c.rule} fails: " + (c.about or f"{c.expected:g} vs {c.printed:g}"))
        # the calibrated probability at or above which the measured error among ok values is at
        # most 1 in 1,000 on every generated family (chosen when the calibrator was fitted)
        elif fv.confidence >= (ok_level(model, s) if field_id in probs_of else CONFIDENT):
            fv.status = "ok"
        elif s["reading"] == "lost_cell" or s["blank_marker"] or s["empty_cell"]:
            fv.status = "inferred"
        else:
            fv.status = "low_confidence"


def _reasons(s: dict, rec: CellRecord | None) -> list[str]:
    out = []
    if rec is not None:
        out += rec.doubts
        if rec.label is not None and rec.label.score < 0.95:
            out.append(f"row label {rec.label.text!r} recognised with probability {rec.label.score:.2f}")
    explain = {"split_run": "cells run together in print; the sum rules allow one split",
               "placed": "fewer numbers than cells; the sum rules place them one way",
               "lost_cell": "the cell was lost in conversion; the sum rules give its value",
               "extra_dropped": "more numbers than cells; the sum rules leave out the extra ones",
               "several_readings": "several readings fit the sum rules",
               "conflict": "no reading of the row fits the sum rules"}
    if s["reading"] in explain:
        unverified = s["reading"] in _RULE_READINGS and not s["sum_rules"]
        out.append(explain[s["reading"]] + ("; but no sum rule covers this cell, so nothing checks it"
                                            if unverified else ""))
    if s["repaired"]:
        out.append("OCR character repaired")
    if s["unit_missing"]:
        out.append("no unit printed; read in the column's default unit")
    return out
