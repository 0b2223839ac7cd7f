"""The VBA side: macros/ source, the VBA project built from it on Linux, and the shipped
macro workbooks as oletools' olevba and LibreOffice read them."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, soffice_path

from cchc_xl import excel
from cchc_xl.workbook import macros as macro_workbooks
from cchc_xl.workbook.vba import cfb
from cchc_xl.workbook.vba.compression import compress, decompress
from cchc_xl.workbook.vba.project import (
    Module,
    VbaError,
    build_vba_project,
    class_module,
    crlf,
    decrypt,
    encrypt,
    read_vba_modules,
    standard_module,
)
from cchc_xl.workbook.vba.text import MESSAGES, decode_module, decode_vba_string, generate_module, vba_string

MACROS = ROOT / "macros"
TEMPLATES = ROOT / "workbook_templates"
SHIPPED = {
    "bao_cao_cchc_so_ban_nganh.xlsm": macro_workbooks.AGENCY_MODULES,
    "bao_cao_cchc_ubnd_cap_huyen.xlsm": macro_workbooks.AGENCY_MODULES,
    "bao_cao_cchc_ubnd_cap_xa.xlsm": macro_workbooks.AGENCY_MODULES,
    "so_tong_hop_cchc.xlsm": macro_workbooks.CONSOLIDATION_MODULES,
    "cchc-xl.xlam": macro_workbooks.ADDIN_MODULES,
}
# a Python command, whether RunPython gets it directly or ChayNut passes it on
PYTHON_COMMAND = re.compile(r'"(import cchc_xl[^"]*)"')
SERVER_CALL = re.compile(r'\bChayNut\s+[^,]+,\s*"([^"]*)"')


def bas_files() -> list[Path]:
    return sorted(MACROS.glob("*.bas"))


# ---- macros/ source ------------------------------------------------------------------------

def test_every_runpython_call_names_a_function_of_cchc_xl_excel():
    calls = []
    for path in bas_files():
        for cmd in PYTHON_COMMAND.findall(path.read_text(encoding="ascii")):
            m = re.fullmatch(r"import cchc_xl\.excel; cchc_xl\.excel\.(\w+)\(\)", cmd)
            assert m, f"{path.name}: {cmd}"
            assert callable(getattr(excel, m.group(1), None)), f"{path.name}: cchc_xl.excel.{m.group(1)} missing"
            calls.append(m.group(1))
    assert set(calls) == {"kiem_tra", "dien_phu_luc", "tong_hop"}


def test_bas_files_are_ascii_and_named_after_their_module():
    for path in bas_files():
        raw = path.read_bytes()
        assert all(b < 128 for b in raw), f"{path.name}: VBA source must stay ASCII (use ChrW)"
        assert standard_module(raw.decode("ascii")).name == path.stem


def test_every_vietnamese_text_function_used_exists():
    defined = set(decode_module(crlf((MACROS / "CCHC_VanBan.bas").read_text(encoding="ascii"))))
    for path in bas_files():
        for name in re.findall(r"\bT_\w+", path.read_text(encoding="ascii")):
            assert name in defined, f"{path.name}: {name}"


def test_generated_text_module_is_up_to_date_and_says_the_messages():
    text = (MACROS / "CCHC_VanBan.bas").read_text(encoding="ascii")
    assert text == generate_module().replace("\r\n", "\n"), "run: python -m cchc_xl.build_templates"
    decoded = decode_module(crlf(text))
    assert decoded == {f"T_{k}": unicodedata.normalize("NFC", v) for k, v in MESSAGES.items()}
    assert max(len(line) for line in text.splitlines()) < 1023  # VBA's line length limit


@pytest.mark.parametrize("text", ["", "Kiểm tra", 'Nói "có" & làm', "Dòng 1\nDòng 2", "Ơ ư đ Đ ạ ỹ 100%",
                                  "e\u0301"])  # NFD input comes out NFC
def test_vba_string_round_trip(text):
    expr = vba_string(text)
    assert all(ord(c) < 128 for c in expr)
    assert decode_vba_string(expr) == unicodedata.normalize("NFC", text)


def test_every_button_macro_and_ribbon_callback_exists():
    subs = {}
    for path in bas_files():
        for name, args in re.findall(r"^Public Sub (\w+)\(([^)]*)\)", path.read_text(encoding="ascii"), re.M):
            subs[name] = args
    for name in ("KiemTra", "DienPhuLuc", "NopBaoCao", "CaiDatMayChu", "TongHop"):
        assert subs[name] == "", name
    import xml.etree.ElementTree as ET

    ui = ET.parse(MACROS / "customUI14.xml").getroot()
    assert ui.tag == "{http://schemas.microsoft.com/office/2009/07/customui}customUI"
    buttons = [b for b in ui.iter() if b.tag.endswith("}button")]
    assert [b.get("label") for b in buttons] == ["Kiểm tra", "Điền phụ lục", "Nộp báo cáo", "Cài đặt máy chủ",
                                                 "Tổng hợp"]
    for b in buttons:
        assert subs[b.get("onAction")] == "control As IRibbonControl"


def test_every_server_call_names_an_endpoint_of_the_server(tmp_path):
    """Each ChayNut in macros/ names the endpoint its button posts to; the one RunRemotePython
    call builds the address as <server>/xlwings/<endpoint>. Every such address is a route of the
    real server: without a token it answers 401 (an unknown one would answer 404)."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from cchc_xl.server.app import Config, create_app

    sources = {p.name: p.read_text(encoding="ascii") for p in bas_files()}
    remote = re.findall(r"^\s*RunRemotePython\s+(.+)$", "\n".join(sources.values()), re.M)
    assert remote == ['diaChi & "/xlwings/" & diemCuoi, auth:="Bearer " & MaCoQuan(), timeout:=THOI_GIAN_CHO']
    endpoints = {ep for text in sources.values() for ep in SERVER_CALL.findall(text)}
    assert endpoints == {"kiem-tra", "dien-phu-luc", "nop-bao-cao"}
    # the agency buttons and the ribbon both go through ChayNut for the two checks
    for name in ("CCHC.bas", "CCHC_Ribbon.bas"):
        assert set(SERVER_CALL.findall(sources[name])) == {"kiem-tra", "dien-phu-luc"}, name
    with TestClient(create_app(Config(data_dir=tmp_path / "du_lieu"))) as client:
        for ep in sorted(endpoints):
            r = client.post(f"/xlwings/{ep}", json={"sheets": []})
            assert r.status_code == 401, (ep, r.status_code, r.text)
            assert "Đường dẫn nộp bài không hợp lệ" in r.json()["error"]
        assert client.post("/xlwings/khong-co-nut-nay", json={"sheets": []}).status_code == 404


def test_remote_client_is_packaged_with_its_edits_wherever_buttons_may_use_the_server():
    from cchc_xl.workbook.vba.project import read_vba_modules

    remote = {"Remote", "WebHelpers", "WebClient", "WebRequest", "WebResponse", "IWebAuthenticator"}
    for name, files in SHIPPED.items():
        with zipfile.ZipFile(shipped(name)) as zf:
            modules = read_vba_modules(zf.read("xl/vbaProject.bin"))
        if macro_workbooks.SERVER_MODULE not in files:
            assert not remote & set(modules), name  # the consolidation workbook runs Python locally only
            continue
        assert remote <= set(modules), name
        text = modules["Remote"]
        assert "Function RunRemotePython(" in text
        assert text.count("ThongBao(myPrompt, myTitle, myStyle)") == 1
        assert text.count("LoiTuMayChu myResponse") == 1 and 'MsgBox myResponse.Content' not in text
        assert 'Application.Run "\'" & Replace(ThisWorkbook.Name' in text
        assert "Application.Run action(\"func\")" not in text
        ours = "\n".join(modules[m] for m in ("CCHC_MayChu", "CCHC_Chung"))
        assert re.search(r"^Public Sub LoiTuMayChu\(", ours, re.M)
        assert re.search(r"^Public Function ThongBao\(", ours, re.M)
        # the classes keep their VB_Exposed/Creatable attributes as xlwings ships them
        assert modules["WebClient"].startswith('Attribute VB_Name = "WebClient"')


def test_a_remote_module_from_another_xlwings_is_refused_rather_than_shipped_unedited(tmp_path, monkeypatch):
    addin = tmp_path / "xlwings" / "addin"
    shutil.copytree(macro_workbooks._xlwings_dir() / "addin", addin)
    text = (addin / "Remote.bas").read_text(encoding="cp1252")
    (addin / "Remote.bas").write_text(text.replace("Buttons:=myStyle)", "Buttons:=myStyle2)"), encoding="cp1252")
    monkeypatch.setattr(macro_workbooks, "_xlwings_dir", lambda: tmp_path / "xlwings")
    with pytest.raises(macro_workbooks.BuildError, match="phiên bản xlwings"):
        macro_workbooks.remote_modules()


def test_sources_that_need_a_checked_python_check_it_first():
    callers = []
    for path in bas_files():
        text = path.read_text(encoding="ascii")
        code = re.sub(r"^\s*'.*$", "", text, flags=re.M)  # whole-line comments do not run
        for sub in re.findall(r"^Public Sub \w+\(.*?^End Sub", code, re.M | re.S):
            if re.search(r"^\s*RunPython\b", sub, re.M):
                assert sub.index("SanSang(") < re.search(r"^\s*RunPython\b", sub, re.M).start(), path.name
                assert "On Error GoTo" in sub, path.name
                callers.append(path.name)
    assert callers == ["CCHC_Chung.bas"]  # one place runs local Python (ChayPython); every button goes through it


# ---- the VBA project builder ---------------------------------------------------------------

def test_compression_round_trip_against_oletools():
    from oletools.olevba import decompress_stream

    xl = (macro_workbooks._xlwings_dir() / "xlwings.bas").read_bytes()
    samples = [b"", b"a", b"#aaabcdefaaaaghijaaaabcdefaaaaghijaaaa", b"abc" * 5000, xl, bytes(range(256)) * 20]
    for data in samples:
        packed = compress(data)
        assert bytes(decompress_stream(bytearray(packed))) == data
        assert decompress(packed) == data
    assert len(compress(xl)) < len(xl) / 2


def test_encryption_matches_what_office_writes():
    """CMG/DPB/GC of the xlwings quickstart workbook (written by Office) decrypt as expected,
    and ours decrypt to the same values."""
    with zipfile.ZipFile(macro_workbooks._xlwings_dir() / "quickstart_standalone.xlsm") as zf:
        vba = zf.read("xl/vbaProject.bin")
    import olefile

    project = olefile.OleFileIO(io.BytesIO(vba)).openstream("PROJECT").read().decode("latin-1")
    props = dict(re.findall(r'^(\w+)="([^"]*)"', project, re.M))
    assert decrypt(props["CMG"]) == b"\x00\x00\x00\x00"
    assert decrypt(props["DPB"]) == b"\x00"
    assert decrypt(props["GC"]) == b"\xff"
    raw = bytes.fromhex(props["CMG"])
    assert raw[0] ^ raw[2] == sum(props["ID"].encode()) & 0xFF  # the project key
    for seed in range(256):
        assert decrypt(encrypt(b"\x00\x00\x00\x00", props["ID"], seed)) == b"\x00\x00\x00\x00"


def _directory(data: bytes) -> list[dict]:
    """Directory entries of a compound file, parsed independently of the writer."""
    dir_start = struct.unpack_from("<I", data, 48)[0]
    fat_sectors = struct.unpack_from("<109I", data, 76)
    fat = []
    for s in fat_sectors:
        if s == 0xFFFFFFFF:
            break
        fat += struct.unpack_from("<128I", data, 512 + s * 512)
    entries, s = [], dir_start
    while s != 0xFFFFFFFE:
        sector = data[512 + s * 512: 1024 + s * 512]
        for k in range(4):
            e = sector[k * 128:(k + 1) * 128]
            n = struct.unpack_from("<H", e, 64)[0]
            entries.append({"name": e[:max(0, n - 2)].decode("utf-16-le"), "type": e[66], "color": e[67],
                            "left": struct.unpack_from("<I", e, 68)[0], "right": struct.unpack_from("<I", e, 72)[0],
                            "child": struct.unpack_from("<I", e, 76)[0]})
        s = fat[s]
    return entries


def test_compound_file_trees_are_valid_red_black_trees():
    import olefile

    children = [cfb.Stream(f"Module{i}", bytes([i]) * (100 + 300 * i)) for i in range(1, 23)]
    vba = cfb.Storage("VBA", children + [cfb.Stream("big", b"b" * 9000)])
    root = cfb.Storage("", [cfb.Stream("PROJECT", b"x"), vba])
    data = cfb.write(root)
    ole = olefile.OleFileIO(io.BytesIO(data))
    for ch in children:
        assert ole.openstream(f"VBA/{ch.name}").read() == ch.data
    assert ole.openstream("VBA/big").read() == b"b" * 9000
    entries = _directory(data)
    NO = 0xFFFFFFFF

    def key(i):
        return (len(entries[i]["name"]), entries[i]["name"].upper())

    def check(i, lo=None, hi=None) -> int:
        if i == NO:
            return 1
        e = entries[i]
        assert (lo is None or key(i) > lo) and (hi is None or key(i) < hi)
        if e["color"] == 0:  # red: both children black
            for c in (e["left"], e["right"]):
                assert c == NO or entries[c]["color"] == 1
        left, right = check(e["left"], lo, key(i)), check(e["right"], key(i), hi)
        assert left == right, "black height differs"
        return left + (e["color"] == 1)

    for e in entries:
        if e["type"] in (1, 5) and e["child"] != NO:
            assert entries[e["child"]]["color"] == 1
            check(e["child"])


def test_project_round_trip_and_code_page_guard():
    mods = [standard_module('Attribute VB_Name = "M1"\nSub A()\nEnd Sub\n'),
            class_module((macro_workbooks._xlwings_dir() / "addin" / "Dictionary.cls").read_text(encoding="cp1252"))]
    data = build_vba_project(mods)
    back = read_vba_modules(data)
    assert back["M1"] == 'Attribute VB_Name = "M1"\r\nSub A()\r\nEnd Sub\r\n'
    assert back["Dictionary"].startswith('Attribute VB_Name = "Dictionary"\r\nAttribute VB_Base = "0{FCFB3D2A')
    assert "VERSION 1.0 CLASS" not in back["Dictionary"]
    with pytest.raises(VbaError, match="ChrW"):
        build_vba_project([Module("M2", "standard", 'Attribute VB_Name = "M2"\r\nx = "Kiểm"\r\n')])


# ---- the shipped workbooks -----------------------------------------------------------------

def expected_modules(name: str) -> dict[str, str]:
    """Module name → source (CRLF) that the shipped file must hold, besides the document modules."""
    files = SHIPPED[name]
    out = {Path(f).stem: crlf((MACROS / f).read_text(encoding="ascii")) for f in files}
    xl = macro_workbooks.xlwings_module(addin=name.endswith(".xlam"))
    out["xlwings"] = xl.source
    out["Dictionary"] = macro_workbooks.dictionary_module().source
    if macro_workbooks.SERVER_MODULE in files:
        out.update({m.name: m.source for m in macro_workbooks.remote_modules()})
    return out


def shipped(name: str) -> Path:
    path = TEMPLATES / name
    if not path.exists():
        pytest.fail(f"{path} missing: run python -m cchc_xl.build_templates")
    return path


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_olevba_extracts_exactly_the_macros_source(name):
    from oletools.olevba import VBA_Parser

    vp = VBA_Parser(str(shipped(name)))
    try:
        assert vp.detect_vba_macros()
        found = {vba_filename.rsplit(".", 1)[0]: code for _, _, vba_filename, code in vp.extract_macros()}
        # nothing runs by itself when the file opens: every macro waits for a click
        assert not [kw for kind, kw, _ in vp.analyze_macros() if kind == "AutoExec"]
    finally:
        vp.close()
    want = expected_modules(name)
    for mod, src in want.items():
        assert found[mod].replace("\r\n", "\n") == src.replace("\r\n", "\n"), mod
    documents = {m for m in found if m not in want}
    assert "ThisWorkbook" in documents
    assert all(m == "ThisWorkbook" or re.fullmatch(r"Sheet\d+", m) for m in documents)
    # the xlwings module is the installed one, standalone (it defines RunPython)
    assert 'Public Function RunPython(PythonCommand As String)' in found["xlwings"]
    assert '#Const App = "Microsoft Excel"' in found["xlwings"]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_package_is_a_macro_workbook_with_a_module_per_sheet(name):
    with zipfile.ZipFile(shipped(name)) as zf:
        ct = zf.read("[Content_Types].xml").decode()
        wbxml = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        modules = read_vba_modules(zf.read("xl/vbaProject.bin"))
        sheets = [zf.read(n).decode() for n in sorted(zf.namelist()) if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
        vml = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml")}
        names = zf.namelist()
    main = macro_workbooks.CT_XLAM if name.endswith(".xlam") else macro_workbooks.CT_XLSM
    assert f'PartName="/xl/workbook.xml" ContentType="{main}"' in ct
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in ct
    assert 'Target="vbaProject.bin"' in rels and macro_workbooks.REL_VBA in rels
    assert 'codeName="ThisWorkbook"' in wbxml
    codenames = [re.search(r'codeName="(\w+)"', s).group(1) for s in sheets]
    assert sorted(codenames) == sorted(m for m in modules if re.fullmatch(r"Sheet\d+", m))
    for mod in ["ThisWorkbook", *codenames]:
        assert "Attribute VB_Base" in modules[mod]
    subs = set(re.findall(r"^Public Sub (\w+)\(\)", "\n".join(modules.values()), re.M))
    for text in vml.values():
        for macro in re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", text):
            assert macro in subs
    if name.endswith(".xlam"):
        assert "customUI/customUI14.xml" in names
    else:
        assert vml, "the workbook has buttons"


def test_agency_workbook_buttons_are_on_the_status_and_guide_sheets():
    from openpyxl import load_workbook

    path = shipped("bao_cao_cchc_so_ban_nganh.xlsm")
    wb = load_workbook(path)
    with zipfile.ZipFile(path) as zf:
        wbrels = zf.read("xl/_rels/workbook.xml.rels").decode()
        wbxml = zf.read("xl/workbook.xml").decode()
        found = {}
        for sheet_name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(\w+)"', wbxml):
            target = re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', wbrels)
            if target is None:
                target = re.search(rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid}"', wbrels)
            part = "xl/" + target.group(1)
            rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if rels in zf.namelist():
                vml = re.search(r'Target="\.\./drawings/([^"]+\.vml)"', zf.read(rels).decode())
                if vml:
                    text = zf.read("xl/drawings/" + vml.group(1)).decode()
                    found[sheet_name] = re.findall(r'color="#000000">([^<]+)</font>.*?\[0\]!(\w+)<', text)
    both = [("Kiểm tra", "KiemTra"), ("Điền phụ lục", "DienPhuLuc"), ("Nộp báo cáo", "NopBaoCao")]
    assert found == {"Tình trạng": both, "Hướng dẫn": both + [("Cài đặt máy chủ", "CaiDatMayChu")]}
    assert wb.sheetnames[:2] == ["Hướng dẫn", "Tình trạng"]


def test_consolidation_workbook_layout():
    from openpyxl import load_workbook

    wb = load_workbook(shipped("so_tong_hop_cchc.xlsm"))
    assert wb.sheetnames == [macro_workbooks.CONFIG_SHEET, "_meta"]
    ws = wb[macro_workbooks.CONFIG_SHEET]
    labels = [ws.cell(row=macro_workbooks.CONFIG_HEADER_ROW + i, column=1).value.replace(" (*)", "")
              for i in range(1, len(macro_workbooks.CONFIG_FIELDS) + 1)]
    assert labels == [f[1] for f in macro_workbooks.CONFIG_FIELDS]
    assert wb["_meta"]["B1"].value == macro_workbooks.CONSOLIDATION_TEMPLATE_ID
    kinds = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("6 tháng" in dv.formula1 for dv in kinds)


def test_addin_ribbon_is_the_one_in_macros():
    with zipfile.ZipFile(shipped("cchc-xl.xlam")) as zf:
        assert zf.read("customUI/customUI14.xml") == (MACROS / "customUI14.xml").read_bytes()
        rels = zf.read("_rels/.rels").decode()
    assert macro_workbooks.REL_UI14 in rels and 'Target="customUI/customUI14.xml"' in rels
    mods = expected_modules("cchc-xl.xlam")
    assert f'PROJECT_NAME As String = "{macro_workbooks.ADDIN_PROJECT_NAME}"' in mods["xlwings"]
    assert "Set wb = ActiveWorkbook" in mods["xlwings"]


def test_cli_template_macros(tmp_path, stc):
    from cchc_xl.cli import main

    src = tmp_path / "stc.json"
    src.write_text(json.dumps(stc, ensure_ascii=False), encoding="utf-8")
    assert main(["template", "-o", str(tmp_path / "stc.xlsm"), "--data", str(src), "--macros"]) == 0
    assert main(["template", "--consolidation", "--macros", "-o", str(tmp_path / "th.xlsm")]) == 0
    assert main(["template", "--consolidation", "-o", str(tmp_path / "th.xlsx")]) == 0
    with zipfile.ZipFile(tmp_path / "stc.xlsm") as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
    with zipfile.ZipFile(tmp_path / "th.xlsx") as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
    # a filled macro workbook reads and validates like the .xlsx one
    from cchc_xl.check.validate import validate_file

    assert validate_file(tmp_path / "stc.xlsm").errors == 0


def test_wrong_suffix_is_refused(tmp_path):
    with pytest.raises(macro_workbooks.BuildError, match=r"\.xlsm"):
        macro_workbooks.write_macro_template(tmp_path / "a.xlsx")
    with pytest.raises(macro_workbooks.BuildError, match=r"\.xlsm"):
        macro_workbooks.write_consolidation_workbook(tmp_path / "a.xlsx", macros=True)


# ---- LibreOffice ---------------------------------------------------------------------------

def _lo_convert(path: Path, outdir: Path, profile: Path) -> Path:
    exe = soffice_path()
    infilter = ["--infilter=Calc MS Excel 2007 VBA XML"]
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", *infilter,
                    "--convert-to", "ods", "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=180)
    out = outdir / (path.stem + ".ods")
    assert out.exists(), f"LibreOffice did not convert {path.name}"
    return out


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) không có trên máy này")
@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_libreoffice_opens_the_workbook_and_lists_the_same_modules(name, tmp_path):
    ods = _lo_convert(shipped(name), tmp_path, tmp_path / "lo-profile")
    library = "cchc_xl_addin" if name.endswith(".xlam") else "VBAProject"  # the VBA project's name
    with zipfile.ZipFile(ods) as zf:
        basic = sorted(Path(n).stem for n in zf.namelist()
                       if n.startswith(f"Basic/{library}/") and n.endswith(".xml") and "script-" not in n)
        cchc = zf.read(f"Basic/{library}/CCHC_VanBan.xml").decode("utf-8")
    with zipfile.ZipFile(shipped(name)) as zf:
        modules = sorted(read_vba_modules(zf.read("xl/vbaProject.bin")))
    assert basic == modules
    assert "T_ThieuPython" in cchc


_UNO_PROBE = r'''
import json, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(n, v):
    p = PropertyValue(); p.Name = n; p.Value = v; return p

path, profile, port, calls = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
proc = subprocess.Popen([sys.argv[5], f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
                         "--norestore", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                       (prop("Hidden", True), prop("MacroExecutionMode", 4)))
    libs = doc.BasicLibraries
    libs.loadLibrary("VBAProject")
    out = {"modules": sorted(libs.getByName("VBAProject").getElementNames()), "calls": {}}
    sp = doc.getScriptProvider()
    for key, mod, fn, args in calls:
        url = f"vnd.sun.star.script:VBAProject.{mod}.{fn}?language=Basic&location=document"
        try:
            out["calls"][key] = sp.getScript(url).invoke(tuple(args), (), ())[0]
        except Exception as exc:
            out["calls"][key] = "ERROR " + str(exc)
    doc.close(True)
    print(json.dumps(out, ensure_ascii=False))
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    proc.terminate()
    try:
        proc.wait(30)
    except Exception:
        proc.kill()
'''


def _system_python_with_uno() -> str | None:
    for exe in ("/usr/bin/python3", shutil.which("python3")):
        if exe and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
            return exe
    return None


@pytest.mark.skipif(soffice_path() is None or _system_python_with_uno() is None,
                    reason="cần LibreOffice và python3-uno")
def test_libreoffice_compiles_our_modules_and_chrw_gives_the_vietnamese_text(tmp_path, monkeypatch):
    """LibreOffice runs VBA in its compatibility mode. It cannot compile xlwings' module (Windows
    API declarations it does not support), and one module that fails stops the whole library, so
    the probe project holds our modules only (the action handlers of CCHC_ThaoTac compile with
    them, though they need Excel to run); every message function must return its text, and
    the settings button must read the server's address and the agency's token from the link the
    agency received, and refuse what is not such a link."""
    import socket

    from openpyxl import Workbook

    from cchc_xl.workbook.vba.project import document_module

    def ours(files, codenames, addin=False):
        return ([document_module("ThisWorkbook", "workbook")]
                + [document_module(n, "worksheet") for n in codenames]
                + [macro_workbooks.source_module(f) for f in files])

    monkeypatch.setattr(macro_workbooks, "project_modules", ours)
    probe = tmp_path / "probe.xlsm"
    files = ["CCHC.bas", "CCHC_MayChu.bas", "CCHC_ThaoTac.bas", "CCHC_TongHop.bas", "CCHC_Chung.bas", "CCHC_VanBan.bas"]
    macro_workbooks.package(Workbook(), probe, files)
    script = tmp_path / "probe.py"
    script.write_text(_UNO_PROBE, encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    calls = [[f"T_{k}", "CCHC_VanBan", f"T_{k}", []] for k in MESSAGES]
    # the link an agency received → the server's address and the agency's token (CCHC_MayChu)
    token = "Zq3-x_9KpLm2Nw8RtY4vBc6DfGh1JkS0"
    links = {
        f"https://cchc.sonoivu.gov.vn/nop/{token}": ("https://cchc.sonoivu.gov.vn", token),
        f"  http://10.0.0.5:8000/cchc/nop/{token}/bai/12?x=1  ": ("http://10.0.0.5:8000/cchc", token),
        f"HTTPS://may-chu/nop/{token}#ket-qua": ("HTTPS://may-chu", token),
        f"cchc.sonoivu.gov.vn/nop/{token}": ("", ""),  # no scheme
        f"https:///nop/{token}": ("", ""),  # no host
        "https://cchc.sonoivu.gov.vn/nop/ngan": ("", ""),  # too short to be a token
        f"https://cchc.sonoivu.gov.vn/nop/{token[:10]} {token[10:]}": ("", ""),  # broken in two
        "https://cchc.sonoivu.gov.vn/so-noi-vu": ("", ""),
    }
    for i, link in enumerate(links):
        calls.append([f"dia_chi_{i}", "CCHC_MayChu", "DiaChiTuDuongDan", [link]])
        calls.append([f"ma_{i}", "CCHC_MayChu", "MaTuDuongDan", [link]])
    res = subprocess.run([_system_python_with_uno(), str(script), str(probe), str(tmp_path / "lo-uno"), str(port),
                          json.dumps(calls), soffice_path()], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert {"CCHC", "CCHC_MayChu", "CCHC_TongHop", "CCHC_Chung", "CCHC_VanBan"} <= set(out["modules"])
    for i, (link, (address, tok)) in enumerate(links.items()):
        assert (out["calls"][f"dia_chi_{i}"], out["calls"][f"ma_{i}"]) == (address, tok), link
    for key, text in MESSAGES.items():
        assert out["calls"][f"T_{key}"] == unicodedata.normalize("NFC", text).replace("\n", "\r\n"), key
