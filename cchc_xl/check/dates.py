"""Dates: a date cell holds a date, or text the reader reads as one (15/6/2024, 15-6-2024,
15.6.2024, 2024-06-15). Decided once: such text is accepted in both engines (the reader keeps
the date); any other text, or a number that is no date, is an error (red).

Kind ``date`` → issue code invalid_date.
"""

from __future__ import annotations

import datetime as dt

from cchc_xl.check.formula import no_spaces
from cchc_xl.check.kind import Field, Kind

# Excel serial numbers the reader takes for a date (normalize.parse_date): 1954 … 2119.
SERIAL_MIN, SERIAL_MAX = 20000, 80000


HELPERS = ("text", "p1", "p2", "a", "b", "c", "iso", "year", "month", "day", "date")


def helper_formulas(ref: str, at: dict[str, str]) -> dict[str, str]:
    """Formulas of the hidden helper cells that read a date typed as text (one step per cell, as
    Excel caps a formula's length): ``at`` maps each name of :data:`HELPERS` to its cell; the
    cell ``at["date"]`` holds the date (a serial number), or "" when the input holds no date."""
    t, p1, p2, a, b, c, iso, y, m, d = (at[k] for k in HELPERS[:-1])
    number = f"IF(AND({ref}>{SERIAL_MIN},{ref}<{SERIAL_MAX}),INT({ref}),NA())"
    ok = (f"AND(OR({iso},AND({p1}<=3,LEN({c})=4)),MONTH(DATE({y},{m},{d}))={m},"
          f"DAY(DATE({y},{m},{d}))={d},{y}>=1900)")
    steps = {
        "text": f"IF(ISTEXT({ref}),SUBSTITUTE(SUBSTITUTE({no_spaces(ref)},\".\",\"/\"),\"-\",\"/\"),\"\")",
        "p1": f"FIND(\"/\",{t})",
        "p2": f"FIND(\"/\",{t},{p1}+1)",
        "a": f"LEFT({t},{p1}-1)",
        "b": f"MID({t},{p1}+1,{p2}-{p1}-1)",
        "c": f"MID({t},{p2}+1,99)",
        "iso": f"AND({p1}=5,LEN({b})=2,LEN({c})=2)",
        "year": f"VALUE(IF({iso},{a},{c}))",
        "month": f"VALUE({b})",
        "day": f"VALUE(IF({iso},{c},{a}))",
        "date": f"IF(ISNUMBER({ref}),IFERROR({number},\"\"),IFERROR(IF({ok},DATE({y},{m},{d}),\"\"),\"\"))",
    }
    # a step that cannot be worked out shows empty, never an Excel error (the date then is none)
    return {name: text if name == "date" else f"IFERROR({text},\"\")" for name, text in steps.items()}


def error_condition(ref: str, date_cell: str) -> str:
    """TRUE when the cell is filled but holds no date (the reader's invalid_date); ``date_cell``
    is the helper cell of :func:`helper_formulas`."""
    return f"IF({ref}=\"\",FALSE,NOT(ISNUMBER({date_cell})))"


def _is_date(value, params: dict, field: Field):
    """Python evaluator: the reader kept a date (ISO text); anything else it kept as written."""
    try:
        if value is None or (isinstance(value, str) and dt.date.fromisoformat(value)):
            return None
    except ValueError:
        pass
    return "invalid_date", {"field_title": field.subject, "value": value}


def _date_terms(ref: str, params: dict, field: Field) -> list[str]:
    return [error_condition(ref, field.date_cell)]


KINDS = {"date": Kind(_is_date, _date_terms)}
