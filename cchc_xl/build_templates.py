"""Regenerate every file in ``workbook_templates/`` (and the generated VBA text module).

    python -m cchc_xl.build_templates            # write them
    python -m cchc_xl.build_templates --check    # exit 1 and name the files that are stale

The files are committed so that staff can download them; ``--check`` (and
``tests/test_workbook_templates.py``) compares what a file *holds* — sheets, cell values and
formulas, data validations, defined names, buttons, the VBA modules' source, the ribbon — with a
freshly built one, never bytes (writers stamp the time into every file).

To ship another workbook, add a ``(filename, builder)`` pair to :data:`ENTRIES`: the builder
takes the output path and writes the file.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "workbook_templates"
LEVEL_NAMES = {"so": "so_ban_nganh", "huyen": "ubnd_cap_huyen", "xa": "ubnd_cap_xa"}


def _agency(level: str, macros: bool) -> Callable[[Path], object]:
    def build(out: Path):
        if macros:
            from cchc_xl.workbook.macros import write_macro_template

            return write_macro_template(out, level=level)
        from cchc_xl.workbook.template import write_template

        return write_template(out, level=level)

    return build


def _consolidation(out: Path):
    from cchc_xl.workbook.macros import write_consolidation_workbook

    return write_consolidation_workbook(out, macros=True)


def _addin(out: Path):
    from cchc_xl.workbook.macros import write_addin

    return write_addin(out)


def _appraisal(out: Path):
    from cchc_xl.cycle.appraisal import write_appraisal_template

    return write_appraisal_template(out, year=None)


ENTRIES: list[tuple[str, Callable[[Path], object]]] = [
    *[(f"bao_cao_cchc_{LEVEL_NAMES[lv]}.xlsx", _agency(lv, False)) for lv in LEVEL_NAMES],
    *[(f"bao_cao_cchc_{LEVEL_NAMES[lv]}.xlsm", _agency(lv, True)) for lv in LEVEL_NAMES],
    ("so_tong_hop_cchc.xlsm", _consolidation),
    ("cchc-xl.xlam", _addin),
    ("so_tham_dinh_cchc.xlsx", _appraisal),
]


def vba_text_module_path() -> Path:
    from cchc_xl.workbook.macros import macros_dir

    return macros_dir() / "CCHC_VanBan.bas"


def vba_text_module() -> str:
    """``macros/CCHC_VanBan.bas`` as it must be (LF line ends in the repository)."""
    from cchc_xl.workbook.vba.text import generate_module

    return generate_module().replace("\r\n", "\n")


# ---- what a workbook holds -----------------------------------------------------------------

def fingerprint(path: str | Path) -> dict:
    """Everything that matters in a workbook, without timestamps: for staleness checks."""
    from openpyxl import load_workbook

    from cchc_xl.workbook.vba.project import read_vba_modules

    data = Path(path).read_bytes()
    wb = load_workbook(io.BytesIO(_as_xlsm(data)))
    out: dict = {"sheets": [], "names": {}}
    for ws in wb.worksheets:
        cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
        dvs = sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt, dv.error)
                     for dv in ws.data_validations.dataValidation)
        out["sheets"].append({"title": ws.title, "state": ws.sheet_state, "cells": cells, "validations": dvs,
                              "merged": sorted(str(m) for m in ws.merged_cells.ranges),
                              "protected": bool(ws.protection.sheet)})
    out["names"] = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        if "xl/vbaProject.bin" in names:
            out["vba"] = read_vba_modules(zf.read("xl/vbaProject.bin"))
        out["vml"] = {n: zf.read(n).decode("utf-8") for n in sorted(names) if n.endswith(".vml")}
        out["custom_ui"] = {n: zf.read(n).decode("utf-8") for n in sorted(names) if n.startswith("customUI/")}
        ct = zf.read("[Content_Types].xml").decode("utf-8")
        out["workbook_type"] = ct.split('PartName="/xl/workbook.xml" ContentType="', 1)[1].split('"', 1)[0]
    return out


def _as_xlsm(data: bytes) -> bytes:
    """An add-in's package with the macro workbook type, which openpyxl knows how to read."""
    from cchc_xl.workbook.macros import CT_XLAM, CT_XLSM

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        ct = zf.read("[Content_Types].xml")
        if CT_XLAM.encode() not in ct:
            return data
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in zf.infolist():
                body = zf.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    body = body.replace(CT_XLAM.encode(), CT_XLSM.encode())
                out.writestr(info.filename, body)
        return buf.getvalue()


def _diff(a: dict, b: dict) -> str:
    """A short Vietnamese description of the first difference."""
    for key in ("workbook_type", "names", "vba", "vml", "custom_ui"):
        if a.get(key) != b.get(key):
            return {"workbook_type": "loại tệp", "names": "tên định nghĩa", "vba": "mã VBA",
                    "vml": "nút bấm", "custom_ui": "ribbon"}[key] + " khác"
    ta, tb = [s["title"] for s in a["sheets"]], [s["title"] for s in b["sheets"]]
    if ta != tb:
        return f"danh sách trang khác ({ta} / {tb})"
    for sa, sb in zip(a["sheets"], b["sheets"]):
        for k in ("cells", "validations", "merged", "state", "protected"):
            if sa[k] != sb[k]:
                if k == "cells":
                    cells = sorted(set(sa["cells"]) | set(sb["cells"]), key=lambda c: (len(c), c))
                    for c in cells:
                        if sa["cells"].get(c) != sb["cells"].get(c):
                            return f"trang “{sa['title']}” ô {c} khác"
                return f"trang “{sa['title']}”: {k} khác"
    return "khác"


# ---- build and check -----------------------------------------------------------------------

def build_all(out_dir: str | Path = DEFAULT_DIR, echo=print) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if out_dir.resolve() == DEFAULT_DIR.resolve():
        path = vba_text_module_path()
        text = vba_text_module()
        if not path.exists() or path.read_text(encoding="ascii") != text:
            path.write_text(text, encoding="ascii", newline="\n")
            echo(f"Đã sinh lại {path}")
    for filename, builder in ENTRIES:
        builder(out_dir / filename)
        written.append(out_dir / filename)
        echo(f"Đã tạo {out_dir / filename}")
    return written


def stale(out_dir: str | Path = DEFAULT_DIR) -> list[tuple[str, str]]:
    """(file, why) for every committed file that differs from a fresh build (or is missing)."""
    out_dir = Path(out_dir)
    problems = []
    path = vba_text_module_path()
    if not path.exists() or path.read_text(encoding="ascii") != vba_text_module():
        problems.append((str(path), "văn bản VBA sinh tự động đã cũ"))
    with tempfile.TemporaryDirectory() as tmp:
        for filename, builder in ENTRIES:
            fresh = Path(tmp) / filename
            builder(fresh)
            committed = out_dir / filename
            if not committed.exists():
                problems.append((filename, "chưa có tệp"))
                continue
            a, b = fingerprint(committed), fingerprint(fresh)
            if a != b:
                problems.append((filename, _diff(a, b)))
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cchc_xl.build_templates",
                                 description="Tạo lại mọi tệp trong workbook_templates/.")
    ap.add_argument("--out", default=str(DEFAULT_DIR), help="thư mục ghi (mặc định workbook_templates/)")
    ap.add_argument("--check", action="store_true", help="chỉ kiểm tra các tệp đã có có còn đúng không")
    args = ap.parse_args(argv)
    if args.check:
        problems = stale(args.out)
        for name, why in problems:
            print(f"Cũ: {name}: {why}")
        if not problems:
            print("Mọi tệp trong workbook_templates/ đều đúng với mã nguồn.")
        return 1 if problems else 0
    build_all(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
