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

from cchc_xl.template import write_template  # noqa: E402

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


def _shot(drv, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    height = drv.execute_script("return document.body.scrollHeight")
    drv.set_window_size(1280, max(900, min(height + 100, 4000)))
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
        assert "Bài này đã được nộp." in main and "Đã nộp" in main
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
