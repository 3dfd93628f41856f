"""Word 97-2003 .doc, WPS .wps, RTF and OpenDocument .odt: converted to DOCX by LibreOffice
headless, then read by the DOCX reader (tables with their merged cells, paragraphs in order).

LibreOffice is an optional system tool (apt: libreoffice-writer); without it such a document
gets a clear error naming it, and the rest of a batch is unaffected.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..model import Document
from . import ReaderError
from . import docx as docxreader

TIMEOUT = 180  # seconds; a first start of LibreOffice builds its profile (~10 s), a long report converts in ~5 s
INSTALL = "install LibreOffice (apt-get install --no-install-recommends libreoffice-writer)"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, ext: str, form: str) -> bytes:
    binary = soffice()
    if binary is None:
        raise ReaderError(f"{form} needs LibreOffice to be read, and it is not installed: {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="govreport-office-") as tmp:
        src = Path(tmp) / f"input{ext}"
        src.write_bytes(data)
        out = Path(tmp) / "out"
        # a private profile: concurrent conversions (batch workers) never fight over one lock
        profile = Path(tmp) / "profile"
        args = [binary, "--headless", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(src)]
        try:
            run = subprocess.run(args, capture_output=True, timeout=TIMEOUT, cwd=tmp,
                                 env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired as exc:
            raise ReaderError(f"LibreOffice did not convert the {form} within {TIMEOUT} s") from exc
        except OSError as exc:
            raise ReaderError(f"LibreOffice could not be started ({exc}): {INSTALL}") from exc
        result = out / "input.docx"
        if run.returncode or not result.is_file():
            detail = (run.stderr or run.stdout).decode(errors="replace").strip().splitlines()
            raise ReaderError(f"LibreOffice could not convert the {form}"
                              + (f": {detail[-1][:200]}" if detail else ""))
        return result.read_bytes()


def _ext(data: bytes) -> str:
    """The extension LibreOffice should see, from the content: a name suggests an import filter
    first.  Kingsoft WPS saves .wps as a Word 97 compound file, which LibreOffice opens as .doc
    (under .wps it would try Microsoft Works first)."""
    if data.lstrip()[:5] == b"{\\rtf":
        return ".rtf"
    if data[:4] == b"PK\x03\x04":
        return ".odt"
    return ".doc"


def read(data: bytes, source: str, form: str = "Word 97-2003 / WPS document") -> Document:
    doc = docxreader.read(to_docx(data, _ext(data), form), source)
    doc.kind = "office"
    return doc
