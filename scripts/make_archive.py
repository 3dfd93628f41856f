#!/usr/bin/env python3
"""Build a mixed archive folder for batch tests and benchmarks: text dumps, HTML pages, text
PDFs, (optionally) scans, synthetic variants of real tables, duplicates under other names and
inside a zip, and every kind of bad input the batch must survive.

    .venv/bin/python scripts/make_archive.py OUT [--synthetic 20] [--scans 1] [--no-bad] [--seed 7]

Writes OUT/.manifest.json (hidden: the batch skips it): every path with its kind ("report", "duplicate", or the bad-input
kind) so a test can check what the store holds.  Deterministic for a given seed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(ROOT))

# every bad input the issue lists; the value says what the batch must report
BAD_KINDS = {
    "corrupt_pdf": "corrupt",
    "truncated_pdf": "PDF",
    "encrypted_pdf": "encrypted",
    "zero_byte": "empty",
    "non_report": "not a supported report",
    "bomb_image": "too large",
    "corrupt_docx": "corrupt or unreadable DOCX",
    "unsupported_extension": "unsupported file type",
    "unreadable": "ermission denied",
    "symlink_loop": "symbolic link loop",
    "zip_bomb": "zip bomb",
}


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels and holds none: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def encrypted_copy(pdf: Path, out: Path) -> bool:
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        return False
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with open(out, "wb") as fh:
        writer.write(fh)
    return True


def zip_bomb(out: Path, size: int = 64 << 20) -> None:
    """One member of `size` zero bytes (ratio ~1000:1), named like a report."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("政府信息公开工作年度报告.txt", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)


def make_bad_inputs(dest: Path, pdf: Path) -> dict[str, str]:
    """Each bad input kind as a file in `dest`; returns {path: kind}."""
    dest.mkdir(parents=True, exist_ok=True)
    data = pdf.read_bytes()
    made: dict[str, str] = {}

    def put(name: str, kind: str, content: bytes | None = None) -> Path:
        path = dest / name
        if content is not None:
            path.write_bytes(content)
        made[str(path)] = kind
        return path

    put("corrupt.pdf", "corrupt_pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    put("truncated.pdf", "truncated_pdf", data[: len(data) // 3])
    if encrypted_copy(pdf, dest / "encrypted.pdf"):
        put("encrypted.pdf", "encrypted_pdf")
    put("empty.txt", "zero_byte", b"")
    put("notice.txt", "non_report", "关于做好2020年春节放假安排的通知\n各单位：现将有关事项通知如下。\n"
        "一、放假时间\n2月1日至7日。\n二、工作要求\n请各单位做好值班安排。\n".encode("utf-8"))
    put("bomb.png", "bomb_image", png_header_only(40000, 40000))
    put("report.docx", "corrupt_docx", b"PK\x03\x04 not really a Word file")
    put("photo.gif", "unsupported_extension", b"GIF89a" + bytes(range(256)) * 4)
    unreadable = put("unreadable.txt", "unreadable", "某某县2020年政府信息公开工作年度报告\n".encode("utf-8"))
    os.chmod(unreadable, 0)
    loop = dest / "loop.txt"
    if not loop.is_symlink():
        os.symlink("loop.txt", loop)
    made[str(loop)] = "symlink_loop"
    zip_bomb(dest / "bomb.zip")
    made[str(dest / "bomb.zip") + "!政府信息公开工作年度报告.txt"] = "zip_bomb"
    return made


def gold_tables() -> list[dict]:
    """Real tables to vary: the shared gold when present, else the bundled sample's extraction."""
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((SHARED / "gold").glob("*/*.json"))] \
        if SHARED.exists() else []
    if golds:
        return golds
    from pipeline.extract import extract_file

    r = extract_file(SAMPLES / "xixia_2020_text.txt")
    return [{"template": r.template, "hybrid": r.hybrid, "agency": r.agency, "year": r.year,
             "fields": {k: v.value for k, v in r.fields.items()}}]


SYNTH_KINDS = ("tab_rows", "html_table", "word_html", "pipe_mangled", "space_rows_wrapped", "crawler_one_line")


def make_synthetic(dest: Path, n: int, seed: int) -> list[Path]:
    """`n` distinct reports: real tables rendered and mangled as converters do, each under its
    own (invented) agency, so every one is a document of its own."""
    from pipeline import synth

    dest.mkdir(parents=True, exist_ok=True)
    golds = gold_tables()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        gold = dict(golds[i % len(golds)])
        gold["agency"] = f"{rng.choice(['东', '西', '南', '北', '中'])}{rng.choice(['山', '河', '湖', '林', '川'])}县第{i + 1}局"
        kind = SYNTH_KINDS[i % len(SYNTH_KINDS)]
        variant = synth.variants(gold, seed + i, [kind])[0]
        path = dest / f"synthetic_{i:03d}_{kind}{variant.suffix}"
        path.write_bytes(variant.text.encode(variant.encoding))
        out.append(path)
    return out


def make_scans(dest: Path, n: int) -> list[Path]:
    """Image-only PDFs (clean rasterization) of the first `n` shared text PDFs."""
    pdfs = sorted((SHARED / "reports/pdf").glob("*.pdf"))[:n] if SHARED.exists() else [SAMPLES / "huaian_city_2024.pdf"]
    if not pdfs:
        return []
    tmp = dest / ".scans"
    src = tmp / "src"
    src.mkdir(parents=True, exist_ok=True)
    for p in pdfs:
        shutil.copy(p, src / p.name)
    subprocess.run([sys.executable, str(ROOT / "scripts/make_scans.py"), "--src", str(src), "--out", str(tmp),
                    "--only", "clean"], check=True, capture_output=True)
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for p in sorted(tmp.glob("*__clean.pdf")):
        target = dest / f"scan_{p.name}"
        shutil.move(p, target)
        out.append(target)
    shutil.rmtree(tmp)
    return out


def build(out: Path, synthetic: int = 12, scans: int = 0, bad: bool = True, seed: int = 7,
          shared: bool = True) -> dict:
    """The archive under `out`; returns (and writes) the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    reports = out / "reports"
    reports.mkdir(exist_ok=True)
    originals = []
    for p in sorted(SAMPLES.iterdir()):
        if p.suffix in (".txt", ".pdf", ".html"):
            originals.append(Path(shutil.copy(p, reports / p.name)))
    if shared and SHARED.exists():
        for p in [*sorted((SHARED / "seeds").glob("*.txt")), *sorted((SHARED / "reports/text").glob("*.txt"))[:2],
                  *sorted((SHARED / "reports/pdf").glob("*.pdf"))]:
            if not (reports / p.name).exists():
                originals.append(Path(shutil.copy(p, reports / p.name)))
    originals += make_synthetic(out / "synthetic", synthetic, seed)
    originals += make_scans(out / "scans", scans) if scans else []
    for p in originals:
        manifest[str(p)] = "report"
    # duplicates: a renamed copy, a copy in another folder, and copies inside a zip
    dup = out / "copies"
    dup.mkdir(exist_ok=True)
    first = originals[0]
    manifest[str(Path(shutil.copy(first, dup / f"copy_of_{first.name}")))] = "duplicate"
    manifest[str(Path(shutil.copy(originals[1], dup / originals[1].name)))] = "duplicate"
    bundle = out / "bundle.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in originals[:3]:
            zf.write(p, f"2020/{p.name}")
            manifest[f"{bundle}!2020/{p.name}"] = "duplicate"
    if bad:
        pdf = SAMPLES / "huaian_city_2024.pdf"
        manifest.update(make_bad_inputs(out / "bad", pdf))
    (out / ".manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--synthetic", type=int, default=12, help="synthetic report variants (distinct documents)")
    ap.add_argument("--scans", type=int, default=0, help="image-only PDFs made from the shared text PDFs")
    ap.add_argument("--no-bad", action="store_true", help="leave out the bad inputs")
    ap.add_argument("--no-shared", action="store_true", help="only the bundled samples and synthetic variants")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    manifest = build(args.out, args.synthetic, args.scans, not args.no_bad, args.seed, not args.no_shared)
    kinds: dict[str, int] = {}
    for kind in manifest.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{args.out}: {len(manifest)} paths " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
