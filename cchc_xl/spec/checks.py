"""The check kinds and the kinds each field type gets, as ``schemas/checks.json`` declares them.

What a type *is* for the checks — numeric or not, its bounds, whether it must be whole, whether a
choice takes its code, the unit its value is shown with — is read here, from the declaration, by
every stage: the reader (which comes before the checks), :mod:`cchc_xl.check.register` (which
adds each kind's Python evaluator and Excel condition), the consolidation, the appendices and the
workbook writer, which ask here (not ``type == "percent"``) what a type is.
"""

from __future__ import annotations

from typing import NamedTuple

from cchc_xl import spec


class Declared(NamedTuple):
    """One check of a type: its kind, the family (module of :mod:`cchc_xl.check`) implementing
    it and its parameters (``{"min": 0}``)."""
    kind: str
    family: str
    params: dict


class Bounds(NamedTuple):
    low: float | None
    high: float | None
    whole: bool


def declarations() -> dict:
    """``schemas/checks.json`` (the one cached copy: a test may change it in place)."""
    return spec.load("checks")


def kinds() -> dict[str, dict]:
    """The declared kinds: name → ``{"family": …, "label": …}``."""
    return declarations()["kinds"]


def types() -> list[str]:
    return list(declarations()["types"])


def declared(field_type: str | None) -> tuple[Declared, ...]:
    """The ordered checks of a type (``"count"`` → number, range ≥ 0, whole); none for a type
    checks.json does not declare (text). A kind the type names but ``kinds`` does not declare is
    an error of the declaration."""
    listed = declarations()["types"].get(field_type) if field_type else None
    if not listed:
        return ()
    known = _memo.get(field_type)
    if known is not None and known[0] is listed:  # read once per type (the reader asks per cell)
        return known[1]
    out = []
    for check in listed:
        name = check["kind"]
        if name not in kinds():
            raise spec.SpecError(f"schemas/checks.json: kiểu “{field_type}” dùng loại kiểm tra “{name}” "
                                 f"không được khai báo trong “kinds”")
        out.append(Declared(name, kinds()[name]["family"], {k: v for k, v in check.items() if k != "kind"}))
    _memo[field_type] = (listed, tuple(out))
    return _memo[field_type][1]


# type → (the declared list it was read from, its checks): a declaration replaced (a test, a
# province's own) is read again
_memo: dict[str, tuple[list, tuple[Declared, ...]]] = {}


def has(field_type: str | None, kind: str) -> bool:
    return any(c.kind == kind for c in declared(field_type))


def is_numeric(field_type: str | None) -> bool:
    """A value of the type is a number (read as one, also when typed as text)."""
    return has(field_type, "number")


def is_checked(field_type: str | None) -> bool:
    """The type's value is checked (a number, a choice, a date); text is not."""
    return bool(declared(field_type))


def params_of(field_type: str | None, kind: str) -> dict | None:
    return next((c.params for c in declared(field_type) if c.kind == kind), None)


def coded(field_type: str | None) -> bool:
    """A choice of the type is also given by its code (``"codes": true`` on ``allowed``): a coded
    indicator choice (0, 1, 2) — not a level or a period, chosen by their names only."""
    return bool((params_of(field_type, "allowed") or {}).get("codes"))


def unit(field_type: str | None) -> str:
    """What a value of the type is shown with ("%" for a percent, declared in ``units``)."""
    return declarations().get("units", {}).get(field_type or "", "")


def bounds(field_type: str | None, field: dict | None = None) -> Bounds:
    """The lowest and highest value and the wholeness a numeric type declares — ``"percent"`` →
    (0, 100, False), ``"count"`` → (0, None, True). A bound the type leaves to the field
    (``"field min"``) is the field's own (``"min"`` in sheets.json) when ``field`` is given; any
    other worded bound (the criteria set's maximum) is None: the caller supplies it."""
    low = high = None
    whole = False
    for check in declared(field_type):
        if check.kind == "range":
            low, high = (bound_of(check.params.get(k), field) for k in ("min", "max"))
        elif check.kind == "whole":
            whole = True
    return Bounds(low, high, whole)


def bound_of(b, field: dict | None):
    """A declared bound: a number, the field's own ("field min"), or None (the caller's)."""
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return b
    if isinstance(b, str) and b.startswith("field ") and field is not None:
        return field.get(b.split(" ", 1)[1])
    return None
