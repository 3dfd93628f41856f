"""Row-label spotting: which template row each piece of label text names.

This is the keyword/fuzzy baseline.  It finds every row label inside runs of label
text (so column-scattered dumps that print all labels in one run work too), exact
matches first, then edit-distance matches only in the gap where template order says
a missing row must be.  The trained classifier plugs in behind the same `spot` call.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from .layout import Section, squash
from .model import Token
from .schema import Table, all_templates

MIN_FUZZY_LENGTH = 5


@dataclass
class Hit:
    row: str
    token: int  # index of the first token of the label in the document token stream
    last_token: int
    offset: int  # character offset inside the first token's run, for ordering
    score: float  # 1.0 exact; lower for fuzzy matches
    text: str


class Spotter(Protocol):
    def spot(self, tokens: list[Token], section: Section, rows: dict[str, tuple[str, ...]]) -> list[Hit]: ...


def row_labels(table_id: str) -> dict[str, tuple[str, ...]]:
    """Every label variant of every row any template version has for this table, in order."""
    labels: dict[str, list[str]] = {}
    for template in all_templates():
        table: Table = template.table(table_id)
        for row in table.rows:
            variants = labels.setdefault(row.id, [])
            for label in row.labels:
                if label not in variants:
                    variants.append(label)
    return {row: tuple(v) for row, v in labels.items()}


@dataclass
class _Run:
    text: str  # squashed
    owners: list[int]  # token index of each character


def text_runs(tokens: list[Token], start: int, end: int) -> list[_Run]:
    runs: list[_Run] = []
    current: _Run | None = None
    for i in range(start, end):
        token = tokens[i]
        if token.kind != "text":
            current = None
            continue
        s = squash(token.text)
        if current is None:
            current = _Run("", [])
            runs.append(current)
        current.text += s
        current.owners.extend([i] * len(s))
    return runs


def fuzzy_find(pattern: str, text: str) -> tuple[int, int, int]:
    """Best approximate occurrence of `pattern` in `text`: (distance, start, end)."""
    m = len(pattern)
    prev = list(range(m + 1))
    prev_start = [0] * (m + 1)
    best = (m + 1, 0, 0)
    for j, ch in enumerate(text, start=1):
        cur = [0] * (m + 1)
        cur_start = [j] * (m + 1)
        for i in range(1, m + 1):
            sub = prev[i - 1] + (pattern[i - 1] != ch)
            dele = prev[i] + 1
            ins = cur[i - 1] + 1
            if sub <= dele and sub <= ins:
                cur[i], cur_start[i] = sub, prev_start[i - 1] if i > 1 else j - 1
            elif dele <= ins:
                cur[i], cur_start[i] = dele, prev_start[i]
            else:
                cur[i], cur_start[i] = ins, cur_start[i - 1]
        if cur[m] < best[0]:
            best = (cur[m], cur_start[m], j)
        prev, prev_start = cur, cur_start
    return best


class KeywordSpotter:
    """Exact label variants, then bounded fuzzy search in the gaps template order leaves."""

    def spot(self, tokens: list[Token], section: Section, rows: dict[str, tuple[str, ...]]) -> list[Hit]:
        runs = text_runs(tokens, section.start + 1, section.end)
        variants = sorted(((squash(v), row) for row, vs in rows.items() for v in vs),
                          key=lambda x: -len(x[0]))
        hits: list[Hit] = []
        for run in runs:
            taken = [False] * len(run.text)
            for pattern, row in variants:
                if not pattern:
                    continue
                pos = run.text.find(pattern)
                while pos >= 0:
                    if not any(taken[pos:pos + len(pattern)]):
                        for k in range(pos, pos + len(pattern)):
                            taken[k] = True
                        hits.append(self._hit(row, run, pos, pos + len(pattern), 1.0))
                    pos = run.text.find(pattern, pos + 1)
        hits.extend(self._fuzzy(runs, rows, hits))
        return sorted(hits, key=lambda h: (h.token, h.offset))

    @staticmethod
    def _hit(row: str, run: _Run, start: int, end: int, score: float) -> Hit:
        first, last = run.owners[start], run.owners[max(start, end - 1)]
        offset = start - run.owners.index(first)
        return Hit(row, first, last, offset, score, run.text[start:end])

    def _fuzzy(self, runs: list[_Run], rows: dict[str, tuple[str, ...]], hits: list[Hit]) -> list[Hit]:
        order = list(rows)
        found = {h.row: h for h in hits}
        extra: list[Hit] = []
        for k, row in enumerate(order):
            if row in found:
                continue
            before = [found[r].last_token for r in order[:k] if r in found]
            after = [found[r].token for r in order[k + 1:] if r in found]
            lo, hi = (max(before) if before else -1), (min(after) if after else 10 ** 9)
            best = None
            for variant in rows[row]:
                pattern = squash(variant)
                if len(pattern) < MIN_FUZZY_LENGTH:
                    continue
                budget = max(1, len(pattern) // 4)
                for run in runs:
                    # only the text between the neighbouring rows' labels
                    idx = [i for i, owner in enumerate(run.owners) if lo <= owner <= hi]
                    if not idx:
                        continue
                    a, b = idx[0], idx[-1] + 1
                    dist, s, e = fuzzy_find(pattern, run.text[a:b])
                    if dist <= budget and (best is None or dist < best[0]):
                        best = (dist, run, a + s, a + e, len(pattern))
            if best:
                dist, run, s, e, length = best
                hit = self._hit(row, run, s, e, round(1 - dist / length, 3))
                extra.append(hit)
                found[row] = hit
        return extra


POSITION_SCORE = 0.5  # a row known only by its place between two read labels: never ok


def rows_by_position(tokens: list[Token], section: Section, hits: list[Hit], order: list[str],
                     grid_lines: set[int]) -> list[Hit]:
    """Rows of a ruled table (one line per grid row: `grid_lines`) whose labels did not read,
    placed by the template's row order: between two rows read as order[a] and order[b], exactly
    b - a - 1 lines of numbers with no label between them are those rows, in order (before the
    first row read, or after the last, the lines up to the section's start or end).  Their hit is
    what the line prints before its first number in the columns where the read rows' numbers
    begin (label text, an empty label cell, a label's stroke read as a digit); a line printing
    nothing before it is left alone, its numbers straight after the row above."""
    rank = {row: k for k, row in enumerate(order)}
    labelled = {tokens[h.token].line_no: h for h in sorted(hits, key=lambda h: h.token)}
    lines: dict[int, list[int]] = {}
    for i in range(max(section.start, 0), section.end):
        if tokens[i].line_no in grid_lines:
            lines.setdefault(tokens[i].line_no, []).append(i)
    # (line, its hit, the token span a new hit would take)
    sequence: list[tuple[int, Hit | None, tuple[int, int] | None]] = []
    # the grid column where the rows read print their first number: left of it is label space,
    # where a label's stroke may read as a digit (`1@0 | 0@3 …` for 四、结转下年度…)
    firsts: Counter = Counter()
    for line_no, idx in lines.items():
        if line_no in labelled:
            columns = [tokens[i].cell_no for i in idx if i > labelled[line_no].last_token
                       and tokens[i].kind == "number" and not tokens[i].empty]
            if columns:
                firsts[min(columns)] += 1
    values_from = firsts.most_common(1)[0][0] if firsts else 0
    for line_no, idx in sorted(lines.items()):
        if line_no in labelled and labelled[line_no].row in rank:
            sequence.append((line_no, labelled[line_no], None))
            continue
        # (a line read as a row of another template version is placed like an unread one: the
        # 2021 rows 1.申请人无正当理由… under （六）其他处理 read as the 2019 row （六）其他处理 when
        # blur leaves only the heading and a piece of the label)
        numbers = [i for i in idx if tokens[i].kind == "number" and not tokens[i].empty
                   and tokens[i].cell_no >= values_from]
        if not numbers:
            continue  # a header line, or a heading
        before = [i for i in idx if i < numbers[0]]
        sequence.append((line_no, None, (before[0], before[-1]) if before else None))
    out = []
    anchors = [k for k, (_, hit, _) in enumerate(sequence) if hit is not None]
    if not anchors:
        return out
    # the table's first and last rows are anchors too where the section begins or ends: the lines
    # before the first read label, or after the last, are then the rows before or after it
    spans = [(-1, anchors[0], -1, rank[sequence[anchors[0]][1].row])]
    spans += [(a, b, rank[sequence[a][1].row], rank[sequence[b][1].row]) for a, b in zip(anchors, anchors[1:])]
    spans.append((anchors[-1], len(sequence), rank[sequence[anchors[-1]][1].row], len(order)))
    for a, b, first, last in spans:
        gap = sequence[a + 1:b]
        if not gap or last - first - 1 != len(gap) or any(at is None for _, _, at in gap):
            continue
        for (_, _, (start, end)), row in zip(gap, order[first + 1:last]):
            text = "".join(tokens[i].text for i in range(start, end + 1) if tokens[i].kind == "text")
            out.append(Hit(row, start, end, 0, POSITION_SCORE, text))
    return out
