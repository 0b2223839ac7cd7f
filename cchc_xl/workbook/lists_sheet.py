"""The hidden lists sheet: every dropdown's items and every spelling the checks accept, each a
defined name (``ds_cap``, ``ds_ky``, ``ds_tinh_trang``, ``ds_chon_<code>``)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from cchc_xl import spec
from cchc_xl.check import choices, register
from cchc_xl.read import spelling
from cchc_xl.workbook.kit import set_text


def write(wb: Workbook, cat: spec.Catalog) -> dict[str, str]:
    """Hidden sheet with every dropdown's items; returns defined-name → range."""
    cfg = spec.sheets()
    ws = wb.create_sheet(cfg["lists_sheet"])
    ws.sheet_state = "hidden"
    names: dict[str, str] = {}

    def column(idx: int, name: str, items: list[str]):
        letter = get_column_letter(idx)
        ws.cell(row=1, column=idx, value=name)
        for i, item in enumerate(items, start=2):
            set_text(ws.cell(row=i, column=idx), item)
        rng = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${max(2, len(items) + 1)}"
        wb.defined_names[name] = DefinedName(name, attr_text=rng)
        names[name] = rng

    lists = [("ds_cap", spec.levels()), ("ds_ky", spec.period_kinds()), ("ds_tinh_trang", spec.statuses())]
    lists += [(choice_name(row["code"]), row["choices"]) for row in cat.indicators["rows"] + cat.propaganda["rows"]
              if register.has(row.get("kind"), "allowed")]
    idx = 1
    for name, items in lists:  # the dropdown, then every spelling the checks accept (checks.choices)
        column(idx, name, [item["label"] for item in items])
        column(idx + 1, choices.accepted_name(name), [sp for sp, _ in spelling.spellings(items)])
        idx += 2
    return names


def choice_name(code: str) -> str:
    return "ds_chon_" + code.replace(".", "_")
