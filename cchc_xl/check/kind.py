"""The one interface every kind of check implements (found by :mod:`cchc_xl.check.register`).

A family module of :mod:`cchc_xl.check` lists the kinds it implements in ``KINDS``
(``{"number": Kind(...), "range": Kind(...)}``), each with its Python evaluator and its Excel
condition side by side. A *value* kind (number, range, whole, allowed, date, required) judges one
value and takes the same arguments in every family:

- ``evaluate(value, params, field)`` → ``(issue code, template values)`` or None when it holds;
- ``condition(ref, params, field)`` → the formula terms (TRUE: wrong) for the cell ``ref``;
- a ``guard`` kind (number) says what the value must be first: the kinds after it judge only a
  value that passes, and its condition takes their terms, ``condition(ref, params, field, terms)``;
- ``warning(ref, params, field)`` → the yellow condition (a number typed as text), or None.

``params`` are the kind's parameters in ``schemas/checks.json`` (``{"min": 0}``); ``field`` is a
:class:`Field`: what the caller knows of the cell (the words naming it, a bound of its own, the
hidden list of its choices, the helper cell of its date).

A *cells* kind (relation, date_order, unique, coverage, max_score) compares several cells; its
``evaluate`` and ``condition`` take the cells they compare (see :mod:`.relations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any, Callable, NamedTuple

UNSET = object()  # a Field bound left to the declaration


class Kind(NamedTuple):
    """One kind of check: its Python evaluator and its Excel condition, side by side."""
    evaluate: Callable[..., Any]
    condition: Callable[..., Any]
    guard: bool = False
    warning: Callable[..., Any] | None = None
    scope: str = "value"  # "value": one cell's value; "cells": a relation between cells


@dataclass(frozen=True)
class Field:
    """What a check needs to know of the cell beside its type's declaration.

    ``low``/``high``: a bound of the cell's own replacing the declared one — a number for the
    Python evaluator, formula text for the Excel condition; None: no bound; left unset: the type's
    declared bound (with ``decl``, the sheets.json field, for ``"field min"``)."""
    type: str
    subject: str = ""
    low: Any = UNSET
    high: Any = UNSET
    high_words: str | None = None
    unit: str = ""
    decl: dict | None = None
    list_name: str | None = None
    choices: list = _field(default_factory=list)
    date_cell: str | None = None
    when: str | None = None  # required, in a table: the row was started

