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


def _readers() -> dict[str, Callable[[bytes, str], Document]]:
    from . import docx, html, markdown, mhtml, office, pdf, script, text

    readers = {"text": text.read, "markdown": markdown.read, "html": html.read, "script": script.read,
               "mhtml": mhtml.read, "docx": docx.read, "office": office.read, "pdf": pdf.read}
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
    from .detect import sniff  # imported here: detect needs ReaderError from this module

    found = sniff(data, path.suffix)
    if found.kind == "unsupported":
        raise ReaderError(f"{path.name}: {found.form} is not a supported input")
    reader = _readers().get(found.kind)
    if reader is None:
        raise ReaderError(f"{path.name}: {found.kind} input needs the OCR stage, which is not installed")
    doc = reader(data, str(path)) if found.kind != "office" else reader(data, str(path), found.form)
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc
