"""Regenerate the corpus of bad input files in tests/data/bad/ (python tests/data/make_bad_files.py).

Each file is a kind of bad input staff really send: empty, truncated, renamed PDF/Word,
password-protected, a zip or XML bomb, a workbook that is not ours, ours with a sheet deleted…
Every one of the top folder must be refused with exit code 2 and a Vietnamese reason, quickly.

The sub-folders hold hostile inputs by family (issue 15), each with its documented outcome in
tests/test_hostile_inputs.py: ``vung_doc/`` cell positions and packages meant to exhaust the
reader, ``ky_tu/`` characters a file format cannot hold, ``json/`` JSON documents with what JSON
or a report cannot be, ``danh_sach/`` registries in every encoding and fault. Big inputs (52
million characters, a 100,000-character field), file-system faults and names are made at test
time instead.
"""

from __future__ import annotations

import io
import os
import random
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
sys.path.insert(0, str(HERE.parent.parent))

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def ole_file(stream_name: str, payload_size: int = 4096) -> bytes:
    """A minimal compound file (MS-CFB v3) holding one stream, as an encrypted xlsx or a .doc has."""
    data = random.Random(7).randbytes(payload_size)
    nsect = payload_size // 512
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    difat = [0] + [FREESECT] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [FATSECT, ENDOFCHAIN] + [i + 1 for i in range(2, 2 + nsect - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    fat_sector = struct.pack("<128I", *fat)

    def entry(name, typ, child, start, size):
        e = bytearray(128)
        enc = name.encode("utf-16-le")
        e[0:len(enc)] = enc
        struct.pack_into("<HBB", e, 64, len(enc) + 2 if name else 0, typ, 1)
        struct.pack_into("<III", e, 68, NOSTREAM, NOSTREAM, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    directory = entry("Root Entry", 5, 1, ENDOFCHAIN, 0) + entry(stream_name, 2, NOSTREAM, 2, payload_size)
    directory += entry("", 0, NOSTREAM, 0, 0) * 2
    return bytes(header) + fat_sector + directory + data


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def ours(tmp: Path, mutate=None) -> bytes:
    """One of our workbooks, optionally changed with openpyxl as a user (or an accident) would."""
    from openpyxl import load_workbook

    from cchc_xl.workbook.template import write_template

    path = tmp / "base.xlsx"
    write_template(path, level="so", year=2024, kind="6_thang", agency="Sở Thử nghiệm")
    if mutate:
        wb = load_workbook(path)
        mutate(wb)
        wb.save(path)
    return path.read_bytes()


def rewrite_member(data: bytes, name: str, fn) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == name:
                content = fn(content)
            zf.writestr(info.filename, content)
    return out.getvalue()


def main() -> None:
    import shutil
    import tempfile

    from openpyxl import Workbook

    BAD.mkdir(exist_ok=True)
    for old in BAD.iterdir():
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    tmp = Path(tempfile.mkdtemp())
    base = ours(tmp)

    files: dict[str, bytes] = {}
    files["rong.xlsx"] = b""
    files["byte_ngau_nhien.xlsx"] = random.Random(1).randbytes(20000)
    files["van_ban_thuong.xlsx"] = "Báo cáo CCHC 6 tháng đầu năm 2024\n".encode("utf-8")
    files["csv_doi_duoi.xlsx"] = "ten,ma\nSở Tài chính,STC\n".encode("utf-8")
    files["bi_cat_cut.xlsx"] = base[: len(base) // 2]
    files["zip_khong_phai_bang_tinh.xlsx"] = zip_bytes({"readme.txt": b"hello", "data/a.csv": b"1,2"})
    files["pdf_doi_duoi.xlsx"] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    files["word_docx_doi_duoi.xlsx"] = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    files["word_doc_cu_doi_duoi.xls"] = ole_file("WordDocument")
    files["co_mat_khau.xlsx"] = ole_file("EncryptedPackage")
    files["anh_png_doi_duoi.xlsx"] = b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(500)
    files["html_luu_thanh_xls.xls"] = "<html><body><table><tr><td>Sở Tài chính</td></tr></table></body></html>".encode()
    entities = '<!DOCTYPE workbook [<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)) + "]>"

    def with_bomb(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        return (text[:decl_end] + entities + text[decl_end:]).replace("</workbook>", "<x>&lol9;</x></workbook>").encode()
    files["bom_xml_entity.xlsx"] = rewrite_member(base, "xl/workbook.xml", with_bomb)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (400 * 1024 * 1024))
    files["bom_zip.xlsx"] = buf.getvalue()

    other = Workbook()
    other.active.title = "Báo cáo"
    other.active["A1"] = "Số liệu CCHC"
    other.active["A2"] = 38
    path = tmp / "other.xlsx"
    other.save(path)
    files["khong_phai_bieu_mau_cchc.xlsx"] = path.read_bytes()

    files["mat_trang_khac_phuc.xlsx"] = ours(tmp, lambda wb: wb.remove(wb["Khắc phục"]))
    files["doi_ten_trang_thong_ke.xlsx"] = ours(tmp, lambda wb: setattr(wb["Thống kê"], "title", "TK cũ"))

    def future(wb):
        wb["_meta"]["B2"] = 99
    files["phien_ban_tuong_lai.xlsx"] = ours(tmp, future)

    def other_id(wb):
        wb["_meta"]["B1"] = "mau-khac/bao-cao"
    files["ma_bieu_mau_khac.xlsx"] = ours(tmp, other_id)

    def broken_header(wb):
        ws = wb["Khắc phục"]
        ws["C4"] = "Nội dung"
        ws["B4"] = None
    files["sua_tieu_de_bang.xlsx"] = ours(tmp, broken_header)

    files.update(hostile(tmp, base))
    for name, content in files.items():
        (BAD / name).parent.mkdir(parents=True, exist_ok=True)
        (BAD / name).write_bytes(content)
    print(f"{len(files)} tệp lỗi trong {BAD}")


# ---- hostile inputs by family (issue 15) ---------------------------------------------------

def rec(rtype: int, body: bytes = b"") -> bytes:
    """One .xlsb record: type and size as 7-bit varints, then the body."""
    out = bytearray()
    for n in (rtype, len(body)):
        while True:
            b, n = n & 0x7F, n >> 7
            out.append(b | (0x80 if n else 0))
            if not n:
                break
    return bytes(out) + body


def xlsb_bytes(sheet_records: bytes, sheet: str = "_meta") -> bytes:
    """A minimal .xlsb package with one sheet whose records are given."""
    def wstr(s: str) -> bytes:
        return struct.pack("<I", len(s)) + s.encode("utf-16-le")

    book = rec(131) + rec(143) + rec(156, struct.pack("<II", 0, 1) + wstr("rId1") + wstr(sheet)) + rec(144) + rec(132)
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/{}" Target="{}"/></Relationships>')
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.'
                               b'binary.macroEnabled.main"/></Types>',
        "_rels/.rels": rels.format("officeDocument", "xl/workbook.bin").encode(),
        "xl/workbook.bin": book,
        "xl/_rels/workbook.bin.rels": rels.format("worksheet", "worksheets/sheet1.bin").encode(),
        "xl/worksheets/sheet1.bin": sheet_records,
    })


def xlsb_cells(cells: list[tuple[int, int, float]]) -> bytes:
    body = rec(129) + rec(148, struct.pack("<IIII", 0, 0, 0, 0)) + rec(145)
    for r, c, v in cells:
        body += rec(0, struct.pack("<IIH", r, 0, 300) + b"\0" * 8)
        body += rec(5, struct.pack("<I", c) + b"\0" * 4 + struct.pack("<d", v))
    return body + rec(146) + rec(130)


def sheet_xml_edit(data: bytes, title: str, fn) -> bytes:
    """Our workbook with the XML of sheet ``title`` changed by ``fn``."""
    import re

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"',
                        zf.read("xl/workbook.xml").decode()).group(1)
        m = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                      zf.read("xl/_rels/workbook.xml.rels").decode())
    target = (m.group(1) or m.group(2)).lstrip("/")
    return rewrite_member(data, target if target.startswith("xl/") else "xl/" + target, fn)


def add_row(xml: bytes, row_xml: str) -> bytes:
    return xml.replace(b"</sheetData>", row_xml.encode() + b"</sheetData>")


def lying_size(data: bytes, member: str, size: int) -> bytes:
    """The package with ``member`` declaring ``size`` bytes (local header and central directory)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    i = out.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", out, i + 28)[0]
        if bytes(out[i + 46:i + 46 + n]) == member.encode():
            struct.pack_into("<I", out, i + 24, size)
        i = out.find(b"PK\x01\x02", i + 1)
    return bytes(out)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 holds it (a base letter, then its tone mark when no precomposed byte exists)."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
            out.append((base + "".join(c for c in d if c in _TONES)).encode("cp1258"))
    return b"".join(out)


REGISTRY_ROWS = [
    ["ten", "ma", "cap", "ten_cu", "ngay_sap_xep", "nguoi_lien_he", "dien_thoai", "email"],
    ["Sở Tài chính", "STC", "so", "Sở Kế hoạch và Đầu tư; Sở KH&ĐT", "01/03/2025", "Nguyễn Thị Hoa", "0912345678",
     "hoa.nt@stc.gov.vn"],
    ["Sở Nội vụ", "SNV", "so", "Sở Lao động – Thương binh và Xã hội", "2025-03-01", "", "", ""],
]


def registry_text(sep: str, rows=REGISTRY_ROWS) -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if sep in c or ";" in c or '"' in c else c
    return "\r\n".join(sep.join(cell(c) for c in r) for r in rows) + "\r\n"


def appraisal_with_control_characters(tmp: Path) -> bytes:
    """An appraisal workbook whose agency name and reason hold control characters (``_x0001_``,
    as Excel writes them into the XML) — what an old file pasted into it brings along."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from cchc_xl.cycle.appraisal import write_appraisal_template
    from cchc_xl.read.appraisal import decl

    path = tmp / "appraisal.xlsx"
    write_appraisal_template(path, year=2023)
    wb = load_workbook(path)
    wb[decl()["sheets"]["info"]["title"]]["B5"] = 2023
    name = "Sở Tài MARK chính"
    for which, row in (("registry", {"name": name, "code": "STC", "level": "Sở, ban, ngành cấp tỉnh"}),
                       ("deductions", {"agency": name, "code": "1.1", "max_score": 1.5, "score": 0,
                                       "reason": "Chưa đạt MARK kế hoạch"})):
        sheet = decl()["sheets"][which]
        ws = wb[sheet["title"]]
        for i, col in enumerate(sheet["columns"], start=1):
            if col["key"] in row:
                ws[f"{get_column_letter(i)}{sheet['header_row'] + 1}"] = row[col["key"]]
    wb.save(path)
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename).replace(b"MARK", b"_x0001__x001B_"))
    return out.getvalue()


def hostile(tmp: Path, base: bytes) -> dict[str, bytes]:
    import json

    from openpyxl import Workbook

    files: dict[str, bytes] = {}
    # vung_doc: positions and packages meant to make the reader allocate or crash
    far = '<row r="{r}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    files["vung_doc/o_xa_chu_thuong.xlsx"] = sheet_xml_edit(
        base, "Thống kê", lambda x: add_row(x, far.format(r=1048576, ref="xfd1048576")))
    files["vung_doc/o_xa_bon_chu_cai.xlsx"] = sheet_xml_edit(
        base, "Thống kê", lambda x: add_row(x, far.format(r=1048576, ref="AAAA1048576")))
    files["vung_doc/o_xa_tien_to_chu_thuong.xlsx"] = sheet_xml_edit(base, "Tuyên truyền", lambda x: add_row(
        x, '<row r="1048575"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'r="zz1048575" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c></row>'))
    files["vung_doc/dia_chi_co_dau_dola.xlsx"] = sheet_xml_edit(
        base, "Thống kê", lambda x: add_row(x, far.format(r=1048576, ref="$XFD$1048576")))
    files["vung_doc/so_dong_khong_hop_le.xlsx"] = sheet_xml_edit(
        base, "Thống kê", lambda x: add_row(x, '<row r="1e9"><c t="inlineStr"><is><t>x</t></is></c></row>'))
    files["vung_doc/xlsb_o_xa.xlsb"] = xlsb_bytes(xlsb_cells([(0, 0, 1.0), (1048575, 16383, 2.5)]))
    files["vung_doc/xlsb_ban_ghi_hong.xlsb"] = xlsb_bytes(rec(129) + rec(148, b"\x01") + rec(145) + rec(146))
    files["vung_doc/xlsb_ban_ghi_cut.xlsb"] = xlsb_bytes(rec(129) + b"\x94\x01\xff\xff\xff\x7f")
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        sheet = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    files["vung_doc/zip_khai_sai_kich_thuoc.xlsx"] = lying_size(base, sheet, 100)

    # ky_tu: characters a workbook or JSON cannot hold
    def old_text(x: bytes) -> bytes:
        return x.replace(b"</sheetData>", b'<row r="9000"><c r="C9000" t="inlineStr"><is><t>Ghi ch\xc3\xba _x0001_ '
                                          b'c\xc5\xa9 _x001F_ \xc4\x91\xc3\xa2y</t></is></c></row></sheetData>')
    files["ky_tu/o_ky_tu_dieu_khien.xlsx"] = sheet_xml_edit(base, "Khắc phục", old_text)
    files["ky_tu/o_van_ban_qua_dai.xlsx"] = sheet_xml_edit(base, "Khắc phục", lambda x: x.replace(
        b"</sheetData>", b'<row r="9001"><c r="C9001" t="inlineStr"><is><t>' + b"A" * 40000 + b"</t></is></c></row>"
        b"</sheetData>"))
    report = json.loads((HERE.parent.parent / "examples" / "so_tai_chinh_2024_6thang.json").read_text("utf-8"))
    report["agency"]["name"] = "Sở Tài\u0001 chính\u000b"
    files["ky_tu/ten_co_ky_tu_dieu_khien.json"] = json.dumps(report, ensure_ascii=False).encode()
    report["agency"]["name"] = "Sở Tài chính"
    report["remediation"][0]["issue"] = "Chưa hoàn thành \ud800 kế hoạch"
    files["ky_tu/surrogate_le.json"] = json.dumps(report).encode()  # "\ud800" escaped: valid JSON syntax

    files["ky_tu/so_tham_dinh_ky_tu_dieu_khien.xlsx"] = appraisal_with_control_characters(tmp)

    # json: what JSON or a report cannot be
    report = json.loads((HERE.parent.parent / "examples" / "so_tai_chinh_2024_6thang.json").read_text("utf-8"))
    text = json.dumps(report, ensure_ascii=False)
    files["json/diem_nan.json"] = text.replace('"score": 0', '"score": NaN', 1).encode()
    files["json/diem_infinity.json"] = text.replace('"score": 0', '"score": -Infinity', 1).encode()
    files["json/diem_1e999.json"] = text.replace('"score": 0', '"score": 1e999', 1).encode()
    files["json/so_nguyen_5000_chu_so.json"] = text.replace('"score": 0', '"score": 1' + "0" * 5000, 1).encode()
    files["json/khoa_trung.json"] = (text[:-1] + ', "appraisal_year": 2020}').encode()
    files["json/long_nhau_5000_tang.json"] = ("[" * 5000 + "]" * 5000).encode()
    files["json/utf16_co_bom.json"] = text.encode("utf-16")
    files["json/windows_1258.json"] = cp1258(text)

    # so: numbers that are not finite in the identification sheet
    def meta_value(key, value):
        def fn(wb):
            for row in wb["_meta"].iter_rows():
                if row[0].value == key:
                    row[1].value = value
        return fn
    files["so/meta_phien_ban_inf.xlsx"] = ours(tmp, meta_value("template_version", "inf"))
    files["so/meta_nam_tieu_chi_1e999.xlsx"] = sheet_xml_edit(ours(tmp, meta_value("criteria_year", 2024)), "_meta",
                                                            lambda x: x.replace(b"<v>2024</v>", b"<v>1e999</v>"))

    # danh_sach: registries in every encoding, and broken ones
    files["danh_sach/unicode_text_utf16.txt"] = registry_text("\t").encode("utf-16")
    files["danh_sach/utf16_khong_bom.csv"] = registry_text(",").encode("utf-16-le")
    files["danh_sach/windows_1258.csv"] = cp1258(registry_text(","))
    files["danh_sach/utf8_bom_cham_phay.csv"] = registry_text(";").encode("utf-8-sig")
    wb = Workbook()
    for row in REGISTRY_ROWS:
        wb.active.append(row)
    wb.active["G2"] = 912345678  # a phone number typed as a number
    path = tmp / "registry.xlsx"
    wb.save(path)
    files["danh_sach/cot_moi.xlsx"] = path.read_bytes()
    files["danh_sach/ky_tu_nul.csv"] = b"ten,ma,cap\nS\0\0 T\xc3\xa0i ch\xc3\xadnh,STC,so\n"
    files["danh_sach/ngay_sap_xep_sai.csv"] = "ten,ma,cap,ngay_sap_xep\nSở Tài chính,STC,so,31/02/2025\n".encode()
    files["danh_sach/ngoac_kep_khong_dong.csv"] = 'ten,ma,cap\n"Sở Tài chính,STC,so\n'.encode()
    files["danh_sach/khong_co_cot_ten.csv"] = "co_quan_x,ma\nSở Tài chính,STC\n".encode()
    files["danh_sach/pdf_doi_duoi.csv"] = b"%PDF-1.4\n\xff\xfe\x00\x00 binary"
    return files


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
