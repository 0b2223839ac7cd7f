"""Personal department accounts, roles, the audit log, the submit rule and the agency's page, over
HTTP against a real ``cchc-xl serve`` (issue 24, items 2–6)."""

from __future__ import annotations

import copy
import json
import re
import sqlite3
import subprocess
import sys

import httpx
import pytest

pytest.importorskip("fastapi")

from serverproc import ADMIN_PASSWORD, ADMIN_TOKEN, ROOT, ServerProcess, open_round, registry_json, upload  # noqa: E402

from cchc_xl import spec  # noqa: E402
from cchc_xl.workbook.template import write_template  # noqa: E402

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("bai")
    stc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    faulty = copy.deepcopy(stc)
    faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2
    return {"stc": write_template(d / "So_Tai_chinh.xlsx", report=stc),
            "faulty": write_template(d / "So_Tai_chinh_ban_nhap_co_ten_rat_dai_de_thu_bang_lich_su.xlsx",
                                     report=faulty)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("may_chu_tk") / "du_lieu", ["--max-upload-mb", "2"]).start()
    yield srv
    srv.stop()


def sign_in(server, user="admin", password=ADMIN_PASSWORD) -> httpx.Client:
    c = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    csrf = CSRF.search(c.get("/dang-nhap").text).group(1)
    r = c.post("/dang-nhap", data={"csrf": csrf, "user": user, "password": password})
    assert r.status_code == 303, r.text
    return c


def csrf_of(client: httpx.Client, path: str = "/so-noi-vu/mat-khau") -> str:
    return CSRF.search(client.get(path).text).group(1)


def add_officer(admin: httpx.Client, name: str, role: str, full_name: str) -> str:
    r = admin.post("/so-noi-vu/can-bo", data={"csrf": csrf_of(admin), "name": name, "full_name": full_name,
                                               "role": role})
    assert r.status_code == 200, r.text
    return re.search(r'<code class="secret">([^<]+)</code>', r.text).group(1)


def officer(server, admin, name: str, role: str, full_name: str, password: str) -> httpx.Client:
    """A new officer who signed in with the temporary password and set their own."""
    temp = add_officer(admin, name, role, full_name)
    c = sign_in(server, name, temp)
    # the first sign-in leads to the password page; every department page waits for it
    assert c.get("/so-noi-vu").headers["location"] == "/so-noi-vu/mat-khau"
    assert c.get("/so-noi-vu/dot/1").headers["location"] == "/so-noi-vu/mat-khau"
    r = c.post("/so-noi-vu/mat-khau", data={"csrf": csrf_of(c), "current": temp, "new": password,
                                              "again": password})
    assert r.status_code == 200 and "Đã đổi mật khẩu" in r.text
    assert c.get("/so-noi-vu").status_code == 200
    return c


def agency_id(server, rid: int, code: str) -> int:
    db = sqlite3.connect(server.data_dir / "cchc-xl.sqlite3")
    try:
        return db.execute("SELECT id FROM agencies WHERE round_id=? AND code=?", (rid, code)).fetchone()[0]
    finally:
        db.close()


def page_upload(server, token: str, path, name: str | None = None) -> httpx.Response:
    page = httpx.get(f"{server.url}/nop/{token}")
    with open(path, "rb") as fh:
        return httpx.post(f"{server.url}/nop/{token}/tai-len", files={"file": (name or path.name, fh)},
                          data={"csrf": CSRF.search(page.text).group(1)}, timeout=120)


def test_roles_decide_what_an_officer_may_change_and_every_role_may_read(server, books):
    admin = sign_in(server)
    api = server.client()
    rnd = open_round(api)
    rid, stc = rnd["id"], next(a for a in rnd["agencies"] if a["code"] == "STC")
    sid = upload(server.url, stc["token"], books["stc"]).json()["submission"]
    aid = agency_id(server, rid, "STC")
    viewer = officer(server, admin, "nva", "chi_xem", "Nguyễn Văn An", "mat-khau-rieng-nva-1")
    follower = officer(server, admin, "ttb", "theo_doi", "Trần Thị Bình", "mat-khau-rieng-ttb-1")

    # every role reads the rounds, the dashboard, a submission, an agency and the audit log
    for c in (viewer, follower, admin):
        for path in ("/so-noi-vu", f"/so-noi-vu/dot/{rid}", f"/so-noi-vu/bai/{sid}", f"/so-noi-vu/co-quan/{aid}",
                     "/so-noi-vu/nhat-ky", f"/so-noi-vu/nhat-ky?dot={rid}", f"/so-noi-vu/bai/{sid}/tep"):
            assert c.get(path).status_code == 200, path

    # “chỉ xem” changes nothing: no return, no consolidation, no links, no round, no accounts (403 each)
    csrf = csrf_of(viewer)
    refused = [("POST", f"/so-noi-vu/bai/{sid}/tra-lai", {"comment": "Sửa lại."}),
               ("POST", f"/so-noi-vu/dot/{rid}/tong-hop", {}),
               ("POST", f"/so-noi-vu/co-quan/{aid}/cap-lai", {}), ("POST", f"/so-noi-vu/co-quan/{aid}/thu-hoi", {}),
               ("GET", f"/so-noi-vu/co-quan/{aid}/cap-lai", None), ("GET", f"/so-noi-vu/co-quan/{aid}/thu-hoi", None),
               ("GET", f"/so-noi-vu/dot/{rid}/duong-dan.xlsx", None),
               ("POST", "/so-noi-vu/dot", {"year": "2024", "period": "6_thang", "deadline": "2099-01-01"}),
               ("GET", "/so-noi-vu/can-bo", None),
               ("POST", "/so-noi-vu/can-bo", {"name": "ke_gian", "full_name": "Kẻ Gian", "role": "quan_tri"}),
               ("POST", "/so-noi-vu/can-bo/nva/vai-tro", {"role": "quan_tri"}),
               ("POST", "/so-noi-vu/can-bo/ttb/khoa", {})]
    for method, path, data in refused:
        r = viewer.request(method, path, data={**data, "csrf": csrf} if data is not None else None)
        assert r.status_code == 403 and "Chỉ xem" in r.text, (method, path, r.status_code)
    # … and is shown no button for them, nor the agency's secret link
    dash = viewer.get(f"/so-noi-vu/dot/{rid}").text
    assert "/tong-hop\"" not in dash and "duong-dan.xlsx" not in dash
    assert "/tra-lai" not in viewer.get(f"/so-noi-vu/bai/{sid}").text
    agency_page = viewer.get(f"/so-noi-vu/co-quan/{aid}").text
    assert stc["token"] not in agency_page and "/cap-lai" not in agency_page
    # nothing changed
    state = next(a for a in api.get(f"/api/rounds/{rid}").json()["agencies"] if a["code"] == "STC")
    assert state["status"] == "da_nop"
    assert httpx.get(f"{server.url}/nop/{stc['token']}").status_code == 200
    assert api.get(f"/api/rounds/{rid}").json()["id"] == rid and "ke_gian" not in admin.get("/so-noi-vu/can-bo").text

    # “theo dõi” returns, re-issues links, consolidates; but does not manage accounts
    assert follower.get("/so-noi-vu/can-bo").status_code == 403
    r = follower.post(f"/so-noi-vu/bai/{sid}/tra-lai", data={"csrf": csrf_of(follower), "comment": "Bổ sung."})
    assert r.status_code == 303
    r = follower.post(f"/so-noi-vu/co-quan/{aid}/cap-lai", data={"csrf": csrf_of(follower)})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/so-noi-vu/co-quan/{aid}?da=cap-lai")
    assert httpx.get(f"{server.url}/nop/{stc['token']}").status_code == 401  # the old link is dead

    # the audit log names each person by name, with the address, in words
    log = admin.get(f"/so-noi-vu/nhat-ky?dot={rid}").text
    assert "Trần Thị Bình (ttb)" in log and "Trả lại bài nộp" in log and "Cấp lại đường dẫn nộp bài" in log
    assert "127.0.0.1" in log


def test_the_departments_token_on_an_agencys_button_is_403_not_401(server):
    r = httpx.post(f"{server.url}/xlwings/kiem-tra", content=b"{}",
                   headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 403 and r.json()["error"].endswith(".")
    assert httpx.post(f"{server.url}/xlwings/kiem-tra", content=b"{}",
                      headers={"authorization": "Bearer sai"}).status_code == 401


def test_the_new_link_is_shown_after_a_confirmed_reissue_and_revoke_asks_first(server):
    admin = sign_in(server)
    rnd = open_round(server.client())
    aid = agency_id(server, rnd["id"], "SYT")
    old = next(a["token"] for a in rnd["agencies"] if a["code"] == "SYT")
    # the dashboard offers the agency's page, where re-issue and revoke are buttons leading to a confirmation
    dash = admin.get(f"/so-noi-vu/dot/{rnd['id']}").text
    assert f'class="button small" href="/so-noi-vu/co-quan/{aid}"' in dash
    page = admin.get(f"/so-noi-vu/co-quan/{aid}").text
    assert f'class="button" href="/so-noi-vu/co-quan/{aid}/cap-lai"' in page
    assert f'class="button danger" href="/so-noi-vu/co-quan/{aid}/thu-hoi"' in page
    confirm = admin.get(f"/so-noi-vu/co-quan/{aid}/thu-hoi")
    assert confirm.status_code == 200 and "không ai nộp được bài" in confirm.text
    assert httpx.get(f"{server.url}/nop/{old}").status_code == 200  # asking changed nothing
    r = admin.post(f"/so-noi-vu/co-quan/{aid}/cap-lai", data={"csrf": csrf_of(admin)})
    shown = admin.get(r.headers["location"]).text
    new = re.search(r"/nop/([A-Za-z0-9_-]{20,})</code>", shown).group(1)
    assert new != old and "Đã làm: Cấp lại đường dẫn nộp bài" in shown
    assert httpx.get(f"{server.url}/nop/{new}").status_code == 200
    assert httpx.get(f"{server.url}/nop/{old}").status_code == 401


def test_sessions_can_be_ended_and_a_locked_officer_cannot_sign_in(server):
    admin = sign_in(server)
    c = officer(server, admin, "lvc", "chi_xem", "Lê Văn Cường", "mat-khau-rieng-lvc-1")
    second = sign_in(server, "lvc", "mat-khau-rieng-lvc-1")
    assert "Lê Văn Cường" in admin.get("/so-noi-vu/can-bo").text
    r = admin.post("/so-noi-vu/can-bo/lvc/ket-thuc-phien", data={"csrf": csrf_of(admin)})
    assert r.status_code == 303
    for s in (c, second):
        assert s.get("/so-noi-vu").headers["location"] == "/dang-nhap"
    # a role changed by the administrator applies at once (the sessions end)
    again = sign_in(server, "lvc", "mat-khau-rieng-lvc-1")
    admin.post("/so-noi-vu/can-bo/lvc/khoa", data={"csrf": csrf_of(admin)})
    assert again.get("/so-noi-vu").headers["location"] == "/dang-nhap"
    csrf = CSRF.search(httpx.get(f"{server.url}/dang-nhap").text)
    fresh = httpx.Client(base_url=server.url, follow_redirects=False)
    token = CSRF.search(fresh.get("/dang-nhap").text).group(1)
    r = fresh.post("/dang-nhap", data={"csrf": token, "user": "lvc", "password": "mat-khau-rieng-lvc-1"})
    assert r.status_code == 403 and "đã bị khóa" in r.text and csrf
    # the last administrator cannot lock or demote themself away
    r = admin.post("/so-noi-vu/can-bo/admin/vai-tro", data={"csrf": csrf_of(admin), "role": "chi_xem"})
    assert r.status_code == 400 and "ít nhất một tài khoản quản trị" in r.text
    # an officer changes their own password; a wrong current password is refused
    own = sign_in(server)
    r = own.post("/so-noi-vu/mat-khau", data={"csrf": csrf_of(own), "current": "sai", "new": "x" * 12,
                                                "again": "x" * 12})
    assert r.status_code == 400 and "Mật khẩu hiện tại không đúng." in r.text


def test_every_new_page_needs_a_session_and_every_new_form_its_csrf_token(server, books):
    rnd = open_round(server.client())
    aid = agency_id(server, rnd["id"], "STC")
    token = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
    anon = httpx.Client(base_url=server.url, follow_redirects=False)
    pages = ["/so-noi-vu/can-bo", "/so-noi-vu/mat-khau", f"/so-noi-vu/co-quan/{aid}", f"/so-noi-vu/co-quan/{aid}/cap-lai",
             f"/so-noi-vu/co-quan/{aid}/thu-hoi", f"/so-noi-vu/nhat-ky?dot={rnd['id']}&co_quan={aid}"]
    forms = ["/so-noi-vu/can-bo", "/so-noi-vu/can-bo/admin/vai-tro", "/so-noi-vu/can-bo/admin/mat-khau-tam",
             "/so-noi-vu/can-bo/admin/khoa", "/so-noi-vu/can-bo/admin/mo-khoa", "/so-noi-vu/can-bo/admin/ket-thuc-phien",
             "/so-noi-vu/mat-khau", f"/so-noi-vu/co-quan/{aid}/cap-lai", f"/so-noi-vu/co-quan/{aid}/thu-hoi"]
    # an agency (its link as a bearer token, or no session at all) reaches no department page
    for c in (anon, httpx.Client(base_url=server.url, follow_redirects=False,
                                 headers={"authorization": f"Bearer {token}"})):
        for path in pages + ["/so-noi-vu", f"/so-noi-vu/dot/{rnd['id']}", "/so-noi-vu/nhat-ky"]:
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/dang-nhap", path
        for path in forms:
            assert c.post(path, data={"csrf": "x"}).status_code == 303, path
    admin = sign_in(server)
    for path in forms:
        for data in ({}, {"csrf": "gia-mao"}):
            r = admin.post(path, data={**data, "role": "chi_xem", "name": "abc", "full_name": "A"})
            assert r.status_code == 403 and "chống giả mạo" in r.text, path
    assert httpx.get(f"{server.url}/nop/{token}").status_code == 200  # no form went through
    assert "abc" not in admin.get("/so-noi-vu/can-bo").text


def test_audit_log_speaks_vietnamese_names_the_agency_with_its_address_and_filters(server, books):
    api = server.client()
    rnd_a, rnd_b = open_round(api), open_round(api)
    a_tok = next(a["token"] for a in rnd_a["agencies"] if a["code"] == "STC")
    b_tok = next(a["token"] for a in rnd_b["agencies"] if a["code"] == "STC")
    assert page_upload(server, a_tok, books["faulty"]).status_code == 303
    upload(server.url, b_tok, books["stc"])
    admin = sign_in(server)
    whole = admin.get("/so-noi-vu/nhat-ky").text
    body = whole[whole.index("<tbody>"):]
    for raw in ("tai_len", "dang_nhap", "mo_dot", "{\"", "&#34;submission"):
        assert raw not in body, raw
    assert "Tải lên để kiểm tra" in body and "Cơ quan Sở Tài chính" in body and "Đăng nhập" in body
    rows_a = admin.get(f"/so-noi-vu/nhat-ky?dot={rnd_a['id']}").text
    assert f"Sở Tài chính (đợt {rnd_a['id']}), lần tải lên 1" in rows_a
    assert f"(đợt {rnd_b['id']})" not in rows_a and "Tải lên và nộp" not in rows_a
    one = admin.get(f"/so-noi-vu/nhat-ky?co_quan={agency_id(server, rnd_b['id'], 'STC')}").text
    assert "Tải lên và nộp" in one and "Tải lên để kiểm tra" not in one
    line = re.search(r"<tr><td[^>]*>[^<]+</td><td[^>]*>Cơ quan Sở Tài chính</td><td[^>]*>Tải lên và nộp</td>.*?</tr>",
                     one)
    assert line and "127.0.0.1" in line.group(0)
    assert admin.get("/so-noi-vu/nhat-ky?dot=99999999999999999999").status_code in (400, 404)
    # a failed sign-in under an agency's name is shown as the name typed in, never as the agency
    c = httpx.Client(base_url=server.url, follow_redirects=False)
    csrf = CSRF.search(c.get("/dang-nhap").text).group(1)
    assert c.post("/dang-nhap", data={"csrf": csrf, "user": "cơ quan Sở Y tế", "password": "x"}).status_code == 401
    log = admin.get("/so-noi-vu/nhat-ky").text
    assert "Người gõ tên đăng nhập “cơ quan Sở Y tế”" in log and ">Cơ quan Sở Y tế<" not in log


def test_one_submit_rule_per_round_shown_where_the_agency_uploads(server, books):
    rules = {r["key"]: r for r in spec.load("server")["submit_rules"]}
    api = server.client()
    # submit when valid: the page submits a valid upload at once, as the API does
    rnd = open_round(api)
    tok = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
    page = httpx.get(f"{server.url}/nop/{tok}").text
    form = page[page.index('id="cach-nop"'):page.index("</form>")]
    assert rules["khi_hop_le"]["sentence"] in form
    r = page_upload(server, tok, books["stc"])
    shown = httpx.get(server.url + r.headers["location"]).text
    assert "Bài này đã được nộp" in shown and "Nộp bài này</button>" not in shown
    state = next(a for a in api.get(f"/api/rounds/{rnd['id']}").json()["agencies"] if a["code"] == "STC")
    assert state["status"] == "da_nop"
    # confirm first: neither the page nor the API submits on upload; the page's button does
    r = api.post("/api/rounds", json={"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
                                      "registry": registry_json(), "submit_rule": "xac_nhan"})
    rnd = r.json()
    tok = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
    assert rules["xac_nhan"]["sentence"] in httpx.get(f"{server.url}/nop/{tok}").text
    body = upload(server.url, tok, books["stc"]).json()
    assert body["submitted"] is False and body["reason"] == rules["xac_nhan"]["sentence"]
    r = page_upload(server, tok, books["stc"])
    shown = httpx.get(server.url + r.headers["location"]).text
    assert "Nộp bài này</button>" in shown and "Bài này chưa nộp." in shown
    assert next(a for a in api.get(f"/api/rounds/{rnd['id']}").json()["agencies"]
                if a["code"] == "STC")["status"] == "chua_nop"
    csrf = CSRF.search(shown).group(1)
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    assert httpx.post(f"{server.url}/nop/{tok}/bai/{sid}/nop", data={"csrf": csrf}).status_code == 303
    assert next(a for a in api.get(f"/api/rounds/{rnd['id']}").json()["agencies"]
                if a["code"] == "STC")["status"] == "da_nop"
    # an unknown rule is refused with a reason, as a sentence
    r = api.post("/api/rounds", json={"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
                                      "registry": registry_json(), "submit_rule": "tu_do"})
    assert r.status_code == 400 and r.json()["error"].startswith("Cách nộp") and r.json()["error"].endswith(".")


def test_a_returned_report_says_so_at_the_top_with_the_comment_date_and_what_to_do(server, books):
    api = server.client()
    rnd = open_round(api)
    others = next(a["token"] for a in rnd["agencies"] if a["code"] == "SNV")
    tok = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
    upload(server.url, others, books["stc"])  # another agency's upload first: ids differ from attempts
    page_upload(server, tok, books["faulty"])
    sid = upload(server.url, tok, books["stc"]).json()["submission"]
    r = api.post(f"/api/submissions/{sid}/return", json={"comment": "Bổ sung tài liệu kiểm chứng mục 2."})
    assert r.status_code == 200
    page = httpx.get(f"{server.url}/nop/{tok}").text
    top = page[:page.index('<ol class="steps')]
    assert "Sở Nội vụ đã trả lại báo cáo của cơ quan" in top and "Bổ sung tài liệu kiểm chứng mục 2." in top
    assert re.search(r"Bài nộp lần 2 .*bị trả lại lúc\s*<strong>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</strong>", top, re.S)
    assert "Việc cần làm:" in top
    # the round's own attempt numbers, newest first
    assert re.findall(r">Lần (\d+)</a>", page) == ["2", "1"]
    # and the empty comment is refused with a sentence
    r = api.post(f"/api/submissions/{sid}/return", json={"comment": " "})
    assert r.status_code == 400 and re.match(r"^[A-ZĐ].*\.$", r.json()["error"])


def test_verdict_titles_refusal_labels_and_the_styled_413(server, books, tmp_path):
    api = server.client()
    rnd = open_round(api)
    tok = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
    wrong = next(a["token"] for a in rnd["agencies"] if a["code"] == "SNV")
    r = page_upload(server, tok, books["faulty"])
    shown = httpx.get(server.url + r.headers["location"]).text
    verdict = shown[shown.index('class="verdict"'):]
    assert spec.load("issues")["out_of_range"]["label"] in verdict and ">out_of_range<" not in verdict
    # Sở Tài chính's workbook through Sở Nội vụ's link: labelled by its refusal, no “Có lỗi”, no green box
    r = page_upload(server, wrong, books["stc"])
    shown = httpx.get(server.url + r.headers["location"]).text
    assert "Sai cơ quan" in shown and "Hợp lệ" not in shown
    admin = sign_in(server)
    row = re.search(r'<tr id="co-quan-\d+" class="st-co_loi">\s*<td[^>]*>\d+</td>\s*<td[^>]*><a[^>]*>Sở Nội vụ</a>.*?</tr>',
                    admin.get(f"/so-noi-vu/dot/{rnd['id']}").text, re.S).group(0)
    assert "Sai cơ quan" in row and "Có lỗi" not in row
    # the page's 413 is the site's own page, styled
    big = tmp_path / "qua_lon.xlsx"
    big.write_bytes(b"PK" + b"\0" * (3 * 1024 * 1024))
    r = page_upload(server, tok, big)
    assert r.status_code == 413 and '<link rel="stylesheet" href="/static/style.css">' in r.text
    assert "Tệp quá lớn" in r.text


def test_only_failed_sign_ins_count_and_429_says_when_to_retry(tmp_path):
    srv = ServerProcess(tmp_path / "du_lieu").start()
    try:
        for _ in range(12):  # more successful sign-ins than the limit of failures
            sign_in(srv)
        c = httpx.Client(base_url=srv.url, follow_redirects=False)
        csrf = CSRF.search(c.get("/dang-nhap").text).group(1)
        codes = [c.post("/dang-nhap", data={"csrf": csrf, "user": "admin", "password": "sai"}).status_code
                 for _ in range(10)]
        assert codes == [401] * 10
        r = c.post("/dang-nhap", data={"csrf": csrf, "user": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 300
    finally:
        srv.stop()


def test_reset_password_still_gives_the_admin_account_back(tmp_path):
    srv = ServerProcess(tmp_path / "du_lieu").start()
    try:
        admin = sign_in(srv)
        add_officer(admin, "nva", "quan_tri", "Nguyễn Văn An")
        admin.post("/so-noi-vu/can-bo/admin/vai-tro", data={"csrf": csrf_of(admin), "role": "chi_xem"})
        out = subprocess.run([sys.executable, "-m", "cchc_xl", "serve", "--data", str(srv.data_dir),
                              "--reset-password"], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                             env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
        password = re.search(r"tài khoản admin: (\S+)", out.stdout).group(1)
        c = sign_in(srv, "admin", password)
        assert c.get("/so-noi-vu/can-bo").status_code == 200  # administrator again
        assert admin.get("/so-noi-vu").headers["location"] == "/dang-nhap"  # old sessions ended
    finally:
        srv.stop()


def test_a_data_folder_from_before_personal_accounts_keeps_its_admin_as_administrator(tmp_path):
    """The old single ``admin`` row gains a role (quản trị), its sessions and rounds their new columns;
    an old round submits on upload, as uploads through the API and the button always did."""
    from cchc_xl.server import accounts
    from cchc_xl.server.auth import hash_password
    from cchc_xl.server.rules import submits_on_upload
    from cchc_xl.server.storage import SCHEMA, Store

    db = sqlite3.connect(tmp_path / "cchc-xl.sqlite3")
    db.executescript(SCHEMA)  # the tables as they were: none of the columns added since
    db.execute("INSERT INTO users(name, pw_hash, created_at) VALUES('admin', ?, 'x')", (hash_password("cu-123456789"),))
    db.execute("INSERT INTO rounds(year, period, deadline, created_at) VALUES(2024, '6_thang', '2024-06-20', 'x')")
    db.commit()
    db.close()
    store = Store(tmp_path)
    try:
        admin = accounts.get(store, "admin")
        assert (admin["role"], admin["must_change"], admin["disabled"]) == ("quan_tri", 0, 0)
        assert accounts.may(admin["role"], "accounts")
        assert {"created_at", "ip"} <= {r["name"] for r in store.all("PRAGMA table_info(sessions)")}
        assert submits_on_upload(store.one("SELECT * FROM rounds"))
    finally:
        store.close()
