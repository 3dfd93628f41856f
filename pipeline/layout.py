"""Layout recovery: document lines -> a token stream (label text / numbers) with
positions, page furniture removed, split into the report's table sections."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from .cells import DIGIT_LOOKALIKES, is_blank_marker, is_dash_run, is_number, normalize, parse_number
from .model import Document, Line, Token

# page numbers and footers that conversion leaves between table rows: "- 3 -", "第 3 页", "3/6"
_FOOTER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
                     r"|\d{1,3}\s*/\s*\d{1,3}|page\s*\d+)\s*$", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[ \t]+")


def is_footer(line: Line | str) -> bool:
    return bool(_FOOTER.match(normalize(line if isinstance(line, str) else line.text)))


def is_prose(text: str) -> bool:
    """Narrative sentences carry numbers that are no table cells."""
    cjk = len(_CJK.findall(text))
    return cjk >= 40 or (cjk >= 12 and "。" in text)


# numbers glued to label text, as crawled page text prints cells: 规章000规范性文件000
_DIGITS = re.compile(r"[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元)?")
# 1.属于 2、重复 2020年 3月 5件: digits that belong to the text after them
_ATTACHED_AFTER = re.compile(r"[.、．)）%％]|[年月日号时项条件个次人期万亿余届批类页章节款倍]")


def split_glued(piece: str, after_piece: bool = False) -> list[tuple[str, str]]:
    """Cut a whitespace-free piece into ("text", ...) and ("number", ...) segments.

    Digits stay label text when they enumerate (1. 2、 （3）), count a date or an item
    (2020年, 第3项) or sit inside brackets; otherwise they are a printed cell.  `after_piece`:
    the piece follows another on its line (a crawler collapses an empty cell to one space), so
    two digits before an enumerator's point are a cell and the enumerator (`18.属于`), as they
    are within a piece.
    """
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _DIGITS.finditer(piece):
        before, after, digits = piece[:m.start()], piece[m.end():], m.group()
        end = m.end()
        unit = digits.endswith("元")
        attached = (not unit and _ATTACHED_AFTER.match(after[:1] or " ")) \
            or before.endswith(("第", "(", "（", ".", "．"))  # 第3项 （3） 2020.1.1
        unsigned = digits.lstrip("+-")  # ----14.保护: a dash cell's hyphen before the last cell
        if attached and unsigned.isdigit() and len(unsigned) > (1 if before or after_piece else 2) and after[:1] in ".、．" \
                and (_CJK.match(after[1:2]) or len(after) == 1):  # "…00000002." + " 其他…"
            # a row's last cell glued to the next row's single-digit enumerator: 40000041.属于
            digits, end, attached = digits[:-1], end - 1, False
        if attached or not before and not after:
            continue
        if m.start() > pos:
            out.append(("text", piece[pos:m.start()]))
        out.append(("number", digits))
        pos = end
    if pos < len(piece):
        out.append(("text", piece[pos:]))
    # adjacent text segments (a skipped enumerator between them) read as one label
    merged: list[tuple[str, str]] = []
    for kind, text in out:
        if merged and kind == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


# OCR confusions inside number cells; a value read through them is never "ok"
_CONFUSABLE = str.maketrans(DIGIT_LOOKALIKES)
_CONFUSED_NUMBER = re.compile("^[0-9" + re.escape("".join(DIGIT_LOOKALIKES)) + "]{1,8}$")


def _number(piece: str, base: Token, repaired: bool = False) -> Token | None:
    parsed = parse_number(piece)
    if parsed is None:
        return None
    return Token("number", piece, base.page, base.bbox, base.line_no, base.cell_no, base.score,
                 value=parsed.value, unit=parsed.unit, repaired=repaired)


# a number cell with a stray mark a converter or recognizer left beside the digits: "1944)", "?12"
_MARKED_NUMBER = re.compile(r"^[)）(（?？*#'\"`:;!~^_\[\]]{0,2}([+\-]?\d[\d,]*(?:\.\d+)?)[)）(（?？*#'\"`:;!~^_\[\]]{1,2}$"
                            r"|^[)）(（?？*#'\"`:;!~^_\[\]]{1,2}([+\-]?\d[\d,]*(?:\.\d+)?)$")
_ENCLOSED = re.compile(r"^[(（]\d+[)）]$")  # (3) enumerates


# a count printed with its unit inside a number cell: "22件", "3 人次"
_COUNTED = re.compile(r"^([+\-]?\d[\d,]*)\s*(?:件|项|个|条|次|人次|人|起|家|篇|场|份)$")


def _marked_number(raw: str, base: Token) -> Token | None:
    """A whole number cell holding a count and its unit (the count), or a number and a stray
    mark (the number, marked repaired: never ok), instead of label text that would leave the
    row looking printed empty."""
    if base.cell_no == 0:
        return None
    counted = _COUNTED.match(raw)
    if counted:
        return _number(counted.group(1), base)
    m = _MARKED_NUMBER.match(raw)
    if not m or _ENCLOSED.match(raw):
        return None
    return _number(m.group(1) or m.group(2), base, repaired=True)


def _repaired_number(piece: str, base: Token) -> Token | None:
    if not _CONFUSED_NUMBER.match(piece) or piece.isdigit():
        return None
    if len(piece) > 1 and not any(c.isdigit() for c in piece):
        return None  # a word like "lOl" is no number
    return _number(piece.translate(_CONFUSABLE), base, repaired=True)


_DASHES = "—–/"
_GLUED_BLANKS = re.compile(r"^[0-9.\-—–/]+$")
# dashes printed for zeros between glued cells: 破折号 runs, or hyphen runs (`申请数量141----15`;
# Chinese text never prints two hyphens in a row).  A hyphen right before digits stays their
# possible minus sign (`事项--227` is 0, -2, 27 in the signed 本年增/减 column): assembly reads it
# as a dash where the column is unsigned.
_DASH_CELLS = re.compile(r"([—–/]+|-+)")
_SECTION_START = re.compile(r"^[一二三四五六七八九十]{1,2}、")
_NUMBER_OR_DASH = re.compile(r"(?:(?<![0-9])-)?[0-9]+(?:\.[0-9]+)?|[—–/\-]")


def _numbers_and_dashes(piece: str, base: Token) -> list[Token]:
    """Cells glued with dashes printed for zeros (`12—6——`): numbers and one blank per dash.
    A hyphen before digits that follow no digit is a minus sign (`-3`), else a dash."""
    out = []
    for m in _NUMBER_OR_DASH.finditer(piece):
        text = m.group()
        number = _number(text, base) if text not in _DASHES + "-" else None
        if number is not None:
            out.append(number)
        else:
            out.append(Token("number", text, base.page, base.bbox, base.line_no, base.cell_no, base.score,
                             blank=True))
    return out


# an enumerator whose full stop OCR (or a font) gives as a middle dot: "1·属于国家秘密"
_DOT_ENUMERATOR = re.compile(r"^(\d{1,2})[·•・](?=\D)")


_TOKEN_FIELDS = ("kind", "text", "value", "unit", "blank", "empty", "repaired", "agree")
CACHED_BOXES = 50_000  # box texts whose tokens are kept (cells and labels recur within and across reports)
_box_cache: dict[tuple[str, bool], tuple[tuple, ...]] = {}


def _box_tokens(text: str, base: Token) -> list[Token]:
    """`_plain_box_tokens`, whose tokens depend only on the text and on whether the box is a
    line's first cell; the rest of every token is the box's place (page, bbox, line, cell, score)."""
    key = (text, base.cell_no > 0)
    made = _box_cache.get(key)
    if made is None:
        if len(_box_cache) >= CACHED_BOXES:
            _box_cache.clear()
        made = _box_cache[key] = tuple(tuple(getattr(t, f) for f in _TOKEN_FIELDS)
                                       for t in _plain_box_tokens(text, base))
    return [Token(kind, text, base.page, base.bbox, base.line_no, base.cell_no, base.score, value=value, unit=unit,
                  blank=blank, empty=empty, repaired=repaired, agree=agree)
            for kind, text, value, unit, blank, empty, repaired, agree in made]


def _plain_box_tokens(text: str, base: Token) -> list[Token]:
    raw = _DOT_ENUMERATOR.sub(r"\1.", normalize(text).strip())
    if not raw:
        return []
    whole = _number(raw, base) or _marked_number(raw, base)
    if whole is not None:
        return [whole]
    # a cell of its own holding "---" is a dash cell; a line of hyphens is a rule
    if is_blank_marker(raw) or (is_dash_run(raw) and base.cell_no > 0):
        return [Token("number", raw, base.page, base.bbox, base.line_no, base.cell_no, base.score, blank=True)]
    tokens: list[Token] = []

    def add_text(piece: str) -> None:
        if tokens and tokens[-1].kind == "text":
            tokens[-1].text += " " + piece
        else:
            tokens.append(Token("text", piece, base.page, base.bbox, base.line_no, base.cell_no, base.score))

    pieces = _SPLIT.split(raw)
    # a line of cells only (`- - - 1 - 1`, section 四's unlabelled row with zeros printed "-";
    # `- - - - - - -`, a row all zeros below its wrapped label): its first dash is a cell like
    # the others, not a list bullet
    cells_only = len(pieces) >= 3 and all(is_blank_marker(p) or _number(p, base) is not None for p in pieces)
    if cells_only and is_blank_marker(pieces[0]):
        tokens.append(Token("number", pieces[0], base.page, base.bbox, base.line_no, base.cell_no, base.score,
                            blank=True))
        pieces = pieces[1:]
    for at, piece in enumerate(pieces):
        if _GLUED_BLANKS.match(piece) and any(c in _DASHES for c in piece):
            tokens.extend(_numbers_and_dashes(piece, base))
            continue
        number = _number(piece, base)  # "1." and "2、" enumerators do not parse: they stay label text
        if number is not None and piece.isdigit() and len(piece) <= 2 and at + 1 < len(pieces) \
                and (pieces[at + 1].startswith(("、", "．")) or _CJK.match(pieces[at + 1][1:2] or " ")
                     and pieces[at + 1].startswith(".")):
            # "1 、属于国家秘密", "3 ．其他" (read as "3 .其他"): an enumerator printed apart from its 、 (pypdf)
            number = None
        # only where a number is expected: after a label, never as a row's first cell
        if number is None and (tokens or base.cell_no > 0):
            number = _repaired_number(piece, base)
        if number is not None:
            tokens.append(number)
        elif piece in ("万元", "元") and tokens and tokens[-1].kind == "number" and not tokens[-1].unit:
            tokens[-1].unit = piece  # "22.67 万元": the unit printed apart from its number
            tokens[-1].text += piece
        elif tokens and (is_blank_marker(piece) or (is_dash_run(piece) and not set(tokens[-1].text) <= set("-|: "))):
            tokens.append(Token("number", piece, base.page, base.bbox, base.line_no, base.cell_no,
                                base.score, blank=True))
        elif _CJK.search(piece):
            segments = split_glued(piece, at > 0)
            for k, (kind, segment) in enumerate(segments):
                number = _number(segment, base) if kind == "number" else None
                if number is not None:
                    tokens.append(number)
                else:
                    parts = _DASH_CELLS.split(segment)
                    last = max((j for j, part in enumerate(parts) if part), default=-1)
                    for j, part in enumerate(parts):
                        # 312—6——五、 or 总计———: dashes printed for zeros after glued cells or
                        # headers; a 破折号 "——" inside label text stays text
                        after_number = tokens and tokens[-1].kind == "number" and "/" not in part  # not 2020/1/1
                        # 政府集中采购—— at the end of the box: a 破折号 leads on to more text, the
                        # blanks of a row's last cells end its line
                        ends_box = (at == len(pieces) - 1 and k == len(segments) - 1 and j == last
                                    and j > 0 and (len(part) >= 2 or part in "—–"))
                        # …政府集中采购——三、收到和处理…: or the next section's numbered heading
                        follows = parts[j + 1] if j < last else (
                            pieces[at + 1] if k == len(segments) - 1 and at + 1 < len(pieces) else "")
                        ends_box = ends_box or (j > 0 and len(part) >= 2 and bool(_SECTION_START.match(follows)))
                        # 行政许可—-373: a dash between a label and a printed number is a blank cell
                        before_number = (k + 1 < len(segments) and segments[k + 1][0] == "number" and j == last
                                         and j > 0 and set(part) <= set("—–"))
                        hyphens = set(part) == {"-"} and (len(part) >= 2 or after_number or ends_box)
                        if part and (set(part) <= set(_DASHES) and (len(part) >= 3 or after_number or ends_box
                                                                    or before_number) or hyphens):
                            tokens.extend(_numbers_and_dashes(part, base))
                        elif part:
                            add_text(part)
        else:
            add_text(piece)
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """What the schema prints, so layout can tell a glued table line from narrative."""

    headings: tuple[str, ...] = ()  # section headings, normalized
    labels: tuple[str, ...] = ()  # row label variants, squashed

    def names_rows(self, text: str, at_least: int = 3) -> bool:
        s = squash(text)
        return sum(1 for label in self.labels if label in s) >= at_least


GLUED_LINE = 40  # a token longer than this may hold several glued cells and headings


def split_headings(text: str, headings: tuple[str, ...]) -> list[str]:
    """Cut section headings (with their 二、 enumerator) out of a long glued token."""
    cuts = set()
    for heading in headings:
        for m in re.finditer(re.escape(heading), text):
            start = m.start()
            if start >= 2 and re.match(r"[一二三四五六七八九十\d][、.]", text[start - 2:start]):
                start -= 2
            cuts.update((start, m.end()))
    cuts = sorted(c for c in cuts if 0 < c < len(text))
    pieces = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]
    return [p for p in pieces if p.strip()]


_SENTENCE_END = "。；;！!？?"


def headings_in_prose(text: str, headings: tuple[str, ...]) -> list[tuple[str, str]]:
    """A prose line cut around the section headings glued into it, as ("prose" | "text", piece).

    A PDF-to-markdown converter may join a heading to the paragraph before it (`…工作格局。
    二、主动公开政府信息情况`).  Only a heading with its enumerator that starts a sentence counts:
    the introduction names the parts in prose too (全文包括总体情况、主动公开政府信息情况、…)."""
    cuts: list[tuple[int, int]] = []
    for heading in headings:
        for m in re.finditer(re.escape(heading), text):
            start = m.start() - 2
            if start < 0 or not re.match(r"[一二三四五六七八九十][、.]", text[start:m.start()]):
                continue
            before = text[:start].rstrip()
            if before and before[-1] not in _SENTENCE_END:
                continue
            cuts.append((start, m.end()))
    if not cuts:
        return [("prose", text)]
    out, pos = [], 0
    for start, end in sorted(cuts):
        if start < pos:
            continue
        if text[pos:start].strip():
            out.append(("prose", text[pos:start].strip()))
        out.append(("text", text[start:end]))
        pos = end
    if text[pos:].strip():
        out.append(("prose", text[pos:].strip()))
    return out


def _heading_over_cells(line: Line, headings: tuple[str, ...]) -> str | None:
    """A section heading a converter cut into table cells (`|四、政府信息公开|行政复|议、行|政诉|讼情况|`,
    a PDF-to-markdown converter that took the heading for a table row): the joined cells when
    they hold nothing but the heading with its enumerator."""
    if any(is_number(box.text) for box in line.boxes if box.text.strip()):
        return None
    # punctuation before the enumerator is the row above's (`|、<br>四、政府|信息公开…|`: the
    # 、 of that row's 四、 wrapped into this row's first cell); no heading starts with it
    joined = normalize("".join(box.text.strip() for box in line.boxes)).lstrip(" 、,，.。;；:：")
    pieces = headings_in_prose(joined, headings)
    return joined if [kind for kind, _ in pieces] == ["text"] else None


_ENUMERATOR = re.compile(r"^\s*[（(]?[0-9一二三四五六七八九十]{1,2}\s*[)）.、．]?\s*")


def _cell_text(box) -> str:
    """The text a table cell is judged prose by.  An OCR'd label cell that ends in one full
    stop and holds no number past its enumerator is a label: speckle dust or the end of a
    ruling after the label is read as "。" ("2. 没有现成信息需要另行制作。"), and the row was
    lost as narrative.  A cell whose sentence carries numbers stays prose."""
    text = box.text.strip()
    if box.score is None or not text.endswith(("。", "．", ".")):
        return text
    body = text[:-1]
    if "。" in body or any(ch.isdigit() for ch in _ENUMERATOR.sub("", body, count=1)):
        return text
    return body


_FRACTION_CUT_OFF = re.compile(r"[.．]\d+")


def _takes_fraction(previous: Token, line_no: int, cell_no: int) -> bool:
    """The number in the cell before a bare decimal fraction, on its line, is its integer part."""
    return previous.kind == "number" and not previous.blank and not previous.unit and previous.line_no == line_no \
        and previous.cell_no == cell_no - 1 and re.fullmatch(r"\d[\d,]*", previous.text) is not None


def tokenize(doc: Document, vocabulary: Vocabulary | None = None) -> list[Token]:
    vocabulary = vocabulary or Vocabulary()
    tokens: list[Token] = []
    for line_no, line in enumerate(doc.lines()):
        text = line.text  # joined from its boxes on every access
        if is_footer(text):
            continue
        # a line naming several row labels is a glued table, however long it is
        glued_table = vocabulary.labels and vocabulary.names_rows(text)
        if not line.in_table and is_prose(text) and not glued_table:
            for kind, piece in headings_in_prose(normalize(text), vocabulary.headings):
                tokens.append(Token(kind, piece, line.page, line.bbox, line_no))
            continue
        if line.in_table and len(line.boxes) > 1:
            heading = _heading_over_cells(line, vocabulary.headings)
            if heading is not None:
                tokens.append(Token("text", heading, line.page, line.bbox, line_no))
                continue
        # a row of values without a label (section 四's): its leading empty cells are cells, not
        # the label column a labelled row leaves empty (a text grid's first cell is always that
        # label column, empty or not)
        seen_content = line.in_table and not any(b.aligned for b in line.boxes) and all(
            not b.text.strip() or is_number(b.text) or is_blank_marker(b.text) for b in line.boxes)
        for cell_no, box in enumerate(line.boxes):
            base = Token("text", "", line.page, box.bbox or line.bbox, line_no,
                         box.column if box.column is not None else cell_no, box.score)
            if not box.text.strip():
                if line.in_table and (seen_content or box.aligned and len(line.boxes) == 1):
                    # a cell printed empty in a table with explicit cells: a blank (zero), which
                    # assembly drops first when a row has more cells than the template
                    tokens.append(Token("number", "", line.page, base.bbox, line_no, base.cell_no,
                                        blank=True, empty=True, agree=box.agree,
                                        aligned=box.aligned, gridded=box.gridded, loose=box.loose))
                continue
            seen_content = True
            unit = normalize(box.text).strip()
            if unit in ("万元", "元") and tokens and tokens[-1].kind == "number" and tokens[-1].line_no == line_no \
                    and not tokens[-1].blank and not tokens[-1].unit:
                # `| 11.52 | 万元 |`: the unit in a cell of its own after its number (a converter
                # splitting a merged cell), as "22.67 万元" within one box
                tokens[-1].unit = unit
                tokens[-1].text += unit
                continue
            joined = parse_number(tokens[-1].text + unit) if tokens and _FRACTION_CUT_OFF.fullmatch(unit) else None
            if joined is not None and _takes_fraction(tokens[-1], line_no, base.cell_no):
                # `| 1251 | .8 |`: a number cut at a cell border (a PDF-to-markdown grid drawn over
                # another table's columns); assembly doubts the table's other numbers for it
                tokens[-1].text += unit
                tokens[-1].value = joined.value
                tokens[-1].cut = True
                continue
            if is_prose(_cell_text(box)) and not glued_table:  # narrative framed as a table cell
                tokens.append(Token("prose", normalize(box.text), line.page, base.bbox, line_no, base.cell_no))
                continue
            for token in _box_tokens(box.text, base):
                token.repaired = token.repaired or box.repaired  # keep a repair _box_tokens made (O -> 0)
                token.agree = box.agree
                if token.kind == "text" and len(token.text) > GLUED_LINE:
                    for piece in split_headings(token.text, vocabulary.headings):
                        tokens.append(Token("text", piece, token.page, token.bbox, token.line_no,
                                            token.cell_no, token.score, repaired=token.repaired))
                else:
                    tokens.append(token)
    return tokens


# --- sections ------------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)  # token texts and labels recur within and across documents
def squash(text: str) -> str:
    """Matching form of a label: NFKC, no whitespace or punctuation, digits and CJK kept."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", normalize(text).lower())


MAX_HEADING_COPIES = 12  # a heading printed more often than this is page furniture, not a section
END_HEADINGS = ("存在的主要问题", "存在问题", "主要问题及改进", "其他需要报告的事项")


@dataclass
class Section:
    table_id: str
    start: int  # token index of the heading
    end: int


def _heading_text(token: Token) -> str | None:
    """The squashed text of a token that may be a heading (short label text, no prose)."""
    if token.kind != "text" or len(token.text) > 40 or is_prose(token.text):
        return None
    return squash(token.text)


@lru_cache(maxsize=64)
def _squashed(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(squash(k) for k in keys)


# shorter keys are matched exactly; from seven characters one may be misread (第二十条第一项 read
# 第二十条第一楼 on a blurred scan), from ten two
FUZZY_HEADING_MIN = 7


def _is_heading(text: str | None, keys: tuple[str, ...], read_by_ocr: bool = False) -> bool:
    """`text` from `_heading_text` (computed once per token, asked for every table).  Text read by
    OCR may differ from a key in a fifth of its characters (a degraded scan misreads single
    characters: 政府信志公开行政复议、行政诉论情况)."""
    if text is None:
        return False
    squashed = _squashed(tuple(keys))
    if any(k in text for k in squashed):
        return True
    return read_by_ocr and any(len(k) >= FUZZY_HEADING_MIN and _near_substring(k, text, len(k) // 5)
                               for k in squashed)


def _near_substring(key: str, text: str, errors: int) -> bool:
    """Whether some substring of `text` is within `errors` edits of `key` (Sellers' algorithm)."""
    if len(text) < len(key) - errors or len(set(key) - set(text)) > errors:
        return False
    previous = [0] * (len(text) + 1)  # a match may begin anywhere in text
    for i, ch in enumerate(key, 1):
        current = [i] + [0] * len(text)
        for j, tc in enumerate(text, 1):
            current[j] = min(previous[j - 1] + (ch != tc), previous[j] + 1, current[j - 1] + 1)
        previous = current
    return min(previous) <= errors


JOIN_CELLS = 4  # a header cell's words split over at most this many cells of its row


def _joined_cells(tokens: list[Token], texts: list[str | None]) -> list[str | None]:
    """Each token's heading text joined with the label cells after it on its line: a converter
    that cuts a table row by the page's text columns (PyMuPDF4LLM) splits a header cell's words
    over several cells (`未经|复议直接|起诉`)."""
    out = []
    for i, text in enumerate(texts):
        parts = [text] if text is not None else []
        k = i + 1
        while parts and k < min(len(tokens), i + JOIN_CELLS) and texts[k] is not None \
                and tokens[k].line_no == tokens[i].line_no:
            parts.append(texts[k])
            k += 1
        out.append("".join(parts) if parts else None)
    return out


def find_sections(tokens: list[Token], headings: dict[str, tuple[str, ...]],
                  row_labels: dict[str, tuple[str, ...]] | None = None,
                  anchors: dict[str, tuple[str, ...]] | None = None,
                  inferred: dict[str, int] | None = None) -> dict[str, Section]:
    """Token spans of each table section, from their headings to the next heading.

    `headings` maps table id to heading texts, in printed order of the sections.  A
    heading's words also occur in prose (the introduction lists the report's parts); with
    `row_labels` (table id -> squashed label variants) the occurrence whose span holds the
    most of the table's row labels is the section, otherwise the first one.  `anchors`
    (text printed where a table begins) stand in for headings a converter dropped;
    `inferred` (table id -> token index) for a table whose heading and anchors were lost.
    """
    order = list(headings)
    anchors = anchors or {}
    texts = [_heading_text(t) for t in tokens]
    ocr = [t.score is not None for t in tokens]
    occurrences = {tid: [i for i, t in enumerate(texts) if _is_heading(t, headings[tid], ocr[i])][:MAX_HEADING_COPIES]
                   for tid in order}
    is_anchor = set()
    joined = _joined_cells(tokens, texts) if anchors else texts
    for tid in order:
        found = [i for i, t in enumerate(joined) if anchors.get(tid) and _is_heading(t, anchors[tid], ocr[i])
                 and i not in occurrences[tid]][:MAX_HEADING_COPIES]
        if inferred and tid in inferred and inferred[tid] not in occurrences[tid]:
            found.append(inferred[tid])
        is_anchor |= set(found)
        occurrences[tid] = sorted(set(occurrences[tid] + found))
    ends = [i for i, t in enumerate(texts) if _is_heading(t, END_HEADINGS, ocr[i])]
    def span_end(table_id: str, start: int) -> int:
        """Where another section's heading (or the report's closing parts) begins."""
        others = [i for tid, occ in occurrences.items() if tid != table_id for i in occ] + ends
        return min([i for i in others if i > start] + [len(tokens)])

    def table_evidence(table_id: str, start: int) -> tuple[int, int]:
        end = span_end(table_id, start)
        text = "".join(squash(t.text) for t in tokens[start + 1:end] if t.kind == "text")
        rows = sum(1 for variants in row_labels[table_id] if any(v in text for v in variants))
        numbers = sum(1 for t in tokens[start + 1:end] if t.kind == "number")
        return rows, min(numbers, 1)

    memo: dict[tuple[str, int], tuple[int, int]] = {}

    def evidence(table_id: str, start: int) -> tuple[int, int]:
        if not row_labels or table_id not in row_labels:
            return 0, 0
        if (table_id, start) not in memo:
            memo[table_id, start] = table_evidence(table_id, start)
        return memo[table_id, start]

    # sections are printed in order: the best increasing choice of one occurrence (or none) per table
    best: tuple = ((-1, 0), {})
    for choice in product(*[[None] + occurrences[tid] for tid in order]):
        picked = [(tid, i) for tid, i in zip(order, choice) if i is not None]
        if any(a[1] >= b[1] for a, b in zip(picked, picked[1:])):
            continue
        scores = [evidence(tid, i) for tid, i in picked]
        # more tables, then more row labels under them, then headings over anchors, then earlier ones
        key = (len(picked), sum(s[0] for s in scores), sum(s[1] for s in scores),
               -sum(i in is_anchor for _, i in picked), -sum(i for _, i in picked))
        if key > best[0]:
            best = (key, dict(picked))
    starts = best[1]
    sections = {}
    found = sorted(starts.items(), key=lambda kv: kv[1])
    for k, (table_id, start) in enumerate(found):
        nxt = found[k + 1][1] if k + 1 < len(found) else len(tokens)
        later_end = [e for e in ends if e > start]
        sections[table_id] = Section(table_id, start, min([nxt] + later_end[:1]))
    return sections
