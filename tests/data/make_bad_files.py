"""Regenerate the corpus of bad input files in tests/data/bad/ (python tests/data/make_bad_files.py).

Each file is a kind of bad input staff really send: empty, truncated, renamed PDF/Word,
password-protected, a zip or XML bomb, a workbook that is not ours, ours with a sheet deleted…
Every one must be refused with exit code 2 and a Vietnamese reason, quickly.
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

    from cchc_xl.template import write_template

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
    import tempfile

    from openpyxl import Workbook

    BAD.mkdir(exist_ok=True)
    for old in BAD.iterdir():
        old.unlink()
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

    for name, content in files.items():
        (BAD / name).write_bytes(content)
    print(f"{len(files)} tệp lỗi trong {BAD}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
