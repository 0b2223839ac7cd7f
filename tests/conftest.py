"""Shared fixtures: example reports, workbooks built from them, and LibreOffice when present."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def assert_rows_in_order(sheet_xml: str, where: str = "") -> None:
    """Rows of a worksheet's XML numbered strictly upwards, and cells left to right in each, as
    Excel requires (it reports a file that breaks this as damaged; openpyxl and LibreOffice
    tolerate it, so a test reading the file back would not notice)."""
    import re

    from openpyxl.utils import column_index_from_string

    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', sheet_xml)]
    assert rows == sorted(set(rows)), f"{where}: rows out of order or repeated"
    for r, body in re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', sheet_xml):
        refs = re.findall(r'<c r="([A-Z]+)(\d+)"', body)
        assert all(num == r for _, num in refs), f"{where}: a cell outside its row {r}"
        cols = [column_index_from_string(c) for c, _ in refs]
        assert cols == sorted(set(cols)), f"{where}: cells of row {r} out of order or repeated"


def load_example(stem: str) -> dict:
    return json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


@pytest.fixture
def stc() -> dict:
    """Sở Tài chính, 6 tháng 2024 (seed 004)."""
    return load_example("so_tai_chinh_2024_6thang")


@pytest.fixture
def sngv() -> dict:
    """Sở Ngoại vụ Hà Tĩnh, 6 tháng 2024 (seed 000)."""
    return load_example("so_ngoai_vu_ha_tinh_2024_6thang")


@pytest.fixture
def huong_khe() -> dict:
    """UBND huyện Hương Khê, 9 tháng 2023 (seed 002)."""
    return load_example("ubnd_huyen_huong_khe_2023_9thang")


@pytest.fixture
def make_workbook(tmp_path):
    """Build an agency workbook from a report dict (a deep copy, so tests may mutate theirs)."""
    from cchc_xl.workbook.template import write_template

    counter = {"n": 0}

    def _make(report: dict | None = None, name: str | None = None, **kw) -> Path:
        counter["n"] += 1
        out = tmp_path / (name or f"wb{counter['n']}.xlsx")
        write_template(out, report=copy.deepcopy(report) if report else None, **kw)
        return out

    return _make


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def soffice(tmp_path):
    """Run LibreOffice headless: convert(path, fmt) → converted path. Skips when absent."""
    exe = soffice_path()
    if not exe:
        pytest.skip("LibreOffice (soffice) không có trên máy này")
    profile = tmp_path / "lo-profile"

    def convert(path: Path, fmt: str, outdir: Path | None = None) -> Path:
        outdir = outdir or (tmp_path / f"lo-{fmt}")
        outdir.mkdir(exist_ok=True)
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                        "--convert-to", fmt, "--outdir", str(outdir), str(path)],
                       check=True, capture_output=True, timeout=180)
        out = outdir / (Path(path).stem + "." + fmt.split(":")[0])
        assert out.exists(), f"LibreOffice did not write {out}"
        return out

    return convert
