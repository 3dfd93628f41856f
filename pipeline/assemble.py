"""Table assembly: label hits and number tokens of a section -> template cells.

Two layouts cover what converters print: each row label followed by its own
numbers (text lines, pipes, one cell per line, HTML and PDF table rows), and a run
of labels followed by the numbers column by column (pdfminer).  Which one applies
is decided block by block; a table whose every label is followed by exactly its
row's numbers is read row by row, whatever column order its sum rules would prefer
(on a table printed wrong, they prefer one that moves numbers into other rows).
Wherever a row's printed numbers do not match its cell count, the solver in `cells`
decides what the sum rules allow and flags the rest.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Callable, Sequence
from itertools import combinations, permutations
from math import comb

from .cells import (CellGuess, Reading, _propagate, agreed_cells, best_readings, blank_placements, guesses_from, is_run, joint_solutions, misread_readings,
                    plausibility, row_readings, run_together_readings, to_yuan, unique_by_print)
from .classify.value_prior import WEIGHT, ValuePrior
from .header_runs import HeaderReading, chunk_columns, column_runs, header_between, read_header_runs
from .labels import Hit, row_labels
from .layout import Section, squash
from .model import Token
from .narrative import Statement
from .schema import Table, Template, load_template

MAX_PERMUTED_COLUMNS = 7  # 7! = 5040 readings: still instant
MAX_ORDER_CHECKS = 256  # other column orders a block's open cells are checked against the table's rules
JOINT_LIMIT = 64  # solutions listed when settling rows jointly; beyond it only proven cells are settled
JOINT_BUDGET = 100_000  # search steps spent proving cells when the solutions are too many to list

# why a row's numbers are doubted (said in the output, and features of the confidence model)
DOUBT_TWICE = "row label printed twice"
DOUBT_NOT_LEVEL = "numbers not level with their row label on the page"
DOUBT_SEVERAL_LABELS = "several row labels precede these numbers; assigned to the nearest one"
DOUBT_SCATTERED = "column-scattered numbers: reading order not settled by the sum rules"
DOUBT_DROPPED = "more numbers than cells: which printed numbers to leave out only the sum rules chose"
DOUBT_UNREAD = "a cell of this row's line is not a number, so its numbers may be cut short or misplaced"
DOUBT_PADDING = ("more cells than the template's, empty or repeated ones among them: which cells are padding "
                 "the print does not say")
DOUBT_NEIGHBOUR_SHORT = ("the next row of its sub-table lost cells in print, and these numbers do not "
                         "share their label's line: which row the numbers between the two labels belong to the "
                         "print does not say, and no sum rule checks it")
DOUBT_UNCLAIMED_AFTER = ("numbers no row label claims follow this row's (a wrapped label's numbers printed on its "
                         "next line, or another row's): which of the two runs is this row's the print does not say")
DOUBT_BESIDE_SURPLUS = ("the row beside it printed more cells than it has, and this row printed no number: the "
                        "surplus may be this row's (a row split by a page break), and the sum rules hold either way")
DOUBT_SPLIT_BY_PAGE = ("a page break lies between these numbers and the next row's label, which prints "
                       "nothing: a row split by a page break prints its numbers above and its label below, "
                       "and the column sums hold either way")
DOUBT_KIND_SWAP = ("a number printed with a decimal fraction, as amounts are, landed in a count cell of a row that "
                   "also has an amount: the print may have swapped the row's cells")
DOUBT_IMPLAUSIBLE_RUN = ("a cell printed a run of digits and the row as read breaks a plausible ratio of its "
                         "columns (31066077 procurement projects for 0 yuan): neighbouring cells may have run "
                         "together")
DOUBT_COLUMNS_LOST = ("its table printed numbers for fewer than half its cells, zeros among them: whole columns "
                      "were lost, and the cells the sum rules give from this row's few numbers are guesses")
DOUBT_CUT_THROUGH = ("the converter cut a number of this table at a cell border (`1251|.8`): a digit of this "
                     "row's numbers may be lost at a border, and no sum rule checks it")
DOUBT_MINUS_CUT = ("a lone minus sign printed in the cell before this row's change: a dash for an empty cell, or "
                   "the change's own sign cut off at a cell border (`|-|3|` for -3); the print does not say")
DOUBT_HEADERS_ACROSS = ("column-scattered numbers whose printed column headers fall inside the columns they were "
                        "split into: the columns are not the printed ones, and every sum rule may hold in another order")
DOUBT_HEADERS_AMONG = ("column headers are printed among the numbers of this one-row table (a text box per column: "
                       "header, then its number): the numbers' order need not be the columns', and the row totals "
                       "hold either way")
DOUBT_LABEL_COLUMN = ("the row's first cell is empty and stands under an empty cell of its column headers: it may be "
                      "a piece of the label's column a converter split (PyMuPDF4LLM), not a blank value, and then the "
                      "numbers belong one cell to the left; no sum rule checks it")
DOUBTS = (DOUBT_TWICE, DOUBT_NOT_LEVEL, DOUBT_SEVERAL_LABELS, DOUBT_SCATTERED, DOUBT_DROPPED, DOUBT_UNREAD,
          DOUBT_PADDING, DOUBT_KIND_SWAP, DOUBT_NEIGHBOUR_SHORT, DOUBT_UNCLAIMED_AFTER, DOUBT_COLUMNS_LOST,
          DOUBT_BESIDE_SURPLUS, DOUBT_IMPLAUSIBLE_RUN, DOUBT_SPLIT_BY_PAGE, DOUBT_CUT_THROUGH, DOUBT_MINUS_CUT,
          DOUBT_HEADERS_ACROSS, DOUBT_HEADERS_AMONG, DOUBT_LABEL_COLUMN)

# how a cell's value was read from its row's printed numbers
READINGS = ("as_printed", "split_run", "placed", "lost_cell", "extra_dropped", "several_readings", "conflict")

UNSIGNED_SCORE = 0.6  # an OCR'd count whose minus was dropped: a repair, never ok


def unsign_counts(tokens: list[Token], signed: list[bool]) -> list[Token]:
    """OCR'd numbers with a minus in cells that are never negative (counts, amounts) read without
    it, as a repair: the minus is a speck, a dash or the hidden-minus look's guess, and the value
    goes to review rather than its negation (which a nonnegative rule only flags).  A number's
    cell is sure when the row has no signed column, or prints one number per cell."""
    whole = len(tokens) == len(signed)
    out = []
    for k, t in enumerate(tokens):
        if t.score is not None and t.value is not None and t.value < 0 and t.text.startswith(("-", "−")) \
                and not (signed[k] if whole else any(signed)):
            t = replace(t, text=t.text[1:], value=-t.value, repaired=True, score=min(t.score, UNSIGNED_SCORE),
                        agree=None)
        out.append(t)
    return out


@dataclass
class CellRecord:
    """What assembly knows about one field before confidence is assigned."""

    field_id: str
    guess: CellGuess
    tokens: list[Token]  # the number token(s) behind the value
    label: Hit | None
    notes: list[str] = field(default_factory=list)  # said in the output, no effect on confidence
    doubts: list[str] = field(default_factory=list)  # reasons that cap confidence below "ok"
    reading: str = "as_printed"  # one of READINGS
    by_columns: bool = False  # settled by the column sums after the row sums left it open
    scattered: bool = False  # read from a column-scattered block (labels first, numbers by column)
    # another column order the row sums fit as well reads another value into this cell
    order_open: bool = False
    # the row's printed numbers allow these values only, even if blank cells were lost (cells.unique_by_print)
    unique: bool = False
    # of the placements the rules allow, only those giving it this value agree with the narrative
    by_narrative: bool = False
    # its row's numbers stand in the columns a text grid's alignment gave them, empty cells inferred
    # between them (text_grid): only a rule across rows checks that placement
    grid_placed: bool = False
    grid_loose: bool = False  # ... by a grid whose columns may be one off (text_grid.grid_layout)
    # its table prints zeros as numbers, not as empty cells (Assembler._zeros_printed)
    zeros_printed: bool = False
    # placed by the rules with these printed totals taken as wrong (Assembler._settle_with_one_total_wrong)
    one_total_wrong: str = ""


def row_equations(template: Template, cells: list[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The template's rules that live entirely inside these cells, as index equations."""
    return list(_row_equations(template.key, tuple(cells)))


@lru_cache(maxsize=4096)
def _row_equations(template_key: str, cells: tuple[str, ...]) -> tuple:
    index = {f: i for i, f in enumerate(cells)}
    return tuple((tuple(index[f] for f in inst.lhs), tuple(index[f] for f in inst.rhs))
                 for inst in load_template(template_key).rule_instances()
                 if all(f in index for f in inst.fields))


@lru_cache(maxsize=None)
def interchangeable(template_key: str, table_id: str, row_a: str, row_b: str) -> bool:
    """Whether two rows' numbers swapped column by column keep every sum rule as it is (two parts
    of the same totals): the rules cannot say which of them printed a run."""
    table = load_template(template_key).table(table_id)
    if table.row(row_a).columns != table.row(row_b).columns:
        return False
    swap = {}
    for c in table.row(row_a).columns:
        a, b = table.field_id(row_a, c), table.field_id(row_b, c)
        swap[a], swap[b] = b, a

    def rules(swapped: bool) -> Counter:
        return Counter((tuple(sorted(swap.get(f, f) if swapped else f for f in inst.lhs)),
                        tuple(sorted(swap.get(f, f) if swapped else f for f in inst.rhs)))
                       for inst in load_template(template_key).rule_instances())
    return rules(False) == rules(True)


def header_unit(tokens: list[Token], section: Section, labels: tuple[str, ...]) -> str | None:
    """A unit printed in a money column's header, e.g. 采购总金额（万元）."""
    text = "".join(squash(t.text) for t in tokens[section.start:section.end] if t.kind == "text")
    for label in labels:
        for m in re.finditer(re.escape(squash(label)), text):
            tail = text[m.end():m.end() + 6]
            if "万元" in tail:
                return "万元"
            if tail.startswith("元") or "单位元" in tail:
                return "元"
    return None


def level_with(label: list[Token], numbers: list[Token]) -> bool:
    """Whether every number shares the label's band on the page (True where positions are unknown).

    A cell of a row overlaps the row label's vertical extent; a number that does not
    was put after this label by reading order only, e.g. the next row's numbers in an
    unruled table whose figures sit above their labels.
    """
    boxes = [t.bbox for t in label if t.bbox]
    if not boxes:
        return True
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    page = label[0].page
    for token in numbers:
        if token.bbox is None or token.page != page:
            continue
        overlap = min(bottom, token.bbox[3]) - max(top, token.bbox[1])
        if overlap < 0.3 * (token.bbox[3] - token.bbox[1]):
            return False
    return True


def _without_surplus_empties(printed: list[Token], width: int) -> list[Token]:
    """A row's printed numbers with empty cells dropped, last first, while they outnumber its
    cells: an empty cell is a zero only where the template has a cell for it (tables
    padded to a common width, or a label column left empty, print more).  Empty cells inferred
    from a text grid's alignment are dropped unless the row has exactly the template's cells: a
    column blank in every row leaves no trace, and a misjudged column adds one, so the grid
    cannot say which cells the rest are."""
    if len(printed) != width and any(t.aligned for t in printed):
        return [t for t in printed if not (t.empty and t.aligned)]
    out = list(printed)
    numbers = [k for k, t in enumerate(out) if not t.empty]
    first, last = (numbers[0], numbers[-1]) if numbers else (len(out), len(out))
    # label columns (before the numbers), then padding (after them), then inner empties
    order = list(range(first)) + list(range(len(out) - 1, last, -1)) + list(range(last - 1, first, -1))
    drop = set()
    for k in order:
        if len(out) - len(drop) <= width:
            break
        if out[k].empty:
            drop.add(k)
    return [t for k, t in enumerate(out) if k not in drop]


def _without_header_empties(printed: list[Token], section: list[Token]) -> list[Token]:
    """A flat band's printed cells without the empty cells of its header: lines printing header
    words and empty cells but none of its numbers, when another line prints them (PyMuPDF4LLM and
    tab-separated text print section 四's merged header cells as empty cells above its one row of
    numbers).  A line holding only an empty cell is a cell of the band printed one per line."""
    with_numbers = {t.line_no for t in printed if not t.empty}
    header = {t.line_no for t in section if t.kind == "text"} - with_numbers
    return [t for t in printed if not (t.empty and t.line_no in header)] if with_numbers else printed


def _sums_hold(equations: list, printed: list[Token]) -> bool:
    """Whether a row's printed cells (a blank is 0) keep every one of its sum rules."""
    values = [0 if t.blank else t.value for t in printed]
    return all(abs(sum(values[i] for i in lhs) - sum(values[i] for i in rhs)) < 1e-9 for lhs, rhs in equations)


def _breaks_own_sums(template: Template, cells: list[str], printed: list[Token]) -> bool:
    """Whether a row printed with exactly its cells breaks one of its own sum rules."""
    return len(printed) == len(cells) and not _sums_hold(row_equations(template, cells), printed)


# a cell of digits split by a separator (`2,4`, `1.5` in a count column): a misread number, never
# the start of the next row's label, though the spotter may take it as an enumerator (`2.`)
_MISREAD_NUMBER = re.compile(r"\d+(?:[.,，．、]\d+)+")
_DECIMAL_FRACTION = re.compile(r"\d[.．]\d+$")
# the start of an enumerated item (`4.保护`, `（五）不`): a label of its own, never another's wrapped line
_ENUMERATED = re.compile(r"^\s*(?:\d{1,2}\s*[.．、]|[（(][一二三四五六七八九十]+[）)])")
PADDING_CHOICES = 500  # more ways to drop surplus empty cells than this: taken as open


def padding_is_open(printed: list[Token], width: int, right_aligned: bool = False) -> bool:
    """Whether dropping a row's surplus empty cells in another order would put its numbers in
    other cells: `  | -4 | ` over two cells is `0 -4` or `-4 0` (a blank cell then a padding one,
    or a label column left empty); `  |   | 3` is `0 3` either way.  In a table whose rows end in
    their printed totals (`right_aligned`) the surplus is label columns, before the numbers:
    dropped from the front, as _without_surplus_empties does."""
    if any(t.aligned for t in printed):
        return False  # a text grid's inferred empties: _without_surplus_empties drops them all
    empties = [k for k, t in enumerate(printed) if t.empty]
    surplus = len(printed) - width
    if surplus <= 0 or surplus >= len(empties):
        return False
    leading = next((k for k, t in enumerate(printed) if not t.empty), len(printed))
    if right_aligned and leading >= surplus:
        return False
    if comb(len(empties), surplus) > PADDING_CHOICES:
        return True
    layouts = {tuple(t.empty for k, t in enumerate(printed) if k not in drop)
               for drop in map(set, combinations(empties, surplus))}
    return len(layouts) > 1


RIGHT_ALIGNED_ROWS = 3  # rows ending in their printed total that show a table's values sit at its right


def _ends_in_totals(template: Template, table: Table, rows: list[tuple[Hit, list[Token]]]) -> bool:
    """Every row of explicit cells that prints a number ends in its total's cell, a number
    (3 rows at least), in a table whose last column is its rows' total: the values sit at the
    table's right, so the surplus empty cells of a row are label columns (a rowspan or colspan
    label a converter printed as empty cells), not padding after the numbers."""
    totals = {rule.total for rule in template.rules if rule.table == table.id and rule.over == "rows"}
    if not table.rows or any(row.columns[-1] not in totals for row in table.rows):
        return False
    printing = [raw for _, raw in rows if any(not t.empty and not t.blank for t in raw)]
    return len(printing) >= RIGHT_ALIGNED_ROWS and all(
        not any(t.aligned for t in raw) and not raw[-1].empty and not raw[-1].blank for raw in printing)


def repeat_is_open(printed: list[Token], width: int) -> bool:
    """Whether a row with more cells than the template's may end in one merged cell printed
    once per column it spans (pandas' to_markdown repeats the value of a short row's last cell
    over the table's width) where dropping its empty cells instead puts the numbers elsewhere:
    `| | 1 | 1` over two cells reads `1 1` with the empty cell dropped and `0 1` with the
    repeat dropped (a confident wrong value on a generated pandas_markdown document)."""
    if any(t.aligned for t in printed) or len(printed) <= width:
        return False
    repeats = 0  # the cells after the first of the row's trailing run of equal numbers
    while repeats < len(printed) - width and len(printed) - repeats >= 2:
        last, before = printed[-1 - repeats], printed[-2 - repeats]
        if last.blank or before.blank or last.text.strip() != before.text.strip():
            break
        repeats += 1
    if not repeats:
        return False
    as_read = _layout(_without_surplus_empties(printed, width))
    repeat_dropped = _layout(_without_surplus_empties(printed[: len(printed) - repeats], width))
    return len(as_read) == len(repeat_dropped) == width and as_read != repeat_dropped


def _surplus_is_repeat(printed: list[Token], width: int) -> bool:
    """Whether a row's numbers beyond its template's cells all repeat its last cell's text."""
    last = printed[width - 1].text.strip() if 0 < width < len(printed) else None
    return last is not None and not printed[width - 1].empty and not printed[width - 1].aligned \
        and all(not t.empty and not t.aligned and t.text.strip() == last for t in printed[width:])


_NO_LEADING_ZERO = re.compile(r"[1-9]\d*|\d")


def _pairs_joined(raw: list[Token], width: int) -> list[Token] | None:
    """A row printed in twice its template's cells, each value in a pair of them, one number cut
    at a pair's inner border: the pairs joined.  A PDF-to-markdown grid drawn over a page's tables
    of different columns puts two grid columns under each of section 二's (`|规范性文件|0||0||1|8|`
    for 0, 0, 18).  None unless the row's cells are consecutive cells of one line, some pair holds
    a number with an empty cell after it (the pairing shows) and some pair two plain digit runs."""
    if width < 1 or len(raw) != 2 * width or any(t.aligned or (t.blank and not t.empty) or t.unit for t in raw):
        return None
    cells = [t.cell_no for t in raw]
    if len({t.line_no for t in raw}) != 1 or cells != list(range(cells[0], cells[0] + len(raw))):
        return None
    pairs = list(zip(raw[::2], raw[1::2]))
    if not any(b.empty and not a.empty for a, b in pairs):
        return None
    out, cut = [], False
    for a, b in pairs:
        if a.empty or b.empty:
            out.append(b if a.empty else a)
        elif _NO_LEADING_ZERO.fullmatch(a.text.strip()) and re.fullmatch(r"\d+", b.text.strip()):
            joined = a.text.strip() + b.text.strip()
            out.append(replace(a, text=joined, value=int(joined), cut=True))
            cut = True
        else:
            return None
    return out if cut else None


def _layout(cells: list[Token]) -> tuple:
    """What a row's cells read: each one's text, an empty cell as 0."""
    return tuple("0" if t.empty else t.text.strip() for t in cells)


def split_is_open(printed: list[Token], width: int) -> bool:
    """Whether two numbers side by side may be one number cut at a cell border, with an empty
    cell a zero: a row with more cells than the template's and empty cells between its numbers, or
    with twice its cells or more, spreads each value over several cells (a converter splitting
    merged columns), so `1 | | | | 45 | 2` over three cells reads `1 0 452` as well as `1 45 2`,
    and `| | | | 14 | 2` reads `0 0 142` as well as `0 14 2`."""
    if any(t.aligned for t in printed) or len(printed) <= width:
        return False
    numbers = [k for k, t in enumerate(printed) if not t.empty]
    if not numbers or (len(printed) < 2 * width and
                       not any(printed[k].empty for k in range(numbers[0], numbers[-1]))):
        return False  # a cell or two more, none empty between the numbers: label columns or padding
    return any(b == a + 1 and printed[b].text.strip().isdigit() and printed[a].text.strip().lstrip("-").isdigit()
               for a, b in zip(numbers, numbers[1:]))


def _prints_zeros(tokens: list[Token]) -> bool:
    """Whether a table prints its zeros as `0`: a lone 0 cell, no number in the cells beside it
    (`133 | 0` may be 1330 cut at a cell border).  Its empty cells are then no zeros."""
    def number(k: int) -> bool:
        return 0 <= k < len(tokens) and not tokens[k].empty and not tokens[k].blank \
            and tokens[k].line_no == tokens[at].line_no

    for at, t in enumerate(tokens):
        if not t.empty and not t.blank and t.value == 0 and t.text.strip() == "0" \
                and not number(at - 1) and not number(at + 1):
            return True
    return False


def _settlement(found, agreed: dict[int, int] | None, readings, r: int, k: int,
                at: int) -> tuple[list, bool, int | None]:
    """Cell `at` (cell k of row r) over the combinations found: its values, whether it is settled
    (one value in every combination; with combinations unlisted, proved by `agreed`), and the
    printed number behind a settled value: the one every combination's reading of the row takes
    it from (the row's other cells may vary); unlisted, every reading of the row giving the value."""
    values = sorted({sol[0][at] for sol in found if sol[0][at] is not None})
    settled = at in agreed if agreed is not None else (
        len(values) == 1 and all(sol[0][at] is not None for sol in found))
    if not settled:
        return values, False, None
    sources = {readings[r][sol[1][r]][1][k] for sol in found} if agreed is None else \
        {rd[1][k] for rd in readings[r] if rd[0][k] == values[0]}
    return values, True, sources.pop() if len(sources) == 1 else None


def _reading(guess: CellGuess, shared: Counter, printed: int, width: int) -> str:
    if guess.how == "ambiguous":
        return "several_readings"
    if guess.how == "conflict":
        return "conflict"
    if guess.source is None:
        return "lost_cell"
    if shared[guess.source] > 1:
        return "split_run"
    if printed < width:
        return "placed"
    return "extra_dropped" if printed > width else "as_printed"


def _row_wise(table: Table, hits: list[Hit], groups) -> bool:
    """Whether the walk gave every row label its own run of exactly its row's numbers, no block
    read column-scattered and no doubt: a table printed row by row."""
    return bool(groups) and len(groups) == len(hits) and all(
        len(number_ids) == len(table.row(hit.row).columns) and doubt is None and not scattered
        for hit, number_ids, doubt, scattered, _ in groups)


def _stacked_cells(cells: list[tuple[int | None, int | None]], n_rows: int) -> bool:
    """Whether (line, cell) positions of a run are the cells of one printed row each stacking
    exactly `n_rows` numbers, in increasing cell order (`|总计<br>结转|0<br>0|…`: a converter merged
    the rows of one label cell).  Each cell is then a column, top value first: an order the print
    states, not one the sums chose."""
    if n_rows < 2 or len(cells) % n_rows or len({line for line, _ in cells}) != 1 \
            or any(cell is None for _, cell in cells):
        return False
    stacks = [cells[c:c + n_rows] for c in range(0, len(cells), n_rows)]
    return all(len({cell for _, cell in stack}) == 1 for stack in stacks) and \
        all(a[0][1] < b[0][1] for a, b in zip(stacks, stacks[1:]))


def _adjacent_rows(table: Table):
    """(row, the row below it) for rows printed next to each other in one sub-table under the same
    columns."""
    for above, below in zip(table.rows, table.rows[1:]):
        if above.part == below.part and above.columns == below.columns:
            yield above, below


def _sibling_rows(table: Table):
    """`_adjacent_rows` in both orders."""
    for above, below in _adjacent_rows(table):
        yield above, below
        yield below, above


def _implausible_run(table: Table, row, records: dict[str, CellRecord]) -> bool:
    """The row's values as read break a plausible ratio of its columns (schema `plausible`: a
    procurement project costs 1,000 to 10 million yuan) while one of them was printed as a run of
    digits and another cell is empty: a converter that drops cell borders ran neighbouring cells
    together, and the run read as one number filled one cell and left the other empty.  (Not the
    soft order relations, decisions ≥ |change|: blank-zero reports break them with right values.)"""
    def value(column: str):
        rec = records.get(table.field_id(row.id, column))
        return None if rec is None else rec.guess.value

    ratios = [r for r in table.plausible if r.ratio is not None and r.larger in row.columns and r.smaller in row.columns]
    if not any(value(r.larger) is not None and value(r.smaller) is not None
               and not r.holds(value(r.larger), value(r.smaller)) for r in ratios):
        return False
    runs = any(is_run(t.text.removesuffix(t.unit or "")) for rec in records.values() for t in rec.tokens
               if t.kind == "number" and not t.blank)
    return runs and any(all(t.blank for t in rec.tokens) for rec in records.values())


_LONE_MINUS = ("-", "－", "−")


def _cut_on_label_line(tokens: list[Token], hit: Hit) -> bool:
    """On the row's label line a number was joined from two cells (`1251|.8`)."""
    line = tokens[hit.last_token].line_no
    for token in tokens[hit.last_token + 1:]:
        if token.line_no != line:
            break
        if token.cut:
            return True
    return False


def _doubt_row(table: Table, row, records: dict[str, CellRecord], doubt: str) -> None:
    for c in row.columns:
        rec = records.get(table.field_id(row.id, c))
        if rec is not None and doubt not in rec.doubts:
            rec.doubts.append(doubt)


class Assembler:
    def __init__(self, template: Template, tokens: list[Token], value_prior: ValuePrior | None = None,
                 stated: Sequence[Statement] = (), sections: Sequence[Section] = ()):
        self.template = template
        self.sections = sections  # every table's section: where a table's numbers may have gone
        self.tokens = tokens
        self.value_prior = value_prior  # learned magnitudes that order a row's open readings
        self.stated = stated  # what the narrative states about the tables (narrative.statements)
        # the rules across rows settled the table with its rows printed without numbers read
        # as empty (zeros): the document prints zeros as empty cells
        self.blank_zeros = False
        self._unprinted: list[_Row] = []  # rows printed without any number
        # numbers placed under their column headers (header_runs): no other reading takes them
        self._claimed: set[int] = set()
        self._cut_tables: set[str] = set()  # tables with a number joined from a pair of cells
        # a run after several row labels given to the last one (DOUBT_SEVERAL_LABELS): its table,
        # the rows that might own it, and the row that took it
        self._several: list[tuple[str, list[str], str]] = []
        self._readings: dict[tuple[str, str], list[Reading]] = {}  # each printed row's own readings

    def table(self, table: Table, section: Section, hits: list[Hit]) -> dict[str, CellRecord]:
        records = self._table_with_headers(table, section, hits)
        zeros = self._zeros_printed(section, records)
        for rec in records.values():
            rec.zeros_printed = zeros
        return records

    def _zeros_printed(self, section: Section, records: dict[str, CellRecord]) -> bool:
        """Whether the table prints its zeros as numbers: a zero printed in its section, or, when
        the table's numbers are not in its section (pdfminer prints a table's columns after
        the next section's heading), in any table's section.  Not the whole document at
        once: one table of a report may print zeros while the next leaves them empty, and prose
        states 0 too (召开新闻发布会0场)."""
        span = self.tokens[section.start:section.end]
        if any(t.kind == "number" and t.value == 0 and not t.blank for t in span):
            return True
        lines = range(span[0].line_no, span[-1].line_no + 1) if span else range(0)
        own = any(t.kind == "number" for t in span) and all(
            t.line_no in lines for rec in records.values() for t in rec.tokens)
        return False if own else self.zeros_in_sections

    @cached_property
    def zeros_in_sections(self) -> bool:
        """A zero is printed as a number in some table's section."""
        return any(t.kind == "number" and t.value == 0 and not t.blank
                   for s in self.sections for t in self.tokens[s.start:s.end])

    def _table_with_headers(self, table: Table, section: Section, hits: list[Hit]) -> dict[str, CellRecord]:
        header = read_header_runs(self.template, table, self.tokens, section.start)
        if header is None:
            return self._table(table, section, hits)
        unprinted, blank_zeros, others = list(self._unprinted), self.blank_zeros, set(self._claimed)
        records = self._table(table, section, hits)
        # numbers under this table's column headers are never another table's cells
        self._claimed |= header.claimed
        # runs the label reading already read into the cells their first placement gives keep
        # that reading (measured as such); the others are placed by their headers
        agreeing = [r for r in range(len(header.runs)) if self._agrees(records, header, r)]
        if len(agreeing) == len(header.runs):
            return records
        placed = header.without(agreeing)
        self._unprinted, self.blank_zeros = unprinted, blank_zeros
        self._claimed, own = others | placed.claimed, self._claimed
        records = self._table(table, section, hits)
        self._claimed = own
        self._place_under_headers(table, section, hits, placed, records)
        return records

    def _agrees(self, records: dict[str, CellRecord], header: HeaderReading, r: int) -> bool:
        """Whether the label reading read header run r's numbers into its cells with the values its
        placements give (the one they settle, or one of the several they leave open)."""
        run = {id(self.tokens[i]) for i in header.runs[r].numbers}
        for field_id, _ in header.first[r]:
            rec = records.get(field_id)
            if rec is None or rec.guess.value is None or any(id(t) not in run for t in rec.tokens):
                return False
            if field_id in header.settled:
                source = header.settled[field_id]
                wanted = [0 if source is None or self.tokens[source].blank else self.tokens[source].value]
            elif field_id in header.open:
                wanted = header.open[field_id][1]
            else:
                continue  # some placements leave it out: the runs say nothing of it
            # printed values compared (money before its unit is applied); no token: a zero no cell printed
            printed = (0 if rec.tokens[0].blank else rec.tokens[0].value) if rec.tokens else rec.guess.value
            if printed not in wanted or (not rec.tokens and printed != 0):
                return False
        return True

    def _table(self, table: Table, section: Section, hits: list[Hit]) -> dict[str, CellRecord]:
        """The table read by its labels, without the numbers placed by column headers (`_claimed`)."""
        # (a number inside a row label's span is label material: a scan's label cell read as `1`)
        labelled = {i for h in hits for i in range(h.token, h.last_token + 1)}
        numbers = [i for i in range(section.start + 1, section.end)
                   if self.tokens[i].kind == "number" and i not in self._claimed and i not in labelled]
        if table.printed_flat:
            printed = _without_surplus_empties(_without_header_empties(
                [self.tokens[i] for i in numbers], self.tokens[section.start + 1:section.end]), len(table.field_ids()))
            row = self._row(table, table.field_ids(), printed, None, section)
            if not printed:
                self._unprinted.append(row)
            elif self._headers_among(numbers):
                for rec in row.records.values():
                    rec.doubts.append(DOUBT_HEADERS_AMONG)
            self._settle_by_narrative([row], row.records)
            return row.records
        row_ids = {r.id for r in table.rows}
        hits = [h for h in hits if h.row in row_ids]
        rows_of: dict[int, list[_Row]] = {}  # each reading of the table's records -> its rows
        groups = self._group(table, hits, numbers)
        records = self._assign(table, section, groups, rows_of)
        if _row_wise(table, hits, groups):
            # every row label is followed by exactly its row's numbers: the print is row by row, and
            # a column order the rules prefer would only move numbers to fit a table printed wrong
            self._settle_by_narrative(rows_of[id(records)], records)
            return records
        under_headers, headed = self._whole_table_by_headers(table, hits, numbers)
        on_own_line = self._rows_on_own_line(table, groups)
        for grid in (self._whole_table_by_columns(table, hits, numbers),
                     self._whole_table_with_a_cell_by_its_label(table, hits, numbers), self._pages_by_columns(table, hits, numbers),
                     self._some_pages_by_columns(table, hits, numbers), under_headers):
            if grid is None or any(on_own_line.get(hit.row, ids) != ids for hit, ids, *_ in grid):
                # (a reading that takes a row's numbers printed on its label's line away from it
                # only moves numbers to fit a table printed wrong)
                continue
            # pdfminer may print a whole table's (or page's) labels, then its numbers column after
            # column, with later labels and column headers interleaved: read that way too, and keep
            # what the rules prefer, then what reads more cells (rows left without numbers break no rule)
            by_columns = self._assign(table, section, grid, rows_of)
            if self._preference(by_columns) > self._preference(records):
                records = by_columns
                # its columns after the next section's heading are none of that section's cells
                self._claimed = (self._claimed - headed) | (headed if grid is under_headers else set())
        # the narrative only chooses among the placements of the reading the rules preferred
        self._settle_by_narrative(rows_of[id(records)], records)
        return records

    def _under_empty_header(self, section: Section, printed: list[Token]) -> bool:
        """Whether a row's numbers follow an empty first cell that stands under an empty cell of
        the nearest line of column headers above it (a line of words right of that cell and no
        number): `|信息内容||本年制发件数|…|` over `|行政规范性文件||2|8|` is a label column split
        in two, whose empty half reads as a blank first value.  Asked of rows no sum rule checks
        (a shifted row breaks its own sums; multi-level headers leave empty cells over values)."""
        lead = printed[0] if printed else None
        if lead is None or not lead.empty or lead.aligned or lead.gridded or lead.line_no is None \
                or all(t.empty or t.blank for t in printed):
            return False
        above: dict[int, list[Token]] = {}
        for t in self.tokens[section.start + 1:section.end]:
            if t.line_no is not None and t.line_no < lead.line_no:
                above.setdefault(t.line_no, []).append(t)
        for line_no in sorted(above, reverse=True):
            line = above[line_no]
            if any(t.kind == "number" and not t.empty for t in line):
                continue  # a row of values
            if any(t.kind == "text" and t.cell_no > lead.cell_no for t in line):
                return not any(t.kind == "text" and t.cell_no == lead.cell_no for t in line)
        return False

    def _rows_on_own_line(self, table: Table, groups) -> dict[str, list[int]]:
        """Rows the walk gave exactly their numbers, printed on the label's own line (not empty
        cells only: a row's numbers may stand on the line above, its label's cells left empty)."""
        return {hit.row: ids for hit, ids, doubt, scattered, _ in groups
                if doubt is None and not scattered and len(ids) == len(table.row(hit.row).columns)
                and any(not self.tokens[i].empty for i in ids)
                and all(self.tokens[i].line_no == self.tokens[hit.last_token].line_no is not None for i in ids)}

    def _headers_among(self, numbers: list[int]) -> bool:
        """Label text printed between a one-row table's numbers (pdfminer prints section 四 a
        column box at a time, `结果纠正 1 其他结果 - … 结果维持 -`, not in the columns' order).
        Not OCR'd cells: a scan's grid gives each number its column, whatever lies between."""
        printed = [i for i in numbers if not self.tokens[i].empty]
        return len(printed) > 1 and all(self.tokens[i].score is None for i in printed) and \
            any(self.tokens[i].kind == "text" for i in range(printed[0] + 1, printed[-1]))

    def _place_under_headers(self, table: Table, section: Section, hits: list[Hit], header: HeaderReading,
                             records: dict[str, CellRecord]) -> None:
        """Cells the runs under their column headers settle (`header_runs`): read where no other
        reading read them; where another reading read another value, both stay candidates."""
        hit_of = {h.row: h for h in hits}
        for row in table.rows:
            for column_id in row.columns:
                field_id = table.field_id(row.id, column_id)
                if field_id in header.settled:
                    source, candidates = header.settled[field_id], None
                elif field_id in header.open:
                    source, candidates = header.open[field_id]
                else:
                    continue
                token = self.tokens[source] if source is not None else None
                column = table.columns[column_id]
                value = 0 if token is None or token.blank else self._header_value(token, column, section)
                if candidates is not None:
                    candidates = [c if column.kind != "money" else self._header_value(
                        Token("number", "", value=c, unit=token.unit if token else None), column, section)
                        for c in candidates]
                rec = records.get(field_id)
                if rec is not None and rec.guess.value is not None:
                    if rec.guess.value == value and candidates is None:
                        continue
                    # another reading read another value: both stay candidates
                    candidates = sorted(set(candidates or [value]) | {rec.guess.value})
                how = (f"placed under its printed column header {column.labels[0]!r} by the length of "
                       f"the header's run of numbers")
                if candidates is None:
                    guess = CellGuess(value, 0 if token else None, "inferred")
                    reading = "placed" if token else "lost_cell"
                    how += " (every placement of the section's runs puts it here)"
                else:
                    guess = CellGuess(value, 0 if token else None, "ambiguous", candidates, len(candidates))
                    reading = "several_readings"
                    how += f" (the placements of the section's runs, or its row label, read {candidates})"
                # not `scattered`: that marks a whole document's tables as read in a scrambled order
                # (risk group), while these cells are never ok anyway (placed, no sum rule over them)
                rec = records[field_id] = CellRecord(field_id, guess, [token] if token else [], hit_of.get(row.id),
                                                     reading=reading)
                rec.notes.append(how)
                if token is None:
                    rec.notes.append("printed as an empty cell there: read as 0")
                elif token.blank:
                    rec.notes.append(f"printed {token.text!r}: read as 0")

    def _header_value(self, token: Token, column, section: Section):
        """A printed number as the value of a cell of `column` (money in yuan, whole counts as int)."""
        if column.kind == "money":
            return to_yuan(token.value, token.unit or header_unit(self.tokens, section, column.labels)
                           or column.default_unit)
        return int(token.value) if float(token.value).is_integer() else token.value

    def _assign(self, table: Table, section: Section, groups,
                rows_of: dict[int, list["_Row"]]) -> dict[str, CellRecord]:
        """Records of every row from (label, its numbers, doubt, scattered, order tie) groups
        (its rows kept in `rows_of` under the records' id)."""
        records: dict[str, CellRecord] = {}
        rows: list[_Row] = []
        ties: dict[int, _OrderTie] = {}
        covered = {i for hit, *_ in groups for i in range(hit.token, hit.last_token + 1)}
        zeros_printed = _prints_zeros([self.tokens[i] for _, ids, *_ in groups for i in ids])
        # a zero in any form (`0`, `00`, a row `0000000`): the table's empty cells are no zeros
        zeros_shown = any(self.tokens[i].value == 0 and not self.tokens[i].empty and not self.tokens[i].blank
                          for _, ids, *_ in groups for i in ids)
        # a text that prints its zeros yet gives the table numbers for under half its cells lost
        # whole columns (pdfminer dropped six of section 三's seven columns of a page too wide): a
        # row's lone 0 is no total pinning its row to zeros
        columns_lost = zeros_printed and 2 * sum(len(ids) for _, ids, *_ in groups) < sum(
            len(table.row(hit.row).columns) for hit, *_ in groups)
        right_aligned = _ends_in_totals(self.template, table, [(hit, [self.tokens[i] for i in ids])
                                                              for hit, ids, *_ in groups])
        printed_of: dict[str, tuple[Hit, list[Token]]] = {}
        surplus: set[str] = set()  # rows given more cells than they have, numbers from another line among them
        for hit, number_ids, doubt, scattered, tie in groups:
            row = table.row(hit.row)
            cells = [table.field_id(row.id, c) for c in row.columns]
            if any(c in records for c in cells):
                for c in cells:
                    records[c].doubts.append(DOUBT_TWICE)
                continue
            raw = [self.tokens[i] for i in number_ids]
            printed = _without_surplus_empties(raw, len(cells))
            paired = _pairs_joined(raw, len(cells)) if len(printed) > len(cells) else None
            if paired is not None:
                printed = paired
                self._cut_tables.add(table.id)
            if _surplus_is_repeat(printed, len(cells)):
                # a merged last cell printed once per column it spans (pandas repeats `35.41万元`
                # under a colspan): read once, and not trusted as read where another cell could be
                # the padding (not a row of one number printed in every cell)
                if len({t.text.strip() for t in printed}) > 1:
                    doubt = doubt or DOUBT_PADDING
                printed = printed[:len(cells)]
            if any(t.empty and t.gridded for t in printed) and _breaks_own_sums(self.template, cells, printed):
                # a text grid's inferred empty cells that break the row's own sums put its numbers
                # in other columns than printed (inscriptis shifts rows beside a rowspan label): the
                # numbers are read as printed in order, their blanks lost
                printed = [t for t in printed if not (t.empty and t.gridded)]
            label = self.tokens[hit.token:hit.last_token + 1] + self._wrapped(hit, number_ids, covered)
            if doubt is None and (padding_is_open(raw, len(cells), right_aligned) or repeat_is_open(raw, len(cells)) or
                                  (not zeros_printed and split_is_open(raw, len(cells)))):
                doubt = DOUBT_PADDING
            if doubt is None and not level_with(label, printed):
                doubt = DOUBT_NOT_LEVEL
            if doubt is None and not row_equations(self.template, cells) and self._under_empty_header(section, printed):
                doubt = DOUBT_LABEL_COLUMN
            if doubt is None and self._unread_cell_on_line(hit, covered):
                doubt = DOUBT_UNREAD
            if doubt is None and columns_lost and 0 < len(printed) < len(cells):
                doubt = DOUBT_COLUMNS_LOST
            printed_of[row.id] = (hit, printed)
            if len(raw) > len(cells) and any(not t.empty and not t.blank and t.line_no != self.tokens[hit.token].line_no
                                             for t in raw):
                surplus.add(row.id)  # numbers from a line below its label's joined its cells
            solved = self._row(table, cells, printed, hit, section, zeros_shown)
            self._readings[(table.id, row.id)] = solved.readings
            if any(t.empty and t.gridded for t in printed):
                loose = any(t.empty and t.loose for t in printed)
                for rec in solved.records.values():
                    rec.grid_placed = True
                    rec.grid_loose = loose
            if doubt is None and self._count_printed_as_amount(solved.records):
                doubt = DOUBT_KIND_SWAP
            if doubt is None and self._minus_cut_off(solved.records):
                doubt = DOUBT_MINUS_CUT
            if doubt is None and _implausible_run(table, row, solved.records):
                doubt = DOUBT_IMPLAUSIBLE_RUN
            if tie is not None:
                ties[id(tie)] = tie
            for rec in solved.records.values():
                rec.scattered = scattered
                if doubt:
                    rec.doubts.append(doubt)
            records.update(solved.records)
            rows.append(solved)
            if not printed:
                self._unprinted.append(solved)
        self._doubt_beside_short_rows(table, printed_of, records)
        self._doubt_beside_surplus(table, printed_of, surplus, records)
        self._doubt_split_by_page(table, printed_of, records)
        self._doubt_cut_through(table, printed_of, records)
        self._settle_jointly(rows, records, zeros_printed)
        for tie in ties.values():
            self._settle_order(table, tie, records)
        rows_of[id(records)] = rows
        return records

    def _doubt_beside_short_rows(self, table: Table, printed_of: dict[str, tuple[Hit, list[Token]]],
                                 records: dict[str, CellRecord]) -> None:
        """A row read as printed next to a row of its sub-table that printed fewer cells than it
        has (zeros printed empty, the empties lost): where its numbers stand on lines of their
        own, the label between the two rows' numbers is all that divides them, and a text layer
        printed column by column (pdfminer) puts labels anywhere.  Only rows no sum rule covers:
        elsewhere the rules check the division."""
        ruled = self._ruled_fields
        for row, other in _sibling_rows(table):
            if row.id not in printed_of or other.id not in printed_of:
                continue
            (hit, printed), (_, other_printed) = printed_of[row.id], printed_of[other.id]
            cells = [table.field_id(row.id, c) for c in row.columns]
            if len(other_printed) >= len(other.columns) or \
                    len(printed) != len(cells) or any(c in ruled for c in cells):
                continue
            label_line = self.tokens[hit.token].line_no
            if all(t.line_no != label_line for t in printed):
                _doubt_row(table, row, records, DOUBT_NEIGHBOUR_SHORT)

    @staticmethod
    def _doubt_beside_surplus(table: Table, printed_of: dict[str, tuple[Hit, list[Token]]], surplus: set[str],
                              records: dict[str, CellRecord]) -> None:
        """A row that printed no number (empty cells, or none) beside a row of its sub-table that
        printed more cells than it has: a row split by a page break leaves its numbers above and
        its label below, the numbers join the row above, and every column sum holds either way."""
        for row, other in _sibling_rows(table):
            if other.id in surplus and row.id in printed_of and \
                    not any(not t.empty and not t.blank for t in printed_of[row.id][1]):
                _doubt_row(table, row, records, DOUBT_BESIDE_SURPLUS)

    def _doubt_split_by_page(self, table: Table, printed_of: dict[str, tuple[Hit, list[Token]]],
                             records: dict[str, CellRecord]) -> None:
        """A row's numbers followed by a page break (a new page, or the column header repeated)
        and then the next row's label, which prints nothing (no number, no dash, no empty cell):
        a browser printing a tall row across a page break leaves its numbers at the foot of one
        page and its label atop the next, after the repeated header, so the numbers may be
        either row's.  Not numbers on their own label's line: they are that row's.  (Like the
        several-labels doubt, it does not touch the table's other rows: the column sums hold
        whichever of the two owns the numbers.)"""
        for above, below in _adjacent_rows(table):
            if above.id not in printed_of or below.id not in printed_of:
                continue
            own_label, printed = printed_of[above.id]
            numbers = [t for t in printed if not t.empty and not t.blank]
            label, below_printed = printed_of[below.id]
            if not numbers or below_printed or \
                    any(t.line_no == self.tokens[own_label.token].line_no for t in numbers):
                continue
            last = next((i for i in range(label.token - 1, -1, -1) if self.tokens[i] is numbers[-1]), None)
            if last is None:
                continue
            pages = {self.tokens[last].page, self.tokens[label.token].page}
            if (None not in pages and len(pages) > 1) or \
                    header_between(self.template, table, self.tokens, last + 1, label.token):
                _doubt_row(table, above, records, DOUBT_SPLIT_BY_PAGE)
                _doubt_row(table, below, records, DOUBT_SPLIT_BY_PAGE)

    def _doubt_cut_through(self, table: Table, printed_of: dict[str, tuple[Hit, list[Token]]],
                           records: dict[str, CellRecord]) -> None:
        """A number of the table split at a cell border into its integer part and its fraction
        (`1251|.8`): PDF-to-markdown converters draw one grid over tables of different columns,
        and a number straddling a border is cut there; one straddling it otherwise may lose a digit
        (`160` printed `16`), which nothing shows.  Rows with a sum rule are checked by it; the
        others are doubted."""
        if table.id not in self._cut_tables and not any(_cut_on_label_line(self.tokens, hit)
                                                        for hit, _ in printed_of.values()):
            return
        for row in table.rows:
            if row.id in printed_of and not any(table.field_id(row.id, c) in self._ruled_fields for c in row.columns):
                _doubt_row(table, row, records, DOUBT_CUT_THROUGH)

    @cached_property
    def _ruled_fields(self) -> set[str]:
        """Fields some sum rule covers."""
        return {f for inst in self.template.rule_instances() for f in inst.fields}

    @cached_property
    def _token_index(self) -> dict[int, int]:
        return {id(t): i for i, t in enumerate(self.tokens)}

    def _minus_cut_off(self, records: dict[str, CellRecord]) -> bool:
        """An unsigned number read into a signed column (本年增/减) right after a cell printing a
        lone minus or hyphen, on one line: the dash is an empty cell's blank, or the number's sign
        a PDF-to-markdown grid cut off at a cell border (`|行政处罚|-|3|7|` for 0, -3, 7)."""
        for field_id, rec in records.items():
            numbers = [t for t in rec.tokens if t.kind == "number" and not t.blank]
            if not self.template.column_of(field_id).signed or len(numbers) != 1 or not numbers[0].value:
                continue
            number = numbers[0]
            i = self._token_index.get(id(number), 0)
            before = self.tokens[i - 1] if i > 0 else None
            if number.text.lstrip()[:1] not in "+-－−＋" and before is not None and before.blank and \
                    before.line_no == number.line_no and before.cell_no == number.cell_no - 1 and \
                    before.text.strip() in _LONE_MINUS:
                return True
        return False

    def _count_printed_as_amount(self, records: dict[str, CellRecord]) -> bool:
        """A count cell of a row with an amount column holds a number printed with a decimal
        fraction (`290795.00`): counts are never printed so, amounts often are, and a converter
        that orders a row's cells by their position on the page (cells vertically centred
        differently) prints the amount first.  No sum rule covers such rows."""
        kinds = {f: self.template.column_of(f).kind for f in records}
        if "money" not in kinds.values():
            return False
        return any(kinds[f] == "count" and any(_DECIMAL_FRACTION.search(t.text.removesuffix(t.unit or ""))
                                               for t in rec.tokens if t.kind == "number")
                   for f, rec in records.items())

    def _equations_over(self, index: dict[str, int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """The template's rules whose every field is in `index` (field -> position), as equations
        over those positions."""
        return [(tuple(index[f] for f in inst.lhs), tuple(index[f] for f in inst.rhs))
                for inst in self.template.rule_instances() if all(f in index for f in inst.fields)]

    def settle_owners(self, records: dict[str, CellRecord]) -> None:
        """Once every table is read, in a document printing zeros as empty cells: a run after
        several row labels, given to the last of them with the others read as empty, is that
        row's where no other of those rows can own it: moved there (every row printing no number
        empty, the cells the printed rows leave open left to the rules), the sum rules break.
        Its rows lose the several-labels doubt.  (A lone request's `1 1` printed once after
        二、上年结转 … （七）总计, which print nothing, is 四、结转下年度's.)"""
        if not self.blank_zeros:
            return
        for table_id, owners, owner in self._several:
            table = self.template.table(table_id)
            cells = {row.id: [table.field_id(row.id, c) for c in row.columns] for row in table.rows}
            fields = [f for row in table.rows for f in cells[row.id]]
            if any(f not in records or records[f].guess.value is None for row in owners for f in cells[row]) or any(
                    records[f].guess.value != 0 for row in owners if row != owner for f in cells[row]):
                continue  # not the reading with the other rows empty
            printed = {row for row, fs in cells.items() if any(records[f].tokens for f in fs if f in records)}
            index = {f: i for i, f in enumerate(fields)}
            equations = self._equations_over(index)
            signed = [self.template.column_of(f).signed for f in fields]

            def value(f: str):
                rec = records.get(f)
                return None if rec is None or rec.guess.how == "ambiguous" else rec.guess.value

            # every row printing no number empty; the cells the print leaves open are the rules'
            reading = [value(f) if row in printed else 0 for row in cells for f in cells[row]]
            own = [values for values, _ in self._readings.get((table_id, owner), []) if None not in values]
            columns = table.row(owner).columns
            others = [row for row in owners if row != owner and row not in printed and table.row(row).columns == columns]
            if not own or not others:
                continue

            def fits(row: str) -> bool:
                """The run, in one of the ways its own row's rules place it, read as `row`'s."""
                for values in own:
                    moved = list(reading)
                    for g in cells[owner]:
                        moved[index[g]] = 0
                    for f, v in zip(cells[row], values):
                        moved[index[f]] = v
                    if _propagate(moved, equations, signed) is not None:
                        return True
                return False

            if not fits(owner) or any(fits(row) for row in others):
                continue  # no reading keeps the rules where it stands, or one does elsewhere
            for row in owners:
                for f in cells[row]:
                    rec = records[f]
                    if DOUBT_SEVERAL_LABELS in rec.doubts:
                        rec.doubts = [d for d in rec.doubts if d != DOUBT_SEVERAL_LABELS]
                        rec.notes.append("several row labels precede these numbers: only the nearest one keeps "
                                         "every sum rule with the rows printing no number read as empty")

    def unprinted_as_blank(self, records: dict[str, CellRecord]) -> None:
        """Once every table is read: rows printed without any number that nothing settled (no
        rule spans their rows: section 二, the one-row section 四) read as empty cells, each a 0,
        where the document prints zeros as empty cells (`blank_zeros`)."""
        if not self.blank_zeros:
            return
        for row in self._unprinted:
            recs = [records.get(c) for c in row.cells]
            # the table may have been read another way (by columns) that printed numbers here
            if any(rec is not row.records[c] or rec.guess.value is not None for c, rec in zip(row.cells, recs)):
                continue
            for rec in recs:
                rec.guess = CellGuess(0, None, "inferred")
                rec.reading = "lost_cell"
                rec.unique = False
                rec.notes.append("printed without numbers in a document that prints zeros as empty cells: read as 0")

    def _settle_order(self, table: Table, tie: "_OrderTie", records: dict[str, CellRecord]) -> None:
        """Mark the cells of a block whose column order the row sums left open (`order_open`),
        after the rules across rows had their say: another order that keeps as many of the
        table's sum rules as the read one, the rest of the table as read, and puts another
        value in a cell leaves that cell open.  Where the block's records are not its numbers
        as printed (a row solved otherwise, a unit converted), every tied order counts."""
        cells = [[table.field_id(hit.row, c) for c in table.row(hit.row).columns] for hit in tie.block]
        recs = [[records.get(f) for f in row] for row in cells]
        plain = all(rec is not None and len(rec.tokens) == 1 and rec.tokens[0] is self.tokens[i]
                    and rec.guess.value == v
                    for row, own, values in zip(recs, tie.first, tie.values)
                    for rec, i, v in zip(row, own, values))
        others = tie.others
        if plain and len(others) <= MAX_ORDER_CHECKS:
            fields = {f for row in cells for f in row}
            instances = [inst for inst in self.template.rule_instances()
                         if fields.intersection(inst.fields) and all(f in records for f in inst.fields)]

            def held(values: list[list]) -> int:
                at = {f: v for row, vs in zip(cells, values) for f, v in zip(row, vs)}
                value = lambda f: at[f] if f in at else records[f].guess.value  # noqa: E731
                score = 0
                for inst in instances:
                    vs = [value(f) for f in inst.fields]
                    if None in vs:
                        continue
                    lhs, rhs = sum(value(f) for f in inst.lhs), sum(value(f) for f in inst.rhs)
                    score += 1 if abs(lhs - rhs) < 1e-9 else -1
                return score

            read = held(tie.values)
            others = [o for o in others if held(o) >= read]
        for r, row in enumerate(recs):
            for c, rec in enumerate(row):
                if rec is not None:
                    rec.order_open = any(o[r][c] != tie.values[r][c] for o in others) or (
                        not plain and not rec.tokens)

    def _wrapped(self, hit: Hit, number_ids: list[int], covered: set[int]) -> list[Token]:
        """The lines a row label wraps onto (a text layer prints a long label's lines around
        the numbers at the row's middle): text between the label and its numbers and right
        after them, within the label's columns, each line at most a line height below the
        last, that no row label claims.  Without them a wrapped label looks shorter than its row."""
        first = self.tokens[hit.token]
        if not number_ids or first.bbox is None:
            return []
        left, right = first.bbox[0], first.bbox[2]
        bottom = max(t.bbox[3] for t in self.tokens[hit.token:hit.last_token + 1] if t.bbox)
        out: list[Token] = []
        before = range(hit.last_token + 1, number_ids[0])
        after = range(number_ids[-1] + 1, min(len(self.tokens), number_ids[-1] + 7))
        for i in [*before, *after]:
            t = self.tokens[i]
            if i in covered or t.kind != "text" or t.bbox is None or t.page != first.page:
                if i in before:
                    continue
                break
            height = t.bbox[3] - t.bbox[1]
            if t.bbox[1] - bottom > height:
                break  # a line further down: no longer this row
            if t.bbox[1] - bottom >= -height and left - 2 <= t.bbox[0] and t.bbox[2] <= right + 2:
                out.append(t)
                bottom = max(bottom, t.bbox[3])
            # else text of another label column at this height (a group label's next line)
        return out

    def _whole_table_by_columns(self, table: Table, hits: list[Hit], numbers: list[int]):
        """The section read as one column-scattered block, when its numbers exactly fill its rows."""
        ordered = sorted(hits, key=lambda h: (h.token, h.offset))
        if len(ordered) < 2 or len({h.row for h in ordered}) != len(ordered):
            return None
        columns = {table.row(h.row).columns for h in ordered}
        numbers = [i for i in numbers if not self.tokens[i].empty]
        if len(columns) != 1 or len(numbers) != len(ordered) * len(next(iter(columns))):
            return None
        return self._scattered(table, ordered, numbers)

    def _whole_table_with_a_cell_by_its_label(self, table: Table, hits: list[Hit], numbers: list[int]):
        """The section read as one column-scattered block when its numbers exactly fill its rows and
        one of them stands among the row labels, right after one (pdfminer printed a cell close to
        its row's label with the label, the rest of its column in the column's box): that number is
        the row's cell in the column whose run is one short.  Which column's run that is, the row
        sums choose; a tie reads nothing."""
        ordered = sorted(hits, key=lambda h: (h.token, h.offset))
        if len(ordered) < 2 or len({h.row for h in ordered}) != len(ordered) \
                or len({table.row(h.row).columns for h in ordered}) != 1:
            return None
        n, width = len(ordered), len(table.row(ordered[0].row).columns)
        numbers = [i for i in numbers if not self.tokens[i].empty]
        if width < 2 or width > MAX_PERMUTED_COLUMNS or len(numbers) != n * width:
            return None
        among = [i for i in numbers if ordered[0].token < i < ordered[-1].last_token]
        row_of = {h.last_token: r for r, h in enumerate(ordered)}
        if len(among) != 1 or among[0] - 1 not in row_of:
            return None
        cell, r0 = among[0], row_of[among[0] - 1]
        if ordered[r0 + 1].token != cell + 1:
            return None  # the next label does not follow it: not a cell printed with its label
        rest = [i for i in numbers if i != cell]
        equations = [row_equations(self.template, [table.field_id(hit.row, c) for c in table.row(hit.row).columns])
                     for hit in ordered]
        fits = []
        for p in range(width):
            short = rest[p * n:p * n + n - 1]
            run = rest[:p * n] + short[:r0] + [cell] + short[r0:] + rest[p * n + n - 1:]
            chunks = [run[c * n:(c + 1) * n] for c in range(width)]
            fits.append((max(self._permutation_fits(equations, chunks, _permutations(width))), run))
        top = max(fit for fit, _ in fits)
        best = [run for fit, run in fits if fit == top]
        if len(best) != 1 or not top:
            return None
        return self._scattered(table, ordered, best[0])

    def _whole_table_by_headers(self, table: Table, hits: list[Hit], numbers: list[int]):
        """The table read as one column-scattered block from the runs under its column headers
        (`header_runs.column_runs`), when every row label comes before any number: the block and
        the numbers it takes (they may run past the section's end), else (None, empty set)."""
        ordered = sorted(hits, key=lambda h: (h.token, h.offset))
        if len(ordered) < 2 or len({h.row for h in ordered}) != len(ordered) \
                or len({table.row(h.row).columns for h in ordered}) != 1:
            return None, set()
        last = ordered[-1].last_token
        if any(i <= last for i in numbers):
            return None, set()
        runs = column_runs(table, self.tokens, last + 1, len(ordered))
        if runs is None:
            return None, set()
        run = [i for r in runs for i in r.numbers]
        if not set(numbers) <= set(run) or any(i in self._claimed for i in run):
            return None, set()  # numbers of the section no header heads
        return self._scattered(table, ordered, run), set(run)

    def _pages_by_columns(self, table: Table, hits: list[Hit], numbers: list[int]):
        """The section read page by page as column-scattered blocks, when every page's numbers
        fill whole rows and the rows they fill are at most the labels found.

        pdfminer prints each cell of a ruled table as its own box, a page's cells column after
        column, with the column headers between them (which end a run of numbers).  A row's
        label and its cells may fall on different pages (a label wrapping over the page break),
        so each page takes as many of the labels, in order, as its numbers fill rows."""
        ordered = sorted(hits, key=lambda h: (h.token, h.offset))
        if len(ordered) < 2 or len({h.row for h in ordered}) != len(ordered):
            return None
        columns = {table.row(h.row).columns for h in ordered}
        if len(columns) != 1:
            return None
        width = len(next(iter(columns)))
        pages: dict[int | None, list[int]] = {}
        for i in numbers:
            if not self.tokens[i].empty:
                pages.setdefault(self.tokens[i].page, []).append(i)
        if len(pages) < 2 or width < 2 or any(len(run) % width for run in pages.values()):
            return None
        if sum(len(run) for run in pages.values()) > len(ordered) * width:
            return None
        groups, at = [], 0
        for run in pages.values():
            block = ordered[at:at + len(run) // width]
            at += len(block)
            groups.extend(self._scattered(table, block, run) if len(block) > 1
                          else [(block[0], run, None, True, None)])
        groups.extend((hit, [], None, False, None) for hit in ordered[at:])
        return groups

    def _some_pages_by_columns(self, table: Table, hits: list[Hit], numbers: list[int]):
        """The section read page by page: column-scattered where a page's numbers exactly fill
        the rows whose labels it prints, label by label on the other pages.

        pdfminer need not print every page of a table the same way: one page's cells come
        column after column, the next page's in boxes of a row or two (or some of its cells
        run past the next heading).  Without this, one such page kept every page from being
        read by columns."""
        ordered = sorted(hits, key=lambda h: (h.token, h.offset))
        if len(ordered) < 2 or len({h.row for h in ordered}) != len(ordered):
            return None
        columns = {table.row(h.row).columns for h in ordered}
        width = len(next(iter(columns)))
        if len(columns) != 1 or width < 2:
            return None
        pages = sorted({self.tokens[h.token].page for h in ordered} | {self.tokens[i].page for i in numbers},
                       key=lambda p: (p is None, p))
        if len(pages) < 2:
            return None
        groups, scattered, other = [], 0, 0
        for page in pages:
            labels = [h for h in ordered if self.tokens[h.token].page == page]
            on_page = [i for i in numbers if self.tokens[i].page == page]
            printed = [i for i in on_page if not self.tokens[i].empty]
            if len(labels) > 1 and len(printed) == len(labels) * width:
                groups.extend(self._scattered(table, labels, printed))
                scattered += 1
            elif labels:
                groups.extend(self._group(table, labels, on_page))
                other += 1
        return groups if scattered and other else None

    def _preference(self, records: dict[str, CellRecord]) -> tuple[int, int]:
        return self._rules_held(records), sum(rec.guess.value is not None for rec in records.values())

    def _rules_held(self, records: dict[str, CellRecord]) -> int:
        """Rule instances a reading of the table satisfies, less those it breaks."""
        score = 0
        for inst in self.template.rule_instances():
            values = [records[f].guess.value if f in records else None for f in inst.fields]
            if None in values:
                continue
            lhs = sum(records[f].guess.value for f in inst.lhs)
            rhs = sum(records[f].guess.value for f in inst.rhs)
            score += 1 if abs(lhs - rhs) < 1e-9 else -1
        return score

    def _settle_jointly(self, rows: list["_Row"], records: dict[str, CellRecord], zeros_printed: bool = False) -> None:
        """Rows their own sums leave open (several splits, or printed without numbers), settled
        by the rules across rows (column sums, the 勾稽 balance).

        Every combination of the rows' readings that satisfies every rule is a solution; a
        cell all solutions agree on is settled (still recorded as derived), otherwise it
        keeps the candidates the solutions give.  When no combination fits (a printed table
        that is wrong), the rows are read with one printed total taken as wrong where the table
        does not print its zeros (`_settle_with_one_total_wrong`), else stay as their own sums
        left them: in a table that prints its zeros, a row printed short lost numbers.
        """
        open_rows = [r for r in rows if len(r.readings) > 1 or (r.readings and None in r.readings[0][0])]
        if not open_rows:
            return
        cells = [c for r in rows for c in r.cells]
        index = {c: i for i, c in enumerate(cells)}
        equations = self._equations_over(index)
        row_of = [r for r, row in enumerate(rows) for _ in row.cells]
        if not any(len({row_of[i] for i in lhs + rhs}) > 1 for lhs, rhs in equations):
            return  # no rule spans rows (section 二): nothing to settle
        signed = [self.template.column_of(c).signed for c in cells]
        # first as if rows printed without numbers were printed empty (zeros), then as lost
        found = None
        # rules no choice can change are left out; a row printed without numbers stays a choice
        # (read as empty or as lost) even while it is tried as empty
        informative = _open_equations([r.readings for r in rows], equations, row_of)
        if any(r.empty for r in rows):
            readings = [[r.empty] if r.empty else r.readings for r in rows]
            found = joint_solutions(readings, informative, signed, limit=JOINT_LIMIT)
            self.blank_zeros = self.blank_zeros or bool(found)
            # a table printed wrong, not rows that lost their numbers: rows read as lost would
            # absorb the wrong total and leave the table unsettled
            if not found and not zeros_printed and \
                    self._settle_with_one_total_wrong(rows, records, informative, signed):
                return
        if not found:
            readings = [r.readings for r in rows]
            found = joint_solutions(readings, informative, signed, limit=JOINT_LIMIT)
            if not found:  # no combination fits: the printed table is wrong
                if not any(r.empty for r in rows) and not zeros_printed:
                    self._settle_with_one_total_wrong(rows, records, informative, signed)
                return
        offset_of = [index[row.cells[0]] for row in rows]
        open_cells = [offset_of[r] + k for r, row in enumerate(rows) if row in open_rows for k in range(len(row.cells))]
        # too many combinations to list: a cell is settled only where a search proves that no
        # combination gives it another value
        agreed = agreed_cells(readings, informative, signed, found, open_cells, budget=JOINT_BUDGET) \
            if len(found) >= JOINT_LIMIT else None
        best = max(found, key=lambda sol: sum(row.prior(readings[r][j][0]) for r, (row, j) in
                                              enumerate(zip(rows, sol[1]))))
        offset = 0
        for r, row in enumerate(rows):
            if row in open_rows:
                for k, cell in enumerate(row.cells):
                    reading_ids = {sol[1][r] for sol in found}
                    rec = records[cell]
                    rec.unique = False  # its own print left it open
                    chosen = readings[r][best[1][r]]
                    values, settled, settled_source = _settlement(found, agreed, readings, r, k, offset + k)
                    if settled:
                        source = settled_source
                        rec.guess = CellGuess(values[0], source, "inferred", readings=len(found))
                        rec.by_columns = True
                        rec.notes.append("settled by the rules across rows" + (
                            "" if agreed is None else
                            " (too many combinations to list: a search proved none gives another value)"))
                    else:
                        source = chosen[1][k] if len(reading_ids) == 1 else None
                        rec.guess = CellGuess(best[0][offset + k], source, "ambiguous", values, len(found))
                    rec.tokens = [row.tokens[source]] if source is not None else []
                    shared = Counter(s for s in chosen[1] if s is not None)
                    rec.reading = _reading(rec.guess, shared, len(row.tokens), len(row.cells))
            offset += len(row.cells)
        if any(row.blank for row in rows) and not zeros_printed:
            self._doubt_lost_numbers(rows, records, informative, signed)

    def _one_total_wrong(self, rows: list["_Row"], equations: list, signed: list[bool]):
        """The combinations of the rows' readings that keep every rule but those of one printed
        total, which is taken as wrong: in its rules it stands for what they need, its printed
        value stays the cell's value.  A total printed wrong breaks each rule it is in (a row
        total: its row's and its column's), so no placement keeps every rule.  Rows printed with
        fewer numbers than cells and no placement of their own are read as their blank placements,
        rows printed without numbers as empty.  Only totals (a rule's right side) are tried: the
        totals of real tables are where they go wrong, and a part printed wrong would fit any
        placement of its row.  Returns (combinations, the rows' readings, whether every
        combination was listed, the totals named), or None when there is none."""
        readings = [[r.empty] if r.empty else r.blank or r.readings for r in rows]
        if not any(r.blank or r.empty for r in rows):
            return None
        row_of = [(r, k) for r, row in enumerate(rows) for k in range(len(row.cells))]
        n = len(row_of)
        found, wrong, listed = [], set(), True
        for c in sorted({i for _, rhs in equations for i in rhs}):
            r, k = row_of[c]
            if any(values[k] is None for values, _ in readings[r]):
                continue  # an open cell is no printed total
            moved = [(tuple(n if i == c else i for i in lhs), tuple(n if i == c else i for i in rhs))
                     for lhs, rhs in equations]
            sols = joint_solutions(readings + [[([None], [None])]], moved, signed + [signed[c]],
                                   limit=JOINT_LIMIT)
            # too many to list, or too open to search: what the listed ones agree on is unproven
            listed = listed and sols is not None and len(sols) < JOINT_LIMIT
            if sols:
                wrong.add(c)
                found += [(values[:n], chosen[:-1]) for values, chosen in sols]
        if not found:
            return None
        cells = [c for r in rows for c in r.cells]
        return found, readings, listed, ", ".join(cells[c] for c in sorted(wrong))

    def _settle_with_one_total_wrong(self, rows: list["_Row"], records: dict[str, CellRecord],
                                     equations: list, signed: list[bool]) -> bool:
        """Rows the rules across rows leave open in a table no placement fits, placed where a
        single printed total is wrong and every other value fits (`_one_total_wrong`).  A cell
        every such combination, over every total tried, gives one value is settled; otherwise it
        keeps the candidates.  Never `ok` (a reading that assumes a printed value wrong):
        `one_total_wrong` says which.  Whether any combination was found."""
        alt = self._one_total_wrong(rows, equations, signed)
        if alt is None:
            return False
        found, readings, listed, named = alt
        best = max(found, key=lambda sol: sum(row.prior(readings[r][sol[1][r]][0]) for r, row in enumerate(rows)))
        offset = 0
        for r, row in enumerate(rows):
            if row.empty:
                # printed without numbers, read as empty: what every other blank-zero row printed
                # without numbers reads (unprinted_as_blank), whichever total is wrong
                for cell in row.cells:
                    rec = records[cell]
                    rec.guess, rec.reading, rec.unique = CellGuess(0, None, "inferred"), "lost_cell", False
                    rec.notes.append("printed without numbers in a document that prints zeros as empty cells: read as 0")
            elif len(row.readings) > 1 or (row.readings and None in row.readings[0][0]):
                chosen = readings[r][best[1][r]]
                for k, cell in enumerate(row.cells):
                    rec = records[cell]
                    values, settled, source = _settlement(found, None if listed else {}, readings, r, k, offset + k)
                    rec.unique = False
                    if settled:
                        # not `by_columns`: never ok itself, it must not make the values printed
                        # beside it count as read in a scattered order
                        rec.guess = CellGuess(values[0], source, "inferred", readings=len(found))
                        rec.one_total_wrong = named
                        rec.notes.append(f"placed by the rules across rows with one printed total taken as "
                                         f"wrong ({named}): no placement keeps every rule")
                    else:
                        source = chosen[1][k] if len({sol[1][r] for sol in found}) == 1 else None
                        rec.guess = CellGuess(best[0][offset + k], source, "ambiguous", values, len(found))
                    rec.tokens = [row.tokens[source]] if source is not None else []
                    rec.reading = _reading(rec.guess, Counter(s for s in chosen[1] if s is not None),
                                           len(row.tokens), len(row.cells))
            offset += len(row.cells)
        return True

    def _doubt_lost_numbers(self, rows: list["_Row"], records: dict[str, CellRecord],
                            equations: list, signed: list[bool]) -> None:
        """A table the rules settle only by reading a row's missing cells as lost numbers, where
        the row's blank placements break its own rules: in a table that prints its zeros as empty
        cells, a converter drops the blanks, not numbers, so the row's own print may say a total
        was printed wrong (a 总计 cell left empty over parts 1 + 2).  Where one total taken as wrong
        reads a cell otherwise, the cell has both values as candidates and shows the one read
        with the blanks as printed: a printed value is never silently replaced by what the rules
        want (`_one_total_wrong`)."""
        alt = self._one_total_wrong(rows, equations, signed)
        if alt is None:
            return
        found, readings, _, named = alt
        best = max(found, key=lambda sol: sum(row.prior(readings[r][sol[1][r]][0]) for r, row in enumerate(rows)))
        offset = 0
        for r, row in enumerate(rows):
            for k, cell in enumerate(row.cells):
                rec = records[cell]
                values = {sol[0][offset + k] for sol in found}
                if rec.guess.value is None or values == {rec.guess.value}:
                    continue
                shown = best[0][offset + k]
                candidates = sorted(values | {rec.guess.value} | set(rec.guess.candidates or ()))
                source = readings[r][best[1][r]][1][k]
                rec.guess = CellGuess(shown, source, "ambiguous", candidates, len(found))
                rec.tokens = [row.tokens[source]] if source is not None else []
                rec.reading = _reading(rec.guess, Counter(), len(row.tokens), len(row.cells))
                rec.one_total_wrong = named
                rec.notes.append(f"read with its row's blanks as printed and a printed total taken as wrong "
                                 f"({named}); the rules read it otherwise with numbers lost from the row")
            offset += len(row.cells)

    def _settle_by_narrative(self, rows: list["_Row"], records: dict[str, CellRecord]) -> None:
        """Cells the rules leave open among several placements of the printed numbers, narrowed
        to the placements that agree with what the narrative states (行政复议0起 puts a `1 1`
        section 四 row among the litigation cells).  Only a choice among placements the rules
        allow: a printed value never changes, and statements no placement fits change nothing.
        A cell every remaining placement gives one value is settled `by_narrative` (never ok:
        a narrative may be wrong, and it then agrees with the table by construction).  Rows printed
        without numbers are left to `unprinted_as_blank`: the narrative places no printed number there."""
        open_cells = {c for row in rows if row.tokens for c in row.cells if records[c].guess.how == "ambiguous"}
        cells = [c for row in rows for c in row.cells]
        # every statement about these rows, those on settled cells too: a narrative that contradicts
        # what the rules settled fits no placement, and is trusted with none
        stated = [st for st in self.stated if set(st.fields) <= set(cells)]
        if not any(open_cells.intersection(st.fields) for st in stated):
            return
        index = {c: i for i, c in enumerate(cells)}
        readings = [r.readings + ([r.empty] if r.empty and r.empty not in r.readings else [])
                    if open_cells.intersection(r.cells) else
                    [([records[c].guess.value for c in r.cells], [None] * len(r.cells))] for r in rows]
        row_of = [r for r, row in enumerate(rows) for _ in row.cells]
        equations = _open_equations(readings, self._equations_over(index), row_of)
        # each statement as a row of one cell printing the stated number, summed by an equation
        for st in stated:
            equations.append((tuple(index[f] for f in st.fields), (len(row_of),)))
            readings.append([([st.stated], [None])])
            row_of.append(len(readings) - 1)
        signed = [self.template.column_of(c).signed for c in cells] + [False] * len(stated)
        found = joint_solutions(readings, equations, signed, limit=JOINT_LIMIT)
        if not found:
            return  # the narrative fits no placement (or too open to search): it only checks
        wanted = [index[c] for c in cells if c in open_cells]
        agreed = agreed_cells(readings, equations, signed, found, wanted, budget=JOINT_BUDGET) \
            if len(found) >= JOINT_LIMIT else None
        best = max(found, key=lambda sol: sum(row.prior(readings[r][sol[1][r]][0]) for r, row in enumerate(rows)))
        about = "; ".join(dict.fromkeys(st.text for st in stated))
        for r, row in enumerate(rows):
            offset = index[row.cells[0]]
            chosen = readings[r][best[1][r]]
            for k, cell in enumerate(row.cells):
                if cell not in open_cells:
                    continue
                at = offset + k
                rec = records[cell]
                values, settled, source = _settlement(found, agreed, readings, r, k, at)
                if settled:
                    rec.guess = CellGuess(values[0], source, "inferred", readings=len(found))
                    rec.by_narrative = True
                    rec.notes.append(f"placed where the narrative puts it ({about!r})")
                elif values:
                    source = chosen[1][k] if len({sol[1][r] for sol in found}) == 1 else None
                    rec.guess = CellGuess(best[0][at], source, "ambiguous", values, len(found))
                else:
                    continue
                rec.tokens = [row.tokens[rec.guess.source]] if rec.guess.source is not None else []
                shared = Counter(s for s in chosen[1] if s is not None)
                rec.reading = _reading(rec.guess, shared, len(row.tokens), len(row.cells))

    # -- which numbers belong to which row -------------------------------------------
    def _group(self, table: Table, hits: list[Hit], numbers: list[int]):
        """Walk labels and number runs in order.

        A run after one pending label is that row's.  A run after several labels is a
        column-scattered block when it exactly fills the leading labels that share a
        column set (pdfminer prints labels, then numbers column by column); otherwise
        the earlier labels lost their numbers and the run belongs to the last label.  A run
        standing on the last label's line is that row's: the rows above printed no numbers.
        """
        # (label, numbers, doubt, scattered, the column orders its block tied with)
        groups: list[tuple[Hit, list[int], str | None, bool, _OrderTie | None]] = []
        pending: list[Hit] = []
        # label text that names no row (an extra row a body added, a repeated header) ends a
        # number run, so its numbers never run on into the previous row's cells
        covered = {i for h in hits for i in range(h.token, h.last_token + 1)}
        lo, hi = (min(numbers), max(numbers)) if numbers else (0, -1)
        separators = [i for i in range(lo, hi + 1) if self.tokens[i].kind != "number" and i not in covered]
        events = sorted([(h.token, 0, h) for h in hits] + [(n, 1, n) for n in numbers]
                        + [(i, 2, i) for i in separators], key=lambda e: (e[0], e[1]))
        orphan: list[int] = []  # the last run no pending label claimed
        run_before: set[int] = set()  # labels printing no numbers right after a several-labels run
        orphan_after = -1  # the group it followed
        k = 0
        while k < len(events):
            if events[k][1] != 1:
                if events[k][1] == 0:
                    pending.append(events[k][2])
                k += 1
                continue
            run = []
            while k < len(events) and events[k][1] == 1:
                run.append(events[k][2])
                k += 1
            if not pending and groups and groups[-1][1] and groups[-1][2] is None \
                    and all(self.tokens[i].empty for i in groups[-1][1]) \
                    and any(not self.tokens[i].empty and not self.tokens[i].blank for i in run):
                # numbers no row label claims after a row of empty cells only (a label wrapped in
                # its cell, its numbers on the next line): they may be that row's, not its blanks
                hit, ids, _, scattered, tie = groups[-1]
                groups[-1] = (hit, ids, DOUBT_NOT_LEVEL, scattered, tie)
                run = []  # (so never given to the next label either)
            if not pending:
                self._doubt_before_unclaimed(groups, orphan, orphan_after)  # an earlier run stays unclaimed
                orphan, orphan_after = run, len(groups) - 1
                continue
            if orphan and len(pending) > 1 and self._fills_row(table, pending[0], orphan) \
                    and self.tokens[pending[0].token].line_no - self.tokens[orphan[-1]].line_no <= 1:
                # a text layer prints a wrapped label's numbers at its middle line, before the label
                # (pypdf: `327 30 1 0 0 8 366` / 一、本年新收…数 / 量 / 二、上年结转…): the label
                # printed none after it, the numbers on the line right above it fill exactly its row
                groups.append((pending.pop(0), orphan, None, False, None))
            else:
                self._doubt_before_unclaimed(groups, orphan, orphan_after)
            orphan = []
            if len(pending) > 1:
                # pdfminer prints a block's column headers between its columns of numbers: runs
                # up to the next row label that together exactly fill the pending rows are one block
                width = len(table.row(pending[0].row).columns)
                same = all(table.row(h.row).columns == table.row(pending[0].row).columns for h in pending)
                j, longer = k, list(run)
                while j < len(events) and events[j][1] != 0:
                    if events[j][1] == 1:
                        longer.append(events[j][2])
                    j += 1
                if same and len(run) < len(pending) * width == len(longer):
                    run, k = longer, j
            stacked = self._stacked_rows(table, pending, run)
            if stacked:
                groups.extend(stacked)
                pending, run = [], []
            if len(pending) > 1 and (self._level_with_last(pending, run) or self._amid_last_label(pending, run)):
                groups.extend((hit, [], None, False, None) for hit in pending[:-1])
                pending = pending[-1:]
            while run and pending:
                if len(pending) == 1:
                    hit = pending.pop()
                    after = self._next_label_without_numbers(events, k)
                    width = len(table.row(hit.row).columns)
                    if after is not None and len(run) == 2 * width \
                            and table.row(after.row).columns == table.row(hit.row).columns \
                            and self._fills_row(table, hit, run[:width]) and self._fills_row(table, after, run[width:]):
                        # the next label's numbers printed before it, at its wrapped lines' middle
                        # (pypdf): each half fills one row exactly, and that label prints none after it
                        groups.append((hit, run[:width], None, False, None))
                        groups.append((after, run[width:], None, False, None))
                        k = next(j for j in range(k, len(events)) if events[j][1] == 0 and events[j][2] is after) + 1
                    else:
                        groups.append((hit, run, None, False, None))
                    run = []
                    break
                columns = table.row(pending[0].row).columns
                block = []
                for hit in pending:
                    if table.row(hit.row).columns != columns:
                        break
                    block.append(hit)
                if len(block) > 1 and len(run) >= len(block) * len(columns):
                    used = len(block) * len(columns)
                    groups.extend(self._scattered(table, block, run[:used]))
                    del pending[:len(block)]
                    run = run[used:]
                else:
                    # most likely the earlier rows printed no numbers, but a scattered
                    # layout with lost cells looks the same: never "ok", neither the run nor the
                    # earlier rows (two labels in one cell: the run may be theirs, and the rules
                    # then settle the last row's values in theirs as well as theirs in the last's)
                    last = pending.pop()
                    if self._amid_own_label(table, last, run, covered):
                        # ... unless the run stands between the last label's lines (a text layout
                        # centres a row's numbers on its wrapped label): that label's
                        groups.extend((hit, [], None, False, None) for hit in pending)
                        groups.append((last, run, None, False, None))
                        pending, run = [], []
                        continue
                    groups.extend((hit, [], DOUBT_SEVERAL_LABELS, False, None) for hit in pending)
                    owners = [h.row for h in pending] + [last.row]
                    pending = []
                    groups.append((last, run, DOUBT_SEVERAL_LABELS, False, None))
                    # a text layer may print a row's numbers before its label (pypdf: `8.属于行政查询事项`
                    # / `2 2` / `（四）无法提供` / `1.本机关不掌握…`): the next label, printing none
                    # of its own, may own the run where the two rows keep every rule either way
                    after = self._next_label_without_numbers(events, k)
                    if after is not None and interchangeable(self.template.key, table.id, last.row, after.row):
                        run_before.add(id(after))
                        owners.append(after.row)
                    self._several.append((table.id, owners, last.row))
                    run = []
        self._doubt_before_unclaimed(groups, orphan, orphan_after)
        groups.extend((hit, [], None, False, None) for hit in pending)
        groups = [(hit, ids, DOUBT_SEVERAL_LABELS if doubt is None and not ids and id(hit) in run_before else doubt,
                   scattered, tie) for hit, ids, doubt, scattered, tie in groups]
        return self._past_other_parts(table, groups)

    def _amid_own_label(self, table: Table, hit: Hit, run: list[int], covered: set[int]) -> bool:
        """The run stands on one line between the label's first line and its last: the line right
        after the run is unclaimed text ending one of the row's labels (`4．保护第三方` / `1 1` /
        `合法权益`).  Not a group label or another row's label after the run (pypdf prints a row's
        numbers before its label: `8.属于行政查询事项` / `2 2` / `（四）无法提供`)."""
        after = run[-1] + 1
        lines = {self.tokens[i].line_no for i in run}
        if after >= len(self.tokens) or after in covered or len(lines) != 1:
            return False
        line, rest = lines.pop(), self.tokens[after]
        if rest.kind != "text" or self.tokens[hit.last_token].line_no != line - 1 or rest.line_no != line + 1:
            return False
        tail = squash(rest.text)
        return len(tail) >= 2 and not squash(hit.text).endswith(tail) and any(
            squash(v).endswith(tail) for v in row_labels(table.id).get(hit.row, ()))

    def _past_other_parts(self, table: Table, groups):
        """Groups whose numbers stand after another sub-table's heading than their row's get a
        layout doubt: pdfminer may print a sub-table's numbers before its row labels, so the
        numbers after a label and the next heading (第二十条第（六）项) are the next sub-table's
        (行政许可 took （六）'s 0, ok, for its 5704 printed before it)."""
        parts = {squash(row.part): row.part for row in table.rows if row.part}
        if not parts:
            return groups
        headings = [(i, parts[squash(t.text)]) for i, t in enumerate(self.tokens)
                    if t.kind == "text" and squash(t.text) in parts]
        out = []
        for hit, ids, doubt, scattered, tie in groups:
            part = table.row(hit.row).part
            if ids and doubt is None and any(hit.last_token < i < ids[0] and other != part for i, other in headings):
                doubt = DOUBT_NOT_LEVEL
            out.append((hit, ids, doubt, scattered, tie))
        return out

    def _doubt_before_unclaimed(self, groups: list, orphan: list[int], after: int) -> None:
        """A run of numbers no row label claimed, right after row `after`'s numbers: either run may
        be that row's (its wrapped label's numbers on the line below, or another row's)."""
        if after < 0 or after != len(groups) - 1 or groups[after][2] is not None or not groups[after][1] or \
                sum(not self.tokens[i].empty and not self.tokens[i].blank for i in orphan) < 2:
            return
        hit, ids, _, scattered, tie = groups[after]
        groups[after] = (hit, ids, DOUBT_UNCLAIMED_AFTER, scattered, tie)

    def _stacked_rows(self, table: Table, labels: list[Hit], run: list[int]):
        """Groups of pending labels whose run is one printed row of cells each stacking their
        rows' numbers (`_stacked_cells`), when the labels share a column set the run fills."""
        columns = table.row(labels[0].row).columns
        if len(labels) < 2 or len(run) != len(labels) * len(columns) \
                or any(table.row(h.row).columns != columns for h in labels) \
                or not _stacked_cells([(self.tokens[i].line_no, self.tokens[i].cell_no) for i in run], len(labels)):
            return None
        n = len(labels)
        return [(hit, run[r::n], None, False, None) for r, hit in enumerate(labels)]

    def _level_with_last(self, labels: list[Hit], run: list[int]) -> bool:
        """Every cell of the run stands on the last label's line and no earlier label's: a
        table printed row by row whose earlier rows are blank, not a column-scattered block,
        whose numbers stand on lines of their own (even when the character grid gives the row
        more cells than its table has: the columns of other lines of its page)."""
        line = self.tokens[labels[-1].token].line_no
        return line is not None and all(self.tokens[i].line_no == line for i in run) \
            and all(self.tokens[h.token].line_no != line for h in labels[:-1])

    def _amid_last_label(self, labels: list[Hit], run: list[int]) -> bool:
        """The run is printed inside the last label's wrapped lines, as a renderer centres a row's
        numbers on its tall cell (`3.危及“三安全` / `1 1` / `一稳定”`): the run follows the
        label's text directly and the next token continues the label in the label's column,
        below the run. The earlier labels' cells end above the run: their rows printed nothing.
        Positions only: a text dump's order proves nothing."""
        last = labels[-1]
        after = run[-1] + 1
        if run[0] != last.last_token + 1 or after >= len(self.tokens):
            return False
        label, continued = self.tokens[last.token], self.tokens[after]
        boxes = [self.tokens[i].bbox for i in run]
        if label.bbox is None or continued.bbox is None or None in boxes or continued.kind != "text" \
                or _ENUMERATED.match(continued.text) \
                or len({label.page, continued.page, *(self.tokens[i].page for i in run)}) != 1:
            return False
        lx0, _, lx1, _ = label.bbox
        cx0, ctop, cx1, _ = continued.bbox
        label_bottom = self.tokens[last.last_token].bbox[3] if self.tokens[last.last_token].bbox else None
        overlap = min(lx1, cx1) - max(lx0, cx0)
        centres = [(b[1] + b[3]) / 2 for b in boxes]
        earlier_bottom = max((self.tokens[h.last_token].bbox[3] for h in labels[:-1]
                              if self.tokens[h.last_token].bbox is not None), default=None)
        return label_bottom is not None and overlap > 0.5 * min(lx1 - lx0, cx1 - cx0) \
            and all(label_bottom <= c <= ctop for c in centres) \
            and (earlier_bottom is None or earlier_bottom <= label.bbox[1])

    @staticmethod
    def _next_label_without_numbers(events: list, k: int) -> Hit | None:
        """The row label next in `events` from k on, where no number run stands between it and
        the label after it (or the end)."""
        j = k
        while j < len(events) and events[j][1] == 2:
            j += 1
        if j >= len(events) or events[j][1] != 0:
            return None
        for e in events[j + 1:]:
            if e[1] == 1:
                return None
            if e[1] == 0:
                break
        return events[j][2]

    def _fills_row(self, table: Table, hit: Hit, run: list[int]) -> bool:
        """Whether printed numbers are exactly one row's cells: as many, none empty, its row sums
        kept, level with its label where positions are known."""
        cells = [table.field_id(hit.row, c) for c in table.row(hit.row).columns]
        tokens = [self.tokens[i] for i in run]
        if len(tokens) != len(cells) or any(t.empty or (t.value is None and not t.blank) for t in tokens):
            return False
        if not level_with(self.tokens[hit.token:hit.last_token + 1], tokens):
            return False
        equations = row_equations(self.template, cells)
        return bool(equations) and _sums_hold(equations, tokens)

    def _scattered(self, table: Table, block: list[Hit], run: list[int]):
        """Read a column-scattered block by the reading that best fits the row sums.

        pdfminer prints a block column by column, but not always in the printed
        column order (a 总计 column can come out before 其他).  Candidate readings:
        column chunks in every order, and plain row-major.  The identity order wins
        ties; when equally good readings disagree on a value, the block is doubted.
        """
        n_rows, width = len(block), len(run) // len(block)
        cells = [(self.tokens[i].line_no, self.tokens[i].cell_no) for i in run]
        lines = {line for line, _ in cells}
        if len(lines) == 1 and all(a[1] < b[1] for a, b in zip(cells, cells[1:])) \
                and not any(self.tokens[h.token].line_no in lines for h in block):
            # the numbers sit in the cells of one printed row of values without a label (section
            # 四's row under its three headers): the rows side by side, as printed; no converter
            # scatters columns within a row
            return [(hit, run[r * width:(r + 1) * width], None, False, None) for r, hit in enumerate(block)]
        chunks = [run[c * n_rows:(c + 1) * n_rows] for c in range(width)]
        identity = [[chunks[c][r] for c in range(width)] for r in range(n_rows)]
        if _stacked_cells(cells, n_rows):
            return [(hit, own, None, False, None) for hit, own in zip(block, identity)]
        if width == 1:
            # labels sharing one printed row (`|行政处罚<br>行政强制||15||`: a converter merged two
            # rows' cells, the blank one lost within the merged cell) with an empty cell among the
            # numbers: the empty cell may be padding, and which row owns a number the print no
            # longer says
            shared = any(self.tokens[i].empty for i in run) and len(
                {self.tokens[i].line_no for i in run} | {self.tokens[h.token].line_no for h in block}) == 1
            return [(hit, own, DOUBT_PADDING if shared else None, True, None) for hit, own in zip(block, identity)]
        equations = [row_equations(self.template, [table.field_id(hit.row, c) for c in table.row(hit.row).columns])
                     for hit in block]
        headed = chunk_columns(table, table.row(block[0].row).columns, self.tokens, run, n_rows)
        # a header inside a chunk: pdfminer's column boxes differ in length (a column's cells split
        # over two boxes), so equal chunks mix columns, and an order that fits the sums proves little
        unchunked = DOUBT_HEADERS_ACROSS if headed is None else None
        if headed and any(c != k for c, k in headed.items()) and len(set(headed.values())) == len(headed) \
                and width <= MAX_PERMUTED_COLUMNS:
            return self._scattered_by_headers(block, chunks, equations, headed)
        readings = [identity, [run[r * width:(r + 1) * width] for r in range(n_rows)]]
        readings += _first_row_pulled(run, n_rows, width)
        fits = [self._fit(equations, order) for order in readings]
        perms: tuple[tuple[int, ...], ...] = ()
        # with no sum rule over the block (section 二) every column order fits as well as the
        # printed one: a cell that readings in printed order agree on is still not settled
        rules = sum(map(len, equations))
        if (fits[0] < rules or not rules) and width <= MAX_PERMUTED_COLUMNS:
            perms = _permutations(width)
            perm_fits = self._permutation_fits(equations, chunks, perms)
        top = max(fits + ([max(perm_fits)] if perms else []))
        # the best readings in order (identity, row-major, column orders): the first is read,
        # and the block is doubted when any other best one gives different values
        best = [o for o, fit in zip(readings, fits) if fit == top]
        tied = [k for k, fit in enumerate(perm_fits) if fit == top] if perms else []
        first = best[0] if best else [[chunks[c][r] for c in perms[tied[0]]] for r in range(n_rows)]
        others = self._permutations_read(chunks, _permutation_array(width)[tied[0 if best else 1:]], first)
        others += [[[self.tokens[i].value for i in own] for own in order] for order in best[1:]]
        wanted = [[self.tokens[i].value for i in own] for own in first]
        others = [o for o in others if o != wanted]
        if not others:
            return [(hit, own, unchunked, True, None) for hit, own in zip(block, first)]
        tie = _OrderTie(block, first, wanted, others)
        return [(hit, own, DOUBT_SCATTERED, True, tie) for hit, own in zip(block, first)]

    def _scattered_by_headers(self, block: list[Hit], chunks: list[list[int]], equations: list,
                              headed: dict[int, int]):
        """A column-scattered block whose chunks' printed headers put them in another column order
        than printed (pdfminer may print 社会公益组织's box before 科研机构's): the column orders
        the headers allow, by the row sums; the printed order would put a number under another
        header with the sums as well kept.  Orders that fit the sums as well and read other values
        leave the block open, and so does a better fit only an order the headers deny gives."""
        n_rows, width = len(block), len(chunks)
        perms = _permutations(width)
        fits = self._permutation_fits(equations, chunks, perms)
        allowed = [k for k, p in enumerate(perms) if all(p[col] == c for c, col in headed.items())]
        top = max(fits[k] for k in allowed)
        tied = [k for k in allowed if fits[k] == top]
        if top < max(fits):
            tied += [k for k, fit in enumerate(fits) if fit == max(fits)]
        first = [[chunks[c][r] for c in perms[tied[0]]] for r in range(n_rows)]
        wanted = [[self.tokens[i].value for i in own] for own in first]
        others = [o for o in self._permutations_read(chunks, _permutation_array(width)[tied[1:]], first)
                  if o != wanted]
        if not others:
            return [(hit, own, None, True, None) for hit, own in zip(block, first)]
        tie = _OrderTie(block, first, wanted, others)
        return [(hit, own, DOUBT_SCATTERED, True, tie) for hit, own in zip(block, first)]

    def _permutations_read(self, chunks: list[list[int]], perms, first: list[list[int]]) -> list[list[list]]:
        """The distinct values (per row, per cell) the column orders (rows of the array `perms`)
        read (thousands may tie, a few dozen read distinct values)."""
        if not len(perms):
            return []
        import numpy as np

        codes: dict = {}  # one code per value, as tuples compare them (1 == 1.0, None apart)
        code = [[codes.setdefault(self.tokens[i].value, len(codes)) for i in chunk] for chunk in chunks]
        by_order = np.asarray(code).T[:, perms]  # (row, order, cell)
        wanted = np.asarray([[codes.setdefault(self.tokens[i].value, len(codes)) for i in own] for own in first])
        differ = (by_order != wanted[:, None, :]).any(axis=(0, 2))
        value_of = list(codes)
        distinct = np.unique(by_order[:, differ, :].transpose(1, 0, 2), axis=0)
        return [[[value_of[k] for k in row] for row in order] for order in distinct.tolist()]

    def _fit(self, equations: list[tuple], order: list[list[int]]) -> int:
        """How many within-row sum rules (`equations[r]` for row r) a reading satisfies."""
        fit = 0
        for r, own in enumerate(order):
            values = [self.tokens[i].value or 0 for i in own]
            fit += sum(abs(sum(values[i] for i in lhs) - sum(values[i] for i in rhs)) < 1e-9
                       for lhs, rhs in equations[r])
        return fit

    def _permutation_fits(self, equations: list[tuple], chunks: list[list[int]],
                          perms: list[tuple[int, ...]]) -> list[int]:
        """`_fit` of every column order at once (row r of order p reads chunk perm[i] in cell i).

        The sums are added in the same order as `_fit` adds them, in float64, which is exact
        for the printed counts; values too large for that take the plain path.  With whole
        numbers the order of additions does not matter, so a rule over every cell of a row
        (total = the rest) only needs the smaller side: the other is the row's sum less it."""
        import numpy as np

        n_rows, width = len(chunks[0]), len(chunks)
        values = [[self.tokens[chunks[c][r]].value or 0 for c in range(width)] for r in range(n_rows)]
        if any(abs(v) >= 2 ** 40 for row in values for v in row):
            return [self._fit(equations, [[chunks[c][r] for c in perm] for r in range(n_rows)]) for perm in perms]
        whole = all(type(v) is int for row in values for v in row)
        order = _permutation_array(width) if perms is _permutations(width) else np.asarray(perms)
        fits = np.zeros(len(perms), dtype=np.int64)
        rows_of: dict[tuple, list[int]] = {}  # rows with the same equations are scored together
        for r in range(n_rows):
            rows_of.setdefault(tuple(equations[r]), []).append(r)
        table = np.asarray(values, dtype=np.float64)  # (row, chunk)
        for same, rows in rows_of.items():
            block = table[rows]
            at = {}  # cell i of every order: (row, order)

            def cell(i: int):
                if i not in at:
                    at[i] = block[:, order[:, i]]
                return at[i]

            for lhs, rhs in same:
                if whole and sorted(lhs + rhs) == list(range(width)):
                    part = np.zeros((len(rows), len(perms)))
                    for i in min(lhs, rhs, key=len):
                        part = part + cell(i)
                    fits += (2 * part == block.sum(axis=1)[:, None]).sum(axis=0)
                    continue
                left, right = np.zeros((len(rows), len(perms))), np.zeros((len(rows), len(perms)))
                for i in lhs:
                    left = left + cell(i)
                for i in rhs:
                    right = right + cell(i)
                fits += (np.abs(left - right) < 1e-9).sum(axis=0)
        return fits.tolist()

    # -- cells -----------------------------------------------------------------------
    def _prior(self, cells: list[str], kinds: list[str], relations) -> Callable[[list], float]:
        """How plausible a reading of the row is: the hand-written prior, plus the learned
        magnitudes of the archive's values when there is a value prior."""
        learned = self.value_prior
        if learned is None:
            return lambda reading: plausibility(reading, kinds, relations)
        return lambda reading: plausibility(reading, kinds, relations) + WEIGHT * learned.score(cells, reading)

    def _unread_cell_on_line(self, hit: Hit, covered: set[int]) -> bool:
        """A cell of unread text in the row's number run on the label's line -- before its first
        number, a short one between two numbers, or one holding a digit right after its last --
        that is no row label and no repeat of one (a spanned label printed again): `1944x`,
        `见附件`.  It ends or shifts the row's number run, so its numbers may be cut short or
        misplaced.  (A heading or header after the run, as one-line texts print, ends the run.)"""
        last = self.tokens[hit.last_token]
        labels = {squash(self.tokens[i].text) for i in range(hit.token, hit.last_token + 1)}
        span = []
        for i in range(hit.last_token + 1, len(self.tokens)):
            token = self.tokens[i]
            if token.line_no != last.line_no or (i in covered and not _MISREAD_NUMBER.fullmatch(token.text.strip())):
                break  # the row's line ends, or the next row's label begins
            if not token.empty:
                span.append(token)

        def unread(t: Token) -> bool:
            return t.kind == "text" and t.cell_no > last.cell_no and squash(t.text) not in labels

        seen_number = False
        for k, token in enumerate(span):
            if token.kind == "number":
                seen_number = True
                continue
            if not unread(token):
                continue
            following = span[k + 1] if k + 1 < len(span) else None
            if not seen_number:
                return any(t.kind == "number" for t in span[k + 1:])
            if following is not None and following.kind == "number" and len(squash(token.text)) <= 4:
                return True
            return any(c.isdigit() for c in token.text)
        return False

    def _row(self, table: Table, cells: list[str], tokens: list[Token], hit: Hit | None,
             section: Section, zeros_shown: bool = True) -> "_Row":
        columns = [self.template.column_of(c) for c in cells]
        tokens = unsign_counts(tokens, [c.signed for c in columns])
        units = {k: header_unit(self.tokens, section, column.labels)
                 for k, column in enumerate(columns) if column.kind == "money"}

        def convert(k: int, printed: float | int, source: int | None) -> float | int:
            """A printed number as the value of cell k: money in yuan, whole counts as int."""
            token = tokens[source] if source is not None else None
            if columns[k].kind == "money":
                unit = (token.unit if token else None) or units.get(k) or columns[k].default_unit
                return to_yuan(printed, unit)
            return int(printed) if float(printed).is_integer() else printed

        values = [0 if t.blank else t.value for t in tokens]
        runs = {i: t.text.removesuffix(t.unit or "") for i, t in enumerate(tokens)
                if not t.blank and is_run(t.text.removesuffix(t.unit or ""))}
        index = {c.id: k for k, c in enumerate(columns)}
        relations = tuple((index[r.larger], index[r.smaller], r.holds) for r in table.plausible
                          if r.larger in index and r.smaller in index)
        kinds = [c.kind for c in columns]
        equations = row_equations(self.template, cells)
        signed = [c.signed for c in columns]
        # a row that shows no empty cell may have lost its blanks (a converter that drops them)
        lost = not any(t.empty for t in tokens)
        repaired = {i for i, t in enumerate(tokens) if t.repaired and not t.blank} if len(tokens) == len(cells) else set()
        misread = misread_readings(values, repaired, equations, signed)
        found = row_readings(values, len(cells), equations, signed,
                             alternatives=run_together_readings(values, runs, len(cells)) + misread, convert=convert,
                             blanks_lost=lost, runs=runs, splits_compete=not zeros_shown)
        # an empty cell confirmed empty on the page image of a ruled grid (agree) is a cell
        lead = next((i for i, t in enumerate(tokens) if not t.empty or t.agree), len(tokens))
        if hit is None and lead < len(tokens):
            # a table printed as one row of values (section 四's) has no label to span: the empty
            # cells on the line of its first number are its cells; empty cells on lines above
            # (header rows) may still be padding
            lead = next(i for i, t in enumerate(tokens) if t.line_no == tokens[lead].line_no)
        if 0 < lead < len(tokens):
            # empty cells right after the label may be label columns (a colspan), not zeros:
            # the row read without them too, and only what both readings agree on is settled
            # (a row printing empty cells has explicit cells: a digit run there is one cell's number,
            # not neighbouring cells run together)
            shifted = row_readings(values[lead:], len(cells), equations, signed,
                                   convert=lambda k, v, src: convert(k, v, None if src is None else src + lead))
            shifted = [(cells_, [None if src is None else src + lead for src in sources])
                       for cells_, sources in shifted]
            found = best_readings(found + shifted)
        empty = None
        if not tokens:
            # a row label with no number after it: its cells were printed empty (zeros), or its
            # numbers were lost; only the rules across rows can tell
            empty = ([0] * len(cells), [None] * len(cells))
        if len(found) == 1 and len(tokens) == len(cells) \
                and any(t.empty and (not t.aligned or t.gridded and not t.loose) for t in tokens) \
                and any(not t.empty and not t.blank for t in tokens):
            # a row of explicit cells (or of a text grid's columns, as many as the template's) read
            # as printed with empty cells among its numbers: the document prints zeros as empty
            # cells (a row dropped for printing only empty cells, section 四's, then reads as 0s,
            # inferred)
            self.blank_zeros = True
        row = _Row(cells, tokens, found, self._prior(cells, kinds, relations), empty)
        if lost and 0 < len(values) < len(cells) and all(None in cells_ for cells_, _ in found):
            row.blank = blank_placements(values, len(cells), signed, convert)
        guesses = guesses_from(found, len(tokens), len(cells), equations, row.prior)
        shared = Counter(g.source for g in guesses if g.source is not None)
        unique = len(found) == 1 and (
            (len(tokens) == len(cells) and not runs)
            or unique_by_print(values, runs, len(cells), equations, signed, convert))
        # a printed count left out of the row: the rules picked which numbers are its cells (a
        # pdfminer row given another row's numbers keeps 0 = 0 + 0 by dropping them)
        used = {g.source for g in guesses}
        dropped = len(tokens) > len(cells) and any(
            i not in used and not t.blank and t.value for i, t in enumerate(tokens))
        for k, (cell, guess) in enumerate(zip(cells, guesses)):
            source = [tokens[guess.source]] if guess.source is not None else []
            rec = CellRecord(cell, guess, source, hit, reading=_reading(guess, shared, len(tokens), len(cells)),
                             unique=unique)
            if guess.source is not None and tokens[guess.source].blank:
                rec.notes.append(f"printed {tokens[guess.source].text!r}: read as 0")
            if misread and guess.source is None and k in repaired:
                rec.tokens = [tokens[k]]  # its evidence, and the repair that keeps it from ok
                rec.notes.append(f"OCR read {tokens[k].text!r} only by repairing look-alike characters, and that "
                                 f"breaks the row's sum rules: the value is the one the rules give")
            if dropped:
                rec.doubts.append(DOUBT_DROPPED)
            row.records[cell] = rec
        return row


def _open_equations(readings: list[list[Reading]], equations: list, row_of: list[int]) -> list:
    """The equations some choice among the rows' readings can change.

    A rule over rows that each have one reading with every cell read holds or fails the same
    way whatever the open rows choose: it tells nothing about them.  Left in, a printed total
    that is wrong in such a rule (a 总计 row the generator or an agency got wrong) fails every
    combination, and the open rows stay unsettled although the other rules settle them."""
    closed = {r for r, found in enumerate(readings) if len(found) == 1 and None not in found[0][0]}
    return [(lhs, rhs) for lhs, rhs in equations if not all(row_of[i] in closed for i in lhs + rhs)]


def _first_row_pulled(run: list[int], n_rows: int, width: int) -> list[list[list[int]]]:
    """Readings of a column-scattered block whose first row pdfminer printed apart: the block's
    columns in groups of adjacent columns, each group printing its first-row cells, then its
    columns' other rows column by column (a first row taller than the rest, its label on two
    lines, lies farther from the rows below than its cells from each other).  One reading per
    way to cut the columns into groups, all groups of one column excepted (plain column order)."""
    if n_rows < 2 or width > MAX_PERMUTED_COLUMNS:
        return []
    out = []
    for cuts in range(1, 2 ** (width - 1)):
        bounds = [0] + [c + 1 for c in range(width - 1) if cuts >> c & 1] + [width]
        order: list[list[int | None]] = [[None] * width for _ in range(n_rows)]
        at = 0
        for a, b in zip(bounds, bounds[1:]):
            for c in range(a, b):
                order[0][c] = run[at]
                at += 1
            for c in range(a, b):
                for r in range(1, n_rows):
                    order[r][c] = run[at]
                    at += 1
        out.append(order)
    return out


@lru_cache(maxsize=None)
def _permutations(width: int) -> tuple[tuple[int, ...], ...]:
    return tuple(permutations(range(width)))


@lru_cache(maxsize=None)
def _permutation_array(width: int):
    """`_permutations(width)` as an array (building it costs milliseconds at 7 columns)."""
    import numpy as np

    order = np.asarray(_permutations(width))
    order.flags.writeable = False
    return order


@dataclass(eq=False)
class _OrderTie:
    """A column-scattered block whose row sums fit other column orders as well as the one read."""

    block: list[Hit]  # its row labels
    first: list[list[int]]  # the numbers read into each row's cells
    values: list[list]  # their values
    others: list[list[list]]  # the distinct values (per row, per cell) the other orders read


@dataclass(eq=False)
class _Row:
    """One printed row while its table is assembled: its cells, printed numbers and readings."""

    cells: list[str]
    tokens: list[Token]
    readings: list[Reading]  # (values, source per cell) that the row's own rules allow
    prior: Callable[[list], float]
    empty: Reading | None = None  # printed without numbers: the reading "every cell printed empty"
    # fewer numbers than cells, blanks lost, and no placement the row's rules pin: every placement
    # with the other cells read as blanks, for a table printed wrong (_settle_with_one_total_wrong)
    blank: list[Reading] = field(default_factory=list)
    records: dict[str, CellRecord] = field(default_factory=dict)
