"""The JSON xlwings' VBA client (``RunRemotePython``, addin/Remote.bas of the installed xlwings)
sends for a workbook, built from a file the way that client builds it from the open workbook:

- ``client`` "VBA", ``version``, ``book`` {name, active_sheet_index, selection};
- ``names``: every defined name that refers to a range — name, sheet_index, address without
  ``$``, book_scope, scope_sheet_name/index (a sheet-scoped name is written ``Sheet!name``);
- ``sheets``: every worksheet (hidden ones too), with ``pictures`` (none here), ``tables``
  (ListObjects with absolute ``$A$1`` addresses) and ``values`` = ``Range(A1, end of the used
  range).Value``: empty cells ``null`` (VBA's Empty in an array), dates as local
  ``yyyy-mm-ddTHH:mm:ss.000Z`` (WebHelpers.ConvertToIso, no UTC conversion), error values as
  their text (``#N/A``…), one cell as ``[[v]]``, an empty sheet as ``[[]]``.

:func:`vba_body` serialises it as the client's JSON writer (WebHelpers.ConvertToJson) does: no
spaces, every character outside printable ASCII as ``\\uXXXX`` with upper-case hex digits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path


def _value(v):
    if isinstance(v, dt.datetime):
        return f"{v:%Y-%m-%dT%H:%M:%S}.000Z"
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}T00:00:00.000Z"
    if isinstance(v, dt.time):
        return f"1899-12-30T{v:%H:%M:%S}.000Z"
    return v


def _absolute(ref: str) -> str:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref)
    first = f"${get_column_letter(c1)}${r1}"
    return first if (c1, r1) == (c2, r2) else f"{first}:${get_column_letter(c2)}${r2}"


def _tables(ws) -> list[dict]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    out = []
    for t in ws.tables.values():
        c1, r1, c2, r2 = range_boundaries(t.ref)
        headers = (t.headerRowCount if t.headerRowCount is not None else 1) > 0
        totals = bool(t.totalsRowCount)
        body_first, body_last = r1 + (1 if headers else 0), r2 - (1 if totals else 0)
        row = lambda a, b: f"${get_column_letter(c1)}${a}:${get_column_letter(c2)}${b}"  # noqa: E731
        out.append({"name": t.displayName or t.name, "range_address": _absolute(t.ref),
                    "header_row_range_address": row(r1, r1) if headers else None,
                    "data_body_range_address": row(body_first, body_last) if body_last >= body_first else None,
                    "total_row_range_address": row(r2, r2) if totals else None,
                    "show_headers": headers, "show_totals": totals,
                    "table_style": t.tableStyleInfo.name if t.tableStyleInfo else "",
                    "show_autofilter": t.autoFilter is not None})
    return out


def _names(wb) -> list[dict]:
    out = []
    scopes = [(None, wb.defined_names)] + [(i, ws.defined_names) for i, ws in enumerate(wb.worksheets)]
    for scope, names in scopes:
        for name, dn in names.items():
            try:
                dests = list(dn.destinations)
            except Exception:  # noqa: BLE001 - a name that is not a range: the client skips it
                continue
            if len(dests) != 1 or dests[0][0] not in wb.sheetnames:
                continue
            sheet, ref = dests[0]
            scope_name = wb.worksheets[scope].title if scope is not None else None
            out.append({"name": name if scope is None else f"{scope_name}!{name}",
                        "sheet_index": wb.sheetnames.index(sheet), "address": ref.replace("$", ""),
                        "book_scope": scope is None, "scope_sheet_name": scope_name, "scope_sheet_index": scope})
    return out


def vba_payload(path: Path, active: int = 0, selection: str | None = "A1") -> dict:
    import xlwings
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        if ws.max_row == 1 and ws.max_column == 1 and ws["A1"].value is None:
            values = [[]]
        else:
            values = [[_value(c.value) for c in row]
                      for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column)]
        sheets.append({"name": ws.title, "pictures": [], "tables": _tables(ws), "values": values})
    return {"client": "VBA", "version": xlwings.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": active, "selection": selection},
            "names": _names(wb), "sheets": sheets}


def vba_body(payload: dict) -> bytes:
    """The request body the VBA client posts for ``payload``."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    text = re.sub(r"\\\\|\\u[0-9a-f]{4}", lambda m: m.group(0)[:2] + m.group(0)[2:].upper(), text)
    return re.sub("\x7f", "\\\\u007F", text).encode("ascii")
