"""Cell repair as small pure functions: parse printed numbers, and recover a row's
cells when the printed numbers do not match the template's cell count.

The solver never invents a value: a cell gets a value only when every split or
placement that satisfies the template's sum rules agrees on it; otherwise the cell
keeps its candidates and is flagged.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, islice
from typing import Callable

# Printed in a cell instead of a number.  Counts: the template has no "not applicable"
# cell, so a dash/无 in a count cell reads as zero events, marked inferred for review.
BLANK_MARKERS = {"-", "--", "—", "——", "–", "－", "/", "／", "\\", "无", "空"}
# Characters OCR confuses with digits, and the digit each stands for inside a number cell.
# A value read through this table is a repair: it is never reported as "ok".  ("|" is not
# here: at a cell's edge it is a piece of ruling, never a "1".)
DIGIT_LOOKALIKES = {"O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "U": "0", "l": "1", "I": "1",
                    "i": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2",
                    "g": "9", "q": "9", "b": "6", "G": "6", "．": ".", "。": "."}
_NUMBER = re.compile(r"^(?P<sign>[+\-−－]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<unit>万元|元|万)?$")
MAX_CANDIDATES = 20000
MAX_SPLIT_STEPS = 400_000  # placements of split runs looked at, kept or not (a second or so)


@lru_cache(maxsize=1 << 16)  # token texts and labels recur within and across documents
def normalize(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), unified minus signs, no NBSP."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2212", "-").replace("\u00a0", " ").replace("\u3000", " ")


@dataclass(frozen=True)
class Parsed:
    value: float | int
    unit: str | None
    signed: bool  # printed with an explicit sign


def parse_number(text: str) -> Parsed | None:
    """A printed cell as a number, or None.  `1,234` `+3` `-2` `22.67万元` `７` all parse."""
    s = normalize(text).strip().lstrip("¥￥")
    m = _NUMBER.match(s)
    if not m:
        return None
    digits = m.group("int").replace(",", "")
    if m.group("frac"):
        value: float | int = float(f"{digits}.{m.group('frac')}")
    else:
        value = int(digits)
    if m.group("sign") in ("-", "－", "−"):
        value = -value
    unit = m.group("unit")
    return Parsed(value, "万元" if unit == "万" else unit, bool(m.group("sign")))


def is_number(text: str) -> bool:
    return parse_number(text) is not None


def is_blank_marker(text: str) -> bool:
    return normalize(text).strip() in BLANK_MARKERS


_DASH_RUN = re.compile(r"^-{3,}$")


def is_dash_run(text: str) -> bool:
    """Three or more hyphens: markdown's em dash printed for a zero cell, or a rule line; the
    caller tells them apart by what stands beside it."""
    return bool(_DASH_RUN.match(normalize(text).strip()))


def to_yuan(value: float | int, unit: str | None) -> float | int:
    """Money in yuan; 万元 values are scaled and rounded to the fen to kill float noise."""
    if unit == "万元":
        yuan = round(value * 10000, 2)
        return int(yuan) if float(yuan).is_integer() else yuan
    return value


# --- the solver --------------------------------------------------------------------

Equation = tuple[tuple[int, ...], tuple[int, ...]]  # sum(lhs cells) == sum(rhs cells)


@dataclass
class CellGuess:
    value: float | int | None
    source: int | None  # index of the printed number it came from, if the same in every reading
    how: str  # direct | inferred | ambiguous | conflict
    candidates: list = field(default_factory=list)
    readings: int = 1  # how many readings of the row fit its rules


def _propagate(cells: list, equations: list[Equation], signed: list[bool]) -> list | None:
    """Fill unknowns that an equation pins down; None when the reading breaks a rule.

    An equation with one unknown gives it; one whose unknown (unsigned) cells must add up
    to 0 makes each of them 0, as counts are never negative.
    """
    cells = list(cells)
    changed = True
    while changed:
        changed = False
        for lhs, rhs in equations:
            unknown = [i for i in lhs + rhs if cells[i] is None]
            if not unknown:
                if abs(sum(cells[j] for j in lhs) - sum(cells[j] for j in rhs)) > 1e-9:
                    return None
                continue
            known_l = sum(cells[j] for j in lhs if cells[j] is not None)
            known_r = sum(cells[j] for j in rhs if cells[j] is not None)
            if len(unknown) == 1:
                i = unknown[0]
                value = known_r - known_l if i in lhs else known_l - known_r
                if (value < 0 and not signed[i]) or value != int(value):
                    return None
                cells[i] = int(value)
                changed = True
            elif not any(signed[i] for i in unknown) and len({i in lhs for i in unknown}) == 1:
                need = known_r - known_l if unknown[0] in lhs else known_l - known_r
                if need < 0:
                    return None
                if need == 0:
                    for i in unknown:
                        cells[i] = 0
                    changed = True
    return cells


def _violated(cells: list, equations: list[Equation]) -> int:
    """How many equations whose cells are all known a reading breaks."""
    return sum(1 for lhs, rhs in equations
               if all(cells[i] is not None for i in lhs + rhs)
               and abs(sum(cells[i] for i in lhs) - sum(cells[i] for i in rhs)) > 1e-9)


def readings(values: list, width: int) -> list[tuple[list, list]]:
    """Ways to lay `values` onto `width` cells in printed order.

    Fewer numbers than cells: blanks were lost somewhere (each placement).
    More numbers than cells: stray numbers crept in (each choice of which to keep).
    Returns (cells, source index per cell) pairs.
    """
    n = len(values)
    out = []
    if n == width:
        return [(list(values), list(range(n)))]
    if n < width:
        for slots in combinations(range(width), n):
            cells: list = [None] * width
            sources: list = [None] * width
            for k, slot in enumerate(slots):
                cells[slot], sources[slot] = values[k], k
            out.append((cells, sources))
            if len(out) >= MAX_CANDIDATES:
                break
    else:
        for keep in combinations(range(n), width):
            out.append(([values[k] for k in keep], list(keep)))
            if len(out) >= MAX_CANDIDATES:
                break
    return out


def digit_splits(digits: str, parts: int) -> list[list[int]]:
    """Every way to cut a digit run into `parts` numbers without leading zeros."""
    if parts == 1:
        return [[int(digits)]] if digits and (digits == "0" or not digits.startswith("0")) else []
    out = []
    for cut in range(1, len(digits) - parts + 2):
        head = digits[:cut]
        if len(head) > 1 and head.startswith("0"):
            break
        for rest in digit_splits(digits[cut:], parts - 1):
            out.append([int(head)] + rest)
            if len(out) >= MAX_CANDIDATES:
                return out
    return out


_RUN = re.compile(r"^(?P<sign>[+\-]?)(?P<int>\d{2,})(?:\.(?P<frac>\d+))?$")


def is_run(printed: str) -> bool:
    """A printed number that may be several cells run together: two or more digits."""
    return bool(_RUN.match(normalize(printed).strip()))


def run_splits(printed: str, parts: int) -> list[list[float | int]]:
    """Every way to read a printed run as `parts` numbers: `-18538` -> [-18, 538], ...

    A sign belongs to the first number and a decimal fraction to the last (the cells
    of a row are printed left to right); no number has a leading zero.
    """
    m = _RUN.match(normalize(printed).strip())
    if not m:
        return []
    out = []
    for split in digit_splits(m.group("int"), parts):
        if m.group("sign") == "-":
            split[0] = -split[0]
        if m.group("frac"):
            split[-1] = float(f"{abs(split[-1])}.{m.group('frac')}") * (-1 if split[-1] < 0 else 1)
        out.append(split)
    return out


def misread_readings(values: list, repaired: set[int], equations: list[Equation],
                     signed: list[bool] | None = None) -> list[Reading]:
    """A row read in full whose rules fail, with a cell that OCR read only by repairing
    look-alike characters (`lo` for a `0` beside a ruling's remnant): the readings that leave one
    such cell to the rules, where they pin it and then every rule holds.  A clean read breaking a
    rule stays as printed (a wrong printed total is reported, never fixed); a repaired read is no
    printed number to keep."""
    width = len(values)
    if not repaired or not _violated(values, equations):
        return []
    out = []
    for i in sorted(repaired):
        opened = [None if k == i else v for k, v in enumerate(values)]
        solved = _propagate(opened, equations, signed or [False] * width)
        if solved is not None and None not in solved and not _violated(solved, equations):
            out.append((opened, [None if k == i else k for k in range(width)]))
    return out


def run_together_readings(values: list, runs: dict[int, str], width: int) -> list[tuple[list, list]]:
    """Readings in which printed runs (`1000001`, `-18538`) are several cells run together.

    `runs` maps the index of each printed number that may be a run to its printed text
    (leading zeros matter: `000` is three cells).  Each reading splits some of them so
    the row has exactly `width` cells.
    """
    missing = width - len(values)
    if missing <= 0 or not runs:
        return []
    out: list[tuple[list, list]] = []
    order = sorted(runs)
    digits = {i: len(_RUN.match(normalize(runs[i]).strip()).group("int")) for i in order}

    def spread(k: int, left: int, extra: dict[int, int]) -> None:
        if len(out) >= MAX_CANDIDATES:
            return
        if k == len(order):
            if left == 0:
                expand(0, [], [], extra)
            return
        index = order[k]
        for add in range(0, min(left, digits[index] - 1) + 1):
            spread(k + 1, left - add, {**extra, index: add})

    def expand(i: int, cells: list, sources: list, extra: dict[int, int]) -> None:
        if len(out) >= MAX_CANDIDATES:
            return
        if i == len(values):
            out.append((cells, sources))
            return
        parts = extra.get(i, 0) + 1
        if parts == 1:
            expand(i + 1, cells + [values[i]], sources + [i], extra)
            return
        for split in run_splits(runs[i], parts):
            expand(i + 1, cells + split, sources + [i] * parts, extra)

    spread(0, missing, {})
    return out


def lost_blank_splits(values: list, runs: dict[int, str], width: int,
                      keep: Callable[[list], bool] | None = None) -> tuple[list[tuple[list, list]], bool]:
    """Readings in which some printed runs are several cells glued together and the row has
    fewer cells than `width` even so: a converter that prints nothing for an empty cell lost
    blanks beside them.  The cells no number lands in are None (the caller reads them as 0).
    Only readings `keep` accepts are listed (the row's rules: a 14-digit run has tens of
    thousands of splits, and a cap on all of them cut off the right one, `61910751337781` read
    619|10|7|5|133|7|781 for 619|107|5|13|37|_|781); and whether the listing is complete."""
    out: list[tuple[list, list]] = []
    order = sorted(runs)
    digits = {i: len(_RUN.match(normalize(runs[i]).strip()).group("int")) for i in order}
    steps = 0

    def full() -> bool:
        return len(out) >= MAX_CANDIDATES or steps >= MAX_SPLIT_STEPS

    def spread(k: int, extra: dict[int, int], parts: int) -> None:
        if full():
            return
        if k == len(order):
            if extra:  # readings without a split are the plain placements
                split(0, [], [], extra)
            return
        for add in range(0, min(width - parts, digits[order[k]] - 1) + 1):
            spread(k + 1, {**extra, order[k]: add} if add else extra, parts + add)

    def split(i: int, cells: list, sources: list, extra: dict[int, int]) -> None:
        nonlocal steps
        if i == len(values):
            for slots in combinations(range(width), len(cells)):
                if full():
                    return
                steps += 1
                row: list = [None] * width
                src: list = [None] * width
                for k, slot in enumerate(slots):
                    row[slot], src[slot] = cells[k], sources[k]
                if keep is None or keep(row):
                    out.append((row, src))
            return
        parts = extra.get(i, 0) + 1
        for piece in ([[values[i]]] if parts == 1 else run_splits(runs[i], parts)):
            split(i + 1, cells + piece, sources + [i] * parts, extra)

    spread(0, {}, len(values))
    return out, not full()


def unique_by_print(values: list, runs: dict[int, str], width: int, equations: list[Equation],
                    signed: list[bool], convert: "Convert | None" = None, budget: int = 4096) -> bool:
    """Whether a row's printed numbers give one set of cell values only, even where blank
    cells were lost in conversion (a converter that prints nothing for an empty cell: each
    reads as the 0 it stands for), under the row's own rules.

    `000` over three cells is 0|0|0 whatever was blank; `246` over three cells is 2|4|6, or
    246 beside two lost blanks (24|6, 2|46 beside one): the print does not settle it, only
    a rule could.  `row_readings` prefers the reading that fills every cell from printed
    digits; this asks whether that preference decided anything.  False when more than
    `budget` distinct partial readings would have to be kept."""
    n = len(values)
    if n > width:  # surplus numbers, no lost blanks: the readings keeping `width` of them
        complete = [cells for cells, sources in readings(values, width)]
        if convert is not None:
            complete = [[convert(k, v, src) for k, (v, src) in enumerate(zip(cells, sources))]
                        for cells, sources in readings(values, width)]
    else:
        blanks = n < width  # numbers missing: some cells may have been blank
        memo: dict[tuple[int, int, bool], set[tuple]] = {}

        def tails(k: int, i: int, unsigned: bool = False) -> set[tuple]:
            """Distinct values of cells k.. read from printed numbers i.. (and lost blanks);
            `unsigned`: number i read without its minus sign, which was a dash (a blank) before it."""
            if (k, i, unsigned) in memo:
                return memo[(k, i, unsigned)]
            out: set[tuple] = set()
            if k == width:
                out = {()} if i == n else set()
            else:
                if blanks and not unsigned:
                    out |= {(0,) + t for t in tails(k + 1, i)}
                if i < n:
                    value, text = values[i], runs.get(i)
                    if unsigned:
                        value, text = -value, normalize(text).strip().lstrip("-") if text else None
                    elif blanks and isinstance(value, (int, float)) and value < 0:
                        # `1-9`: 1, a dash printed for a blank, 9 — or 1 and -9
                        out |= {(0,) + t for t in tails(k + 1, i, True)}
                    digits = len(_RUN.match(normalize(text).strip()).group("int")) if text else 1
                    for parts in range(1, min(digits, width - k) + 1):
                        rest = tails(k + parts, i + 1)
                        if not rest:
                            continue
                        for split in ([[value]] if parts == 1 else run_splits(text, parts)):
                            head = tuple(convert(k + j, v, i) if convert is not None else v for j, v in enumerate(split))
                            out |= {head + t for t in rest}
            if len(out) > budget:
                raise _TooMany
            memo[(k, i, unsigned)] = out
            return out

        try:
            complete = [list(t) for t in tails(0, 0)]
        except _TooMany:
            return False
    seen = {tuple(cells) for cells in complete
            if not any(v < 0 and not signed[k] for k, v in enumerate(cells)) and not _violated(cells, equations)}
    return len(seen) == 1


class _TooMany(Exception):
    pass


Convert = Callable[[int, float | int, int | None], float | int]  # (cell, printed value, source) -> value


Relation = tuple[int, int, Callable[[float, float], bool]]  # (larger cell, smaller cell, holds)


def plausibility(cells: list, kinds: list[str], relations: tuple[Relation, ...] = ()) -> float:
    """How plausible a reading of a row is when no sum rule decides: higher is better.

    The counts of one row are of similar magnitude (a run `7777166` is 77/77/166 rather
    than 7/777/166: summed pairwise distance in decades), and the relations the schema
    declares hold (each broken one costs as much as three decades).  Only ever used to
    order readings of a value that is flagged anyway.
    """
    decades = [math.log10(abs(v) + 1) for v, kind in zip(cells, kinds) if kind != "money" and v is not None]
    spread = sum(abs(a - b) for a, b in combinations(decades, 2))
    broken = sum(1 for a, b, holds in relations
                 if cells[a] is not None and cells[b] is not None and not holds(cells[a], cells[b]))
    return -round(spread + 3 * broken, 9)


Reading = tuple[list, list]  # (cell values, index of the printed number behind each cell)


def row_readings(values: list, width: int, equations: list[Equation], signed: list[bool] | None = None,
                 alternatives: list[Reading] | None = None, convert: Convert | None = None,
                 blanks_lost: bool = False, runs: dict[int, str] | None = None,
                 splits_compete: bool = False) -> list[Reading]:
    """Every way to lay the printed `values` onto `width` cells that the row's own rules
    allow, with the cells those rules then determine filled in.

    `alternatives` adds further readings (splits of run-together digits); `convert` turns
    a printed value into the value of the cell it lands in (money units).  With exactly
    `width` numbers and no alternatives there is one reading, the printed one, even when a
    rule fails: the checks report that, nothing "fixes" it.  Readings that leave no cell
    open come first: those the rules allow, else those breaking the fewest rules.
    `blanks_lost`: the converter prints nothing for an empty cell (the row shows no empty
    cell), so a cell no number lands in may be a blank, a 0; `runs` (as `run_together_readings`
    takes them) may then be several cells glued together beside those blanks.  `splits_compete`:
    the table shows no zero, so a run split into every cell is no likelier than a split beside
    lost blanks (`774782114869` is 7|74|782|1|1|4|869 and 774|78|2|1|14|_|869), and both are kept.
    """
    signed = signed or [False] * width
    converted: dict[tuple, float | int] = {}  # thousands of readings place the same few numbers

    def placed(cells: list, sources: list) -> list:
        if convert is None:
            return list(cells)
        out = []
        for k, v in enumerate(cells):
            if v is None:
                out.append(None)
                continue
            key = (k, v, type(v), math.copysign(1, v), sources[k])  # 0.0 and -0.0 stay apart
            if key not in converted:
                converted[key] = convert(k, v, sources[k])
            out.append(converted[key])
        return out

    if len(values) == width and not alternatives:
        return [(placed(values, list(range(width))), list(range(width)))]
    if len(values) > width and not alternatives:
        found = _surplus_readings(values, width, equations, signed, placed)
        if found is not None:
            return found
    consistent, raw, broken = [], [], []
    for cells, sources in readings(values, width) + (alternatives or []):
        cells = placed(cells, sources)
        if any(v is not None and v < 0 and not signed[k] for k, v in enumerate(cells)):
            continue  # a placement that makes a count negative is no reading of the row
        raw.append((cells, sources))
        if None in cells:
            solved = _propagate(cells, equations, signed)
        else:  # nothing to fill in: _propagate's answer is whether every rule holds
            broken.append(_violated(cells, equations))
            solved = None if broken[-1] else list(cells)
        if solved is not None:
            consistent.append((solved, sources))
    # a reading that pins every cell beats one that leaves cells open: an open reading
    # only says "some value fits", it is no evidence for a different value
    determined = [c for c in consistent if None not in c[0]]
    checked = {i for lhs, rhs in equations for i in lhs + rhs}
    blanks_open = blanks_lost and 0 < len(values) < width and len(checked) == width
    if determined and not (blanks_open and runs and splits_compete):
        return _distinct(determined)
    # fewer numbers than cells and no placement the rules pin: the cells a converter dropped
    # were printed empty, each the 0 it stands for (as `unique_by_print` reads them), where
    # that makes every rule hold -- in a row whose every cell a rule checks (elsewhere nothing
    # tells a placement apart).  A row without any number says nothing about its style.
    # A number of two digits or more may also be several cells glued beside the lost blanks
    # (`25126` over seven cells: 25 1 _ _ _ _ 26): such readings join the others, so a split is
    # kept only where the rules leave it and no plain placement beside it.
    if blanks_open:
        def holds(cells: list) -> bool:
            zeroed = [0 if v is None else v for v in cells]
            return not _violated(zeroed, equations) and not any(v < 0 and not signed[k] for k, v in enumerate(zeroed))

        # splits are checked as printed, before conversion: sum rules are over counts only (money
        # cells, whose units convert, are under none), and converted readings are checked again
        splits, complete = lost_blank_splits(values, runs or {}, width, keep=holds)
        lost = [r for r in raw if None in r[0]] + [(placed(cells, sources), sources) for cells, sources in splits]
        blank = [([0 if v is None else v for v in cells], sources) for cells, sources in lost]
        blank = [r for r in blank if holds(r[0])]
        if not complete:
            # splits not looked at may hold too: no listed reading is the only one
            blank.append(([None] * width, [None] * width))
        if blank or determined:
            return _distinct(determined + blank)
    # the printed digits fill every cell, yet break a rule: the printed table is wrong (or
    # misread); that reading beats placements that leave cells open to make the rule hold
    complete = [r for r in raw if None not in r[0]]
    if complete:
        fewest = min(broken)
        return _distinct([r for r, n in zip(complete, broken) if n == fewest])
    return _distinct(consistent)


def blank_placements(values: list, width: int, signed: list[bool],
                     convert: Convert | None = None) -> list[Reading]:
    """Every placement of fewer printed `values` than `width` cells with the cells no number lands
    in read as the blanks (zeros) a converter dropped, whatever the row's rules say: the readings
    of a row in a table printed wrong, where a total the rules need differs from the one printed
    (`Assembler._settle_with_one_total_wrong` asks which placements a single wrong total explains)."""
    out = []
    for cells, sources in readings(values, width):
        cells = [0 if v is None else convert(k, v, sources[k]) if convert else v for k, v in enumerate(cells)]
        if not any(v < 0 and not signed[k] for k, v in enumerate(cells)):
            out.append((cells, sources))
    return out


def _surplus_readings(values: list, width: int, equations: list[Equation], signed: list[bool],
                      placed: Callable[[list, list], list]) -> list[Reading] | None:
    """`row_readings` for more printed numbers than cells, all choices of which to keep
    scored at once: every such reading is complete, so it is consistent exactly when it
    breaks no rule.  The sums are added in the order `_violated` adds them, in float64,
    exact for these magnitudes (so equal to what Python adds); None (use the plain loop) otherwise."""
    import numpy as np

    if not width or any(v is None for v in values):
        return None
    n = len(values)
    # each printed number as the value of each cell it may land in
    as_cell = [placed([values[src]] * width, [src] * width) for src in range(n)]
    if not all(type(v) in (int, float) and abs(v) < INTEGRAL_LIMIT for row in as_cell for v in row):
        return None
    keeps, keep_array = _keeps(n, width)
    table = np.asarray(as_cell, dtype=np.float64)  # (printed number, cell)
    chosen = table[keep_array, np.arange(width)]  # (reading, cell)
    negative = (chosen < 0) & ~np.asarray(signed, dtype=bool)
    allowed = ~negative.any(axis=1)
    broken = np.zeros(len(keeps), dtype=np.int64)
    for lhs, rhs in equations:
        left, right = np.zeros(len(keeps)), np.zeros(len(keeps))
        for i in lhs:
            left = left + chosen[:, i]
        for i in rhs:
            right = right + chosen[:, i]
        broken += np.abs(left - right) > 1e-9
    if not allowed.any():
        return []
    # the rules allow some: those; else the printed table is wrong: those breaking the fewest
    fewest = int(broken[allowed].min())
    picked = np.flatnonzero(allowed & (broken == fewest))
    # `_distinct` of these readings (thousands, few distinct): every source is printed, so the
    # first reading of each set of values stays; the float64 values compare as the numbers do
    first: dict[tuple, int] = {}
    for r, cells in zip(picked.tolist(), chosen[picked].tolist()):
        first.setdefault(tuple(cells), r)
    return [([as_cell[src][k] for k, src in enumerate(keeps[r])], list(keeps[r])) for r in first.values()]


@lru_cache(maxsize=64)
def _keeps(n: int, width: int):
    """Which `width` of `n` printed numbers to keep, every choice (up to MAX_CANDIDATES), as
    tuples and as an array: rows of a table print the same counts of numbers."""
    import numpy as np

    keeps = tuple(islice(combinations(range(n), width), MAX_CANDIDATES))
    keep_array = np.asarray(keeps)
    keep_array.flags.writeable = False
    return keeps, keep_array


def best_readings(found: list[Reading]) -> list[Reading]:
    """Readings from several sources: those settling every cell if any, one per set of values."""
    determined = [r for r in found if None not in r[0]]
    return _distinct(determined or found)


def _distinct(found: list[Reading]) -> list[Reading]:
    """One reading per distinct set of values: the one the most printed numbers support
    (`0000000` split into seven 0s, not one 0 whose row sum forces the rest)."""
    best: dict[tuple, Reading] = {}
    for cells, sources in found:
        key = tuple(cells)
        if key not in best or sum(s is not None for s in sources) > sum(s is not None for s in best[key][1]):
            best[key] = (cells, sources)
    return list(best.values())


def guesses_from(found: list[Reading], printed: int, width: int, equations: list[Equation],
                 prior: Callable[[list], float] | None = None) -> list[CellGuess]:
    """One guess per cell from a row's readings: a value every reading agrees on, else the
    candidates (and the most plausible reading's value, still "ambiguous")."""
    if not found:
        return [CellGuess(None, None, "conflict") for _ in range(width)]
    conflict = printed != width and any(_violated(cells, equations) for cells, _ in found)
    complete = [r for r in found if None not in r[0]]
    chosen = _most_plausible(complete, prior) if prior and len(complete) > 1 else None
    guesses = []
    for i in range(width):
        seen = [c[0][i] for c in found]
        sources = {c[1][i] for c in found}
        distinct = sorted({v for v in seen if v is not None})
        if None not in seen and len(distinct) == 1:
            how = "conflict" if conflict else \
                "direct" if len(found) == 1 and printed == width else "inferred"
            guesses.append(CellGuess(distinct[0], sources.pop() if len(sources) == 1 else None, how,
                                     readings=len(found)))
        elif chosen is not None:
            guesses.append(CellGuess(chosen[0][i], chosen[1][i], "conflict" if conflict else "ambiguous",
                                     distinct, len(found)))
        else:
            guesses.append(CellGuess(None, None, "conflict" if conflict else "ambiguous", distinct, len(found)))
    return guesses


def solve(values: list, width: int, equations: list[Equation], signed: list[bool] | None = None,
          alternatives: list[Reading] | None = None, convert: Convert | None = None,
          prior: Callable[[list], float] | None = None) -> list[CellGuess]:
    """Recover `width` cells from printed `values` under the sum `equations` (see row_readings)."""
    found = row_readings(values, width, equations, signed, alternatives, convert)
    return guesses_from(found, len(values), width, equations, prior)


def joint_solutions(rows: list[list[Reading]], equations: list[Equation], signed: list[bool],
                    limit: int = 64, budget: int = 200_000) -> list[tuple[list, list[int]]] | None:
    """Readings of several rows that together satisfy equations across them (column sums).

    `rows[r]` lists row r's candidate readings (cells may be None: not printed); cells are
    numbered row after row.  Returns up to `limit` solutions as (every cell's value, the
    reading chosen per row), with cells the equations determine filled in; None when the
    search exceeds `budget` steps (too open to settle).  A row without any reading (a lone
    "-1" in a row of counts: every placement makes a count negative) is in no solution.
    """
    if not all(rows):
        return []
    if _integral(rows, equations):
        return _IntegerSearch(rows, equations, signed, limit, budget).run()
    return _plain_joint_solutions(rows, equations, signed, limit, budget)


def agreed_cells(rows: list[list[Reading]], equations: list[Equation], signed: list[bool],
                 found: list[tuple[list, list[int]]], cells: list[int], budget: int = 200_000) -> dict[int, int]:
    """Of `cells`, those every solution of `joint_solutions(rows, ...)` gives one value, with
    that value, when the solutions are too many to list (`found` is the first few).

    A cell is proven by a search for a solution that gives it another value: none at all (the
    search ends without one) proves it; one found clears every cell it differs in.  Whole-number
    cells only, and only where no reading leaves the cell open (an open cell is filled by the
    rules, so a reading cannot be ruled out by its printed value).  The searches share
    `budget` steps: what is not proven within it stays unproven."""
    if not found or not _integral(rows, equations):
        return {}
    offsets, n = [], 0
    for row in rows:
        offsets.append(n)
        n += len(row[0][0])
    row_of = {i: r for r, o in enumerate(offsets) for i in range(o, o + len(rows[r][0][0]))}
    first = found[0][0]
    open_ = {i: first[i] for i in cells
             if first[i] is not None and all(sol[0][i] == first[i] for sol in found)
             and all(values[i - offsets[row_of[i]]] is not None for values, _ in rows[row_of[i]])}
    proven: dict[int, int] = {}
    for i in list(open_):
        if i not in open_:
            continue  # cleared by an earlier counterexample
        r, k = row_of[i], i - offsets[row_of[i]]
        other = [reading for reading in rows[r] if reading[0][k] != open_[i]]
        if other:
            search = _IntegerSearch(rows[:r] + [other] + rows[r + 1:], equations, signed, 1, budget)
            result = search.run()
            budget -= search.steps
            if result is None or budget <= 0:
                break
            if result:
                values = result[0][0]
                for j in [j for j in open_ if values[j] != open_[j]]:
                    del open_[j]
                continue
        proven[i] = open_.pop(i)
    return proven


def _row_bounds(rows: list[list[Reading]], equations: list[Equation], offsets: list[int]) -> list[list]:
    """`bounds[r][e]`: the least and the most row r adds to equation e's left side less its
    right side over all its readings ((0, 0) when it has no cell there, infinite when a
    reading leaves such a cell open).  The rows not yet chosen can move an equation only
    within the sum of their bounds: a branch that leaves it out of reach has no solution."""
    out = []
    for r, row in enumerate(rows):
        width = len(row[0][0])
        own = []
        for lhs, rhs in equations:
            left = [i - offsets[r] for i in lhs if offsets[r] <= i < offsets[r] + width]
            right = [i - offsets[r] for i in rhs if offsets[r] <= i < offsets[r] + width]
            if not left and not right:
                own.append((0, 0))
                continue
            if any(values[i] is None for values, _ in row for i in left + right):
                own.append((-math.inf, math.inf))
                continue
            moves = [sum(values[i] for i in left) - sum(values[i] for i in right) for values, _ in row]
            own.append((min(moves), max(moves)))
        out.append(own)
    return out


def _search_order(rows: list[list[Reading]], equations: list[Equation], offsets: list[int]) -> list[int]:
    """The order rows are chosen in: those with one reading, then the rows most rules across
    rows meet in (a 总计 row: once it is chosen the bounds keep every other row's numbers in
    the columns its totals leave room for), then by how many readings a row has."""
    row_of = {}
    for r, row in enumerate(rows):
        for i in range(offsets[r], offsets[r] + len(row[0][0])):
            row_of[i] = r
    degree = [0] * len(rows)
    for lhs, rhs in equations:
        touched = {row_of[i] for i in lhs + rhs}
        if len(touched) > 1:
            for r in touched:
                degree[r] += 1
    return sorted(range(len(rows)), key=lambda r: (len(rows[r]) > 1, -degree[r], len(rows[r]), r))


def _unchosen_bounds(bounds: list[list], order: list[int], n_equations: int) -> list[list[tuple]]:
    """Per search depth k, per equation: the bounds of the rows `order[k:]` together."""
    out = [[(0, 0)] * n_equations]
    for r in reversed(order):
        out.append([(lo + b[0], hi + b[1]) for (lo, hi), b in zip(out[-1], bounds[r])])
    return out[::-1]


def _plain_joint_solutions(rows: list[list[Reading]], equations: list[Equation], signed: list[bool],
                           limit: int, budget: int) -> list[tuple[list, list[int]]] | None:
    """The search of `joint_solutions` for any cell values (money with fen)."""
    offsets, n = [], 0
    for row in rows:
        offsets.append(n)
        n += len(row[0][0])
    order = _search_order(rows, equations, offsets)
    rest = _unchosen_bounds(_row_bounds(rows, equations, offsets), order, len(equations))
    chosen_cells = [[False] * n]  # per depth: whether each cell belongs to a chosen row
    for r in order:
        mark = list(chosen_cells[-1])
        mark[offsets[r]:offsets[r] + len(rows[r][0][0])] = [True] * len(rows[r][0][0])
        chosen_cells.append(mark)
    cells: list = [None] * n
    chosen = [0] * len(rows)
    solutions: list[tuple[list, list[int]]] = []
    steps = 0

    def feasible(k: int) -> bool:
        """With rows order[:k] chosen."""
        for e, (lhs, rhs) in enumerate(equations):
            left = [cells[i] for i in lhs]
            right = [cells[i] for i in rhs]
            known_l = sum(v for v in left if v is not None)
            known_r = sum(v for v in right if v is not None)
            if None not in left and None not in right:
                if abs(known_l - known_r) > 1e-9:
                    return False
            elif None not in right and not any(signed[i] for i in lhs) and known_l > known_r + 1e-9:
                return False
            elif None not in left and not any(signed[i] for i in rhs) and known_r > known_l + 1e-9:
                return False
            elif not any(cells[i] is None and chosen_cells[k][i] for i in lhs + rhs):
                lo, hi = rest[k][e]
                if known_l - known_r + lo > 1e-9 or known_l - known_r + hi < -1e-9:
                    return False
        return True

    def search(k: int) -> bool:
        nonlocal steps
        if len(solutions) >= limit:
            return True
        if k == len(order):
            filled = _propagate(cells, equations, signed)
            if filled is not None:
                solutions.append((filled, list(chosen)))
            return True
        r = order[k]
        for j, (values, _) in enumerate(rows[r]):
            steps += 1
            if steps > budget:
                return False
            cells[offsets[r]:offsets[r] + len(values)] = values
            chosen[r] = j
            if feasible(k + 1) and not search(k + 1):
                return False
        cells[offsets[r]:offsets[r] + len(rows[r][0][0])] = [None] * len(rows[r][0][0])
        return True

    return solutions if search(0) else None


INTEGRAL_LIMIT = 2 ** 40  # sums of such counts compare exactly however they are added


def _integral(rows: list[list[Reading]], equations: list[Equation]) -> bool:
    """Whether `_IntegerSearch` gives exactly what the plain search gives: whole-number cells
    (counts), no cell twice in one equation."""
    return (all(len(set(lhs + rhs)) == len(lhs) + len(rhs) for lhs, rhs in equations)
            and all(v is None or (type(v) is int and -INTEGRAL_LIMIT < v < INTEGRAL_LIMIT)
                    for row in rows for values, _ in row for v in values))


class _IntegerSearch:
    """`joint_solutions` for whole-number cells, step for step the same search, made cheap.

    The plain search re-adds every equation at every step.  Here each equation keeps its known
    sums and unknown counts per side, updated as cells change, so a step checks only the
    equations of the row it sets (the others held at the parent step) and the leaf's
    propagation goes through the equations in the same order, each in constant time.  Integer
    sums do not depend on the order of additions, so every comparison comes out the same.
    """

    def __init__(self, rows: list[list[Reading]], equations: list[Equation], signed: list[bool],
                 limit: int, budget: int):
        self.rows, self.equations, self.signed = rows, equations, signed
        self.limit, self.budget = limit, budget
        self.offsets, n = [], 0
        for row in rows:
            self.offsets.append(n)
            n += len(row[0][0])
        self.order = _search_order(rows, equations, self.offsets)
        self.cells: list = [None] * n
        self.chosen = [0] * len(rows)
        self.solutions: list[tuple[list, list[int]]] = []
        self.steps = 0
        # (equation, on its left side) for each cell; per equation: known sum and unknown cells
        # per side, and how many unknown cells may be negative
        self.where: list[list[tuple[int, bool]]] = [[] for _ in range(n)]
        for e, (lhs, rhs) in enumerate(equations):
            for i in lhs:
                self.where[i].append((e, True))
            for i in rhs:
                self.where[i].append((e, False))
        self.known_l, self.known_r = [0] * len(equations), [0] * len(equations)
        self.open_l = [len(lhs) for lhs, _ in equations]
        self.open_r = [len(rhs) for _, rhs in equations]
        self.open_signed = [sum(signed[i] for i in lhs + rhs) for lhs, rhs in equations]
        self.signed_l = [any(signed[i] for i in lhs) for lhs, _ in equations]
        self.signed_r = [any(signed[i] for i in rhs) for _, rhs in equations]
        self.touching = [sorted({e for i in range(self.offsets[r], self.offsets[r] + len(row[0][0]))
                                 for e, _ in self.where[i]}) for r, row in enumerate(rows)]
        # per depth k (rows order[:k] chosen), per equation: bounds of the unchosen rows, and
        # how many of its cells they hold (more open cells: a chosen row left one open)
        self.rest = _unchosen_bounds(_row_bounds(rows, equations, self.offsets), self.order, len(equations))
        self.unchosen = [[0] * len(equations)]
        for r in reversed(self.order):
            add = Counter(e for i in range(self.offsets[r], self.offsets[r] + len(rows[r][0][0]))
                          for e, _ in self.where[i])
            self.unchosen.append([c + add[e] for e, c in enumerate(self.unchosen[-1])])
        self.unchosen.reverse()
        # the plain search checks every equation at every step, this one only those of the row
        # it sets: an equation out of reach before any row is chosen fails every first step
        self.doomed = any(not lo <= 0 <= hi for lo, hi in self.rest[0])

    def run(self) -> list[tuple[list, list[int]]] | None:
        return self.solutions if self._search(0) else None

    def _put(self, state: tuple, cells: list, i: int, new) -> None:
        old = cells[i]
        if old is None and new is None:
            return
        known_l, known_r, open_l, open_r, open_signed = state
        signed = self.signed[i]
        for e, left in self.where[i]:
            known, open_ = (known_l, open_l) if left else (known_r, open_r)
            if old is None:
                open_[e] -= 1
                open_signed[e] -= signed
            else:
                known[e] -= old
            if new is None:
                open_[e] += 1
                open_signed[e] += signed
            else:
                known[e] += new
        cells[i] = new

    def _state(self) -> tuple:
        return self.known_l, self.known_r, self.open_l, self.open_r, self.open_signed

    def _feasible(self, r: int, k: int) -> bool:
        """Row r just set, rows order[:k] chosen."""
        if self.doomed:
            return False
        known_l, known_r, open_l, open_r = self.known_l, self.known_r, self.open_l, self.open_r
        rest, unchosen = self.rest[k], self.unchosen[k]
        for e in self.touching[r]:
            if open_l[e] == 0 and open_r[e] == 0:
                if known_l[e] != known_r[e]:
                    return False
            elif open_r[e] == 0 and not self.signed_l[e] and known_l[e] > known_r[e]:
                return False
            elif open_l[e] == 0 and not self.signed_r[e] and known_r[e] > known_l[e]:
                return False
            elif open_l[e] + open_r[e] == unchosen[e]:
                lo, hi = rest[e]
                if known_l[e] - known_r[e] + lo > 0 or known_l[e] - known_r[e] + hi < 0:
                    return False
        return True

    def _propagate(self) -> list | None:
        """`_propagate(cells, equations, signed)` on the current cells."""
        cells = list(self.cells)
        state = tuple(list(x) for x in self._state())
        known_l, known_r, open_l, open_r, open_signed = state
        signed, put = self.signed, self._put
        changed = True
        while changed:
            changed = False
            for e, (lhs, rhs) in enumerate(self.equations):
                left_open, right_open = open_l[e], open_r[e]
                if not left_open and not right_open:
                    if known_l[e] != known_r[e]:
                        return None
                    continue
                if left_open + right_open == 1:
                    i = next(j for j in (lhs if left_open else rhs) if cells[j] is None)
                    value = known_r[e] - known_l[e] if left_open else known_l[e] - known_r[e]
                    if value < 0 and not signed[i]:
                        return None
                    put(state, cells, i, value)
                    changed = True
                elif not open_signed[e] and (not left_open or not right_open):
                    need = known_r[e] - known_l[e] if left_open else known_l[e] - known_r[e]
                    if need < 0:
                        return None
                    if need == 0:
                        for i in [j for j in lhs + rhs if cells[j] is None]:
                            put(state, cells, i, 0)
                        changed = True
        return cells

    def _search(self, k: int) -> bool:
        if len(self.solutions) >= self.limit:
            return True
        if k == len(self.order):
            filled = self._propagate()
            if filled is not None:
                self.solutions.append((filled, list(self.chosen)))
            return True
        r = self.order[k]
        start, state, cells = self.offsets[r], self._state(), self.cells
        for j, (values, _) in enumerate(self.rows[r]):
            self.steps += 1
            if self.steps > self.budget:
                return False
            for k_, v in enumerate(values):
                old = cells[start + k_]
                if old is not v and (old is None or v is None or old != v):  # whole numbers: equal is unchanged
                    self._put(state, cells, start + k_, v)
            self.chosen[r] = j
            if self._feasible(r, k + 1) and not self._search(k + 1):
                return False
        for k_ in range(len(self.rows[r][0][0])):
            self._put(state, self.cells, start + k_, None)
        return True


def _most_plausible(readings: list[tuple[list, list]], prior: Callable[[list], float]):
    """The single most plausible reading, or None when the best ones disagree."""
    scores = [prior(cells) for cells, _ in readings]
    top = max(scores)
    best = [r for r, s in zip(readings, scores) if s == top]
    return best[0] if len({tuple(cells) for cells, _ in best}) == 1 else None
