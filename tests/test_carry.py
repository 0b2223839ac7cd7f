"""``cchc-xl template --from PREVIOUS.xlsx``: the next period's workbook carries exactly the open items."""

from __future__ import annotations

import copy
import sys

import pytest

from cchc_xl import spec
from cchc_xl.check.validate import validate_file
from cchc_xl.cycle.carry import CarryError, carry_item, next_period, next_report, resolve_period, write_next
from cchc_xl.read.agency import read_file


@pytest.mark.parametrize("prev, nxt", [
    ((2024, "quy_1"), (2024, "quy_2")),
    ((2024, "quy_2"), (2024, "quy_3")),
    ((2024, "quy_3"), (2024, "quy_4")),
    ((2024, "quy_4"), (2025, "quy_1")),
    ((2024, "6_thang"), (2024, "nam")),
    ((2024, "9_thang"), (2024, "nam")),
    ((2024, "nam"), (2025, "6_thang")),
])
def test_next_period(prev, nxt):
    assert next_period(*prev) == nxt
    assert resolve_period(*prev) == nxt


def test_period_overrides():
    assert resolve_period(2024, "6_thang", kind="quy_3") == (2024, "quy_3")
    assert resolve_period(2024, "6_thang", kind="6_thang") == (2025, "6_thang")  # the next 6-month report
    assert resolve_period(2024, "nam", kind="quy_1") == (2025, "quy_1")
    assert resolve_period(2024, "6_thang", year=2025) == (2025, "nam")
    assert resolve_period(2024, "6_thang", year=2026, kind="9_thang") == (2026, "9_thang")
    with pytest.raises(ValueError, match="không sau kỳ trước"):
        resolve_period(2024, "nam", year=2024)
    with pytest.raises(ValueError, match="không sau kỳ trước"):
        resolve_period(2024, "quy_3", kind="9_thang", year=2024)  # ends the same day
    with pytest.raises(ValueError, match="--year và --period"):
        resolve_period(None, "nam")
    assert resolve_period(None, None, year=2025, kind="nam") == (2025, "nam")


def _with_statuses(report: dict, statuses: list) -> dict:
    doc = copy.deepcopy(report)
    for it, st in zip(doc["remediation"], statuses):
        it["status"] = st
        if st == "hoan_thanh" and not it.get("progress"):
            it["progress"] = "Đã khắc phục xong."
    return doc


STATUSES = ["hoan_thanh", "dang_thuc_hien", "chua_thuc_hien", "khong_the_thuc_hien"]


def test_within_the_cycle_the_years_record_is_whole(tmp_path, make_workbook, sngv):
    """6 tháng → năm: every item of the cycle is carried, finished ones with their status and result,
    so the annual Phụ lục II lists the year's work and its rate counts the first half's results."""
    from cchc_xl.appendix.agency import remediation_model
    prev_doc = _with_statuses(sngv, [STATUSES[i % 4] for i in range(len(sngv["remediation"]))])
    prev = make_workbook(prev_doc, name="sngv_6thang.xlsx")
    before = read_file(prev).report
    out, count = write_next(prev, tmp_path / "sngv_nam.xlsx")
    doc = read_file(out).report
    assert doc["period"] == {"year": 2024, "kind": "nam"}
    assert count == len(before["remediation"]) == 16
    assert [it["issue"] for it in doc["remediation"]] == [it["issue"] for it in before["remediation"]]
    for new, old in zip(doc["remediation"], before["remediation"]):
        assert new["carried_from"] == {"year": 2024, "kind": "6_thang"}
        if old["status"] == "hoan_thanh":  # as it stands: status, result and note
            assert (new["status"], new["progress"], new["note"]) == (old["status"], old["progress"], old["note"])
    done = sum(1 for it in before["remediation"] if it["status"] == "hoan_thanh")
    assert done == sum(1 for it in doc["remediation"] if it["status"] == "hoan_thanh") == 4
    rep = validate_file(out)
    assert not [i for i in rep.issues if i.code in ("uncovered_earlier", "uncovered_deduction")]  # nothing to re-add
    cat = spec.catalog("so", doc["appraisal_year"])
    texts = " ".join(str(c.value) for row in remediation_model(doc, cat).rows for c in row.cells if c and c.value)
    from cchc_xl.appendix.agency import progress_text
    finished = [it for it in before["remediation"] if it["status"] == "hoan_thanh"]
    assert all(progress_text(it) in texts for it in finished)  # Phụ lục II lists the first half's results


def test_new_cycle_carries_exactly_the_unfinished_items(tmp_path, make_workbook, sngv):
    prev_doc = _with_statuses(sngv, [STATUSES[i % 4] for i in range(len(sngv["remediation"]))])
    prev_doc["remediation"][1]["note"] = "Chờ hướng dẫn của Sở Nội vụ"
    prev_doc["indicators"] = {"1.1.1": {"value": 38, "note": "38 nhiệm vụ trọng tâm"}}
    prev_doc["report"] = {"number": "1073/BC-SNgV", "date": "2024-06-14"}
    prev = make_workbook(prev_doc, name="sngv_6thang.xlsx")
    before = read_file(prev).report
    out, count = write_next(prev, tmp_path / "sngv_2025.xlsx", year=2025, kind="6_thang")
    assert out == tmp_path / "sngv_2025.xlsx"
    doc = read_file(out).report

    open_items = [it for it in before["remediation"] if it["status"] != "hoan_thanh"]
    assert count == len(open_items) == 12
    assert [it["issue"] for it in doc["remediation"]] == [it["issue"] for it in open_items]
    for new, old in zip(doc["remediation"], open_items):
        assert new["code"] == old["code"]
        assert new["solution"] == old["solution"] and new["deadline"] == old["deadline"]
        assert new["status"] == old["status"]  # kept: the dropdown shows where it stood
        assert new["progress"] is None  # free for this period's progress
        assert new["carried_from"] == {"year": 2024, "kind": "6_thang"}
        lines = [old["note"]] if old["note"] else []
        if old["progress"]:
            lines.append(f"Kỳ trước (6 tháng đầu năm 2024): {old['progress']}")
        assert new["note"] == ("\n".join(lines) or None)
    assert doc["remediation"][0]["note"].startswith("Chờ hướng dẫn của Sở Nội vụ\nKỳ trước (6 tháng đầu năm 2024): ")

    assert doc["agency"] == before["agency"]
    assert doc["period"] == {"year": 2025, "kind": "6_thang"}
    assert doc["appraisal_year"] == before["appraisal_year"] == 2023
    assert doc["deductions"] == before["deductions"]
    assert doc["areas"] == before["areas"]
    assert doc["report"] == {"number": None, "date": None}
    assert doc["indicators"] == {} and doc["propaganda"] == {}
    assert before["indicators"] and before["report"]["number"]  # were there, and were not carried


def test_next_workbook_validation(tmp_path, make_workbook, sngv):
    """Only "Đã hoàn thành" closes an item. A criterion whose items were all finished keeps its deduction but
    has no row left: in a carried-forward workbook that is a warning (probably finished last period), not an error."""
    statuses = [STATUSES[i % 4] for i in range(len(sngv["remediation"]))]
    prev = make_workbook(_with_statuses(sngv, statuses))
    out, _ = write_next(prev, tmp_path / "next.xlsx", year=2025, kind="6_thang")  # a new cycle: unfinished only
    rep = validate_file(out)
    finished = {it["code"] for it, st in zip(sngv["remediation"], statuses) if st == "hoan_thanh"}
    uncovered = {i.message.split()[2] for i in rep.issues if i.code == "uncovered_earlier"}
    assert uncovered == finished
    assert all(i.severity == "warning" for i in rep.issues if i.code == "uncovered_earlier")
    # what the agency must still give: the new report's date, and (seed 000 has none) area scores
    errors = [(i.code, i.field) for i in rep.issues if i.severity == "error"]
    assert ("required", "report.date") in errors
    assert {c for c, f in errors} == {"required"} and all(f == "report.date" or f.startswith("area_rows.")
                                                         for c, f in errors)


def test_all_open_items_of_the_stc_report(tmp_path, make_workbook, stc):
    prev = make_workbook(stc)
    out, count = write_next(prev, tmp_path / "stc_nam.xlsx", kind="9_thang")
    doc = read_file(out).report
    assert count == len(stc["remediation"]) == 8
    assert doc["period"] == {"year": 2024, "kind": "9_thang"}
    assert all(it["carried_from"] == {"year": 2024, "kind": "6_thang"} for it in doc["remediation"])
    # valid but for the new report's date, which the agency gives
    assert [(i.code, i.field) for i in validate_file(out).issues if i.severity == "error"] == [
        ("required", "report.date")]


def test_carry_twice_keeps_the_history_in_the_note(tmp_path, make_workbook, stc):
    first, _ = write_next(make_workbook(stc), tmp_path / "nam.xlsx")
    second, _ = write_next(first, tmp_path / "6thang_2025.xlsx")
    doc = read_file(second).report
    assert doc["period"] == {"year": 2025, "kind": "6_thang"}
    it = doc["remediation"][0]
    assert it["carried_from"] == {"year": 2024, "kind": "nam"}
    assert it["note"].startswith("Kỳ trước (6 tháng đầu năm 2024): ")  # the progress of the 6-month report stays


def test_unrecognised_or_missing_status_is_carried():
    prev = {"year": 2024, "kind": "nam"}
    item = carry_item({"code": None, "issue": "X", "status": "Đang chờ", "progress": "Đã xin ý kiến"}, prev)
    assert item["status"] is None
    assert item["note"] == "Kỳ trước (năm 2024): tình trạng ghi “Đang chờ”; Đã xin ý kiến"
    item = carry_item({"code": "1.1", "issue": "Y", "status": None, "progress": None, "note": None}, prev)
    assert item["note"] is None and item["carried_from"] == prev


def test_next_report_without_a_known_previous_period():
    doc = {"agency": {"name": "Sở Y tế", "code": None, "level": "so"}, "period": {"year": None, "kind": None},
           "appraisal_year": 2023, "remediation": [{"issue": "A", "status": "dang_thuc_hien", "progress": "p"}]}
    with pytest.raises(ValueError):
        next_report(doc, "so")
    rep, n = next_report(doc, "so", year=2024, kind="nam")
    assert n == 1 and rep["remediation"][0]["carried_from"] is None
    assert rep["remediation"][0]["note"] == "Kỳ trước: p"


def test_errors_name_the_file(tmp_path, make_workbook, stc):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CarryError, match="hong.xlsx"):
        write_next(bad, tmp_path / "x.xlsx")
    with pytest.raises(CarryError, match="khong_co.xlsx"):
        write_next(tmp_path / "khong_co.xlsx", tmp_path / "x.xlsx")
    from cchc_xl.cycle.appraisal import write_appraisal_template

    ap = write_appraisal_template(tmp_path / "so_tham_dinh.xlsx", year=2023)
    with pytest.raises(CarryError, match="so_tham_dinh.xlsx"):
        write_next(ap, tmp_path / "x.xlsx")
    prev = make_workbook(stc, name="stc.xlsx")
    with pytest.raises(CarryError, match="phải khác tệp kỳ trước"):
        write_next(prev, prev)
    with pytest.raises(CarryError, match=".xlsm"):
        write_next(prev, tmp_path / "x.xlsm")
    with pytest.raises(CarryError, match="phải có đuôi .xlsm"):
        write_next(prev, tmp_path / "x.xlsx", macros=True)
    with pytest.raises(CarryError, match="không sau kỳ trước"):
        write_next(prev, tmp_path / "x.xlsx", year=2024, kind="quy_1")
    assert not (tmp_path / "x.xlsx").exists()


def test_macros_without_xlwings_say_what_to_install(tmp_path, make_workbook, stc, monkeypatch):
    monkeypatch.setitem(sys.modules, "xlwings", None)  # not installed: the import fails
    out = tmp_path / "x.xlsm"
    with pytest.raises(CarryError, match="x.xlsm: Cần thư viện xlwings"):
        write_next(make_workbook(stc), out, macros=True)
    assert not out.exists()


def test_macros_variant(tmp_path, make_workbook, stc):
    out, count = write_next(make_workbook(stc), tmp_path / "next.xlsm", macros=True)
    assert out.exists() and count == 8
    assert [it["carried_from"] for it in read_file(out).report["remediation"]] == [{"year": 2024, "kind": "6_thang"}] * 8


def test_cli_from(tmp_path, make_workbook, stc, capsys):
    from cchc_xl.cli import main

    prev = make_workbook(stc)
    assert main(["template", "--from", str(prev), "-o", str(tmp_path / "next.xlsx"), "--period", "nam"]) == 0
    assert "chuyển 8 tồn tại" in capsys.readouterr().out
    assert main(["template", "--from", str(tmp_path / "khong_co.xlsx"), "-o", str(tmp_path / "n2.xlsx")]) == 2
    assert "khong_co.xlsx" in capsys.readouterr().err


def test_catalog_labels_are_used_for_the_note():
    assert spec.period_words("quy_2", 2025) == "quý II năm 2025"
    item = carry_item({"issue": "Z", "status": "dang_thuc_hien", "progress": "đang làm"}, {"year": 2025, "kind": "quy_2"})
    assert item["note"] == "Kỳ trước (quý II năm 2025): đang làm"


def test_carried_items_are_not_marked_renamed_when_only_the_spelling_of_the_name_differs(tmp_path, make_workbook,
                                                                                          huong_khe):
    """"UBND huyện Hương Khê" last year and "Ủy ban nhân dân huyện Hương Khê" in this year's registry
    are one agency (the lineage matches them): its items are carried without the note that names a
    former agency; a former name does get it."""
    from cchc_xl.cycle.distribute import add_previous_items
    from cchc_xl.read.appraisal import Agency

    prev = tmp_path / "truoc"
    prev.mkdir()
    make_workbook(huong_khe, name="truoc/hk.xlsx")
    open_items = [it for it in huong_khe["remediation"] if it["status"] != "hoan_thanh"]
    spelled = Agency("Ủy ban nhân dân huyện Hương Khê", "HK", "huyen", "Cơ quan", "A5")
    report = {"remediation": []}
    found = add_previous_items([(spelled, report)], prev)
    assert found.carried == {spelled.name: len(open_items)} and found.orphans == []
    assert not any("tên trước sắp xếp" in (it.get("note") or "") for it in report["remediation"])
    merged = Agency("UBND huyện Hương Sơn Khê", None, "huyen", "Cơ quan", "A5", ("UBND huyện Hương Khê",))
    report = {"remediation": []}
    add_previous_items([(merged, report)], prev)
    assert len(report["remediation"]) == len(open_items)
    assert all(it["note"].startswith("Chuyển từ báo cáo của UBND huyện Hương Khê (tên trước sắp xếp)")
               for it in report["remediation"])


def test_previous_folder_is_searched_as_the_consolidation_searches_its_folder(tmp_path, make_workbook, huong_khe):
    """``distribute --from`` looks at every suffix the reader supports (.xlsb too, which it used to
    pass over in silence) and, like the consolidation, not at lock files or hidden folders."""
    import shutil

    from conftest import ROOT

    from cchc_xl.cycle.previous import read_previous, workbook_files

    prev = tmp_path / "truoc"
    (prev / ".an").mkdir(parents=True)
    good = make_workbook(huong_khe, name="truoc/hk.xlsx")
    shutil.copy(good, prev / ".an" / "hk_cu.xlsx")
    shutil.copy(good, prev / "~$hk.xlsx")
    shutil.copy(ROOT / "tests" / "data" / "bad" / "vung_doc" / "xlsb_o_xa.xlsb", prev / "khac.xlsb")
    (prev / "ghi_chu.txt").write_text("không phải bảng tính", encoding="utf-8")
    assert workbook_files(prev) == [good, prev / "khac.xlsb"]
    folder = read_previous(prev)
    assert [wb.name for wb in folder.latest] == ["UBND huyện Hương Khê"]
    assert [f for f, _ in folder.skipped] == ["khac.xlsb"]  # read, and said why it is not a report
