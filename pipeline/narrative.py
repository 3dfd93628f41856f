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
_ENUMERATION = "、"  # 行政复议33起、行政诉讼11起: one claim per item where every item states a number
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_HAS_NUMBER = re.compile(r"\d")
_YEAR = re.compile(r"\d{4}年度?")  # 2017年未收到…: a date, no count
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
    none: tuple[str, ...] = ()  # words naming it in a clause that says there was none (未发生…行政复议)
    none_unless: tuple[str, ...] = ()  # words that make such a clause about something else

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


@dataclass(frozen=True)
class _None:
    """How a clause says there was none of something (本年度未发生行政复议、行政诉讼)."""

    negations: tuple[str, ...]
    unless: tuple[str, ...]

    def claims(self, clause: str, sentence: str, claims: tuple[Claim, ...]) -> list[Claim]:
        """The claims a clause without numbers states as 0: a negation before the words naming
        each of them, nothing that makes it about something else (未发生行政复议被纠错)."""
        if any(w in clause for w in self.unless):
            return []
        at = min((clause.find(n) for n in self.negations if n in clause), default=-1)
        if at < 0:
            return []
        return [c for c in claims if any(w in clause[at:] for w in c.none)
                and not any(w in clause for w in c.none_unless)
                and (not c.context or any(w in sentence for w in c.context))]


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[Claim, ...], dict, dict, _None]:
    spec = yaml.safe_load(resources.files("pipeline.schema").joinpath("narrative.yaml").read_text(encoding="utf-8"))
    claims = tuple(Claim(c["id"], tuple(tuple(g) for g in c["words"]), tuple(c.get("unless", ())),
                         tuple(c["units"]), tuple(tuple(t) for t in c["targets"]), tuple(c.get("context", ())),
                         c.get("appeals"), tuple(c.get("none", ())), tuple(c.get("none_unless", ())))
                   for c in spec["claims"])
    results = spec["appeal_results"]
    none = spec["none"]
    return claims, results["rows"], results["columns"], _None(tuple(none["negations"]), tuple(none["unless"]))


def _numbers(clause: str, units: tuple[str, ...]) -> list[int]:
    """Numbers followed by one of the measure words, as jieba segments the clause."""
    from .nlp import get_nlp

    tokens = [t for t in get_nlp().make_doc(clause) if not t.is_space]
    return [int(t.text) for t, nxt in zip(tokens, tokens[1:])
            if t.text.isdigit() and any(nxt.text.startswith(u) for u in units)]


def _target(claim_targets, template: Template) -> tuple[str, ...] | None:
    known = set(template.field_ids())
    return next((t for t in claim_targets if all(f in known for f in t)), None)


def _clauses(sentence: str) -> list[str]:
    """Clauses of a sentence; an enumeration whose every item states a number is one clause per
    item (行政复议33起、行政诉讼11起), else one (行政复议、行政诉讼各1起 names both for one number)."""
    out = []
    for clause in _CLAUSE.split(sentence):
        items = clause.split(_ENUMERATION)
        out.extend(items if len(items) > 1 and all(_HAS_NUMBER.search(i) for i in items) else [clause])
    return out


def statements(text: str, template: Template) -> list[Statement]:
    """Every claim the narrative makes about this template's table values."""
    claims, appeal_rows, appeal_columns, none = _patterns()
    out: list[Statement] = []
    text = _THOUSANDS.sub("", normalize(text))
    for sentence in _SENTENCE.split(text):
        if len(sentence) > MAX_SENTENCE:
            continue
        breakdown: str | None = None  # appeals row group the sentence is breaking down
        for clause in _clauses(sentence):
            if not _HAS_NUMBER.search(_YEAR.sub("", clause)):
                for claim in none.claims(clause, sentence, claims):
                    target = _target(claim.targets, template)
                    if target:
                        out.append(Statement(claim.id, target, 0, clause.strip()))
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


def document_statements(doc: Document, template: Template) -> list[Statement]:
    """Every claim the document's narrative makes about this template's table values."""
    # PDF and text dumps wrap sentences at line ends (答\n复 3050 件): lines are rejoined
    return statements("".join(line.text for line in doc.lines()), template)


def narrative_checks(stated: list[Statement], fields: dict[str, FieldValue]) -> list[Check]:
    """Each statement against the table, as a named check quoting the narrative."""
    checks = []
    for st in stated:
        values = [fields[f].value for f in st.fields]
        if any(v is None for v in values):
            continue
        printed = sum(values)
        checks.append(Check(f"narrative.{st.claim}", list(st.fields), st.stated, printed,
                            abs(printed - st.stated) < 1e-9, st.text))
    return checks
