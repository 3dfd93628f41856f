"""Scoring extraction output against hand-labelled gold files.

Pure functions over plain dicts (gold JSON, predicted JSON contract), so the same code
scores fresh `extract_file` results, a directory of saved JSON, or a baseline's output.

Gold: {"template", "hybrid", "fields": {field_id: number | null}}; null = not scored.
Per scored field a prediction is exactly one of
  exact            value equals gold
  absent           no entry, or value null (the extractor said "not found")
  wrong, flagged   value differs but the field went to review
  confident wrong  value differs, yet status ok and confidence >= threshold: the failure
                   that reaches a user unnoticed, the one a CI gate must hold at zero.
`flagged` (any field sent to review, right or wrong) follows the reference scorer
../shared/hooks/score.py: confidence < threshold or a review status.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .model import CONFIDENT, STATUSES

FLAGGED_STATUSES = frozenset(STATUSES) - {"ok"}


# --- one field ------------------------------------------------------------------------

def as_number(value: Any) -> float | None:
    """Numeric form of a gold or predicted value; None for null, bools and non-numbers."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def same_value(gold: Any, value: Any) -> bool:
    g, v = as_number(gold), as_number(value)
    return g is not None and v is not None and math.isclose(g, v, rel_tol=1e-9, abs_tol=1e-6)


def pred_fields(pred: dict) -> dict[str, dict]:
    """The predicted fields as {id: {"value", "confidence", "status", ...}}.

    Bare values (`{id: 3}`) are accepted as confident "ok" values, like the reference scorer:
    a prediction that claims nothing about its doubt is taken at its word."""
    fields = pred.get("fields", {}) or {}
    if isinstance(fields, list):
        fields = {f.get("id") or f.get("field"): f for f in fields}
    return {k: (v if isinstance(v, dict) else {"value": v}) for k, v in fields.items()}


@dataclass(frozen=True)
class FieldOutcome:
    field_id: str
    gold: float | int
    value: Any
    confidence: float
    status: str
    present: bool  # the prediction has an entry for this field

    @property
    def absent(self) -> bool:
        return not self.present or as_number(self.value) is None

    @property
    def correct(self) -> bool:
        return same_value(self.gold, self.value)

    def flagged(self, threshold: float) -> bool:
        return self.present and (self.confidence < threshold or self.status in FLAGGED_STATUSES)

    def confident_wrong(self, threshold: float) -> bool:
        # an unknown status counts as "not flagged": only the contract's review statuses excuse a value
        return not self.correct and not self.absent and not self.flagged(threshold)

    def to_dict(self, threshold: float) -> dict:
        return {"field": self.field_id, "gold": self.gold, "value": self.value,
                "confidence": self.confidence, "status": self.status,
                "outcome": self.outcome(threshold)}

    def outcome(self, threshold: float) -> str:
        if self.correct:
            return "exact"
        if self.absent:
            return "absent"
        return "flagged" if self.flagged(threshold) else "confident_wrong"


def field_outcome(field_id: str, gold: Any, entry: dict | None) -> FieldOutcome:
    if entry is None:
        return FieldOutcome(field_id, gold, None, 0.0, "missing", present=False)
    raw = entry.get("confidence", 1.0)  # no stated confidence = a confident claim (reference scorer)
    confidence = 0.0 if raw is None else float(raw)
    return FieldOutcome(field_id, gold, entry.get("value"), confidence,
                        str(entry.get("status", "ok")).lower(), present=True)


# --- one document ---------------------------------------------------------------------

@dataclass
class DocScore:
    name: str
    gold_name: str
    threshold: float
    gold_template: str | None
    pred_template: str | None
    gold_hybrid: bool | None
    pred_hybrid: bool
    outcomes: list[FieldOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the prediction's own errors, for context

    @property
    def scored(self) -> int:
        return len(self.outcomes)

    @property
    def exact(self) -> int:
        return sum(o.correct for o in self.outcomes)

    @property
    def confident_wrong(self) -> int:
        return sum(o.confident_wrong(self.threshold) for o in self.outcomes)

    @property
    def flagged(self) -> int:
        return sum(o.flagged(self.threshold) for o in self.outcomes)

    @property
    def absent(self) -> int:
        return sum(o.absent for o in self.outcomes)

    @property
    def template_correct(self) -> bool:
        # gold files without "hybrid" only pin the version
        hybrid_ok = self.gold_hybrid is None or self.gold_hybrid == self.pred_hybrid
        return str(self.pred_template) == str(self.gold_template) and hybrid_ok

    @property
    def exact_rate(self) -> float:
        return self.exact / self.scored if self.scored else 1.0

    def wrong(self) -> list[FieldOutcome]:
        return [o for o in self.outcomes if not o.correct]

    def to_dict(self) -> dict:
        return {"name": self.name, "gold": self.gold_name, "scored": self.scored, "exact": self.exact,
                "exact_rate": round(self.exact_rate, 6), "confident_wrong": self.confident_wrong,
                "flagged": self.flagged, "absent": self.absent,
                "template": {"gold": self.gold_template, "pred": self.pred_template,
                             "gold_hybrid": self.gold_hybrid, "pred_hybrid": self.pred_hybrid,
                             "correct": self.template_correct},
                "wrong": [o.to_dict(self.threshold) for o in self.wrong()], "errors": self.errors}


def score_document(gold: dict, pred: dict, name: str = "", gold_name: str = "",
                   threshold: float = CONFIDENT) -> DocScore:
    predicted = pred_fields(pred)
    outcomes = [field_outcome(fid, g, predicted.get(fid))
                for fid, g in (gold.get("fields") or {}).items() if g is not None]
    hybrid = gold.get("hybrid")
    return DocScore(name, gold_name, threshold, gold.get("template"), pred.get("template"),
                    None if hybrid is None else bool(hybrid), bool(pred.get("hybrid", False)),
                    outcomes, list(pred.get("errors") or []))


# --- many documents -------------------------------------------------------------------

@dataclass
class EvalReport:
    threshold: float
    docs: list[DocScore] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)  # inputs with no gold file
    unscored_gold: list[str] = field(default_factory=list)  # gold files no input paired with
    bad_gold: list[str] = field(default_factory=list)  # gold files that could not be read: "path: why"

    def _sum(self, attr: str) -> int:
        return sum(getattr(d, attr) for d in self.docs)

    @property
    def scored(self) -> int:
        return self._sum("scored")

    @property
    def exact(self) -> int:
        return self._sum("exact")

    @property
    def confident_wrong(self) -> int:
        return self._sum("confident_wrong")

    @property
    def flagged(self) -> int:
        return self._sum("flagged")

    @property
    def absent(self) -> int:
        return self._sum("absent")

    @property
    def templates_correct(self) -> int:
        return sum(d.template_correct for d in self.docs)

    @property
    def errored(self) -> list[DocScore]:
        """Documents gold says are reports that extraction did not read as one."""
        return [d for d in self.docs if d.gold_template is not None and d.pred_template is None]

    @property
    def exact_rate(self) -> float:
        """Micro average over all scored fields (big tables weigh more than small ones)."""
        return self.exact / self.scored if self.scored else 0.0

    @property
    def perfect_docs(self) -> int:
        return sum(d.exact == d.scored for d in self.docs)

    def overall(self) -> dict:
        n = max(self.scored, 1)
        return {"docs": len(self.docs), "perfect_docs": self.perfect_docs, "scored": self.scored,
                "exact": self.exact, "exact_rate": round(self.exact_rate, 6),
                "confident_wrong": self.confident_wrong, "confident_wrong_rate": round(self.confident_wrong / n, 6),
                "flagged": self.flagged, "flagged_rate": round(self.flagged / n, 6),
                "absent": self.absent, "absent_rate": round(self.absent / n, 6),
                "templates_correct": self.templates_correct, "errored": len(self.errored)}

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "overall": self.overall(),
                "documents": [d.to_dict() for d in self.docs], "unpaired": self.unpaired,
                "unscored_gold": self.unscored_gold, "bad_gold": self.bad_gold}


def gate_failures(report: EvalReport, max_confident_wrong: int | None = None,
                  min_exact: float | None = None) -> list[str]:
    """Human-readable reasons the report misses the bars; empty when it meets them.

    A gate (any bar given) also fails on everything it could not score: a gold file it
    could not read, a gold file no input paired with, an input no gold paired with, a
    document extraction did not read, a template read wrong (including a pre-2019 report
    that was not refused).  Otherwise a gate could pass on fewer documents than it names."""
    out = []
    if not report.docs:
        out.append("no document was paired with a gold file")
    gating = max_confident_wrong is not None or min_exact is not None
    if gating:
        out += [f"gold file not readable: {why}" for why in report.bad_gold]
        out += [f"gold file {stem} paired with no input" for stem in report.unscored_gold]
        out += [f"input {name} paired with no gold file" for name in report.unpaired]
        errored = report.errored
        for d in errored:
            why = "; ".join(d.errors) or "no template found"
            out.append(f"{d.name} was not read as a report: {why}")
        for d in report.docs:
            if not d.template_correct and not any(d is e for e in errored):
                out.append(f"{d.name}: template {d.pred_template}{' hybrid' if d.pred_hybrid else ''}, "
                           f"gold {d.gold_template}{' hybrid' if d.gold_hybrid else ''}")
    if max_confident_wrong is not None and report.confident_wrong > max_confident_wrong:
        out.append(f"{report.confident_wrong} confident wrong values > allowed {max_confident_wrong}")
    if min_exact is not None and report.exact_rate < min_exact:
        out.append(f"exact {report.exact_rate:.4f} < required {min_exact:.4f}")
    return out


# --- pairing and loading --------------------------------------------------------------

def find_gold(stem: str, gold_stems: Iterable[str]) -> str | None:
    """Gold stem for an input stem: the same stem, else the longest gold stem inside it
    (dumps like `012_huaian_city_2024_pdf_pdfminer`, scans like `huaian_city_2024__blur`).
    Longest wins so `city_2024` never steals `huaian_city_2024`'s inputs."""
    stems = list(gold_stems)
    if stem in stems:
        return stem
    inside = [g for g in stems if g and g in stem]
    return max(inside, key=len) if inside else None


def gold_problem(data: Any) -> str | None:
    """Why `data` is not a usable gold file, or None when it is."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if "template" not in data:
        return "no \"template\""
    if data["template"] is not None and str(data["template"]) not in ("2019", "2021"):
        return f"unknown template {data['template']!r}"
    if not isinstance(data.get("fields"), dict):
        return "no \"fields\" object"
    bad = [k for k, v in data["fields"].items()
           if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)))]
    if bad:
        return f"fields that are neither a number nor null: {', '.join(bad[:5])}"
    return None


def is_gold(data: Any) -> bool:
    return gold_problem(data) is None


def read_gold_dir(root: Path) -> tuple[dict[str, tuple[Path, dict]], list[str]]:
    """Gold files under `root`, searched recursively, by stem; and the JSON files there
    that are not readable gold ("path: why").  Two gold files with one stem: ValueError."""
    found: dict[str, tuple[Path, dict]] = {}
    bad: list[str] = []
    for path in sorted(Path(root).rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            bad.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        problem = gold_problem(data)
        if problem:
            bad.append(f"{path}: {problem}")
            continue
        if path.stem in found:
            raise ValueError(f"two gold files named {path.stem}: {found[path.stem][0]} and {path}")
        found[path.stem] = (path, data)
    return found, bad


def load_gold_dir(root: Path) -> dict[str, tuple[Path, dict]]:
    """Gold files under `root` by stem; ValueError when any JSON there is not readable gold."""
    found, bad = read_gold_dir(root)
    if bad:
        raise ValueError("gold files not readable: " + "; ".join(bad))
    return found


def input_stem(name: str) -> str:
    """Stem an input pairs by: `x.pdf` -> x; saved predictions `x.json` -> x and `x.pdf.json`
    (extract's name when two inputs share a stem) -> x.pdf, which still pairs by containment."""
    base = Path(name).name
    return base[: -len(".json")] if base.endswith(".json") else Path(base).stem


def evaluate(pairs: Iterable[tuple[str, dict]], golds: dict[str, tuple[Path, dict]],
             threshold: float = CONFIDENT, bad_gold: list[str] | None = None) -> EvalReport:
    """Score (input name, predicted dict) pairs; inputs without gold land in `unpaired`,
    gold files no input paired with in `unscored_gold`."""
    report = EvalReport(threshold, bad_gold=list(bad_gold or []))
    for name, pred in pairs:
        stem = find_gold(input_stem(name), golds)
        if stem is None:
            report.unpaired.append(name)
            continue
        report.docs.append(score_document(golds[stem][1], pred, name, stem, threshold))
    paired = {d.gold_name for d in report.docs}
    report.unscored_gold = [stem for stem in golds if stem not in paired]
    return report


# --- the gold sets the project gates on --------------------------------------------------

# gold directory and the inputs it scores, relative to ../shared
GOLD_SETS = {
    "shared": ("gold", ("seeds/*.txt", "reports/text/*.txt", "reports/pdf/*.pdf")),
    "wild": ("wild/gold", ("wild/*.txt",)),
}


def gold_set(shared: Path, name: str) -> tuple[Path, list[Path]]:
    """(gold directory, sorted inputs) of one of `GOLD_SETS`."""
    gold, patterns = GOLD_SETS[name]
    return shared / gold, sorted(p for pattern in patterns for p in shared.glob(pattern))
