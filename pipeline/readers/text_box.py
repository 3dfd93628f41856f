"""Tables drawn with box-drawing characters (w3m's dump of a bordered table, some crawlers):

    ┌──────────┬──────┬──────┐
    │          │ 自然人│ 总计 │
    ├───┬──────┼──────┼──────┤
    │三、│（一）予│  0   │  1   │
    │本年│以公开  │      │      │
    │   ├──────┼──────┼──────┤
    │   │（二）…│  0   │  0   │

The bars are the cell borders, so every cell, an empty one too, is known.  Read as plain text, a
row `│ 一、… │ 0 │ 1 │` is one label, a number and a run of bars, and a wrapped label's second line
(`│ │ 这一情形… │ │ │`) a row of empty cells.  Here each row is the band between two rule lines,
its cells the text between neighbouring bars, wrapped lines joined; a cell the rule line above
does not close (spaces under its left edge) continues a cell spanning rows and is printed once,
in the row it starts in, as the HTML reader prints a rowspan cell.
"""
from __future__ import annotations

import re
import unicodedata

_BOX = range(0x2500, 0x2580)
_ANY_BOX = re.compile("[\u2500-\u257f]")  # every text document's every line is tested: one C scan
_HORIZONTAL = set("─━═┄┅┈┉╌╍")
_VERTICAL = set("│┃║┆┇┊┋╎╏")


def _is_box(char: str) -> bool:
    return ord(char) in _BOX


def _positions(line: str, box_width: int) -> list[tuple[int, str]]:
    """(display column, character) for each character: CJK two wide, box characters `box_width`."""
    out, pos = [], 0
    for char in line:
        out.append((pos, char))
        pos += box_width if _is_box(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return out


def _rule(line: str) -> bool:
    return any(c in _HORIZONTAL for c in line)


def _segments(line: str, box_width: int) -> list[tuple[int, int, str]]:
    """(left bar column, right bar column, text) of each cell a content line prints."""
    out, left, buf = [], None, []
    for pos, char in _positions(line, box_width):
        if char in _VERTICAL or _is_box(char) and char not in _HORIZONTAL:
            if left is not None:
                out.append((left, pos, " ".join("".join(buf).split())))
            left, buf = pos, []
        elif left is not None:
            buf.append(char)
    return out


def _closed(rule: str | None, left: int, box_width: int) -> bool:
    """Does the rule line close the cell whose left bar is at `left` (a horizontal stroke right
    of the bar)?  No rule line above: the table's first band, a new cell."""
    if rule is None:
        return True
    return any(p == left + box_width and c in _HORIZONTAL for p, c in _positions(rule, box_width))


def _box_width(lines: list[str]) -> int:
    """1 where the drawing's rule lines are as wide as its content lines (a western locale), 2
    where box characters were laid out two columns wide (an East Asian one)."""
    drawn = [line.rstrip() for line in lines if line.rstrip() and _is_box(line.rstrip()[-1])]
    for width in (1, 2):
        if len({_positions(line, width)[-1][0] for line in drawn}) == 1:
            return width
    return 1


def _table(lines: list[str]) -> list[tuple[int, list[tuple[int, str]]]] | None:
    """(line index of the band's first line, [(column, text)]) for each band; None when the
    drawing is not a table of bars."""
    width = _box_width(lines)
    cells: dict[tuple[int, int], list[str]] = {}  # the open cell under each pair of bars
    rows: list[tuple[int, list[tuple[int, list[str]]]]] = []
    rule, first = None, True
    for i, line in enumerate(lines):
        if _rule(line):
            # a rule line under some cells only: the cells it does not cross go on (`│三、│ ├──`)
            for left, right, text in _segments(line, width):
                if text and (left, right) in cells and not any(c in _HORIZONTAL for c in text):
                    cells[(left, right)].append(text)
            rule, first = line, True
            continue
        segments = _segments(line, width)
        if not segments:
            return None
        if first:  # the band's first line: which cells start here
            first, row = False, []
            for left, right, _ in segments:
                if (left, right) not in cells or _closed(rule, left, width):
                    cells[(left, right)] = []
                    row.append((left, cells[(left, right)]))
            rows.append((i, row))
        for left, right, text in segments:
            if text:
                cells.setdefault((left, right), []).append(text)
    if not rows:
        return None
    columns = sorted({left for _, row in rows for left, _ in row})
    # a cell is read as the source would: one text, whatever the lines it wrapped over
    return [(i, [(columns.index(left), "".join(parts)) for left, parts in row]) for i, row in rows]


def box_tables(lines: list[str]) -> tuple[dict[int, list[tuple[int, str]]], set[int]]:
    """({line index: [(column, cell text)]} for each row of each box-drawn table, the indices of
    every line the tables take)."""
    rows: dict[int, list[tuple[int, str]]] = {}
    taken: set[int] = set()
    i = 0
    while i < len(lines):
        if not _ANY_BOX.search(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _ANY_BOX.search(lines[j]):
            j += 1
        table = _table(lines[i:j]) if j - i >= 3 else None
        if table:
            for k, cells in table:
                rows[i + k] = cells
            taken.update(range(i, j))
        i = j
    return rows, taken
