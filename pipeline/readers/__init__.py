"""Readers turn an input file into a `Document` of pages and lines.

Each reader raises `ReaderError` with a message meant for the person running the
batch; `read_document` never lets any other exception escape for a bad file.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from ..model import Document


class ReaderError(Exception):
    """The input cannot be read as a report (corrupt, encrypted, empty, not text...)."""


def _sniff(data: bytes, suffix: str) -> str:
    if data.startswith(b"%PDF"):
        return "pdf"
    if data[:8] in (b"\x89PNG\r\n\x1a\n",) or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    head = data[:4096].lower()
    if b"<html" in head or b"<table" in head or b"<!doctype html" in head:
        return "html"
    return "text"


def _readers() -> dict[str, Callable[[bytes, str], Document]]:
    from . import html, pdf, text

    readers = {"text": text.read, "html": html.read, "pdf": pdf.read}
    try:
        from ..ocr import reader as image_reader  # optional stage, filled in by the OCR issue
        readers["image"] = image_reader.read
    except ImportError:
        pass
    return readers


def read_document(path: str | Path) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ReaderError(f"{path.name}: empty file")
    kind = _sniff(data, path.suffix.lower())
    reader = _readers().get(kind)
    if reader is None:
        raise ReaderError(f"{path.name}: {kind} input needs the OCR stage, which is not installed")
    doc = reader(data, str(path))
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc
