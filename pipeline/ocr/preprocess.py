"""Page clean-up before OCR.  Each step is a small function; `prepare` applies the ones that
measurably helped (see docs/ocr.md for the numbers).  All return uint8 images."""
from __future__ import annotations

import cv2
import numpy as np


def suppress_red(image: np.ndarray) -> np.ndarray:
    """Grey page from the red channel: a red seal turns near-white while black ink under it
    stays black (printed text is dark in every channel).  Identical to the usual grey on
    pages without colour, so it is safe to apply always."""
    if image.ndim == 2:
        return image
    b, g, r = (image[:, :, k].astype(np.int16) for k in range(3))
    out = image[:, :, 2].copy()
    # light red pixels (seal ink on paper) go fully white: in the red channel alone they stay
    # light grey, and the detector still reads the seal's lettering.  Only light ones: JPEG
    # chroma bleeds red into black strokes under the seal, which must stay dark.
    out[(r > 180) & (r - np.maximum(g, b) > 50)] = 255
    return out


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as 255, robust to uneven background (adaptive threshold)."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def estimate_skew(gray: np.ndarray, max_angle: float = 3.0) -> float:
    """Page rotation in degrees (positive = counter-clockwise content), by maximising the
    variance of row ink sums of a downscaled page: text lines and rulings are sharpest when level."""
    scale = min(1.0, 1000.0 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    mask = (ink_mask(small) > 0).astype(np.float32)
    h, w = mask.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rows = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1)
        return float(np.var(rows))

    coarse = np.arange(-max_angle, max_angle + 1e-6, 0.25)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.25, best + 0.25 + 1e-6, 0.05)
    return float(max(fine, key=sharpness))


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the centre, same size, white fill (cv2 angle convention)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = 255 if image.ndim == 2 else (255, 255, 255)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def deskew(gray: np.ndarray, min_angle: float = 0.15) -> tuple[np.ndarray, float]:
    angle = estimate_skew(gray)
    if abs(angle) < min_angle:
        return gray, 0.0
    return rotate(gray, angle), angle


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide by a smooth background estimate and stretch contrast: lifts faint toner and
    shading so ink is dark on a white page."""
    h, w = gray.shape
    k = max(15, (min(h, w) // 40) | 1)
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    norm = cv2.divide(gray, np.maximum(background, 1), scale=255)
    lo, hi = np.percentile(norm, (0.5, 99.0))
    if hi - lo < 10:
        return norm
    return np.clip((norm.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


def denoise(gray: np.ndarray) -> np.ndarray:
    """3x3 median: removes isolated speckle without thinning strokes much."""
    return cv2.medianBlur(gray, 3)


# Steps applied by default, decided by measurement (docs/ocr.md).
DEFAULT_STEPS = ("red", "deskew")


def prepare(image: np.ndarray, steps: tuple[str, ...] = DEFAULT_STEPS) -> tuple[np.ndarray, dict]:
    """Grey, cleaned page plus a record of what was done (angle, steps)."""
    info: dict = {"steps": list(steps), "angle": 0.0}
    gray = suppress_red(image) if "red" in steps else to_gray(image)
    if "flatten" in steps:
        gray = flatten_background(gray)
    if "denoise" in steps:
        gray = denoise(gray)
    if "deskew" in steps:
        gray, info["angle"] = deskew(gray)
    return gray, info
