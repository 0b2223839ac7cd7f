"""``distribute`` of a province's communes: from ``PARALLEL_FROM`` workbooks they are written by
one process per processor — every workbook, in the order of the registry, and none kept when one
fails."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from cchc_xl import spec
from cchc_xl.cycle import distribute as dist
from cchc_xl.cycle.appraisal import write_appraisal_template
from cchc_xl.read.agency import read_file
from cchc_xl.read.appraisal import DistributeError, decl

N = dist.PARALLEL_FROM + 3


@pytest.fixture
def appraisal(tmp_path):
    path = tmp_path / "tham_dinh_2023.xlsx"
    write_appraisal_template(path, year=2023)
    sheets = decl()["sheets"]
    wb = load_workbook(path)
    wb[sheets["info"]["title"]]["B5"] = 2023
    cols = [c["key"] for c in sheets["registry"]["columns"]]
    ws = wb[sheets["registry"]["title"]]
    level = spec.label_of("levels", "xa")
    for i in range(N):
        for key, value in (("name", f"UBND xã Thử {i:03d}"), ("code", f"X{i:03d}"), ("level", level)):
            ws.cell(row=sheets["registry"]["header_row"] + 1 + i, column=cols.index(key) + 1, value=value)
    wb.save(path)
    return path


def test_many_communes_are_all_written_in_registry_order(appraisal, tmp_path):
    written = dist.distribute(appraisal, tmp_path / "phat")
    assert [p.stem for p in written] == [f"UBND xã Thử {i:03d}" for i in range(N)]
    assert all(p.exists() for p in written)
    assert read_file(written[-1]).report["agency"]["name"] == f"UBND xã Thử {N - 1:03d}"


def test_one_failed_workbook_keeps_none(appraisal, tmp_path, monkeypatch):
    import cchc_xl.workbook.template as template

    real = template.write_template

    def failing(target, **kw):
        if "Thử 030" in str(target):
            raise OSError(28, "No space left on device")
        return real(target, **kw)

    monkeypatch.setattr(template, "write_template", failing)  # inherited by the writing processes
    with pytest.raises(DistributeError, match="không tệp nào được giữ lại"):
        dist.distribute(appraisal, tmp_path / "phat")
    assert not list((tmp_path / "phat").glob("*.xlsx"))
