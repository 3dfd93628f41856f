"""Evidence crops: the image of each field's cell, for the person reviewing it.

Pages are rendered again from the source (PDF via poppler, images as they are), and each
bbox is scaled from page units (PDF points or OCR pixels) by rendered width / page width.
"""
from __future__ import annotations

from pathlib import Path

from .model import CONFIDENT, Result

CROP_DPI = 200
PAD = 6  # pixels around the cell, so a reviewer sees the ruling lines too


def needs_review(result: Result) -> list[str]:
    return [f for f, v in result.fields.items() if v.status != "ok" or v.confidence < CONFIDENT]


def _page_images(source: Path, numbers: set[int]) -> dict:
    from PIL import Image, ImageSequence

    data = source.read_bytes()[:8]
    if data.startswith(b"%PDF"):
        from pdf2image import convert_from_path

        return {n: convert_from_path(str(source), dpi=CROP_DPI, first_page=n, last_page=n)[0]
                for n in sorted(numbers)}
    with Image.open(source) as image:
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    return {n: frames[n - 1] for n in numbers if 0 < n <= len(frames)}


def write_crops(result: Result, source: Path, out_dir: Path, fields: list[str] | None = None) -> int:
    """Save `<out_dir>/<field id>.png` for the given fields (default: the review queue)."""
    sizes = {p["page"]: p.get("width") for p in result.pages}
    wanted = [f for f in (fields if fields is not None else needs_review(result))
              if result.fields[f].evidence.bbox and sizes.get(result.fields[f].evidence.page)]
    if not wanted:
        return 0
    images = _page_images(source, {result.fields[f].evidence.page for f in wanted})
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for field_id in wanted:
        evidence = result.fields[field_id].evidence
        image = images.get(evidence.page)
        if image is None:
            continue
        scale = image.width / sizes[evidence.page]
        x0, y0, x1, y1 = (v * scale for v in evidence.bbox)
        box = (max(0, int(x0) - PAD), max(0, int(y0) - PAD),
               min(image.width, int(x1) + PAD), min(image.height, int(y1) + PAD))
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        path = out_dir / f"{field_id}.png"
        image.crop(box).save(path)
        evidence.crop = str(path)
        written += 1
    return written
