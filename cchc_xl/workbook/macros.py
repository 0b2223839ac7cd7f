"""Macro-enabled workbooks (.xlsm, .xlam) with their VBA project and form buttons, built on Linux.

The VBA project is built by :mod:`cchc_xl.workbook.vba` from the source in ``macros/`` plus the
standalone xlwings module (``xlwings.bas`` of the installed xlwings, which defines
``RunPython``), so staff need no separate xlwings add-in. Where the buttons may run on the
department's server (``CCHC_MayChu.bas``: the agency workbooks and the add-in), xlwings' remote
client goes in too: ``Remote.bas`` (``RunRemotePython``, with :data:`REMOTE_EDITS`), and the
VBA-Web module and classes it posts with. The openpyxl workbook is saved as
usual and the package is then completed by hand, because openpyxl neither writes a VBA project
of its own nor keeps form buttons:

- ``[Content_Types].xml``: the macro-enabled (or add-in) workbook type, ``.bin`` and ``.vml``;
- ``xl/vbaProject.bin`` and its relationship from the workbook;
- ``codeName`` on the workbook and every sheet, matching the project's document modules;
- per sheet with buttons, a legacy VML drawing of form buttons (``<x:FmlaMacro>``, as
  XlsxWriter's ``insert_button`` writes them) and the ``<legacyDrawing>`` that points at it;
- for the add-in, ``customUI/customUI14.xml`` (the CCHC ribbon tab) and its relationship.

This module imports nothing heavy at load time: ``cchc_xl.excel`` reads the layout of the
consolidation workbook (``CONFIG_*``) from here behind a button click.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

# ---- the consolidation workbook's layout (shared with cchc_xl.excel) -----------------------

CONFIG_SHEET = "Cấu hình"
CONSOLIDATION_TEMPLATE_ID = "cchc-xl/consolidation-book"
CONFIG_HEADER_ROW = 5
CONFIG_FIELDS = [
    ("folder", "Thư mục chứa báo cáo của các cơ quan", True,
     "Đường dẫn thư mục, ví dụ D:\\CCHC\\2024\\6 thang. Có thể ghi tương đối so với thư mục của sổ này "
     "(ví dụ: bai_nop). Mọi tệp .xlsx/.xlsm trong thư mục và các thư mục con đều được đọc."),
    ("registry", "Danh sách cơ quan phải báo cáo", False,
     "Tệp .csv hoặc .xlsx liệt kê các cơ quan (để biết cơ quan nào chưa nộp). Để trống nếu không đối chiếu."),
    ("year", "Năm báo cáo", False, "Để trống: lấy năm mà nhiều tệp báo cáo nhất."),
    ("kind", "Kỳ báo cáo", False, "Chọn trong danh sách. Để trống: lấy kỳ mà nhiều tệp báo cáo nhất."),
    ("strict", "Chỉ tổng hợp tệp không còn lỗi", False,
     "Có: loại các tệp còn lỗi. Không (mặc định): tệp còn lỗi vẫn được tổng hợp, lỗi liệt kê ở trang Lỗi dữ liệu."),
]
CONFIG_STATUS_LABEL = "Kết quả lần tổng hợp gần nhất"
CONFIG_STATUS_ROW = CONFIG_HEADER_ROW + len(CONFIG_FIELDS) + 2
CONFIG_STATUS_LINES = 24  # rows B{status}:B{status+23} belong to the status text

AGENCY_MODULES = ["CCHC.bas", "CCHC_MayChu.bas", "CCHC_ThaoTac.bas", "CCHC_Chung.bas", "CCHC_VanBan.bas"]
CONSOLIDATION_MODULES = ["CCHC_TongHop.bas", "CCHC_Chung.bas", "CCHC_VanBan.bas"]
ADDIN_MODULES = ["CCHC_Ribbon.bas", "CCHC_MayChu.bas", "CCHC_ThaoTac.bas", "CCHC_Chung.bas", "CCHC_VanBan.bas"]
# xlwings' remote client (addin/ of the installed xlwings): RunRemotePython and the VBA-Web
# classes it posts with; needed wherever CCHC_MayChu is (it calls RunRemotePython). Actions the
# server sends that this client lacks (fonts, borders, widths…) are in CCHC_ThaoTac.bas.
REMOTE_STANDARD = ["Remote.bas", "WebHelpers.bas"]
REMOTE_CLASSES = ["WebClient.cls", "WebRequest.cls", "WebResponse.cls", "IWebAuthenticator.cls"]
SERVER_MODULE = "CCHC_MayChu.bas"
ADDIN_PROJECT_NAME = "cchc_xl"  # replaces "myaddin" in xlwings' add-in module (config sheet/file name)

CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLAM = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class BuildError(Exception):
    """A macro workbook cannot be built (message in Vietnamese)."""


# ---- where the sources are -----------------------------------------------------------------

def macros_dir() -> Path:
    """``macros/`` of the source tree, else the copy installed as ``cchc_xl._macros``."""
    here = Path(__file__).resolve().parent.parent  # the cchc_xl package
    dev = here.parent / "macros"
    if (dev / "CCHC.bas").is_file():
        return dev
    installed = here / "_macros"
    if (installed / "CCHC.bas").is_file():
        return installed
    from importlib.resources import files

    return Path(str(files("cchc_xl._macros")))


def _xlwings_dir() -> Path:
    try:
        import xlwings
    except ImportError:
        raise BuildError("Cần thư viện xlwings để tạo biểu mẫu có nút bấm (pip install xlwings)") from None
    return Path(xlwings.__file__).resolve().parent


def xlwings_module(addin: bool = False):
    """The standalone xlwings VBA module (``RunPython``), as shipped with the installed xlwings.

    The workbook variant acts on ``ThisWorkbook``; the add-in variant
    (``xlwings_custom_addin.bas``) on ``ActiveWorkbook``, with its project name set to
    ``cchc_xl`` (the only change, as ``xlwings quickstart --addin`` makes it).
    """
    from cchc_xl.workbook.vba.project import standard_module

    name = "xlwings_custom_addin.bas" if addin else "xlwings.bas"
    path = _xlwings_dir() / name
    text = path.read_text(encoding="cp1252")
    if '#Const App = "Microsoft Excel"' not in text or "Public Function RunPython(" not in text:
        raise BuildError(f"{path}: không phải mô-đun VBA độc lập của xlwings (thiếu RunPython)")
    if addin:
        text = text.replace('PROJECT_NAME As String = "myaddin"', f'PROJECT_NAME As String = "{ADDIN_PROJECT_NAME}"')
        text = re.sub(r'^Attribute VB_Name = "[^"]*"', 'Attribute VB_Name = "xlwings"', text, count=1)
    return standard_module(text)


def dictionary_module():
    """xlwings' Dictionary class (VBA-Dictionary), which its module uses on a Mac."""
    from cchc_xl.workbook.vba.project import class_module

    return class_module((_xlwings_dir() / "addin" / "Dictionary.cls").read_text(encoding="cp1252"))


# Three edits to xlwings' Remote.bas, each replacing one exact piece of its text (a build with
# another xlwings version that lacks a piece stops with BuildError rather than ship it unedited):
REMOTE_EDITS = [
    # run the actions in this project (the add-in or the workbook holding the button): an
    # unqualified Application.Run searches the active workbook, a plain .xlsx has no macros,
    # and an agency .xlsm open beside the add-in has macros of the same names
    ('Application.Run action("func"), wb, action',
     'Application.Run "\'" & Replace(ThisWorkbook.Name, "\'", "\'\'") & "\'!" & action("func"), wb, action'),
    # the server's messages through the Unicode message box (VBA's MsgBox loses Vietnamese
    # letters on a Windows whose language for non-Unicode programs is not Vietnamese)
    ("rv = MsgBox(Prompt:=myPrompt, Title:=myTitle, Buttons:=myStyle)",
     "rv = ThongBao(myPrompt, myTitle, myStyle)"),
    # a refusal (401, 413, …) shows the server's Vietnamese reason, not the raw JSON
    (re.compile(r'If myResponse\.Content <> "" Then\s*\r\n\s*MsgBox myResponse\.Content, vbCritical, "Error"\s*\r\n'
                r'\s*Else\s*\r\n\s*MsgBox myResponse\.StatusDescription & " \(" & myResponse\.StatusCode & "\)", '
                r'vbCritical, "Error"\s*\r\n\s*End If'),
     "LoiTuMayChu myResponse"),
]


def remote_modules() -> list:
    """xlwings' remote client as the projects need it: Remote.bas (with :data:`REMOTE_EDITS`),
    WebHelpers.bas and the VBA-Web classes, as shipped in ``addin/`` of the installed xlwings."""
    from cchc_xl.workbook.vba.project import class_module, crlf, standard_module

    folder = _xlwings_dir() / "addin"
    mods = []
    for name in REMOTE_STANDARD:
        text = crlf((folder / name).read_text(encoding="cp1252"))
        if name == "Remote.bas":
            if "Function RunRemotePython(" not in text:
                raise BuildError(f"{folder / name}: không có RunRemotePython")
            for old, new in REMOTE_EDITS:
                if isinstance(old, str):
                    if text.count(old) != 1:
                        raise BuildError(f"{folder / name}: không tìm thấy đúng một chỗ “{old}” để sửa "
                                         "(phiên bản xlwings khác với bản đã thử)")
                    text = text.replace(old, new)
                else:
                    text, n = old.subn(new, text)
                    if n != 1:
                        raise BuildError(f"{folder / name}: không tìm thấy chỗ báo lỗi của máy chủ để sửa "
                                         "(phiên bản xlwings khác với bản đã thử)")
        mods.append(standard_module(text))
    mods += [class_module((folder / name).read_text(encoding="cp1252")) for name in REMOTE_CLASSES]
    return mods


def source_module(filename: str):
    from cchc_xl.workbook.vba.project import standard_module

    return standard_module((macros_dir() / filename).read_text(encoding="ascii"))


def project_modules(files: list[str], sheet_codenames: list[str], addin: bool = False) -> list:
    """Document modules (ThisWorkbook, one per sheet), our modules, then xlwings'."""
    from cchc_xl.workbook.vba.project import document_module

    mods = [document_module("ThisWorkbook", "workbook")]
    mods += [document_module(n, "worksheet") for n in sheet_codenames]
    mods += [source_module(f) for f in files]
    mods += [xlwings_module(addin), dictionary_module()]
    if SERVER_MODULE in files:
        mods += remote_modules()
    return mods


# ---- buttons -------------------------------------------------------------------------------

@dataclass
class Button:
    sheet: str  # sheet title
    caption: str
    macro: str  # VBA Sub name, e.g. "KiemTra"
    col: int  # 0-based top-left cell
    row: int
    width: int = 150  # pixels
    height: int = 38


def _col_px(ws, col0: int) -> int:
    from openpyxl.utils import get_column_letter

    dim = ws.column_dimensions.get(get_column_letter(col0 + 1)) if hasattr(ws.column_dimensions, "get") else None
    if dim is not None and dim.hidden:
        return 0
    width = dim.width if dim is not None and dim.width else 8.43
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def _row_px(ws, row0: int) -> int:
    dim = ws.row_dimensions.get(row0 + 1) if hasattr(ws.row_dimensions, "get") else None
    if dim is not None and dim.hidden:
        return 0
    height = dim.height if dim is not None and dim.height else 15
    return int(height * 4 / 3)


def _anchor(ws, b: Button) -> tuple[str, tuple[float, float, float, float]]:
    """VML ``x:Anchor`` (column/row plus pixel offsets of both corners) and the box in points."""
    left = sum(_col_px(ws, c) for c in range(b.col))
    top = sum(_row_px(ws, r) for r in range(b.row))

    def walk(start: int, size: int, px) -> tuple[int, int]:
        i, rest = start, size
        while rest >= px(i) and px(i) > 0:
            rest -= px(i)
            i += 1
        return i, rest

    c2, dx = walk(b.col, b.width, lambda c: _col_px(ws, c))
    r2, dy = walk(b.row, b.height, lambda r: _row_px(ws, r))
    anchor = f"{b.col}, 0, {b.row}, 0, {c2}, {dx}, {r2}, {dy}"
    return anchor, (left * 0.75, top * 0.75, b.width * 0.75, b.height * 0.75)


def _vml(buttons: list[tuple[Button, str, tuple]], sheet_no: int) -> bytes:
    shapes = []
    for k, (b, anchor, (left, top, width, height)) in enumerate(buttons, start=1):
        shapes.append(
            f'<v:shape id="_x0000_s{1024 * sheet_no + k}" type="#_x0000_t201" '
            f'style="position:absolute;margin-left:{left:g}pt;margin-top:{top:g}pt;width:{width:g}pt;'
            f'height:{height:g}pt;z-index:{k};mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
            f'strokecolor="windowText [64]" o:insetmode="auto">'
            f'<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
            f'<o:lock v:ext="edit" rotation="t"/>'
            f'<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
            f'<div style="text-align:center"><font face="Times New Roman" size="240" color="#000000">'
            f'{escape(b.caption)}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{anchor}</x:Anchor>'
            f'<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
            f'<x:FmlaMacro>[0]!{escape(b.macro)}</x:FmlaMacro>'
            f'<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')
    xml = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel">'
           f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{sheet_no}"/></o:shapelayout>'
           '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
           '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
           'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
           + "".join(shapes) + "</xml>")
    return xml.encode("utf-8")


# ---- packaging -----------------------------------------------------------------------------

_AFTER_LEGACY = ("<legacyDrawingHF", "<picture", "<oleObjects", "<controls", "<webPublishItems", "<tableParts",
                 "<extLst", "</worksheet>")


def _insert_legacy_drawing(xml: str, rid: str) -> str:
    if "<legacyDrawing " in xml:
        raise BuildError("trang tính đã có bản vẽ VML (ghi chú); chưa hỗ trợ thêm nút bấm vào đó")
    root_end = xml.index(">", xml.index("<worksheet"))
    if "xmlns:r=" not in xml[:root_end]:
        xml = xml[:root_end] + f' xmlns:r="{NS_R}"' + xml[root_end:]
    pos = min(i for i in (xml.find(t) for t in _AFTER_LEGACY) if i >= 0)
    return xml[:pos] + f'<legacyDrawing r:id="{rid}"/>' + xml[pos:]


def _add_relationship(rels_xml: str | None, rel_type: str, target: str) -> tuple[str, str]:
    if rels_xml is None:
        rels_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    ids = set(re.findall(r'Id="([^"]+)"', rels_xml))
    n = 1
    while f"rIdCchc{n}" in ids:
        n += 1
    rid = f"rIdCchc{n}"
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    if rels_xml.rstrip().endswith("/>") and "<Relationships" in rels_xml and "</Relationships>" not in rels_xml:
        rels_xml = rels_xml.rstrip()[:-2] + ">" + rel + "</Relationships>"
    else:
        rels_xml = rels_xml.replace("</Relationships>", rel + "</Relationships>")
    return rels_xml, rid


def _content_types(xml: str, main_type: str) -> str:
    xml = re.sub(r'(<Override PartName="/xl/workbook.xml" ContentType=")[^"]+(")', rf"\g<1>{main_type}\g<2>", xml)
    if main_type not in xml:
        raise BuildError("không tìm thấy phần workbook trong [Content_Types].xml")
    for ext, ctype in (("bin", CT_VBA), ("vml", CT_VML)):
        if f'Extension="{ext}"' not in xml:
            xml = xml.replace("<Default ", f'<Default Extension="{ext}" ContentType="{ctype}"/><Default ', 1)
    return xml


def _sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet title → its part name (``xl/worksheets/sheetN.xml``)."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    wb = ET.fromstring(files["xl/workbook.xml"])
    rels = ET.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.findall("m:sheets/m:sheet", ns):
        target = targets[s.get(f"{{{NS_R}}}id")]
        target = target.lstrip("/")
        out[s.get("name")] = target if target.startswith("xl/") else "xl/" + target
    return out


def package(wb, out: str | os.PathLike, module_files: list[str], buttons: list[Button] = (),
            addin: bool = False, custom_ui: bytes | None = None, project_name: str = "VBAProject") -> Path:
    """Save an openpyxl workbook as a macro-enabled workbook (or add-in) with its VBA project."""
    from cchc_xl.files.fileio import atomic_output
    from cchc_xl.workbook.vba.project import build_vba_project

    wb.code_name = "ThisWorkbook"
    codenames = []
    for i, ws in enumerate(wb.worksheets, start=1):
        ws.sheet_properties.codeName = f"Sheet{i}"
        codenames.append(f"Sheet{i}")
    modules = project_modules(module_files, codenames, addin)
    references = None
    if addin or SERVER_MODULE in module_files:
        from cchc_xl.workbook.vba.project import OFFICE, STDOLE

        # the Office library: IRibbonControl (add-in), msoPicture (xlwings' Remote module)
        references = [STDOLE, OFFICE]
    vba_bin = build_vba_project(modules, project_name, references=references)

    by_sheet: dict[str, list[Button]] = {}
    for b in buttons:
        if b.sheet not in wb.sheetnames:
            raise BuildError(f"không có trang “{b.sheet}” để đặt nút {b.caption}")
        by_sheet.setdefault(b.sheet, []).append(b)
    placed = {title: [(b, *_anchor(wb[title], b)) for b in bs] for title, bs in by_sheet.items()}

    from cchc_xl.safetext import sanitize_workbook

    sanitize_workbook(wb, Path(out).name)
    from cchc_xl.sheets.xlsx import write_package

    buf = io.BytesIO()
    write_package(wb, buf, zipfile.ZIP_STORED)  # unpacked below, packed once at the end
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin:
        files = {i.filename: zin.read(i.filename) for i in zin.infolist()}
        order = [i.filename for i in zin.infolist()]

    def put(name: str, data: bytes):
        if name not in files:
            order.append(name)
        files[name] = data

    main_type = CT_XLAM if addin else CT_XLSM
    put("[Content_Types].xml", _content_types(files["[Content_Types].xml"].decode("utf-8"), main_type).encode("utf-8"))
    put("xl/vbaProject.bin", vba_bin)
    rels, _ = _add_relationship(files["xl/_rels/workbook.xml.rels"].decode("utf-8"), REL_VBA, "vbaProject.bin")
    put("xl/_rels/workbook.xml.rels", rels.encode("utf-8"))
    parts = _sheet_parts(files)
    for n, title in enumerate(wb.sheetnames, start=1):
        if title not in placed:
            continue
        part = parts[title]
        vml_name = f"xl/drawings/vmlDrawing{n}.vml"
        put(vml_name, _vml(placed[title], n))
        rels_name = f"{os.path.dirname(part)}/_rels/{os.path.basename(part)}.rels"
        existing = files[rels_name].decode("utf-8") if rels_name in files else None
        srels, rid = _add_relationship(existing, REL_VML, f"../drawings/vmlDrawing{n}.vml")
        put(rels_name, srels.encode("utf-8"))
        put(part, _insert_legacy_drawing(files[part].decode("utf-8"), rid).encode("utf-8"))
    if custom_ui is not None:
        put("customUI/customUI14.xml", custom_ui)
        root_rels, _ = _add_relationship(files["_rels/.rels"].decode("utf-8"), REL_UI14, "customUI/customUI14.xml")
        put("_rels/.rels", root_rels.encode("utf-8"))

    with atomic_output(out) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for name in order:
                zout.writestr(name, files[name])
    return Path(out)


# ---- the three workbooks -------------------------------------------------------------------

def _button_captions() -> dict[str, str]:
    return {"KiemTra": "Kiểm tra", "DienPhuLuc": "Điền phụ lục", "NopBaoCao": "Nộp báo cáo",
            "CaiDatMayChu": "Cài đặt máy chủ", "TongHop": "Tổng hợp"}


def agency_buttons(wb) -> list[Button]:
    """“Kiểm tra”, “Điền phụ lục” and “Nộp báo cáo” on the status sheet and the guide, right of
    their text; “Cài đặt máy chủ” on the guide."""
    from cchc_xl import spec

    cap = _button_captions()
    sheets = spec.sheets()["sheets"]
    out = []
    for key in ("checks", "guide"):
        title = sheets[key]["title"]
        ws = wb[title]
        col = max(c.column for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 40)) for c in row
                  if c.value is not None)  # first free column right of the text
        out.append(Button(title, cap["KiemTra"], "KiemTra", col, 0))
        out.append(Button(title, cap["DienPhuLuc"], "DienPhuLuc", col, 3))
        out.append(Button(title, cap["NopBaoCao"], "NopBaoCao", col, 6))
        if key == "guide":
            out.append(Button(title, cap["CaiDatMayChu"], "CaiDatMayChu", col, 9))
    return out


def write_macro_template(out, level="so", year=None, kind=None, agency=None, report=None) -> Path:
    """``cchc-xl template --macros``: the agency workbook as .xlsm with its VBA project and buttons."""
    from cchc_xl.workbook.template import build_workbook

    if Path(out).suffix.lower() != ".xlsm":
        raise BuildError(f"{out}: biểu mẫu có nút bấm phải có đuôi .xlsm")
    wb = build_workbook(level, year, kind, agency, report)
    return package(wb, out, AGENCY_MODULES, agency_buttons(wb))


def build_consolidation_workbook():
    """The consolidation workbook of the Home Affairs department (openpyxl): a configuration
    sheet (folder, registry, year, period, strictness) filled in by hand; the result sheets are
    added by the “Tổng hợp” button."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    from cchc_xl import spec
    from cchc_xl.spec import __version__

    wb = Workbook()
    ws = wb.active
    ws.title = CONFIG_SHEET
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    tnr = "Times New Roman"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 58
    ws.column_dimensions["C"].width = 70
    ws["A1"] = "SỔ TỔNG HỢP BÁO CÁO CẢI CÁCH HÀNH CHÍNH"
    ws["A1"].font = Font(name=tnr, size=15, bold=True)
    ws.merge_cells("A1:C1")
    ws.row_dimensions[1].height = 30
    ws["B2"] = ("Ghi thông tin ở các ô nền vàng rồi bấm nút “Tổng hợp”. Kết quả được điền vào các trang sau "
                "trang này; mỗi lần bấm, các trang kết quả được làm mới.")
    ws["B2"].font = Font(name=tnr, size=11, italic=True)
    ws["B2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("B2:C3")
    for r in (2, 3):
        ws.row_dimensions[r].height = 22
    hr = CONFIG_HEADER_ROW
    for col, text in enumerate(("Nội dung", "Giá trị", "Hướng dẫn"), start=1):
        c = ws.cell(row=hr, column=col, value=text)
        c.font = Font(name=tnr, size=11, bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center")
    yellow = PatternFill("solid", fgColor="FFF2CC")
    for i, (key, label, required, hint) in enumerate(CONFIG_FIELDS, start=1):
        r = hr + i
        a = ws.cell(row=r, column=1, value=label + (" (*)" if required else ""))
        b = ws.cell(row=r, column=2)
        c = ws.cell(row=r, column=3, value=hint)
        for cell in (a, b, c):
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(name=tnr, size=12 if cell is not c else 10, bold=cell is a, italic=cell is c)
        b.fill = yellow
        b.number_format = "@" if key in ("folder", "registry") else "General"
        ws.row_dimensions[r].height = 42
        wb.defined_names[f"cau_hinh_{key}"] = DefinedName(f"cau_hinh_{key}", attr_text=f"'{CONFIG_SHEET}'!$B${r}")
        if key == "kind":
            labels = ",".join(p["label"] for p in spec.period_kinds())
            dv = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
        elif key == "strict":
            b.value = "Không"
            dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
        elif key == "year":
            low, high = spec.year_range()
            dv = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high),
                                allow_blank=True)
            dv.error = spec.year_range_message()
        else:
            dv = None
        if dv is not None:
            dv.showErrorMessage = True
            dv.promptTitle = label[:32]
            dv.prompt = hint[:255]
            dv.showInputMessage = True
            dv.add(b.coordinate)
            ws.add_data_validation(dv)
    sr = CONFIG_STATUS_ROW
    s = ws.cell(row=sr, column=1, value=CONFIG_STATUS_LABEL)
    s.font = Font(name=tnr, size=12, bold=True)
    s.alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(row=sr, column=2, value="(chưa tổng hợp)").font = Font(name=tnr, size=11, italic=True)
    wb.defined_names["ket_qua_tong_hop"] = DefinedName("ket_qua_tong_hop", attr_text=f"'{CONFIG_SHEET}'!$B${sr}")
    ws.sheet_view.showGridLines = False
    from cchc_xl.workbook.style import print_setup

    print_setup(ws, None, "C")  # A4 landscape, one page wide, page numbers inside the margin
    meta = wb.create_sheet("_meta")
    for i, (k, v) in enumerate((("template_id", CONSOLIDATION_TEMPLATE_ID), ("template_version", 1),
                                ("generator", f"cchc-xl {__version__}"),
                                ("note", "Trang ẩn dùng để nhận diện sổ tổng hợp cchc-xl. Không sửa, không xóa.")),
                               start=1):
        meta.cell(row=i, column=1, value=k)
        meta.cell(row=i, column=2, value=v)
    meta.sheet_state = "veryHidden"
    wb.active = 0
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "Sổ tổng hợp báo cáo CCHC"
    return wb


def write_consolidation_workbook(out, macros: bool = True) -> Path:
    """``cchc-xl template --consolidation [--macros]``: the consolidation workbook, as .xlsm with
    the “Tổng hợp” button, or as .xlsx (for use with the cchc-xl add-in's ribbon)."""
    from cchc_xl.sheets.xlsx import save_atomic

    wb = build_consolidation_workbook()
    suffix = Path(out).suffix.lower()
    if not macros:
        if suffix == ".xlsm":
            raise BuildError(f"{out}: tệp .xlsm chỉ tạo được với --macros")
        return save_atomic(wb, out)
    if suffix != ".xlsm":
        raise BuildError(f"{out}: sổ tổng hợp có nút bấm phải có đuôi .xlsm")
    button = Button(CONFIG_SHEET, _button_captions()["TongHop"], "TongHop", 0, 1, width=170, height=44)
    return package(wb, out, CONSOLIDATION_MODULES, [button])


def write_addin(out) -> Path:
    """The cchc-xl add-in (.xlam): the CCHC ribbon tab with the three buttons, for any workbook
    (including the .xlsx ones without macros)."""
    from openpyxl import Workbook

    from cchc_xl.spec import __version__

    if Path(out).suffix.lower() != ".xlam":
        raise BuildError(f"{out}: add-in phải có đuôi .xlam")
    wb = Workbook()
    ws = wb.active
    ws.title = "cchc-xl"
    ws["A1"] = "Add-in cchc-xl: thẻ CCHC trên thanh ribbon (Kiểm tra, Điền phụ lục, Tổng hợp)."
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "cchc-xl add-in"
    ui = (macros_dir() / "customUI14.xml").read_bytes()
    return package(wb, out, ADDIN_MODULES, addin=True, custom_ui=ui, project_name="cchc_xl_addin")
