"""Scans of the official national tables as archives hold them (issue 12): a generated report
rendered by `render.py` in one of the machine's CJK font families, printed to A4 by headless
Chromium, rasterized at 150-300 dpi and degraded the way copiers, scanners and fax machines
degrade paper.  Truth is the generator's values (the gold-file format `govreport eval` reads).

Conditions and fonts are split once into TUNING and HELD-OUT: the held-out ones are never
looked at while tuning and are reported separately (docs/benchmarks.md).  A document is
held-out when its condition or its font is.
"""
from __future__ import annotations

import io
import math
import random
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .render import render_page, draw_style
from .values import Report, report_for

# Song/Ming, Kai and Hei families (Debian fonts-noto-cjk, fonts-arphic-*, fonts-wqy-*)
TUNING_FONTS = ("Noto Sans CJK SC", "AR PL UMing CN", "AR PL UKai CN", "WenQuanYi Zen Hei")
HELD_OUT_FONTS = ("Noto Serif CJK SC", "WenQuanYi Micro Hei")
TABLE_PT = (8, 9, 10, 10.5)
DPIS = (150, 200, 300)


# --- degradations (grey float images, 0 = ink, 255 = paper, except the seal: RGB) -----------

def _rng_np(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2**32))


def _smooth_field(shape, rng: random.Random, cells: int = 6) -> np.ndarray:
    """A low-frequency random field in [0, 1] (uneven toner, uneven lighting)."""
    import cv2

    small = _rng_np(rng).random((cells, cells)).astype(np.float32)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def skew(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    """Rotation up to +-2.5 deg with a slight perspective (a page not flat on the glass)."""
    import cv2

    h, w = a.shape
    angle = math.radians(rng.uniform(0.5, 2.5) * rng.choice((-1, 1)))
    cx, cy = w / 2, h / 2
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = []
    for x, y in src:
        x, y = x - cx, y - cy
        jitter = 0.004 * max(w, h)
        dst.append([cx + x * math.cos(angle) - y * math.sin(angle) + rng.uniform(-jitter, jitter),
                    cy + x * math.sin(angle) + y * math.cos(angle) + rng.uniform(-jitter, jitter)])
    m = cv2.getPerspectiveTransform(src, np.float32(dst))
    return cv2.warpPerspective(a, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def blur(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(a, (0, 0), rng.uniform(1.2, 2.7))


def jpeg(a: np.ndarray, rng: random.Random, dpi: int, quality: int = 30) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", a.clip(0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32)


def speckle(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    import cv2

    g = _rng_np(rng)
    noise = g.random(a.shape)
    a = np.where(noise < 0.003, 0.0, a)
    a = np.where(noise > 0.997, 255.0, a)
    # dust: small dark blobs
    dust = np.zeros(a.shape, np.uint8)
    for _ in range(int(a.size / 40000)):
        cv2.circle(dust, (int(g.integers(0, a.shape[1])), int(g.integers(0, a.shape[0]))),
                   int(g.integers(1, max(2, dpi // 100) + 1)), 255, -1)
    a = np.where(dust > 0, 30.0, a)
    return a + g.normal(0, 10, a.shape)


def fax(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    """Fax: 'standard' mode halves the vertical resolution, then hard thresholding."""
    import cv2

    h, w = a.shape
    if rng.random() < 0.6:
        a = cv2.resize(cv2.resize(a, (w, h // 2), interpolation=cv2.INTER_AREA), (w, h),
                       interpolation=cv2.INTER_NEAREST)
    a = a + _rng_np(rng).normal(0, 18, a.shape)
    return np.where(a < rng.uniform(120, 160), 0.0, 255.0)


def faded(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    """Low toner, unevenly: ink turns light grey, more so in some regions."""
    field = _smooth_field(a.shape, rng)
    level = rng.uniform(120, 150) + field * rng.uniform(20, 50)  # the grey that full ink becomes
    return level + (a / 255.0) * (255 - level)


def faded_toner(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    """Toner running out as it really does: strokes turn grey and thin, and thin strokes break
    where the toner grains are sparse (`faded` only lightens the ink; its strokes stay whole)."""
    import cv2

    field = _smooth_field(a.shape, rng)
    grain = cv2.GaussianBlur(_rng_np(rng).random(a.shape).astype(np.float32), (0, 0), max(0.7, dpi / 250))
    grain = (grain - grain.mean()) / max(float(grain.std()), 1e-6)
    # where the field is high the toner is thinnest: up to ~40 % of the ink grains drop out
    cut = rng.uniform(-1.4, -0.9) + field * rng.uniform(0.4, 0.8)
    keep = np.clip((grain - cut) / 0.6 + 0.5, 0, 1)
    ink = (1 - a / 255.0) * keep
    level = rng.uniform(90, 130) + field * rng.uniform(20, 50)  # the grey that full ink becomes
    return 255 - ink * (255 - level)


def show_through(a: np.ndarray, rng: random.Random, dpi: int, back: np.ndarray | None = None) -> np.ndarray:
    """The reverse side's print seen through thin paper: mirrored, blurred, light."""
    import cv2

    back = a if back is None or back.shape != a.shape else back
    mirrored = cv2.GaussianBlur(back[:, ::-1], (0, 0), 2.0)
    strength = rng.uniform(0.15, 0.3)
    return a * (1 - strength * (1 - mirrored / 255.0))


def shaded_edges(a: np.ndarray, rng: random.Random, dpi: int) -> np.ndarray:
    """Dark bands where the page edge lifted off the glass (copier/book scanner shading)."""
    h, w = a.shape
    out = a.copy()
    for side in rng.sample(["left", "right", "top", "bottom"], rng.randint(1, 3)):
        depth = rng.uniform(0.04, 0.1) * (w if side in ("left", "right") else h)
        dark = rng.uniform(90, 170)
        n = w if side in ("left", "right") else h
        ramp = np.clip(1 - np.arange(n) / depth, 0, 1) ** 1.5
        ramp = ramp if side in ("left", "top") else ramp[::-1]
        shade = (ramp[None, :] if side in ("left", "right") else ramp[:, None]) * dark
        out = out * (1 - shade / 255.0)
    return out


def _table_box(a: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box of the long horizontal rulings: where the table is on this page."""
    dark = a < 128
    rows = np.nonzero(dark.sum(axis=1) > a.shape[1] * 0.4)[0]
    if len(rows) < 3:
        return None
    cols = np.nonzero(dark[rows].any(axis=0))[0]
    return int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())


def _font_file(family: str) -> str | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def seal(rgb: np.ndarray, rng: random.Random, dpi: int, agency: str = "人民政府办公室") -> np.ndarray:
    """A red official seal (ring, star, agency name round the rim) multiplied over the table's
    cells, as seals are stamped on the signature and often land on the last table."""
    from PIL import Image, ImageDraw, ImageFont

    gray = rgb.mean(axis=2)
    h, w = gray.shape
    box = _table_box(gray)
    r = int(dpi * rng.uniform(0.75, 0.85))  # seals are ~4 cm across
    if box:
        cx, cy = rng.uniform(box[0] + r * 0.5, box[2] - r * 0.5), rng.uniform(box[1], box[3])
    else:
        cx, cy = w * rng.uniform(0.4, 0.7), h * rng.uniform(0.3, 0.8)
    layer = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(layer)
    red = (rng.randint(200, 235), rng.randint(30, 70), rng.randint(30, 70))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(4, r // 16))
    pts = [(cx + r * (0.3 if k % 2 else 0.12) * math.cos(-math.pi / 2 + k * math.pi / 5),
            cy + r * (0.3 if k % 2 else 0.12) * math.sin(-math.pi / 2 + k * math.pi / 5)) for k in range(10)]
    d.polygon(pts, fill=red)
    path = _font_file("AR PL UMing CN") or _font_file("Noto Sans CJK SC")
    if path:
        size = max(12, int(r * 0.22))
        font = ImageFont.truetype(path, size)
        text = agency[-12:]
        for k, ch in enumerate(text):  # round the upper rim
            ang = -math.pi + math.pi * (0.1 + 0.8 * (k + 0.5) / len(text))
            px, py = cx + (r * 0.72) * math.cos(ang), cy + (r * 0.72) * math.sin(ang)
            d.text((px - size / 2, py - size / 2), ch, fill=red, font=font)
    mask = np.asarray(layer, np.float32) / 255.0
    return rgb * mask


@dataclass(frozen=True)
class Condition:
    name: str
    steps: tuple[str, ...]  # applied in order
    held_out: bool = False
    dpi: tuple[int, ...] = DPIS
    pt: tuple[float, ...] = TABLE_PT  # table font sizes drawn from


CONDITIONS = {c.name: c for c in [
    Condition("clean", ()),
    Condition("lowres", (), dpi=(150,)),
    Condition("skew", ("skew",)),
    Condition("blur", ("blur",)),
    Condition("jpeg30", ("jpeg",)),
    Condition("speckle", ("speckle",)),
    Condition("faded", ("faded",)),
    Condition("show_through", ("show_through",)),
    Condition("shaded_edges", ("shaded_edges",)),
    Condition("seal", ("seal",)),
    # harder tuning conditions (issue 12): the kinds of damage the held-out combinations stack,
    # at the hard end of their parameters, so that tuning sees how they fail
    Condition("faded_toner", ("faded_toner",)),
    Condition("blur_jpeg", ("blur", "jpeg"), dpi=(150, 200)),
    Condition("skew_blur", ("skew", "blur")),
    Condition("small_lowres_jpeg", ("jpeg",), dpi=(150,), pt=(8, 9)),
    Condition("skew_speckle_jpeg", ("skew", "speckle", "jpeg"), dpi=(150, 200)),
    # five kinds of damage on one page: how stacked damage fails (whole sections unread, refusal).
    # Steps in the order paper meets them: the toner fades as the page is printed, the seal is
    # stamped over the print, the scanner skews, blurs and compresses.  (Fading after the seal
    # turned the seal's ink and the toner under it the same pure red: digits erased, as no
    # stamped page shows them.)
    Condition("stacked", ("faded_toner", "seal", "skew", "blur", "jpeg")),
    # held out: never used for tuning
    Condition("fax", ("skew", "fax"), held_out=True),
    Condition("combined", ("faded", "seal", "skew", "blur", "speckle", "jpeg"), held_out=True),
    Condition("combined_copier", ("show_through", "shaded_edges", "skew", "jpeg"), held_out=True),
]}
GREY_STEPS = {"jpeg": jpeg, "speckle": speckle, "fax": fax, "faded": faded, "faded_toner": faded_toner,
              "shaded_edges": shaded_edges}


def degrade(rgb: np.ndarray, steps: tuple[str, ...], prng: random.Random, dpi: int, agency: str,
            back: np.ndarray | None = None, stamped: bool = True) -> np.ndarray:
    """One printed page (RGB floats) through a condition's steps, in order.  A seal lands on the
    last page and on others by chance (`stamped` forces it)."""
    for step in steps:
        if step == "seal":
            if stamped or prng.random() < 0.5:
                rgb = seal(rgb, prng, dpi, agency)
        elif step == "show_through":
            grey = show_through(rgb.mean(axis=2), prng, dpi, None if back is None else back.mean(axis=2))
            rgb = np.repeat(grey[:, :, None], 3, axis=2) * (rgb / np.maximum(rgb.mean(axis=2, keepdims=True), 1))
        elif step in ("skew", "blur"):  # not point-wise: every channel alike, same draw
            draw = prng.random()
            fn = skew if step == "skew" else blur
            rgb = np.stack([fn(rgb[:, :, c], random.Random(draw), dpi) for c in range(3)], axis=2)
        else:
            # point-wise on the grey image; the red of a seal is kept by the colour ratio
            colour = rgb / np.maximum(rgb.mean(axis=2, keepdims=True), 1) if step != "fax" else 1.0
            grey = GREY_STEPS[step](rgb.mean(axis=2), prng, dpi)
            rgb = np.repeat(grey[:, :, None], 3, axis=2) * colour
    return np.clip(rgb, 0, 255).astype(np.uint8)


@dataclass
class ScanDoc:
    stem: str
    pdf: bytes
    truth: dict


def _print(html: str) -> bytes:
    from .browser import Browser

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.html"
        path.write_text(html, encoding="utf-8")
        with Browser() as b:
            return b.print_pdf(path)


def _style(report: Report, rng: random.Random, font: str, pt: tuple[float, ...] = TABLE_PT):
    # printed reports come from Word or the article page; site chrome is not scanned
    style = draw_style(rng, rng.choice(["word", "article"]))
    # thead: a table split across pages repeats its header (or does not)
    return replace(style, font=font, font_size_pt=rng.choice(pt), thead=rng.random() < 0.5)


def make_scan(condition: str, index: int, seed: int | str = 0, font: str | None = None) -> ScanDoc:
    """Document `index` of condition `condition`: rendered, printed, rasterized, degraded."""
    from pdf2image import convert_from_bytes

    cond = CONDITIONS[condition]
    report = report_for(f"scan{seed}", index)
    rng = random.Random(f"scan:{seed}:{condition}:{index}")
    font = font or rng.choice(TUNING_FONTS + HELD_OUT_FONTS)
    style = _style(report, rng, font, cond.pt)
    page = render_page(report, style, rng)
    # Word markup names its own fonts per span (Times New Roman, 仿宋_GB2312), which fall back to
    # one default CJK face here: the drawn family is forced on everything printed
    html = page.html.replace("</head>", f"<style>* {{font-family:'{font}' !important}}</style></head>", 1)
    dpi = rng.choice(cond.dpi)
    images = [np.asarray(p.convert("RGB"), np.float32) for p in convert_from_bytes(_print(html), dpi=dpi)]
    out = []
    for k, rgb in enumerate(images):
        prng = random.Random(f"{seed}:{condition}:{index}:{k}")
        back = images[k + 1] if k + 1 < len(images) else images[k - 1] if k else None
        out.append(degrade(rgb, cond.steps, prng, dpi, report.agency, back, stamped=k == len(images) - 1))
    from PIL import Image

    pil = [Image.fromarray(a) for a in out]
    buf = io.BytesIO()
    pil[0].save(buf, "PDF", save_all=True, append_images=pil[1:], resolution=float(dpi))
    held = cond.held_out or font in HELD_OUT_FONTS
    gold = report.gold()
    for where, zero in zip(("section 二", "section 三", "section 四"), style.zero):
        if zero != "0":
            gold["notes"].append(f"zeros in {where} printed as {zero!r} (the value is 0)")
    gold["scan"] = {"condition": condition, "font": font, "font_pt": style.font_size_pt, "dpi": dpi,
                    "pages": len(out), "repeated_header": style.thead, "held_out": held,
                    "seed": str(seed), "index": index, "wrong_table": report.wrong_table}
    return ScanDoc(f"{condition}-s{seed}-{index:03d}", buf.getvalue(), gold)
