"""Label candidates of a section: the pieces of label text a row label could be.

Consecutive text tokens form a run.  A run is cut at token boundaries, at enumerator
markers （一） (1) 1. 2、 一、, and around exact printed label variants (so a
pdfminer run "…现行有效件数规章行政规范性文件" yields 规章 and 行政规范性文件).  Token
fragments are merged back when they are wrapped pieces of one label: single
characters (pypdf prints 三 、 本 年 … one per token) and pieces after an open bracket
or a trailing comma.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..cells import normalize
from ..layout import Section, squash
from ..model import Token

_CN = "一二三四五六七八九十"
# enumerators in NFKC form (（一） -> (一)); digits must not be part of a number like 1.5
ENUMERATOR = re.compile(rf"\([{_CN}]{{1,3}}\)|\(\d{{1,2}}\)|(?<![\d.])\d{{1,2}}[.、](?!\d)|[{_CN}]{{1,2}}、")
_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_OPEN, _CLOSE = "(（[【“", ")）]】”"


@dataclass
class Candidate:
    text: str  # NFKC, whitespace removed, punctuation kept (enumerator style is a feature)
    owners: list[int]  # token index of each character
    index: int = 0  # order in the section
    gap_after: bool = False  # a number token follows before the next text
    label: str | None = None  # training only
    key: str = ""  # squashed form

    @property
    def token(self) -> int:
        return self.owners[0]

    @property
    def last_token(self) -> int:
        return self.owners[-1]


@dataclass
class _Piece:
    chars: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chars)


def enumerator_kind(text: str) -> str:
    m = ENUMERATOR.match(text)
    if not m:
        return "none"
    s = m.group(0)
    if s.startswith("("):
        return "paren_cn" if s[1] in _CN else "paren_digit"
    if s[0].isdigit():
        return "digit_" + ("dot" if s.endswith(".") else "comma")
    return "cn_comma"


def _unbalanced(text: str) -> bool:
    return sum(text.count(c) for c in "(（") > sum(text.count(c) for c in ")）")


def _squashed_len(text: str) -> int:
    return len(squash(text))


def _token_pieces(tokens: list[Token], start: int, end: int) -> list[tuple[list[_Piece], bool]]:
    """Runs of consecutive text tokens as lists of per-token pieces, and whether a number follows."""
    runs: list[tuple[list[_Piece], bool]] = []
    current: list[_Piece] | None = None
    for i in range(start, end):
        tok = tokens[i]
        if tok.kind != "text":
            if current is not None:
                runs[-1] = (current, True)
            current = None
            continue
        text = re.sub(r"\s+", "", normalize(tok.text))
        if not text:
            continue
        if current is None:
            current = []
            runs.append((current, False))
        current.append(_Piece(list(text), [i] * len(text)))
    return runs


def _token_cuts(pieces: list[_Piece]) -> set[int]:
    """Token boundaries that separate candidates: all but those inside wrapped labels."""
    cuts: set[int] = set()
    pos, prev = 0, ""
    for k, p in enumerate(pieces):
        text = p.text
        if k:
            wrapped = (_squashed_len(text) <= 1 or _squashed_len(prev) <= 1 or _unbalanced(prev)
                       or prev[-1] in ",，、" or text[0] in _CLOSE + ",，")
            if wrapped and not (ENUMERATOR.match(text) and _squashed_len(prev) > 1):
                prev += text
            else:
                cuts.add(pos)
                prev = text
        else:
            prev = text
        pos += len(text)
    return cuts


def _label_start(text: str, a: int) -> int:
    """Where a label found at char `a` really starts: before its enumerator or open bracket.

    A label that starts with its own enumerator (1.信访…) keeps it; an enumerator just
    before it is then a group's ((五)1.信访…), not the label's."""
    enumerators = list(ENUMERATOR.finditer(text[:a + 4]))
    for m in enumerators if all(m.start() != a for m in enumerators) else ():
        if m.start() < a <= m.end():
            return m.start()
    while a > 0 and text[a - 1] in _OPEN:
        a -= 1
    return a


def _variant_spans(text: str, variants: list[str]) -> list[tuple[int, int]]:
    """Char spans of exact label variants in the run (longest first, no overlaps)."""
    keep = [i for i, ch in enumerate(text) if _KEEP.match(ch.lower())]
    sq = "".join(text[i].lower() for i in keep)
    taken = [False] * len(sq)
    spans = []
    for pattern in variants:
        pos = sq.find(pattern)
        while pos >= 0:
            end = pos + len(pattern)
            if not any(taken[pos:end]):
                for k in range(pos, end):
                    taken[k] = True
                stop = keep[end - 1] + 1
                while stop < len(text) and text[stop] in _CLOSE:  # 危及“三安全一稳定” keeps its quote
                    stop += 1
                spans.append((_label_start(text, keep[pos]), stop))
            pos = sq.find(pattern, pos + 1)
    return spans


def candidates(tokens: list[Token], section: Section, rows: dict[str, tuple[str, ...]]) -> list[Candidate]:
    variants = sorted({squash(v) for vs in rows.values() for v in vs if squash(v)}, key=len, reverse=True)
    out: list[Candidate] = []
    for pieces, number_after in _token_pieces(tokens, section.start + 1, section.end):
        text = "".join(p.text for p in pieces)
        owners = [o for p in pieces for o in p.owners]
        spans = _variant_spans(text, variants)
        cuts = _token_cuts(pieces) | {m.start() for m in ENUMERATOR.finditer(text)}
        # an exact printed label is never cut inside, even across tokens (wrapped cells)
        cuts = {c for c in cuts if not any(a < c < b for a, b in spans)}
        cuts |= {x for span in spans for x in span}
        bounds = sorted({0, len(text), *cuts})
        parts = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
        for k, (a, b) in enumerate(parts):
            if not squash(text[a:b]):
                # bare punctuation: glue to the previous candidate of this run
                if out and k > 0:
                    out[-1].text += text[a:b]
                    out[-1].owners += owners[a:b]
                continue
            out.append(Candidate(text[a:b], owners[a:b], gap_after=number_after and k == len(parts) - 1))
    for i, c in enumerate(out):
        c.index = i
        c.key = squash(c.text)
    return out


def strip_enumerator(key_text: str) -> str:
    """Squashed label without a leading enumerator (1属于国家秘密 -> 属于国家秘密)."""
    return re.sub(rf"^(?:[{_CN}]{{1,2}}|\d{{1,2}})(?=[\u4e00-\u9fff])", "", key_text)
