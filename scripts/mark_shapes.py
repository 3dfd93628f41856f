"""How often the OCR stage's shape tests for printed blank marks take a printed digit for one,
and how often they find a real one: the slash test (`pipeline.ocr._slash_ink`, "/") and the
dash test (`pipeline.ocr._flat_ink`, "—").  Each glyph is drawn in the scan fonts at table sizes
(8-10.5 pt) and 150-300 dpi, in a one-line and a three-line cell, through the scan conditions'
blur, JPEG, speckle and fading.

    python scripts/mark_shapes.py
"""
from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.corpus import scans
from pipeline.ocr import _flat_ink, _slash_ink

FONTS = scans.TUNING_FONTS + scans.HELD_OUT_FONTS
STEPS = [(), ("blur",), ("jpeg",), ("blur", "jpeg"), ("speckle", "jpeg"), ("faded_toner",), ("faded",)]
GLYPHS = tuple("0123456789") + ("/", "—")


def cell(text: str, font: ImageFont.FreeTypeFont, px: int, dpi: int, lines: int) -> np.ndarray:
    h, w = int(px * 1.9 * lines) + 20, px * 6
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w - 1, h - 1), outline=0, width=max(1, dpi // 150))
    draw.text((w // 2 - px // 4, h // 2 - px // 2), text, fill=0, font=font)
    return np.asarray(img, np.float32)


def main() -> None:
    passed = {(test, g): [0, 0] for test in ("slash", "dash") for g in GLYPHS}
    for family in FONTS:
        path = scans._font_file(family)
        if path is None:
            continue
        for dpi in scans.DPIS:
            for pt in scans.TABLE_PT:
                px = int(round(pt * dpi / 72))
                font = ImageFont.truetype(path, px)
                for text in GLYPHS:
                    for steps in STEPS:
                        for lines in (1, 3):
                            a = cell(text, font, px, dpi, lines)
                            rng = random.Random(f"{family}{dpi}{pt}{text}{steps}")
                            for step in steps:
                                a = scans.blur(a, rng, dpi) if step == "blur" else scans.GREY_STEPS[step](a, rng, dpi)
                            gray = np.clip(a, 0, 255).astype(np.uint8)
                            bbox = (0.0, 0.0, float(gray.shape[1]), float(gray.shape[0]))
                            # the detector's box of a number is about 1.6 of the glyph's size
                            found = {"slash": _slash_ink(gray, bbox, glyph=px * 1.6), "dash": bool(_flat_ink(gray, bbox))}
                            for test, yes in found.items():
                                passed[test, text][0] += yes
                                passed[test, text][1] += 1
                                if yes and text.isdigit():
                                    print(f"{text!r} taken for a {test}: {family} {dpi} dpi {pt} pt {steps} {lines} line(s)")
    for (test, text), (yes, n) in passed.items():
        print(f"{test} test: {text!r} {yes}/{n}")


if __name__ == "__main__":
    main()
