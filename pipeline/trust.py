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
  inconsistent   a sum or field rule the value takes part in fails (the printed value stays),
                 unless the failing sum rules point at other values (validate.pinned_values:
                 the values of the smallest changes that make every sum rule hold): then
                 those are inconsistent and this one is judged like any other;
  ok             probability >= the ok level (>= CONFIDENT) and nothing below forbids it;
  inferred       not printed as such (a lost cell, a printed dash), below the ok level;
  low_confidence everything else.
Never ok, whatever the probability: a value one of several readings gives, a reading in
conflict with the rules, an OCR character repair, a layout doubt, a value the narrative
contradicts.
"""
from __future__ import annotations

import math
import threading
import weakref
from functools import lru_cache
from pathlib import Path

from .assemble import DOUBTS, CellRecord
from .model import CONFIDENT, Check, FieldValue
from .schema import Template, load_template
from .validate import pinned_values

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "models" / "confidence_calibrator.skops"
# OCR'd fields have their own calibrator, fitted on generated scans (calibration.run_ocr): their
# evidence (read scores, second reads, the rules as proof-reader) is not the text paths'
OCR_PATH = DEFAULT_PATH.with_name("ocr_calibrator.skops")
FORMAT = 2  # bumped when the signals change incompatibly
CACHED_ROWS = 20_000  # signal rows whose calibrated probabilities are kept
NEVER_OK_CAP = 0.89  # shown confidence of a value that may not be ok, whatever it measures
# shown confidence, at least, of a printed value its sum rules vouch for (vouched_printed): none of
# the calibrator's 168,728 such values is wrong (3,465 of them exonerated by failing rules), nor of
# 26,228 in 150 generated tables with two totals printed wrong (2,292 exonerated); the rule-of-three
# bound on the exonerated ones' error rate is 0.09 %
VOUCHED_PRINTED = 0.999
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "numpy.dtype",
]
_DOUBT_KEYS = {d: f"doubt_{k}" for k, d in zip(("twice", "not_level", "several_labels", "scattered", "dropped",
                                                 "unread", "padding", "kind_swap", "neighbour_short",
                                                 "unclaimed_after", "columns_lost", "beside_surplus", "implausible_run",
                                                 "split_by_page", "cut_through", "minus_cut", "headers_across", "headers_among",
                                                 "label_column"),
                                                DOUBTS)}
_ROW_DOUBTS = ("doubt_twice", "doubt_not_level", "doubt_several_labels", "doubt_dropped", "doubt_unread",
               "doubt_padding", "doubt_kind_swap", "doubt_neighbour_short", "doubt_unclaimed_after",
               "doubt_columns_lost", "doubt_beside_surplus", "doubt_implausible_run", "doubt_split_by_page",
               "doubt_cut_through", "doubt_minus_cut", "doubt_headers_across",
               "doubt_headers_among", "doubt_label_column")
_NUMBERS_ELSEWHERE = ("doubt_twice", "doubt_not_level", "doubt_dropped", "doubt_unread", "doubt_neighbour_short",
                      "doubt_unclaimed_after", "doubt_columns_lost", "doubt_beside_surplus")
# readings only the sum rules justify: with no rule over the cell they are guesses (a lone
# "246" split into three one-digit cells, where the source had two blank cells)
_RULE_READINGS = ("split_run", "placed", "lost_cell", "extra_dropped")


class CalibratorError(RuntimeError):
    pass


# --- signals ---------------------------------------------------------------------------

def field_signals(field_id: str, rec: CellRecord | None, template: Template, page_paths: dict[int, str],
                  checks: list[Check], pinned: frozenset[str] | None = None) -> dict[str, float | str]:
    """The evidence about one field's value, as named numbers and categories (`pinned`: the
    values the document's failing sum rules point at, validate.pinned_values)."""
    table_id = field_id.split(".")[0]
    column = template.column_of(field_id)
    tokens = rec.tokens if rec else []
    # a value with no printed number of its own (a lost cell) came through the document's main path
    path = page_paths.get(tokens[0].page) if tokens else None
    covering = [c for c in checks if field_id in c.fields]
    sums = [c for c in covering if "[" in c.rule]  # one instance of a sum rule: "table.rule[row]"
    field_rules = [c for c in covering if "[" not in c.rule and not c.rule.startswith("narrative.")]
    narrative = [c for c in covering if c.rule.startswith("narrative.")]
    scores = []
    blank = empty = repaired = disagreed = False
    agreed = bool(tokens)
    for t in tokens:  # one pass: most fields have one token, and generators cost more than the test
        if t.score is not None:
            scores.append(t.score)
        empty = empty or t.empty
        blank = blank or (t.blank and not t.empty)
        repaired = repaired or t.repaired
        disagreed = disagreed or t.agree is False
        agreed = agreed and bool(t.agree)
    signals: dict[str, float | str] = {
        "path": path or next(iter(page_paths.values()), "text"),
        "table": table_id,
        "kind": column.kind,
        "reading": rec.reading if rec else "missing",
        "readings": math.log2(max(1, len(rec.guess.candidates) if rec else 1)),
        "scattered": float(bool(rec and rec.scattered)),
        "by_columns": float(bool(rec and rec.by_columns)),
        "order_open": float(bool(rec and rec.order_open)),
        "label_score": rec.label.score if rec and rec.label else 1.0,
        "blank_marker": float(bool(blank)),
        "empty_cell": float(bool(empty)),
        "unit_missing": float(bool(column.unit_ambiguous and tokens and not tokens[0].unit)),
        "ocr_score": min(scores) if scores else 1.0,
        "repaired": float(bool(repaired)),
        # OCR: a second independent read of the cell agreed (1), disagreed (-1), was not made (0)
        "ocr_agree": float(-1 if disagreed else 1 if agreed else 0),
        "sum_rules": float(len(sums)),
        "sum_rules_failed": float(sum(not c.ok for c in sums)),
        # its failing sum rules are explained by other values the rules pin (1), by this one (-1)
        "pinned_elsewhere": float(0 if pinned is None or not any(not c.ok for c in sums)
                                  else -1 if field_id in pinned else 1),
        # the row's print gives these values only, even if blank cells were lost (assemble)
        "print_unique": float(bool(rec and rec.unique)),
        # placed where the narrative's statements put it, among placements the rules allow alike
        "by_narrative": float(bool(rec and rec.by_narrative)),
        "field_rule_failed": float(any(not c.ok for c in field_rules)),
        "narrative": float(1 if narrative and all(c.ok for c in narrative) else -1 if narrative else 0),
        "digits": float(len(str(int(abs(rec.guess.value)))) if rec and rec.guess.value is not None else 0),
        "grid_placed": float(bool(rec and rec.grid_placed)),
        "grid_loose": float(bool(rec and rec.grid_loose)),
        "zeros_printed": float(bool(rec and rec.zeros_printed)),
        # a number printed with a plus sign is a signed change (本年增/减): in a column that holds no
        # change it was shifted there (a lost empty cell, a column a converter repeated or split)
        # placed by the rules with a printed total taken as wrong (a table no placement fits)
        "one_total_wrong": float(bool(rec and rec.one_total_wrong)),
        "sign_misplaced": float(not column.signed and any(t.text.lstrip().startswith(("+", "＋")) for t in tokens)),
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
    # a text layer that scrambles one table's order is a risk for the document's other tables:
    # their rebuilt rows err at confidences where other documents' do not (risk_group)
    doc_scattered = float(any(s["scattered"] or s["by_columns"] for s in signals.values()))
    for s in signals.values():
        s["doc_scattered"] = doc_scattered


def add_order_context(signals: dict[str, dict]) -> None:
    """`doc_order_scattered`: a table of the document was printed column by column (a block read
    scattered), not merely settled by its sums; `table_order_scattered`: the share of the field's
    table read scattered or settled by the column sums in a way `settled_across_rows` does not
    vouch for, `doc_order_unvouched`: such a value anywhere in the document.  They choose risk
    groups only (calibration.GROUPING).  After add_table_context
    and add_empty_rules.  Keys: field id -> its signals."""
    doc_order_scattered = float(any(s["scattered"] for s in signals.values()))
    for s in signals.values():
        s["doc_order_scattered"] = doc_order_scattered
    by_table: dict[str, list[dict]] = {}
    for s in signals.values():
        by_table.setdefault(str(s["table"]), []).append(s)
    # `table_row_doubted`: a row of the table may hold another row's numbers, or have lost its own
    # to one (not the several-labels doubt: bz11-s7 measured the other rows of such tables)
    for group in by_table.values():
        doubted = float(any(s.get(k) for s in group for k in _NUMBERS_ELSEWHERE))
        for s in group:
            s["table_row_doubted"] = doubted
    unvouched = {id(s): bool(s["scattered"] or (s["by_columns"] and not settled_across_rows(s)))
                 for s in signals.values()}
    doc_unvouched = float(any(unvouched.values()))
    for group in by_table.values():
        share = sum(unvouched[id(s)] for s in group) / len(group)
        for s in group:
            s["table_order_scattered"], s["doc_order_unvouched"] = share, doc_unvouched


def add_empty_rules(signals: dict[str, dict], covering: dict[str, list[Check]]) -> None:
    """`sum_rules_empty`: the holding sum rules over a field in which no cell printed anything
    (every value came from an empty cell).  0 = 0 + 0 holds whatever the cells really hold, so
    such a rule vouches for nothing: a faint row the OCR saw as empty satisfies it.  Keys:
    field id -> its signals; a field without a value counts as empty."""
    def empty(f: str) -> bool:
        s = signals.get(f)
        return s is None or bool(s["empty_cell"])

    def unprinted(f: str) -> bool:
        s = signals.get(f)
        return s is None or bool(s["empty_cell"] or s["blank_marker"])

    for f, s in signals.items():
        s["sum_rules_empty"] = float(sum(1 for c in covering.get(f, ()) if "[" in c.rule and c.ok
                                         and all(empty(g) for g in c.fields)))
        if s["path"] == "ocr":
            # `sum_rules_blank`: ... or a dash; OCR reads a faint or speckled 0 as a dash, and a
            # lone 1 as nothing, so a row of dashes and empty cells holds with its 1s unread
            s["sum_rules_blank"] = float(sum(1 for c in covering.get(f, ()) if "[" in c.rule and c.ok
                                             and all(unprinted(g) for g in c.fields)))


def add_rules_across(signals: dict[str, dict], covering: dict[str, list[Check]]) -> None:
    """`rules_across`: the holding sum rules over a field that reach a cell of another row read as
    printed, in its printed place (a cell the rules placed holds its rule by construction: a column
    sum whose other cells the rules gave vouches for nothing).  A row's own total holds however the
    row's numbers are spread over its parts, so it says nothing about a placement by column
    (`grid_placed`); a column's sum over numbers other rows print does: a shifted number leaves
    the column it sums in.  Keys: field id -> its signals."""
    for f, s in signals.items():
        if not s["grid_placed"]:
            continue
        row = f.rsplit(".", 1)[0]
        s["rules_across"] = float(sum(
            1 for c in covering.get(f, ()) if "[" in c.rule and c.ok and any(
                g.rsplit(".", 1)[0] != row and _read_as_printed(signals.get(g))
                for g in c.fields)))


@lru_cache(maxsize=None)
def _twin_columns(template_key: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per table, the pairs of neighbouring columns that every sum rule treats alike (swapping
    them maps the rule instances onto themselves: two parts of a row's total, 商业企业 and
    科研机构), in the table's column order."""
    template = load_template(template_key)
    instances = {(frozenset(i.lhs), frozenset(i.rhs)) for i in template.rule_instances()}
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for table in template.tables:
        ids = list(table.columns)
        twins = []
        ruled = {f.rsplit(".", 1)[1] for lhs, rhs in instances for f in lhs | rhs if f.startswith(table.id + ".")}
        for a, b in zip(ids, ids[1:]):
            if table.columns[a].kind != table.columns[b].kind or not {a, b} <= ruled or \
                    not any(a in row.columns and b in row.columns for row in table.rows):
                continue
            swap = {a: b, b: a}

            def swapped(fields: frozenset[str]) -> frozenset[str]:
                moved = set()
                for f in fields:
                    t, row, col = f.split(".")
                    moved.add(f"{t}.{row}.{swap.get(col, col)}" if t == table.id else f)
                return frozenset(moved)
            if {(swapped(lhs), swapped(rhs)) for lhs, rhs in instances} == instances:
                twins.append((a, b))
        out[table.id] = tuple(twins)
    return out


def _unprinted(s: dict | None) -> bool:
    return s is None or bool(s["empty_cell"] or s["blank_marker"]) or s["reading"] in ("lost_cell", "missing")


def add_column_shift(signals: dict[str, dict], template: Template) -> None:
    """`column_shift_open`: a neighbouring column the sum rules treat alike printed nothing in
    any row, and this column holds numbers a text grid placed by alignment (or the reverse).
    pdftotext -layout sets CJK headers and labels one character per glyph, so a column of numbers
    lands under its neighbour's header, and every sum rule holds either way: a column's sums move
    with it.  Where the grid may be one off (`grid_loose`) both columns are open; elsewhere the
    values the rules settled through the grid's rows.  Keys: field id -> signals."""
    by_column: dict[tuple[str, str], list[dict]] = {}
    for f, s in signals.items():
        table, _, column = f.split(".")
        by_column.setdefault((table, column), []).append(s)
    for table, twins in _twin_columns(template.key).items():
        for pair in twins:
            columns = [by_column.get((table, c), []) for c in pair]
            silent = [all(_unprinted(s) for s in col) for col in columns]
            loose = [any(s["grid_loose"] and not _unprinted(s) for s in col) for col in columns]
            placed = [any(s["grid_placed"] and not _unprinted(s) for s in col) for col in columns]
            if (loose[0] and silent[1]) or (loose[1] and silent[0]):
                opened = [s for col in columns for s in col]
            elif (placed[0] and silent[1]) or (placed[1] and silent[0]):
                # a grid's rows place their own numbers by alignment; rows the rules settled through
                # them (a row printed without empty cells) inherit any column the grid put one off
                opened = [s for col in columns for s in col if not s["grid_placed"]]
            else:
                continue
            for s in opened:
                s["column_shift_open"] = 1.0


def add_order_vouched(signals: dict[str, dict], covering: dict[str, list[Check]]) -> None:
    """`order_vouched`: something other than the reading order speaks for a value the order
    leaves open (`order_open`): the narrative states it, or a holding sum rule pins it with
    cells of which none is open itself (nor empty all of them).  A rule whose other cells came
    through the same unsettled order holds under the wrong order too: blocks err coherently.
    Keys: field id -> its signals."""
    def pinned(f: str, c: Check) -> bool:
        others = [signals.get(g) for g in c.fields if g != f]
        return "[" in c.rule and c.ok and all(o is not None and not o["order_open"] for o in others) \
            and not all(o["empty_cell"] for o in others)

    for f, s in signals.items():
        s["order_vouched"] = float(bool(s["order_open"]) and (
            s["narrative"] > 0 or any(pinned(f, c) for c in covering.get(f, ()))))


def _printed_rules(signals: dict) -> float:
    """The sum rules over a field less the holding ones in which no cell printed a number
    (every cell empty; for OCR'd fields, empty or a dash)."""
    return signals["sum_rules"] - max(signals.get("sum_rules_empty", 0), signals.get("sum_rules_blank", 0))


def vouched(signals: dict) -> bool:
    """A sum rule that holds, and not only because every one of its cells is empty (OCR: or a dash)."""
    return _printed_rules(signals) > 0 and not signals["sum_rules_failed"]


# --- the rule of thumb that stands in when no calibrator is installed ----------------------

BASE = {"as_printed": 0.99, "extra_dropped": 0.75, "placed": 0.75, "lost_cell": 0.75, "split_run": 0.75,
        "several_readings": 0.2, "conflict": 0.4, "missing": 0.0}


def rule_of_thumb(signals: dict) -> float:
    """The pre-calibration confidence: a base per reading, lowered by each doubt."""
    base, caps = _thumb(signals)
    return min([base] + list(caps.values()))


def flagged_by(signals: dict) -> str:
    """Why the rule of thumb puts a value below the confident level ("" when it does not):
    the names of its doubts that do (scripts/ocr_confidence.py measures them)."""
    base, caps = _thumb(signals)
    low = "" if base >= CONFIDENT else f"reading {signals['reading']}" \
        if BASE[signals["reading"]] < CONFIDENT and not _ocr_rules_confirm(signals) else "low label or OCR score"
    return " + ".join(w for w in [low] + [k for k, v in caps.items() if v < CONFIDENT] if w)


def _ocr_rules_confirm(signals: dict) -> bool:
    """An OCR value the rules give (a lost or placed cell) that two holding sum rules with
    printed numbers cover: one rule gives it, the other checks it.  (One rule alone holds by
    construction.)  Measured on the tuning scans (models/confidence_calibrator.md)."""
    return signals["path"] == "ocr" and signals["reading"] in ("lost_cell", "placed") \
        and _printed_rules(signals) >= 2 and not signals["sum_rules_failed"]


def _thumb(signals: dict) -> tuple[float, dict[str, float]]:
    """The base confidence and the caps of the doubts that apply, by name."""
    ocr = signals["ocr_score"]
    if signals.get("ocr_agree", 0) > 0 and vouched(signals):
        ocr = 1.0  # two reads and the sum rules agree: a low recognition score is no doubt left
    reading = "as_printed" if _ocr_rules_confirm(signals) else signals["reading"]
    base = BASE[reading] * signals["label_score"] * ocr
    caps: dict[str, float] = {}
    if signals["repaired"]:
        caps["OCR repair"] = 0.6
    if (signals["blank_marker"] or signals["empty_cell"]) and not vouched(signals) and not (
            signals["path"] == "ocr" and signals.get("ocr_agree", 0) > 0):
        # a blank no holding sum rule vouches for, and no look at the page found empty (or a
        # dash or slash by its shape): a guess
        caps["blank not vouched for"] = 0.75
    if any(signals.get(k) for k in _DOUBT_KEYS.values()):
        caps["layout doubt"] = 0.6
    if signals["unit_missing"]:
        caps["unit missing"] = 0.85
    if signals["path"] == "ocr" and signals["ocr_agree"] < 1 and not vouched(signals):
        # an OCR value no holding sum rule vouches for needs a second read that agrees
        caps["OCR read once, no rule"] = 0.85
    if signals["field_rule_failed"] or signals["sum_rules_failed"] and not (
            signals["path"] == "ocr" and signals.get("pinned_elsewhere", 0) > 0 and signals["ocr_agree"] > 0):
        # (an OCR value read twice in agreement whose failing sum rules the rules explain by
        # other values, validate.pinned_values, is judged as read: measured on the tuning scans)
        caps["rule fails"] = 0.5
    return base, caps


def rule_of_thumb_flags(status: str, signals: dict) -> bool:
    """Whether the rule of thumb would send this value to review.  The proof-reader gives such
    OCR values their second read whatever the OCR calibrator says: the calibrator was fitted on
    the signals of values chosen this way (a second read changes `ocr_agree`), so choosing them
    by its own verdict would feed it signals it never measured."""
    return status in ("inconsistent", "missing") or never_ok_signals(signals) or signals["narrative"] < 0 \
        or round(rule_of_thumb(signals), 4) < CONFIDENT  # assess rounds what it shows


# --- the calibrator ----------------------------------------------------------------------

def load_calibrator(path: str | Path | None = None):
    """The fitted sklearn model, None when its file is absent; CalibratorError when unusable."""
    from .loading import NotSkops, UntrustedTypes, load_audited

    path = Path(path) if path else DEFAULT_PATH
    if not path.is_file():
        return None
    hint = f"run `govreport train --calibrator --out {path}` to rebuild it"
    try:
        model = load_audited(path, TRUSTED_TYPES)
    except UntrustedTypes as exc:
        raise CalibratorError(f"{path} contains types that are not trusted: {', '.join(exc.names)}; {hint}") from None
    except NotSkops as exc:
        raise CalibratorError(f"{path} is not a readable skops model ({exc}); {hint}") from exc
    except Exception as exc:
        raise CalibratorError(f"{path} could not be loaded ({type(exc).__name__}: {exc}); {hint}") from exc
    if getattr(model, "govreport_format_", None) != FORMAT:
        raise CalibratorError(f"{path} has an incompatible format; {hint}")
    return model


@lru_cache(maxsize=2)
def default_calibrator():
    return load_calibrator()


@lru_cache(maxsize=2)
def default_ocr_calibrator():
    return load_calibrator(OCR_PATH)


def calibrated(model, rows: list[dict]) -> list[float]:
    if not rows:
        return []
    fast = _fast_trees(model)
    if fast is not None:
        return fast(rows)
    from threadpoolctl import threadpool_limits

    classes = list(model.classes_)
    # a few hundred rows: OpenMP threads cost more than they save, and batch workers share the cores
    with threadpool_limits(limits=1, user_api="openmp"):
        probs = model.predict_proba(rows)
    return [float(p[classes.index(1)]) for p in probs]


class _TreesProba:
    """`model.predict_proba(rows)[:, 1]` for the model `calibration.fit` builds (isotonic
    CalibratedClassifierCV over DictVectorizer + binary HistGradientBoosting without categorical
    features): the same float operations in the same order, without what made it cost more
    than the rest of a document: sklearn's input validation per fold, DictVectorizer's sparse
    detour (three times over the same rows), and a thread pool set up per call."""

    def __init__(self, model):
        import numpy as np
        from sklearn.ensemble._hist_gradient_boosting.common import X_DTYPE

        self.np = np
        self.cache: dict[tuple, float] = {}
        folds = model.calibrated_classifiers_
        vocabularies = [cc.estimator.steps[0][1].vocabulary_ for cc in folds]
        # one matrix over the union of the folds' vocabularies; each fold reads its own columns
        self.vocabulary = {name: i for i, name in enumerate(dict.fromkeys(n for v in vocabularies for n in v))}
        self.separator = folds[0].estimator.steps[0][1].separator
        self.dtype = X_DTYPE
        # every tree of every fold as one node table: the rows walk all trees at once (sklearn
        # walks one tree per call, and with a few dozen rows the calls cost more than the walk)
        feature, threshold, missing_left, left, right, leaf, value, roots = [], [], [], [], [], [], [], []
        self.folds = []
        at = 0
        for cc, vocabulary in zip(folds, vocabularies):
            trees = cc.estimator.steps[1][1]
            columns = np.empty(len(vocabulary), dtype=np.intp)
            for name, j in vocabulary.items():
                columns[j] = self.vocabulary[name]
            first = len(roots)
            for (predictor,) in trees._predictors:
                nodes = predictor.nodes
                roots.append(at)
                feature.append(columns[nodes["feature_idx"]])
                threshold.append(nodes["num_threshold"])
                missing_left.append(nodes["missing_go_to_left"].astype(bool))
                left.append(nodes["left"].astype(np.intp) + at)
                right.append(nodes["right"].astype(np.intp) + at)
                leaf.append(nodes["is_leaf"].astype(bool))
                value.append(nodes["value"])
                at += len(nodes)
            self.folds.append((first, len(roots), trees._baseline_prediction, cc.calibrators[0]))
        self.feature, self.threshold = np.concatenate(feature), np.concatenate(threshold)
        self.missing_left, self.leaf = np.concatenate(missing_left), np.concatenate(leaf)
        self.children = np.stack([np.concatenate(right), np.concatenate(left)], axis=1).ravel()  # [2n]: right, [2n+1]: left
        self.value, self.roots = np.concatenate(value), np.asarray(roots, dtype=np.intp)

    @staticmethod
    def applies(model) -> bool:
        import numpy as np
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.isotonic import IsotonicRegression
        from sklearn.pipeline import Pipeline

        def fold_applies(cc) -> bool:
            steps = getattr(cc.estimator, "steps", [])
            if type(cc.estimator) is not Pipeline or len(steps) != 2:
                return False
            vectorizer, trees = steps[0][1], steps[1][1]
            return (cc.method == "isotonic" and list(cc.classes) == [0, 1] and len(cc.calibrators) == 1
                    and type(vectorizer) is DictVectorizer and not vectorizer.sparse
                    and vectorizer.dtype is np.float64
                    and type(trees) is HistGradientBoostingClassifier and list(trees.classes_) == [0, 1]
                    and trees.n_trees_per_iteration_ == 1 and trees.is_categorical_ is None
                    and not any(p.nodes["is_categorical"].any() for (p,) in trees._predictors)
                    and type(cc.calibrators[0]) is IsotonicRegression
                    and cc.calibrators[0].out_of_bounds == "clip" and hasattr(cc.calibrators[0], "X_thresholds_"))

        return (type(model) is CalibratedClassifierCV and list(model.classes_) == [0, 1]
                and all(fold_applies(cc) for cc in model.calibrated_classifiers_))

    def matrix(self, rows: list[dict]):
        """DictVectorizer.transform (dense) of every fold at once: str values one-hot as
        "key=value", numbers as they are, unknown names dropped, duplicates summed from zero."""
        np, vocabulary, sep = self.np, self.vocabulary, self.separator
        at_rows, at_cols, values = [], [], []
        for i, row in enumerate(rows):
            for f, v in row.items():
                if isinstance(v, str):
                    j, v = vocabulary.get(f"{f}{sep}{v}"), 1
                else:
                    j = vocabulary.get(f)
                if j is not None:
                    at_rows.append(i)
                    at_cols.append(j)
                    values.append(v)
        X = np.zeros((len(rows), len(vocabulary)), dtype=self.dtype)
        np.add.at(X, (np.array(at_rows, dtype=np.intp), np.array(at_cols, dtype=np.intp)),
                  np.array(values, dtype=self.dtype))
        return X

    def __call__(self, rows: list[dict]):
        """Every row is predicted on its own, so equal rows (a document repeats a few dozen
        signal rows over its two hundred fields; documents repeat each other's) are predicted
        once: equal keys give the same matrix row (0.0 and -0.0 both become 0.0 there)."""
        keys = [tuple(row.items()) for row in rows]
        probs = {k: self.cache.get(k) for k in keys}  # local: other threads may clear the cache
        todo = [k for k, p in probs.items() if p is None]
        if todo:
            if len(self.cache) + len(todo) > CACHED_ROWS:
                self.cache.clear()
            for key, p in zip(todo, self.predict([dict(k) for k in todo]).tolist()):
                probs[key] = self.cache[key] = p
        return [probs[k] for k in keys]

    def leaves(self, X):
        """The leaf value each row reaches in each tree, (row, tree): sklearn's walk (a missing
        value goes where the node sends missing values, else left when <= the threshold)."""
        np = self.np
        n_trees, width = len(self.roots), X.shape[1]
        flat = X.ravel()
        missing = bool(np.isnan(flat).any())
        node = np.tile(self.roots, len(X))
        start = np.repeat(np.arange(len(X)) * width, n_trees)  # where each (row, tree)'s row starts in `flat`
        active = np.flatnonzero(~self.leaf[node])
        while active.size:
            at = node[active]
            x = flat[start[active] + self.feature[at]]
            go_left = x <= self.threshold[at]
            if missing:
                go_left |= np.isnan(x) & self.missing_left[at]
            step = self.children[2 * at + go_left]
            node[active] = step
            active = active[~self.leaf[step]]
        return self.value[node].reshape(len(X), n_trees)

    def predict(self, rows: list[dict]):
        np = self.np
        leaves = self.leaves(self.matrix(rows))
        mean = np.zeros(len(rows))
        for first, last, baseline, isotonic in self.folds:
            raw = np.zeros(len(rows), dtype=baseline.dtype)
            raw += baseline[0, 0]
            for t in range(first, last):  # tree after tree, as sklearn adds them
                raw += leaves[:, t]
            T = np.clip(np.asarray(raw, dtype=isotonic.X_thresholds_.dtype), isotonic.X_min_, isotonic.X_max_)
            proba = isotonic.f_(T).astype(T.dtype)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self.folds)
        return mean


_FAST: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FAST_LOCK = threading.Lock()


def _fast_trees(model) -> _TreesProba | None:
    """One `_TreesProba` per loaded model (None: another kind of model, sklearn predicts)."""
    with _FAST_LOCK:
        if model not in _FAST:
            _FAST[model] = _TreesProba(model) if _TreesProba.applies(model) else None
        return _FAST[model]


# --- status --------------------------------------------------------------------------------

def never_ok_signals(s: dict) -> bool:
    """Evidence under which a value is never ok, whatever any model measures: the rules leave
    it open, a reading only the rules could justify has no rule over its cell (unless the row's
    print allows no other values even with lost blanks: `000` over three cells), the row label is
    itself below the confident level (a value is no surer than the row it is placed in: two
    swapped rows keep every sum), OCR repaired a character, or the layout raised a doubt about which row a number
    belongs to (label printed twice, numbers not level with their label, several labels before
    the numbers) that the generated data hardly shows, so no measurement vouches for it.  (An
    unsettled scattered order is measured: the pdfminer families print it all the time; but not
    a value that order leaves open, unless something else vouches for it.)  OCR'd values: one
    no holding sum rule vouches for that no second, independent read confirmed (issue 12), and
    one the rules give (a lost or placed cell) that no second printed rule checks: the rule that
    gives it holds by construction.  A placement the narrative chose among several the rules
    allow: reports' narratives contradict their tables, and nothing measured it."""
    return s["reading"] in ("several_readings", "conflict") or bool(s["repaired"]) or bool(s.get("by_narrative")) or \
        bool(s.get("sign_misplaced")) or bool(s.get("one_total_wrong")) or bool(s.get("column_shift_open")) or \
        any(s.get(k) for k in _ROW_DOUBTS) or s["label_score"] < CONFIDENT or \
        (s["reading"] in _RULE_READINGS and not s["sum_rules"] and not s.get("print_unique")) or \
        _order_unvouched(s) or _grid_unvouched(s) or (s.get("path") == "ocr" and (
            (s.get("ocr_agree", 0) < 1 and not vouched(s)) or
            (s["reading"] in _RULE_READINGS and not _ocr_rules_confirm(s))))


def _grid_unvouched(s: dict) -> bool:
    """Its row's numbers were put in columns by a text grid's alignment (empty cells inferred
    between them), and no rule across rows checks the placement: text converters line columns up
    only roughly (pdftotext -layout shifts a table continued on the next page), and a row's own
    total holds wherever its parts went."""
    return bool(s.get("grid_placed")) and not s.get("rules_across")


def settled_across_rows(s: dict) -> bool:
    """A value the rules across rows settled (every placement that keeps them gives it) in a
    document that prints its tables row by row (no block read column by column), checked by two
    sum rules or more that hold and not only because all their cells are empty (a row's and a
    column's), in a table where no rule fails.  Zeros printed as empty cells through a converter
    that drops them: a wrong placement of a row's numbers among its cells breaks a second rule.
    One rule alone gives a lost cell whatever it is; a scattered layout with lost cells looks
    like blank rows (measured: its wrong placed cells have one rule).  Not where a row of the table
    may hold another row's numbers or have lost its own to one (numbers no label claimed: the
    sibling rows keep every sum either way), nor where the section prints its zeros: a row printed
    without numbers there lost them to another row, and the rules settle it as well from that
    row's mistake (pdfminer printing a table column by column).  (Which of several labels before
    a run of numbers owns it is another matter: the several-labels doubt stays on those rows.)"""
    return bool(s.get("by_columns")) and not s.get("doc_order_scattered", 1.0) and not s.get("table_failing", 1.0) \
        and not s.get("table_row_doubted", 1.0) and not s.get("zeros_printed", 1.0) \
        and not s["sum_rules_failed"] and _printed_rules(s) >= 2


def vouched_printed(s: dict) -> bool:
    """A printed number read in its printed place in a plainly printed table (risk group
    "plain"), under at least one sum rule with printed numbers, every one of them holding or
    failing only through other values the rules pin (`pinned_elsewhere`), its field rules and
    the narrative not against it.  The calibrator reads such a value in a table whose other rows
    fail (`table_failing`) like a value of a table read wrong, at 0.80-0.88; measured, the class
    has no wrong value (VOUCHED_PRINTED).  Not OCR'd values: their calibrator measures them."""
    return s["path"] != "ocr" and _read_as_printed(s) and _printed_rules(s) >= 1 \
        and (not s["sum_rules_failed"] or s.get("pinned_elsewhere", 0) > 0) \
        and not s["field_rule_failed"] and s["narrative"] >= 0 and risk_group(s) == "plain"


def _order_unvouched(s: dict) -> bool:
    """Another column order keeps as many of the sum rules and reads another value here, and nothing
    independent of the order vouches for this one: the measured rate of right orders says
    nothing about which one this is (three wrong values at 0.995 on a pdfminer document)."""
    return bool(s.get("order_open")) and not s.get("order_vouched")


def risk_group(s: dict) -> str:
    """"scattered": the field's table was read in a scattered order (a text layer printing a
    table column by column), or half its table's values or more were not read as printed in a
    document with such a table; "rebuilt": half its table's values or more were not read as
    printed (placed, split, lost cells); "plain" otherwise.  Such tables err coherently, at confidences
    where plainly printed ones do not, and differently from each other (a column order read
    wrong moves whole rows; a split digit run errs within its row), so each group has its own
    ok level.  "scattered_printed": a value of the scattered group read from a printed number
    in its printed place, in a table where no sum rule fails: out of fold, the scattered
    group's errors above 0.98 are lost or placed cells the column sums gave and printed values
    of tables whose rules fail (a row read shifted), none of them such a value."""
    if settled_across_rows(s):
        # the 0.999 level is set by scattered text layers' placed cells (pdfminer); these
        # measured as rebuilt values do: none of 9,278 on a blank-zero tuning seed is wrong
        group = "rebuilt"
    elif s.get("scattered") or s.get("by_columns") or s.get("table_order_scattered", s.get("table_scattered")):
        # (values beside those settled_across_rows vouches for: their table was printed row by row)
        group = "scattered"
    elif s.get("table_unprinted", 0.0) >= 0.5:
        # rebuilt in a document where another table was read scattered: out of fold, one such
        # pdfminer document's three wrong placed cells at 0.97-0.995 set the rebuilt level of
        # every document in each of three deals of folds.  A digit run split the one way the
        # rules allow is not placed by the scattered order: out of fold none of 1,085 such
        # values is wrong, and they keep the rebuilt level
        group = "scattered" if s.get("doc_order_unvouched", s.get("doc_scattered")) and not (
            s.get("reading") == "split_run" and not s.get("table_failing")) else "rebuilt"
    else:
        return "plain"
    if group == "scattered" and _read_as_printed(s) and not s.get("table_failing"):
        return "scattered_printed"
    return group


def ok_level(model, signals: dict | None = None) -> float:
    """The confidence at or above which a calibrated value is ok (chosen per risk group when
    the calibrator was fitted; without signals, the strictest of them)."""
    if model is None:
        return CONFIDENT
    levels = getattr(model, "govreport_ok_levels_", None) or {}
    if not levels:
        return max(CONFIDENT, getattr(model, "govreport_ok_level_", CONFIDENT))
    return max(CONFIDENT, group_level(levels, signals))


def group_level(levels: dict[str, float], signals: dict | None) -> float:
    """The level of the field's risk group (a group the fit never saw, or no field: the strictest)."""
    strictest = max(levels.values())
    return strictest if signals is None else levels.get(risk_group(signals), strictest)


def _rules_vouch_for_nothing(ids: list[str], fields: dict[str, FieldValue], signals: dict[str, dict],
                             covering: dict[str, list[Check]]) -> dict[str, str]:
    """OCR'd values read once whose holding sum rules all vouch for nothing, with the reason:
    a rule holds by two misreads as well when another of its cells was itself read in doubt as
    a value above 0 (reads that disagreed, a repaired character: a row of printed 0s read "9"
    in one cell and in its total, 0 + 9 = 9, ok); and for a cell that read nothing in a table
    that prints its zeros (no look at the page having found it empty: a faint digit the
    recognizer missed), a rule of zeros holds as well with the row's total lost alongside (a
    row's "4" and its total's "4" both unread, 0 = 0, ok)."""
    def doubted(g: str) -> bool:
        # (a doubted 0 is no such help: had it held more, the sum would fail)
        t = signals.get(g)
        return t is not None and t["path"] == "ocr" and (t["ocr_agree"] < 0 or bool(t["repaired"])) \
            and fields[g].value not in (0, None)

    out = {}
    for f in ids:
        s = signals[f]
        if s["path"] != "ocr" or s["ocr_agree"] >= 1:
            continue
        holding = [c for c in covering.get(f, ()) if "[" in c.rule and c.ok]
        if not holding:
            continue  # never_ok_signals judges a value no rule covers
        clean = [c for c in holding if not any(doubted(g) for g in c.fields if g != f)]
        if not clean:
            out[f] = "every sum rule that holds over this OCR read has another cell read in doubt as a value " \
                     "above 0: two misreads keep a sum as well"
        elif s["empty_cell"] and s["zeros_printed"] and all(
                all(fields[g].value in (0, None) for g in c.fields) for c in clean):
            out[f] = "OCR read nothing in this cell of a table that prints its zeros, and only rules of zeros " \
                     "cover it: a faint digit lost with its row's total reads the same"
    return out


def assess(template: Template, fields: dict[str, FieldValue], records: dict[str, CellRecord],
           checks: list[Check], page_paths: dict[int, str], model=None, ocr_model=None) -> None:
    """Set every field's signals, confidence, status and the reasons behind them (`model`: the
    calibrator, `ocr_model`: the OCR calibrator, each for the input paths it measured)."""
    ids = [f for f in template.field_ids() if fields[f].value is not None]
    covering: dict[str, list[Check]] = {}  # field -> the checks naming it, in order
    for c in checks:
        for f in dict.fromkeys(c.fields):
            covering.setdefault(f, []).append(c)
    # OCR'd documents keep the one-smallest-set rule their calibrator and rule of thumb were
    # measured with (models/confidence_calibrator.md, "OCR'd fields")
    pinned = pinned_values(template, fields, checks, localise="ocr" not in page_paths.values())
    if pinned is not None and not _weighed_as_printed(checks, records):
        pinned = None  # the reading itself may be what is off (a column order): nothing is pinned
    signals = {f: field_signals(f, records.get(f), template, page_paths, covering.get(f, []), pinned) for f in ids}
    add_table_context(signals)
    add_empty_rules(signals, covering)
    add_rules_across(signals, covering)
    add_order_context(signals)
    add_order_vouched(signals, covering)
    add_column_shift(signals, template)
    # each field's calibrator: the first that measured its input path (none: the rule of thumb);
    # the OCR one first (reviewed OCR'd fields may reach the main calibrator's data)
    model_of: dict[str, object] = {}
    for m in (ocr_model, model):
        for path in getattr(m, "govreport_paths_", ()) if m is not None else ():
            model_of.setdefault(path, m)
    probs_of: dict[str, float] = {}
    for m in {id(m): m for m in model_of.values()}.values():
        mine = [f for f in ids if model_of.get(signals[f]["path"]) is m]
        if mine:
            probs_of.update(zip(mine, calibrated(m, [signals[f] for f in mine])))
    probs = [probs_of[f] if f in probs_of else rule_of_thumb(signals[f]) for f in ids]
    failing = {f: c for c in checks if not c.ok and not c.rule.startswith("narrative.") for f in c.fields}
    if pinned is not None:
        # a failing sum rule speaks against the values it pins, not against every value it sums
        failing = {f: c for f, c in failing.items() if f in pinned or "[" not in c.rule
                   or any(not d.ok and "[" not in d.rule for d in covering.get(f, []))}
    contradicted = {f: c for c in checks if not c.ok and c.rule.startswith("narrative.") for f in c.fields}
    # the values read in one row with a total the prose contradicts, where the row was not read
    # wholly from printed numbers: its reading is what is in doubt (section 四's review row read
    # from empty cells as 0s where the narrative states 22, its numbers taken for another group),
    # not its total alone.  (A row printed in full stands against a narrative that counts otherwise.)
    row_mates = {g: c for f, c in contradicted.items() for inst, printed in _row_rules(template.key).get(f, ())
                 if not all(_read_as_printed(signals.get(h)) for h in printed)
                 for g in inst if g not in contradicted}
    # a row one of whose numbers was shifted into a column of counts (sign_misplaced): its other
    # cells may be shifted too (`|收费||+1|0|`: +10 split over two cells, 0 read as the change)
    shifted = {f.rsplit(".", 1)[0] for f in ids if signals[f].get("sign_misplaced")}
    # digits failing rules show this scan's OCR may misread: a value no holding rule checks that
    # shows one may be the same misread, however sure both reads of it were (blur reads 0 as 6)
    misread = misread_digits(template, fields, {f for f in ids if signals[f]["path"] == "ocr"})
    suspect = {f: sorted(d for d in misread if d in _digits(fields[f].value)) for f in ids
               if signals[f]["path"] == "ocr" and not vouched(signals[f])} if misread else {}
    # an OCR'd table none of whose cells read anything, number or blank mark (—, 无): a table the
    # scan lost (its grid found askew, its rows unread) reads as one printed with empty cells, so
    # its zeros are never ok
    printed_tables = {signals[f]["table"] for f in ids if signals[f]["reading"] == "as_printed"
                      and not signals[f]["empty_cell"]}
    unread_tables = {signals[f]["table"] for f in ids if signals[f]["path"] == "ocr"} - printed_tables
    unvouched_reads = _rules_vouch_for_nothing(ids, fields, signals, covering)
    rounded: dict[tuple, dict] = {}  # a document's ~200 fields share a few dozen signal rows
    for field_id, p in zip(ids, probs):
        fv, s, rec = fields[field_id], signals[field_id], records.get(field_id)
        key = tuple(s.values())
        shown = rounded.get(key)
        if shown is None:
            shown = rounded[key] = {k: (_round4(v) if isinstance(v, float) else v) for k, v in s.items()}
        fv.signals = dict(shown)
        fv.reasons.extend(_reasons(s, rec))
        row_shifted = field_id.rsplit(".", 1)[0] in shifted and not s.get("sign_misplaced")
        unread_table = s["table"] in unread_tables
        never_ok = never_ok_signals(s) or field_id in contradicted or field_id in row_mates or row_shifted \
            or bool(suspect.get(field_id)) or unread_table or field_id in unvouched_reads
        if unread_table:
            fv.reasons.append("no cell of its table read as a number or a blank mark: a table the scan lost "
                              "reads like one printed with empty cells")
        elif field_id in unvouched_reads:
            fv.reasons.append(unvouched_reads[field_id])
        if suspect.get(field_id):
            named = ", ".join(f"{d} ({misread[d]} rules)" for d in suspect[field_id])
            fv.reasons.append(f"failing sum rules show this scan's OCR may misread the digits {named}; "
                              "no holding rule checks this value")
        if row_shifted:
            fv.reasons.append("another value of this row was printed with a plus sign in a column of counts: "
                              "the row's cells may be shifted")
        fv.confidence = round(min(p, NEVER_OK_CAP) if never_ok else max(p, VOUCHED_PRINTED)
                              if field_id in probs_of and vouched_printed(s) else p, 4)
        if field_id in contradicted:
            c = contradicted[field_id]
            fv.reasons.append(f"the narrative states {c.expected:g} ({c.about!r}); the table prints {c.printed:g}")
        if field_id in row_mates:
            c = row_mates[field_id]
            fv.reasons.append(f"the narrative contradicts this row's {c.printed:g} ({c.about!r} states {c.expected:g})")
        if s["pinned_elsewhere"] > 0 and field_id not in failing:
            fv.reasons.append(f"a sum rule over this value fails; the rules point at "
                              f"{', '.join(sorted(pinned or ()))} instead (no change of this value, "
                              f"alone or with one other, makes every sum rule hold)")
        # the calibrated probability at or above which the measured error among ok values is at
        # most 1 in 1,000 on every generated family (chosen when the calibrator was fitted)
        level = ok_level(model_of[s["path"]], s) if field_id in probs_of else CONFIDENT
        if field_id in failing:
            c = failing[field_id]
            fv.status = "inconsistent"
            fv.reasons.append(f"rule {c.rule} fails: " + (c.about or f"{c.expected:g} vs {c.printed:g}"))
            if pinned and field_id in pinned:
                fv.reasons.append("the failing sum rules point at this value" + (
                    f" (the values they point at: {', '.join(sorted(pinned))})" if len(pinned) > 1 else ""))
        elif fv.confidence >= level:
            fv.status = "ok"
        elif s["reading"] == "lost_cell" or s["blank_marker"] or s["empty_cell"] or s.get("by_narrative"):
            fv.status = "inferred"
        else:
            fv.status = "low_confidence"
        if fv.status != "ok" and not fv.reasons:
            # no doubt has a name: the measured error of values read with such evidence is too high
            fv.reasons.append(f"confidence {fv.confidence:.3f} is below {level:.3f}, the level at which values "
                              f"read with such evidence were measured right 999 times in 1,000")


def _digits(value: float) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() and value >= 0 else ""


def misread_digits(template: Template, fields: dict[str, FieldValue], ocr: set[str]) -> dict[str, int]:
    """Digits this document's OCR may have misread, as the failing sum rules show them: a rule
    that would hold if one OCR'd count of it had one other digit in one place (`6` for `0`)
    names the digit read; a digit two failing rules name, in any of their cells (the rules do
    not say which cell was misread: the 6 among the parts or the 0 of the total). Maps each such
    digit to the number of failing rules naming it. Nothing when one value mends every failing
    rule: a total printed wrong (or one misread) shows no habit of the scan's OCR."""
    failing: list[tuple[object, float]] = []
    for inst in template.rule_instances():
        if all(f in fields and fields[f].value is not None for f in inst.fields):
            residual = sum(fields[f].value for f in inst.lhs) - sum(fields[f].value for f in inst.rhs)
            if residual != 0:
                failing.append((inst, residual))

    def needs(inst, residual: float, f: str) -> float:
        return fields[f].value - residual if f in inst.lhs else fields[f].value + residual

    if not failing or any(
            len({needs(inst, r, f) for inst, r in failing}) == 1
            for f in set.intersection(*(set(inst.fields) for inst, _ in failing))
            if all(inst.fields.count(f) == 1 for inst, _ in failing)):
        return {}
    named: dict[str, int] = {}
    for inst, residual in failing:
        digits = set()
        for f in set(inst.fields) & ocr:
            if inst.fields.count(f) == 1:
                read, want = _digits(fields[f].value), _digits(needs(inst, residual, f))
                diff = [a for a, b in zip(read, want) if a != b] if len(read) == len(want) else []
                if len(diff) == 1:
                    digits.add(diff[0])
        for d in digits:
            named[d] = named.get(d, 0) + 1
    return {d: n for d, n in named.items() if n >= 2}


def _read_as_printed(s: dict | None) -> bool:
    """A value read from a printed number in its printed place (no empty cell, no rule's help)."""
    return s is not None and s["reading"] == "as_printed" and not s["empty_cell"] and not s["blank_marker"]


@lru_cache(maxsize=None)
def _row_rules(template_key: str) -> dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]:
    """Per field, the fields of each sum rule that lies within its row (a row's total and parts),
    with the fields of the line they are printed on (section 四 prints its three rows as one)."""
    template = load_template(template_key)
    out: dict[str, list] = {}
    for inst in template.rule_instances():
        if len({f.rsplit(".", 1)[0] for f in inst.fields}) == 1:
            table = template.table(inst.fields[0].split(".")[0])
            printed = tuple(table.field_ids()) if table.printed_flat else inst.fields
            for f in inst.fields:
                out.setdefault(f, []).append((inst.fields, printed))
    return {f: tuple(v) for f, v in out.items()}


def _weighed_as_printed(checks: list[Check], records: dict[str, CellRecord]) -> bool:
    """Whether every value of the failing sum rules was read as printed, in its printed place
    and with no doubt about its row: only then can the rules say which printed value is off.
    (A table read in a column order the rules chose can fail them because the order is wrong,
    and pin a value that is right while the misplaced one looks explained.)  A value placed by
    the rules with a single printed total taken as wrong counts too: its placement is the one
    that keeps every rule but that total's, so it cannot be what the rules point at instead
    (it stays never ok itself); and so, in such a document, does a value its row's print allows
    alone (`CellRecord.unique`) or a row printed without numbers read as empty."""
    one_wrong = any(rec.one_total_wrong for rec in records.values())
    for c in checks:
        if c.ok or "[" not in c.rule:
            continue
        for f in c.fields:
            rec = records.get(f)
            if rec is None or rec.scattered or rec.doubts:
                return False
            placed_around_one = rec.one_total_wrong and "," not in rec.one_total_wrong \
                and rec.guess.how == "inferred"
            # beside them, a cell its row's print allows one value for, lost blanks and all, or a
            # row printed without numbers read as empty: no placement was chosen for either
            printed_unique = one_wrong and not rec.by_columns and (
                rec.unique or (rec.reading == "lost_cell" and not rec.tokens and rec.guess.value == 0))
            if not (placed_around_one or printed_unique) and (rec.reading != "as_printed" or rec.by_columns):
                return False
    return True


def _round4(v: float) -> float:
    """round(v, 4), skipping its decimal conversion for whole numbers (most signals are flags
    and counts), which it leaves as they are (-0.0 included)."""
    return v if v.is_integer() else round(v, 4)


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
    # (a cell the rules gave in place of a repaired OCR read says so in its notes: nothing was lost)
    if s["reading"] in explain and not (s["reading"] == "lost_cell" and rec is not None and rec.tokens):
        ruleless = s["reading"] in _RULE_READINGS and not s["sum_rules"]
        out.append(explain[s["reading"]] + (
            "" if not ruleless else "; no sum rule covers this cell, but the print allows no other values"
            if s.get("print_unique") else "; but no sum rule covers this cell, so nothing checks it"))
    if _grid_unvouched(s):
        out.append("its row's numbers were put in columns by the text's alignment, with empty cells "
                   "inferred between them, and no rule across rows checks where they went")
    if s.get("column_shift_open"):
        out.append("its column's numbers were placed by the text's alignment, and a neighbouring column "
                   "printed nothing in any row: the numbers may be that column's, and every sum rule holds "
                   "either way")
    if s.get("one_total_wrong"):
        out.append("placed by the sum rules with a printed total taken as wrong: no placement keeps every rule")
    if s.get("sign_misplaced"):
        out.append("printed with a plus sign (a signed change) in a column of counts: a cell was shifted")
    if s["repaired"]:
        out.append("OCR character repaired")
    if s["path"] == "ocr" and s["ocr_agree"] < 1 and not vouched(s):
        out.append("no holding sum rule covers this OCR read, and no second read of the cell agreed with it"
                   if s["ocr_agree"] == 0 else "two reads of the cell disagreed, and no holding sum rule covers it")
    if s["unit_missing"]:
        out.append("no unit printed; read in the column's default unit")
    return out
