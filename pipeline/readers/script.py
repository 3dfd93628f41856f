"""The report's HTML carried inside JavaScript or JSON string literals.

Sites that render on the client ship the article as a string: `var content = "<table ...";`,
a JSON API response `{"content": "\\u003ctable..."}`, `document.write('<p>...')`.  The string
literals are decoded with JavaScript's escapes (`\\"`, `\\n`, `\\/`, `\\uXXXX`, `\\xXX`), HTML
entities are undone when the markup itself was entity-escaped, and the literals that carry
markup or Chinese text are parsed, in order, as one HTML document.
"""
from __future__ import annotations

import html as htmllib
import json
import re

from ..model import Document, Page

_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', re.DOTALL)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "", "f": "\f", "v": "\v", "0": "", "\n": "", "\r\n": ""}
_MARKUP = re.compile(r"</?[a-zA-Z][\w:-]*[\s>/]|&lt;/?[a-zA-Z]")
_ESCAPED_MARKUP = re.compile(r"\\u003c|\\x3c|<\\/", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def js_unescape(literal: str) -> str:
    def one(match: re.Match) -> str:
        s = match.group(1)
        if s.startswith("u{"):
            return chr(int(s[2:-1], 16))
        if s[0] in "ux" and len(s) > 1:
            return chr(int(s[1:], 16))
        return _SIMPLE.get(s, s)

    text = _JS_ESCAPE.sub(one, literal)
    # \ud83d\ude00 pairs were decoded one half at a time
    return text.encode("utf-16", "surrogatepass").decode("utf-16", errors="replace")


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def _decoded(strings: list[str], depth: int) -> list[str]:
    out = []
    for s in strings:
        if not (_MARKUP.search(s) or _CJK.search(s) or _ESCAPED_MARKUP.search(s)):
            continue  # keys, ids, URLs, flags
        if _ESCAPED_MARKUP.search(s) and depth < 3:
            # a string escaped twice (JSON inside a JS string): its literals hold the markup
            inner = fragments(s, depth + 1)
            if inner:
                out.extend(inner)
                continue
        if "&lt;" in s and not re.search(r"<[a-zA-Z]", s):
            s = htmllib.unescape(s)  # markup escaped as entities
        out.append(s)
    return out


def fragments(text: str, depth: int = 0) -> list[str]:
    """Decoded string literals of a JS/JSON source that carry markup or Chinese text, in order."""
    stripped = text.strip().rstrip(";")
    if stripped[:1] in "{[":
        try:
            return _decoded(_json_strings(json.loads(stripped)), depth)
        except ValueError:
            pass
    literals = [next(g for g in m.groups() if g is not None) for m in _LITERAL.finditer(text)]
    return _decoded([js_unescape(lit) for lit in literals], depth)


def html_of(text: str) -> str:
    """The HTML the script's strings carry, joined in source order (a table may be split over
    several literals concatenated with +)."""
    return "\n".join(fragments(text))


def read(data: bytes, source: str) -> Document:
    from . import html as htmlreader
    from .detect import decode

    lines = htmlreader.parse_lines(html_of(decode(data)))
    return Document(source, "", "html", [Page(1, lines, path="html")])
