"""Varied, realistic gold values for a whole report, satisfying the template's sum rules.

Field ids and rules come from the schema data (`pipeline.schema`); nothing here spells a field
id.  What makes the numbers realistic is drawn per report: the body's size (a township office
or a provincial department), how its applicants and its outcomes are spread, how much work is
carried over.  Section 三 is built column by column from a balance (received + carried over =
handled + carried forward) so every rule holds by construction; a controlled fraction of
reports then gets one printed total wrong, as real tables sometimes are, and the truth keeps
the printed (wrong) value with a note.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ..schema import HYBRID, Template, load_template

TEMPLATE_KEYS = ("2019", "2021", HYBRID)
WRONG_TABLE_RATE = 0.08  # share of reports whose printed table breaks a sum rule


@dataclass
class Report:
    """One report's gold: the values its tables print, and how they are printed."""

    key: str  # "2019" | "2021" | "2021-hybrid"
    agency: str
    year: int
    level: str  # township | county_dept | county | city_dept | city | province_dept
    fields: dict[str, int | float]  # printed values (money in yuan)
    money_unit: str = "元"  # 2019 procurement amount printed in 元 or 万元; 2021 fees always 万元
    notes: list[str] = field(default_factory=list)
    wrong_table: bool = False
    seed: str = ""

    @property
    def template(self) -> Template:
        return load_template(self.key)

    def gold(self) -> dict:
        """The gold-file form `govreport eval` reads."""
        template = self.template
        return {"template": template.version, "hybrid": template.hybrid, "agency": self.agency,
                "year": self.year, "fields": {f: self.fields[f] for f in template.field_ids()},
                "notes": list(self.notes)}


# --- agencies -------------------------------------------------------------------------

_PROVINCES = ["河北", "山西", "辽宁", "吉林", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北",
              "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃"]
# city -> counties and districts under it (real names, so titles read like real ones)
_CITIES = {"石家庄": ["正定县", "赞皇县", "长安区", "新华区"], "太原": ["清徐县", "阳曲县", "小店区", "迎泽区"],
           "大连": ["长海县", "中山区", "甘井子区", "庄河市"], "淮安": ["涟水县", "盱眙县", "洪泽区", "清江浦区"],
           "无锡": ["江阴市", "宜兴市", "梁溪区", "滨湖区"], "宁波": ["象山县", "宁海县", "鄞州区", "海曙区"],
           "温州": ["永嘉县", "平阳县", "鹿城区", "瓯海区"], "芜湖": ["南陵县", "无为市", "镜湖区", "鸠江区"],
           "泉州": ["安溪县", "永春县", "丰泽区", "鲤城区"], "赣州": ["于都县", "信丰县", "章贡区", "南康区"],
           "临沂": ["沂南县", "郯城县", "兰山区", "河东区"], "洛阳": ["栾川县", "嵩县", "涧西区", "老城区"],
           "宜昌": ["秭归县", "远安县", "西陵区", "夷陵区"], "岳阳": ["平江县", "华容县", "岳阳楼区", "云溪区"],
           "佛山": ["南海区", "禅城区", "顺德区", "三水区"], "绵阳": ["梓潼县", "三台县", "涪城区", "游仙区"],
           "遵义": ["湄潭县", "绥阳县", "汇川区", "红花岗区"], "曲靖": ["罗平县", "陆良县", "麒麟区", "沾益区"],
           "安康": ["旬阳市", "紫阳县", "汉滨区", "石泉县"], "天水": ["秦安县", "甘谷县", "秦州区", "麦积区"],
           "徐州": ["沛县", "丰县", "鼓楼区", "云龙区"], "嘉兴": ["海盐县", "嘉善县", "南湖区", "秀洲区"]}
_TOWNS = [("镇人民政府", ["城关", "新集", "马坝", "高良涧", "东双沟", "石门", "龙泉", "白马", "清河", "大王庄"]),
          ("乡人民政府", ["黄集", "岔河", "老子山", "仁和", "双河", "青山"]),
          ("街道办事处", ["人民路", "城东", "解放", "新华", "北关", "滨湖"])]
_DEPARTMENTS = ["发展和改革委员会", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
                "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
                "商务局", "文化广电和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局",
                "统计局", "医疗保障局", "行政审批服务局", "城市管理局", "退役军人事务局"]
_PROVINCE_DEPARTMENTS = ["省发展和改革委员会", "省教育厅", "省公安厅", "省民政厅", "省财政厅", "省自然资源厅",
                         "省生态环境厅", "省住房和城乡建设厅", "省交通运输厅", "省卫生健康委员会", "省市场监督管理局"]

# expected new requests per year (median of a log-normal) by the body's level
_LEVELS = {"township": 1.5, "county_dept": 6, "county": 60, "city_dept": 25, "city": 600, "province_dept": 150}
_LEVEL_WEIGHTS = {"township": 0.12, "county_dept": 0.3, "county": 0.2, "city_dept": 0.2, "city": 0.1,
                  "province_dept": 0.08}


def agency_name(level: str, rng: random.Random) -> str:
    city = rng.choice(sorted(_CITIES))
    county = rng.choice(_CITIES[city])
    kind = county[-1]
    if level == "township":
        suffix, towns = rng.choice(_TOWNS)
        return f"{city}市{county}{rng.choice(towns)}{suffix}"
    if level == "county_dept":
        prefix = f"{city}市" if kind != "市" and rng.random() < 0.5 else ""
        return f"{prefix}{county}{rng.choice(_DEPARTMENTS)}"
    if level == "county":
        return f"{city}市{county}人民政府" if kind == "区" or (kind == "县" and rng.random() < 0.4) \
            else f"{county}人民政府"
    if level == "city_dept":
        return f"{city}市{rng.choice(_DEPARTMENTS)}"
    if level == "city":
        return f"{city}市人民政府" if rng.random() < 0.8 else f"{city}市人民政府办公室"
    return rng.choice(_PROVINCES) + rng.choice(_PROVINCE_DEPARTMENTS)


# --- small distributions ----------------------------------------------------------------

def lognormal_count(rng: random.Random, median: float, sigma: float = 1.0, cap: int = 10**6) -> int:
    if median <= 0:
        return 0
    return min(cap, int(round(math.exp(rng.gauss(math.log(median), sigma)))))


def sparse_count(rng: random.Random, p_zero: float, median: float, sigma: float = 1.0) -> int:
    """Mostly zero, otherwise a log-normal count (at least 1)."""
    if rng.random() < p_zero:
        return 0
    return max(1, lognormal_count(rng, median, sigma))


def split_count(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """A multinomial draw: `total` items spread over len(weights) bins."""
    out = [0] * len(weights)
    if total <= 0 or sum(weights) <= 0:
        return out
    if total > 20000:  # proportional with a random remainder: same shape, bounded cost
        s = sum(weights)
        out = [int(total * w / s) for w in weights]
        for i in rng.choices(range(len(weights)), weights=weights, k=total - sum(out)):
            out[i] += 1
        return out
    for i in rng.choices(range(len(weights)), weights=weights, k=total):
        out[i] += 1
    return out


# how applicants and outcomes are typically spread (perturbed per report)
_APPLICANT_SHARES = {"natural_person": 0.88, "enterprise": 0.07, "research": 0.003, "social_org": 0.004,
                     "legal_service": 0.025, "other_org": 0.015}
_RESULT_SHARES = {"granted": 0.36, "partially_granted": 0.07, "withheld_state_secret": 0.002,
                  "withheld_prohibited": 0.006, "withheld_security": 0.003, "withheld_third_party": 0.012,
                  "withheld_internal": 0.02, "withheld_process": 0.02, "withheld_enforcement": 0.006,
                  "withheld_query": 0.02, "unavailable_not_held": 0.24, "unavailable_needs_creation": 0.03,
                  "unavailable_unclear": 0.02, "rejected_complaint": 0.035, "rejected_duplicate": 0.02,
                  "rejected_publication": 0.004, "rejected_excessive": 0.008, "rejected_reconfirm": 0.005,
                  "other_handling": 0.06, "other_no_correction": 0.03, "other_unpaid_fee": 0.002,
                  "other_other": 0.035}


def _perturbed(shares: dict[str, float], keys: list[str], rng: random.Random, drop: float) -> list[float]:
    """Per-report weights: each share scaled by log-normal noise, some categories unused."""
    out = []
    for k in keys:
        base = shares.get(k, 0.01)
        w = base * math.exp(rng.gauss(0, 0.8))
        if rng.random() < drop and base < 0.1:
            w = 0.0
        out.append(w)
    if not any(out):
        out[0] = 1.0
    return out


# --- the tables ---------------------------------------------------------------------------

def _requests(template: Template, scale: float, rng: random.Random) -> dict[str, int]:
    table = template.table("requests")
    cols = [c for c in table.columns if c != "total"]
    results = [r.id for r in table.rows if r.group == "results"]
    rows = {r.id for r in table.rows}
    received_total = lognormal_count(rng, scale, 1.1)
    if rng.random() < 0.12:  # bodies that got no request at all
        received_total = 0
    received = split_count(received_total, _perturbed(_APPLICANT_SHARES, cols, rng, 0.3), rng)
    weights = _perturbed(_RESULT_SHARES, results, rng, 0.35)
    busy = rng.random() < 0.45  # some bodies carry work over between years
    values: dict[str, int] = {}
    for c, got in zip(cols, received):
        carried_over = sparse_count(rng, 0.4, max(1.0, got * 0.05), 0.8) if busy and got else 0
        available = got + carried_over
        forward = min(available, sparse_count(rng, 0.45, max(1.0, available * 0.05), 0.8)) if busy else 0
        handled = available - forward
        for r, n in zip(results, split_count(handled, weights, rng)):
            values[table.field_id(r, c)] = n
        values[table.field_id("received", c)] = got
        values[table.field_id("carried_over", c)] = carried_over
        values[table.field_id("handled_total", c)] = handled
        values[table.field_id("carried_forward", c)] = forward
    for r in rows:
        values[table.field_id(r, "total")] = sum(values[table.field_id(r, c)] for c in cols)
    return values


def _appeals(template: Template, scale: float, rng: random.Random) -> dict[str, int]:
    table = template.table("appeals")
    parts = ["upheld", "corrected", "other", "pending"]
    values = {}
    chances = {"review": 0.5, "litigation_direct": 0.25, "litigation_after_review": 0.2}
    for row in table.rows:
        n = sparse_count(rng, 1 - chances.get(row.id, 0.2), max(1.0, scale * 0.04), 1.0)
        split = split_count(n, [0.45 * math.exp(rng.gauss(0, .6)), 0.12, 0.3, 0.13], rng)
        for p, v in zip(parts, split):
            values[table.field_id(row.id, p)] = v
        values[table.field_id(row.id, "total")] = n
    return values


def _money_2021(rng: random.Random, scale: float) -> int | float:
    """Fees collected, printed in 万元 with up to two decimals (sometimes four); value in yuan."""
    if rng.random() < 0.45:
        return 0
    wan = math.exp(rng.gauss(math.log(max(scale, 1) * 3), 1.8))
    decimals = rng.choice([0, 1, 2, 2, 2, 4])
    wan = round(wan, decimals)
    yuan = round(wan * 10000, 2)
    return int(yuan) if float(yuan).is_integer() else yuan


def _disclosure(template: Template, scale: float, level: str, rng: random.Random) -> tuple[dict, str]:
    table = template.table("disclosure")
    values: dict[str, int | float] = {}
    makes_rules = level in ("city", "province_dept") and rng.random() < 0.6
    unit = "元"
    for row in table.rows:
        for c in row.columns:
            fid = table.field_id(row.id, c)
            column = table.columns[c]
            if row.id == "rules":
                v = sparse_count(rng, 0.3, 3, 0.8) if makes_rules else 0
                v = v * (8 if c in ("total_published", "in_force") else 1)
            elif row.id == "normative_docs":
                v = sparse_count(rng, 0.35, max(2.0, scale / 15), 0.9)
                v = v * rng.randint(3, 20) if c in ("total_published", "in_force") else v
            elif column.kind == "signed":
                v = 0 if rng.random() < 0.55 else int(round(rng.gauss(0, max(3.0, scale / 20))))
            elif column.kind == "money":
                if template.version == "2021":
                    v = _money_2021(rng, scale)
                else:
                    if rng.random() < 0.35:
                        v = 0
                    else:
                        v = round(math.exp(rng.gauss(math.log(max(scale, 1) * 20000), 1.6)), rng.choice([0, 2]))
                        unit = "万元" if rng.random() < 0.5 else "元"
                        if unit == "万元":  # printed in 万元 with two decimals: the yuan value is whole hundreds
                            v = round(v / 100) * 100
                        v = int(v) if float(v).is_integer() else v
            elif c == "prev_items":
                v = sparse_count(rng, 0.4, max(2.0, scale / 4), 1.0)
            elif c == "projects":
                v = sparse_count(rng, 0.35, max(1.0, scale / 10), 1.0)
            elif row.id in ("licensing", "penalty"):  # section 二 counts run from 0 to tens of thousands
                v = sparse_count(rng, 0.2, scale * rng.choice([2, 10, 40]), 1.4)
            else:
                v = sparse_count(rng, 0.5, max(1.0, scale), 1.3)
            values[fid] = v
    if template.version == "2019":
        # a repealed-or-kept count never exceeds what is published overall
        for r in ("rules", "normative_docs"):
            made = values[table.field_id(r, "new_made")]
            values[table.field_id(r, "new_published")] = made if rng.random() < 0.8 else max(0, made - rng.randint(0, 2))
            values[table.field_id(r, "total_published")] = max(values[table.field_id(r, "total_published")], made)
        # an amount without projects (or projects without an amount) reads as a typo, not a report
        projects, amount = table.field_id("procurement", "projects"), table.field_id("procurement", "amount_yuan")
        if not values[projects] or not values[amount]:
            values[projects] = values[amount] = 0
    else:
        for r in ("rules", "normative_docs"):
            issued = values[table.field_id(r, "issued")]
            values[table.field_id(r, "repealed")] = min(values[table.field_id(r, "repealed")], issued + 5)
            values[table.field_id(r, "in_force")] = max(values[table.field_id(r, "in_force")], issued)
    return values, unit


# --- wrong printed tables -------------------------------------------------------------------

def _break_one_rule(template: Template, values: dict, rng: random.Random) -> str:
    """Change one printed total so a sum rule fails; return a note saying what is wrong."""
    instances = [inst for inst in template.rule_instances()
                 if any(values[f] for f in inst.fields) or rng.random() < 0.2]
    inst = rng.choice(instances or template.rule_instances())
    target = inst.rhs[0]
    before = values[target]
    if before > 0 and rng.random() < 0.3:
        after = 0  # a total left at zero while its parts are not (seen in real appeals tables)
    else:
        after = max(0, before + rng.choice([-3, -2, -1, 1, 1, 2, 3, 5, 10]))
        if after == before:
            after = before + 1
    values[target] = after
    return (f"printed {target} = {after} while the rule {inst.name} gives {before}: the printed table is wrong; "
            f"the truth keeps the printed value")


# --- one report -------------------------------------------------------------------------------

def draw_report(rng: random.Random, key: str | None = None, wrong_table: bool | None = None) -> Report:
    """A whole report's values; `key` and `wrong_table` are drawn when not given."""
    if key is None:
        key = rng.choices(TEMPLATE_KEYS, weights=[0.4, 0.45, 0.15])[0]
    template = load_template(key)
    if template.version == "2019":
        year = rng.choice([2019, 2020])
    else:
        year = rng.choice([2021, 2022, 2023]) if template.hybrid else rng.choice([2021, 2022, 2023, 2024])
    level = rng.choices(list(_LEVEL_WEIGHTS), weights=list(_LEVEL_WEIGHTS.values()))[0]
    scale = _LEVELS[level] * math.exp(rng.gauss(0, 0.5))
    values: dict[str, int | float] = {}
    disclosure, unit = _disclosure(template, scale, level, rng)
    values.update(disclosure)
    values.update(_requests(template, scale, rng))
    values.update(_appeals(template, scale, rng))
    missing = set(template.field_ids()) - set(values)
    if missing:
        raise AssertionError(f"generator left fields without a value: {sorted(missing)[:5]}")
    if template.version == "2021":
        unit = "万元"
    report = Report(key, agency_name(level, rng), year, level, values, unit)
    if wrong_table is None:
        wrong_table = rng.random() < WRONG_TABLE_RATE
    if wrong_table:
        report.wrong_table = True
        report.notes.append(_break_one_rule(template, values, rng))
    return report


def report_for(seed: int | str, index: int) -> Report:
    """The report of document `index` in corpus `seed`: the same for every family."""
    rng = random.Random(f"govreport-corpus:{seed}:{index}")
    report = draw_report(rng)
    report.seed = f"{seed}:{index}"
    return report


def failed_rules(template: Template, values: dict) -> list[str]:
    """Names of the rule instances the values break (empty for a consistent table)."""
    return [inst.name for inst in template.rule_instances()
            if not math.isclose(sum(values[f] for f in inst.lhs), sum(values[f] for f in inst.rhs))]
