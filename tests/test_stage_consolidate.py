"""Stage 4 on its own: province figures from plain records (``cchc_xl.consolidate.aggregate``).

No workbook is read or written here: each test builds the records the reading stage would give
and checks one rule of the province figures, so a failure points at the aggregation itself.
"""

from __future__ import annotations

import pytest

from cchc_xl import spec
from cchc_xl.consolidate import aggregate
from cchc_xl.consolidate.model import ConsolidationData

CAT = spec.catalog("so")


def _row(kind: str) -> dict:
    return next(r for r in CAT.indicators["rows"] if r.get("kind") == kind and not r.get("group"))


def _agencies(n: int) -> list[dict]:
    return [{"aid": i, "agency": f"Sở số {i}", "level": "so", "criteria_year": CAT.criteria_year} for i in range(n)]


def _cons(**records) -> ConsolidationData:
    base = {"agencies": _agencies(3), "areas": [], "deductions": [], "remediation": [], "indicators": [],
            "propaganda": [], "issues": []}
    base.update(records)
    return ConsolidationData(period={"year": 2024, "kind": "6_thang"}, files=[], registry=None,
                             missing_agencies=[], records=base)


def _ind(aid: int, row: dict, value, error: str | None = None) -> dict:
    rec = {"aid": aid, "code": row["code"], "value": value, "kind": row["kind"], "known": True}
    if error:
        rec["error"] = error
    return rec


def _agg(c: ConsolidationData, code: str):
    return next(agg for row, agg in aggregate.aggregate_values(c) if row["code"] == code)


def test_a_count_is_summed_and_a_value_with_an_error_never_reaches_the_total():
    row = _row("count")
    c = _cons(indicators=[_ind(0, row, 12), _ind(1, row, 7.5), _ind(2, row, 1000, error="không phải số nguyên")])
    agg = _agg(c, row["code"])
    assert (agg.rule, agg.total, agg.reporting, agg.excluded) == ("sum", 19.5, 2, 1)
    assert aggregate.indicator_totals(c)[row["code"]] == 19.5


def test_text_in_a_count_is_counted_as_ignored_not_as_zero():
    row = _row("count")
    c = _cons(indicators=[_ind(0, row, 4), _ind(1, row, "chưa có số liệu")])
    agg = _agg(c, row["code"])
    assert (agg.total, agg.reporting, agg.ignored) == (4, 1, 1)


def test_a_percent_gives_lowest_median_highest_in_vietnamese_numbers():
    row = _row("percent")
    c = _cons(indicators=[_ind(0, row, 50), _ind(1, row, 87.5), _ind(2, row, 100)])
    agg = _agg(c, row["code"])
    assert (agg.rule, agg.minimum, agg.median, agg.maximum) == ("stats", 50, 87.5, 100)
    assert agg.text == "Thấp nhất 50%; trung vị 87,5%; cao nhất 100%"


def test_a_choice_counts_agencies_per_declared_answer():
    row = _row("choice")
    labels = [ch["label"] for ch in row["choices"]]
    values = [ch["value"] for ch in row["choices"]]
    c = _cons(indicators=[_ind(0, row, values[1]), _ind(1, row, values[1]), _ind(2, row, values[0])])
    agg = _agg(c, row["code"])
    assert agg.text == f"{labels[0]}: 1/3 cơ quan; {labels[1]}: 2/3 cơ quan"
    assert agg.reporting == 3


def test_remediation_progress_rates_and_orders_agencies():
    rem = ([{"aid": 0, "status": "hoan_thanh", "overdue": False}] * 3 + [{"aid": 0, "status": "dang_thuc_hien",
                                                                          "overdue": True}]
           + [{"aid": 1, "status": "hoan_thanh", "overdue": False}])
    rows = aggregate.remediation_progress(_cons(remediation=rem))
    assert [r["aid"] for r in rows] == [1, 0, 2]  # 100 %, then 75 %, then nothing to remedy
    first, second, none = rows
    assert (first["rate"], second["rate"], second["overdue"], second["total"]) == (1.0, 0.75, 1, 4)
    assert none["total"] == 0 and none["rate"] is None


def test_progress_words_follow_the_seed():
    assert aggregate.progress_words(13, 25) == "13/25 tồn tại, đạt tỷ lệ 52%"
    assert aggregate.progress_words(1, 3) == "1/3 tồn tại, đạt tỷ lệ 33,33%"
    assert aggregate.progress_words(0, 0) == "Không có tồn tại phải khắc phục"


def test_deductions_count_each_agency_once_per_criterion_and_sum_points_lost():
    crit = CAT.criteria["criteria"][0]
    other = CAT.criteria["criteria"][1]
    ded = [{"aid": 0, "level": "so", "code": crit["code"], "name": None, "lost": 0.5},
           {"aid": 0, "level": "so", "code": crit["code"], "name": None, "lost": 0.25},
           {"aid": 1, "level": "so", "code": crit["code"], "name": None, "lost": 1.0},
           {"aid": 2, "level": "so", "code": other["code"], "name": None, "lost": 0.5},
           {"aid": 2, "level": "so", "code": other["code"], "name": None, "lost": 9, "error": "vượt điểm tối đa"}]
    rows = aggregate.deductions_by_criterion(_cons(deductions=ded))
    assert [(r["code"], r["agencies"], r["rows"], r["lost"]) for r in rows] == [
        (crit["code"], 2, 3, 1.75), (other["code"], 1, 1, 0.5)]
    assert rows[0]["name"] == crit["name"] and rows[0]["max"] == crit["max_score"]


def _areas(aid: int, scores: dict) -> list[dict]:
    maxima = {a["code"]: a["max_score"] for a in CAT.criteria["areas"]}
    return [{"aid": aid, "code": code, "max_score": maxima[code], "score": s} for code, s in scores.items()]


@pytest.fixture
def full():
    return {a["code"]: a["max_score"] for a in CAT.criteria["areas"] if a.get("max_score") is not None}


def test_ranks_are_shared_on_equal_percentages_and_incomplete_agencies_are_unranked(full):
    lower = dict(full, **{next(iter(full)): 0})
    missing = dict(full)
    missing.pop(next(iter(full)))
    c = _cons(areas=_areas(0, full) + _areas(1, full) + _areas(2, missing))
    codes, rows = aggregate.area_scores(c)
    by = {r["aid"]: r for r in rows}
    assert codes == sorted(full, key=spec.code_sort_key)
    assert by[0]["rank"] == by[1]["rank"] == 1 and by[0]["of"] == 2 and by[0]["pct"] == 100
    assert by[2]["rank"] is None and by[2]["missing"] == [next(iter(full))]
    c = _cons(areas=_areas(0, full) + _areas(1, lower))
    by = {r["aid"]: r for r in aggregate.area_scores(c)[1]}
    assert (by[0]["rank"], by[1]["rank"]) == (1, 2)
    assert by[1]["total"] == pytest.approx(sum(full.values()) - next(iter(full.values())))


def test_an_area_that_does_not_apply_is_not_expected(full):
    first = next(iter(full))
    rest = {k: v for k, v in full.items() if k != first}
    agencies = _agencies(1)
    agencies[0]["not_applicable"] = [first]
    by = aggregate.area_scores(_cons(agencies=agencies, areas=_areas(0, rest)))[1]
    assert by[0]["rank"] == 1 and by[0]["pct"] == 100 and by[0]["max"] == pytest.approx(sum(rest.values()))
