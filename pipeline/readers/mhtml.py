"""MHTML web archives (.mht/.mhtml: Word's "single file web page", a browser's "save as"):
a MIME multipart/related message whose first text/html part is the page.

Each part carries its own transfer encoding (quoted-printable, base64) and charset; the page
is decoded with the part's declared charset, else its <meta> charset, else UTF-8/GB18030.
"""
from __future__ import annotations

import email
import email.policy

from ..model import Document, Page
from . import ReaderError
from . import html as htmlreader
from .detect import decode


def _text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong label: decode from the content
    return decode(payload)


def read(data: bytes, source: str) -> Document:
    message = email.message_from_bytes(data.lstrip(), policy=email.policy.compat32)
    parts = [p for p in message.walk() if not p.is_multipart()]
    pages = [p for p in parts if p.get_content_type() in ("text/html", "application/xhtml+xml")]
    for part in pages:
        lines = htmlreader.parse_lines(_text(part))
        if any(line.text.strip() for line in lines):
            return Document(source, "", "html", [Page(1, lines, path="html")])
    if not pages:
        raise ReaderError("MHTML archive without an HTML page")
    raise ReaderError("MHTML archive whose page holds no text")
