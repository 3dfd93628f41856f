"""Sub-tables printed column by column under their column headers (pdfminer's text boxes).

pdfminer groups a ruled table's cells into text boxes by column, so section 二's small
sub-tables (第二十条第（一）项 … （九）项) print as `本年新制作数量 / 1 本年新公开数量 / 1 …`: a
column header, then that column's cells top to bottom, with the row labels elsewhere (often
after the numbers, so no label-then-numbers reading finds them), and the boxes of one column
may come after the next section's heading.  Such a run of numbers is placed by its header and
its length alone: it fills the header's column of a sub-table with as many rows (where zeros may
be printed as empty cells, of one with more rows, the missing cells those zeros).  Several
runs may fit several sub-tables (`上一年项目数量 1 /` fits （五） and （六） alike); every way to
give each run its own sub-table column is listed, and a cell is read only where all of them
give it one value.  Nothing is guessed: a run no sub-table fits, or a stack of headers whose
short run could sit anywhere, leaves the whole reading out.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .layout import squash
from .model import Token
from .schema import Table, Template

MAX_HEADER_PIECES = 3  # a header wrapped over this many lines at most (`本年制` / `发件数`)
MAX_JOINT = 4096  # ways to place the runs together beyond which nothing is read


@dataclass(frozen=True)
class HeaderRun:
    """Column headers printed one after another, then the run of numbers right after them."""

    columns: tuple[str, ...]
    numbers: tuple[int, ...]  # token indices


@dataclass(frozen=True)
class Placement:
    """One way to put a run's numbers in a sub-table's cells."""

    part: str
    cells: tuple[tuple[str, int | None], ...]  # (field id, token index; None: a zero printed empty)

    def slots(self, columns: tuple[str, ...]) -> set[tuple[str, str]]:
        return {(self.part, c) for c in columns}


@dataclass
class HeaderReading:
    """What the header runs of a document settle in one table."""

    runs: list[HeaderRun]
    settled: dict[str, int | None]  # field id -> token index (None: a zero printed empty)
    # field id -> (its source in the first placement, the values the placements give): several
    open: dict[str, tuple[int | None, list]]
    first: list[tuple[tuple[str, int | None], ...]]  # each run's cells in the first placement found

    @property
    def claimed(self) -> set[int]:
        return {i for run in self.runs for i in run.numbers}

    def without(self, runs: list[int]) -> "HeaderReading":
        """The reading of the other runs only (the cells they settle, and those they leave open)."""
        keep = [r for r in range(len(self.runs)) if r not in runs]
        fields = {f for r in keep for f, _ in self.first[r]}
        return HeaderReading([self.runs[r] for r in keep],
                             {f: s for f, s in self.settled.items() if f in fields},
                             {f: o for f, o in self.open.items() if f in fields},
                             [self.first[r] for r in keep])


def _labels(template: Template, table: Table) -> dict[str, str]:
    """Squashed header label -> column id, for labels no other table of the template prints."""
    foreign = {squash(label) for other in template.tables if other.id != table.id
               for column in other.columns.values() for label in column.labels}
    return {squash(label): cid for cid, column in table.columns.items() for label in column.labels
            if squash(label) not in foreign}


def header_between(template: Template, table: Table, tokens: list[Token], lo: int, hi: int) -> bool:
    """Whether tokens[lo:hi] spell one of the table's column headers or hold text printed where
    it begins (`申请人情况`): its header repeated where the table goes on over a page break."""
    labels = _labels(template, table)
    anchors = [squash(a) for a in table.anchors]
    return any(_header_at(tokens, labels, i, hi)[0] is not None or
               (tokens[i].kind == "text" and any(a in squash(tokens[i].text) for a in anchors))
               for i in range(lo, hi))


def find_runs(tokens: list[Token], labels: dict[str, str], start: int, end: int) -> list[HeaderRun]:
    """Header stacks in tokens[start:end] followed right away by numbers."""
    runs: list[HeaderRun] = []
    i = start
    while i < end:
        stack: list[str] = []
        while i < end:
            column, width = _header_at(tokens, labels, i, end)
            if column is None:
                break
            stack.append(column)
            i += width
        if not stack:
            i += 1
            continue
        numbers = []
        while i < end and tokens[i].kind == "number":
            numbers.append(i)
            i += 1
        # OCR reads a ruled grid cell by cell: a header followed by numbers there is a row of
        # cells, not a text layer's column box
        if numbers and len(set(stack)) == len(stack) \
                and not any(tokens[k].empty or tokens[k].aligned or tokens[k].score is not None for k in numbers):
            runs.append(HeaderRun(tuple(stack), tuple(numbers)))
    return runs


def _header_at(tokens: list[Token], labels: dict[str, str], i: int, end: int) -> tuple[str | None, int]:
    """The column whose header the text tokens from i spell (longest first), and their count."""
    for width in range(MAX_HEADER_PIECES, 0, -1):
        piece = tokens[i:min(i + width, end)]
        if len(piece) == width and all(t.kind == "text" for t in piece):
            column = labels.get(squash("".join(t.text for t in piece)))
            if column is not None:
                return column, width
    return None, 1


def _placements(table: Table, run: HeaderRun, blanks_possible: bool) -> list[Placement] | None:
    """Every sub-table placement of one run; None when they are too open to list."""
    parts: dict[str, list] = {}
    for row in table.rows:
        if row.part is not None:
            parts.setdefault(row.part, []).append(row)
    out: list[Placement] = []
    k, n = len(run.columns), len(run.numbers)
    for part, rows in parts.items():
        if not all(c in row.columns for row in rows for c in run.columns):
            continue
        size = len(rows)
        ids = [[table.field_id(row.id, c) for c in run.columns] for row in rows]
        if n == k * size:
            by_column = tuple((ids[r][c], run.numbers[c * size + r]) for r in range(size) for c in range(k))
            by_row = tuple((ids[r][c], run.numbers[r * k + c]) for r in range(size) for c in range(k))
            out.extend(Placement(part, cells) for cells in dict.fromkeys((by_column, by_row)))
        elif n < k * size and blanks_possible:
            if k > 1:
                return None  # which cells of several columns printed empty: anything goes
            for printed in combinations(range(size), n):
                at = dict(zip(printed, run.numbers))
                out.append(Placement(part, tuple((ids[r][0], at.get(r)) for r in range(size))))
    return out


def read_header_runs(template: Template, table: Table, tokens: list[Token], start: int) -> HeaderReading | None:
    """The cells the header runs from `start` to the end of the document settle in `table`
    (None: no run, or runs no joint placement fits).  A short run may leave zeros printed
    empty only where the text prints no zero as a cell."""
    if not any(row.part for row in table.rows):
        return None
    runs = find_runs(tokens, _labels(template, table), start, len(tokens))
    if not runs:
        return None
    blanks_possible = not prints_zeros_as_cells(tokens[start:])
    options = []
    for run in runs:
        found = _placements(table, run, blanks_possible)
        if not found:
            return None
        options.append(found)
    solutions: list[list[Placement]] = []

    def place(r: int, used: set, chosen: list[Placement]) -> bool:
        if r == len(runs):
            solutions.append(list(chosen))
            return len(solutions) <= MAX_JOINT
        for option in options[r]:
            slots = option.slots(runs[r].columns)
            if slots & used:
                continue
            chosen.append(option)
            if not place(r + 1, used | slots, chosen):
                return False
            chosen.pop()
        return True

    if not place(0, set(), []) or not solutions:
        return None
    value = {i: 0 if tokens[i].blank else tokens[i].value for run in runs for i in run.numbers}
    seen: dict[str, list[int | None]] = {}  # field -> its source in each solution
    for solution in solutions:
        for placement in solution:
            for field, source in placement.cells:
                seen.setdefault(field, []).append(source)
    settled, open_ = {}, {}
    for field, sources in seen.items():
        if len(sources) != len(solutions):
            continue  # left out of some placement: nothing said
        values = {0 if s is None else value[s] for s in sources}
        if len(values) == 1:
            settled[field] = next((s for s in sources if s is not None), None)
        else:
            open_[field] = (sources[0], sorted(values))
    first = [placement.cells for placement in solutions[0]]
    return HeaderReading(runs, settled, open_, first)


def prints_zeros_as_cells(tokens: list[Token]) -> bool:
    """Whether a text prints its zeros: a blank marker (`/`, `—`) or a lone 0 on a line of its own
    (a cell box; a 0 within prose, 行政复议0起, says nothing about the tables)."""
    lines: dict[int, int] = {}
    for t in tokens:
        lines[t.line_no] = lines.get(t.line_no, 0) + 1
    return any(t.kind == "number" and not t.empty and (t.blank or (t.value == 0 and t.text.strip() == "0"))
               and lines[t.line_no] == 1 for t in tokens)


def column_runs(table: Table, tokens: list[Token], start: int, rows: int) -> list[HeaderRun] | None:
    """A table without sub-tables printed whole column after column under its column headers
    (pdfminer: every row label first, then each header box and its column's cells, the last
    columns maybe after the next section's heading): the header runs from `start` that give
    every column once, each run as many numbers as its headers times `rows`; None otherwise.
    Headers other tables print too (总计) count here: the run lengths must fit this table."""
    labels = {squash(label): cid for cid, column in table.columns.items() for label in column.labels}
    runs: list[HeaderRun] = []
    seen: set[str] = set()
    for run in find_runs(tokens, labels, start, len(tokens)):
        if seen & set(run.columns) or len(run.numbers) != len(run.columns) * rows:
            return None
        seen |= set(run.columns)
        runs.append(run)
        if seen == set(table.columns):
            return runs
    return None


def chunk_columns(table: Table, columns: tuple[str, ...], tokens: list[Token], run: list[int],
                  size: int) -> dict[int, int] | None:
    """The columns the printed headers give a column-scattered block's chunks (pdfminer: a column
    box is its header, then its cells): chunk c (numbers run[c*size:(c+1)*size], c > 0) -> the
    index in the block's `columns` of the header printed between the last number of the chunk
    before and its first.  Only a header right after that number counts: one after other text
    may be the last of a header row (char-wrapped headers of several columns interleave, 社会 法律
    公 服 … 其 他, and their last spells a header), and so may one before the first chunk.  None
    when a header stands inside a chunk (the chunks are then not the boxes the headers head)."""
    labels = {squash(label): k for k, cid in enumerate(columns) for label in table.columns[cid].labels}
    out: dict[int, int] = {}
    for j in range(1, len(run)):
        lo, i = run[j - 1] + 1, run[j]
        column, width = _header_before(tokens, labels, lo, i)
        if column is None:
            continue
        if j % size:
            return None
        if i - width == lo:
            out[j // size] = column
    return out


def _header_before(tokens: list[Token], labels: dict[str, int], lo: int, i: int) -> tuple[int | None, int]:
    """The column whose header the text tokens in tokens[lo:i] end with (longest first), and their count."""
    for width in range(MAX_HEADER_PIECES, 0, -1):
        piece = tokens[max(lo, i - width):i]
        if len(piece) == width and all(t.kind == "text" for t in piece):
            column = labels.get(squash("".join(t.text for t in piece)))
            if column is not None:
                return column, width
    return None, 0
