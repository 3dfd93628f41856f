"""How the same printed text varies between reports, layouts and converters.

Pure functions of a text and a seeded `random.Random`: which printed variant of a label a
report uses, its enumerator style, where a narrow table column wraps it, OCR character and
digit confusions, traditional characters.  The label-classifier training data
(`pipeline.classify.data`) and the mangled test variants (`pipeline.synth`) both draw from
here, so a kind of variation is defined once.
"""
from __future__ import annotations

import random
import re

# character confusions seen in scanned reports (applied in both directions)
CHAR_CONFUSIONS = [("0", "O"), ("0", "〇"), ("1", "l"), ("1", "I"), ("己", "已"), ("已", "巳"), ("未", "末"),
                   ("人", "入"), ("土", "士"), ("日", "曰"), ("千", "干"), ("策", "算"), ("处", "外"),
                   ("开", "升"), ("公", "么"), ("申", "甲"), ("请", "靖"), ("事", "亊"), ("项", "顶"),
                   ("规", "觇"), ("范", "苑"), ("制", "剃"), ("数", "效"), ("量", "最"), ("理", "埋"),
                   ("（", "("), ("）", ")"), ("、", "丶"), ("、", ","), ("．", "."), ("一", "-"), ("二", "=")]
# digits OCR misreads as other digits (shape neighbours), applied in both directions
DIGIT_CONFUSIONS = [("6", "8"), ("1", "7"), ("3", "8"), ("5", "6"), ("0", "8"), ("0", "6"), ("9", "8"),
                    ("4", "9"), ("2", "7"), ("1", "4")]
# simplified -> traditional, for the characters of the printed labels and headers
TRADITIONAL = dict(zip(
    "规范许处罚强业费采购务项门开请数结转区这计国护权类内过执询关没现补后访举报诉复版无当确认获总继续办"
    "单万额废发对决条应缴纳机构组织会况实际经议讼维纠审与达标准门网络纸资统问题极积种类专论时间录",
    "規範許處罰強業費採購務項門開請數結轉區這計國護權類內過執詢關沒現補後訪舉報訴復版無當確認獲總繼續辦"
    "單萬額廢發對決條應繳納機構組織會況實際經議訟維糾審與達標準門網絡紙資統問題極積種類專論時間錄"))

_CN_NUM = "一二三四五六七八九十"
_ENUM = re.compile(rf"^\s*(?:[（(]([{_CN_NUM}\d]{{1,2}})[）)]|(\d{{1,2}})[.、．]|([{_CN_NUM}]{{1,2}})、)\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _pairs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for a, b in pairs:
        table.setdefault(a, []).append(b)
        table.setdefault(b, []).append(a)
    return table


_CHAR_TABLE = _pairs(CHAR_CONFUSIONS)
_DIGIT_TABLE = _pairs(DIGIT_CONFUSIONS)


def to_traditional(text: str) -> str:
    return "".join(TRADITIONAL.get(ch, ch) for ch in text)


def ocr_noise(text: str, rng: random.Random, rate: float = 0.12) -> str:
    """Character confusions, now and then a dropped or doubled character or a blot."""
    chars = [rng.choice(_CHAR_TABLE[ch]) if ch in _CHAR_TABLE and rng.random() < 3 * rate else ch for ch in text]
    core = [i for i, ch in enumerate(chars) if _CJK.match(ch)]
    if len(core) >= 4 and rng.random() < 4 * rate:
        i = rng.choice(core)
        if rng.random() < 0.5:
            del chars[i]
        else:
            chars.insert(i, chars[i])
    core = [i for i, ch in enumerate(chars) if _CJK.match(ch)]
    if len(core) >= 5 and rng.random() < rate:
        chars[rng.choice(core)] = rng.choice("口曰日田目甲申由")  # a blot read as a box-like character
    return "".join(chars)


def split_enumerator(text: str) -> tuple[str, str]:
    """(enumerator as printed, rest): ("（三）", "不予公开"), ("", "规章")."""
    m = _ENUM.match(text)
    return (text[:m.end()], text[m.end():]) if m else ("", text)


def restyle_enumerator(text: str, rng: random.Random) -> str:
    """1. <-> 1、 <-> (1) <-> （1）, （三） <-> (三) <-> 三、, or no enumerator at all."""
    m = _ENUM.match(text)
    if not m:
        return text
    num = m.group(1) or m.group(2) or m.group(3)
    rest = text[m.end():]
    if num.isdigit():
        styles = [f"{num}.", f"{num}、", f"({num})", f"（{num}）", f"{num}．", f"{num}. ", ""]
    else:
        styles = [f"（{num}）", f"({num})", f"{num}、", f"（{num}） ", ""]
    return rng.choice(styles) + rest


def printed_label(variants: tuple[str, ...], rng: random.Random) -> str:
    """One printed form of a label: any of its schema variants, an enumerator taken from
    the variant that has one, restyled or dropped."""
    text = rng.choice(variants)
    enumerated = next((v for v in variants if split_enumerator(v)[0]), None)
    if enumerated and not split_enumerator(text)[0] and rng.random() < 0.5:
        text = split_enumerator(enumerated)[0] + text
    if rng.random() < 0.5:
        text = restyle_enumerator(text, rng)
    if "“三安全一稳定”" in text and rng.random() < 0.5:
        text = text.replace("“三安全一稳定”", rng.choice(['"三安全一稳定"', "三安全一稳定", "「三安全一稳定」"]))
    return text


def wrap(text: str, width: int) -> list[str]:
    """Lines of a narrow table cell: `width` characters each (CJK and ASCII alike)."""
    width = max(1, width)
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def stray_space(text: str, rng: random.Random) -> str:
    """A space from justified PDF text or &nbsp;, somewhere inside."""
    if len(text) < 2:
        return text
    i = rng.randrange(1, len(text))
    return text[:i] + " " + text[i:]


# --- OCR errors in printed numbers -----------------------------------------------------

_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")


def corrupt_number(text: str, rng: random.Random) -> str:
    """An OCR misreading of a printed count: a digit read as its look-alike (6/8, 1/7,
    3/8, 5/6 ...), a digit dropped or doubled, or a stray `.`/`,` between two digits.
    The result reads as a different value (or as no whole number at all)."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        raise ValueError(f"no digit to corrupt in {text!r}")
    value = int(re.sub(r"\D", "", text))
    while True:
        kind = rng.choice(["confuse", "confuse", "confuse", "drop", "double", "point"])
        i = rng.choice(digits)
        if kind == "confuse":
            out = text[:i] + rng.choice(_DIGIT_TABLE[text[i]]) + text[i + 1:]
        elif kind == "drop" and len(digits) >= 2:
            out = text[:i] + text[i + 1:]
        elif kind == "double":
            out = text[:i + 1] + text[i] + text[i + 1:]
        elif kind == "point" and i > digits[0]:
            out = text[:i] + rng.choice(".,") + text[i:]
            if not _THOUSANDS.fullmatch(out.strip()):  # `2,571` is 2571 printed with its separator
                return out
            continue
        else:
            continue
        if int(re.sub(r"\D", "", out)) != value:
            return out


# --- totals printed wrong ------------------------------------------------------------------

def misprinted_total(total: int, rng: random.Random) -> int:
    """What a report prints for a total its parts give as `total`: left at 0 while its parts
    are not (two of the three totals of a real appeals table), or off by a few."""
    if total > 0 and rng.random() < 0.5:
        return 0
    return total + rng.choice([-3, -2, -1, 1, 2, 3, 5, 10]) if total > 3 else total + rng.randint(1, 5)
