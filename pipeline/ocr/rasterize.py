"""PDF pages and image files -> BGR uint8 arrays for OCR."""
from __future__ import annotations

import numpy as np

# 200 dpi: digits in 9-12 pt table cells are 30-45 px tall, above the recogniser's 48 px
# input after its resize; 300 dpi read no more numbers on our scans and cost 2x in pixels
# (docs/ocr.md).
DEFAULT_DPI = 200
# Larger pages than this (A3 at 300 dpi is ~17.5 Mpx) are downscaled before OCR, and anything
# beyond MAX_PIXELS is refused as a likely decompression bomb.
MAX_SIDE = 4200
MAX_PIXELS = 120_000_000


def pil_to_bgr(img) -> np.ndarray:
    """Any Pillow image (1, L, P, RGB, RGBA, I;16...) as a 3-channel BGR array on white."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() or 1
        img = Image.fromarray((arr * (255.0 / hi)).astype(np.uint8))
    rgb = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def limit_size(image: np.ndarray, max_side: int = MAX_SIDE) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most max_side; returns the image and the scale used."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), scale


def rasterize_pdf_page(data: bytes, number: int, dpi: int = DEFAULT_DPI) -> np.ndarray:
    """Page `number` (1-based) of a PDF as BGR pixels, rendered by poppler's pdftoppm."""
    from pdf2image import convert_from_bytes

    pages = convert_from_bytes(data, dpi=dpi, first_page=number, last_page=number, timeout=120)
    if not pages:
        raise ValueError(f"pdftoppm rendered nothing for page {number}")
    image = pil_to_bgr(pages[0])
    return limit_size(image)[0]
