"""Tone-mark twins on the department's server: opening a round (API and page), matching an upload to
the agency of its link, and the round's consolidation. Every registry row is in the round; every
upload is counted for exactly its agency or refused with its reason."""

from __future__ import annotations

import html
import random
import re

import httpx
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from serverproc import ADMIN_PASSWORD, ServerProcess, open_round, upload  # noqa: E402

from cchc_xl.demo import sample_report  # noqa: E402
from cchc_xl.workbook.template import write_template  # noqa: E402

REGISTRY = [{"ten": "UBND xã Bình Thạnh", "ma": "XBT1", "cap": "xa"},
            {"ten": "UBND xã Bình Thanh", "ma": "XBT2", "cap": "xa"},
            {"ten": "Thạch Hà", "ma": None, "cap": "huyen"},
            {"ten": "Thạch Hạ", "ma": None, "cap": "xa"},
            {"ten": "UBND xã Hòa Bình", "ma": None, "cap": "xa"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("may_chu") / "du_lieu").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("bai_nop")
    out = {}
    for n, (key, name, code, level) in enumerate([
            ("XBT1", "UBND xã Bình Thạnh", "XBT1", "xa"), ("XBT2", "UBND xã Bình Thanh", "XBT2", "xa"),
            ("ha", "Thạch Hạ", None, "xa"), ("plain_both", "UBND xa Binh Thanh", None, "xa"),
            ("plain_one", "UBND xa Hoa Binh", None, "xa")]):
        out[key] = write_template(d / f"{key}.xlsx", report=sample_report(name, code, level, 2024, "6_thang",
                                                                         random.Random(n)))
    return out


def test_a_round_with_tone_mark_twins_keeps_every_agency_and_counts_each_upload_once(server, books):
    admin = server.client()
    rnd = open_round(admin, registry=REGISTRY, allow_errors=True)
    assert [a["name"] for a in rnd["agencies"]] == [r["ten"] for r in REGISTRY]  # 5 rows in, 5 agencies
    token = {a["name"]: a["token"] for a in rnd["agencies"]}
    # another commune's workbook through Bình Thạnh's link: refused (the codes differ)
    r = upload(server.url, token["UBND xã Bình Thạnh"], books["XBT2"]).json()
    assert not r["submitted"] and "mã cơ quan “XBT2”" in r["refusal"] and "UBND xã Bình Thạnh" in r["refusal"]
    # a name typed without diacritics fitting both twins: refused, both named, how to decide said
    r = upload(server.url, token["UBND xã Bình Thạnh"], books["plain_both"]).json()
    assert not r["submitted"]
    assert "“UBND xã Bình Thạnh” (mã XBT1)" in r["refusal"] and "“UBND xã Bình Thanh” (mã XBT2)" in r["refusal"]
    assert "XBT1" in r["refusal"] and "Mã, ký hiệu cơ quan" in r["refusal"]
    # Thạch Hạ's workbook is not Thạch Hà's
    r = upload(server.url, token["Thạch Hà"], books["ha"]).json()
    assert not r["submitted"] and "dành cho Thạch Hà" in r["refusal"]
    # the right ones are taken; a name without diacritics that fits one agency too
    for name, key in (("UBND xã Bình Thạnh", "XBT1"), ("UBND xã Bình Thanh", "XBT2"), ("Thạch Hạ", "ha"),
                      ("UBND xã Hòa Bình", "plain_one")):
        r = upload(server.url, token[name], books[key]).json()
        assert r["submitted"], (name, r.get("reason"))
    status = admin.get(f"/api/rounds/{rnd['id']}").json()
    assert status["expected"] == 5 and status["received"] == 4
    assert {a["name"] for a in status["agencies"] if a["status"] == "da_nop"} == \
        {"UBND xã Bình Thạnh", "UBND xã Bình Thanh", "Thạch Hạ", "UBND xã Hòa Bình"}
    # the round's consolidation counts each twin for itself (their file names fold alike)
    r = admin.post(f"/api/rounds/{rnd['id']}/consolidate")
    assert r.status_code == 200, r.text
    summary = r.json()
    assert sorted(f["agency"] for f in summary["files"] if f["status"] == "accepted") == \
        sorted(["UBND xã Bình Thạnh", "UBND xã Bình Thanh", "Thạch Hạ", "UBND xã Hòa Bình"])
    assert len(summary["files"]) == 4 and summary["missing_agencies"] == ["Thạch Hà"]


def test_the_api_refuses_a_registry_that_would_merge_two_agencies(server):
    admin = server.client()
    before = len(admin.get("/api/rounds").json())
    body = {"year": 2024, "period": "6_thang", "deadline": "2099-12-31",
            "registry": [*REGISTRY, {"ten": "Uỷ ban nhân dân xã Hoà Bình", "cap": "xa"}]}
    r = admin.post("/api/rounds", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert "cơ quan thứ 5 (“UBND xã Hòa Bình”)" in error and "cơ quan thứ 6 (“Uỷ ban nhân dân xã Hoà Bình”)" in error
    assert error.casefold().startswith("registry: danh sách cơ quan không dùng được")
    body["registry"] = [*REGISTRY, {"ten": "Xã Bình Thạnh", "ma": "xbt1", "cap": "xa"}]
    r = admin.post("/api/rounds", json=body)
    assert r.status_code == 400 and "cùng mã “xbt1”" in r.json()["error"]
    assert len(admin.get("/api/rounds").json()) == before  # nothing opened


def test_the_round_page_says_why_a_registry_file_is_refused(server, tmp_path):
    c = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/dang-nhap").text).group(1)
    assert c.post("/dang-nhap", data={"csrf": csrf, "user": "admin", "password": ADMIN_PASSWORD}).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/so-noi-vu").text).group(1)
    reg = tmp_path / "danh_sach.csv"
    reg.write_text("ten,ma,cap\nThạch Hà,,huyen\nThạch Hạ,,xa\nTHẠCH HÀ,,huyen\n", encoding="utf-8")
    with open(reg, "rb") as fh:
        r = c.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "nam", "deadline": "2099-01-20"},
                   files={"registry": ("danh_sach.csv", fh)})
    assert r.status_code == 400
    text = html.unescape(r.text)
    assert "danh_sach.csv" in text and "dòng 2 (“Thạch Hà”)" in text and "dòng 4 (“THẠCH HÀ”)" in text
    assert "dòng 3" not in text  # Thạch Hạ is another agency
    reg.write_text("ten,ma,cap\nThạch Hà,,huyen\nThạch Hạ,,xa\n", encoding="utf-8")
    with open(reg, "rb") as fh:
        r = c.post("/so-noi-vu/dot", data={"csrf": csrf, "year": "2024", "period": "nam", "deadline": "2099-01-20"},
                   files={"registry": ("danh_sach.csv", fh)})
    assert r.status_code == 303  # the twins alone open a round of two
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    assert [a["name"] for a in server.client().get(f"/api/rounds/{rid}").json()["agencies"]] == ["Thạch Hà", "Thạch Hạ"]
