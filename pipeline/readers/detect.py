"""What an input file holds, from its bytes: archives name files by habit, not by content.

A `.txt` saved by a crawler may hold the page's HTML, a `.doc` may be Word's "web page" HTML
or MHTML, a `.js`/`.json` may carry the report's HTML in escaped string literals, a `.md` may
be plain text.  `sniff` looks at the content only (the extension merely breaks a tie for a
damaged file), and `decode` turns text bytes into a string from the BOM, the declared
charset, or the encodings Chinese sites use.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass

from . import ReaderError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc, WPS .wps, and other MS compound files
ODT = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class Sniffed:
    kind: str  # pdf | image | docx | office | mhtml | html | script | markdown | text | unsupported
    form: str  # what was recognized, for notes and errors ("Word-saved HTML", "OLE2 compound file"...)


# --- text decoding ---------------------------------------------------------------------------

_DECLARED = re.compile(rb"""(?:<meta[^>]*charset\s*=\s*["']?|<\?xml[^>]*encoding\s*=\s*["']|"""
                       rb"""content-type:[^\n]*charset\s*=\s*["']?)([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# what a declared name means in practice: pages that say gb2312 are written in GBK's superset
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
          "big5": "big5hkscs", "iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "utf-8", "us-ascii": "utf-8"}


def declared_charset(head: bytes) -> str | None:
    """The charset a document declares in its first bytes (HTML meta, XML prolog, MIME header)."""
    match = _DECLARED.search(head[:8192])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    name = _WIDER.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    # UTF-16 text of mostly ASCII/CJK has NUL in one byte of many pairs, always the same side
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) >= 16 and max(even, odd) > len(sample) // 8 and min(even, odd) == 0:
        return "utf-16-be" if even > odd else "utf-16-le"
    return None


def decode(data: bytes) -> str:
    """Text of a document: BOM first, then UTF-8, a declared charset (big5...), GB18030.

    Raises ReaderError for binary data."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                       (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    wide = _utf16_without_bom(data)
    if wide:
        return data.decode(wide, errors="replace")
    if b"\x00" in data[:8192]:
        raise ReaderError("binary data, not a text document")
    try:
        # valid UTF-8 with non-ASCII bytes is UTF-8 whatever the page declares (a page re-saved
        # as UTF-8 keeps its old gbk meta); GBK text is almost never valid UTF-8 by accident
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        declared = declared_charset(data)
        for codec in ([declared] if declared and not declared.startswith("utf") else []) + ["gb18030"]:
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ReaderError("not decodable as UTF-8, its declared charset or GB18030 text") from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\f")
    if controls > len(text) * 0.01:
        raise ReaderError("binary data, not a text document")
    return text


# --- forms -----------------------------------------------------------------------------------

_MIME_HEAD = re.compile(rb"^(?:[\w-]+:.*\r?\n(?:[ \t].*\r?\n)*)*?content-type:\s*multipart/related", re.IGNORECASE)
_HTML_DOC = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]|<meta\s", re.IGNORECASE)
_HTML_START = re.compile(r"(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|meta|div|p|table|span|h[1-6]|section|"
                         r"article|font|center|style|title|\?xml)[\s>/]", re.IGNORECASE | re.DOTALL)
# Word's "web page" HTML: its namespaces, <o:p>, mso- styles and conditional comments
_WORD_HTML = re.compile(r"urn:schemas-microsoft-com:office|<o:p>|mso-[a-z-]+\s*:|<!--\[if\s", re.IGNORECASE)
_TAG = re.compile(r"</?(?:p|div|td|tr|th|table|span|br|font|strong|b|h[1-6]|li|ul|tbody)(?:\s[^<>]*)?/?>",
                  re.IGNORECASE)
# HTML escaped inside JavaScript / JSON string literals
_ESCAPED_HTML = re.compile(r"\\u003c/?[a-z]|\\x3c/?[a-z]|<\\/[a-z]+>|<[a-z]+\s[^<>]*=\\[\"']", re.IGNORECASE)
_SCRIPT_START = re.compile(r"^\s*(?:[{\[]|(?:var|let|const|function)\s|window\.|document\.write|[\w$.]+\s*=|"
                           r"[\w$.]+\()")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$|^\s*\+(?:[-=:]{3,}\+)+\s*$|"
                            r"^\s*-{3,}(?:[ ]+-{3,})+\s*$", re.MULTILINE)
_MD_MARKERS = re.compile(r"^:::|\]\{[^}\n]*\}|^#{1,6}\s", re.MULTILINE)
_RAW_TABLE = re.compile(r"^\s*<table[\s>]", re.MULTILINE | re.IGNORECASE)  # an HTML table among text lines


def _zip_kind(data: bytes, suffix: str) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        if suffix in (".docx", ".docm", ".dotx"):
            return Sniffed("docx", "damaged DOCX")
        return Sniffed("unsupported", "a damaged ZIP archive")
    if "word/document.xml" in names:
        return Sniffed("docx", "DOCX")
    if mimetype == ODT:
        return Sniffed("office", "OpenDocument text (.odt)")
    if "[Content_Types].xml" in names:
        if suffix in (".docx", ".docm", ".dotx"):
            return Sniffed("docx", "damaged DOCX")
        return Sniffed("unsupported", "an Office file that is not a Word document")
    return Sniffed("unsupported", "a ZIP archive, not a document")


def sniff_text(text: str) -> Sniffed:
    """The form of a decoded text document."""
    head = text[:8192].lstrip("\ufeff \t\r\n")
    word = bool(_WORD_HTML.search(text[:65536]))
    if _HTML_DOC.search(head[:4096]):
        return Sniffed("html", "Word-saved HTML" if word else "HTML")
    if _SCRIPT_START.match(head) and (_ESCAPED_HTML.search(text) or head[:1] in "{[" and _TAG.search(text)):
        return Sniffed("script", "HTML inside JavaScript/JSON strings")
    # GFM and pandoc markdown keep raw HTML blocks (a <div>, a table with merged cells) between
    # their own tables and headings: the markdown reader reads both
    starts_with_markup = _HTML_START.match(head)
    if _MD_TABLE_RULE.search(text) or _MD_MARKERS.search(text) or not starts_with_markup and _RAW_TABLE.search(text):
        return Sniffed("markdown", "markdown")
    if starts_with_markup:
        return Sniffed("html", "Word-saved HTML" if word else "an HTML fragment")
    # a fragment of a page (no <html>, no leading tag) that is mostly markup
    tags = len(_TAG.findall(text))
    if tags >= 20 and tags * 30 > len(text):
        return Sniffed("html", "an HTML fragment")
    return Sniffed("text", "plain text")


def sniff(data: bytes, suffix: str = "") -> Sniffed:
    """The form of a file's bytes; `suffix` only names a damaged file's intended form."""
    suffix = suffix.lower()
    if data[:1024].find(b"%PDF-") >= 0:
        return Sniffed("pdf", "PDF")
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" or data[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image", "image")
    if data[:4] == b"PK\x03\x04":
        return _zip_kind(data, suffix)
    if data[:8] == OLE2:
        return Sniffed("office", "Word 97-2003 / WPS compound file")
    if data.lstrip()[:5] == b"{\\rtf":
        return Sniffed("office", "RTF")
    if _MIME_HEAD.match(data.lstrip()[:4096]):
        return Sniffed("mhtml", "MHTML (web archive)")
    try:
        text = decode(data)
    except ReaderError:
        if suffix in (".docx", ".doc", ".wps", ".rtf", ".odt"):
            # a damaged office file: its reader says what is wrong with it
            return Sniffed("docx" if suffix == ".docx" else "office", f"damaged {suffix} file")
        raise
    return sniff_text(text)
