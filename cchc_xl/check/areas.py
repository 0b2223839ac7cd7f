"""Area scores the real documents leave out, computed from the deductions they list.

Decided once (``schemas/sheets.json``: the area score ``"when_blank": "computed_from_deductions"``;
the deduction score ``"required": "warning"``) and used by every engine that needs an area score:
``validate`` (issue ``area_score_computed``, a warning showing the figure), the consolidation (the
agency's area scores and rank) and the live workbook (the blank area cell is shown yellow, not red).

An area score left blank where the report lists deductions of that area is the area's applicable
maximum (the criteria set's, less the criteria excused for the agency) minus the points the listed
criteria lost (each criterion's maximum — typed, else the criteria set's — minus its score). When a
listed criterion of the area has no score (or no known maximum), the area score cannot be computed:
the criterion is named, and the agency is not ranked on that area.
"""

from __future__ import annotations

from typing import NamedTuple

from cchc_xl import spec
from cchc_xl.check import formula
from cchc_xl.numtext import number


class AreaScore(NamedTuple):
    code: str
    max: float | None          # the applicable maximum of the area
    lost: float | None         # points lost by the listed criteria (None: not known)
    score: float | None        # max − lost, or None when it cannot be computed
    unscored: tuple[str, ...]  # listed criteria of the area without a score or a known maximum




def computed_scores(doc: dict, cat: spec.Catalog) -> dict[str, AreaScore]:
    """For every area of the criteria set whose score the report leaves blank while it lists
    deductions of that area: the score computed from them (or why it cannot be)."""
    given = {a.get("code") for a in doc.get("areas") or [] if number(a.get("score")) is not None}
    typed_max = {a.get("code"): number(a.get("max_score")) for a in doc.get("areas") or []}
    exempt = doc.get("not_applicable") or ()
    by_area: dict[str, list[dict]] = {}
    for d in doc.get("deductions") or []:
        code = d.get("code")
        if isinstance(code, str) and code:
            by_area.setdefault(spec.area_of(code), []).append(d)
    out: dict[str, AreaScore] = {}
    for code in cat.areas_by_code:
        if code in given or code not in by_area:
            continue
        mx = typed_max.get(code)
        if mx is None:
            mx = number(cat.applicable_max(code, exempt))
        lost, unscored = 0.0, []
        for d in by_area[code]:
            dmx = number(d.get("max_score"))
            if dmx is None:
                dmx = number(cat.max_score(d["code"]))
            dsc = number(d.get("score"))
            if dmx is None or dsc is None or dsc < 0 or dsc > dmx + 1e-9:
                unscored.append(d["code"])
            else:
                lost += dmx - dsc
        if unscored or mx is None:
            out[code] = AreaScore(code, mx, None, None, tuple(unscored))
        else:
            out[code] = AreaScore(code, mx, round(lost, 6), round(mx - lost, 6), ())
    return out


# ---- the live workbook --------------------------------------------------------------------------

def _deduction_ranges(area: str, codes: str, maxes: list[str], scores: list[str]) -> tuple[str, str, str]:
    """The deductions' maxima and scores as read on ``_so`` (two contiguous ranges), and the
    array condition "this row's criterion belongs to the area"."""
    from openpyxl.utils import quote_sheetname

    from cchc_xl.check import number_sheet

    first_max = number_sheet.block(maxes, False, "E")
    first_score = number_sheet.block(scores, False, "E")
    n = len(maxes)
    so = quote_sheetname(number_sheet.title())

    def rng(first: int) -> str:
        return f"{so}!$E${first}:$E${first + n - 1}"

    mine = f"(LEFT({codes}&\".\",LEN({area})+1)={area}&\".\")*({codes}<>\"\")"
    return rng(first_max), rng(first_score), mine


def computed_note(area: str, area_max: str, score: str, codes: str, maxes: list[str], scores: list[str]) -> str:
    """The note shown beside a blank area score in the workbook: "Tính từ các tiêu chí bị trừ: 8,216"
    (the same figure as ``validate``), or "" (a score given, no deduction of the area listed, or a
    listed criterion without a usable score or maximum: then ``validate`` names it).

    ``area``/``area_max``/``score``: the area row's code, maximum and score cells; ``codes``: the
    deductions' code column; ``maxes``/``scores``: the deductions' maximum and score cells, whose
    numbers are read on the hidden sheet ``_so`` (contiguous, so SUMPRODUCT can add them)."""
    max_rng, score_rng, mine = _deduction_ranges(area, codes, maxes, scores)
    cat_codes, cat_max = "INDEX(bang_tieu_chi,0,1)", "INDEX(bang_tieu_chi,0,3)"
    typed = f"ISNUMBER({max_rng})"
    cat = f"SUMIF({cat_codes},{codes},{cat_max})"
    max_sum = f"SUMPRODUCT({mine}*{typed},{max_rng})+SUMPRODUCT({mine}*NOT({typed})*{cat})"
    score_sum = f"SUMPRODUCT({mine}*1,{score_rng})"
    value = f"ROUND({area_max}-({max_sum})+{score_sum},6)"
    when = computed_condition(area, area_max, score, codes, maxes, scores)
    return f"IFERROR(IF({when},\"Điểm đạt tính từ các tiêu chí bị trừ: \"&{value},\"\"),\"\")"


def computed_condition(area: str, area_max: str, score: str, codes: str, maxes: list[str], scores: list[str]) -> str:
    """TRUE when the area score is blank and computed from the deductions (validate's warning
    ``area_score_computed``, shown yellow): same arguments as :func:`computed_note`."""
    max_rng, score_rng, mine = _deduction_ranges(area, codes, maxes, scores)
    typed = f"ISNUMBER({max_rng})"
    cat_codes = "INDEX(bang_tieu_chi,0,1)"
    sc = score_rng
    # a listed criterion without a score, without a known maximum, or scored outside 0…maximum
    # (comparisons only: a blank read as "" must not be computed with)
    unusable = (f"SUMPRODUCT({mine}*NOT(ISNUMBER({sc})))"
                f"+SUMPRODUCT({mine}*NOT({typed})*(COUNTIF({cat_codes},{codes})=0))"
                f"+SUMPRODUCT({mine}*({sc}<0))+SUMPRODUCT({mine}*{typed}*({sc}>{max_rng}))"
                f"+SUMPRODUCT({mine}*NOT({typed})*({sc}>SUMIF({cat_codes},{codes},INDEX(bang_tieu_chi,0,3))))")
    return f"AND({formula.blank(score)},ISNUMBER({area_max}),SUMPRODUCT({mine}*1)>0,{unusable}=0)"
