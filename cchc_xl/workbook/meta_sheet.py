"""_meta: the very hidden sheet that names a workbook as a cchc-xl agency workbook (template, schema and
catalog versions; where the scores came from)."""

from __future__ import annotations

from cchc_xl import spec
from cchc_xl.spec import SCHEMA_VERSION, __version__


def write(wb, cat: spec.Catalog, source: str | None = None):
    cfg = spec.sheets()
    ws = wb.create_sheet(cfg["meta_sheet"])
    ws.sheet_state = "veryHidden"
    rows = [
        ("template_id", cfg["template_id"]),
        ("template_version", cfg["template_version"]),
        ("schema_version", SCHEMA_VERSION),
        ("level", cat.level),
        ("criteria_year", cat.criteria_year),
        ("indicators_version", cat.indicators.get("version")),
        ("generator", f"cchc-xl {__version__}"),
        *([("scores_source", source)] if source else []),
        ("note", "Trang ẩn dùng để nhận diện biểu mẫu cchc-xl. Không sửa, không xóa."),
    ]
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    ws.protection.sheet = True
