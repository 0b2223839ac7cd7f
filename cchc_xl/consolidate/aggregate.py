"""Province figures computed from the records: value aggregates, remediation progress,
deductions per criterion, area scores and ranks."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from cchc_xl import spec
from cchc_xl.check import register
from cchc_xl.consolidate.files import REMEDIATION_KEYS, UNKNOWN_STATUS
from cchc_xl.consolidate.model import ConsolidationData
from cchc_xl.normalize import fold
from cchc_xl.numtext import figure, format_number, number

# ---- aggregation ---------------------------------------------------------------------------

def levels_present(c: ConsolidationData) -> list[str]:
    return sorted({a["level"] for a in c.records["agencies"]}, key=spec.level_rank)


def catalog_for(c: ConsolidationData, level: str) -> spec.Catalog:
    def pick():
        years = Counter(a["criteria_year"] for a in c.records["agencies"] if a["level"] == level)
        return spec.catalog(level, years.most_common(1)[0][0] if years else None)

    return c.memo(("catalog", level), pick)


def _rule_of(row: dict) -> str:
    if row.get("aggregate"):
        return row["aggregate"]
    return {"count": "sum", "number": "sum", "percent": "stats", "choice": "choices", "text": "list"}.get(
        row.get("kind"), "none")


def value_rows(c: ConsolidationData, which: str) -> list[dict]:
    """The catalog rows of the levels present (union, in catalog order), plus unknown codes."""
    rows, seen = [], set()
    levels = levels_present(c) or ["so"]
    for lv in levels:
        cat = catalog_for(c, lv)
        for r in (cat.indicators if which == "indicators" else cat.propaganda)["rows"]:
            if r["code"] not in seen:
                seen.add(r["code"])
                rows.append(r)
    extra = sorted({r["code"] for r in c.records[which]} - seen, key=spec.code_sort_key)
    for code in extra:
        rows.append({"code": code, "name": "(Mã không có trong danh mục)", "kind": "text", "unknown": True})
    return rows


@dataclass
class Aggregate:
    code: str
    rule: str
    reporting: int = 0  # agencies with a usable value
    total: float | None = None
    minimum: float | None = None
    median: float | None = None
    maximum: float | None = None
    text: str = ""  # the aggregate in words ("Có: 15/20 cơ quan; …")
    ignored: int = 0  # values present but not usable for the rule
    excluded: int = 0  # values left out because they have an error


def aggregate_values(c: ConsolidationData, which: str = "indicators") -> list[tuple[dict, Aggregate | None]]:
    """Province aggregate of every catalog row, by the row's rule (groups give None)."""
    return c.memo(("aggregate", which), lambda: _aggregate_values(c, which))


def _aggregate_values(c: ConsolidationData, which: str) -> list[tuple[dict, Aggregate | None]]:
    by_code: dict[str, list] = defaultdict(list)
    left_out: Counter = Counter()
    for r in c.records[which]:
        if r.get("error"):  # a value with an error never reaches a province figure
            left_out[r["code"]] += 1
            continue
        by_code[r["code"]].append((r["value"], r["kind"], r["known"]))
    n_agencies = len(c.records["agencies"])
    out = []
    for row in value_rows(c, which):
        if row.get("group"):
            out.append((row, None))
            continue
        rule = _rule_of(row)
        agg = Aggregate(row["code"], rule, excluded=left_out.get(row["code"], 0))
        vals = by_code.get(row["code"], [])
        if rule in ("sum", "stats"):
            nums = [v for v, k, _ in vals if number(v) is not None and (k is None or register.is_numeric(k))]
            agg.reporting = len(nums)
            agg.ignored = sum(1 for v, _, _ in vals if v is not None) - len(nums)
            if nums:
                if rule == "sum":
                    agg.total = figure(math.fsum(nums))
                else:
                    agg.minimum, agg.maximum = figure(min(nums)), figure(max(nums))
                    agg.median = figure(statistics.median(nums))
                    unit = register.unit(row.get("kind"))
                    agg.text = (f"Thấp nhất {format_number(agg.minimum)}{unit}; trung vị "
                                f"{format_number(agg.median)}{unit}; cao nhất {format_number(agg.maximum)}{unit}")
        elif rule == "choices":
            labels = {ch["value"]: ch["label"] for ch in row.get("choices", [])}
            counts = Counter()
            other = 0
            for v, _, _ in vals:
                if v is None:
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v in labels:
                    counts[int(v)] += 1
                else:
                    other += 1
            agg.reporting = sum(counts.values())
            agg.ignored = other
            parts = [f"{labels[k]}: {counts.get(k, 0)}/{n_agencies} cơ quan" for k in labels]
            if other:
                parts.append(f"giá trị khác: {other}")
            agg.text = "; ".join(parts) if vals else ""
        elif rule == "list":
            texts = Counter()
            shown: dict[str, str] = {}
            for v, _, _ in vals:
                if v is None or v == "":
                    continue
                s = format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
                k = fold(s)
                shown.setdefault(k, s)
                texts[k] += 1
            agg.reporting = sum(texts.values())
            items = [f"{shown[k]} ({n} cơ quan)" for k, n in texts.most_common(8)]
            if len(texts) > 8:
                items.append(f"… và {len(texts) - 8} câu trả lời khác")
            agg.text = "; ".join(items)
        out.append((row, agg))
    return out


def indicator_totals(c: ConsolidationData) -> dict:
    """Province total of every count-type (summed) indicator that at least one agency reported."""
    return {row["code"]: agg.total for row, agg in aggregate_values(c, "indicators")
            if agg is not None and agg.rule == "sum" and agg.total is not None}


def remediation_progress(c: ConsolidationData) -> list[dict]:
    """One record per accepted agency: items per status, completion rate, overdue; sorted."""
    stats: dict[int, Counter] = defaultdict(Counter)
    for r in c.records["remediation"]:
        st = r["status"] if r["status"] in REMEDIATION_KEYS else UNKNOWN_STATUS
        s = stats[r["aid"]]
        s[st] += 1
        s["total"] += 1
        s["overdue"] += int(bool(r["overdue"]))
    out = []
    for a in c.records["agencies"]:
        aid, agency, level = a["aid"], a["agency"], a["level"]
        s = stats.get(aid, Counter())
        total = s["total"]
        rate = s["hoan_thanh"] / total if total else None
        out.append({"aid": aid, "agency": agency, "level": level, "total": total,
                    **{k: s[k] for k in REMEDIATION_KEYS}, UNKNOWN_STATUS: s[UNKNOWN_STATUS],
                    "overdue": s["overdue"], "rate": rate})
    out.sort(key=lambda r: (-(r["rate"] if r["rate"] is not None else -1), -r["total"], fold(r["agency"])))
    return out


def progress_words(done: int, total: int) -> str:
    """Seed 002's wording: "13/25 tồn tại, đạt tỷ lệ 52%"."""
    if not total:
        return "Không có tồn tại phải khắc phục"
    return f"{format_number(done)}/{format_number(total)} tồn tại, đạt tỷ lệ {format_number(round(done * 100 / total, 2))}%"


def deductions_by_criterion(c: ConsolidationData) -> list[dict]:
    """Per (level, criterion): agencies deducted, points lost in all; most frequent first."""
    groups: dict[tuple, dict] = {}
    for r in c.records["deductions"]:
        if r.get("error"):
            continue
        aid, level, code, name, lost = r["aid"], r["level"], r["code"], r["name"], r["lost"]
        key = (level, code or "")
        g = groups.setdefault(key, {"level": level, "code": code, "name": None, "agencies": set(), "rows": 0,
                                    "lost": 0.0, "lost_known": 0})
        g["rows"] += 1
        if lost is None or (isinstance(lost, float) and math.isnan(lost)) or lost > 0:
            g["agencies"].add(aid)
        if lost is not None and not (isinstance(lost, float) and math.isnan(lost)):
            g["lost"] += lost
            g["lost_known"] += 1
        g["name"] = g["name"] or name
    out = []
    for (level, _), g in groups.items():
        cat = catalog_for(c, level)
        name = cat.criterion_name(g["code"]) or g["name"]
        out.append({"level": level, "code": g["code"], "name": name, "agencies": len(g["agencies"]),
                    "rows": g["rows"], "lost": figure(g["lost"]) if g["lost_known"] else None,
                    "max": number(cat.max_score(g["code"]))})
    out.sort(key=lambda r: (-r["agencies"], -(r["lost"] or 0), spec.level_rank(r["level"]), spec.code_sort_key(r["code"])))
    return out


def area_scores(c: ConsolidationData) -> tuple[list[str], list[dict]]:
    """Per accepted agency: score per area, total, percentage, rank within its level.

    An agency is ranked only on complete, valid area scores; one whose scores are missing or
    have an error is listed all the same, unranked, with the reason (``words``)."""
    a = c.records["areas"]
    codes = sorted({r["code"] for r in a if r["code"]}, key=spec.code_sort_key)
    per: dict[int, dict] = {}
    for ag in c.records["agencies"]:
        per[ag["aid"]] = {"aid": ag["aid"], "agency": ag["agency"], "level": ag["level"], "scores": {}, "max": 0.0,
                          "total": 0.0, "complete": True, "missing": [], "errors": [], "given": False,
                          "computed": [], "unscored": ag.get("unscored") or {}}
    for x in a:
        aid, code, mx, score = x["aid"], x["code"], x["max_score"], x["score"]
        rec = per[aid]
        rec["given"] = True
        if x.get("computed"):
            rec["computed"].append(code)
        sc = number(score)
        rec["scores"][code] = score
        if x.get("error"):
            rec["complete"] = False
            rec["errors"].append((code, x["error"]))
        elif sc is None or number(mx) is None:
            rec["complete"] = False
            rec["missing"].append(code)
        else:
            rec["total"] += sc
            rec["max"] += mx
    rows = list(per.values())
    exempt = {ag["aid"]: set(ag.get("not_applicable") or ()) for ag in c.records["agencies"]}
    for r in rows:
        cat = catalog_for(c, r["level"])
        # an area that does not apply to the agency is not expected (its maximum is left out)
        expected = [x["code"] for x in cat.criteria["areas"]
                    if x.get("max_score") is not None and x["code"] not in exempt.get(r["aid"], ())]
        absent = [code for code in expected if code not in r["scores"]]
        if absent:
            r["complete"] = False
            r["missing"].extend(absent)
        r["total"] = figure(r["total"])
        r["max"] = figure(r["max"])
        r["pct"] = round(r["total"] * 100 / r["max"], 2) if r["max"] and r["complete"] else None
    by_level: dict[str, list] = defaultdict(list)
    for r in rows:
        if r["complete"] and r["pct"] is not None:
            by_level[r["level"]].append(r)
    for level, group in by_level.items():
        group.sort(key=lambda r: -r["pct"])
        for r in group:
            r["rank"] = 1 + sum(1 for o in group if o["pct"] > r["pct"] + 1e-9)
            r["of"] = len(group)
    for r in rows:
        r.setdefault("rank", None)
        r.setdefault("of", None)
        if r.get("rank"):
            r["words"] = (f"{format_number(r['total'])}/{format_number(r['max'])} điểm "
                          f"({r['pct']:.2f}%".replace(".", ",") + f"), xếp vị thứ {r['rank']}/{r['of']}")
            if r["computed"]:
                r["words"] += f" (điểm lĩnh vực {', '.join(r['computed'])} tính từ các tiêu chí bị trừ điểm)"
            continue
        if not r["complete"]:  # totals of an incomplete agency are not figures
            r["total"] = r["max"] = None
        unscored = r["unscored"]
        if not r["given"] and not unscored:
            r["words"] = "Không xếp hạng: cơ quan chưa kê khai điểm từng lĩnh vực"
            continue
        why = [f"điểm lĩnh vực {code} có lỗi, không tính ({msg})" for code, msg in r["errors"]]
        for code, crit in unscored.items():  # listed deductions without their scores (checks.areas)
            why.append(f"không tính được điểm lĩnh vực {code} vì tiêu chí bị trừ {', '.join(crit)} chưa ghi điểm đạt")
        rest = [m for m in r["missing"] if m not in unscored]
        if rest:
            why.append("thiếu điểm lĩnh vực " + ", ".join(str(m) for m in rest))
        r["words"] = "Không xếp hạng: " + "; ".join(why)
    rows.sort(key=lambda r: (spec.level_rank(r["level"]), r["rank"] or 10 ** 6, fold(r["agency"])))
    return codes, rows
