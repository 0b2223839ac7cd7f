"""The grid kit every reader of a workbook we wrote shares: the same rules to find a sheet, a
table's header row and the identity sheet (``_meta``), and to read a cell.

A grid is a sheet's values as rows of Python values (``files.boundary``: "" for an empty cell).
Each reader keeps its own words for what is wrong (an agency report, an appraisal workbook and a
criteria-set book are refused differently) and passes them in; the rules themselves live here.
"""

from __future__ import annotations

from typing import Callable

from cchc_xl.normalize import fold

Grid = list[list]


def cell(grid: Grid, r: int, c: int):
    """The value at row ``r``, column ``c`` (0-based); None when empty or outside the grid."""
    if 0 <= r < len(grid) and 0 <= c < len(grid[r]):
        v = grid[r][c]
        return None if v == "" else v
    return None


def sheet_named(grids: dict[str, Grid], title: str) -> str | None:
    """The name of the sheet titled ``title``: exactly, else ignoring case, Unicode form and
    diacritics (a sheet renamed by retyping its title on a Mac)."""
    if title in grids:
        return title
    want = fold(title)
    return next((name for name in grids if fold(name) == want), None)


def header_columns(grid: Grid, columns: list[dict], needed: set[str] | None = None,
                   rows: int = 40) -> tuple[int, dict[str, int]] | None:
    """The first row (within ``rows``) holding the title of every ``needed`` column (default: all
    of them), with the column of each title found; None when no row does. Titles compare folded."""
    want = {fold(c["title"]): c["key"] for c in columns}
    needed = {c["key"] for c in columns} if needed is None else needed
    for r in range(min(len(grid), rows)):
        found: dict[str, int] = {}
        for c, v in enumerate(grid[r]):
            key = want.get(fold(v)) if isinstance(v, str) else None
            if key and key not in found:
                found[key] = c
        if needed <= set(found):
            return r, found
    return None


def header_row(grid: Grid, titles: list[str], start: int = 0, rows: int = 400) -> int | None:
    """The first row from ``start`` whose first cells are ``titles`` (the first three), folded."""
    want = [fold(t) for t in titles[:3]]
    for r in range(start, min(len(grid), start + rows)):
        row = grid[r]
        if [fold(row[c]) if c < len(row) else "" for c in range(len(want))] == want:
            return r
    return None


def meta_version(value) -> int | None:
    """The ``template_version`` an identity sheet states, or None when the cell holds something
    that is not a finite number ("abc", empty, "1e999", NaN): the caller says, in its own words,
    that the identity sheet is broken."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def read_meta(grids: dict[str, Grid], decl: dict, refuse: Callable[..., Exception],
              levels: list[str] | None = None) -> dict:
    """The identity sheet ``decl["meta_sheet"]`` as a dict, checked against ``decl``'s
    ``template_id`` and ``template_version`` (and the level, when ``levels`` is given).

    ``refuse(reason, **values)`` gives the reader's own exception for each reason: ``missing`` (no
    identity sheet), ``template_id`` (another workbook; ``found`` is its id), ``broken`` (the
    version unreadable), ``newer`` (``version``, ``supported``), ``level``."""
    grid = grids.get(decl["meta_sheet"])
    if grid is None:
        raise refuse("missing")
    meta = {}
    for row in grid:
        if len(row) >= 2 and row[0] not in ("", None):
            meta[str(row[0]).strip()] = row[1]
    if meta.get("template_id") != decl["template_id"]:
        raise refuse("template_id", found=meta.get("template_id"))
    version = meta_version(meta.get("template_version"))
    if version is None:
        raise refuse("broken")
    if version > decl["template_version"]:
        raise refuse("newer", version=version, supported=decl["template_version"])
    meta["template_version"] = version
    if levels is not None and meta.get("level") not in levels:
        raise refuse("level")
    return meta
