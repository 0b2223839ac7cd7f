"""Numbers written the Vietnamese way (decimal comma, thousands dot).

A leaf: it imports nothing of the project, so the schema checks' messages (``fastschema``) can
use it without reaching up to ``normalize``, which reads the declarations.
"""

from __future__ import annotations


def number_or_none(v) -> float | None:
    """A cell's or a field's number as a float; None for text, blank and True/False."""
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _tidy(x):
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    if isinstance(x, float):
        return round(x, 10)
    return x


def format_number(x, decimals: int | None = None) -> str:
    """Vietnamese style: decimal comma, thousands dot, no needless zeros ("1,5", "260.141")."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if decimals is not None:
        x = round(float(x), decimals)
    x = _tidy(x)
    if isinstance(x, int):
        return f"{x:,}".replace(",", ".")
    txt = f"{x:.6f}".rstrip("0").rstrip(".")
    whole, _, frac = txt.partition(".")
    neg = whole.startswith("-")
    whole = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return ("-" if neg else "") + whole + ("," + frac if frac else "")
