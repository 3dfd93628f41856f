"""Image inputs (PNG, JPEG, TIFF incl. multi-page): one OCR'd Page per frame."""
from __future__ import annotations

import io
import warnings

from ..model import Document, Page
from ..readers import ReaderError
from .rasterize import MAX_PIXELS, limit_size, pil_to_bgr

MAX_FRAMES = 200


def _frames(data: bytes):
    from PIL import Image, ImageSequence

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size  # header only: nothing decoded yet
    except Image.DecompressionBombError as exc:
        raise ReaderError(f"image too large to OCR ({exc})") from exc
    except Exception as exc:
        raise ReaderError(f"corrupt or unsupported image ({type(exc).__name__}: {exc})") from exc
    if w * h > MAX_PIXELS:
        raise ReaderError(f"image too large to OCR: {w}x{h} pixels (limit {MAX_PIXELS // 1_000_000} Mpx)")
    n = 0
    for frame in ImageSequence.Iterator(img):
        n += 1
        if n > MAX_FRAMES:
            raise ReaderError(f"image has more than {MAX_FRAMES} frames")
        fw, fh = frame.size
        if fw * fh > MAX_PIXELS:
            raise ReaderError(f"image frame {n} too large to OCR: {fw}x{fh} pixels")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame.load()
                bgr = pil_to_bgr(frame)
        except Exception as exc:
            raise ReaderError(f"corrupt or truncated image, frame {n} "
                              f"({type(exc).__name__}: {exc})") from exc
        yield limit_size(bgr)[0]


def read(data: bytes, source: str) -> Document:
    from . import ocr_image
    from .engines import OcrUnavailable, get_engine

    doc = Document(source, "", "image")
    engine = None
    for number, image in enumerate(_frames(data), start=1):
        if engine is None:
            try:
                engine = get_engine()
            except OcrUnavailable as exc:  # like any unreadable input: a message, not a crash
                raise ReaderError(f"image input needs OCR: {exc}") from exc
        try:
            page = ocr_image(image, number, engine)
        except OcrUnavailable:
            raise
        except Exception as exc:  # one bad frame must not lose the others
            doc.errors.append(f"page {number}: OCR failed ({type(exc).__name__}: {exc})")
            page = Page(number, path="ocr", width=float(image.shape[1]), height=float(image.shape[0]),
                        note="OCR failed")
        doc.pages.append(page)
    if not doc.pages:
        raise ReaderError("image has no frames")
    return doc
