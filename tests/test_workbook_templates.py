"""The committed files in workbook_templates/ are what the code builds today (content, not bytes)."""

from __future__ import annotations

from conftest import ROOT

from cchc_xl import build_templates


def test_every_entry_is_committed():
    for filename, _ in build_templates.ENTRIES:
        assert (ROOT / "workbook_templates" / filename).is_file(), \
            f"{filename} missing: run python -m cchc_xl.build_templates"


def test_committed_workbooks_are_not_stale():
    problems = build_templates.stale(ROOT / "workbook_templates")
    assert not problems, "stale (run python -m cchc_xl.build_templates): " + "; ".join(
        f"{name}: {why}" for name, why in problems)


def test_fingerprint_sees_a_changed_cell_and_a_changed_macro(tmp_path):
    import zipfile

    from openpyxl import load_workbook

    src = ROOT / "workbook_templates" / "bao_cao_cchc_so_ban_nganh.xlsx"
    wb = load_workbook(src)
    wb["Thông tin"]["C5"] = "khác"
    wb.save(tmp_path / "a.xlsx")
    assert build_templates.fingerprint(tmp_path / "a.xlsx") != build_templates.fingerprint(src)
    xlsm = ROOT / "workbook_templates" / "bao_cao_cchc_so_ban_nganh.xlsm"
    with zipfile.ZipFile(xlsm) as zin, zipfile.ZipFile(tmp_path / "b.xlsm", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/vbaProject.bin":
                from cchc_xl.workbook.vba.project import build_vba_project, read_vba_modules, standard_module

                mods = read_vba_modules(data)
                data = build_vba_project([standard_module(mods["CCHC"] + "' khac\r\n")])
            zout.writestr(info.filename, data)
    diff = build_templates._diff(build_templates.fingerprint(tmp_path / "b.xlsm"), build_templates.fingerprint(xlsm))
    assert diff == "mã VBA khác"


def test_build_templates_can_write_elsewhere(tmp_path, capsys):
    assert build_templates.main(["--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {f for f, _ in build_templates.ENTRIES} <= names
    assert build_templates.main(["--out", str(tmp_path), "--check"]) == 0
    assert "đều đúng" in capsys.readouterr().out
