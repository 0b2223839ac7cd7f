"""Numbers: what counts as one (``number``), how binary noise is taken off a number read or
computed (``tidy``, ten decimals), and how it is written the Vietnamese way (``format_number``: decimal comma,
thousands dot).

A leaf: it imports nothing of the project, so the schema checks' messages (``fastschema``) can
use it without reaching up to ``normalize``, which reads the declarations.
"""

from __future__ import annotations

import math

# Decimals a number keeps: enough to take the binary noise off a sum (0.1 + 0.2) without changing
# what was typed, so that a count typed 2.0000001 stays "not whole" here as in the workbook's
# INT(v)<>v. Comparisons of scores round to 6 (``ROUND(…,6)``) and ``format_number`` shows at most 6.
PLACES = 10


def number(v) -> int | float | None:
    """A cell's or a field's value as a number, as given (an int stays an int); None for text,
    blank, True/False and what is not a finite number (NaN, infinity)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def tidy(x):
    """A number without binary noise: rounded to ``PLACES`` decimals, a whole number as an int
    ("0.1 + 0.2" → 0.3, "3.0" → 3). Anything else (None, text, NaN) is returned as it is."""
    if not isinstance(x, float) or not math.isfinite(x):
        return x
    x = round(x, PLACES)
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def figure(x):
    """A province figure computed from the reports (a sum, a median, points lost on average): six
    decimals, the precision at which the workbook's conditions compare scores (``ROUND(…,6)``) and
    the most ``format_number`` shows; a whole number as an int."""
    if not isinstance(x, float) or not math.isfinite(x):
        return x
    return tidy(round(x, 6))


def format_number(x, decimals: int | None = None) -> str:
    """Vietnamese style: decimal comma, thousands dot, no needless zeros ("1,5", "260.141")."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if decimals is not None:
        x = round(float(x), decimals)
    x = tidy(x)
    if isinstance(x, int):
        return f"{x:,}".replace(",", ".")
    txt = f"{x:.6f}".rstrip("0").rstrip(".")
    whole, _, frac = txt.partition(".")
    neg = whole.startswith("-") and txt.strip("-0.") != ""  # -0.0000001 is shown "0", not "-0"
    whole = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return ("-" if neg else "") + whole + ("," + frac if frac else "")
