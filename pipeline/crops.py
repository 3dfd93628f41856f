"""Evidence crops a reviewer can check: the field's cell outlined within its row band, with
the row label at the band's left and the column header strip above it.

Pages are rendered again from the source (PDF via poppler, images as they are) into the frame
the page's boxes live in: scaled from page units (PDF points or OCR pixels) and, for OCR'd
pages, rotated by the page's deskew angle exactly as the OCR stage rotated it (boxes are read
from the deskewed page, so a crop of the unrotated render would be offset).

Where the row and header are is found on the image itself (horizontal rulings and ink), so
it works the same on ruled scans and on unruled text PDFs; the pure geometry below works on
a boolean ink mask.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .model import CONFIDENT, Result

CROP_DPI = 200
PAD = 8  # pixels of page kept around the crop, so the rulings show
INK = 150  # grey level below which a pixel is ink
RULING_FILL = 0.5  # a pixel row inked over this share of the band's width is a horizontal ruling
MAX_LABEL_LINES = 3  # a wrapped row label can make its row this many cell heights tall
HEADER_ROWS = 5  # the header strip is at most this many row heights
SEPARATOR = 14  # pixels between header strip and row band when rows lie between them

BBox = tuple[float, float, float, float]


def needs_review(result: Result) -> list[str]:
    return [f for f, v in result.fields.items() if v.status != "ok" or v.confidence < CONFIDENT]


# --- page renders in the boxes' frame ---------------------------------------------------

def _render(source: Path, number: int, dpi: int):
    from PIL import Image, ImageSequence

    if source.read_bytes()[:5].startswith(b"%PDF"):
        from pdf2image import convert_from_path

        pages = convert_from_path(str(source), dpi=dpi, first_page=number, last_page=number)
        return pages[0].convert("RGB") if pages else None
    with Image.open(source) as image:
        for k, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if k == number:
                from .ocr.rasterize import pil_to_bgr

                return Image.fromarray(pil_to_bgr(frame)[:, :, ::-1])
    return None


def _rotate(image, angle: float):
    """The OCR stage's deskew (cv2 rotation about the centre, same size, white fill)."""
    from PIL import Image

    from .ocr.preprocess import rotate

    return Image.fromarray(rotate(np.asarray(image), angle))


class PageImages:
    """Rendered pages of one source, each in its page's box frame, cached."""

    def __init__(self, source: Path, pages: list[dict], dpi: int = CROP_DPI):
        self.source = Path(source)
        self.info = {p["page"]: p for p in pages}
        self.dpi = dpi
        self._cache: dict[int, tuple] = {}

    def get(self, number: int):
        """(RGB image, pixels per page unit) or None when the page cannot be rendered."""
        if number not in self._cache:
            info = self.info.get(number)
            image = _render(self.source, number, self.dpi) if info and info.get("width") else None
            if image is None:
                self._cache[number] = None
            else:
                if info.get("deskew"):
                    image = _rotate(image, float(info["deskew"]))
                self._cache[number] = (image, image.width / float(info["width"]))
        return self._cache[number]


# --- geometry on an ink mask --------------------------------------------------------------

def ink_mask(gray: np.ndarray) -> np.ndarray:
    return gray < INK


def _rulings(ink: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    """Rows in [y0, y1) of the mask inked over most of [x0, x1): horizontal rulings."""
    y0, y1 = max(0, y0), min(ink.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        return np.array([], int)
    return y0 + np.flatnonzero(ink[y0:y1, x0:x1].mean(axis=1) >= RULING_FILL)


def row_band(ink: np.ndarray, cell: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The table row around a cell: left and right ink of the row, and the rulings above and
    below the cell (a wrapped label makes a row taller than its number); without rulings the
    cell's own height."""
    h, w = ink.shape
    x0, y0, x1, y1 = cell
    cols = np.flatnonzero(ink[max(0, y0):min(h, y1)].sum(axis=0) >= 2)
    left = int(min(cols[0], x0)) if cols.size else x0
    right = int(max(cols[-1] + 1, x1)) if cols.size else x1
    height = max(1, y1 - y0)
    reach = int(height * (MAX_LABEL_LINES - 1))
    mid = (y0 + y1) // 2
    lines = _rulings(ink, left, right, y0 - reach, y1 + reach + 1)
    above, below = lines[lines <= mid], lines[lines > mid]
    # the nearest ruling line on each side; a thick ruling is several pixel rows
    top = int(above.max()) if above.size else max(0, y0 - 2)
    bottom = int(below.min()) + 1 if below.size else min(h, y1 + 2)
    while above.size and top - 1 in above:
        top -= 1
    while below.size and bottom in below:
        bottom += 1
    return left, top, right, bottom


def header_band(ink: np.ndarray, anchor: int, left: int, right: int, row_height: int,
                floor: int = 0) -> tuple[int, int] | None:
    """The printed header above a table block starting at `anchor`: inked rows upwards until a
    blank gap, at most HEADER_ROWS row heights and not above `floor`.  None when nothing is
    printed there (a table continued from the previous page)."""
    limit = max(0, floor, anchor - int(HEADER_ROWS * row_height))
    band = ink[limit:anchor, left:right]
    inked = band.sum(axis=1) >= 2
    ruled = band.mean(axis=1) >= RULING_FILL if right > left else inked
    text_gap = max(6, row_height // 3)
    top, blank, after_ruling = anchor, 0, False
    for y in range(anchor - 1 - limit, -1, -1):
        if inked[y]:
            top, blank, after_ruling = y + limit, 0, bool(ruled[y])
        else:
            blank += 1
            # blank just above a ruling is outside the table: its top border was passed
            if blank >= (3 if after_ruling else text_gap):
                break
    return (top, anchor) if anchor - top >= max(6, row_height // 3) else None


def block_top(bands: list[tuple[int, int]], index: int) -> int:
    """Top of the run of adjacent rows the row `index` belongs to (bands sorted by top); a gap
    of more than a row's height means header rows lie between: a new block."""
    k = index
    while k > 0:
        prev_top, prev_bottom = bands[k - 1]
        top, bottom = bands[k]
        if top - prev_bottom > max(bottom - top, prev_bottom - prev_top):
            break
        k -= 1
    return bands[k][0]


# --- the reviewer's crop -----------------------------------------------------------------------

class Cropper:
    """Crops for the fields of one Result; page renders, ink masks and row bands are cached, so
    cropping a whole review queue renders each page once."""

    def __init__(self, result: Result, source: Path, dpi: int = CROP_DPI):
        self.result = result
        self.images = PageImages(Path(source), result.pages, dpi)
        self._inks: dict[int, np.ndarray] = {}
        self._bands: dict[str, tuple[int, int, int, int] | None] = {}
        self._cells: dict[str, tuple[int, tuple[int, int, int, int]] | None] = {}

    def ink(self, page: int) -> np.ndarray:
        if page not in self._inks:
            self._inks[page] = ink_mask(np.asarray(self.images.get(page)[0].convert("L")))
        return self._inks[page]

    def cell(self, field_id: str) -> tuple[int, tuple[int, int, int, int]] | None:
        """(page, cell box in render pixels) of a field, None without a box on a renderable page."""
        if field_id not in self._cells:
            ev = self.result.fields[field_id].evidence
            got = self.images.get(ev.page) if ev.bbox and ev.page is not None else None
            self._cells[field_id] = None
            if got is not None:
                image, scale = got
                x0, y0, x1, y1 = (int(round(v * scale)) for v in ev.bbox)
                x0, y0, x1, y1 = max(0, x0), max(0, y0), min(image.width, x1), min(image.height, y1)
                if x1 > x0 and y1 > y0:
                    self._cells[field_id] = (ev.page, (x0, y0, x1, y1))
        return self._cells[field_id]

    def band(self, field_id: str) -> tuple[int, int, int, int] | None:
        if field_id not in self._bands:
            placed = self.cell(field_id)
            self._bands[field_id] = row_band(self.ink(placed[0]), placed[1]) if placed else None
        return self._bands[field_id]

    def header(self, field_id: str, left: int, right: int) -> tuple[int, int, int] | None:
        """(page, top, bottom) of the column header above the field's block of rows: on the
        field's page, else on the page where the column's rows begin (tables run over pages)."""
        table, _row, column = field_id.split(".")
        mine = self.cell(field_id)
        placed = {f: p for f in self.result.fields
                  if f.startswith(table + ".") and (p := self.cell(f)) and p[0] <= mine[0]}
        for page in sorted({p[0] for p in placed.values()}, reverse=True):
            on_page = [f for f, p in placed.items() if p[0] == page]
            bands = sorted({self.band(f)[1::2] for f in on_page if f.endswith("." + column)})
            if not bands:
                continue
            anchor = block_top(bands, bands.index(self.band(field_id)[1::2]) if page == mine[0] else 0)
            # a header never reaches into rows of the table printed above it (section 二's blocks)
            floor = max((self.band(f)[3] for f in on_page if self.band(f)[3] <= anchor + 2), default=0)
            height = int(np.median([b - t for t, b in bands]))
            found = header_band(self.ink(page), anchor, left, right, height, floor)
            if found:
                return page, found[0], found[1]
        return None

    def crop(self, field_id: str):
        """Header strip, separator, row band with the cell outlined, as one RGB image; None
        when the field has no box on a renderable page."""
        from PIL import Image, ImageDraw

        placed = self.cell(field_id)
        if placed is None:
            return None
        page, (cx0, cy0, cx1, cy1) = placed
        image = self.images.get(page)[0]
        left, top, right, bottom = self.band(field_id)
        left, right = max(0, left - PAD), min(image.width, right + PAD)
        header = self.header(field_id, left, right)
        strip = None
        row_top = max(0, top - PAD)
        if header and header[0] == page and header[2] >= top - 2:
            row_top = max(0, header[1] - PAD)  # the block's first row: header and row in one piece
        elif header:
            strip = self.images.get(header[0])[0].crop((left, max(0, header[1] - PAD), right, header[2] + 2))
        row = image.crop((left, row_top, right, min(image.height, bottom + PAD)))
        offset = strip.height + SEPARATOR if strip else 0
        out = Image.new("RGB", (row.width, offset + row.height), (255, 255, 255))
        draw = ImageDraw.Draw(out, "RGBA")
        if strip:
            out.paste(strip, (0, 0))
            y = strip.height + SEPARATOR // 2
            for x in range(0, out.width, 12):  # dashed: rows left out here
                draw.line((x, y, x + 6, y), fill=(150, 150, 150, 255), width=2)
        out.paste(row, (0, offset))
        x0, x1 = cx0 - left, cx1 - left
        y0, y1 = offset + cy0 - row_top, offset + cy1 - row_top
        if header:  # the column under its header, tinted
            draw.rectangle((x0, 0, x1, (strip.height if strip else y0)), fill=(255, 200, 0, 60))
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), outline=(220, 0, 0, 255), width=3)
        return out


def write_crops(result: Result, source: Path, out_dir: Path, fields: list[str] | None = None) -> int:
    """Save `<out_dir>/<field id>.png` for the given fields (default: the review queue) and
    link each from its field's evidence."""
    wanted = [f for f in (fields if fields is not None else needs_review(result))
              if result.fields[f].evidence.bbox and result.fields[f].evidence.page]
    if not wanted:
        return 0
    cropper = Cropper(result, Path(source))
    written = 0
    for field_id in wanted:
        crop = cropper.crop(field_id)
        if crop is None:
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{field_id}.png"
        crop.save(path, compress_level=1)  # 4x faster than the default, files ~1.5x larger
        result.fields[field_id].evidence.crop = str(path)
        written += 1
    return written
