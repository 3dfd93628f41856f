"""Page geometry for OCR: ruling lines -> table grids with merged cells, OCR boxes -> cells,
and boxes -> visual lines where there is no grid.  Pure functions over numpy masks and
(x0, top, x1, bottom) boxes; no OCR here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

BBox = tuple[float, float, float, float]
SEPARATOR_COVERAGE = 0.25


@dataclass
class Cell:
    r0: int
    c0: int
    r1: int  # exclusive
    c1: int  # exclusive
    bbox: BBox


@dataclass
class Grid:
    xs: list[float]  # column boundaries, len = columns + 1
    ys: list[float]  # row boundaries, len = rows + 1
    cells: list[Cell] = field(default_factory=list)

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def cell_at(self, x: float, y: float) -> Cell | None:
        for cell in self.cells:
            x0, y0, x1, y1 = cell.bbox
            if x0 <= x < x1 and y0 <= y < y1:
                return cell
        return None


# --- ruling lines --------------------------------------------------------------------

def ruling_masks(ink: np.ndarray, min_len: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks from a binary ink mask (255 = ink).

    Opening with long thin kernels keeps only straight runs; a short closing bridges the
    drop-outs of worn or broken lines so one ruling stays one component."""
    import cv2

    h, w = ink.shape
    min_len = min_len or max(20, min(h, w) // 40)
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (min_len, 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_len))
    # a double rule (two 1-px lines a pixel apart, as `border: double` prints), each line
    # wandering a pixel either way under JPEG and a tilt left after deskewing, keeps no column
    # of ink min_len long: closed across, its lines are one straight band
    hmask = cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN, hk)
    vmask = cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN, vk)
    # JPEG and speckle leave a thin ruling dashed, and a page not flat on the glass leaves it a
    # pixel off straight: no run is min_len long and a table loses its columns or rows. A
    # ribbon three pixels wide with short gaps closed keeps it; only runs three times min_len
    # long are taken from it, cut to the rulings across they cross (closing also joins a
    # ruling's end to the text beyond it), and only where the straight opening missed them and
    # no ink lies beside them (closing a line of text's strokes makes such runs too)
    def ribbon(across: tuple[int, int], along: tuple[int, int], kernel) -> np.ndarray:
        widened = cv2.dilate(ink, np.ones(across, np.uint8))
        return cv2.morphologyEx(cv2.morphologyEx(widened, cv2.MORPH_CLOSE, np.ones(along, np.uint8)), cv2.MORPH_OPEN, kernel)

    hribbon, vribbon = ribbon((3, 1), (1, 5), hk), ribbon((1, 3), (5, 1), vk)
    vmask = cv2.bitwise_or(vmask, _between_crossings(_long_runs(vribbon, False, 3 * min_len), hribbon, vmask, ink, min_len))
    hruns = _long_runs(hribbon, True, 3 * min_len)
    hmask = cv2.bitwise_or(hmask, _between_crossings(hruns.T, vmask.T, hmask.T, ink.T, min_len).T)
    bridge = max(9, min_len * 3 // 4)  # worn copies drop 20-30 px of a 200-dpi ruling
    hmask = cv2.morphologyEx(hmask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    return hmask, vmask


def _long_runs(mask: np.ndarray, horizontal: bool, min_len: int) -> np.ndarray:
    """The mask's components at least min_len long and thin across: straight rulings."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length = stats[:, cv2.CC_STAT_WIDTH if horizontal else cv2.CC_STAT_HEIGHT]
    thick = stats[:, cv2.CC_STAT_HEIGHT if horizontal else cv2.CC_STAT_WIDTH]
    keep = (length >= min_len) & (thick <= np.maximum(12, length // 10))
    keep[0] = False
    # each kept run painted within its own box: a page has a few dozen, and a lookup over the
    # whole page's labels cost more than finding them
    out = np.zeros_like(mask)
    for i in np.flatnonzero(keep):
        x, y, w, h = stats[i, :4]
        box = out[y:y + h, x:x + w]
        box[labels[y:y + h, x:x + w] == i] = 255
    return out


def _between_crossings(vertical: np.ndarray, hmask: np.ndarray, seen: np.ndarray, ink: np.ndarray,
                       min_len: int) -> np.ndarray:
    """Each vertical run (horizontal ones: every mask passed transposed) cut to the span between
    the first and last horizontal ruling it crosses (dropped if it crosses fewer than two),
    except where it runs on at least min_len and ends level (within min_len / 2: a page not
    flat on the glass tilts the line) with the table's outer borders and a third run: a table
    cut by the page edge ends all its columns a row below their last ruling; a heading's
    strokes joined to rulings right above it line up with a few inner ones.
    Runs whose ruling `seen` (the straight opening) already has for most of their span are left
    out: the ribbon is for broken rulings only. So are runs with ink beside them on a tenth of
    their rows away from the horizontal rulings: a ruling has white on both sides, the strokes
    of a column of text stacked tightly enough to join (enumerators `1.` `2.` under each other)
    have the rest of their characters."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    spans = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        crossings = np.nonzero(hmask[y:y + h, max(0, x - 2):x + w + 2].any(axis=1))[0]
        if len(crossings) < 2 or crossings[-1] == crossings[0]:
            continue
        first, last = y + crossings[0], y + crossings[-1] + 1
        if seen[first:last, max(0, x - 2):x + w + 2].any(axis=1).mean() >= 0.8 \
                or _ink_beside(ink, hmask, x, w, first, last) >= 0.1:
            continue
        spans.append((i, x, w, y, y + h, first, last))

    def shared(span: tuple, which: int) -> bool:
        """Three runs of the span's table end level with it, its outer borders among them."""
        table = [o for o in spans if min(o[6], span[6]) - max(o[5], span[5]) > 0.5 * (span[6] - span[5])]
        level = [o for o in table if abs(o[which] - span[which]) <= min_len // 2]
        borders = (min(table, key=lambda o: o[1]), max(table, key=lambda o: o[1]))
        return len(level) >= 3 and all(b in level for b in borders)

    out = np.zeros_like(vertical)
    for span in spans:
        i, x, w, y0, y1, first, last = span
        top = y0 if first - y0 >= min_len and shared(span, 3) else first
        bottom = y1 if y1 - last >= min_len and shared(span, 4) else last
        out[top:bottom, x:x + w] = np.where(labels[top:bottom, x:x + w] == i, 255, 0)
    return out


def _ink_beside(ink: np.ndarray, hmask: np.ndarray, x: int, w: int, top: int, bottom: int) -> float:
    """Share of a vertical run's rows, away from horizontal rulings, with ink (two pixels or more,
    not a speck) in a 4-px band on either side of it."""
    left = (ink[top:bottom, max(0, x - 6):max(0, x - 2)] > 0).sum(axis=1) >= 2
    right = (ink[top:bottom, x + w + 2:x + w + 6] > 0).sum(axis=1) >= 2
    away = ~hmask[top:bottom, max(0, x - 8):x + w + 8].any(axis=1)
    return float(((left | right) & away).sum() / max(1, away.sum()))


def fragment_masks(ink: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal / vertical runs of at least `length` px: the pieces a worn ruling breaks into.
    Only read in narrow bands at known ruling positions, where text strokes are rare."""
    import cv2

    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, hk), cv2.morphologyEx(ink, cv2.MORPH_OPEN, vk)


def _segments(mask: np.ndarray, horizontal: bool, min_len: int) -> list[tuple[float, float, float]]:
    """(position, start, end) of each line component at least min_len long."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        if horizontal and w >= min_len and h <= max(12, w // 10):
            out.append((y + h / 2, float(x), float(x + w)))
        elif not horizontal and h >= min_len and w <= max(12, h // 10):
            out.append((x + w / 2, float(y), float(y + h)))
    return out


def cluster_positions(values: Sequence[float], tol: float) -> list[float]:
    """Merge sorted positions closer than tol into their mean."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [float(np.mean(g)) for g in groups]


def coverage(mask: np.ndarray, horizontal: bool, pos: float, start: float, end: float, band: int = 4) -> float:
    """Share of the span [start, end] along a would-be ruling at `pos` that has line pixels."""
    h, w = mask.shape
    margin = max(2, int((end - start) * 0.1))  # ignore the crossings with perpendicular lines
    a, b = int(start) + margin, int(end) - margin
    p0, p1 = max(0, int(pos) - band), int(pos) + band + 1
    if b <= a:
        return 1.0
    if horizontal:
        strip = mask[p0:min(h, p1), max(0, a):min(w, b)]
        return float(strip.any(axis=0).mean()) if strip.size else 0.0
    strip = mask[max(0, a):min(h, b), p0:min(w, p1)]
    return float(strip.any(axis=1).mean()) if strip.size else 0.0


def _find(parent: dict, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def merge_cells(xs: list[float], ys: list[float], has_hsep, has_vsep) -> list[Cell]:
    """Union grid slots not separated by a ruling into merged cells.

    has_hsep(i, j): a ruling between slot rows i and i+1 in column j.
    has_vsep(i, j): a ruling between slot columns j and j+1 in row i."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = {(i, j): (i, j) for i in range(rows) for j in range(cols)}
    for i in range(rows):
        for j in range(cols):
            if i + 1 < rows and not has_hsep(i, j):
                parent[_find(parent, (i + 1, j))] = _find(parent, (i, j))
            if j + 1 < cols and not has_vsep(i, j):
                parent[_find(parent, (i, j + 1))] = _find(parent, (i, j))
    groups: dict = {}
    for slot in parent:
        groups.setdefault(_find(parent, slot), []).append(slot)
    cells = []
    for slots in groups.values():
        r0 = min(s[0] for s in slots)
        r1 = max(s[0] for s in slots) + 1
        c0 = min(s[1] for s in slots)
        c1 = max(s[1] for s in slots) + 1
        cells.append(Cell(r0, c0, r1, c1, (xs[c0], ys[r0], xs[c1], ys[r1])))
    cells.sort(key=lambda c: (c.r0, c.c0))
    return cells


LOCAL_BAND = 6  # px either side of a ruling's mean position it may run at, locally


def local_position(mask: np.ndarray, horizontal: bool, pos: float, start: float, end: float,
                   band: int = LOCAL_BAND) -> float:
    """Where the ruling the grid puts at `pos` (the table-wide mean of its pieces) runs within
    [start, end]: the line of `mask` within `band` px of `pos` with most line pixels there, or
    `pos` when that stretch shows no ruling.  A page not flat on the glass tilts rulings
    differently across it: at the label column a row boundary may lie a few px off its mean."""
    h, w = mask.shape
    p0, p1 = max(0, int(pos) - band), min(h if horizontal else w, int(pos) + band + 1)
    a, b = max(0, int(start)), min(w if horizontal else h, int(end))
    if b - a < 8 or p1 <= p0:
        return pos
    strip = mask[p0:p1, a:b] if horizontal else mask[a:b, p0:p1].T
    counts = (strip > 0).sum(axis=1)
    if counts.max() < 0.3 * (b - a):
        return pos
    return float(p0 + int(np.argmax(counts)))


def crossed(texts: Sequence[BBox], horizontal: bool, pos: float, start: float, end: float,
            clear: float = 4.0, mask: np.ndarray | None = None) -> bool:
    """Does a text box run across the would-be ruling at `pos` (within [start, end])?  Text
    laid over a slot boundary means the slots are one merged cell.  `mask`: the rulings' pixels,
    to judge each box against the ruling where it runs beside the box (`local_position`)."""
    for b in texts:
        # the boundary must lie well inside the box (by a quarter of its short side, about a
        # character): detector boxes are padded, so a label set close to a ruling pokes over it
        short = min(b[2] - b[0], b[3] - b[1])
        need = max(clear, 0.25 * short)
        # the box's extent across the ruling (lo, hi) and along it (a0, a1)
        lo, hi, a0, a1 = (b[1], b[3], b[0], b[2]) if horizontal else (b[0], b[2], b[1], b[3])
        along = max(0.0, min(a1, end) - max(a0, start))
        # (the ruling runs within LOCAL_BAND of pos: a box too far from it either way is decided)
        if min(pos - lo, hi - pos) <= need - LOCAL_BAND or along <= 0.5 * (a1 - a0):
            continue
        at = pos if mask is None else local_position(mask, horizontal, pos, max(start, a0), min(end, a1))
        if min(at - lo, hi - at) > need:
            return True
    return False


def content_box(ink: np.ndarray, pad: int = 24, least: float = 0.01) -> BBox:
    """The printed area of a page: the rows and columns holding more ink than specks do, padded
    (the margins around it hold no text a detector needs to see)."""
    h, w = ink.shape[:2]
    rows = np.count_nonzero(ink, axis=1) > max(2.0, least * w)
    cols = np.count_nonzero(ink, axis=0) > max(2.0, least * h)
    if not rows.any() or not cols.any():
        return (0.0, 0.0, float(w), float(h))
    y0, y1 = int(np.argmax(rows)), h - int(np.argmax(rows[::-1]))
    x0, x1 = int(np.argmax(cols)), w - int(np.argmax(cols[::-1]))
    return (float(max(0, x0 - pad)), float(max(0, y0 - pad)), float(min(w, x1 + pad)), float(min(h, y1 + pad)))


def text_bands(ink: np.ndarray, box: BBox, skip: Sequence[BBox] = (), least: float = 0.01,
               gap: int = 3) -> list[tuple[int, int]]:
    """(top, bottom) of each band of rows holding ink inside `box` (its text lines, top to
    bottom), rows inside `skip` (the tables) left out; bands fewer than `gap` blank rows apart
    are one."""
    x0, y0, x1, y1 = (int(v) for v in box)
    counts = np.count_nonzero(ink[y0:y1, x0:x1], axis=1)
    inked = counts > max(2.0, least * (x1 - x0))
    for t in skip:
        inked[max(0, int(t[1]) - y0):max(0, int(t[3]) - y0)] = False
    bands: list[tuple[int, int]] = []
    for y in np.flatnonzero(inked):
        if bands and y + y0 - bands[-1][1] <= gap:
            bands[-1] = (bands[-1][0], int(y) + y0 + 1)
        else:
            bands.append((int(y) + y0, int(y) + y0 + 1))
    return bands


def page_rulings(ink: np.ndarray) -> tuple[np.ndarray, ...]:
    """A page's ruling masks for `find_grids` (horizontal, vertical, and each with its short
    fragments), computed once per page: the page is searched for tables twice."""
    import cv2

    hmask, vmask = ruling_masks(ink)
    # whether a ruling separates two slots is judged on short runs too: a worn line can
    # lose every piece as long as the opening that finds rulings
    hfrag, vfrag = fragment_masks(ink, max(8, _min_len(ink) // 4))
    return hmask, vmask, cv2.bitwise_or(hfrag, hmask), cv2.bitwise_or(vfrag, vmask)


def _min_len(ink: np.ndarray) -> int:
    return max(20, min(ink.shape[:2]) // 40)


def find_grids(ink: np.ndarray, min_cell: int = 12, texts: Sequence[BBox] = (),
               masks: tuple[np.ndarray, ...] | None = None) -> list[Grid]:
    """Ruled tables on a page, each as a grid of (possibly merged) cells, top to bottom.

    `texts`: boxes of (non-numeric) text; one lying across a weak slot boundary marks a
    merged cell, which short ruling pieces alone cannot tell from a worn line.  `masks`: the
    page's `page_rulings`, when already made."""
    import cv2

    h, w = ink.shape
    masks = masks if masks is not None else page_rulings(ink)
    hmask, vmask = masks[:2]
    min_len = _min_len(ink)
    table_mask = cv2.dilate(cv2.bitwise_or(hmask, vmask), np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(table_mask, connectivity=8)
    grids = []
    for k in range(1, n):
        x, y, bw, bh = stats[k, :4]
        if bw < w * 0.2 or bh < min_cell * 2:
            continue
        region = labels[y:y + bh, x:x + bw] == k
        hseg = [(p + y, a + x, b + x) for p, a, b in
                _segments((hmask[y:y + bh, x:x + bw] * region).astype(np.uint8), True, min_len)]
        vseg = [(p + x, a + y, b + y) for p, a, b in
                _segments((vmask[y:y + bh, x:x + bw] * region).astype(np.uint8), False, min_len)]
        grid = _grid(hseg, vseg, masks, min_cell, texts)
        if grid is None:
            continue
        # two tables joined by the heading between them (blur thickens a big heading's
        # strokes into "rulings" that bridge the gap): a band without the table's outer
        # borders is no table row, and each part is a table of its own
        parts = _bordered_parts(grid, vmask, min_cell)
        if len(parts) > 1:
            for top, bottom in parts:
                sub = _grid([s for s in hseg if top - 2 <= s[0] <= bottom + 2],
                            [(p, max(a, top), min(b, bottom)) for p, a, b in vseg if a < bottom and b > top],
                            masks, min_cell, texts)
                if sub is not None:
                    grids.append(sub)
        else:
            grids.append(grid)
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _grid(hseg, vseg, masks, min_cell: int, texts: Sequence[BBox]) -> Grid | None:
    """The grid that ruling segments (position, start, end) in page pixels make, or None."""
    hmask, vmask, hfrag, vfrag = masks
    # a ruling that spans a useful part of the table, not a stray stroke
    ys = cluster_positions([s[0] for s in hseg if s[2] - s[1] >= min_cell * 2], tol=min_cell / 2)
    xs = cluster_positions([s[0] for s in vseg if s[2] - s[1] >= min_cell], tol=min_cell / 2)
    if len(ys) < 2 or len(xs) < 2:
        return None
    # a table cut by the page edge (continued on the next page) has no closing ruling:
    # the vertical rulings' ends close it
    ys = close_open_ends(ys, [s[1] for s in vseg], [s[2] for s in vseg], min_cell)
    xs = close_open_ends(xs, [s[1] for s in hseg], [s[2] for s in hseg], min_cell)
    # drop boundaries too close to be rows/columns (double rules, thick lines)
    ys = _spaced(ys, min_cell)
    xs = _spaced(xs, min_cell)
    if len(ys) < 2 or len(xs) < 2:
        return None

    # a merged cell has next to no line pixels where the ruling would be (text strokes are
    # gone after the opening); a worn ruling keeps well over a quarter of its length
    def has_hsep(i, j):
        if coverage(hmask, True, ys[i + 1], xs[j], xs[j + 1]) >= 0.5:
            return True
        return (coverage(hfrag, True, ys[i + 1], xs[j], xs[j + 1]) >= SEPARATOR_COVERAGE
                and not crossed(texts, True, ys[i + 1], xs[j], xs[j + 1], mask=hfrag))

    def has_vsep(i, j):
        if coverage(vmask, False, xs[j + 1], ys[i], ys[i + 1]) >= 0.5:
            return True
        return (coverage(vfrag, False, xs[j + 1], ys[i], ys[i + 1]) >= SEPARATOR_COVERAGE
                and not crossed(texts, False, xs[j + 1], ys[i], ys[i + 1], mask=vfrag))

    return Grid(xs, ys, merge_cells(xs, ys, has_hsep, has_vsep))


def _bordered_parts(grid: Grid, vmask: np.ndarray, min_cell: int) -> list[tuple[float, float]]:
    """Runs of row bands that have the grid's left or right border, as (top, bottom). A border
    is looked for within min_cell of the grid's: two tables joined by a heading stroke, their
    borders a few pixels apart (a tilted page), share the first one's."""
    parts: list[tuple[float, float]] = []
    start = None
    ys = grid.ys
    for i in range(len(ys) - 1):
        bordered = max(coverage(vmask, False, grid.xs[0], ys[i], ys[i + 1], band=min_cell),
                       coverage(vmask, False, grid.xs[-1], ys[i], ys[i + 1], band=min_cell)) >= 0.5
        if bordered and start is None:
            start = ys[i]
        elif not bordered and start is not None:
            parts.append((start, ys[i]))
            start = None
    if start is not None:
        parts.append((start, ys[-1]))
    return parts


def close_open_ends(bounds: list[float], starts: list[float], ends: list[float], min_cell: float) -> list[float]:
    """Add a first/last boundary where perpendicular rulings run on past the outermost one."""
    if not bounds or not starts:
        return bounds
    out = list(bounds)
    first, last = min(starts), max(ends)
    if first < out[0] - min_cell:
        out.insert(0, first)
    if last > out[-1] + min_cell:
        out.append(last)
    return out


def _spaced(values: list[float], gap: float) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] >= gap:
            out.append(v)
    return out


# --- boxes -----------------------------------------------------------------------------

def centre(b: BBox) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def inside(b: BBox, region: BBox, pad: float = 0.0) -> bool:
    cx, cy = centre(b)
    return region[0] - pad <= cx <= region[2] + pad and region[1] - pad <= cy <= region[3] + pad


def union(boxes: Sequence[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def overlap_x(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def split_by_cells(box: BBox, cells: Sequence[Cell], min_share: float = 0.25,
                   inset: float = 4.0) -> list[tuple[Cell, BBox]]:
    """Parts of a box that straddles several cells (a detector merge across a thin ruling):
    each part as (cell, box clipped to the cell, `inset` px clear of its rulings so a re-read
    does not see the line as a "1").  Across a vertical ruling, parts covering less than
    `min_share` of the box width are ignored; across a horizontal one (a vertical header
    merged with the value printed right under it: "结果维持2"), a part counts when it covers
    half the other cell's height."""
    width = max(1.0, box[2] - box[0])
    _, cy = centre(box)
    parts = []
    for cell in cells:
        x0, y0, x1, y1 = cell.bbox
        if overlap_x(box, cell.bbox) / width < min_share:
            continue
        if y0 <= cy < y1:
            parts.append((cell, (max(box[0], x0 + inset), box[1], min(box[2], x1 - inset), box[3])))
            continue
        top, bottom = max(box[1], y0 + inset), min(box[3], y1 - inset)
        if bottom - top >= max(6.0, 0.5 * (y1 - y0 - 2 * inset)):
            parts.append((cell, (max(box[0], x0 + inset), top, min(box[2], x1 - inset), bottom)))
    if len({cell.r0 for cell, _ in parts}) > 1:  # across rows: every part within its own row
        parts = [(cell, (b[0], max(b[1], cell.bbox[1] + inset), b[2], min(b[3], cell.bbox[3] - inset)))
                 for cell, b in parts]
    return parts


def group_into_lines(boxes: Sequence[BBox], min_overlap: float = 0.5) -> list[list[int]]:
    """Indices of boxes grouped into visual lines (top to bottom, each left to right).

    A box joins a line when it overlaps the line's vertical extent by `min_overlap` of the
    smaller height, which tolerates numbers set a few pixels above or below their label."""
    order = sorted(range(len(boxes)), key=lambda i: (centre(boxes[i])[1], boxes[i][0]))
    lines: list[list[int]] = []
    extents: list[tuple[float, float]] = []
    for i in order:
        b = boxes[i]
        placed = False
        for k in range(len(lines) - 1, max(-1, len(lines) - 4), -1):  # recent lines only
            top, bottom = extents[k]
            ov = min(bottom, b[3]) - max(top, b[1])
            if ov >= min_overlap * min(bottom - top, b[3] - b[1]):
                lines[k].append(i)
                extents[k] = (min(top, b[1]), max(bottom, b[3]))
                placed = True
                break
        if not placed:
            lines.append([i])
            extents.append((b[1], b[3]))
    for line in lines:
        line.sort(key=lambda i: boxes[i][0])
    return lines


def reading_order_text(texts: Sequence[str], boxes: Sequence[BBox]) -> str:
    """Join the pieces of one cell: visual lines top to bottom, pieces left to right.
    Chinese wraps without spaces; a space is kept only between two Latin/digit pieces."""
    out = ""
    for line in group_into_lines(boxes):
        for i in line:
            piece = texts[i].strip()
            if not piece:
                continue
            if out and out[-1].isascii() and out[-1].isalnum() and piece[0].isascii() and piece[0].isalnum():
                out += " "
            out += piece
    return out


def match_columns(prev_xs: Sequence[float], xs: Sequence[float], tol: float) -> dict[int, int] | None:
    """Column renumbering for a table continued from the previous page: when every boundary
    of this grid lies within `tol` of a boundary of the previous one, map this grid's column
    j to the previous grid's column index.  None when the grids do not line up."""
    mapping = {}
    prev = list(prev_xs)
    idx = []
    for x in xs:
        k = int(np.argmin([abs(x - p) for p in prev]))
        if abs(prev[k] - x) > tol:
            return None
        idx.append(k)
    if idx != sorted(idx) or len(set(idx)) != len(idx):
        return None
    for j in range(len(xs) - 1):
        mapping[j] = idx[j]
    return mapping
