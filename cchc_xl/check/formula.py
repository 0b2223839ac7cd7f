"""The shared vocabulary of the Excel formulas every check kind emits.

A check is a condition that is TRUE when a cell is wrong. On the status sheet it is counted as
0/1 and never shows an Excel error (a condition that cannot be worked out — an input holding
#REF!, #VALUE! — counts as one error); as a conditional format it paints the cell red (an error)
or yellow (a warning).
"""

from __future__ import annotations

from functools import lru_cache

_ASCII_CONTROLS = {"\t": "CHAR(9)", "\n": "CHAR(10)", "\r": "CHAR(13)"}  # the same on every code page


def flag(cond: str) -> str:
    """A check counted as 0/1 that never shows an Excel error (a condition in error counts 1)."""
    return f"IFERROR(IF({cond},1,0),1)"


def flag_or_zero(cond: str) -> str:
    """As :func:`flag`, for a check whose inputs are checked elsewhere: an error counts 0."""
    return f"IFERROR(IF({cond},1,0),0)"


def red(cond: str) -> str:
    """The condition as a conditional format: a cell whose check errors is shown red."""
    return f"IFERROR({cond},TRUE)"


def yellow(cond: str) -> str:
    """A warning's conditional format: shown only when the condition surely holds."""
    return f"IFERROR({cond},FALSE)"


def filled(ref: str) -> str:
    """True when a cell is filled; an error value there counts as filled, never propagates."""
    return f"IFERROR({ref}<>\"\",TRUE)"


def started(first: str, last: str) -> str:
    """A table row a user started: any of its input cells holds something."""
    return f"COUNTA({first}:{last})>0"


def is_error(ref: str) -> str:
    return f"ISERROR({ref})"


def literal(ch: str) -> str:
    """A character as an Excel formula text literal (tab, line feed and carriage return as CHAR())."""
    return _ASCII_CONTROLS.get(ch) or '"' + ch.replace('"', '""') + '"'


_HOLE = "\x00"  # where the reference goes in a formula built once (the declarations do not change)


@lru_cache(maxsize=None)
def _clean_text_around() -> tuple[str, str]:
    from cchc_xl.check import declarations

    spaces = declarations()["spaces"]
    text = _HOLE
    for ch in spaces["invisible"]:
        text = f"SUBSTITUTE({text},{literal(ch)},\"\")"
    for ch in spaces["blank"]:
        if ch != " ":
            text = f"SUBSTITUTE({text},{literal(ch)},\" \")"
    head, tail = f"TRIM({text})".split(_HOLE)
    return head, tail


@lru_cache(maxsize=None)
def _no_spaces_around() -> tuple[str, str]:
    from cchc_xl.check import declarations

    spaces = declarations()["spaces"]
    text = _HOLE
    for ch in spaces["blank"] + spaces["invisible"]:
        text = f"SUBSTITUTE({text},{literal(ch)},\"\")"
    head, tail = text.split(_HOLE)
    return head, tail


def clean_text(ref: str) -> str:
    """The cell's text cleaned as the reader cleans it (``spaces`` of schemas/checks.json): every
    declared blank is one space, collapsed and trimmed (TRIM); invisible ones dropped."""
    head, tail = _clean_text_around()
    return head + ref + tail


def blank(ref: str) -> str:
    """TRUE when the cell is empty or holds only spaces (the reader reads it as empty)."""
    return f"{clean_text(ref)}=\"\""


def no_spaces(ref: str) -> str:
    """The cell's text without any declared space (blank or invisible): how a number or a date typed
    as text is read."""
    head, tail = _no_spaces_around()
    return head + ref + tail
