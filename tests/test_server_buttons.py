"""The buttons through the server (issue 17): payloads built as xlwings' VBA client builds them,
posted over HTTP to the real server; its actions are the local button's actions."""

from __future__ import annotations

import copy
import json
import os

import httpx
import pytest

pytest.importorskip("fastapi")
xw = pytest.importorskip("xlwings")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from serverproc import ROOT, ServerProcess, open_round  # noqa: E402
from xlwings_vba import vba_body, vba_payload  # noqa: E402

from cchc_xl import excel  # noqa: E402
from cchc_xl.check.validate import validate_file  # noqa: E402
from cchc_xl.server.buttons import ENDPOINTS  # noqa: E402
from cchc_xl.workbook.template import write_template  # noqa: E402


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("nut")
    stc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    faulty = copy.deepcopy(stc)
    faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2
    books = {"clean": write_template(d / "So_Tai_chinh.xlsx", report=stc),
             "faulty": write_template(d / "So_Tai_chinh_loi.xlsx", report=faulty)}
    # a formula that went wrong: the client sends the error value as its text, "#DIV/0!"
    from openpyxl import load_workbook

    wb = load_workbook(books["clean"])
    wb["Thống kê"]["D8"].value = "#DIV/0!"  # openpyxl stores it as an error value (t="e")
    assert wb["Thống kê"]["D8"].data_type == "e"
    books["error_value"] = d / "So_Tai_chinh_loi_cong_thuc.xlsx"
    wb.save(books["error_value"])
    srv = ServerProcess(d / "du_lieu").start()
    rnd = open_round(srv.client())
    yield srv, rnd, books
    srv.stop()


def _post(srv, endpoint: str, token: str | None, payload) -> httpx.Response:
    """As the buttons post (CCHC_MayChu.ChayNut → RunRemotePython): <server>/xlwings/<endpoint>,
    ``auth:="Bearer " & token``, the body in the VBA client's JSON."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.post(f"{srv.url}/xlwings/{endpoint}", content=vba_body(payload), headers=headers, timeout=120)


def _local(payload: dict, fn) -> list[dict]:
    """The local button's actions, run as the server runs them: in Vietnam time (the status
    sheet's "Kiểm tra lúc …"), whatever this machine's zone."""
    import time

    from cchc_xl.server import VIETNAM_TZ

    before = os.environ.get("TZ")
    os.environ["TZ"] = VIETNAM_TZ
    time.tzset()
    try:
        book = xw.Book(json=copy.deepcopy(payload))
        fn(book)
        return book.json()["actions"]
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def _token(rnd, code: str) -> str:
    return next(a["token"] for a in rnd["agencies"] if a["code"] == code)


@pytest.mark.parametrize("which", ["clean", "faulty", "error_value"])
def test_kiem_tra_on_the_server_gives_the_local_buttons_actions(setup, which):
    srv, rnd, books = setup
    payload = vba_payload(books[which])
    r = _post(srv, "kiem-tra", _token(rnd, "STC"), payload)
    assert r.status_code == 200, r.text
    actions = r.json()["actions"]
    assert actions == _local(payload, excel.validate_book)
    assert any(a["func"] == "addSheet" and a["args"][1] == "Kết quả kiểm tra" for a in actions)
    # the cells the command line reports as errors are the ones coloured
    errors = [i for i in validate_file(books[which]).issues if i.severity == "error" and i.cell]
    coloured = {(payload["sheets"][a["sheet_position"]]["name"], a["start_row"], a["start_column"])
                for a in actions if a["func"] == "setRangeColor"}
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    for i in errors:
        col, row = coordinate_from_string(i.cell)
        assert (i.sheet, row - 1, column_index_from_string(col) - 1) in coloured
    assert bool(errors) == (which != "clean")
    if which == "error_value":
        assert "#DIV/0!" in json.dumps(payload["sheets"][[s["name"] for s in payload["sheets"]].index("Thống kê")])
        assert ("Thống kê", 7, 3) in coloured  # D8


def test_dien_phu_luc_on_the_server_gives_the_local_buttons_actions(setup):
    srv, rnd, books = setup
    payload = vba_payload(books["clean"])
    r = _post(srv, "dien-phu-luc", _token(rnd, "STC"), payload)
    assert r.status_code == 200, r.text
    assert r.json()["actions"] == _local(payload, excel.fill_appendix_book)


def test_nop_bao_cao_records_a_submission_the_dashboard_shows(setup):
    srv, rnd, books = setup
    token = _token(rnd, "STC")
    r = _post(srv, "nop-bao-cao", token, vba_payload(books["faulty"]))
    assert r.status_code == 200 and r.json()["submitted"] is False
    alert = next(a for a in r.json()["actions"] if a["func"] == "alert")
    assert "Chưa nộp được" in alert["args"][0]
    r = _post(srv, "nop-bao-cao", token, vba_payload(books["clean"]))
    assert r.status_code == 200 and r.json()["submitted"] is True
    assert "Đã nộp báo cáo của Sở Tài chính" in next(a for a in r.json()["actions"] if a["func"] == "alert")["args"][0]
    state = next(a for a in srv.client().get(f"/api/rounds/{rnd['id']}").json()["agencies"] if a["code"] == "STC")
    assert state["status"] == "da_nop" and state["submission"] == r.json()["submission"]
    # the stored workbook reads back as the same report
    info = srv.client().get(f"/api/submissions/{r.json()['submission']}").json()
    assert info["validation"]["errors"] == 0 and info["validation"]["agency"] == "Sở Tài chính"


def test_another_agencys_token_and_an_oversized_payload_are_refused(setup):
    srv, rnd, books = setup
    payload = vba_payload(books["clean"])
    for endpoint in ENDPOINTS:
        assert _post(srv, endpoint, None, payload).status_code == 401
        assert _post(srv, endpoint, "khong-phai-ma", payload).status_code == 401
    r = _post(srv, "nop-bao-cao", _token(rnd, "SYT"), payload)  # Sở Y tế's link, Sở Tài chính's workbook
    assert r.status_code == 200 and r.json()["submitted"] is False
    assert "dành cho Sở Y tế" in next(a for a in r.json()["actions"] if a["func"] == "alert")["args"][0]
    big = copy.deepcopy(payload)
    big["sheets"][0]["values"].append(["x" * 1000] * 11_000)
    r = _post(srv, "kiem-tra", _token(rnd, "STC"), big)
    assert r.status_code == 413 and r.json()["error"]


def test_the_agency_page_offers_the_add_in_that_calls_this_server(setup):
    """Staff without the project's files get the add-in from the server, as an attachment; its VBA
    carries the server mode (CCHC_MayChu with xlwings' remote client) and the CCHC ribbon."""
    import io
    import zipfile

    from cchc_xl.workbook.vba.project import read_vba_modules

    srv, rnd, books = setup
    page = httpx.get(f"{srv.url}/nop/{_token(rnd, 'STC')}", timeout=60)
    assert page.status_code == 200 and 'href="/tai/cchc-xl.xlam"' in page.text
    r = httpx.get(f"{srv.url}/tai/cchc-xl.xlam", timeout=120)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment") and "cchc-xl.xlam" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        modules = read_vba_modules(zf.read("xl/vbaProject.bin"))
        ui = zf.read("customUI/customUI14.xml").decode("utf-8")
        ctypes = zf.read("[Content_Types].xml").decode("utf-8")
    assert {"CCHC_Ribbon", "CCHC_MayChu", "Remote", "WebClient"} <= set(modules)
    assert 'onAction="Ribbon_NopBaoCao"' in ui and 'onAction="Ribbon_CaiDatMayChu"' in ui
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in ctypes
    assert httpx.get(f"{srv.url}/tai/cchc-xl.xlam", timeout=60).content == r.content  # built once, then kept


def test_every_action_the_server_sends_has_its_handler_in_the_vba_that_receives_it(setup, tmp_path):
    """xlwings' VBA client runs each action by name (Application.Run "<func>", wb, action); a name
    the project lacks stops the click in Excel with “Cannot run the macro”. Every action of every
    button — first click, and a second Kiểm tra on a copy that already has the results sheet —
    must be a Sub(wb As Workbook, action As Dictionary) in the add-in and in the agency workbooks."""
    import re
    import zipfile

    from cchc_xl.cli import main as cli
    from cchc_xl.workbook.vba.project import read_vba_modules

    srv, rnd, books = setup
    token = _token(rnd, "STC")
    again = tmp_path / "So_Tai_chinh_da_kiem_tra.xlsx"
    assert cli(["validate", str(books["faulty"]), "--annotate", str(again)]) == 1  # 1: errors found
    assert again.exists()
    funcs = set()
    for endpoint, book in [("kiem-tra", b) for b in (*books.values(), again)] + [
            ("dien-phu-luc", books["clean"]), ("dien-phu-luc", again), ("nop-bao-cao", books["faulty"])]:
        r = _post(srv, endpoint, token, vba_payload(book))
        assert r.status_code == 200, r.text
        funcs |= {a["func"] for a in r.json()["actions"]}
    assert {"setValues", "setFontProperty", "setBorderProperty", "alert"} <= funcs
    root = ROOT / "workbook_templates"
    for name in ("cchc-xl.xlam", "bao_cao_cchc_so_ban_nganh.xlsm"):
        with zipfile.ZipFile(root / name) as zf:
            code = "\n".join(read_vba_modules(zf.read("xl/vbaProject.bin")).values())
        handlers = set(re.findall(r"^(?:Public )?Sub (\w+)\(wb As Workbook, action As Dictionary\)", code, re.M))
        assert funcs <= handlers, (name, sorted(funcs - handlers))


def test_a_request_not_shaped_as_the_vba_client_sends_it_is_refused_before_anything_is_recorded(setup):
    srv, rnd, books = setup
    token = _token(rnd, "SNV")
    admin = srv.client()

    def submissions():
        return next(a for a in admin.get(f"/api/rounds/{rnd['id']}").json()["agencies"] if a["code"] == "SNV")

    before = submissions()
    good = vba_payload(books["clean"])
    for bad, reason in [({"sheets": [{"name": "x", "values": [[1]]}]}, "“version”"),
                        ({**good, "book": None}, "“book”"),
                        ({**good, "sheets": []}, "“sheets”"),
                        ({**good, "sheets": [{"name": "x", "values": "1"}]}, "trang thứ 1")]:
        for endpoint in ENDPOINTS:
            r = _post(srv, endpoint, token, bad)
            assert r.status_code == 400 and reason in r.json()["error"], (endpoint, r.text)
            assert "Error" not in r.json()["error"]  # no Python exception name reaches the person
    assert submissions() == before


def test_nop_bao_cao_with_odd_cells_gets_a_reason_never_a_500(setup):
    """Values a workbook can hold but openpyxl refuses as they are (a control character, text shaped
    like a date that is none) are cleaned or kept as text; a sheet name Excel would refuse is a
    reason in Vietnamese."""
    srv, rnd, books = setup
    token = _token(rnd, "SNgV")
    payload = vba_payload(books["clean"])
    info = next(s for s in payload["sheets"] if s["name"] == "Thông tin")
    info["values"].append(["Ghi chú\x07 có ký tự điều khiển", "2024-13-45T00:00:00.000Z"])
    r = _post(srv, "nop-bao-cao", token, payload)
    assert r.status_code == 200, r.text
    assert r.json()["submission"]
    bad = vba_payload(books["clean"])
    bad["sheets"][0]["name"] = "Trang/1"
    r = _post(srv, "nop-bao-cao", token, bad)
    assert r.status_code == 400 and "Trang/1" in r.json()["error"] and "Error" not in r.json()["error"]


def test_the_rounds_submit_rule_holds_for_the_button_too(setup):
    """In a round whose rule is “confirm first”, the Nộp báo cáo button checks and records but does not
    submit, as the page and the API do; its alert says the round's rule."""
    from cchc_xl import spec

    srv, _, books = setup
    r = srv.client().post("/api/rounds", json={"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
                                               "registry": [{"ten": "Sở Tài chính", "ma": "STC", "cap": "so"}],
                                               "submit_rule": "xac_nhan"})
    assert r.status_code == 201, r.text
    token = r.json()["agencies"][0]["token"]
    r = _post(srv, "nop-bao-cao", token, vba_payload(books["clean"]))
    assert r.status_code == 200 and r.json()["submitted"] is False
    rule = next(x for x in spec.load("server")["submit_rules"] if x["key"] == "xac_nhan")
    assert rule["sentence"] in next(a for a in r.json()["actions"] if a["func"] == "alert")["args"][0]
    # the agency confirms through the API, as it would on its page: now submitted
    sid = r.json()["submission"]
    ok = httpx.post(f"{srv.url}/api/submissions/{sid}/submit", headers={"authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["submitted"] is True
