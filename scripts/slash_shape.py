"""How often the OCR stage's slash test (`pipeline.ocr._slash_ink`) takes a printed digit for a
printed "/" (a blank), and how often it finds a real slash: each glyph drawn in the scan fonts
at table sizes (8-10.5 pt) and 150-300 dpi, in a one-line and a three-line cell, through the
scan conditions' blur, JPEG, speckle and fading.

    python scripts/slash_shape.py
"""
from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.corpus import scans
from pipeline.ocr import _slash_ink

FONTS = scans.TUNING_FONTS + scans.HELD_OUT_FONTS
STEPS = [(), ("blur",), ("jpeg",), ("blur", "jpeg"), ("speckle", "jpeg"), ("faded_toner",), ("faded",)]
GLYPHS = ("7", "1", "4", "/")


def cell(text: str, font: ImageFont.FreeTypeFont, px: int, dpi: int, lines: int) -> np.ndarray:
    h, w = int(px * 1.9 * lines) + 20, px * 6
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w - 1, h - 1), outline=0, width=max(1, dpi // 150))
    draw.text((w // 2 - px // 4, h // 2 - px // 2), text, fill=0, font=font)
    return np.asarray(img, np.float32)


def main() -> None:
    passed = {g: [0, 0] for g in GLYPHS}
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
                            # the detector's box of a number is about 1.6 of the glyph's size
                            slash = _slash_ink(gray, (0.0, 0.0, float(gray.shape[1]), float(gray.shape[0])),
                                               glyph=px * 1.6)
                            passed[text][0] += slash
                            passed[text][1] += 1
                            if slash and text != "/":
                                print(f"taken for a slash: {text!r} {family} {dpi} dpi {pt} pt {steps} {lines} line(s)")
    for text, (yes, n) in passed.items():
        print(f"{text!r}: {yes}/{n} taken for a slash")


if __name__ == "__main__":
    main()
