"""The command line refuses what it cannot do well, in one Vietnamese line, and never destroys an
agency's file."""

from __future__ import annotations

import errno

import pytest
from conftest import EXAMPLES

from cchc_xl.cli import main
from cchc_xl.files.fileio import os_reason

STC_JSON = str(EXAMPLES / "so_tai_chinh_2024_6thang.json")


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    return err


def test_appendix_never_overwrites_its_input(make_workbook, stc, capsys):
    path = make_workbook(stc)
    before = path.read_bytes()
    assert main(["appendix", str(path), "-o", str(path)]) == 2
    assert "phải khác tệp đầu vào" in _err(capsys)
    assert path.read_bytes() == before


@pytest.mark.parametrize("argv, words", [
    (["template", "--appraisal", "-o", "{d}/ap.xlsm"], "đuôi .xlsx"),
    (["template", "--appraisal", "--level", "xa", "-o", "{d}/ap.xlsx"], "--level không dùng được cùng --appraisal"),
    (["template", "--consolidation", "-o", "{d}/th.xlsm"], "thêm --macros"),
    (["template", "--data", STC_JSON, "--level", "xa", "-o", "{d}/x.xlsx"], "--level không dùng được cùng --data"),
    (["template", "--from", STC_JSON, "--agency", "Khác", "-o", "{d}/x.xlsx"], "--agency không dùng được cùng --from"),
    (["appendix", STC_JSON, "-o", "{d}/pl.pdf"], "đuôi .xlsx"),
])
def test_options_that_cannot_apply_are_refused_not_ignored(argv, words, tmp_path, capsys):
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    assert words in _err(capsys)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_unexpected_failure_is_one_vietnamese_line(monkeypatch, tmp_path, capsys):
    import cchc_xl.workbook.template as template

    def boom(*a, **k):
        raise KeyError("x")

    monkeypatch.setattr(template, "write_template", boom)
    monkeypatch.delenv("CCHC_XL_DEBUG", raising=False)
    assert main(["template", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "lỗi ngoài dự kiến khi chạy lệnh template (KeyError" in _err(capsys)


def test_operating_system_reasons_are_vietnamese():
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "hết dung lượng đĩa"
    assert os_reason(FileNotFoundError(errno.ENOENT, "No such file")) == "không tìm thấy tệp hoặc thư mục"
    assert "No such" not in os_reason(OSError(errno.ENOENT, "No such file"))


def test_appendix_of_a_workbook_with_errors_is_written_and_says_so(make_workbook, stc, tmp_path, capsys):
    import copy

    rep = copy.deepcopy(stc)
    rep["deductions"][0]["score"] = 99  # above the criterion's maximum
    out = tmp_path / "pl.xlsx"
    assert main(["appendix", str(make_workbook(rep)), "-o", str(out)]) == 1
    assert out.exists() and "còn 1 lỗi" in capsys.readouterr().err
    assert main(["appendix", str(make_workbook(stc)), "-o", str(out)]) == 0


def test_a_broken_json_report_is_explained_without_english(tmp_path, capsys):
    bad = tmp_path / "bao_cao.json"
    bad.write_text('{"agency": ', encoding="utf-8")
    assert main(["template", "--data", str(bad), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "bao_cao.json: không phải JSON hợp lệ (sai cú pháp ở dòng 1, cột 12)" in _err(capsys)
    bad.write_text('{"schema_version": "1"}', encoding="utf-8")
    assert main(["template", "--data", str(bad), "-o", str(tmp_path / "x.xlsx")]) == 2
    err = _err(capsys)
    assert "thiếu Thông tin cơ quan (agency)" in err and "required property" not in err


def test_a_malformed_province_catalog_is_explained_without_english(tmp_path, capsys):
    folder = tmp_path / "danh_muc" / "so"
    folder.mkdir(parents=True)
    (folder / "indicators.json").write_text('{"kind": "indicators", "level": "so"}', encoding="utf-8")
    from cchc_xl import spec

    try:
        code = main(["--catalog", str(tmp_path / "danh_muc"), "template", "-o", str(tmp_path / "x.xlsx")])
    finally:
        spec.set_catalog_dirs([])  # the option lasts for the process: give the other tests the built-in ones
    err = _err(capsys)
    assert code == 2 and "indicators.json" in err and "không hợp lệ" in err
    assert "is a required property" not in err and "does not match" not in err
