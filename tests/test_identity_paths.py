"""Tone-mark twins through every path that matches agencies: the registry loader, the consolidation
(duplicates, the registry, missing agencies, the note on “Tình hình nộp”), the comparison with the
previous period, distribute (appraisal ↔ registry), distribute --from and template --from.

Each test checks that no agency is dropped: every registry row is accounted for, and every file is
counted for exactly one agency or listed with its reason."""

from __future__ import annotations

import json
import random

import pytest

from cchc_xl.demo import sample_report
from cchc_xl.workbook.template import write_template

REGISTRY = ("ten,ma,cap\n"
            "UBND xã Bình Thạnh,XBT1,xa\n"
            "UBND xã Bình Thanh,XBT2,xa\n"
            "Thạch Hà,,huyen\n"
            "Thạch Hạ,,xa\n"
            "UBND xã Hòa Bình,,xa\n"
            "Sở Tư pháp,STP,so\n")
NAMES = ["UBND xã Bình Thạnh", "UBND xã Bình Thanh", "Thạch Hà", "Thạch Hạ", "UBND xã Hòa Bình", "Sở Tư pháp"]


def _report(name, code, level, year=2024, kind="6_thang", date=None, seed=1, items=None):
    doc = sample_report(name, code, level, year, kind, random.Random(seed))
    doc["report"]["date"] = date
    if items is not None:
        doc["remediation"] = [{"code": None, "issue": text, "solution": "Khắc phục trong năm", "deadline": "Năm 2025",
                               "status": "dang_thuc_hien", "progress": None, "note": None} for text in items]
    return doc


def _registry(tmp_path, text=REGISTRY):
    path = tmp_path / "danh_sach.csv"
    path.write_text(text, encoding="utf-8")
    return path


# ---- the registry loader ---------------------------------------------------------------------------

def test_the_registry_keeps_every_tone_mark_twin(tmp_path):
    from cchc_xl.read.registry import RegistryIndex, load_registry

    agencies = load_registry(_registry(tmp_path))
    assert [a.name for a in agencies] == NAMES  # 6 rows in, 6 agencies out
    index = RegistryIndex(agencies)
    assert index.match_how("UBND xã Bình Thanh") == (1, "name")
    assert index.match_how("UBND xa Hoa Binh") == (4, "folded")
    assert index.find("Thach Ha") is None and set(index.resolve("Thach Ha").candidates) == {2, 3}


@pytest.mark.parametrize("extra, lines, words", [
    ("Uỷ ban nhân dân xã Hoà Bình,,xa\n", ("dòng 6", "dòng 8"), "cùng một tên cơ quan"),
    ("Xã Bình Thạnh (mới),xbt1,xa\n", ("dòng 2", "dòng 8"), "cùng mã “xbt1”"),
])
def test_a_registry_that_would_merge_two_rows_is_refused_naming_both(tmp_path, extra, lines, words):
    from cchc_xl.read.registry import RegistryError, load_registry

    with pytest.raises(RegistryError) as err:
        load_registry(_registry(tmp_path, REGISTRY + extra))
    message = str(err.value)
    assert message.startswith("danh_sach.csv: ")
    assert all(line in message for line in lines) and words in message


# ---- the consolidation -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    d = tmp_path_factory.mktemp("bai_nop")
    files = {
        "a.xlsx": ("UBND xã Bình Thạnh", "XBT1", "xa", "2024-06-20"),
        "b.xlsx": ("UBND xã Bình Thanh", "XBT2", "xa", "2024-06-20"),
        "c.xlsx": ("Thạch Hà", None, "huyen", "2024-06-20"),
        "d.xlsx": ("Thạch Hạ", None, "xa", "2024-06-20"),
        "e.xlsx": ("Thach Ha", None, "xa", "2024-06-21"),  # fits both: counted for neither
        "f.xlsx": ("UBND xa Hoa Binh", None, "xa", "2024-06-10"),  # fits one: Hòa Bình
        "g.xlsx": ("UBND xã Hoà Bình", None, "xa", "2024-06-20"),  # the other tone placement
        "h.xlsx": ("Ủy ban nhân dân xã Bình Thạnh", "XBT1", "xa", "2024-06-01"),
        "i.xlsx": ("UBND xã Hòa Bình", None, "xa", "2024-06-15"),
        "j.xlsx": ("UBND xa Binh Thanh", "XBT2", "xa", "2024-06-02"),  # fits both by name, the code decides
    }
    for n, (fname, (name, code, level, date)) in enumerate(files.items()):
        write_template(d / fname, report=_report(name, code, level, date=date, seed=n))
    return d


def test_consolidation_counts_each_twin_for_itself_and_lists_the_undecided_file(inbox, tmp_path):
    from cchc_xl.appendix.tables import sheet_tables
    from cchc_xl.consolidate import consolidate

    cons = consolidate(inbox, registry=_registry(tmp_path), jobs=1)
    by_file = {f.file: f for f in cons.files}
    accepted = {f.file: f.agency for f in cons.accepted}
    assert accepted == {"a.xlsx": "UBND xã Bình Thạnh", "b.xlsx": "UBND xã Bình Thanh", "c.xlsx": "Thạch Hà",
                        "d.xlsx": "Thạch Hạ", "g.xlsx": "UBND xã Hòa Bình"}
    assert cons.missing_agencies == ["Sở Tư pháp"]  # every other registry row has its own report
    assert {f.registry_index for f in cons.accepted} == {0, 1, 2, 3, 4}
    # the undiacritized name fitting two agencies: rejected, both candidates named, how to decide said
    e = by_file["e.xlsx"]
    assert e.status == "rejected" and e.registry_index is None
    assert e.reason.startswith("không xác định được cơ quan: tên “Thach Ha”")
    assert "“Thạch Hà”" in e.reason and "“Thạch Hạ”" in e.reason
    assert "Mã, ký hiệu cơ quan" in e.reason and "gõ đủ dấu" in e.reason
    # duplicates, with the rule that decided
    assert {k: by_file[f"{k}.xlsx"].status for k in "fhij"} == {k: "duplicate" for k in "fhij"}
    assert "(cùng mã XBT1)" in by_file["h.xlsx"].reason and "a.xlsx" in by_file["h.xlsx"].reason
    assert "(cùng mã XBT2)" in by_file["j.xlsx"].reason and "b.xlsx" in by_file["j.xlsx"].reason
    assert "(cùng tên cơ quan)" in by_file["i.xlsx"].reason and "g.xlsx" in by_file["i.xlsx"].reason
    assert "tên gõ không dấu “UBND xa Hoa Binh” chỉ khớp" in by_file["f.xlsx"].reason
    # nothing dropped, nothing doubled: the figures are the accepted files' own
    summary = cons.summary()
    assert len(summary["files"]) == 10
    assert summary["counts"]["deductions"] == sum(len(by_file[k].report["deductions"]) for k in accepted)
    # the note of “Tình hình nộp” says it, row by row
    table = next(t for t in sheet_tables(cons) if t.name == "Tình hình nộp")
    reason_col = next(i for i, c in enumerate(table.columns) if c.title.startswith("Lý do") or "Ghi chú" in c.title)
    file_col = next(i for i, c in enumerate(table.columns) if c.title.startswith("Tệp"))
    notes = {row[file_col]: row[reason_col] for row in table.rows if row[file_col]}
    assert "cùng mã XBT1" in notes["h.xlsx"] and "cùng tên cơ quan" in notes["i.xlsx"]
    assert notes["e.xlsx"].startswith("không xác định được cơ quan")
    agencies_listed = [row[1] for row in table.rows if row[1]]
    assert all(name in agencies_listed for name in NAMES)


def test_without_a_registry_two_codes_are_two_agencies(inbox, tmp_path):
    """The issue's report: Bình Thạnh (XBT1) and Bình Thanh (XBT2) were one agency, one report dropped."""
    from cchc_xl.consolidate import consolidate

    only = tmp_path / "hai_xa"
    only.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (only / name).write_bytes((inbox / name).read_bytes())
    cons = consolidate(only, jobs=1)
    assert sorted(f.agency for f in cons.accepted) == ["UBND xã Bình Thanh", "UBND xã Bình Thạnh"]
    assert not [f for f in cons.files if f.status != "accepted"]


def test_one_name_with_two_codes_is_two_agencies_and_a_file_without_code_is_undecided(tmp_path):
    """Communes of one name in two districts: the registry gives each its code; a file without code
    cannot be counted for either, and the comparison basis keeps their figures apart."""
    from cchc_xl.consolidate import consolidate

    d = tmp_path / "bai_nop"
    d.mkdir()
    for n, (fname, code) in enumerate([("a1.xlsx", "A1"), ("b1.xlsx", "B1"), ("khong_ma.xlsx", None)]):
        write_template(d / fname, report=_report("UBND xã Bình Thạnh", code, "xa", seed=80 + n))
    reg = _registry(tmp_path, "ten,ma,cap\nUBND xã Bình Thạnh,A1,xa\nUBND xã Bình Thạnh,B1,xa\n")
    cons = consolidate(d, registry=reg, jobs=1)
    assert sorted((f.file, f.registry_index) for f in cons.accepted) == [("a1.xlsx", 0), ("b1.xlsx", 1)]
    stray = next(f for f in cons.files if f.file == "khong_ma.xlsx")
    assert stray.status == "rejected" and "trùng với 2 cơ quan khác mã" in stray.reason
    assert "(mã A1)" in stray.reason and "(mã B1)" in stray.reason
    basis = cons.summary()["comparison_basis"]["agencies"]
    assert sorted(b["code"] for b in basis) == ["A1", "B1"]
    own = {f.agency_code: f.report for f in cons.accepted}
    for b in basis:
        assert b["remediation"]["total"] == len(own[b["code"]]["remediation"])


def test_a_registry_list_given_in_code_is_held_to_the_same_rule(inbox):
    from cchc_xl.consolidate import ConsolidationError, consolidate

    with pytest.raises(ConsolidationError, match="cùng một tên cơ quan"):
        consolidate(inbox, registry=[{"name": "UBND xã Hòa Bình"}, {"name": "UBND xã Hoà Bình"}], jobs=1)


def _consolidation_book(tmp_path, folder, registry):
    """The consolidation workbook's Tổng hợp button, as xlwings' remote engine runs it."""
    pytest.importorskip("xlwings")
    from test_excel import make_book

    from cchc_xl.workbook.macros import CONFIG_HEADER_ROW, build_consolidation_workbook

    wb = build_consolidation_workbook()
    ws = wb["Cấu hình"]
    for i, v in enumerate((str(folder), str(registry)), start=1):
        ws.cell(row=CONFIG_HEADER_ROW + i, column=2, value=v)
    path = tmp_path / "tong_hop.xlsx"
    wb.save(path)
    return make_book(path)


def test_the_tong_hop_button_tells_the_twins_apart(inbox, tmp_path):
    from test_excel import alerts

    from cchc_xl import excel

    cons = excel.consolidate_book(_consolidation_book(tmp_path, inbox, _registry(tmp_path)))
    assert sorted(f.agency for f in cons.accepted) == sorted(NAMES[:5])
    assert cons.missing_agencies == ["Sở Tư pháp"]
    book = _consolidation_book(tmp_path, inbox, _registry(tmp_path, REGISTRY + "Uỷ ban nhân dân xã Hoà Bình,,xa\n"))
    assert excel.consolidate_book(book) is None
    (text, _, mode), = alerts(book)
    assert "dòng 6 (“UBND xã Hòa Bình”)" in text and "dòng 8 (“Uỷ ban nhân dân xã Hoà Bình”)" in text


# ---- the comparison with the previous period ---------------------------------------------------------

def test_the_comparison_puts_each_twin_beside_its_own_previous_figures(inbox, tmp_path):
    from cchc_xl.consolidate import consolidate

    before = tmp_path / "nam_truoc"
    before.mkdir()
    for n, (fname, name, code, level) in enumerate([("ha.xlsx", "Thạch Hà", None, "huyen"),
                                                     ("hạ.xlsx", "Thạch Hạ", None, "xa"),
                                                     ("bt.xlsx", "UBND xa Binh Thanh", "XBT1", "xa")]):
        write_template(before / fname, report=_report(name, code, level, year=2023, seed=40 + n))
    registry = _registry(tmp_path)
    old = consolidate(before, registry=registry, jobs=1).summary()
    old_basis = {a["agency"]: a for a in old["comparison_basis"]["agencies"]}
    assert set(old_basis) == {"Thạch Hà", "Thạch Hạ", "UBND xã Bình Thạnh"}
    # a previous agency named without diacritics that fits both twins is attributed to neither
    stray = dict(old_basis["Thạch Hà"], agency="Thach Ha", code=None)
    old["comparison_basis"]["agencies"].append(stray)
    cons = consolidate(inbox, registry=registry, jobs=1)
    cons.previous = json.loads(json.dumps(old))
    result = cons.comparison()
    rows = {r["agency"]: r for r in result["rows"]}
    for name in ("Thạch Hà", "Thạch Hạ", "UBND xã Bình Thạnh"):
        assert rows[name]["had_previous"] and rows[name]["merged_from"] == 1
        assert rows[name]["percent_before"] == old_basis[name]["percent"]
        assert rows[name]["deducted_before"] == len(old_basis[name]["deducted"])
    assert not rows["UBND xã Bình Thanh"]["had_previous"]
    assert [g["agency"] for g in result["gone"]] == ["Thach Ha"]


# ---- distribute, distribute --from, template --from ---------------------------------------------------------

# district level: the built-in criteria set of communes has no criteria to deduct
AP_AGENCIES = [{"name": "UBND huyện Bình Thạnh", "code": "HBT1", "level": "huyen"},
               {"name": "UBND huyện Bình Thanh", "code": "HBT2", "level": "huyen"},
               {"name": "Thạch Hà", "code": None, "level": "huyen"},
               {"name": "Thạch Hạ", "code": None, "level": "huyen"},
               {"name": "UBND huyện Hòa Bình", "code": None, "level": "huyen"}]


def _deduction(agency, code, score, reason):
    return {"agency": agency, "code": code, "max_score": 1.5, "score": score, "reason": reason}


def _appraisal(tmp_path, agencies=AP_AGENCIES, deductions=None, name="so_tham_dinh.xlsx"):
    from cchc_xl.cycle.appraisal import build_appraisal_workbook

    path = tmp_path / name
    build_appraisal_workbook(2023, agencies=agencies, deductions=deductions or []).save(path)
    return path


def test_distribute_gives_each_twin_its_own_deductions(tmp_path):
    from cchc_xl.cycle.distribute import distribute
    from cchc_xl.read.agency import read_file

    ap = _appraisal(tmp_path, deductions=[
        _deduction("UBND huyện Bình Thạnh", "1.2", 0.5, "Bình Thạnh"),
        _deduction("UBND huyện Bình Thanh", "1.6", 0.25, "Bình Thanh"),
        _deduction("Thạch Hà", "1.2", 0.5, "Thạch Hà"),
        _deduction("Thạch Hạ", "1.2", 0.75, "Thạch Hạ"),
        _deduction("UBND huyen Hoa Binh", "1.2", 1, "Hòa Bình"),  # typed without diacritics, fits one
    ])
    paths = distribute(ap, tmp_path / "ra")
    assert [a["name"] for a in paths.agencies] == [a["name"] for a in AP_AGENCIES]  # one workbook each
    for path, ag in zip(paths, paths.agencies):
        doc = read_file(path).report
        assert doc["agency"]["name"] == ag["name"]
        want = ag["name"].replace("UBND huyện ", "")
        assert [d["reason"] for d in doc["deductions"]] == [want]


def test_distribute_refuses_a_score_row_that_fits_two_agencies(tmp_path):
    from cchc_xl.cycle.distribute import DistributeError, distribute

    ap = _appraisal(tmp_path, deductions=[_deduction("UBND huyen Binh Thanh", "1.2", 0.5, "?")])
    with pytest.raises(DistributeError) as err:
        distribute(ap, tmp_path / "ra")
    found = [i for i in err.value.issues if i.code == "ambiguous_agency"]
    assert len(found) == 1 and found[0].cell and found[0].sheet
    assert "“UBND huyện Bình Thạnh” (mã HBT1)" in found[0].message
    assert "“UBND huyện Bình Thanh” (mã HBT2)" in found[0].message
    assert not (tmp_path / "ra").exists() or not list((tmp_path / "ra").iterdir())


def test_the_appraisal_registry_refuses_one_agency_listed_twice(tmp_path):
    from cchc_xl.cycle.distribute import DistributeError, distribute

    ap = _appraisal(tmp_path, agencies=[*AP_AGENCIES, {"name": "UBND huyện Hoà Bình", "code": None, "level": "huyen"},
                                        {"name": "Huyện Bình Thạnh mới", "code": "HBT1", "level": "huyen"}])
    with pytest.raises(DistributeError) as err:
        distribute(ap, tmp_path / "ra")
    dup = [i for i in err.value.issues if i.code == "duplicate_agency"]
    assert len(dup) == 2
    assert "Mã “HBT1”" in dup[1].message


@pytest.fixture
def previous_dir(tmp_path):
    prev = tmp_path / "nam_truoc"
    prev.mkdir()
    for n, (fname, name, code, items) in enumerate([
            ("binh_thanh_1.xlsx", "UBND xã Bình Thạnh", "XBT1", ["Tồn tại của Bình Thạnh"]),
            ("binh_thanh_2.xlsx", "UBND xã Bình Thanh", "XBT2", ["Tồn tại của Bình Thanh"]),
            ("khong_dau.xlsx", "UBND xa Binh Thanh", None, ["Tồn tại không rõ của xã nào"])]):
        write_template(prev / fname, report=_report(name, code, "xa", year=2023, kind="nam", seed=60 + n, items=items))
    return prev


def _open_items(path):
    from cchc_xl.read.agency import read_file

    return [r["issue"] for r in read_file(path).report["remediation"] if r.get("carried_from")]


def test_distribute_from_carries_each_twins_own_items(tmp_path, previous_dir):
    from cchc_xl.cycle.distribute import distribute, previous_lines

    ap = _appraisal(tmp_path, agencies=[{"name": "UBND xã Bình Thạnh", "code": "XBT1", "level": "xa"},
                                        {"name": "UBND xã Bình Thanh", "code": "XBT2", "level": "xa"}])
    found = distribute(ap, tmp_path / "ra", previous_dir=previous_dir)
    items = {ag["name"]: _open_items(p) for p, ag in zip(found, found.agencies)}
    assert items == {"UBND xã Bình Thạnh": ["Tồn tại của Bình Thạnh"], "UBND xã Bình Thanh": ["Tồn tại của Bình Thanh"]}
    assert found.orphans == []
    assert [f for f, _ in found.undecided] == ["khong_dau.xlsx"]
    said = "\n".join(previous_lines(found, previous_dir))
    assert "khong_dau.xlsx: không xác định được cơ quan" in said and "(mã XBT2)" in said


def test_template_from_a_folder_writes_one_workbook_per_agency(tmp_path, previous_dir):
    from cchc_xl.cycle.carry import write_next_all
    from cchc_xl.read.agency import read_file

    written, skipped = write_next_all(previous_dir, tmp_path / "ra")
    assert skipped == []
    got = {read_file(p).report["agency"]["name"]: _open_items(p) for p in written}
    assert got == {"UBND xã Bình Thạnh": ["Tồn tại của Bình Thạnh"], "UBND xã Bình Thanh": ["Tồn tại của Bình Thanh"],
                   "UBND xa Binh Thanh": ["Tồn tại không rõ của xã nào"]}
