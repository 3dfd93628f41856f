"""A report as the HTML page a government site publishes: the official national tables
(merged headers, rowspan/colspan, label columns) with the report's prose around them, in one
of several site styles.

`render_page(report, style)` gives a `Page`: the HTML plus the page metadata a crawler saves.
Issue 12's scan generator prints these pages (`print_css` picks the fonts) and degrades them.
The table layout follows ../shared/docs/canonical-schema.md ("How the tables are printed");
labels, columns and rows come from the schema data.
"""
from __future__ import annotations

import html as htmllib
import random
from dataclasses import dataclass, field, replace

from ..schema import Table, Template
from .values import Report

# Which item of 条例第二十条 each section 二 row is printed under (printed layout, not schema).
ARTICLE_20_ITEMS = {"rules": "（一）", "normative_docs": "（一）", "licensing": "（五）", "other_services": "（五）",
                    "penalty": "（六）", "coercion": "（六）", "fees": "（八）", "procurement": "（九）"}
BALANCE_SENTENCE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
SITES = ("cms", "word", "article")
# Installed CJK families (Debian fonts-noto-cjk, fonts-arphic-*, fonts-wqy-*) a printed page may use
FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UMing CN", "AR PL UKai CN", "WenQuanYi Zen Hei",
         "WenQuanYi Micro Hei")
BLANKS = ("0", "", "—", "/", "-", "无")


@dataclass(frozen=True)
class Style:
    """How one site prints a report.  Every choice is one real sites make."""

    site: str = "cms"  # cms: CMS page with nav/breadcrumbs/meta/footer; word: Word-saved HTML; article
    cell: str = "bare"  # bare | p_span (<p><span> inside cells) | mso (Word's markup)
    thead: bool = False  # header rows inside <thead> (browsers repeat them on every printed page)
    border: str = "attr"  # attr: border="1"; inline: style on every cell; css: a stylesheet rule
    widths: bool = True  # width attributes on cells
    corner: bool = True  # the 勾稽关系 sentence in section 三's corner cell (else empty)
    zero: tuple[str, str, str] = ("0", "0", "0")  # how a zero prints in sections 二, 三, 四
    span_short_rows: bool = True  # a row with fewer values than columns spans its last value (else empty cells)
    numbering: str = "."  # "1.属于国家秘密" | "1、" | "1．" | "1. "
    half_parens: bool = False  # (一) instead of （一）
    partial_note: bool = True  # （二）部分公开 with （区分处理的，只计这一情形，不计其他情形）
    plus_sign: bool = True  # a positive 本年增/减 printed +3
    nbsp_empty: bool = False  # an empty cell holds &nbsp;
    wrap_headers: bool = False  # long header labels broken with <br> (商业<br>企业)
    thousands: bool = False  # counts >= 1000 printed 12,345
    money_decimals: bool = False  # money printed with two decimals even when whole (96171.60)
    heading_tag: str = "p_strong"  # p_strong | h3 | p
    source_indent: bool = False  # the CMS re-indents its HTML source (whitespace between blocks)
    meta_table: bool = False  # CMS: a 索引号/发布机构/成文日期 table above the article
    font: str = "Noto Serif CJK SC"
    font_size_pt: float = 10.5


def draw_style(rng: random.Random, site: str | None = None) -> Style:
    site = site or rng.choices(SITES, weights=[0.5, 0.25, 0.25])[0]

    def zero() -> str:
        return rng.choices(BLANKS, weights=[0.78, 0.08, 0.07, 0.04, 0.02, 0.01])[0]
    zeros = (zero(), zero() if rng.random() < 0.5 else "0", zero() if rng.random() < 0.5 else "0")
    cell = "mso" if site == "word" else rng.choice(["bare", "p_span", "p_span"])
    return Style(
        site=site, cell=cell, thead=rng.random() < 0.3, border=rng.choice(["attr", "inline", "css"]),
        widths=rng.random() < 0.6, corner=rng.random() < 0.75, zero=zeros,
        span_short_rows=rng.random() < 0.8, numbering=rng.choices([".", "、", "．", ". "], weights=[6, 2, 1, 1])[0],
        half_parens=rng.random() < 0.1, partial_note=rng.random() < 0.85, plus_sign=rng.random() < 0.6,
        nbsp_empty=rng.random() < 0.5, wrap_headers=rng.random() < 0.35, thousands=rng.random() < 0.05,
        money_decimals=rng.random() < 0.3, heading_tag=rng.choice(["p_strong", "h3", "p"]),
        meta_table=site == "cms" and rng.random() < 0.5, source_indent=site == "cms" and rng.random() < 0.5,
        font=rng.choice(FONTS),
        font_size_pt=rng.choice([9, 10, 10.5, 12]))


@dataclass
class Page:
    """A rendered report page."""

    html: str
    title: str
    meta: dict[str, str]  # what a crawler records: 标题 发布时间 文号 发布机构 栏目 原文链接
    style: Style
    article_id: str = "zoom"  # id of the element holding the report itself (not nav, not footer)
    notes: list[str] = field(default_factory=list)


# --- cells ---------------------------------------------------------------------------------

def _number(value: float | int, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{value:.{decimals}f}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def format_value(value: float | int, kind: str, style: Style, zero: str, report: Report) -> str:
    """A value as the site prints it (money converted back to the printed unit)."""
    if value == 0:
        return zero
    if kind == "money":
        if report.money_unit == "万元":
            wan = value / 10000
            text = _number(round(wan, 6), 2 if style.money_decimals and round(wan, 2) == round(wan, 6) else None)
            # 2019 tables print the unit in the cell; 2021's header carries （单位：万元）
            return text + ("万元" if report.template.version == "2019" else "")
        return _number(value, 2 if style.money_decimals else None)
    text = f"{int(abs(value)):,}" if style.thousands and abs(value) >= 1000 else _number(abs(value))
    if value < 0:
        return "-" + text
    if kind == "signed" and style.plus_sign:
        return "+" + text
    return text


class _Cells:
    """<td> markup in a style."""

    def __init__(self, style: Style, widths: dict[int, int]):
        self.style = style
        self.widths = widths

    def td(self, text: str, colspan: int = 1, rowspan: int = 1, col: int = 0, header: bool = False) -> str:
        s = self.style
        attrs = []
        if colspan > 1:
            attrs.append(f'colspan="{colspan}"')
        if rowspan > 1:
            attrs.append(f'rowspan="{rowspan}"')
        width = sum(self.widths.get(col + i, 60) for i in range(colspan))
        if s.widths and s.cell != "mso":
            attrs.append(f'width="{width}"')
        if s.border == "inline" and s.cell != "mso":
            attrs.append('style="border:1px solid #000;padding:2px 4px;text-align:center"')
        if s.cell == "mso":
            attrs.append(f"width={width} valign=center style='width:{width * 0.75:.1f}pt;border:solid windowtext 1.0pt;"
                         "mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt'")
        body = self._body(text, header)
        return f"<td {' '.join(attrs)}>{body}</td>" if attrs else f"<td>{body}</td>"

    def _body(self, text: str, header: bool) -> str:
        s = self.style
        if s.wrap_headers and header and 4 <= len(text) <= 6 and "（" not in text:
            cut = len(text) // 2
            # Word wraps the label in its source (a browser shows a space there); editors put <br>
            brk = "\n  " if s.cell == "mso" else "<br/>"
            escaped = htmllib.escape(text[:cut]) + brk + htmllib.escape(text[cut:])
        else:
            escaped = htmllib.escape(text)
        if not text:
            escaped = "&nbsp;" if s.nbsp_empty or s.cell == "mso" else ""
        if s.cell == "bare":
            return escaped
        if s.cell == "p_span":
            return f'<p style="text-align:center;line-height:1.5"><span style="font-size:{s.font_size_pt}pt">{escaped}</span></p>'
        empty = not text
        inner = "<o:p>&nbsp;</o:p>" if empty else f"{escaped}<o:p></o:p>"
        return (f"<p class=MsoNormal align=center style='text-align:center;mso-line-height-alt:12.0pt'>"
                f"<span lang=EN-US style='font-size:{s.font_size_pt}pt;font-family:仿宋_GB2312;"
                f"mso-hansi-font-family:\"Times New Roman\"'>{inner}</span></p>")


def _table_open(style: Style, cls: str) -> str:
    if style.cell == "mso":
        return ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=600 "
                "style='width:450.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;"
                "mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>")
    if style.border == "attr":
        return f'<table class="{cls}" border="1" cellspacing="0" cellpadding="2" width="100%">'
    if style.border == "inline":
        return f'<table class="{cls}" style="border-collapse:collapse;width:100%" cellspacing="0">'
    return f'<table class="{cls} gk-table" cellspacing="0">'


def _rows(rows: list[str], header_rows: int, style: Style) -> str:
    """<tr>s, with the header rows in <thead> when the style says so."""
    tr = "<tr style='mso-yfti-irow:0'>" if style.cell == "mso" else "<tr>"
    rendered = [tr + r + "</tr>" for r in rows]
    if style.thead and header_rows:
        return "<thead>" + "".join(rendered[:header_rows]) + "</thead><tbody>" + "".join(rendered[header_rows:]) + "</tbody>"
    return "".join(rendered)


# --- labels --------------------------------------------------------------------------------

def _paren(text: str, style: Style) -> str:
    return text.replace("（", "(").replace("）", ")") if style.half_parens else text


def _numbered(label: str, style: Style) -> str:
    """`1.属于国家秘密` in the style's numbering."""
    if len(label) > 2 and label[0].isdigit() and label[1] == ".":
        return label[0] + style.numbering + label[2:]
    return label


def request_label(table: Table, row_id: str, style: Style) -> str:
    label = table.row(row_id).labels[0]
    if not style.partial_note and "（区分处理" in label:
        label = label[: label.index("（区分处理")]
    return _paren(_numbered(label, style), style)


def group_label(table: Table, parent: str, style: Style) -> str:
    for g in table.group_labels:
        if g.endswith(parent) and g.startswith("（"):
            return _paren(g, style)
    return parent


# --- the three tables ----------------------------------------------------------------------

def disclosure_table(report: Report, style: Style) -> str:
    template = report.template
    table = template.table("disclosure")
    width = 1 + max(len(r.columns) for r in table.rows)
    cells = _Cells(style, {0: 160})
    rows, block = [], None
    for row in table.rows:
        item = ARTICLE_20_ITEMS[row.id]
        if item != block:
            block = item
            rows.append(cells.td(f"第二十条第{_paren(item, style)}项", colspan=width, header=True))
            rows.append(_row_cells(cells, "信息内容", [table.columns[c].labels[0] for c in row.columns], width,
                                   style, header=True))
        values = [format_value(report.fields[table.field_id(row.id, c)], table.columns[c].kind, style,
                               style.zero[0], report) for c in row.columns]
        rows.append(_row_cells(cells, row.labels[0], values, width, style))
    return _table_open(style, "disclosure") + _rows(rows, 0, style) + "</table>"


def _row_cells(cells: _Cells, label: str, values: list[str], width: int, style: Style, header: bool = False) -> str:
    """Label then values; a row with fewer values spans its last one (or pads with empty cells)."""
    out = [cells.td(label, col=0, header=header)]
    for i, v in enumerate(values):
        last = i == len(values) - 1
        span = width - 1 - i if last and style.span_short_rows else 1
        out.append(cells.td(v, colspan=span, col=1 + i, header=header))
    if not style.span_short_rows:
        out += [cells.td("", col=1 + len(values) + k) for k in range(width - 1 - len(values))]
    return "".join(out)


def requests_table(report: Report, style: Style) -> str:
    table = report.template.table("requests")
    cols = list(table.columns)
    applicant = cols[1:-1]  # under 法人或其他组织, between 自然人 and 总计
    cells = _Cells(style, {0: 50, 1: 70, 2: 150})
    label = lambda c: table.columns[c].labels[0]  # noqa: E731
    header = [
        cells.td(BALANCE_SENTENCE if style.corner else "", colspan=3, rowspan=3, col=0)
        + cells.td("申请人情况", colspan=len(cols), col=3, header=True),
        cells.td(label(cols[0]), rowspan=2, col=3, header=True)
        + cells.td("法人或其他组织", colspan=len(applicant), col=4, header=True)
        + cells.td(label(cols[-1]), rowspan=2, col=4 + len(applicant), header=True),
        "".join(cells.td(label(c), col=4 + i, header=True) for i, c in enumerate(applicant)),
    ]
    results = [r for r in table.rows if r.group == "results"]
    # 三、本年度办理结果 spans every result row and （七）总计
    results_span = len(results) + 1
    results_heading = next(g for g in table.group_labels if g.startswith("三、"))
    rows = []
    seen_parents: set[str] = set()
    first_result = True
    for row in table.rows:
        values = "".join(cells.td(format_value(report.fields[table.field_id(row.id, c)], "count", style,
                                               style.zero[1], report), col=3 + i) for i, c in enumerate(cols))
        text = request_label(table, row.id, style)
        if row.group == "results" or row.id == results_after(table):
            lead = ""
            if first_result:
                lead = cells.td(results_heading, rowspan=results_span, col=0, header=True)
                first_result = False
            if row.parent:
                if row.parent not in seen_parents:
                    seen_parents.add(row.parent)
                    n = sum(1 for r in table.rows if r.parent == row.parent)
                    lead += cells.td(group_label(table, row.parent, style), rowspan=n, col=1, header=True)
                rows.append(lead + cells.td(text, col=2) + values)
            else:
                rows.append(lead + cells.td(text, colspan=2, col=1) + values)
        else:
            rows.append(cells.td(text, colspan=3, col=0) + values)
    return _table_open(style, "requests") + _rows(header + rows, 3, style) + "</table>"


def results_after(table: Table) -> str:
    """The row printed right after the result rows inside 三、本年度办理结果 (（七）总计)."""
    ids = [r.id for r in table.rows]
    last = max(i for i, r in enumerate(table.rows) if r.group == "results")
    return ids[last + 1]


def appeals_table(report: Report, style: Style) -> str:
    table = report.template.table("appeals")
    parts = [table.columns[c].labels[0] for c in table.columns]
    review, *litigation = table.rows
    cells = _Cells(style, {})
    n = len(parts)
    header = [
        cells.td(review.labels[0], colspan=n, col=0, header=True)
        + cells.td("行政诉讼", colspan=n * len(litigation), col=n, header=True),
        "".join(cells.td(p, rowspan=2, col=i, header=True) for i, p in enumerate(parts))
        + "".join(cells.td(r.labels[0], colspan=n, col=n * (k + 1), header=True) for k, r in enumerate(litigation)),
        "".join(cells.td(p, col=n * (k + 1) + i, header=True) for k in range(len(litigation)) for i, p in enumerate(parts)),
    ]
    values = "".join(cells.td(format_value(report.fields[f], "count", style, style.zero[2], report), col=i)
                     for i, f in enumerate(table.field_ids()))
    return _table_open(style, "appeals") + _rows(header + [values], 3, style) + "</table>"


# --- prose ----------------------------------------------------------------------------------

_MANAGEMENT = [
    "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，全年未发生泄密事件。",
    "对照主动公开基本目录，动态调整公开事项，及时清理过期失效信息，提升政府信息管理规范化水平。",
    "健全政府信息公开工作机制，明确专人负责信息发布、更新和维护，确保公开内容准确、及时。",
]
_PLATFORM = [
    "持续优化政府门户网站政府信息公开专栏，规范栏目设置，完善检索功能，方便群众查询。",
    "加强政务新媒体管理，定期开展检查，及时回应网民关切，提升政务服务水平。",
    "依托政务服务中心、档案馆、图书馆设立政府信息查阅点，为公众提供便捷的查阅服务。",
]
_SUPERVISION = [
    "将政务公开工作纳入年度绩效考核，主要负责同志亲自部署，分管负责同志具体抓，形成一级抓一级的工作格局。",
    "组织开展政务公开业务培训，提升工作人员业务能力；加强社会评议和责任追究，全年未发生责任追究情况。",
]
_PROBLEMS = [
    "本年度政府信息公开工作取得了一定成效，但仍存在一些不足：一是政策解读形式较为单一，解读质量有待提升；"
    "二是部分栏目信息更新不够及时；三是工作人员业务水平有待进一步提高。下一步，我们将丰富解读形式，"
    "加强栏目日常巡查，定期组织业务培训，不断提升政府信息公开工作质量。",
    "存在的主要问题是：主动公开的深度和广度还需拓展，依申请公开答复的规范性有待加强。改进措施：进一步完善工作机制，"
    "加强对重点领域信息公开的指导，规范依申请公开办理流程，提高答复质量。",
    "工作中还存在公开意识有待增强、公开内容不够全面等问题。我们将严格按照《条例》要求，进一步压实工作责任，"
    "加大公开力度，切实保障人民群众的知情权、参与权、表达权和监督权。",
]


def prose(report: Report, rng: random.Random) -> dict[str, list[str]]:
    """The report's narrative by section; numbers it states agree with the tables."""
    f = report.fields
    t = report.template
    req, app = t.table("requests"), t.table("appeals")
    doc_no = "国办公开办函〔2019〕60号" if t.version == "2019" else "国办公开办函〔2021〕30号"
    y = report.year
    received, carried = f[req.field_id("received", "total")], f[req.field_id("carried_over", "total")]
    handled, forward = f[req.field_id(results_after(req), "total")], f[req.field_id("carried_forward", "total")]
    reviews = f[app.field_id(app.rows[0].id, "total")]
    suits = sum(f[app.field_id(r.id, "total")] for r in app.rows[1:])
    published = rng.randint(20, 400) * (10 if report.level in ("city", "province_dept") else 1)
    intro = (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
             f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{doc_no}）要求编制。全文包括总体情况、"
             "主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及"
             f"改进情况、其他需要报告的事项。本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有疑问，"
             f"请与{report.agency}办公室联系（电话：0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}）。")
    if received:
        apply = (f"（二）依申请公开。{y}年，共收到政府信息公开申请{received}件，上年结转{carried}件，"
                 f"已办结{handled}件，结转下年度继续办理{forward}件，均在法定期限内答复。")
    else:
        apply = f"（二）依申请公开。{y}年，未收到政府信息公开申请。"
    apply += appeals_prose(report, random.Random(f"appeals|{report.agency}|{y}|{received}|{reviews}|{suits}"))
    overview = [
        f"{y}年，{report.agency}深入贯彻落实《条例》，坚持以公开为常态、不公开为例外，扎实推进政务公开工作。",
        f"（一）主动公开。全年通过门户网站主动公开政府信息{published}条，发布政策解读{rng.randint(2, 60)}篇，"
        f"召开新闻发布会{rng.randint(0, 12)}场。",
        apply,
        "（三）政府信息管理。" + rng.choice(_MANAGEMENT),
        "（四）平台建设。" + rng.choice(_PLATFORM),
        "（五）监督保障。" + rng.choice(_SUPERVISION),
    ]
    fee = rng.choice([f"本年度未收取信息处理费。", f"本年度依据《政府信息公开信息处理费管理办法》收取信息处理费"
                      f"{rng.randint(1, 40) * 100}元。"]) if t.version == "2021" else "无。"
    return {"intro": [intro], "overview": overview, "problems": [rng.choice(_PROBLEMS)],
            "other": [fee], "sign": [report.agency, f"{y + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日"]}


_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"))


def appeals_prose(report: Report, rng: random.Random) -> str:
    """What the narrative says about section 四, in the ways reports say it: both totals in one
    enumeration, one clause each, a breakdown by result (as Huai'an's 2024 report prints it),
    none (本年度未发生…), or nothing.  Drawn from its own `rng` so the rest of the page stays as
    the corpus seed drew it."""
    app = report.template.table("appeals")
    f = report.fields
    review = app.rows[0].id
    litigation = [r.id for r in app.rows[1:]]
    reviews = f[app.field_id(review, "total")]
    suits = sum(f[app.field_id(r, "total")] for r in litigation)
    unit = rng.choice(["起", "件"])
    way = rng.choices(["enumerated", "clauses", "breakdown", "silent"], weights=[0.3, 0.25, 0.3, 0.15])[0]
    if way == "silent":
        return ""
    if not reviews and not suits:
        return rng.choice(["全年未发生因政府信息公开引起的行政复议、行政诉讼。",
                           "本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
                           "全年没有发生政府信息公开行政复议、行政诉讼案件。"])
    if way == "enumerated":
        return f"全年发生政府信息公开行政复议{reviews}{unit}、行政诉讼{suits}{unit}。"

    def part(name: str, n: int, parts: list[int]) -> str:
        if not n:
            return rng.choice([f"未发生因政府信息公开引起的{name}", f"政府信息公开{name}0{unit}"])
        text = f"政府信息公开{name}{n}{unit}"
        if way == "breakdown":
            every = rng.random() < 0.5  # all four results, or only those that occurred
            text += "，其中" + "，".join(f"{label}{v}{unit}" for (_, label), v in zip(_RESULTS, parts) if v or every)
        return text

    review_parts = [f[app.field_id(review, c)] for c, _ in _RESULTS]
    suit_parts = [sum(f[app.field_id(r, c)] for r in litigation) for c, _ in _RESULTS]
    return f"{part('行政复议', reviews, review_parts)}；{part('行政诉讼', suits, suit_parts)}。"


SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")


def report_title(report: Report, rng: random.Random) -> str:
    return rng.choice([f"{report.agency}{report.year}年政府信息公开工作年度报告",
                       f"{report.agency}{report.year}年度政府信息公开工作年度报告",
                       f"{report.agency}{report.year}年政府信息公开年度报告"])


# --- the page -------------------------------------------------------------------------------

def _para(text: str, style: Style, indent: bool = True) -> str:
    t = htmllib.escape(text)
    if style.site == "word":
        return (f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt'>"
                f"<span style='font-size:16.0pt;font-family:仿宋_GB2312'>{t}<span lang=EN-US><o:p></o:p></span></span></p>")
    return f'<p style="text-indent:2em">{t}</p>' if indent else f"<p>{t}</p>"


def _heading(text: str, style: Style) -> str:
    t = htmllib.escape(text)
    if style.site == "word":
        return (f"<p class=MsoNormal style='text-indent:32.0pt'><b><span style='font-size:16.0pt;font-family:黑体'>{t}"
                f"<span lang=EN-US><o:p></o:p></span></span></b></p>")
    if style.heading_tag == "h3":
        return f"<h3>{t}</h3>"
    if style.heading_tag == "p_strong":
        return f'<p style="text-indent:2em"><strong>{t}</strong></p>'
    return f'<p style="text-indent:2em">{t}</p>'


def article_body(report: Report, style: Style, rng: random.Random, title: str) -> str:
    """The report itself: title, prose and the three tables."""
    text = prose(report, rng)
    tables = {1: disclosure_table(report, style), 2: requests_table(report, style), 3: appeals_table(report, style)}
    out = []
    if style.site == "word":
        out.append(f"<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
                   f"font-family:方正小标宋简体'>{htmllib.escape(title)}<span lang=EN-US><o:p></o:p></span></span></b></p>")
        out.append("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>")
    out += [_para(p, style) for p in text["intro"]]
    for i, heading in enumerate(SECTION_HEADINGS):
        out.append(_heading(heading, style))
        if i == 0:
            out += [_para(p, style) for p in text["overview"]]
        elif i in tables:
            out.append(tables[i])
        elif i == 4:
            out += [_para(p, style) for p in text["problems"]]
        else:
            out += [_para(p, style) for p in text["other"]]
    out += [_para(p, style, indent=False).replace('style="text-indent:2em"', 'style="text-align:right"')
            .replace("<p>", '<p style="text-align:right">') for p in text["sign"]]
    return ("\n    " if style.source_indent else "\n").join(out)


def print_css(style: Style) -> str:
    border = "table.gk-table td, table.gk-table th {border:1px solid #000; padding:2px 4px; text-align:center}\n" \
        if style.border == "css" else ""
    return (f"body {{font-family:'{style.font}', serif; font-size:{style.font_size_pt}pt}}\n"
            "table {border-collapse:collapse; margin:8px 0}\n"
            "td {vertical-align:middle}\n" + border)


def _site_name(report: Report) -> str:
    agency = report.agency
    for suffix in ("人民政府办公室", "人民政府"):
        if agency.endswith(suffix):
            return agency[: -len(suffix)] + "人民政府"
    return agency


def render_page(report: Report, style: Style, rng: random.Random | None = None) -> Page:
    rng = rng or random.Random(f"render:{report.seed}")
    title = report_title(report, rng)
    date = f"{report.year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    time = f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"
    host = f"www.gov{rng.randint(100, 999)}.gov.cn"
    url = f"https://{host}/zwgk/zfxxgk/zfxxgknb/{report.year + 1}{date[5:7]}/t{date.replace('-', '')}_{rng.randint(10000, 99999)}.html"
    doc_no = rng.choice(["", "", f"{report.agency[:2]}政办〔{report.year + 1}〕{rng.randint(1, 30)}号"])
    meta = {"标题": title, "发布时间": f"{date} {time}", "文号": doc_no, "发布机构": report.agency,
            "栏目": "政府信息公开年报", "原文链接": url}
    body = article_body(report, style, rng, title)
    esc = htmllib.escape
    if style.site == "word":
        html = _word_page(title, body, style)
    elif style.site == "article":
        html = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(title)}</title>'
                f"<style>{print_css(style)}</style></head>\n<body>\n<div class=\"article\">\n<h2 style=\"text-align:center\">"
                f"{esc(title)}</h2>\n<div id=\"zoom\">\n{body}\n</div>\n</div>\n</body></html>\n")
    else:
        html = _cms_page(report, title, meta, body, style, rng)
    return Page(html, title, meta, style)


def _cms_page(report: Report, title: str, meta: dict, body: str, style: Style, rng: random.Random) -> str:
    esc = htmllib.escape
    site = _site_name(report)
    nav = "".join(f'<li><a href="/{k}/">{t}</a></li>' for k, t in
                  [("index", "首页"), ("zwgk", "政务公开"), ("zwfw", "政务服务"), ("hdjl", "互动交流"), ("zjwm", "走进" + site[:2])])
    metatable = ""
    if style.meta_table:
        index_no = f"{rng.randint(10**10, 10**11 - 1)}/{report.year + 1}-{rng.randint(10000, 99999)}"
        metatable = ('<table class="xxgk-meta" width="100%" border="0"><tr><td>索引号：</td><td>' + index_no +
                     "</td><td>主题分类：</td><td>政务公开</td></tr><tr><td>发布机构：</td><td>" + esc(meta["发布机构"]) +
                     "</td><td>成文日期：</td><td>" + meta["发布时间"][:10] + "</td></tr><tr><td>标题：</td><td colspan=\"3\">" +
                     esc(title) + "</td></tr><tr><td>文号：</td><td>" + esc(meta["文号"]) + "</td><td>发布日期：</td><td>" +
                     meta["发布时间"][:10] + "</td></tr></table>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{esc(title)}"><meta name="PubDate" content="{meta['发布时间']}">
<meta name="ContentSource" content="{esc(meta['发布机构'])}">
<title>{esc(title)}_{esc(site)}</title>
<style>{print_css(style)}
.header{{background:#b5121b;color:#fff;padding:8px}} .nav li{{display:inline;margin:0 12px}}
.footer{{font-size:9pt;color:#666;border-top:1px solid #ccc;margin-top:20px}}</style>
<script>var _hmt = _hmt || []; function setFont(s){{document.getElementById('zoom').style.fontSize = s + 'px';}}</script>
</head><body>
<div class="header"><div class="logo">{esc(site)}</div><ul class="nav">{nav}</ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; 政府信息公开年报</div>
{metatable}
<div class="article">
<h1 style="text-align:center">{esc(title)}</h1>
<div class="info">发布时间：{meta['发布时间']}&nbsp;&nbsp;来源：{esc(meta['发布机构'])}&nbsp;&nbsp;字号：<a href="javascript:setFont(18)">大</a> <a href="javascript:setFont(16)">中</a> <a href="javascript:setFont(14)">小</a>&nbsp;&nbsp;<a href="javascript:window.print()">打印本页</a></div>
<div id="zoom" class="TRS_Editor">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
</div>
<div class="footer"><p>主办单位：{esc(site)}办公室&nbsp;&nbsp;承办单位：{esc(site)}大数据中心</p>
<p>网站标识码：{rng.randint(10**9, 10**10 - 1)}&nbsp;&nbsp;ICP备{rng.randint(10**7, 10**8 - 1)}号&nbsp;&nbsp;公网安备 {rng.randint(10**13, 10**14 - 1)}号</p></div>
</body></html>
"""


def _word_page(title: str, body: str, style: Style) -> str:
    esc = htmllib.escape
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document><meta name=Generator content="Microsoft Word 15"><meta name=Originator content="Microsoft Word 15">
<title>{esc(title)}</title>
<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>Administrator</o:Author><o:Pages>6</o:Pages></o:DocumentProperties></xml><![endif]-->
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View><w:Zoom>100</w:Zoom><w:DocumentKind>DocumentNotSpecified</w:DocumentKind></w:WordDocument></xml><![endif]-->
<style>
<!--
 /* Font Definitions */
 @font-face {{font-family:仿宋_GB2312; panose-1:2 1 6 9 3 1 1 1 1 1; mso-font-charset:134;}}
 p.MsoNormal, li.MsoNormal, div.MsoNormal {{mso-style-unhide:no; margin:0cm; text-align:justify; text-justify:inter-ideograph; font-size:10.5pt; font-family:"{style.font}";}}
 @page WordSection1 {{size:595.3pt 841.9pt; margin:72.0pt 90.0pt 72.0pt 90.0pt;}}
 div.WordSection1 {{page:WordSection1;}}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1 style='layout-grid:15.6pt' id="zoom">
{body}
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
</div>
</body>
</html>
"""


def page_for(report: Report, site: str | None = None, zero: str | None = None) -> Page:
    """The page of a report, style drawn from the report's own seed (the same for every family).
    `zero`: print every zero this way in all three sections instead of the drawn style's choice
    (e.g. "" for a corpus of blank-zero documents); every other choice stays as drawn."""
    rng = random.Random(f"style:{report.seed}")
    style = draw_style(rng, site)
    if zero is not None:
        style = replace(style, zero=(zero, zero, zero))
    return render_page(report, style, rng)
