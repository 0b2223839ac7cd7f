"""The department's server, driven over HTTP as the agencies and the department use it.

A real ``cchc-xl serve`` (uvicorn) runs on a free local port; nothing is called in-process.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from serverproc import ADMIN_PASSWORD, ROOT, ServerProcess, open_round, registry_json, upload  # noqa: E402

from cchc_xl.demo import sample_report  # noqa: E402
from cchc_xl.server.submissions import download_name  # noqa: E402
from cchc_xl.workbook.template import write_template  # noqa: E402

EXAMPLES = ROOT / "examples"


def _doc(stem: str) -> dict:
    return json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


def _with_area_scores(doc: dict) -> dict:
    """The report with the scores of its deducted areas, which an agency must give (seed 000 has
    none): the maximum less the listed deductions."""
    from cchc_xl import spec

    cat = spec.catalog(doc["agency"]["level"], doc["appraisal_year"])
    given = {a["code"] for a in doc["areas"]}
    for code, area in cat.areas_by_code.items():
        lost = [d["max_score"] - d["score"] for d in doc["deductions"] if spec.area_of(d["code"]) == code
                and d.get("score") is not None and d.get("max_score") is not None]
        if lost and code not in given and area.get("max_score") is not None:
            doc["areas"].append({"code": code, "name": area["name"], "max_score": area["max_score"],
                                 "score": round(area["max_score"] - sum(lost), 3)})
    return doc


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """Workbooks as agencies would send them."""
    import random

    d = tmp_path_factory.mktemp("bai_nop")
    stc = _doc("so_tai_chinh_2024_6thang")
    faulty = copy.deepcopy(stc)
    faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2  # more than the maximum
    out = {
        "stc_faulty": write_template(d / "So_Tai_chinh_ban_loi.xlsx", report=faulty),
        "stc": write_template(d / "So_Tai_chinh.xlsx", report=stc),
        "sngv": write_template(d / "So_Ngoai_vu.xlsx", report=_with_area_scores(_doc("so_ngoai_vu_ha_tinh_2024_6thang"))),
        "huong_khe_9t_2023": write_template(d / "Huong_Khe.xlsx", report=_doc("ubnd_huyen_huong_khe_2023_9thang")),
    }
    rng = random.Random(7)
    for name, code in (("Sở Nội vụ", "SNV"), ("Sở Tư pháp", "STP")):
        out[code] = write_template(d / download_name(name, ".xlsx"), report=sample_report(name, code, "so", 2024, "6_thang",
                                                                                     rng))
    damaged = d / "Bao_cao_hong.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + bytes(random.Random(1).getrandbits(8) for _ in range(900)))
    out["damaged"] = damaged
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("may_chu") / "du_lieu", ["--max-upload-mb", "2"]).start()
    yield srv
    srv.stop()


def _validate_json(path: Path) -> dict:
    """What ``cchc-xl validate --json`` prints for the file, run where the file is."""
    proc = subprocess.run([sys.executable, "-m", "cchc_xl", "validate", path.name, "--json"], cwd=path.parent,
                          capture_output=True, text=True, encoding="utf-8",
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    return json.loads(proc.stdout)[0]


def _agency(rnd: dict, code: str) -> dict:
    return next(a for a in rnd["agencies"] if a["code"] == code)


def _state(client: httpx.Client, rid: int, code: str) -> dict:
    return next(a for a in client.get(f"/api/rounds/{rid}").json()["agencies"] if a["code"] == code)


def _cells(path) -> dict:
    import re

    from openpyxl import load_workbook

    made = re.compile(r"lúc \d{1,2}:\d{2}( ngày \d{1,2}/\d{1,2}/\d{4})?")  # when it was made differs, by design
    wb = load_workbook(path)
    cells = {ws.title: [[made.sub("…", c.value) if isinstance(c.value, str) else c.value for c in row]
                        for row in ws.iter_rows()] for ws in wb.worksheets}
    if "_meta" in cells:
        cells["_meta"] = [row for row in cells["_meta"] if row[0] != "made"]
    return cells


def test_round_from_sample_registry_to_consolidation(server, books, tmp_path):
    admin = server.client()
    rnd = open_round(admin, registry=registry_json())
    rid = rnd["id"]
    assert len(rnd["agencies"]) == len(registry_json())
    assert all(a["link"].endswith("/nop/" + a["token"]) and len(a["token"]) >= 32 for a in rnd["agencies"])
    assert len({a["token"] for a in rnd["agencies"]}) == len(rnd["agencies"])
    # the sample registry is of today: the commune XHK took over the district's record (ten_cu)
    stc, sngv, hk, syt = (_agency(rnd, c) for c in ("STC", "SNgV", "XHK", "SYT"))

    # a workbook with errors: the verdict is validate --json's, and it is not submitted
    r = upload(server.url, stc["token"], books["stc_faulty"])
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["submitted"] is False and first["validation"]["errors"] >= 1
    assert first["validation"] == _validate_json(books["stc_faulty"])
    assert "out_of_range" in {i["code"] for i in first["validation"]["issues"]}
    assert _state(admin, rid, "STC")["status"] == "co_loi"

    # its annotated copy marks the faulty cell
    ann = httpx.get(f"{server.url}/api/submissions/{first['submission']}/annotated",
                    headers={"authorization": f"Bearer {stc['token']}"})
    assert ann.status_code == 200 and ann.headers["content-disposition"].startswith("attachment")
    ann_path = tmp_path / "danh_dau.xlsx"
    ann_path.write_bytes(ann.content)
    assert "Kết quả kiểm tra" in _cells(ann_path)

    # fixed and uploaded again: submitted; the first upload is kept
    r = upload(server.url, stc["token"], books["stc"])
    fixed = r.json()
    assert fixed["submitted"] is True and fixed["validation"]["errors"] == 0
    assert fixed["submission"] != first["submission"]
    st = _state(admin, rid, "STC")
    assert st["status"] == "da_nop" and st["late"] is False and st["submission"] == fixed["submission"]
    old = httpx.get(f"{server.url}/api/submissions/{first['submission']}",
                    headers={"authorization": f"Bearer {stc['token']}"}).json()
    assert old["validation"] == first["validation"] and old["submitted"] is False

    for code in ("SNgV", "SNV", "STP"):
        r = upload(server.url, _agency(rnd, code)["token"], books[code.lower() if code == "SNgV" else code])
        assert r.json()["submitted"] is True, r.text

    # a report of another period: read, but refused for this round, with the reason
    r = upload(server.url, hk["token"], books["huong_khe_9t_2023"])
    assert r.status_code == 201
    body = r.json()
    assert body["submitted"] is False and "9 tháng đầu năm 2023" in body["refusal"]
    assert _state(admin, rid, "XHK")["status"] == "co_loi"

    # a damaged file: a reason, never a 500
    r = upload(server.url, syt["token"], books["damaged"])
    assert r.status_code == 201
    v = r.json()["validation"]
    assert r.json()["submitted"] is False and v["issues"][0]["code"] == "unreadable"
    assert "Bao_cao_hong.xlsx" in v["issues"][0]["message"]

    status = admin.get(f"/api/rounds/{rid}").json()
    assert (status["expected"], status["received"], status["on_time"]) == (len(registry_json()), 4, 4)
    assert _state(admin, rid, "SYT")["status"] == "co_loi"
    assert _state(admin, rid, "SXD")["status"] == "chua_nop"

    # one click: the consolidation of the latest submitted file of every agency
    r = admin.post(f"/api/rounds/{rid}/consolidate")
    assert r.status_code == 200, r.text
    summary = r.json()
    assert set(summary["downloads"]) >= {"workbook", "json"}
    assert sorted(f["agency"] for f in summary["files"]) == sorted(
        ["Sở Tài chính", "Sở Ngoại vụ", "Sở Nội vụ", "Sở Tư pháp"])
    assert all(f["status"] == "accepted" for f in summary["files"])
    wb_resp = admin.get(summary["downloads"]["workbook"])
    assert wb_resp.status_code == 200 and "attachment" in wb_resp.headers["content-disposition"]
    (tmp_path / "server.xlsx").write_bytes(wb_resp.content)
    served_json = admin.get(summary["downloads"]["json"]).json()
    report = admin.get(summary["downloads"]["report"])  # the province report draft
    assert report.status_code == 200 and report.content[:2] == b"PK"

    # the same files through cchc-xl consolidate give the same workbook and summary
    inbox = tmp_path / "bai_nop"
    inbox.mkdir()
    for key, name in (("stc", "Sở Tài chính"), ("sngv", "Sở Ngoại vụ"), ("SNV", "Sở Nội vụ"), ("STP", "Sở Tư pháp")):
        (inbox / download_name(name, ".xlsx")).write_bytes(books[key].read_bytes())
    reg = tmp_path / "danh_sach.csv"
    reg.write_text("ten,ma,cap\n" + "".join(f"\"{a['ten']}\",{a['ma']},{a['cap']}\n" for a in registry_json()),
                   encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cchc_xl", "consolidate", str(inbox), "-o", str(tmp_path / "cli.xlsx"),
                    "--json", str(tmp_path / "cli.json"), "--registry", str(reg), "--year", "2024",
                    "--period", "6_thang", "--quiet"], cwd=ROOT, capture_output=True,
                   env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    cli_json = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    assert served_json == cli_json
    assert {k: v for k, v in summary.items() if k not in ("downloads", "consolidation")} == cli_json
    assert _cells(tmp_path / "server.xlsx") == _cells(tmp_path / "cli.xlsx")

    # the department returns a submission with a comment; the agency sees it
    r = admin.post(f"/api/submissions/{fixed['submission']}/return", json={"comment": "Bổ sung tài liệu kiểm chứng."})
    assert r.status_code == 200
    assert _state(admin, rid, "STC")["status"] == "tra_lai"
    seen = httpx.get(f"{server.url}/api/submissions/{fixed['submission']}",
                     headers={"authorization": f"Bearer {stc['token']}"}).json()
    assert seen["comments"][0]["text"] == "Bổ sung tài liệu kiểm chứng."
    page = httpx.get(f"{server.url}/nop/{stc['token']}")
    assert "Bổ sung tài liệu kiểm chứng." in page.text and "Bị trả lại" in page.text


def test_the_real_documents_are_submitted_in_a_round_that_takes_only_valid_reports(server, tmp_path):
    """Seed 000 as written (no area scores) and seed 002 (no deduction scores, no solutions) were
    accepted by the province: a round with allow_errors false submits them and counts them."""
    admin = server.client()
    books = {"sngv": write_template(tmp_path / "So_Ngoai_vu.xlsx", report=_doc("so_ngoai_vu_ha_tinh_2024_6thang")),
             "hk": write_template(tmp_path / "Huong_Khe.xlsx", report=_doc("ubnd_huyen_huong_khe_2023_9thang"))}
    stems = {"sngv": "so_ngoai_vu_ha_tinh_2024_6thang", "hk": "ubnd_huyen_huong_khe_2023_9thang"}
    district_2023 = [{"ten": "UBND huyện Hương Khê", "ma": "HK", "cap": "huyen"}]  # the registry of its time
    for (year, period), code, key, reg in (((2024, "6_thang"), "SNgV", "sngv", None),
                                          ((2023, "9_thang"), "HK", "hk", district_2023)):
        rnd = open_round(admin, year=year, period=period, allow_errors=False, registry=reg)
        assert admin.get(f"/api/rounds/{rnd['id']}").json()["allow_errors"] is False
        body = upload(server.url, _agency(rnd, code)["token"], books[key]).json()
        assert body["validation"]["errors"] == 0 and body["validation"]["warnings"] > 0, body["validation"]
        assert body["submitted"] is True, body
        assert _state(admin, rnd["id"], code)["status"] == "da_nop"
        r = admin.post(f"/api/rounds/{rnd['id']}/consolidate")
        assert r.status_code == 200, r.text
        summary = r.json()
        [f] = summary["files"]
        assert f["status"] == "accepted" and f["errors"] == 0
        doc = _doc(stems[key])
        assert summary["counts"]["deductions"] == len(doc["deductions"])
        assert summary["counts"]["remediation"] == len(doc["remediation"])


def test_every_page_and_endpoint_refuses_without_session_or_token(server, books):
    admin = server.client()
    rnd = open_round(admin)
    rid, a = rnd["id"], rnd["agencies"][0]
    sid = upload(server.url, a["token"], books["stc"]).json()["submission"]
    anon = server.client(token=None, follow_redirects=False)
    for path in ("/so-noi-vu", f"/so-noi-vu/dot/{rid}", f"/so-noi-vu/dot/{rid}/duong-dan.xlsx", "/so-noi-vu/nhat-ky",
                 f"/so-noi-vu/bai/{sid}", f"/so-noi-vu/bai/{sid}/tep", f"/so-noi-vu/bai/{sid}/danh-dau",
                 f"/so-noi-vu/dot/{rid}/tong-hop/1/workbook"):
        r = anon.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/dang-nhap", path
    for path in ("/so-noi-vu/dot", f"/so-noi-vu/dot/{rid}/tong-hop", f"/so-noi-vu/bai/{sid}/tra-lai",
                 f"/so-noi-vu/co-quan/1/cap-lai", "/dang-xuat"):
        r = anon.post(path, data={"csrf": "x"})
        assert r.status_code == 303 and r.headers["location"] == "/dang-nhap", path
    api = [("GET", "/api/rounds"), ("POST", "/api/rounds"), ("GET", f"/api/rounds/{rid}"),
           ("GET", f"/api/rounds/{rid}/links.xlsx"), ("POST", "/api/submissions"), ("GET", f"/api/submissions/{sid}"),
           ("GET", f"/api/submissions/{sid}/annotated"), ("POST", f"/api/submissions/{sid}/submit"),
           ("POST", f"/api/submissions/{sid}/return"), ("POST", f"/api/rounds/{rid}/consolidate"),
           ("GET", f"/api/rounds/{rid}/consolidations/1/workbook")]
    for token in (None, "sai-ma"):
        c = server.client(token=token)
        for method, path in api:
            r = c.request(method, path)
            assert r.status_code == 401 and r.json()["error"], (token, method, path)
    # an agency's token is not the department's: a valid token of the wrong side is 403, not 401
    ag = server.client(token=a["token"])
    for method, path in api:
        if path.startswith("/api/submissions"):
            continue
        r = ag.request(method, path)
        assert r.status_code == 403 and "Sở Nội vụ" in r.json()["error"], path
    assert ag.post(f"/api/submissions/{sid}/return", json={"comment": "x"}).status_code == 403
    # nor is the department's token an agency's
    r = admin.post("/api/submissions", files={"file": ("a.xlsx", b"PK")})
    assert r.status_code == 403 and "cơ quan" in r.json()["error"]
    assert admin.post(f"/api/submissions/{sid}/submit").status_code == 403
    # agency pages need a valid link
    assert anon.get("/nop/khong-co-ma-nay").status_code == 401
    assert anon.get(f"/nop/khong-co-ma-nay/bai/{sid}").status_code == 401


def test_one_agency_link_cannot_read_another(server, books):
    rnd = open_round(server.client())
    a, b = rnd["agencies"][0], rnd["agencies"][1]
    sid_b = upload(server.url, b["token"], books["stc"]).json()["submission"]
    for path in (f"/api/submissions/{sid_b}", f"/api/submissions/{sid_b}/annotated"):
        r = httpx.get(server.url + path, headers={"authorization": f"Bearer {a['token']}"})
        assert r.status_code == 403 and r.json()["error"]
    r = httpx.post(f"{server.url}/api/submissions/{sid_b}/submit", headers={"authorization": f"Bearer {a['token']}"})
    assert r.status_code == 403
    for path in (f"/nop/{a['token']}/bai/{sid_b}", f"/nop/{a['token']}/bai/{sid_b}/tep",
                 f"/nop/{a['token']}/bai/{sid_b}/danh-dau"):
        r = httpx.get(server.url + path)
        assert r.status_code == 403 and b["name"] not in r.text
    page = httpx.get(f"{server.url}/nop/{a['token']}")
    assert page.status_code == 200 and b["name"] not in page.text


def _login(server) -> tuple[httpx.Client, str]:
    import re

    c = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    form = c.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    r = c.post("/dang-nhap", data={"csrf": csrf, "user": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = c.get("/so-noi-vu")
    return c, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_csrf_refused_on_department_and_agency_forms(server, books):
    rnd = open_round(server.client())
    a = rnd["agencies"][0]
    c, csrf = _login(server)
    assert c.post(f"/so-noi-vu/co-quan/1/cap-lai", data={}).status_code == 403
    assert c.post(f"/so-noi-vu/co-quan/1/cap-lai", data={"csrf": "gia-mao"}).status_code == 403
    assert c.post(f"/so-noi-vu/dot/{rnd['id']}/tong-hop", data={"csrf": csrf + "x"}).status_code == 403
    with open(books["stc"], "rb") as fh:
        r = httpx.post(f"{server.url}/nop/{a['token']}/tai-len", files={"file": ("a.xlsx", fh)}, data={"csrf": "x"})
    assert r.status_code == 403
    # sign-in without the form's token is refused too
    r = httpx.post(f"{server.url}/dang-nhap", data={"user": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 403
    # with the tokens, the same actions work
    r = c.post(f"/so-noi-vu/co-quan/{_first_agency_id(server, rnd['id'])}/thu-hoi", data={"csrf": csrf})
    assert r.status_code == 303
    assert httpx.get(f"{server.url}/nop/{a['token']}").status_code == 401  # the revoked link is dead


def _first_agency_id(server, rid: int) -> int:
    import sqlite3

    db = sqlite3.connect(server.data_dir / "cchc-xl.sqlite3")
    try:
        return db.execute("SELECT id FROM agencies WHERE round_id=? ORDER BY pos LIMIT 1", (rid,)).fetchone()[0]
    finally:
        db.close()


def test_oversized_upload_refused_with_413(server, books, tmp_path):
    a = open_round(server.client())["agencies"][0]
    big = tmp_path / "qua_lon.xlsx"
    big.write_bytes(books["stc"].read_bytes() + b"\0" * (3 * 1024 * 1024))
    r = upload(server.url, a["token"], big)
    assert r.status_code == 413 and "quá lớn" in r.json()["error"]

    def chunks():  # no Content-Length: the bound is enforced while reading
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xlsx\"\r\n\r\n"
        for _ in range(40):
            yield b"\0" * 100_000
        yield b"\r\n--b--\r\n"

    r = httpx.post(f"{server.url}/api/submissions", content=chunks(),
                   headers={"authorization": f"Bearer {a['token']}", "content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413


def test_uploaded_file_name_with_path_stored_safely(server, books):
    a = open_round(server.client())["agencies"][0]
    r = upload(server.url, a["token"], books["stc"], name="../../../../tmp/..\\evil.xlsx")
    assert r.status_code == 201
    sid = r.json()["submission"]
    info = httpx.get(f"{server.url}/api/submissions/{sid}", headers={"authorization": f"Bearer {a['token']}"}).json()
    assert info["file"] == "evil.xlsx"
    files = [p for p in (server.data_dir / "files").rglob("*") if p.is_file()]
    assert not any("evil" in p.name for p in files)
    assert not (server.data_dir.parent / "evil.xlsx").exists() and not Path("/tmp/evil.xlsx").exists()
    digest = hashlib.sha256(books["stc"].read_bytes()).hexdigest()
    assert any(hashlib.sha256(p.read_bytes()).hexdigest() == digest for p in files)


def test_every_kind_of_bad_file_gives_a_reason_never_a_500(server):
    a = open_round(server.client())["agencies"][0]
    bad = sorted(p for p in (ROOT / "tests" / "data" / "bad").iterdir() if p.is_file())  # sub-folders: hostile kinds
    assert len(bad) >= 10
    for path in bad:
        r = upload(server.url, a["token"], path)
        assert r.status_code == 201, (path.name, r.status_code, r.text)
        body = r.json()
        assert body["submitted"] is False, path.name
        v = body["validation"]
        assert v["errors"] >= 1 and v["issues"][0]["message"], path.name
        page = httpx.get(f"{server.url}/nop/{a['token']}/bai/{body['submission']}")
        assert page.status_code == 200 and v["issues"][0]["message"].split(": ", 1)[-1][:40] in page.text


def test_security_headers_and_download_as_attachment(server, books):
    a = open_round(server.client())["agencies"][0]
    r = httpx.get(f"{server.url}/nop/{a['token']}")
    for h in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
        assert h in r.headers
    assert r.headers["referrer-policy"] == "no-referrer"
    wb = httpx.get(f"{server.url}/nop/{a['token']}/bieu-mau")
    assert wb.status_code == 200 and wb.headers["content-disposition"].startswith("attachment")
    assert wb.content[:2] == b"PK"


def test_acknowledged_uploads_survive_kill_9(tmp_path, books):
    """kill -9 while uploads are in flight: after the restart every acknowledged upload is there,
    unchanged, and no stored file is left without its record (a file synced before its record
    was committed is removed at start: nobody was told it was received)."""
    import threading

    srv = ServerProcess(tmp_path / "du_lieu").start()
    try:
        rnd = open_round(srv.client())
        acked = {}
        for a in rnd["agencies"][:3]:
            r = upload(srv.url, a["token"], books["stc"], key=f"lan-1-{a['code']}")
            assert r.status_code == 201
            acked[r.json()["submission"]] = a
        planted = srv.data_dir / "files" / str(rnd["id"]) / ("ab" * 16 + ".xlsx")  # as a kill -9 leaves one
        planted.write_bytes(books["stc"].read_bytes())
        in_flight, first_answer = {}, threading.Event()

        def send(a):
            try:
                r = upload(srv.url, a["token"], books["stc"], key=f"lan-1-{a['token'][:12]}")
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                in_flight[r.json()["submission"]] = a
                first_answer.set()

        threads = [threading.Thread(target=send, args=(a,)) for a in rnd["agencies"][3:11]]  # 8 in flight
        for t in threads:
            t.start()
        first_answer.wait(120)
        srv.kill9()
        for t in threads:
            t.join(120)
        acked.update(in_flight)
        srv.start()
        status = srv.client().get(f"/api/rounds/{rnd['id']}").json()
        for sid in acked:
            info = srv.client().get(f"/api/submissions/{sid}").json()
            assert info["submission"] == sid and info["file"] == "So_Tai_chinh.xlsx"
        assert sum(1 for a in status["agencies"] if a["uploaded_at"]) >= len(acked)
        assert not list((srv.data_dir / "files" / "tmp").iterdir())
        import sqlite3

        db = sqlite3.connect(srv.data_dir / "cchc-xl.sqlite3")
        named = {r[0]: r[1] for r in db.execute("SELECT stored_name, sha256 FROM submissions")}
        db.close()
        stored = {f"{p.parent.name}/{p.name}": p for p in (srv.data_dir / "files").glob("[0-9]*/*") if p.is_file()}
        assert set(stored) == set(named), "a stored file without its record, or a record without its file"
        for rel, p in stored.items():
            assert hashlib.sha256(p.read_bytes()).hexdigest() == named[rel]
        assert not planted.exists()
        # a client that never saw its answer sends again with the same key: no second record
        sid, a = next(iter(acked.items()))
        again = upload(srv.url, a["token"], books["stc"], key=f"lan-1-{a['code']}")
        assert again.status_code == 200 and again.json()["submission"] == sid
        assert _uploads(srv, a["code"], rnd["id"]) == 1
    finally:
        srv.stop()


def _uploads(srv, code: str, rid: int) -> int:
    import sqlite3

    db = sqlite3.connect(srv.data_dir / "cchc-xl.sqlite3")
    try:
        return db.execute("SELECT count(*) FROM submissions s JOIN agencies a ON a.id=s.agency_id "
                          "WHERE a.code=? AND a.round_id=?", (code, rid)).fetchone()[0]
    finally:
        db.close()


def test_backup_command_copies_records_and_files(server, books, tmp_path):
    a = open_round(server.client())["agencies"][0]
    sid = upload(server.url, a["token"], books["stc"]).json()["submission"]
    out = tmp_path / "sao_luu"
    proc = subprocess.run([sys.executable, "-m", "cchc_xl", "serve", "--data", str(server.data_dir), "--backup",
                           str(out)], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    import sqlite3

    db = sqlite3.connect(out / "cchc-xl.sqlite3")
    stored = db.execute("SELECT stored_name, sha256 FROM submissions WHERE id=?", (sid,)).fetchone()
    db.close()
    assert hashlib.sha256((out / "files" / stored[0]).read_bytes()).hexdigest() == stored[1]


def test_a_reader_crash_costs_only_that_file():
    """A file that kills its reading process gets Crashed; the next file is read normally."""
    import asyncio

    from serverproc import crash_reader

    from cchc_xl.server.worker import Crashed, Workers

    workers = Workers(jobs=2)

    async def go():
        results = await asyncio.gather(workers.run(crash_reader, "a", "crash.xlsx"),
                                       workers.run(crash_reader, "b", "tot.xlsx"), return_exceptions=True)
        after = await workers.run(crash_reader, "c", "sau.xlsx")
        return results, after

    try:
        (crashed, innocent), after = asyncio.run(go())
    finally:
        workers.close()
    assert isinstance(crashed, Crashed)
    assert innocent == {"file": "tot.xlsx"} and after == {"file": "sau.xlsx"}


def test_round_opened_on_the_page_with_an_appraisal_workbook_offers_prefilled_workbooks(server, tmp_path):
    """The department's form: registry + appraisal workbook → each agency downloads its own
    pre-filled workbook (distribute), with the deductions of the appraisal."""
    from cchc_xl.cycle.appraisal import build_appraisal_workbook
    from cchc_xl.read.agency import read_file

    ap = tmp_path / "so_tham_dinh.xlsx"
    build_appraisal_workbook(2023, agencies=[{"name": "Sở Nội vụ", "code": "SNV", "level": "so"},
                                             {"name": "Sở Tư pháp", "code": "STP", "level": "so"}],
                             deductions=[{"agency": "Sở Tư pháp", "code": "1.1", "max_score": 1.5, "score": 0.5,
                                          "reason": "Đạt 70% kế hoạch"}]).save(ap)
    c, csrf = _login(server)
    with open(ROOT / "examples" / "registry.csv", "rb") as reg, open(ap, "rb") as apf:
        r = c.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "nam", "deadline": "2099-01-20"},
                   files={"registry": ("registry.csv", reg), "appraisal": ("so_tham_dinh.xlsx", apf)})
    assert r.status_code == 303, r.text
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    links = c.get(f"/so-noi-vu/dot/{rid}/duong-dan.xlsx")
    assert links.status_code == 200 and links.headers["content-disposition"].startswith("attachment")
    (tmp_path / "links.xlsx").write_bytes(links.content)
    rows = _cells(tmp_path / "links.xlsx")["Đường dẫn nộp bài"]
    stp_link = next(row[7] for row in rows if row[1] == "Sở Tư pháp")
    snv_link = next(row[7] for row in rows if row[1] == "Sở Nội vụ")
    page = httpx.get(stp_link)
    assert "Tải biểu mẫu đã điền sẵn" in page.text
    wb = httpx.get(stp_link + "/bieu-mau")
    (tmp_path / "stp.xlsx").write_bytes(wb.content)
    doc = read_file(tmp_path / "stp.xlsx").report
    assert doc["agency"]["name"] == "Sở Tư pháp" and doc["period"] == {"year": 2024, "kind": "nam"}
    assert [(d["code"], d["score"], d["reason"]) for d in doc["deductions"]] == [("1.1", 0.5, "Đạt 70% kế hoạch")]
    assert "Tải biểu mẫu đã điền sẵn" in httpx.get(snv_link).text  # in the appraisal, nothing deducted
    # an agency the appraisal does not list gets the blank workbook with its name
    other = next(row[7] for row in rows if row[1] == "Sở Y tế")
    blank = httpx.get(other + "/bieu-mau")
    (tmp_path / "syt.xlsx").write_bytes(blank.content)
    doc = read_file(tmp_path / "syt.xlsx").report
    assert doc["agency"]["name"] == "Sở Y tế" and doc["deductions"] == []


def test_links_list_carries_the_registrys_contacts(server, tmp_path):
    """The links workbook the department sends out: every agency's link with its contact."""
    from cchc_xl.read.registry import Agency

    fields = getattr(Agency, "__dataclass_fields__", {})
    if "contact" not in fields:
        pytest.skip("danh sách cơ quan chưa đọc các cột liên hệ")
    reg = tmp_path / "danh_sach.csv"
    reg.write_text("ten,ma,cap,nguoi_lien_he,dien_thoai,email\n"
                   "Sở Tư pháp,STP,so,Nguyễn Văn An,0912 345 678,an.stp@example.gov.vn\n"
                   "Sở Y tế,SYT,so,,,\n", encoding="utf-8")
    c, csrf = _login(server)
    with open(reg, "rb") as fh:
        r = c.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "quy_1", "deadline": "2099-03-20"},
                   files={"registry": ("danh_sach.csv", fh)})
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    (tmp_path / "links.xlsx").write_bytes(c.get(f"/so-noi-vu/dot/{rid}/duong-dan.xlsx").content)
    rows = _cells(tmp_path / "links.xlsx")["Đường dẫn nộp bài"]
    stp = next(row for row in rows if row[1] == "Sở Tư pháp")
    assert stp[4:7] == ["Nguyễn Văn An", "0912 345 678", "an.stp@example.gov.vn"]
    assert httpx.get(stp[7]).status_code == 200 and "Sở Tư pháp" in httpx.get(stp[7]).text
    status = server.client().get(f"/api/rounds/{rid}").json()
    assert next(a for a in status["agencies"] if a["code"] == "STP")["contact"] == "Nguyễn Văn An"


def test_serve_demo_starts_on_the_demo_data(tmp_path):
    """README's second command: ``cchc-xl serve --demo`` opens a round on the sample registry with
    the demo's sample workbooks submitted."""
    srv = ServerProcess(tmp_path / "du_lieu", ["--demo"]).start(timeout=600)
    try:
        rounds = srv.client().get("/api/rounds").json()
        assert len(rounds) == 1
        status = srv.client().get(f"/api/rounds/{rounds[0]['id']}").json()
        assert status["expected"] == len(registry_json()) and status["received"] >= 10
        assert {a["status"] for a in status["agencies"]} >= {"da_nop", "chua_nop"}
        log = srv.log.read_text(encoding="utf-8")
        assert "Trang nộp bài mẫu của một cơ quan: http://127.0.0.1:" in log
        link = log.split("Trang nộp bài mẫu của một cơ quan: ", 1)[1].split()[0]
        assert httpx.get(link).status_code == 200
    finally:
        srv.stop()


def test_a_database_made_before_idempotency_keys_opens_and_gains_the_column(tmp_path):
    """A data folder from before ``submissions.idem_key``: the server opens it, adds the column
    (CREATE TABLE IF NOT EXISTS never would) and its index, and keeps the old records."""
    import sqlite3

    from cchc_xl.server.storage import SCHEMA, Store

    old = SCHEMA.replace("annotated_name TEXT, idem_key TEXT);", "annotated_name TEXT);")
    assert old != SCHEMA
    db = sqlite3.connect(tmp_path / "cchc-xl.sqlite3")
    db.executescript(old)
    db.execute("INSERT INTO submissions(round_id, agency_id, uploaded_at, original_name, stored_name, size, sha256,"
               " unreadable, errors, warnings, validation) VALUES(1, 1, 'x', 'a.xlsx', '1/a.xlsx', 1, 'h', 0, 0, 0, '{}')")
    db.commit()
    db.close()
    store = Store(tmp_path)
    try:
        assert "idem_key" in {r["name"] for r in store.all("PRAGMA table_info(submissions)")}
        assert store.one("SELECT name FROM sqlite_master WHERE type='index' AND name='submissions_idem'")
        assert store.one("SELECT original_name, idem_key FROM submissions")[:] == ("a.xlsx", None)
    finally:
        store.close()
    Store(tmp_path).close()  # and again, now that it has the column


def test_a_refused_upload_keeps_its_kind_and_older_refusals_gain_theirs(tmp_path):
    """The round page's "Sai kỳ báo cáo" / "Sai cơ quan" comes from the kind stored with the
    refusal, not from its words; a database from before the column gets the kind of its old
    refusals once, when the column is added."""
    import sqlite3

    from cchc_xl import spec
    from cchc_xl.server.storage import SCHEMA, Store
    from cchc_xl.server.submissions import _refusal, problem_label

    rnd = {"year": 2024, "period": "6_thang"}
    agency = {"id": 1, "name": "Sở Tài chính", "code": "STC", "level": "so"}
    kind, words = _refusal(rnd, agency, {"period": {"year": 2023, "kind": "9_thang"}, "agency": {}}, [agency])
    assert kind == "wrong_period"
    assert words == spec.load("issues")["period_mismatch"]["message"].format(
        got="9 tháng đầu năm 2023", wanted="6 tháng đầu năm 2024")
    kind, words = _refusal(rnd, agency, {"period": {"year": 2024, "kind": "6_thang"},
                                         "agency": {"name": "Sở Tư pháp", "code": "STP"}}, [agency])
    assert kind == "wrong_agency" and "“STP”" in words
    assert _refusal(rnd, agency, {"period": {"year": 2024, "kind": "6_thang"},
                                  "agency": {"name": "Sở Tài chính", "code": "STC"}}, [agency]) is None

    db = sqlite3.connect(tmp_path / "cchc-xl.sqlite3")
    db.executescript(SCHEMA)
    for refusal in ("Biểu mẫu này là báo cáo năm 2023, nhưng đợt này nhận báo cáo năm 2024. …",
                    "Biểu mẫu ghi cơ quan “Sở Tư pháp”, nhưng đường dẫn này dành cho Sở Tài chính. …", None):
        db.execute("INSERT INTO submissions(round_id, agency_id, uploaded_at, original_name, stored_name, size,"
                   " sha256, unreadable, errors, warnings, validation, refusal) VALUES(1, 1, 'x', 'a.xlsx',"
                   " '1/a.xlsx', 1, 'h', 0, 0, 0, '{}', ?)", (refusal,))
    db.commit()
    db.close()
    store = Store(tmp_path)
    try:
        rows = store.all("SELECT * FROM submissions ORDER BY id")
        assert [r["refusal_kind"] for r in rows] == ["wrong_period", "wrong_agency", None]
        assert [problem_label(r) for r in rows] == ["Sai kỳ báo cáo", "Sai cơ quan", None]
    finally:
        store.close()


def test_appraisal_agencies_outside_the_round_are_shown_on_the_rounds_page(server, tmp_path):
    """An agency of the appraisal workbook that the round's registry does not have gets no
    pre-filled workbook; the department reads its name on the round's page, not only in the audit log."""
    from cchc_xl.cycle.appraisal import build_appraisal_workbook

    ap = tmp_path / "so_tham_dinh.xlsx"
    build_appraisal_workbook(2023, agencies=[{"name": "Sở Tư pháp", "code": "STP", "level": "so"},
                                             {"name": "Sở Khoa học Vũ trụ", "code": "SKHVT", "level": "so"}]).save(ap)
    c, csrf = _login(server)
    with open(ROOT / "examples" / "registry.csv", "rb") as reg, open(ap, "rb") as apf:
        r = c.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "nam", "deadline": "2099-01-20"},
                   files={"registry": ("registry.csv", reg), "appraisal": ("so_tham_dinh.xlsx", apf)})
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"]).text
    assert 'id="ngoai-danh-sach"' in page and "<li>Sở Khoa học Vũ trụ</li>" in page
    assert "<li>Sở Tư pháp</li>" not in page


def test_prefilled_workbooks_are_stored_durably_and_recorded_in_one_transaction(tmp_path, monkeypatch):
    """attach_prefilled writes through Store.store_upload (synced, renamed) and records every
    agency's workbook, and the agencies it could not match, in one transaction."""
    from cchc_xl.server import rounds, submissions
    from cchc_xl.server.storage import Store

    store = Store(tmp_path / "data")
    try:
        rid = rounds.open_round(store, 2024, "nam", "2099-01-20",
                                [rounds.NewAgency("Sở Tư pháp", "STP", "so"), rounds.NewAgency("Sở Y tế", "SYT", "so")],
                                False, "thử")
        books = []
        for name in ("stp", "syt", "la"):
            (tmp_path / f"{name}.xlsx").write_bytes(name.encode())
            books.append(tmp_path / f"{name}.xlsx")
        items = [({"name": "Sở Tư pháp", "code": "STP", "level": "so"}, books[0]),
                 ({"name": "Sở Y Tế", "code": None, "level": "so"}, books[1]),
                 ({"name": "Sở Lạ", "code": "SLA", "level": "so"}, books[2])]
        writes, transactions = [], []
        real_upload, real_tx = store.store_upload, store.tx
        monkeypatch.setattr(store, "store_upload", lambda *a: writes.append(a) or real_upload(*a))
        monkeypatch.setattr(store, "tx", lambda: transactions.append(1) or real_tx())
        assert rounds.attach_prefilled(store, rid, items) == ["Sở Lạ"]
        assert len(writes) == 2 and len(transactions) == 1
        got = {a["code"]: store.file_path(a["prefilled"]).read_bytes() for a in rounds.agencies_of(store, rid)}
        assert got == {"STP": b"stp", "SYT": b"syt"}
        assert submissions.round_status(store, rid)["prefill_unmatched"] == ["Sở Lạ"]
    finally:
        store.close()


def test_prefilled_workbooks_name_the_agency_written_in_each(tmp_path):
    """The agency of each pre-filled workbook comes from distribute itself, and is the one in the file."""
    from cchc_xl.cycle.appraisal import build_appraisal_workbook
    from cchc_xl.read.agency import read_file
    from cchc_xl.server.rounds import prefilled_workbooks

    ap = tmp_path / "so_tham_dinh.xlsx"
    build_appraisal_workbook(2023, agencies=[{"name": "Sở Tư pháp", "code": "STP", "level": "so"},
                                             {"name": "UBND huyện Kỳ Anh", "code": None, "level": "huyen"}]).save(ap)
    items = prefilled_workbooks(ap, 2024, "nam", tmp_path / "ra")
    assert [ag["name"] for ag, _ in items] == ["Sở Tư pháp", "UBND huyện Kỳ Anh"]
    assert all(read_file(p).report["agency"] == ag for ag, p in items)


def test_the_round_pages_problem_words_come_from_the_schemas():
    """“Không đọc được tệp” is issues.json's label of an unreadable file; the refused upload's label
    is declared in enums.json (upload_problems), not written in the server's code."""
    from cchc_xl import spec
    from cchc_xl.server.submissions import problem_label

    blank = {"unreadable": 0, "refusal": None, "refusal_kind": None}
    assert problem_label({**blank, "unreadable": 1}) == spec.load("issues")["unreadable"]["label"] == "Không đọc được tệp"
    # a refused upload is labelled by the kind stored with it: the wrong period, or the wrong agency
    assert problem_label({**blank, "refusal": "…", "refusal_kind": "wrong_period"}) == \
        spec.label_of("upload_problems", "wrong_period") == "Sai kỳ báo cáo"
    assert problem_label({**blank, "refusal": "…", "refusal_kind": "wrong_agency"}) == \
        spec.label_of("upload_problems", "wrong_agency") == "Sai cơ quan"
    assert problem_label(blank) is None
