"""The figures of the province's report draft, by area (summary key ``report``).

The report draft (``report_draft``) states only figures found here, and this dictionary is part of
the JSON summary (``consolidate --json``), so every figure of the draft can be checked against the
summary. Areas are the parts of the real reports (seed 004): "1" is section I (chỉ đạo, điều
hành), "2"… are the parts of section II (cải cách thể chế, thủ tục hành chính, …), in the order of
Phụ lục III's groups; the criteria areas "7a" and "7b" belong to "7".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

from cchc_xl import spec
from cchc_xl.consolidate.aggregate import aggregate_values, catalog_for, deductions_by_criterion, levels_present
from cchc_xl.consolidate.files import OPEN_STATUSES, REMEDIATION_KEYS
from cchc_xl.normalize import fold

TOP_CRITERIA = 3
OTHER = "khac"  # remediation items tied to no criterion


def part_of(code) -> str | None:
    """The report part of a criterion, an area or an indicator code: "7a.3.1" → "7", "2.1.5" → "2"."""
    m = re.match(r"\s*(\d+)", str(code or ""))
    return m.group(1) if m else None


def _ratios() -> dict[str, str]:
    return {k: v for k, v in spec.load("documents")["indicator_ratios"].items() if not k.startswith("$")}


def _rate(part, whole):
    return round(100.0 * part / whole, 2) if whole else None


def _part_names(c) -> dict[str, str]:
    names: dict[str, str] = {}
    for lv in levels_present(c) or ["so"]:
        cat = catalog_for(c, lv)
        for r in cat.indicators["rows"]:
            if "." not in r["code"]:
                names.setdefault(r["code"], r["name"])
        for a in cat.criteria["areas"]:
            names.setdefault(part_of(a["code"]), a["name"])
    return names


def _indicators(c) -> dict[str, list[dict]]:
    """Per part: the summed indicators with a province total, in catalog order; a part of a whole
    (``documents.json`` ``indicator_ratios``) carries the whole and the rate, and the whole is not
    stated again on its own."""
    rows = {row["code"]: (row, agg) for row, agg in aggregate_values(c, "indicators")
            if agg is not None and agg.rule == "sum" and agg.total is not None}
    ratios = {p: w for p, w in _ratios().items() if p in rows and w in rows}
    wholes = set(ratios.values())
    out: dict[str, list[dict]] = defaultdict(list)
    for code, (row, agg) in rows.items():
        if code in wholes:
            continue
        item = {"code": code, "name": row["name"], "unit": row.get("unit"), "total": agg.total,
                "agencies": agg.reporting}
        if code in ratios:
            whole = rows[ratios[code]][1].total
            item.update({"whole_code": ratios[code], "whole_name": rows[ratios[code]][0]["name"], "whole": whole,
                         "rate": _rate(agg.total, whole)})
        out[part_of(code)].append(item)
    return out


def next_quarter(period: dict) -> dict | None:
    """The quarter after the period reported: its words ("quý III năm 2025") and its last day."""
    year, kind = period.get("year"), period.get("kind")
    if not year or not kind:
        return None
    end = spec.period_bound(kind, year, "end")
    month = end.month % 12 + 1
    y = year + (1 if end.month == 12 else 0)
    q = (month - 1) // 3 + 1
    key = f"quy_{q}"
    return {"kind": key, "year": y, "words": spec.period_words(key, y),
            "start": spec.period_bound(key, y, "start"), "end": spec.period_bound(key, y, "end")}


def _remediation(c) -> tuple[dict, list[dict]]:
    """Per part: items by status and overdue; and the open items (for sections III and IV)."""
    per: dict[str, Counter] = defaultdict(Counter)
    nxt = next_quarter(c.period)
    end = spec.period_bound(c.period["kind"], c.period["year"], "end") if nxt else None
    items = []
    for r in c.records["remediation"]:
        part = part_of(r.get("code")) or OTHER
        s = per[part]
        s["total"] += 1
        if r["status"] in REMEDIATION_KEYS:
            s[r["status"]] += 1
        s["overdue"] += int(bool(r["overdue"]))
        if r["status"] in OPEN_STATUSES:
            due = r.get("due")
            due_next = bool(nxt and isinstance(due, dt.date) and end < due <= nxt["end"])
            s["due_next"] += int(due_next and not r["overdue"])
            s["ongoing_open"] += int(r.get("deadline_kind") == "ongoing")
            items.append(r)
    return per, items


def report_figures(c) -> dict:
    """Every figure the report draft states, by part, plus the totals of sections III and IV."""
    names = _part_names(c)
    indicators = _indicators(c)
    deducted: dict[str, set] = defaultdict(set)
    rows: Counter = Counter()
    for r in c.records["deductions"]:
        if r.get("error"):
            continue
        part = part_of(spec.area_of(r.get("code")) or r.get("code"))
        rows[part] += 1
        lost = r.get("lost")
        if lost is None or lost > 0:
            deducted[part].add(r["agency"])
    top: dict[str, list] = defaultdict(list)
    for t in deductions_by_criterion(c):
        part = part_of(spec.area_of(t["code"]) or t["code"])
        if t["agencies"] and len(top[part]) < TOP_CRITERIA:
            top[part].append({"code": t["code"], "name": t["name"], "agencies": t["agencies"], "lost": t["lost"]})
    per, open_items = _remediation(c)
    parts = sorted({*names, *indicators, *rows, *(p for p in per if p != OTHER)}, key=lambda p: int(p))
    areas = []
    for p in parts:
        s = per.get(p, Counter())
        areas.append({
            "code": p, "name": names.get(p) or f"Lĩnh vực {p}",
            "indicators": indicators.get(p, []),
            "deductions": rows.get(p, 0),
            "deducted_agencies": sorted(deducted.get(p, set()), key=fold),
            "top_criteria": top.get(p, []),
            "remediation": {"total": s["total"], **{k: s[k] for k in REMEDIATION_KEYS}, "overdue": s["overdue"],
                            "rate": _rate(s["hoan_thanh"], s["total"])},
        })
    other = per.get(OTHER, Counter())
    nxt = next_quarter(c.period)
    all_rem = c.records["remediation"]
    propaganda = [{"code": row["code"], "name": row["name"], "unit": row.get("unit"), "total": agg.total,
                   "agencies": agg.reporting}
                  for row, agg in aggregate_values(c, "propaganda")
                  if agg is not None and agg.rule == "sum" and agg.total is not None]
    return {
        "areas": areas,
        "propaganda": propaganda,  # Phụ lục I of the reports (tuyên truyền), stated in section I
        "other_remediation": {"total": other["total"], **{k: other[k] for k in REMEDIATION_KEYS},
                              "overdue": other["overdue"]},
        "open": len(open_items),
        "overdue": sum(1 for r in all_rem if r["overdue"]),
        "next_period": nxt["words"] if nxt else None,
        "due_next_period": sum(s["due_next"] for s in per.values()),
        "ongoing_open": sum(s["ongoing_open"] for s in per.values()),
    }
