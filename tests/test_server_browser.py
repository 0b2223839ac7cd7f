"""A person in a real browser (headless Chromium through Selenium): the department signs in and
opens a round from the sample registry; an agency checks a faulty workbook, sees the cells to fix,
uploads the corrected one and submits; the dashboard shows it. Screenshots go to the test's
temporary folder (kept by pytest) for a person to look at."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver")

from serverproc import ADMIN_PASSWORD, ROOT, ServerProcess  # noqa: E402

from cchc_xl.workbook.template import write_template  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver không có trên máy")]


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,1600", "--lang=vi"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.implicitly_wait(60)
    drv.set_page_load_timeout(300)
    yield drv
    drv.quit()


def _submit(drv, css: str) -> None:
    """Click a form's button and wait until the next page has fully replaced this one.

    The old page is marked with a script variable; the wait ends when a page without the mark has
    finished loading. Checking the old element for staleness instead is flaky in Chromium: mid
    navigation the driver may answer "Node with given id does not belong to the document", which
    is not a StaleElementReferenceException."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    drv.execute_script("window.__cchcOldPage = true;")
    drv.find_element(By.CSS_SELECTOR, css).click()

    def replaced(d) -> bool:
        try:
            return bool(d.execute_script(
                "return window.__cchcOldPage === undefined && document.readyState === 'complete'"))
        except WebDriverException:  # the page is changing under the driver: ask again
            return False

    WebDriverWait(drv, 120, ignored_exceptions=(WebDriverException,)).until(replaced)
    drv.find_element(By.TAG_NAME, "main")


def _shot(drv, folder: Path, name: str, width: int = 1280) -> Path:
    path = folder / f"{name}.png"
    height = drv.execute_script("return document.body.scrollHeight")
    drv.set_window_size(width, max(900, min(height + 100, 4000)))
    drv.save_screenshot(str(path))
    return path


def test_agency_page_and_dashboard_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    srv = ServerProcess(tmp_path / "du_lieu").start()
    try:
        stc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
        faulty = copy.deepcopy(stc)
        faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2
        bad = write_template(tmp_path / "So_Tai_chinh_ban_nhap.xlsx", report=faulty)
        good = write_template(tmp_path / "So_Tai_chinh.xlsx", report=stc)

        # the department signs in and opens a round from the sample registry
        b = browser
        b.get(srv.url + "/so-noi-vu")
        assert "/dang-nhap" in b.current_url
        b.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
        _submit(b, "form button[type=submit]")
        assert "Các đợt báo cáo" in b.page_source
        b.find_element(By.NAME, "year").clear()
        b.find_element(By.NAME, "year").send_keys("2024")
        b.execute_script("document.querySelector('input[name=deadline]').value = '2099-06-20'")
        b.find_element(By.NAME, "registry").send_keys(str(ROOT / "examples" / "registry.csv"))
        b.find_element(By.CSS_SELECTOR, "input[name=submit_rule][value=xac_nhan]").click()  # confirm first
        _submit(b, "form[action='/so-noi-vu/dot'] button")
        assert "Tình hình nộp của từng cơ quan" in b.page_source
        dashboard = b.current_url
        rid = int(dashboard.rstrip("/").rsplit("/", 1)[1])

        import httpx

        links = {a["name"]: a for a in httpx.get(f"{srv.url}/api/rounds/{rid}",
                                                 headers={"authorization": "Bearer test-admin-token-0123456789abcdef"})
                 .json()["agencies"]}
        assert "Sở Tài chính" in links
        import sqlite3

        db = sqlite3.connect(srv.data_dir / "cchc-xl.sqlite3")
        token = db.execute("SELECT token FROM agencies WHERE round_id=? AND code='STC'", (rid,)).fetchone()[0]
        db.close()

        # the agency: a faulty workbook first
        b.get(f"{srv.url}/nop/{token}")
        assert "Sở Tài chính" in b.page_source and "Tải biểu mẫu" in b.page_source
        b.find_element(By.NAME, "file").send_keys(str(bad))
        _submit(b, "form[action$='/tai-len'] button")
        text = b.find_element(By.TAG_NAME, "main").text
        assert re.search(r"Còn \d+ lỗi", text)
        assert "Trang “Điểm bị trừ”" in text
        assert not b.find_elements(By.CSS_SELECTOR, "button.primary")  # nothing to submit yet
        _shot(b, tmp_path, "1_co_quan_ket_qua_kiem_tra")

        # corrected, uploaded again, submitted
        b.find_element(By.NAME, "file").send_keys(str(good))
        _submit(b, "form[action$='/tai-len'] button")
        assert "Hợp lệ" in b.find_element(By.TAG_NAME, "main").text
        _submit(b, "button.primary")
        main = b.find_element(By.TAG_NAME, "main").text
        assert "Bài này đã được nộp" in main and "Đã nộp" in main
        history = b.find_elements(By.CSS_SELECTOR, "table.history tbody tr")
        assert len(history) == 2  # both uploads kept
        _shot(b, tmp_path, "2_co_quan_da_nop")

        # the dashboard shows it, then one click consolidates
        b.get(dashboard)
        row = b.find_element(By.XPATH, "//tr[td[contains(., 'Sở Tài chính')]]")
        assert "Đã nộp" in row.text
        chart = b.find_element(By.CSS_SELECTOR, "svg.chart").get_attribute("innerHTML")
        assert ">1 (5%)<" in chart  # 1 of the 19 agencies of the sample registry has submitted
        _submit(b, "form[action$='/tong-hop'] button")
        assert b.find_elements(By.PARTIAL_LINK_TEXT, "Sổ tổng hợp")
        _shot(b, tmp_path, "3_so_noi_vu_bang_theo_doi")
    finally:
        srv.stop()


def _fits(drv) -> bool:
    """Nothing on the page is wider than the window (tables that must scroll do so inside themselves)."""
    return drv.execute_script("var e = document.documentElement; return e.scrollWidth <= e.clientWidth")


def _sign_in(b, srv) -> None:
    from selenium.webdriver.common.by import By

    b.get(srv.url + "/so-noi-vu")
    b.find_element(By.NAME, "password").send_keys(ADMIN_PASSWORD)
    _submit(b, "form button[type=submit]")


def test_a_returned_report_from_the_departments_comment_to_the_agencys_fix(browser, tmp_path):
    """At 1280 px and on a 390 px phone: the department returns a submitted report with a comment;
    the agency sees it at the top of its page with the date and what to do, the history fits even
    with a long file name, and its fixed upload is submitted at once (the round's rule)."""
    import httpx
    from selenium.webdriver.common.by import By

    srv = ServerProcess(tmp_path / "du_lieu").start()
    shots = tmp_path / "anh"
    shots.mkdir()
    try:
        stc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
        first = write_template(tmp_path / ("So_Tai_chinh_bao_cao_CCHC_6_thang_dau_nam_2024_ban_chinh_thuc_"
                                           "da_trinh_lanh_dao_ky_duyet_lan_cuoi.xlsx"), report=stc)
        fixed = write_template(tmp_path / "So_Tai_chinh_da_bo_sung_tai_lieu_kiem_chung.xlsx", report=stc)
        faulty = copy.deepcopy(stc)
        faulty["deductions"][0]["score"] = faulty["deductions"][0]["max_score"] + 2
        draft = write_template(tmp_path / "So_Tai_chinh_sua_do.xlsx", report=faulty)
        api = {"authorization": "Bearer test-admin-token-0123456789abcdef"}
        rnd = httpx.post(f"{srv.url}/api/rounds", headers=api, timeout=60, json={
            "year": 2024, "period": "6_thang", "deadline": "2099-06-20",
            "registry": [{"ten": "Sở Tài chính", "ma": "STC", "cap": "so"},
                         {"ten": "Sở Nội vụ", "ma": "SNV", "cap": "so"}]}).json()
        token = next(a["token"] for a in rnd["agencies"] if a["code"] == "STC")
        b = browser
        b.set_window_size(1280, 1000)

        # the agency uploads a valid report with a long name: the round submits it at once
        b.get(f"{srv.url}/nop/{token}")
        assert "được nộp ngay khi tải lên" in b.find_element(By.ID, "cach-nop").text
        b.find_element(By.NAME, "file").send_keys(str(first))
        _submit(b, "form[action$='/tai-len'] button")
        assert "Bài này đã được nộp" in b.find_element(By.ID, "da-nop").text

        # the department opens it from the dashboard and returns it with a comment
        _sign_in(b, srv)
        b.get(f"{srv.url}/so-noi-vu/dot/{rnd['id']}")
        b.find_element(By.XPATH, "//tr[td[contains(., 'Sở Tài chính')]]//a[contains(., 'Xem bài')]").click()
        b.find_element(By.NAME, "comment").send_keys("Thiếu tài liệu kiểm chứng cho tiêu chí 1.2; "
                                                     "bổ sung và gửi lại trước ngày 20/6.")
        _shot(b, shots, "1_so_noi_vu_tra_lai_1280")
        _submit(b, "form[action$='/tra-lai'] button")
        row = b.find_element(By.XPATH, "//tr[td[contains(., 'Sở Tài chính')]]")
        assert "Bị trả lại" in row.text

        # the agency, at 1280 px: the return is the first thing on its page
        b.get(f"{srv.url}/nop/{token}")
        notice = b.find_element(By.ID, "tra-lai")
        assert "Thiếu tài liệu kiểm chứng cho tiêu chí 1.2" in notice.text
        assert re.search(r"bị trả lại lúc \d{2}/\d{2}/\d{4} \d{2}:\d{2}", notice.text)
        assert "Việc cần làm" in notice.text
        assert notice.rect["y"] + notice.rect["height"] <= b.execute_script("return window.innerHeight")
        assert _fits(b)
        history = b.find_element(By.CSS_SELECTOR, "table.history")
        assert history.rect["x"] + history.rect["width"] <= b.execute_script("return window.innerWidth")
        assert "Thiếu tài liệu kiểm chứng" in history.text  # the comment column is on screen too
        _shot(b, shots, "2_co_quan_bi_tra_lai_1280")

        # on a 390 px phone: the same page reads without sideways scrolling
        b.set_window_size(390, 844)
        b.get(f"{srv.url}/nop/{token}")
        assert b.execute_script("return window.innerWidth") <= 400
        assert _fits(b)
        notice = b.find_element(By.ID, "tra-lai")
        assert notice.rect["width"] <= 390 and "Thiếu tài liệu kiểm chứng" in notice.text
        _shot(b, shots, "3_co_quan_bi_tra_lai_390", width=390)

        # a half-done fix first: the verdict's tables scroll inside themselves, the page does not
        b.find_element(By.NAME, "file").send_keys(str(draft))
        _submit(b, "form[action$='/tai-len'] button")
        assert re.search(r"Còn \d+ lỗi", b.find_element(By.TAG_NAME, "main").text)
        assert "Ngoài khoảng cho phép" in b.find_element(By.CSS_SELECTOR, ".verdict").text  # titles, not codes
        assert _fits(b)
        assert "Sở Nội vụ đã trả lại" in b.find_element(By.TAG_NAME, "main").text  # still the first thing
        _shot(b, shots, "3b_co_quan_ban_sua_con_loi_390", width=390)

        # the agency fixes the report and uploads it from the phone: submitted at once, the notice gone
        b.set_window_size(390, 844)
        b.find_element(By.NAME, "file").send_keys(str(fixed))
        _submit(b, "form[action$='/tai-len'] button")
        assert "Bài này đã được nộp" in b.find_element(By.ID, "da-nop").text
        b.get(f"{srv.url}/nop/{token}")
        assert "Sở Nội vụ đã trả lại" not in b.find_element(By.TAG_NAME, "main").text
        assert re.findall(r"Lần \d", b.find_element(By.CSS_SELECTOR, "table.history").text)[:3] == \
            ["Lần 3", "Lần 2", "Lần 1"]
        assert _fits(b)
        _shot(b, shots, "4_co_quan_da_nop_lai_390", width=390)

        # the department's dashboard, a verdict and the audit log on the phone: no page wider than it
        b.set_window_size(390, 844)
        b.get(f"{srv.url}/so-noi-vu/dot/{rnd['id']}")
        row = b.find_element(By.XPATH, "//tr[td[contains(., 'Sở Tài chính')]]")
        assert "Đã nộp" in row.text
        assert _fits(b)
        _shot(b, shots, "5_so_noi_vu_bang_theo_doi_390", width=390)
        b.set_window_size(390, 844)
        sid = httpx.get(f"{srv.url}/api/rounds/{rnd['id']}", headers=api).json()["agencies"][0]["submission"]
        b.get(f"{srv.url}/so-noi-vu/bai/{sid}")
        assert _fits(b)
        b.set_window_size(390, 844)
        b.get(f"{srv.url}/so-noi-vu/nhat-ky?dot={rnd['id']}")
        assert _fits(b) and "Trả lại bài nộp" in b.find_element(By.TAG_NAME, "main").text
        _shot(b, shots, "6_nhat_ky_390", width=390)

        # re-issuing a link: a button, a confirmation, and the new link on the page
        b.set_window_size(1280, 1000)
        b.get(f"{srv.url}/so-noi-vu/dot/{rnd['id']}")
        b.find_element(By.XPATH, "//tr[td[contains(., 'Sở Nội vụ')]]//a[contains(., 'đường dẫn')]").click()
        b.find_element(By.PARTIAL_LINK_TEXT, "Cấp lại đường dẫn").click()
        assert "không dùng được nữa" in b.find_element(By.TAG_NAME, "main").text
        _shot(b, shots, "7_xac_nhan_cap_lai_1280")
        _submit(b, "#xac-nhan")
        new_link = b.find_element(By.ID, "duong-dan-hien-tai").text
        assert "Đã làm: Cấp lại đường dẫn nộp bài" in b.find_element(By.ID, "da-lam").text
        assert new_link.startswith(srv.url + "/nop/") and httpx.get(new_link).status_code == 200
        _shot(b, shots, "8_duong_dan_moi_1280")
    finally:
        srv.stop()
