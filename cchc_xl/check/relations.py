"""Relations between cells: indicator rules (``rules.json``), the report date against the
period, a criterion listed twice, a deduction without a remediation row, whether an area has
listed deductions, a typed maximum score against the criteria set.

Kinds and codes: ``relation`` → rule; ``date_order`` → report_date_before_period; ``unique`` →
duplicate_deduction; ``coverage`` → uncovered_deduction (uncovered_earlier in a carried-over
workbook, a warning); ``max_score`` → max_score_mismatch (warning).
"""

from __future__ import annotations

from cchc_xl.check import choices, formula, numbers
from cchc_xl.check.kind import Kind
from cchc_xl.read import spelling

OPS = {"<=": lambda a, b: a <= b + 1e-9, "<": lambda a, b: a < b, "==": lambda a, b: abs(a - b) <= 1e-9,
       ">=": lambda a, b: a + 1e-9 >= b, ">": lambda a, b: a > b}
_EXCEL_OPS = {"==": "=", "<=": "<=", "<": "<", ">=": ">=", ">": ">"}


# ---- relation (rules.json) ------------------------------------------------------------------

def rule_holds(rule: dict, values: dict) -> tuple[bool, float | None, float | None]:
    """Python evaluator: (holds, left, right); a rule with a value missing or not a number holds."""
    def total(codes):
        s = 0.0
        for c in codes:
            v = (values.get(c) or {}).get("value")
            if not numbers.is_number(v):
                return None
            s += v
        return s

    left, right = total(rule["left"]), total(rule["right"])
    if left is None or right is None:
        return True, left, right
    return OPS[rule["op"]](left, right), left, right


def rule_condition(rule: dict, cells: dict[str, str], kinds: dict[str, str]) -> str:
    """TRUE when every value of the rule is a number (typed as text too) and the rule is broken."""
    vals = {c: numbers.value_of(cells[c], kinds.get(c, "number")) for c in [*rule["left"], *rule["right"]]}
    nums = ",".join(f"ISNUMBER({v})" for v in vals.values())
    left = "+".join(vals[c] for c in rule["left"])
    right = "+".join(vals[c] for c in rule["right"])
    op = _EXCEL_OPS[rule["op"]]
    return f"AND({nums},NOT(ROUND({left},6){op}ROUND({right},6)))"


# ---- date order -----------------------------------------------------------------------------

def in_order(date, start) -> bool:
    """Python evaluator: the report date is not before the period starts."""
    return not date < start


def date_before_start(date: str, year: str, kind: str, kinds: list[dict]) -> str:
    """TRUE when the report date (``date``: the cell holding it as a serial number, see
    :func:`.dates.helper_formulas`) falls before the period starts. The period is any spelling
    the period cell accepts (:func:`cchc_xl.read.spelling.spellings`, in the order of the hidden list
    ``ds_ky_nhan``), as the reader takes it."""
    start_of = {p["key"]: p["start"].split("-") for p in kinds}
    spelled = [start_of[key] for _, key in spelling.spellings(kinds)]
    months = ",".join(str(int(m)) for m, _ in spelled)
    days = ",".join(str(int(d)) for _, d in spelled)
    pos = f"MATCH({formula.clean_text(kind)},{choices.accepted_name('ds_ky')},0)"
    # INDEX of an array constant, not CHOOSE: the spellings (NFD ones too) outnumber what CHOOSE takes in LibreOffice
    start = f"DATE({numbers.value_of(year, 'integer')},INDEX({{{months}}},{pos}),INDEX({{{days}}},{pos}))"
    return f"AND(ISNUMBER({date}),{date}<{start})"


# ---- unique, coverage, area scores ------------------------------------------------------------

def repeats(codes: list) -> dict[int, int]:
    """Python evaluator: the rows (index → index of the row listing it first) whose code an
    earlier row lists already; empty codes are no repeat."""
    first: dict = {}
    out = {}
    for i, code in enumerate(codes):
        if not code:
            continue
        if code in first:
            out[i] = first[code]
        else:
            first[code] = i
    return out


def duplicate_condition(ref: str, first_ref: str, above_ref: str) -> str:
    """TRUE when the code in ``ref`` is listed on an earlier row (``first_ref:above_ref``)."""
    return f"AND({ref}<>\"\",COUNTIF({first_ref}:{above_ref},{ref})>0)"


def covered(code: str, remediation_codes: set[str]) -> bool:
    """Python evaluator: a remediation row names the criterion or one of its parents (an area)."""
    parts = code.split(".")
    return any(".".join(parts[:k]) in remediation_codes for k in range(1, len(parts) + 1))


def uncovered_condition(ref: str, rem_codes: str) -> str:
    """TRUE when no remediation code equals the criterion code or a parent of it."""
    return (f"AND({ref}<>\"\",SUMPRODUCT(({rem_codes}<>\"\")*"
            f"(LEFT({ref}&\".\",LEN({rem_codes})+1)={rem_codes}&\".\"))=0)")


def area_has_deductions(area_ref: str, ded_codes: str) -> str:
    """TRUE when the deductions table lists the area itself or a criterion of it."""
    return f"COUNTIF({ded_codes},{area_ref}&\".*\")+COUNTIF({ded_codes},{area_ref})>0"


def catalog_max(code_ref: str) -> str:
    """The criteria set's maximum score of a code (``bang_tieu_chi``); #N/A when it has none."""
    look = f"VLOOKUP({code_ref},bang_tieu_chi,3,FALSE)"
    return f"IFERROR(IF({look}=\"\",NA(),{look}),NA())"


def max_agrees(typed, catalog_max) -> bool:
    """Python evaluator: a typed maximum equals the criteria set's (or one of them is not known)."""
    return typed is None or catalog_max is None or abs(typed - catalog_max) <= 1e-9


def max_mismatch_condition(typed_ref: str, code_ref: str) -> str:
    """TRUE when a typed maximum differs from the criteria set's (``bang_tieu_chi``)."""
    cat = catalog_max(code_ref)
    typed = numbers.value_of(typed_ref, "score")
    return f"AND({typed_ref}<>\"\",ISNUMBER({cat}),ISNUMBER({typed}),ABS({typed}-{cat})>0.000000001)"


def score_limit(typed_ref: str, code_ref: str) -> str:
    """The bound of a score: the criteria set's maximum, else the typed one, else none."""
    cat = catalog_max(code_ref)
    return f"IF(ISNUMBER({cat}),{cat},{numbers.number_or(typed_ref, 'score', '1E+99')})"


KINDS = {
    "relation": Kind(rule_holds, rule_condition, scope="cells"),
    "date_order": Kind(in_order, date_before_start, scope="cells"),
    "unique": Kind(repeats, duplicate_condition, scope="cells"),
    "coverage": Kind(covered, uncovered_condition, scope="cells"),
    "max_score": Kind(max_agrees, max_mismatch_condition, scope="cells"),
}
