"""Hostile inputs and faults (issue 15): every kind is refused with a Vietnamese reason naming the
file, or read and reported — never a traceback, never "lỗi ngoài dự kiến", within 4 GB of address
space, inputs unchanged, and every output either absent or opened cleanly by openpyxl and by
cchc-xl itself. The committed kinds are in tests/data/bad/<family>/ (made by
tests/data/make_bad_files.py); big inputs and file-system faults are made here, at test time."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_reader_robust import run_limited

from cchc_xl.cli import main

BAD = Path(__file__).parent / "data" / "bad"
FOUR_GB = 4 << 30
VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãèéẹẻẽìíịỉĩòóọỏõùúụủũỳýỵỷỹ]", re.I)
DEFECT = ("Traceback", "ngoài dự kiến", "không lường trước", "panicked", "Error:", "Exception")


def digest(paths) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def check_clean_output(path: Path) -> None:
    """An output that exists opens cleanly with openpyxl (workbooks) and with cchc-xl itself."""
    if not path.exists():
        return
    if path.is_dir():
        for p in path.iterdir():
            check_clean_output(p)
        return
    assert not path.name.startswith(".~cchc-"), f"temporary file left: {path}"
    if path.suffix in (".xlsx", ".xlsm"):
        load_workbook(path)
        from cchc_xl.files.boundary import load_grids
        from cchc_xl.files.area import MAX_COLS, MAX_ROWS

        grids, _ = load_grids(path)  # our own reader, through the file boundary
        assert grids and all(len(g) <= MAX_ROWS and all(len(r) <= MAX_COLS for r in g) for g in grids.values())
        from cchc_xl import spec

        if path.suffix == ".xlsx" and any(row[:2] == ["template_id", spec.sheets()["template_id"]]
                                          for row in grids.get("_meta", [])):  # an agency workbook
            res = run_limited(["validate", str(path)], FOUR_GB)
            assert res.returncode in (0, 1), res.stdout + res.stderr
    elif path.suffix == ".json":
        from cchc_xl.spec.jsonfile import load_json

        load_json(path)


def check_run(args: list, name: str, code: int, cwd: Path, inputs=(), outputs=(), says: str | None = None):
    """``cchc-xl ARGS`` under a 4 GB address-space limit: the exit code, a Vietnamese line naming
    ``name``, no trace of a defect, inputs unchanged, outputs clean."""
    before = digest(inputs)
    res = run_limited([str(a) for a in args], FOUR_GB)
    out = res.stdout + res.stderr
    assert res.returncode == code, out[-3000:]
    for word in DEFECT:
        assert word not in out, out[-3000:]
    lines = [ln for ln in out.splitlines() if name in ln]
    assert any(VIETNAMESE.search(ln) for ln in lines), out[-3000:]
    if says:
        assert says in out, out[-3000:]
    assert digest(inputs) == before
    for o in outputs:
        check_clean_output(Path(o))
    return res


@pytest.fixture
def good(stc, make_workbook) -> Path:
    return make_workbook(stc, name="So_Tai_chinh.xlsx")


# ---- the committed corpus, one test per kind ----------------------------------------------

@dataclass
class Kind:
    file: str
    command: str  # validate | annotate | export | appendix | template | consolidate
    code: int
    says: str | None = None


# The workbooks of the corpus are a blank template of "Sở Thử nghiệm" (one error: a required field
# left empty), so a kind that is read gives exit 1 with its own finding beside that error.
KINDS = [
    # vung_doc: cell positions in every spelling, and packages that break the reading library
    Kind("vung_doc/o_xa_chu_thuong.xlsx", "validate", 1, "XFD1048576 nằm ngoài vùng đọc"),
    Kind("vung_doc/o_xa_bon_chu_cai.xlsx", "validate", 1, "AAAA1048576 nằm ngoài vùng đọc"),
    Kind("vung_doc/o_xa_tien_to_chu_thuong.xlsx", "validate", 1, "ZZ1048575 nằm ngoài vùng đọc"),
    Kind("vung_doc/dia_chi_co_dau_dola.xlsx", "validate", 2, "ghi địa chỉ không hợp lệ (“$XFD$1048576”)"),
    Kind("vung_doc/so_dong_khong_hop_le.xlsx", "validate", 2, "ghi địa chỉ không hợp lệ (“1e9”)"),
    Kind("vung_doc/xlsb_o_xa.xlsb", "validate", 2, "không phải biểu mẫu báo cáo CCHC"),
    Kind("vung_doc/xlsb_ban_ghi_hong.xlsb", "validate", 2, "bị hỏng"),
    Kind("vung_doc/xlsb_ban_ghi_cut.xlsb", "export", 2, "bị hỏng"),
    Kind("vung_doc/zip_khai_sai_kich_thuoc.xlsx", "validate", 2, "một phần bên trong tệp nén bị hỏng"),
    Kind("vung_doc/o_xa_chu_thuong.xlsx", "appendix", 1),
    # so: numbers that are not finite
    Kind("so/meta_phien_ban_inf.xlsx", "validate", 2, "trang nhận diện của biểu mẫu bị hỏng"),
    Kind("so/meta_nam_tieu_chi_1e999.xlsx", "validate", 1),
    Kind("json/diem_nan.json", "template", 2, "có giá trị NaN, không phải số"),
    Kind("json/diem_infinity.json", "template", 2, "có giá trị -Infinity, không phải số"),
    Kind("json/diem_1e999.json", "appendix", 2, "số 1e999 quá lớn"),
    Kind("json/so_nguyen_5000_chu_so.json", "template", 2, "số quá dài"),
    # json: what JSON or a report cannot be
    Kind("json/khoa_trung.json", "template", 2, "khóa “appraisal_year” xuất hiện hai lần"),
    Kind("json/long_nhau_5000_tang.json", "template", 2, "lồng nhau quá sâu"),
    Kind("json/utf16_co_bom.json", "template", 0),
    Kind("json/windows_1258.json", "appendix", 2, "không ở dạng chữ UTF-8"),
    # ky_tu: characters a workbook cannot hold, from a cell or a JSON document
    Kind("ky_tu/o_ky_tu_dieu_khien.xlsx", "annotate", 1),
    Kind("ky_tu/o_ky_tu_dieu_khien.xlsx", "export", 0),
    Kind("ky_tu/o_ky_tu_dieu_khien.xlsx", "appendix", 1),
    Kind("ky_tu/o_van_ban_qua_dai.xlsx", "annotate", 1, "cắt một đoạn văn bản dài 40.000 ký tự còn 32.767"),
    Kind("ky_tu/ten_co_ky_tu_dieu_khien.json", "template", 0, "agency.name — bỏ 2 ký tự không ghi được"),
    Kind("ky_tu/surrogate_le.json", "template", 0, "remediation[0].issue — bỏ 1 ký tự"),
    Kind("ky_tu/surrogate_le.json", "appendix", 0),
    Kind("ky_tu/so_tham_dinh_ky_tu_dieu_khien.xlsx", "distribute", 0),
    # danh_sach: registries in every encoding (read), and broken ones (refused, naming the registry)
    Kind("danh_sach/unicode_text_utf16.txt", "consolidate", 0, "chưa có: Sở Nội vụ"),
    Kind("danh_sach/utf16_khong_bom.csv", "consolidate", 0, "chưa có: Sở Nội vụ"),
    Kind("danh_sach/windows_1258.csv", "consolidate", 0, "chưa có: Sở Nội vụ"),
    Kind("danh_sach/utf8_bom_cham_phay.csv", "consolidate", 0, "chưa có: Sở Nội vụ"),
    Kind("danh_sach/cot_moi.xlsx", "consolidate", 0, "chưa có: Sở Nội vụ"),
    Kind("danh_sach/ky_tu_nul.csv", "consolidate", 2, "tệp chứa ký tự NUL"),
    Kind("danh_sach/ngay_sap_xep_sai.csv", "consolidate", 2, "ngày sắp xếp “31/02/2025” không hợp lệ"),
    Kind("danh_sach/ngoac_kep_khong_dong.csv", "consolidate", 2, "dòng 2 sai cấu trúc CSV"),
    Kind("danh_sach/khong_co_cot_ten.csv", "consolidate", 2, "không thấy dòng tiêu đề có cột “ten”"),
    Kind("danh_sach/pdf_doi_duoi.csv", "consolidate", 2, "tệp chứa ký tự NUL"),
]


def test_the_corpus_has_at_least_25_new_kinds_in_every_family():
    files = [p for p in BAD.rglob("*") if p.is_file() and p.parent != BAD]
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in files}) >= 25
    assert {p.parent.name for p in files} == {"vung_doc", "so", "json", "ky_tu", "danh_sach"}
    assert {k.file for k in KINDS} == {str(p.relative_to(BAD)) for p in files}  # every file has its outcome


def _args(kind: Kind, path: Path, tmp: Path, good: Path) -> tuple[list, list]:
    """The command line of a kind, and its outputs."""
    if kind.command == "validate":
        return ["validate", path], []
    if kind.command == "annotate":
        return ["validate", path, "--annotate", tmp / "danh_dau.xlsx"], [tmp / "danh_dau.xlsx"]
    if kind.command == "export":
        return ["export", path, "-o", tmp / "bao_cao.json"], [tmp / "bao_cao.json"]
    if kind.command == "appendix":
        return ["appendix", path, "-o", tmp / "phu_luc.xlsx"], [tmp / "phu_luc.xlsx"]
    if kind.command == "distribute":
        return ["distribute", path, "-o", tmp / "bieu_mau", "--year", "2024", "--period", "6_thang"], [tmp / "bieu_mau"]
    if kind.command == "template":
        return ["template", "--data", path, "-o", tmp / "bieu_mau.xlsx"], [tmp / "bieu_mau.xlsx"]
    folder = tmp / "nop"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    return (["consolidate", folder, "--registry", path, "-o", tmp / "tong_hop.xlsx", "--json", tmp / "tong_hop.json",
             "--quiet"], [tmp / "tong_hop.xlsx", tmp / "tong_hop.json"])


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: f"{k.command}-{k.file}")
def test_each_kind_has_its_documented_outcome(kind, tmp_path, good):
    path = BAD / kind.file
    args, outputs = _args(kind, path, tmp_path, good)
    named = path.name if kind.code == 2 or not outputs else outputs[0].name  # a success names what it wrote
    check_run(args, named, kind.code, tmp_path, inputs=[path, good], outputs=outputs, says=kind.says)
    if kind.code == 2:
        assert not any(o.exists() for o in outputs)  # refused: nothing written


def test_registry_entries_expose_former_names_dates_and_contacts():
    import datetime as dt

    from cchc_xl.read.registry import Contact, RegistryIndex, load_registry

    for name in ("unicode_text_utf16.txt", "utf16_khong_bom.csv", "windows_1258.csv", "utf8_bom_cham_phay.csv",
                 "cot_moi.xlsx"):
        stc, snv = load_registry(BAD / "danh_sach" / name)
        assert stc.former_names == ("Sở Kế hoạch và Đầu tư", "Sở KH&ĐT"), name
        assert stc.reorganized_on == snv.reorganized_on == dt.date(2025, 3, 1)
        phone = "912345678" if name.endswith(".xlsx") else "0912345678"  # a number in the workbook
        assert stc.contact == Contact("Nguyễn Thị Hoa", phone, "hoa.nt@stc.gov.vn")
        assert snv.contact is None and snv.former_names == ("Sở Lao động – Thương binh và Xã hội",)
        index = RegistryIndex([stc, snv])
        assert index.match_how("SỞ KẾ HOẠCH VÀ ĐẦU TƯ") == (0, "former_name")
        assert index.find("Sở Lao động - Thương binh và Xã hội") is snv
        assert index.match_how("Sở Tài chính") == (0, "name")


def test_a_report_under_a_former_name_counts_for_the_merged_agency(tmp_path, stc, make_workbook):
    stc = dict(stc, agency=dict(stc["agency"], name="Sở Kế hoạch và Đầu tư", code=None))
    folder = tmp_path / "nop"
    folder.mkdir()
    shutil.copy(make_workbook(stc), folder / "khdt.xlsx")
    assert main(["consolidate", str(folder), "--registry", str(BAD / "danh_sach" / "cot_moi.xlsx"),
                 "-o", str(tmp_path / "th.xlsx"), "--json", str(tmp_path / "th.json"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "th.json").read_text(encoding="utf-8"))
    assert summary["missing_agencies"] == ["Sở Nội vụ"]


@pytest.mark.parametrize("content, says", [
    ('{"kind": "indicators", "level": "so", "rows": [], "x": NaN}', "có giá trị NaN"),
    ("không phải JSON", "sai cú pháp ở dòng 1, cột 1"),
    ("[" * 3000 + "]" * 3000, "lồng nhau quá sâu"),
    ('{"kind": "indicators", "kind": "indicators"}', "khóa “kind” xuất hiện hai lần"),
], ids=["nan", "syntax", "deep", "duplicate-key"])
def test_a_broken_catalog_of_the_province_is_named(content, says, tmp_path, good):
    cat = tmp_path / "danh_muc" / "so"
    cat.mkdir(parents=True)
    (cat / "indicators.json").write_text(content, encoding="utf-8")
    check_run(["--catalog", cat.parent, "validate", good], "indicators.json", 2, tmp_path, [good], says=says)


# ---- big inputs, made at test time ---------------------------------------------------------

def test_a_52_million_character_text_is_refused_naming_its_field(tmp_path, stc):
    """A text longer than an Excel cell holds would come back cut: ``template --data`` refuses it
    (issue 22), naming the field and both lengths, and writes nothing."""
    stc["remediation"][0]["issue"] = "Chưa hoàn thành " + "x" * 52_000_000
    src = tmp_path / "rat_dai.json"
    src.write_text(json.dumps(stc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "bieu_mau.xlsx"
    check_run(["template", "--data", src, "-o", out], "rat_dai.json", 2, tmp_path, [src], [out],
              says="“remediation[0].issue” dài 52.000.016 ký tự, quá giới hạn 32.767 ký tự")
    assert not out.exists()


def test_registry_former_names_on_separate_lines_of_one_cell_are_separate_names(tmp_path):
    """A ``ten_cu`` cell holding two names on two lines (Alt+Enter), in a workbook or a quoted CSV
    field, gives two former names, as ";" does; the appraisal's registry sheet reads it the same way."""
    from openpyxl import Workbook

    from cchc_xl.read.registry import RegistryIndex, load_registry

    wb = Workbook()
    wb.active.append(["ten", "ma", "cap", "ten_cu"])
    wb.active.append(["Sở Tài chính", "STC", "so", "Sở Kế hoạch và Đầu tư\nSở KH&ĐT"])
    wb.save(tmp_path / "ds.xlsx")
    (tmp_path / "ds.csv").write_text('ten,ma,cap,ten_cu\nSở Tài chính,STC,so,"Sở Kế hoạch và Đầu tư\r\nSở KH&ĐT"\n',
                                     encoding="utf-8")
    for name in ("ds.xlsx", "ds.csv"):
        (stc,) = load_registry(tmp_path / name)
        assert stc.former_names == ("Sở Kế hoạch và Đầu tư", "Sở KH&ĐT"), name
        assert RegistryIndex([stc]).match_how("Sở KH&ĐT") == (0, "former_name")


def test_a_registry_field_of_100000_characters_is_refused_naming_the_registry(tmp_path, good):
    reg = tmp_path / "danh_sach_dai.csv"
    reg.write_text("ten,ma,cap\n" + "S" * 100_001 + ",STC,so\n", encoding="utf-8")
    args, outputs = _args(Kind("", "consolidate", 2), reg, tmp_path, good)
    check_run(args, reg.name, 2, tmp_path, [reg], outputs, says="dòng 2 có một ô dài quá 100.000 ký tự")


# ---- the file system --------------------------------------------------------------------------

def test_a_symbolic_link_loop_in_the_folder_costs_only_its_links(tmp_path, good):
    folder = tmp_path / "nop"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    os.symlink("vong_b.xlsx", folder / "vong_a.xlsx")
    os.symlink("vong_a.xlsx", folder / "vong_b.xlsx")
    os.symlink(".", folder / "chinh_no")
    out, js = tmp_path / "th.xlsx", tmp_path / "th.json"
    check_run(["consolidate", folder, "-o", out, "--json", js, "--quiet"], "vong_a.xlsx", 1, tmp_path,
              outputs=[out, js], says="liên kết tượng trưng vòng quanh")
    files = {f["file"]: f for f in json.loads(js.read_text(encoding="utf-8"))["files"]}
    assert files[good.name]["status"] == "accepted"
    assert files["vong_a.xlsx"]["status"] == files["vong_b.xlsx"]["status"] == "rejected"


def test_a_file_name_that_is_not_utf8_loses_nothing(tmp_path, good):
    folder = tmp_path / "nop"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    odd = os.fsencode(folder) + b"/S\xf4_T\xe0i_ch\xednh.xlsx"  # Latin-1 bytes, as an old zip tool names them
    shutil.copy(good, odd)
    env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial")
    res = subprocess.run([sys.executable, "-m", "cchc_xl", "validate", odd, os.fsencode(folder / good.name)],
                         capture_output=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("hợp lệ".encode()) == 2 and b"\\xf4" in res.stdout  # the odd byte shown, not lost
    out, js = tmp_path / "th.xlsx", tmp_path / "th.json"
    check_run(["consolidate", folder, "-o", out, "--json", js, "--quiet"], "bản trùng 1", 0, tmp_path,
              outputs=[out, js])
    statuses = sorted(f["status"] for f in json.loads(js.read_text(encoding="utf-8"))["files"])
    assert statuses == ["accepted", "duplicate"]


def test_a_file_name_with_a_line_break_stays_on_one_line(tmp_path):
    odd = tmp_path / "bao cao\nthang 6.xlsx"
    odd.write_bytes(b"not a workbook")
    res = run_limited(["validate", str(odd)], FOUR_GB)
    assert res.returncode == 2
    assert res.stdout.strip().splitlines() == ["✗ bao cao\\nthang 6.xlsx: không phải tệp bảng tính (.xlsx, .xlsm, .xls, "
                                               ".ods)"]
    res = run_limited(["export", str(odd)], FOUR_GB)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "bao cao\\nthang 6.xlsx" in res.stderr


def test_a_legal_255_byte_output_name_is_written_and_a_longer_one_refused_in_vietnamese(tmp_path):
    name = "b" * 250 + ".xlsx"
    check_run(["template", "-o", tmp_path / name], name[:40], 0, tmp_path, outputs=[tmp_path / name])
    longer = "b" * 251 + ".xlsx"
    check_run(["template", "-o", tmp_path / longer], longer[:40], 2, tmp_path, says="tên tệp hoặc đường dẫn quá dài")
    assert os.listdir(tmp_path) == [name]


def test_output_paths_through_a_link_loop_or_a_file_are_refused(tmp_path):
    os.symlink("vong", tmp_path / "vong")
    check_run(["template", "-o", tmp_path / "vong" / "a.xlsx"], "a.xlsx", 2, tmp_path)
    (tmp_path / "tep").write_bytes(b"x")
    check_run(["template", "-o", tmp_path / "tep" / "a.xlsx"], "a.xlsx", 2, tmp_path)


@pytest.mark.parametrize("code", ["ENOSPC", "EDQUOT", "EACCES", "EROFS", "ENAMETOOLONG", "ELOOP", "EIO", "EFBIG"])
@pytest.mark.parametrize("command", ["template", "export", "appendix", "consolidate", "annotate"])
def test_every_os_error_while_writing_gives_a_vietnamese_reason_naming_the_output(code, command, tmp_path, good,
                                                                                  monkeypatch, capsys):
    from cchc_xl.files.fileio import OS_REASONS

    num = getattr(errno, code)

    def refuse(src, dst, *a, **kw):
        raise OSError(num, os.strerror(num), str(src))
    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / ("ra.json" if command == "export" else "ra.xlsx")
    args = {"template": ["template", "-o", str(out)], "export": ["export", str(good), "-o", str(out)],
            "appendix": ["appendix", str(good), "-o", str(out)],
            "annotate": ["validate", str(good), "--annotate", str(out)],
            "consolidate": ["consolidate", str(good.parent), "-o", str(out), "--quiet"]}[command]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ra." in err[0] and OS_REASONS[code] in err[0], err
    assert os.strerror(num) not in err[0] and "ngoài dự kiến" not in err[0]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".~cchc-")]


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tmpfs")
def test_a_real_full_and_read_only_disk(tmp_path, good):
    disk = tmp_path / "o_dia"
    if not _tmpfs(disk, "64k"):
        pytest.skip("cannot mount a small file system here (not root)")
    try:
        (disk / "day").write_bytes(b"\0" * 60000)
        for args, name in ((["template", "-o", disk / "a.xlsx"], "a.xlsx"),
                           (["appendix", good, "-o", disk / "b.xlsx"], "b.xlsx"),
                           (["consolidate", good.parent, "-o", disk / "c.xlsx", "--quiet"], "c.xlsx"),
                           (["validate", good, "--annotate", disk / "d.xlsx"], "d.xlsx")):
            check_run(args, name, 2, tmp_path, [good], [disk / name], says="hết dung lượng đĩa")
        assert sorted(os.listdir(disk)) == ["day"]
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        check_run(["template", "-o", disk / "e.xlsx"], "e.xlsx", 2, tmp_path, says="ổ đĩa chỉ cho đọc")
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_a_temporary_file_of_a_killed_run_is_no_submission_and_is_removed_later(tmp_path, good):
    import time

    folder = tmp_path / "nop"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    proc = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom cchc_xl.files.fileio import atomic_output\n"
        "with atomic_output(sys.argv[1]) as tmp:\n    open(tmp, 'wb').write(b'PK half')\n"
        "    print(tmp, flush=True)\n    time.sleep(60)\n"), str(folder / "tong_hop.xlsx")],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    left = Path(proc.stdout.readline().strip())
    proc.kill()  # kill -9 in the middle of the write
    proc.wait()
    assert left.exists() and left.name.startswith(".~cchc-") and len(left.name) < 40
    assert not (folder / "tong_hop.xlsx").exists()
    js = tmp_path / "th.json"
    check_run(["consolidate", folder, "-o", tmp_path / "th.xlsx", "--json", js, "--quiet"], "bỏ qua 1", 0, tmp_path)
    files = {f["file"]: f for f in json.loads(js.read_text(encoding="utf-8"))["files"]}
    assert files[left.name]["status"] == "skipped" and files[good.name]["status"] == "accepted"
    old = time.time() - 3600
    os.utime(left, (old, old))
    check_run(["template", "-o", folder / "moi.xlsx"], "moi.xlsx", 0, tmp_path)
    assert not left.exists()


# ---- batches keep every good file ---------------------------------------------------------

WORST = ["vung_doc/o_xa_chu_thuong.xlsx", "vung_doc/xlsb_o_xa.xlsb", "vung_doc/xlsb_ban_ghi_hong.xlsb",
         "vung_doc/dia_chi_co_dau_dola.xlsx", "vung_doc/zip_khai_sai_kich_thuoc.xlsx", "so/meta_phien_ban_inf.xlsx",
         "ky_tu/o_ky_tu_dieu_khien.xlsx", "bom_zip.xlsx", "bom_xml_entity.xlsx", "bi_cat_cut.xlsx"]


def test_a_batch_validate_with_the_worst_files_reports_every_good_file(tmp_path, good, sngv, make_workbook):
    other = make_workbook(sngv, name="So_Ngoai_vu.xlsx")
    files = [good, *(BAD / w for w in WORST), other]
    res = check_run(["validate", "--json", *files], "xlsb_ban_ghi_hong.xlsb", 2, tmp_path, inputs=files)
    reports = {Path(r["file"]).name: r for r in json.loads(res.stdout)}
    assert len(reports) == len(files)
    for name in (good.name, other.name, "o_xa_chu_thuong.xlsx"):  # read and checked (the far cell reported)
        assert reports[name]["agency"] and all(i["code"] not in ("unreadable", "wrong_template")
                                               for i in reports[name]["issues"])


def test_a_consolidation_with_the_worst_files_accepts_every_good_file(tmp_path, good, sngv, make_workbook):
    folder = tmp_path / "nop"
    folder.mkdir()
    for w in WORST:
        shutil.copy(BAD / w, folder / Path(w).name)
    shutil.copy(good, folder / good.name)
    shutil.copy(make_workbook(sngv), folder / "So_Ngoai_vu.xlsx")
    out, js = tmp_path / "th.xlsx", tmp_path / "th.json"
    check_run(["consolidate", folder, "-o", out, "--json", js, "--quiet"], "th.xlsx", 1, tmp_path, outputs=[out, js])
    files = {f["file"]: f["status"] for f in json.loads(js.read_text(encoding="utf-8"))["files"]}
    assert files[good.name] == files["So_Ngoai_vu.xlsx"] == "accepted"
    # read without its far cell (o_ky_tu_dieu_khien.xlsx is the same agency: one of the two is the duplicate)
    assert {files["o_xa_chu_thuong.xlsx"], files["o_ky_tu_dieu_khien.xlsx"]} == {"accepted", "duplicate"}
    assert {files[Path(w).name] for w in WORST[1:6] + WORST[7:]} == {"rejected"}


_REAL_LOAD = None


def _dying_load_grids(path, only=None):
    """The reading library dying (abort, as on an allocation failure) on files named chet*."""
    if Path(path).name.startswith("chet"):
        os.abort()
    return _REAL_LOAD(path, only)


@pytest.fixture
def reader_dies_on(monkeypatch):
    """Make the reading library abort on files named chet*, in a fresh reading child."""
    global _REAL_LOAD
    from cchc_xl.files import boundary, isolate

    _REAL_LOAD = boundary._load_grids
    monkeypatch.setattr(boundary, "_load_grids", _dying_load_grids)
    isolate.reset()
    yield
    monkeypatch.undo()
    isolate.reset()


def test_a_file_that_kills_the_reader_costs_only_that_file(tmp_path, good, reader_dies_on, capsys):
    from cchc_xl.files.isolate import CRASH_REASON

    crash = tmp_path / "chet.xlsx"
    shutil.copy(good, crash)
    assert main(["validate", str(good), str(crash), str(good)]) == 2
    out = capsys.readouterr().out
    assert out.count("hợp lệ (0 lỗi") == 2 and f"✗ chet.xlsx: {CRASH_REASON}" in out
    folder = tmp_path / "nop"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    shutil.copy(crash, folder / crash.name)
    assert main(["consolidate", str(folder), "-o", str(tmp_path / "th.xlsx"), "--json", str(tmp_path / "th.json"),
                 "--quiet"]) == 1
    files = {f["file"]: f for f in json.loads((tmp_path / "th.json").read_text(encoding="utf-8"))["files"]}
    assert files[good.name]["status"] == "accepted"
    assert files["chet.xlsx"]["status"] == "rejected" and CRASH_REASON in files["chet.xlsx"]["reason"]


def test_consolidation_workers_are_the_isolated_readers(tmp_path, good, reader_dies_on, monkeypatch):
    """With two reading processes, each is itself the isolated reader: no second child per file
    (a nested child would fail here), and a file that kills its reader costs only that file."""
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("needs the fork start method to hand the crash to the workers")
    from cchc_xl.consolidate import consolidate
    from cchc_xl.files import isolate

    def no_nested_child(*a, **kw):
        raise RuntimeError("a reading worker forked a second reading child")

    folder = tmp_path / "nop"
    folder.mkdir()
    for i in range(6):
        shutil.copy(good, folder / f"ban_{i}.xlsx")
    shutil.copy(good, folder / "chet.xlsx")
    monkeypatch.setattr(isolate, "_Worker", no_nested_child)
    c = consolidate(folder, jobs=2)
    files = {f.file: f for f in c.files}
    assert files["chet.xlsx"].status == "rejected" and isolate.CRASH_REASON in files["chet.xlsx"].reason
    others = [f for name, f in files.items() if name != "chet.xlsx"]
    assert len(others) == 6 and {f.status for f in others} <= {"accepted", "duplicate"}
    assert sum(f.status == "accepted" for f in others) == 1  # six copies of one agency: one counted
    assert not [f for f in others if f.reason and "lường trước" in f.reason]
