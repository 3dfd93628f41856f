"""Table assembly: label hits and number tokens of a section -> template cells.

Two layouts cover what converters print: each row label followed by its own
numbers (text lines, pipes, one cell per line, HTML and PDF table rows), and a run
of labels followed by the numbers column by column (pdfminer).  Which one applies
is decided block by block.  Wherever a row's printed numbers do not match its cell
count, the solver in `cells` decides what the sum rules allow and flags the rest.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import permutations

from .cells import CellGuess, is_run, plausibility, run_together_readings, solve, to_yuan
from .labels import Hit
from .layout import Section, squash
from .model import Token
from .schema import Table, Template, load_template

MAX_PERMUTED_COLUMNS = 7  # 7! = 5040 readings: still instant

# why a row's numbers are doubted (said in the output, and features of the confidence model)
DOUBT_TWICE = "row label printed twice"
DOUBT_NOT_LEVEL = "numbers not level with their row label on the page"
DOUBT_SEVERAL_LABELS = "several row labels precede these numbers; assigned to the nearest one"
DOUBT_SCATTERED = "column-scattered numbers: reading order not settled by the sum rules"
DOUBTS = (DOUBT_TWICE, DOUBT_NOT_LEVEL, DOUBT_SEVERAL_LABELS, DOUBT_SCATTERED)

# how a cell's value was read from its row's printed numbers
READINGS = ("as_printed", "split_run", "placed", "lost_cell", "extra_dropped", "several_readings", "conflict")


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


def row_equations(template: Template, cells: list[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The template's rules that live entirely inside these cells, as index equations."""
    return list(_row_equations(template.key, tuple(cells)))


@lru_cache(maxsize=4096)
def _row_equations(template_key: str, cells: tuple[str, ...]) -> tuple:
    index = {f: i for i, f in enumerate(cells)}
    return tuple((tuple(index[f] for f in inst.lhs), tuple(index[f] for f in inst.rhs))
                 for inst in load_template(template_key).rule_instances()
                 if all(f in index for f in inst.fields))


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


class Assembler:
    def __init__(self, template: Template, tokens: list[Token]):
        self.template = template
        self.tokens = tokens

    def table(self, table: Table, section: Section, hits: list[Hit]) -> dict[str, CellRecord]:
        numbers = [i for i in range(section.start + 1, section.end) if self.tokens[i].kind == "number"]
        if table.printed_flat:
            return self._solve(table, table.field_ids(), [self.tokens[i] for i in numbers], None, section)
        row_ids = {r.id for r in table.rows}
        hits = [h for h in hits if h.row in row_ids]
        records: dict[str, CellRecord] = {}
        undecided: dict[str, tuple] = {}
        for hit, number_ids, doubt, scattered in self._group(table, hits, numbers):
            row = table.row(hit.row)
            cells = [table.field_id(row.id, c) for c in row.columns]
            if any(c in records for c in cells):
                for c in cells:
                    records[c].doubts.append(DOUBT_TWICE)
                continue
            printed = [self.tokens[i] for i in number_ids]
            if doubt is None and not level_with(self.tokens[hit.token:hit.last_token + 1], printed):
                doubt = DOUBT_NOT_LEVEL
            got = self._solve(table, cells, printed, hit, section)
            if any(r.guess.how == "ambiguous" for r in got.values()):
                undecided[row.id] = (cells, printed, hit, doubt, scattered)
            for rec in got.values():
                rec.scattered = scattered
                if doubt:
                    rec.doubts.append(doubt)
            records.update(got)
        self._settle_by_columns(table, section, records, undecided)
        return records

    def _settle_by_columns(self, table: Table, section: Section, records: dict[str, CellRecord],
                           undecided: dict) -> None:
        """Rows the row sums left open: re-solve with the values the column sums require.

        Only values every other cell of a column equation determines are used, and a
        re-solved cell is still "inferred": the column sums may be the wrong ones.
        """
        settled = lambda f: f in records and records[f].guess.how in ("direct", "inferred")
        for row_id, (cells, printed, hit, doubt, scattered) in undecided.items():
            pins = {}
            for k, cell in enumerate(cells):
                if records[cell].guess.how != "ambiguous":
                    continue
                for inst in self.template.rule_instances():
                    if cell not in inst.fields or any(f in cells for f in inst.fields if f != cell):
                        continue
                    others = [f for f in inst.fields if f != cell]
                    if not all(settled(f) for f in others):
                        continue
                    lhs = sum(records[f].guess.value for f in inst.lhs if f != cell)
                    rhs = sum(records[f].guess.value for f in inst.rhs if f != cell)
                    need = rhs - lhs if cell in inst.lhs else lhs - rhs
                    if need in records[cell].guess.candidates:
                        pins[k] = need
                    break
            if not pins:
                continue
            got = self._solve(table, cells, printed, hit, section, pins)
            for rec in got.values():
                if rec.guess.how == "direct":
                    rec.guess.how = "inferred"
                rec.notes.append("settled by the column sums")
                rec.by_columns, rec.scattered = True, scattered
                if doubt:
                    rec.doubts.append(doubt)
            records.update(got)

    # -- which numbers belong to which row -------------------------------------------
    def _group(self, table: Table, hits: list[Hit], numbers: list[int]):
        """Walk labels and number runs in order.

        A run after one pending label is that row's.  A run after several labels is a
        column-scattered block when it exactly fills the leading labels that share a
        column set (pdfminer prints labels, then numbers column by column); otherwise
        the earlier labels lost their numbers and the run belongs to the last label.
        """
        groups: list[tuple[Hit, list[int], str | None, bool]] = []  # (label, numbers, doubt, scattered)
        pending: list[Hit] = []
        # label text that names no row (an extra row a body added, a repeated header) ends a
        # number run, so its numbers never run on into the previous row's cells
        covered = {i for h in hits for i in range(h.token, h.last_token + 1)}
        lo, hi = (min(numbers), max(numbers)) if numbers else (0, -1)
        separators = [i for i in range(lo, hi + 1) if self.tokens[i].kind != "number" and i not in covered]
        events = sorted([(h.token, 0, h) for h in hits] + [(n, 1, n) for n in numbers]
                        + [(i, 2, i) for i in separators], key=lambda e: (e[0], e[1]))
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
            while run and pending:
                if len(pending) == 1:
                    groups.append((pending.pop(), run, None, False))
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
                    # layout with lost cells looks the same: never "ok"
                    last = pending.pop()
                    groups.extend((hit, [], None, False) for hit in pending)
                    pending = []
                    groups.append((last, run, DOUBT_SEVERAL_LABELS, False))
                    run = []
        groups.extend((hit, [], None, False) for hit in pending)
        return groups

    def _scattered(self, table: Table, block: list[Hit], run: list[int]):
        """Read a column-scattered block by the reading that best fits the row sums.

        pdfminer prints a block column by column, but not always in the printed
        column order (a 总计 column can come out before 其他).  Candidate readings:
        column chunks in every order, and plain row-major.  The identity order wins
        ties; when equally good readings disagree on a value, the block is doubted.
        """
        n_rows, width = len(block), len(run) // len(block)
        chunks = [run[c * n_rows:(c + 1) * n_rows] for c in range(width)]
        identity = [[chunks[c][r] for c in range(width)] for r in range(n_rows)]
        if width == 1:
            return [(hit, own, None, True) for hit, own in zip(block, identity)]
        readings = [identity, [run[r * width:(r + 1) * width] for r in range(n_rows)]]
        best_possible = self._fit(table, block, None)
        if self._fit(table, block, identity) < best_possible and width <= MAX_PERMUTED_COLUMNS:
            readings += [[[chunks[c][r] for c in perm] for r in range(n_rows)]
                         for perm in permutations(range(width))]
        fits = [self._fit(table, block, order) for order in readings]
        top = max(fits)
        best = [order for order, fit in zip(readings, fits) if fit == top]
        as_values = {tuple(tuple(self.tokens[i].value for i in own) for own in order) for order in best}
        doubt = None if len(as_values) == 1 else DOUBT_SCATTERED
        return [(hit, own, doubt, True) for hit, own in zip(block, best[0])]

    def _fit(self, table: Table, block: list[Hit], order: list[list[int]] | None) -> int:
        """How many within-row sum rules a reading satisfies (all of them when order is None)."""
        fit = 0
        for r, hit in enumerate(block):
            equations = row_equations(self.template,
                                      [table.field_id(hit.row, c) for c in table.row(hit.row).columns])
            if order is None:
                fit += len(equations)
                continue
            values = [self.tokens[i].value or 0 for i in order[r]]
            fit += sum(abs(sum(values[i] for i in lhs) - sum(values[i] for i in rhs)) < 1e-9
                       for lhs, rhs in equations)
        return fit

    # -- cells -----------------------------------------------------------------------
    def _solve(self, table: Table, cells: list[str], tokens: list[Token], hit: Hit | None,
               section: Section, pins: dict[int, float | int] | None = None) -> dict[str, CellRecord]:
        columns = [self.template.column_of(c) for c in cells]
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
        guesses = solve(values, len(cells), row_equations(self.template, cells), [c.signed for c in columns],
                        alternatives=run_together_readings(values, runs, len(cells)), pins=pins,
                        convert=convert, prior=lambda reading: plausibility(reading, kinds, relations))
        records = {}
        shared = Counter(g.source for g in guesses if g.source is not None)
        for cell, guess in zip(cells, guesses):
            source = [tokens[guess.source]] if guess.source is not None else []
            rec = CellRecord(cell, guess, source, hit, reading=_reading(guess, shared, len(tokens), len(cells)))
            if guess.source is not None and tokens[guess.source].blank:
                rec.notes.append(f"printed {tokens[guess.source].text!r}: read as 0")
            records[cell] = rec
        return records
