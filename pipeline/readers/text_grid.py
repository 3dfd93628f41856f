"""Tables laid out as a character grid (pdftotext -layout, w3m/lynx dumps, inscriptis): cells from
the columns the printed numbers line up in.

Such text has no cell separators: a row `二、上年结转   3          3` whose blank cells print as spaces
reads as two numbers for seven cells unless the columns are recovered.  Within a region of rows,
every number sits in its column, so the display-column intervals of all numbers merge into the
table's number columns; each row then gets one cell per column, empty where it printed nothing
(a blank, which assembly reads as zero or drops as padding).  A column blank in every row leaves
no trace, so such cells are marked `aligned`: assembly trusts them only in a row that then has as
many cells as the template (else whole columns would shift, which no sum rule sees).  A region whose
rows do not map their numbers one-to-one onto the merged columns is left as it was.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUMBER = re.compile(r"^(?:[-−]?\d[\d,，]*(?:\.\d+)?|[-–—/]{1,2})$")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、|^第[一二三四五六七八九十]+|^（[一二三四五六七八九十]+）")
MIN_ROWS = 3  # fewer number rows than this cannot show where a table's columns are
MIN_GAP = 2  # display columns of space between a label and the first number


@dataclass(frozen=True)
class Chunk:
    start: int  # display column (CJK characters are two wide)
    end: int  # exclusive
    text: str

    @property
    def number(self) -> bool:
        return bool(_NUMBER.match(self.text))


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _one(char: str) -> int:
    return 1


def chunks(line: str, wide: bool = True) -> list[Chunk]:
    """Runs of non-space characters with their columns: display columns (CJK two wide, as text
    browsers lay out), or characters (one each, as pdftotext -layout places glyphs)."""
    width = _width if wide else _one
    out, pos, start, buf = [], 0, 0, []
    for char in line:
        if char.isspace():
            if buf:
                out.append(Chunk(start, pos, "".join(buf)))
                buf = []
        else:
            if not buf:
                start = pos
            buf.append(char)
        pos += width(char)
    if buf:
        out.append(Chunk(start, pos, "".join(buf)))
    return out


def number_cells(parts: list[Chunk], column: int | None = None) -> list[Chunk] | None:
    """The trailing numbers of a grid row (label first, then numbers only, the first number set
    off by a gap, or by one space where it starts at `column`, a number column of the rows above:
    a text browser cuts a label at its cell's width); None for any other line."""
    first = next((k for k, c in enumerate(parts) if c.number), None)
    if first is None or not all(c.number for c in parts[first:]):
        return None
    if first > 0 and parts[first].start - parts[first - 1].end < MIN_GAP and not (
            parts[first].start == column and parts[first].start > parts[first - 1].end):
        return None
    if first == 0 and len(parts) < 2:
        return None
    return parts[first:]


def breaks_region(line: str, parts: list[Chunk], reach: int | None = None, wide: bool = True) -> bool:
    """A heading or prose line at the margin ends a table region (a wrapped label, indented or a
    character or two long, does not; nor a line whose text ends left of `reach`, the region's
    first number column, padded with spaces past it: a text browser pads every line of a table to
    its width, and a row of blank cells (`二、上年结转…数量` and spaces) is the table's, however much
    it looks a heading)."""
    text = line.strip()
    if not parts or parts[0].start > 0 or len(text) < 6:
        return False
    if reach is not None and parts[-1].end <= reach < sum(map(_width if wide else _one, line.rstrip("\r\n"))):
        return False
    spaced = any(b.start - a.end >= MIN_GAP for a, b in zip(parts, parts[1:]))
    return not spaced and (bool(_HEADING.match(text)) or len(text) >= 20)


HEADER_WORDS = 3  # spaced words on a line without numbers that make it a row of column headers


def header_line(parts: list[Chunk]) -> bool:
    """A line of column headers: several words set apart by gaps, no number among them."""
    spaced = 1 + sum(b.start - a.end >= MIN_GAP for a, b in zip(parts, parts[1:]))
    return spaced >= HEADER_WORDS and not any(c.number for c in parts)


def merge_columns(cells: list[list[Chunk]]) -> list[tuple[int, int]]:
    """Number columns: the union of overlapping display intervals of every number in a region."""
    spans = sorted((c.start, c.end) for row in cells for c in row)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def row_cells(numbers: list[Chunk], columns: list[tuple[int, int]]) -> list[str] | None:
    """The row's text per column ('' where blank); None when a number stands under no column or
    several, or two numbers share one."""
    out = [""] * len(columns)
    for chunk in numbers:
        under = [i for i, (a, b) in enumerate(columns) if chunk.start < b and a < chunk.end]
        if len(under) != 1 or out[under[0]]:
            return None
        out[under[0]] = chunk.text
    return out


def header_columns(header: list[list[Chunk]], columns: list[tuple[int, int]],
                   label_edge: int) -> list[tuple[int, int]]:
    """Columns no number was printed in, from the column headers just above the rows: a header
    word right of the labels, no wider than a column's pitch (wider ones span several columns),
    over no number column.  Words stacked by wrapping merge into one column."""
    starts = [a for a, _ in columns]
    pitch = min((b - a for a, b in zip(starts, starts[1:])), default=0)
    found = [(c.start, c.end) for line in header for c in line
             if c.start >= label_edge and c.end - c.start <= pitch
             and not any(c.start < b and a < c.end for a, b in columns)]
    return merge_columns([[Chunk(a, b, "") for a, b in found]]) if found else []


HEADER_LINES = 3  # the column headers' last lines, where the leaf headers of each column sit


def _regions(lines: list[str], wide: bool):
    """Regions of number rows, each with the header lines above its first row."""
    regions: list[tuple[list, list[list[Chunk]]]] = [([], [])]
    for i, line in enumerate(lines):
        if "\t" in line or "|" in line:
            regions.append(([], []))
            continue
        parts = chunks(line, wide)
        rows, header = regions[-1]
        reach = min((numbers[0].start for _, _, numbers in rows), default=None)  # the first number column
        numbers = number_cells(parts, reach)
        if numbers is not None:
            rows.append((i, parts[:len(parts) - len(numbers)], numbers))
        elif breaks_region(line, parts, reach, wide):
            regions.append(([], []))
        elif rows and header_line(parts) and parts[-1].end > _label_edge(rows):
            # column headers again after rows: the next block lays out its own columns (section
            # 二's blocks put 本年增/减 where the block above put 本年新公开数量); words none
            # of which passes the rows' labels are a label wrapped in merged label columns
            # (`三、本  提供  行制作`)
            regions.append(([], [parts]))
        elif not rows and parts:
            header[:] = (header + [parts])[-HEADER_LINES:]
    return [r for r in regions if r[0]]


def _label_edge(rows) -> int:
    """Where the labels of a region's rows end."""
    return max((label[-1].end for _, label, _ in rows if label), default=0)


def spaced_out(rows: list[list[Chunk]]) -> bool:
    """Whether any row sets two of its numbers apart by more than one space: text that joins every
    cell with one space (pdfplumber's or pypdf's text of a PDF) lines nothing up, and the columns
    its rows happen to share would place a lost blank by chance."""
    return any(b.start - a.end >= MIN_GAP for numbers in rows for a, b in zip(numbers, numbers[1:]))


UNEVEN_PITCH = 3  # widest gap between column starts over the narrowest: headers not laid out like the numbers


def uneven_pitch(columns: list[tuple[int, int]]) -> bool:
    """Columns whose starts are spaced very unevenly: where some came from header words, the
    headers were not laid out in the numbers' measure (pdftotext -layout places a line of CJK
    headers one character per glyph, closer than the numbers below them)."""
    gaps = [b[0] - a[0] for a, b in zip(columns, columns[1:])]
    return len(gaps) > 1 and max(gaps) > UNEVEN_PITCH * max(1, min(gaps))


def _words(line: list[Chunk]) -> list[Chunk]:
    """A line's chunks with those one space apart joined (pdftotext -layout spaces the glyphs of
    one header cell: `处理决 定数量`, `信息 内容`)."""
    out: list[Chunk] = []
    for c in line:
        if out and c.start - out[-1].end < MIN_GAP:
            out[-1] = Chunk(out[-1].start, c.end, out[-1].text + " " + c.text)
        else:
            out.append(c)
    return out


def headed_columns(header: list[list[Chunk]], label_edge: int, joined: bool) -> list[tuple[int, int]]:
    """Columns from the column headers alone: the words right of the labels (`joined`: chunks one
    space apart taken as one word), stacked ones merged."""
    return merge_columns([[c for c in (_words(line) if joined else line)
                           if c.start >= label_edge and not _HEADING.match(c.text)] for line in header])


def _headed_grid(region, header) -> dict[int, list[str]] | None:
    """A block of too few rows to show its columns (section 二's `行政规范性文件      5      57` under
    `本年制发件数 本年废止件数 现行有效件数`): each number in the header column it stands under,
    when every number stands under exactly one and no two under the same.  Header words one space
    apart are columns (a text browser's cells one space apart), or, where that places no number
    under one, one word (pdftotext -layout spaces a cell's glyphs: `处理决 定数量`)."""
    for joined in (False, True):
        grid = _placed(region, headed_columns(header, _label_edge(region), joined))
        if grid is not None:
            # rows printing every column read as printed: a grid only adds the doubt of its columns
            return {i: cells for i, cells in grid.items() if "" in cells[1:]} or None
    return None


def _placed(region, columns: list[tuple[int, int]]) -> dict[int, list[str]] | None:
    """Each row's numbers in the columns they stand under (`row_cells`); None where a row's do not."""
    if len(columns) < 2:
        return None
    rows = {i: row_cells(numbers, columns) for i, _, numbers in region}
    if any(cells is None for cells in rows.values()):
        return None
    return {i: [" ".join(c.text for c in label)] + rows[i] for i, label, _ in region}


def _region_grid(region) -> tuple[dict[int, list[str]], bool] | None:
    region, header = region
    if len(region) < MIN_ROWS:
        headed = _headed_grid(region, header)
        # (measured in characters, a header may not stand where the numbers' measure puts it)
        return None if headed is None else (headed, True)
    if not spaced_out([numbers for _, _, numbers in region]):
        return None
    columns = merge_columns([numbers for _, _, numbers in region])
    if len(columns) < 2:
        return None
    label_edge = _label_edge(region)
    from_headers = header_columns(header, columns, label_edge)
    columns = sorted(columns + from_headers)
    rows = {i: row_cells(numbers, columns) for i, _, numbers in region}
    if any(cells is None for cells in rows.values()):
        return None
    return {i: [" ".join(c.text for c in label)] + rows[i] for i, label, _ in region}, \
        bool(from_headers) and uneven_pitch(columns)


def grid_layout(lines: list[str]) -> tuple[dict[int, list[str]], set[int]]:
    """{line index: [label, cell, cell, ...]} for the number rows of grid-laid tables in `lines`,
    and the rows whose columns may be one off: measured in characters, or completed from column
    headers spaced unlike the numbers (`uneven_pitch`).

    Both column measures are tried; in each region the one whose numbers line up in fewer
    columns wins (a wrong measure scatters one column's numbers over several)."""
    out: dict[int, list[str]] = {}
    loose: set[int] = set()
    # a grid in characters is loose as well: pdftotext -layout places glyphs one character each,
    # so rows whose CJK labels differ in length shift their numbers a little, and a column of
    # numbers may fall in its neighbour's place (text browsers lay CJK out two columns wide)
    candidates = [(g, uneven or not wide) for wide in (True, False)
                  for g, uneven in filter(None, map(_region_grid, _regions(lines, wide)))]
    # regions of both measures cover the same lines; keep, per line set, the narrower grid
    for grid, uneven in sorted(candidates, key=lambda g: len(next(iter(g[0].values())))):
        if not any(i in out for i in grid):
            out.update(grid)
            if uneven:
                loose.update(grid)
    return out, loose


def grid_rows(lines: list[str]) -> dict[int, list[str]]:
    return grid_layout(lines)[0]
