"""Prose cross-checks: numbers the narrative states about the tables (全年共受理政府信息公开申请
21件, 行政复议1起 …) compared with what the tables print.

The narrative is cut into sentences and clauses; spaCy's zh pipeline (jieba) finds each number
followed by a measure word, and the claim patterns in `schema/narrative.yaml` say which table
values a clause talks about.  A disagreement is a named check and a reason on the fields; the
printed table value never changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .cells import normalize
from .model import Check, Document, FieldValue
from .schema import Template

_SENTENCE = re.compile(r"[。；;！!？?]")
_CLAUSE = re.compile(r"[，,：:（）()]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_HAS_NUMBER = re.compile(r"\d")
MAX_SENTENCE = 400  # longer "sentences" are tables glued into one line, not narrative


@dataclass(frozen=True)
class Claim:
    id: str
    words: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    units: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]
    context: tuple[str, ...] = ()
    appeals: str | None = None  # a 行政复议 / 行政诉讼 claim opens a breakdown by result

    def matches(self, clause: str, sentence: str) -> bool:
        return all(any(w in clause for w in group) for group in self.words) \
            and not any(w in clause for w in self.unless) \
            and (not self.context or any(w in sentence for w in self.context))


@dataclass(frozen=True)
class Statement:
    """One number the narrative states, and the table fields it is about."""

    claim: str
    fields: tuple[str, ...]
    stated: int
    text: str


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[Claim, ...], dict, dict]:
    spec = yaml.safe_load(resources.files("pipeline.schema").joinpath("narrative.yaml").read_text(encoding="utf-8"))
    claims = tuple(Claim(c["id"], tuple(tuple(g) for g in c["words"]), tuple(c.get("unless", ())),
                         tuple(c["units"]), tuple(tuple(t) for t in c["targets"]), tuple(c.get("context", ())),
                         c.get("appeals"))
                   for c in spec["claims"])
    results = spec["appeal_results"]
    return claims, results["rows"], results["columns"]


def _numbers(clause: str, units: tuple[str, ...]) -> list[int]:
    """Numbers followed by one of the measure words, as jieba segments the clause."""
    from .nlp import get_nlp

    tokens = [t for t in get_nlp().make_doc(clause) if not t.is_space]
    return [int(t.text) for t, nxt in zip(tokens, tokens[1:])
            if t.text.isdigit() and any(nxt.text.startswith(u) for u in units)]


def _target(claim_targets, template: Template) -> tuple[str, ...] | None:
    known = set(template.field_ids())
    return next((t for t in claim_targets if all(f in known for f in t)), None)


def statements(text: str, template: Template) -> list[Statement]:
    """Every claim the narrative makes about this template's table values."""
    claims, appeal_rows, appeal_columns = _patterns()
    out: list[Statement] = []
    text = _THOUSANDS.sub("", normalize(text))
    for sentence in _SENTENCE.split(text):
        if len(sentence) > MAX_SENTENCE or not _HAS_NUMBER.search(sentence):
            continue
        breakdown: str | None = None  # appeals row group the sentence is breaking down
        for clause in _CLAUSE.split(sentence):
            if not _HAS_NUMBER.search(clause):
                continue
            claim = next((c for c in claims if c.matches(clause, sentence)), None)
            if claim is not None:
                numbers = _numbers(clause, claim.units)
                target = _target(claim.targets, template)
                if len(numbers) == 1 and target:
                    out.append(Statement(claim.id, target, numbers[0], clause.strip()))
                breakdown = claim.appeals or breakdown
                continue
            if breakdown is None:
                continue
            column = next((c for c, words in appeal_columns.items() if any(w in clause for w in words)), None)
            numbers = _numbers(clause, ("件", "起", "宗", "个"))
            if column and len(numbers) == 1:
                fields = tuple(f"appeals.{row}.{column}" for row in appeal_rows[breakdown])
                if _target((fields,), template):
                    out.append(Statement(f"{breakdown}_{column}", fields, numbers[0], clause.strip()))
    return out


NARRATIVE_DOUBT = 0.85  # below CONFIDENT: a value the narrative contradicts goes to review


def narrative_checks(doc: Document, template: Template, fields: dict[str, FieldValue]) -> list[Check]:
    """Compare each statement with the table; flag (never change) the values it contradicts."""
    # PDF and text dumps wrap sentences at line ends (答\n复 3050 件): lines are rejoined
    text = "".join(line.text for line in doc.lines())
    checks = []
    for st in statements(text, template):
        values = [fields[f].value for f in st.fields]
        if any(v is None for v in values):
            continue
        printed = sum(values)
        ok = abs(printed - st.stated) < 1e-9
        checks.append(Check(f"narrative.{st.claim}", list(st.fields), st.stated, printed, ok))
        if not ok:
            for f in st.fields:
                fv = fields[f]
                fv.reasons.append(f"the narrative states {st.stated} ({st.text!r}); the table prints {printed:g}")
                if fv.status == "ok":
                    fv.status = "low_confidence"
                fv.confidence = min(fv.confidence, NARRATIVE_DOUBT)
    return checks
