"""Cell repair as small pure functions: parse printed numbers, and recover a row's
cells when the printed numbers do not match the template's cell count.

The solver never invents a value: a cell gets a value only when every split or
placement that satisfies the template's sum rules agrees on it; otherwise the cell
keeps its candidates and is flagged.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import combinations

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


def _propagate(cells: list, equations: list[Equation], signed: list[bool]) -> list | None:
    """Fill unknowns that an equation pins down; None when the reading breaks a rule."""
    cells = list(cells)
    changed = True
    while changed:
        changed = False
        for lhs, rhs in equations:
            unknown = [i for i in lhs + rhs if cells[i] is None]
            if len(unknown) == 1:
                i = unknown[0]
                known_l = sum(cells[j] for j in lhs if j != i)
                known_r = sum(cells[j] for j in rhs if j != i)
                value = known_r - known_l if i in lhs else known_l - known_r
                if (value < 0 and not signed[i]) or value != int(value):
                    return None
                cells[i] = int(value)
                changed = True
            elif not unknown:
                if abs(sum(cells[j] for j in lhs) - sum(cells[j] for j in rhs)) > 1e-9:
                    return None
    return cells


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


def run_together_readings(values: list, digit_runs: dict[int, str], width: int) -> list[tuple[list, list]]:
    """Readings in which printed digit runs (`1000001`) are several cells run together.

    `digit_runs` maps the index of each plain unsigned integer printed with two or more
    digits to its printed digits (leading zeros matter: `000` is three cells).
    Each reading splits some of them so the row has exactly `width` cells.
    """
    missing = width - len(values)
    if missing <= 0 or not digit_runs:
        return []
    out: list[tuple[list, list]] = []
    runs = sorted(digit_runs)

    def spread(k: int, left: int, extra: dict[int, int]) -> None:
        if len(out) >= MAX_CANDIDATES:
            return
        if k == len(runs):
            if left == 0:
                expand(0, [], [], extra)
            return
        index = runs[k]
        for add in range(0, min(left, len(digit_runs[index]) - 1) + 1):
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
        for split in digit_splits(digit_runs[i], parts):
            expand(i + 1, cells + split, sources + [i] * parts, extra)

    spread(0, missing, {})
    return out


def _pin(cells: list, pins: dict[int, float | int]) -> list | None:
    cells = list(cells)
    for i, value in pins.items():
        if cells[i] is None:
            cells[i] = value
        elif cells[i] != value:
            return None
    return cells


def solve(values: list, width: int, equations: list[Equation], signed: list[bool] | None = None,
          alternatives: list[tuple[list, list]] | None = None,
          pins: dict[int, float | int] | None = None) -> list[CellGuess]:
    """Recover `width` cells from printed `values` under the sum `equations`.

    `alternatives` adds further readings (e.g. splits of run-together digits); `pins`
    are values other rows' column sums require of a cell, used only to choose among
    readings.  With exactly `width` numbers the printed values stand as they are, even
    when a rule fails: the checks report that, the solver does not "fix" it.
    """
    signed = signed or [False] * width
    if len(values) == width and not alternatives:
        return [CellGuess(v, i, "direct") for i, v in enumerate(values)]
    consistent = []
    for cells, sources in readings(values, width) + (alternatives or []):
        pinned = _pin(cells, pins) if pins else cells
        solved = _propagate(pinned, equations, signed) if pinned is not None else None
        if solved is not None:
            consistent.append((solved, sources))
    # a reading that pins every cell beats one that leaves cells open: an open reading
    # only says "some value fits", it is no evidence for a different value
    determined = [c for c in consistent if None not in c[0]]
    if determined:
        consistent = determined
    if not consistent:
        # no reading fits the rules: keep the printed numbers left-aligned, all in conflict
        cells = (list(values) + [None] * width)[:width]
        return [CellGuess(v, i if v is not None else None, "conflict") for i, v in enumerate(cells)]
    guesses = []
    for i in range(width):
        seen = [c[0][i] for c in consistent]
        sources = {c[1][i] for c in consistent}
        distinct = sorted({v for v in seen if v is not None})
        if None not in seen and len(distinct) == 1:
            how = "direct" if len(consistent) == 1 and len(values) == width else "inferred"
            guesses.append(CellGuess(distinct[0], sources.pop() if len(sources) == 1 else None, how))
        else:
            guesses.append(CellGuess(None, None, "ambiguous", distinct))
    return guesses
