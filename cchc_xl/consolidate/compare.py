"""Last period beside this one: what next year's appraisal looks at.

A consolidation's JSON summary carries, per agency, what a later comparison needs
(``comparison_basis``: score over the applicable maximum, rank, deducted criteria with the
points lost, remediation counts, carried items and how many of them are closed). ``compare``
puts a previous summary beside the current one: per agency the change in score and rank, the
criteria deducted again (in both appraisals), the items carried and closed since; and the
agencies that reported then but not now. Agencies are matched by name, then through the
registry's former names (a merged department inherits its former departments' figures), all by
the one identity rule (``cchc_xl.read.identity``): codes decide, tone marks count (Thạch Hà is not
Thạch Hạ), a name without diacritics only when it fits one agency of today.
"""

from __future__ import annotations

from cchc_xl import spec
from cchc_xl.normalize import fold
from cchc_xl.numtext import number
from cchc_xl.read.identity import AgencyIndex, name_key, same_name

BASIS_KEY = "comparison_basis"


def basis(area_rows: list[dict], deductions: list[dict], remediation: list[dict], agencies: list[dict],
          period: dict) -> dict:
    """What a later comparison needs, from the consolidation's records (plain dicts).

    ``area_rows`` are the consolidation's per-agency scores (``area_scores``); ``deductions`` and
    ``remediation`` its rows; ``agencies`` its accepted agencies (``agency``, ``code``, ``level``)."""
    def who(r: dict):  # the consolidation's own agency id: two agencies may share a spelling
        return r["aid"] if "aid" in r else r["agency"]

    scores = {who(r): r for r in area_rows}
    by_agency: dict = {}  # each agency's rows, in their order (one pass, not one per agency)
    for d in deductions:
        by_agency.setdefault(who(d), ([], []))[0].append(d)
    for r in remediation:
        by_agency.setdefault(who(r), ([], []))[1].append(r)
    out = []
    for ag in agencies:
        name, me = ag["agency"], who(ag)
        s = scores.get(me) or {}
        mine, items = by_agency.get(me, ([], []))
        deducted = {}
        for d in mine:
            if d.get("code"):
                lost = d.get("lost")
                deducted[d["code"]] = round(lost, 6) if isinstance(lost, (int, float)) else None
        carried = [r for r in items if r.get("carried_from")]
        out.append({
            "agency": name, "code": ag.get("code"), "level": ag.get("level"),
            "score": s.get("total"), "max_score": s.get("max"), "percent": s.get("pct"),
            "rank": s.get("rank"), "of": s.get("of"),
            "deducted": deducted,
            "remediation": {"total": len(items), "finished": sum(1 for r in items if r.get("status") == "hoan_thanh")},
            "carried": len(carried),
            "carried_closed": sum(1 for r in carried if r.get("status") == "hoan_thanh"),
        })
    return {"period": dict(period), "agencies": out}


class PreviousSummaryError(Exception):
    """The previous summary cannot be compared with (Vietnamese message naming the file)."""


def load_previous(path) -> dict:
    """The previous consolidation's summary; it must hold the comparison basis."""
    from pathlib import Path

    from cchc_xl.spec.jsonfile import JsonInputError, load_json

    p = Path(path)
    if not p.exists():
        raise PreviousSummaryError(f"{p}: không tìm thấy tệp tóm tắt kỳ trước")
    try:
        data = load_json(p)
    except JsonInputError as exc:  # its message is Vietnamese and names the file
        raise PreviousSummaryError(f"Không đọc được tóm tắt kỳ trước — {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get(BASIS_KEY), dict) \
            or not isinstance(data[BASIS_KEY].get("agencies"), list):
        raise PreviousSummaryError(f"{p.name}: tóm tắt kỳ trước không có phần “{BASIS_KEY}” để so sánh (tóm tắt "
                                   "do phiên bản cũ ghi; hãy tổng hợp lại kỳ trước bằng cchc-xl consolidate … --json)")
    return data


def compare(current: dict, previous: dict, former: dict[str, tuple[str, ...]] | None = None) -> dict:
    """Per agency of today: previous and current figures side by side; and who reported then but not now.

    ``current`` and ``previous`` are comparison bases; ``former`` maps an agency's name of today to
    its former names (the registry's ``ten_cu``). Returns ``{"rows": [...], "gone": [...]}``.
    """
    olds = {name_key(name): tuple(names) for name, names in (former or {}).items()}
    index = AgencyIndex([{"name": c["agency"], "code": c.get("code"), "level": c.get("level"),
                          "former_names": olds.get(name_key(c["agency"]), ())} for c in current["agencies"]])
    rows = []
    gone = []
    by_now: dict[int, list[dict]] = {}
    for r in previous["agencies"]:
        now = index.match(r["agency"], r.get("code"), r.get("level"))
        if now is None:  # not an agency of today, or fits several (counted for none)
            gone.append(r)
        else:
            by_now.setdefault(now, []).append(r)
    for n, c in enumerate(current["agencies"]):
        before = by_now.get(n, [])
        p = _combine(before)
        again = sorted(set(c["deducted"]) & set(p["deducted"]), key=spec.code_sort_key)
        rows.append({
            "agency": c["agency"], "level": c.get("level"),
            "former": ", ".join(b["agency"] for b in before if not same_name(b["agency"], c["agency"])),
            "had_previous": bool(before), "merged_from": len(before),
            "percent_before": p["percent"], "percent_now": c.get("percent"),
            "percent_change": (round(c["percent"] - p["percent"], 2)
                               if c.get("percent") is not None and p["percent"] is not None else None),
            "score_before": p["score"], "score_now": c.get("score"),
            "rank_before": p["rank"], "rank_now": c.get("rank"), "of_before": p["of"], "of_now": c.get("of"),
            "rank_change": (p["rank"] - c["rank"] if c.get("rank") and p["rank"] else None),  # positive: moved up
            "deducted_again": again,
            "lost_again": round(sum(c["deducted"][k] or 0 for k in again), 6),
            "deducted_before": len(p["deducted"]), "deducted_now": len(c["deducted"]),
            "carried": c.get("carried", 0), "carried_closed": c.get("carried_closed", 0),
            "open_before": p["open"],
        })
    rows.sort(key=lambda r: (-(r["percent_change"] if r["percent_change"] is not None else -1e9), fold(r["agency"])))
    return {"rows": rows, "gone": [{"agency": g["agency"], "level": g.get("level"), "percent": g.get("percent")}
                                   for g in gone]}


def _combine(before: list[dict]) -> dict:
    """One agency's previous figures; a merged agency's previous figures are its former agencies'
    together (deductions united; score and rank only when there was exactly one)."""
    one = before[0] if len(before) == 1 else None
    deducted: dict = {}
    for b in before:
        deducted.update(b.get("deducted") or {})
    open_items = sum((b.get("remediation") or {}).get("total", 0) - (b.get("remediation") or {}).get("finished", 0)
                     for b in before)
    return {"percent": number(one.get("percent")) if one else None, "score": number(one.get("score")) if one else None,
            "rank": _int(one.get("rank")) if one else None, "of": _int(one.get("of")) if one else None,
            "deducted": deducted, "open": open_items if before else None}


def _int(x):
    x = number(x)
    return int(x) if x is not None else None


def _note(r: dict) -> str | None:
    if not r["had_previous"]:
        return "Không có số liệu kỳ trước"
    if r["merged_from"] > 1:
        return (f"Kỳ trước là {r['merged_from']} cơ quan (trước sắp xếp): so sánh tiêu chí bị trừ, "
                "không so sánh điểm và hạng")
    missing = [w for w, v in (("kỳ trước", r.get("percent_before")), ("kỳ này", r.get("percent_now"))) if v is None]
    if missing:  # a comparison figure left blank says why
        return (f"Báo cáo {' và '.join(missing)} chưa đủ điểm các lĩnh vực để tính tỷ lệ điểm: "
                "không so sánh điểm và hạng")
    return None


def comparison_rows(result: dict, before: str, level_label) -> tuple[list[list], int]:
    """The rows of the consolidated workbook's sheet "So sánh kỳ trước" (declared in
    schemas/consolidation_sheets.json), and how many of them have a change in score to chart."""
    def pct(x):
        return x / 100 if x is not None else None

    def rank(a, b):
        return f"{a}/{b}" if a else None

    rows = []
    for i, r in enumerate(result["rows"], 1):
        rows.append([i, r["agency"], level_label(r["level"]), r["former"] or None,
                     pct(r["percent_before"]), pct(r["percent_now"]),
                     r["percent_change"],
                     rank(r["rank_before"], r["of_before"]), rank(r["rank_now"], r["of_now"]), r["rank_change"],
                     ", ".join(r["deducted_again"]) or None, len(r["deducted_again"]),
                     r["lost_again"] if r["deducted_again"] else None,
                     r["carried"], r["carried_closed"],
                     _note(r)])
    for g in result["gone"]:
        rows.append([len(rows) + 1, g["agency"], level_label(g.get("level")), None,
                     g["percent"] / 100 if isinstance(g.get("percent"), (int, float)) else None,
                     None, None, None, None, None, None, None, None, None, None,
                     f"Có báo cáo {before}, không có báo cáo kỳ này"])
    return rows, sum(1 for r in result["rows"] if r["percent_change"] is not None)
