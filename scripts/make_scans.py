"""Make scan-like, image-only PDFs from the shared text PDFs, for OCR development.

Each source PDF is rasterized and degraded one way per output file, named
`<stem>__<degradation>.pdf` so its gold file `<stem>.json` pairs by the part before `__`.
Everything is seeded: the same inputs give the same scans.

    python scripts/make_scans.py [--src ../shared/reports/pdf] [--out build/scans] [--dpi 200]

Official-layout scans (issue 12; pipeline/corpus/scans.py): generated reports rendered as the
national tables in the machine's CJK fonts, printed by Chromium, rasterized at 150-300 dpi and
degraded per condition; truth next to each PDF.  Held-out conditions/fonts go under held_out/.

    python scripts/make_scans.py --official 3 [--conditions clean,seal] [--out build/official_scans]
"""
from __future__ import annotations

import argparse
import random
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "reports" / "pdf"


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"), dtype=np.float32)


def skew(img: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(0.6, 2.0) * rng.choice((-1, 1))
    return img.convert("RGB").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))


def blur(img: Image.Image, rng: random.Random) -> Image.Image:
    return img.convert("RGB").filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 1.5)))


def speckle(img: Image.Image, rng: random.Random) -> Image.Image:
    nrng = np.random.default_rng(rng.randrange(2**32))
    a = _gray(img)
    noise = nrng.random(a.shape)
    a = np.where(noise < 0.004, 0.0, a)  # pepper
    a = np.where(noise > 0.996, 255.0, a)  # salt (drop-outs inside strokes)
    a = a + nrng.normal(0, 12, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).convert("RGB")


def jpeg(img: Image.Image, rng: random.Random) -> Image.Image:
    import io

    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=rng.randint(12, 20))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def faint(img: Image.Image, rng: random.Random) -> Image.Image:
    """Low toner: ink becomes light grey, with an uneven (left-to-right) background."""
    a = _gray(img)
    level = rng.uniform(150, 175)
    a = level + (a / 255.0) * (255 - level)
    h, w = a.shape
    shade = np.linspace(0, rng.uniform(25, 40), w, dtype=np.float32)[None, :]
    return Image.fromarray(np.clip(a - shade, 0, 255).astype(np.uint8)).convert("RGB")


def stamp(img: Image.Image, rng: random.Random) -> Image.Image:
    """A red official seal (ring, star, arc of text) multiplied over the page, placed over text."""
    img = img.convert("RGB")
    w, h = img.size
    r = int(min(w, h) * rng.uniform(0.1, 0.13))
    cx = int(w * rng.uniform(0.35, 0.7))
    cy = int(h * rng.uniform(0.3, 0.7))
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (rng.randint(200, 235), rng.randint(20, 60), rng.randint(20, 60))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(4, r // 14))
    pts = []
    for k in range(10):
        import math

        rad = r * (0.35 if k % 2 else 0.14) * 2
        ang = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + rad * 0.5 * math.cos(ang), cy + rad * 0.5 * math.sin(ang)))
    d.polygon(pts, fill=red)
    try:
        font = ImageFont.load_default(size=max(12, r // 5))
    except TypeError:
        font = ImageFont.load_default()
    d.text((cx - r * 0.6, cy + r * 0.35), "OFFICIAL SEAL 2024", fill=red, font=font)
    # multiply: black text stays black under the stamp, white paper turns red
    out = (np.asarray(img, np.float32) * np.asarray(layer, np.float32) / 255.0).astype(np.uint8)
    return Image.fromarray(out)


def broken_lines(img: Image.Image, rng: random.Random) -> Image.Image:
    """Drop-outs along ruling lines, as from a worn copier: white gaps cut through long dark runs."""
    a = _gray(img).copy()
    dark = a < 128
    h, w = a.shape
    nrng = np.random.default_rng(rng.randrange(2**32))
    # rows/cols that are mostly dark are ruling lines
    for y in np.nonzero(dark.sum(axis=1) > w * 0.3)[0]:
        for _ in range(8):
            x = int(nrng.integers(0, w - 30))
            a[y, x:x + int(nrng.integers(6, 25))] = 255
    for x in np.nonzero(dark.sum(axis=0) > h * 0.15)[0]:
        for _ in range(8):
            y = int(nrng.integers(0, h - 30))
            a[y:y + int(nrng.integers(6, 25)), x] = 255
    return Image.fromarray(a.astype(np.uint8)).convert("RGB")


def mixed(img: Image.Image, rng: random.Random) -> Image.Image:
    """A plausible bad scan: slight skew, blur, speckle, then JPEG."""
    img = img.convert("RGB").rotate(rng.uniform(-1.0, 1.0), resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    nrng = np.random.default_rng(rng.randrange(2**32))
    a = _gray(img) + nrng.normal(0, 8, (img.size[1], img.size[0]))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).convert("RGB")
    return jpeg(img, rng)


DEGRADATIONS = {
    "clean": lambda img, rng: img.convert("RGB"),
    "skew": skew,
    "blur": blur,
    "speckle": speckle,
    "jpeg": jpeg,
    "faint": faint,
    "stamp": stamp,
    "broken_lines": broken_lines,
    "mixed": mixed,
}


def make(src: Path, out: Path, dpi: int, seed: int, only: list[str] | None = None) -> list[Path]:
    from pdf2image import convert_from_path

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pdf in sorted(src.glob("*.pdf")):
        pages = convert_from_path(str(pdf), dpi=dpi)
        for name, fn in DEGRADATIONS.items():
            if only and name not in only:
                continue
            # per file and degradation seed: adding a degradation does not change the others
            rng = random.Random(seed * 1_000_003 + zlib.crc32(f"{pdf.stem}/{name}".encode()))
            imgs = [fn(p, rng) for p in pages]
            target = out / f"{pdf.stem}__{name}.pdf"
            imgs[0].save(target, "PDF", save_all=True, append_images=imgs[1:], resolution=float(dpi))
            written.append(target)
            print(target)
    return written


def make_official(out: Path, per_condition: int, seed: int, conditions: list[str] | None) -> list[Path]:
    import json

    from pipeline.corpus.scans import CONDITIONS, make_scan

    written = []
    for name in conditions or list(CONDITIONS):
        for index in range(per_condition):
            scan = make_scan(name, index, seed)
            where = out / ("held_out" if scan.truth["scan"]["held_out"] else "tuning")
            where.mkdir(parents=True, exist_ok=True)
            target = where / f"{scan.stem}.pdf"
            target.write_bytes(scan.pdf)
            (where / f"{scan.stem}.json").write_text(json.dumps(scan.truth, ensure_ascii=False, indent=1),
                                                     encoding="utf-8")
            written.append(target)
            print(target, scan.truth["scan"]["font"], scan.truth["scan"]["dpi"], flush=True)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "scans")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--only", nargs="*", help="degradation names (default: all)")
    ap.add_argument("--official", type=int, default=0, metavar="N",
                    help="N generated official-layout scans per condition instead (pipeline/corpus/scans.py)")
    ap.add_argument("--conditions", help="comma-separated official-scan conditions (default: all)")
    args = ap.parse_args()
    if args.official:
        import sys

        sys.path.insert(0, str(ROOT))
        out = args.out if args.out != ROOT / "build" / "scans" else ROOT / "build" / "official_scans"
        make_official(out, args.official, args.seed, args.conditions.split(",") if args.conditions else None)
        return
    make(args.src, args.out, args.dpi, args.seed, args.only)


if __name__ == "__main__":
    main()
