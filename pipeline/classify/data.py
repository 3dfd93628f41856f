"""Training records: real shared documents, noised copies, synthetic template sections.

A section is first described as labelled *segments* (text, row id or `none`, whether
numbers follow, whether the next segment shares its token).  Segments become a
token stream, the production candidate segmentation runs over it, and each candidate
takes the label of the segment it starts in (a candidate that starts inside a
segment is a wrapped tail: `none`).  So training sees exactly the candidates the
spotter will see.  All randomness comes from the `random.Random` passed in.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from ..cells import normalize
from ..layout import Section, find_sections, squash, tokenize
from ..model import Token
from ..schema import all_templates, load_template
from .candidates import candidates
from .decode import row_order  # noqa: F401  (re-exported for the build script)
from .features import record

NONE = "none"
TABLES = ("disclosure", "requests")

# OCR confusions seen in scanned reports (both directions are applied)
CONFUSIONS = [("0", "O"), ("0", "〇"), ("1", "l"), ("1", "I"), ("己", "已"), ("已", "巳"), ("未", "末"),
              ("人", "入"), ("土", "士"), ("日", "曰"), ("千", "干"), ("策", "算"), ("处", "外"),
              ("开", "升"), ("公", "么"), ("申", "甲"), ("请", "靖"), ("事", "亊"), ("项", "顶"),
              ("规", "觇"), ("范", "苑"), ("制", "剃"), ("数", "效"), ("量", "最"), ("理", "埋")]
# simplified -> traditional, for the characters of the printed labels and headers
TRADITIONAL = dict(zip(
    "规范许处罚强业费采购务项门开请数结转区这计国护权类内过执询关没现补后访举报诉复版无当确认获总继续办"
    "单万额废发对决条应缴纳机构组织会况实际经议讼维纠审与达标准门网络纸资统",
    "規範許處罰強業費採購務項門開請數結轉區這計國護權類內過執詢關沒現補後訪舉報訴復版無當確認獲總繼續辦"
    "單萬額廢發對決條應繳納機構組織會況實際經議訟維糾審與達標準門網絡紙資統"))

_CN_NUM = "一二三四五六七八九十"


@dataclass
class Segment:
    text: str
    label: str = NONE
    numbers: int = 0  # number tokens printed right after
    same_token_as_next: bool = False


# ---- noise -------------------------------------------------------------------------

def to_traditional(text: str) -> str:
    return "".join(TRADITIONAL.get(ch, ch) for ch in text)


def ocr_noise(text: str, rng: random.Random, rate: float = 0.12) -> str:
    """Character confusions plus one dropped or doubled character now and then."""
    table: dict[str, list[str]] = {}
    for a, b in CONFUSIONS:
        table.setdefault(a, []).append(b)
        table.setdefault(b, []).append(a)
    chars = [rng.choice(table[ch]) if ch in table and rng.random() < 3 * rate else ch for ch in text]
    core = [i for i, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff"]
    if len(core) >= 4 and rng.random() < 0.5:
        i = rng.choice(core)
        if rng.random() < 0.5:
            del chars[i]
        else:
            chars.insert(i, chars[i])
    core = [i for i, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff"]
    if len(core) >= 5 and rng.random() < rate:
        i = rng.choice(core)
        chars[i] = rng.choice("口曰日田目甲申由")  # a blot read as a box-like character
    return "".join(chars)


def restyle_enumerator(text: str, rng: random.Random) -> str:
    """1. <-> 1、 <-> (1), （三） <-> (三) <-> 三、, or drop the enumerator."""
    m = re.match(rf"^\s*(?:[（(]([{_CN_NUM}\d]{{1,2}})[）)]|(\d{{1,2}})[.、．]|([{_CN_NUM}]{{1,2}})、)", text)
    if not m:
        return text
    num = m.group(1) or m.group(2) or m.group(3)
    rest = text[m.end():]
    if num.isdigit():
        styles = [f"{num}.", f"{num}、", f"({num})", f"（{num}）", f"{num}．", ""]
    else:
        styles = [f"（{num}）", f"({num})", f"{num}、", ""]
    return rng.choice(styles) + rest


def paraphrase(label: str, row: str, variants: tuple[str, ...], rng: random.Random) -> str:
    text = rng.choice(variants) if rng.random() < 0.4 else label
    if rng.random() < 0.5:
        text = restyle_enumerator(text, rng)
    if "三安全一稳定" in text and rng.random() < 0.5:
        text = text.replace("“三安全一稳定”", rng.choice(["\"三安全一稳定\"", "三安全一稳定", "「三安全一稳定」"]))
    if rng.random() < 0.2:  # stray spaces from justified PDF text
        i = rng.randrange(1, max(2, len(text)))
        text = text[:i] + " " + text[i:]
    return text


# ---- segments -> tokens -> labelled candidates -------------------------------------

def segments_to_tokens(segments: list[Segment], heading: str) -> tuple[list[Token], list[int]]:
    """Token stream of a section; second list: segment index of each char run start per token."""
    tokens = [Token("text", heading)]
    starts: list[int] = [-1]
    pending = ""
    first_seg = None
    for k, seg in enumerate(segments):
        if first_seg is None:
            first_seg = k
        pending += seg.text
        if seg.same_token_as_next and not seg.numbers and k + 1 < len(segments):
            continue
        tokens.append(Token("text", pending, line_no=len(tokens)))
        starts.append(first_seg)
        pending, first_seg = "", None
        for _ in range(seg.numbers):
            tokens.append(Token("number", "0", value=0, line_no=len(tokens)))
            starts.append(-1)
    return tokens, starts


def label_candidates(segments: list[Segment], table_id: str, heading: str) -> list[dict]:
    """Run the production segmentation over the segments and label what comes out."""
    from ..labels import row_labels

    tokens, _ = segments_to_tokens(segments, heading)
    # char-level owner labels: which segment each squashed char came from
    char_seg: list[tuple[int, bool]] = []  # (segment index, is first kept char of the segment)
    for k, seg in enumerate(segments):
        kept = [ch for ch in re.sub(r"\s+", "", normalize(seg.text))]
        for j, _ in enumerate(kept):
            char_seg.append((k, j == 0))
    section = Section(table_id, 0, len(tokens))
    cands = candidates(tokens, section, row_labels(table_id))
    # candidates are a left-to-right partition of the same characters (bare punctuation
    # is glued, never dropped, except at a run start), so walk them in step
    flat = "".join(re.sub(r"\s+", "", normalize(s.text)) for s in segments)
    out, pos = [], 0
    for i, c in enumerate(cands):
        at = flat.find(c.text, pos)
        label = NONE
        if at >= 0:
            seg, head = char_seg[at]
            # a leading bracket of an enumerator belongs to the label that follows
            label = segments[seg].label if head else NONE
            pos = at + len(c.text)
        rec = record(cands, i, table_id)
        rec["label"] = label
        out.append(rec)
    return out


# ---- synthetic sections from the templates -----------------------------------------

_DISCLOSURE_HEADS = ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项",
                     "第二十条第（九）项"]


def synthetic_section(template_key: str, table_id: str, rng: random.Random, style: str) -> list[Segment]:
    """One section as a report would print it, with optional paraphrase / OCR noise."""
    template = load_template(template_key)
    table = template.table(table_id)
    segs: list[Segment] = []
    noisy = style in ("ocr", "traditional")

    def add(text: str, label: str = NONE, numbers: int = 0, glue: bool = False):
        if style == "ocr":
            text = ocr_noise(text, rng)
        elif style == "traditional":
            text = to_traditional(text)
        segs.append(Segment(text, label, numbers, glue))

    scattered = rng.random() < 0.3  # pdfminer: labels first, numbers afterwards
    if table_id == "requests":
        if rng.random() < 0.7:
            add("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
        heads = ["申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
        if rng.random() < 0.3:
            heads = ["申请人情况", "法人或其他组织", "自然人", "商业", "企业", "科研", "机构", "社会", "公益", "组织",
                     "法律", "服务", "机构", "其他", "总计"]
        for h in heads:
            add(h)
    parents_seen: set[str] = set()
    last_head = None
    for row in table.rows:
        if table_id == "disclosure":
            head = {"rules": 0, "normative_docs": 0, "licensing": 1, "other_services": 1, "penalty": 2,
                    "coercion": 2, "fees": 3, "procurement": 4}[row.id]
            if head != last_head:
                last_head = head
                add(_DISCLOSURE_HEADS[head])
                add("信息内容")
                for cid in dict.fromkeys(row.columns):
                    add(rng.choice(table.columns[cid].labels))
        if row.id == "granted":
            add(rng.choice(["三、本年度办理结果", "三、本年度办理结果", "本年度办理结果"]))
        if rng.random() < 0.04:  # a row the report does not print
            continue
        label = row.labels[0]
        if style in ("paraphrase", "ocr", "traditional") or rng.random() < 0.3:
            label = paraphrase(label, row.id, row.labels, rng)
        glue = False
        if row.parent and row.parent not in parents_seen:
            parents_seen.add(row.parent)
            group = next((g for g in table.group_labels if row.parent in g), None)
            if group:
                add(group if rng.random() < 0.7 else restyle_enumerator(group, rng),
                    glue=rng.random() < 0.4)  # （三）不予公开 1.属于国家秘密 in one cell
        n = 0 if scattered else len(row.columns)
        if rng.random() < 0.15 and len(label) >= 6:  # wrapped cell: two tokens
            cut = rng.randrange(2, len(label) - 1)
            add(label[:cut], row.id, 0, False)
            segs.append(Segment(label[cut:], NONE, n, False))
            if style == "ocr":
                segs[-1].text = ocr_noise(segs[-1].text, rng)
            continue
        add(label, row.id, n)
    if scattered and segs:
        segs[-1].numbers = 7
    return segs


def synthetic_records(n_docs: int, rng: random.Random, first_id: int = 0) -> list[dict]:
    out = []
    keys = [t.key for t in all_templates()]
    styles = ["clean", "paraphrase", "paraphrase", "ocr", "ocr", "ocr", "traditional"]
    for d in range(n_docs):
        doc_id = f"synthetic-{first_id + d:05d}"
        key = rng.choice(keys)
        style = rng.choice(styles)
        for table_id in TABLES:
            segs = synthetic_section(key, table_id, rng, style)
            heading = load_template(key).table(table_id).headings[0]
            for rec in label_candidates(segs, table_id, heading):
                rec.update(doc=doc_id, source="synthetic", variant=style)
                out.append(rec)
    return out


# ---- real documents ----------------------------------------------------------------

def real_segments(tokens: list[Token], section: Section, table_id: str, hits) -> list[Segment]:
    """The section's label candidates as segments, labelled by keyword hits."""
    from ..labels import row_labels

    cands = candidates(tokens, section, row_labels(table_id))
    segs = []
    for k, c in enumerate(cands):
        label = NONE
        for h in hits:
            if c.token <= h.last_token and h.token <= c.last_token and _same_label(c.key, squash(h.text)):
                label = h.row
        nxt = cands[k + 1].token if k + 1 < len(cands) else section.end
        numbers = sum(1 for t in tokens[c.last_token + 1:nxt] if t.kind == "number")
        segs.append(Segment(c.text, label, numbers, same_token_as_next=(nxt == c.last_token)))
    return segs


def _same_label(cand_key: str, hit_key: str) -> bool:
    """The candidate is the hit's label (maybe with the enumerator the hit did not include)."""
    return bool(hit_key) and hit_key in cand_key and len(hit_key) >= 0.6 * len(cand_key)


def gold_rows(gold: dict) -> set[str]:
    return {f.split(".")[1] for f, v in gold["fields"].items() if v is not None}
