"""Rough edges of the department's server found by a real walk (issue 24): ids beyond SQLite's
range, macros, a past deadline, Vietnam time, strict API fields, content types, 413 on the
buttons, the user's own file names. Driven over HTTP against a real ``cchc-xl serve``."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import httpx
import pytest

pytest.importorskip("fastapi")

from serverproc import ADMIN_PASSWORD, ROOT, ServerProcess, open_round, upload  # noqa: E402

from cchc_xl.workbook.template import write_template  # noqa: E402

VN = dt.timezone(dt.timedelta(hours=7))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server on a machine whose clock zone is UTC (as a VPS often is)."""
    import os

    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    try:
        srv = ServerProcess(tmp_path_factory.mktemp("may_chu") / "du_lieu").start()
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("bai")
    doc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    stc = write_template(d / "So_Tai_chinh.xlsx", report=doc)
    xlsm = d / "So_Tai_chinh_co_macro.xlsm"
    shutil.copyfile(ROOT / "workbook_templates" / "bao_cao_cchc_so_ban_nganh.xlsm", xlsm)
    disguised = d / "Khong_co_gi.xlsx"  # an .xlsm under an .xlsx name: its content decides
    shutil.copyfile(xlsm, disguised)
    return {"stc": stc, "xlsm": xlsm, "disguised": disguised}


def _login(server) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=server.url, follow_redirects=False, timeout=120)
    form = c.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    r = c.post("/dang-nhap", data={"csrf": csrf, "user": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 303, r.text
    page = c.get("/so-noi-vu")
    return c, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _agency_csrf(server, token: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', httpx.get(f"{server.url}/nop/{token}").text).group(1)


BIG = [2 ** 63, 10 ** 30, -(2 ** 63) - 1]


def test_ids_beyond_sqlites_range_are_not_found_in_every_route(server):
    rnd = open_round(server.client())
    tok = rnd["agencies"][0]["token"]
    admin, agency = server.client(), server.client(tok)
    dept, csrf = _login(server)
    acsrf = _agency_csrf(server, tok)
    for big in BIG:
        answers = {
            "GET /api/rounds": admin.get(f"/api/rounds/{big}"),
            "GET links": admin.get(f"/api/rounds/{big}/links.xlsx"),
            "GET submission": admin.get(f"/api/submissions/{big}"),
            "GET submission (agency)": agency.get(f"/api/submissions/{big}"),
            "GET annotated": admin.get(f"/api/submissions/{big}/annotated"),
            "POST submit": agency.post(f"/api/submissions/{big}/submit"),
            "POST return": admin.post(f"/api/submissions/{big}/return", json={"comment": "sửa"}),
            "POST consolidate": admin.post(f"/api/rounds/{big}/consolidate"),
            "GET consolidation": admin.get(f"/api/rounds/{big}/consolidations/{big}/workbook"),
            "GET consolidation 2": admin.get(f"/api/rounds/{rnd['id']}/consolidations/{big}/json"),
            "page dashboard": dept.get(f"/so-noi-vu/dot/{big}"),
            "page links": dept.get(f"/so-noi-vu/dot/{big}/duong-dan.xlsx"),
            "page consolidate": dept.post(f"/so-noi-vu/dot/{big}/tong-hop", data={"csrf": csrf}),
            "page consolidation": dept.get(f"/so-noi-vu/dot/{big}/tong-hop/{big}/workbook"),
            "page submission": dept.get(f"/so-noi-vu/bai/{big}"),
            "page file": dept.get(f"/so-noi-vu/bai/{big}/tep"),
            "page return": dept.post(f"/so-noi-vu/bai/{big}/tra-lai", data={"csrf": csrf, "comment": "sửa"}),
            "page link": dept.post(f"/so-noi-vu/co-quan/{big}/cap-lai", data={"csrf": csrf}),
            "agency submission": httpx.get(f"{server.url}/nop/{tok}/bai/{big}"),
            "agency submit": httpx.post(f"{server.url}/nop/{tok}/bai/{big}/nop", data={"csrf": acsrf}),
            "agency file": httpx.get(f"{server.url}/nop/{tok}/bai/{big}/danh-dau"),
        }
        wrong = {k: r.status_code for k, r in answers.items() if r.status_code != 404}
        assert not wrong, (big, wrong)
    assert "Lỗi ngoài dự kiến" not in dept.get("/so-noi-vu/nhat-ky").text  # nothing went to the 500 handler


def test_macro_workbooks_are_flagged_to_the_department(server, books):
    rnd = open_round(server.client())
    a, b = rnd["agencies"][0], rnd["agencies"][1]
    sid = upload(server.url, a["token"], books["xlsm"], submit=False).json()["submission"]
    hid = upload(server.url, a["token"], books["disguised"], submit=False).json()["submission"]
    plain = upload(server.url, b["token"], books["stc"], submit=False).json()["submission"]
    admin = server.client()
    assert admin.get(f"/api/submissions/{sid}").json()["macros"] is True
    assert admin.get(f"/api/submissions/{hid}").json()["macros"] is True  # named .xlsx, carries macros
    assert admin.get(f"/api/submissions/{plain}").json()["macros"] is False
    dept, _ = _login(server)
    warning = "Tệp có macro — chỉ mở khi tin cậy"
    assert warning in dept.get(f"/so-noi-vu/bai/{sid}").text
    assert warning not in dept.get(f"/so-noi-vu/bai/{plain}").text
    rows = dept.get(f"/so-noi-vu/dot/{rnd['id']}").text
    row_a = rows[rows.index(f'id="co-quan-{_aid(server, rnd["id"], a["code"])}"'):]
    assert warning in row_a[:row_a.index("</tr>")]
    got = dept.get(f"/so-noi-vu/bai/{sid}/tep")
    assert got.status_code == 200 and got.headers["content-type"] == XLSM
    assert "attachment" in got.headers["content-disposition"]
    # the other agency cannot reach the macro workbook, its record or its annotated copy
    for path in (f"/api/submissions/{sid}", f"/api/submissions/{sid}/annotated"):
        assert server.client(b["token"]).get(path).status_code == 403
    assert httpx.get(f"{server.url}/nop/{b['token']}/bai/{sid}/tep").status_code == 403


def _aid(server, rid: int, code: str) -> int:
    import sqlite3

    db = sqlite3.connect(server.data_dir / "cchc-xl.sqlite3")
    try:
        return db.execute("SELECT id FROM agencies WHERE round_id=? AND code=?", (rid, code)).fetchone()[0]
    finally:
        db.close()


def test_a_past_deadline_is_accepted_with_a_warning(server):
    past = open_round(server.client(), deadline="2020-01-15")
    assert len(past["warnings"]) == 1 and "Hạn nộp 15/01/2020 đã qua" in past["warnings"][0]
    assert open_round(server.client())["warnings"] == []
    dept, _ = _login(server)
    assert "Hạn nộp 15/01/2020 đã qua" in dept.get(f"/so-noi-vu/dot/{past['id']}").text


@pytest.mark.parametrize("change, words", [
    ({"year": 2024.7}, "Năm báo cáo phải là số nguyên"),
    ({"year": True}, "Năm báo cáo phải là số nguyên"),
    ({"period": ["6_thang"]}, "kỳ báo cáo"),
    ({"deadline": [2024, 6, 20]}, "hạn nộp"),
    ({"allow_errors": "false"}, "“allow_errors” phải là true hoặc false"),
    ({"registry": [{"ten": "Sở Tài chính", "ma": ["STC"], "cap": "so"}]}, "mã (“ma”) phải là chữ"),
    ({"registry": [{"ten": "S" * 100_000, "cap": "so"}]}, "quá giới hạn 300 ký tự"),
    ({"registry": [{"ten": {"a": 1}}]}, "tên (“ten”) phải là chữ"),
    ({"registry": [{"ten": "Sở Tài chính", "cap": ["so"]}]}, "cấp (“cap”) phải là chữ"),
    ({"registry": [{"ten": "Sở Tài chính", "email": 5}]}, "“email” phải là chữ"),
])
def test_the_api_refuses_wrong_types_and_lengths_with_a_reason(server, change, words):
    body = {"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
            "registry": [{"ten": "Sở Tài chính", "ma": "STC", "cap": "so"}], "allow_errors": False, **change}
    before = len(server.client().get("/api/rounds").json())
    r = server.client().post("/api/rounds", json=body)
    assert r.status_code == 400, r.text
    assert words.casefold() in r.json()["error"].casefold()  # messages are sentences: "Kỳ báo cáo …"
    assert len(server.client().get("/api/rounds").json()) == before  # nothing opened


def test_the_api_takes_a_numeric_code_and_a_return_comment_only_as_text(server, books):
    r = server.client().post("/api/rounds", json={"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
                                                  "registry": [{"ten": "Sở Tài chính", "ma": 7, "cap": "so"}]})
    assert r.status_code == 201 and r.json()["agencies"][0]["code"] == "7"
    a = open_round(server.client())["agencies"][0]
    sid = upload(server.url, a["token"], books["stc"]).json()["submission"]
    bad = server.client().post(f"/api/submissions/{sid}/return", json={"comment": ["sửa"]})
    assert bad.status_code == 400 and "phải là chữ" in bad.json()["error"]


def test_an_overlong_chunked_body_to_a_button_gets_413(server):
    tok = open_round(server.client())["agencies"][0]["token"]

    def chunks():
        for _ in range(12):
            yield b" " * (1024 * 1024)  # 12 MB, no declared length: over the 10 MB of a button's payload

    r = httpx.post(f"{server.url}/xlwings/kiem-tra", content=chunks(), timeout=120,
                   headers={"authorization": f"Bearer {tok}", "content-type": "application/json"})
    assert r.status_code == 413 and "quá lớn" in r.json()["error"]


def test_a_bad_registry_is_named_as_the_user_named_it(server):
    dept, csrf = _login(server)
    r = dept.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "6_thang", "deadline": "2099-12-31"},
                  files={"registry": ("Danh sách cơ quan tỉnh.csv", "khong_co_cot_ten,x\n1,2\n".encode())})
    assert r.status_code == 400
    assert "Danh sách cơ quan tỉnh.csv" in r.text and "danh_sach.csv" not in r.text


def test_downloads_carry_their_content_type_and_documents_vietnam_time(server, books):
    """The links list, a stored upload, the consolidation's workbook, JSON and Word draft each go out
    with their own content type; the consolidation (run by the server whose machine keeps UTC)
    is dated in Vietnam time."""
    rnd = open_round(server.client())
    a = next(x for x in rnd["agencies"] if x["code"] == "STC")
    sid = upload(server.url, a["token"], books["stc"]).json()["submission"]
    admin = server.client()
    assert admin.get(f"/api/rounds/{rnd['id']}/links.xlsx").headers["content-type"] == XLSX
    dept, _ = _login(server)
    assert dept.get(f"/so-noi-vu/bai/{sid}/tep").headers["content-type"] == XLSX
    r = admin.post(f"/api/rounds/{rnd['id']}/consolidate")
    assert r.status_code == 200, r.text
    started = dt.datetime.now(VN)
    downloads = r.json()["downloads"]
    types = {"workbook": XLSX, "json": "application/json", "report": DOCX}
    for kind, url in downloads.items():
        got = admin.get(url)
        assert got.status_code == 200 and got.headers["content-type"].split(";")[0] == types[kind], kind
        if kind == "workbook":
            import io

            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(got.content), read_only=True)
            text = " ".join(str(c) for ws in wb.worksheets[:2] for row in ws.iter_rows(max_row=6, values_only=True)
                            for c in row if c)
            m = re.search(r"Tổng hợp lúc (\d{2}):(\d{2}) ngày (\d{2})/(\d{2})/(\d{4})", text)
            assert m, text[:300]
            made = dt.datetime(int(m[5]), int(m[4]), int(m[3]), int(m[1]), int(m[2]), tzinfo=VN)
            assert abs((made - started).total_seconds()) < 15 * 60, (made, started)
        if kind == "report":
            import io

            import docx

            from cchc_xl.appendix.report_draft import report_date

            doc = docx.Document(io.BytesIO(got.content))
            text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows
                                                                    for c in row.cells])
            # the draft's own date is today in Vietnam (not the server's UTC day) when it can date a
            # report on the round's period; else the day is left to fill and the year is the period's
            expected = report_date({"year": 2024, "kind": "6_thang"}, today=started.date())
            m = re.search(r"ngày (\S+) tháng (\S+) năm (\S+)", text)
            assert m, text[:300]
            if expected:
                assert m.groups() == (str(expected.day), str(expected.month), str(expected.year))
            else:
                assert m[1].strip(".…") == "" and m[3] == "2024", m.groups()


def test_a_button_payload_over_the_cell_budget_is_refused_with_its_reason(server):
    """The Excel buttons check within the same cell budget as uploads (schemas/limits.json)."""
    from cchc_xl import spec

    if not __import__("os").environ.get("XLWINGS_LICENSE_KEY"):
        pytest.skip("the buttons need XLWINGS_LICENSE_KEY in the server's environment")
    tok = open_round(server.client())["agencies"][0]["token"]
    rows = spec.limits()["check"]["max_cells"] // 60 + 10
    payload = {"version": "0.30.0", "book": {"name": "Bao_cao.xlsx", "active_sheet_index": 0, "selection": "A1"},
               "names": [], "sheets": [{"name": "Thống kê", "values": [[7] * 60 for _ in range(rows)]}]}
    r = httpx.post(f"{server.url}/xlwings/kiem-tra", json=payload, timeout=120,
                   headers={"authorization": f"Bearer {tok}"})
    assert r.status_code == 422, r.text
    assert "vượt giới hạn" in r.json()["error"] and "“Thống kê”" in r.json()["error"]
