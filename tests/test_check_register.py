"""The register of checks (cchc_xl/check/register.py): schemas/checks.json names the kinds and the
kinds of each type, the family modules implement them, and every engine asks the register.

The promise it keeps: a new check kind is one module in ``check/`` plus one line in
``checks.json`` — proved here with a made-up kind that both the Python verdict (``validate``) and
the workbook's red cell pick up, without touching any other file. A kind declared but not
implemented, or implemented but not declared, is refused by name.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sys

import pytest

from cchc_xl import spec
from cchc_xl.check import number_sheet, register
from cchc_xl.check.kind import Field
from cchc_xl.check.register import Register, families

# A whole new kind, as a developer would add it: this module in cchc_xl/check/ (here written to a
# temporary folder) and one line in checks.json's "kinds" (plus the kind in a type's list).
STEPS_MODULE = '''
"""Steps: a count given in steps of ``step`` (a made-up kind: the register's own test)."""

from cchc_xl.check import numbers
from cchc_xl.check.kind import Kind
from cchc_xl.numtext import format_number


def _in_steps(value, params, field):
    if value % params["step"]:
        return "out_of_range", {"field_title": field.subject, "value": format_number(value) + field.unit,
                                "bound": f"không phải bội số của {params['step']}"}
    return None


def _steps_terms(ref, params, field):
    v = numbers.value_of(ref, field.type)
    return [f"MOD({v},{params['step']})<>0"]


KINDS = {"steps": Kind(_in_steps, _steps_terms)}
'''


def _steps_module(tmp_path):
    path = tmp_path / "steps.py"
    path.write_text(STEPS_MODULE, encoding="utf-8")
    found = importlib.util.spec_from_file_location("cchc_xl_test_steps", path)
    module = importlib.util.module_from_spec(found)
    sys.modules[found.name] = module
    found.loader.exec_module(module)
    return module


@pytest.fixture
def with_steps(tmp_path, monkeypatch):
    """checks.json with the new kind declared and given to "count" (step 5), the module beside the
    others: what a developer's two edits make of the register."""
    declared = spec.load("checks")
    monkeypatch.setitem(declared["kinds"], "steps", {"family": "steps", "label": "Theo bước"})
    monkeypatch.setitem(declared["types"], "count", [*declared["types"]["count"], {"kind": "steps", "step": 5}])
    module = _steps_module(tmp_path)
    reg = Register(declared, {**families(), "steps": module})
    monkeypatch.setattr(register, "current", lambda: reg)
    return reg


def _count_code(cat: spec.Catalog) -> str:
    return next(r["code"] for r in cat.indicators["rows"] if r.get("kind") == "count" and not r.get("group"))


def test_a_new_kind_is_picked_up_by_validate_and_the_workbook(with_steps, stc, make_workbook):
    from openpyxl import load_workbook

    from cchc_xl.check.validate import check_report

    cat = spec.catalog(stc["agency"]["level"], stc.get("appraisal_year"))
    code = _count_code(cat)
    rep = copy.deepcopy(stc)
    rep["indicators"][code] = {"value": 7, "note": None}
    issues = [i for i in check_report(rep) if i.field == f"indicators[{code}].value"]
    assert [i.code for i in issues] == ["out_of_range"]
    assert "không phải bội số của 5" in issues[0].message

    rep["indicators"][code] = {"value": 10, "note": None}
    assert not [i for i in check_report(rep) if i.field == f"indicators[{code}].value"]

    ws = load_workbook(make_workbook(rep))[spec.sheets()["sheets"]["indicators"]["title"]]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == code)
    red = [f for cf in ws.conditional_formatting if f"D{row}" in str(cf.sqref) for rule in cf.rules
           for f in rule.formula or []]
    assert any(",5)<>0" in f and "MOD(" in f for f in red), red
    # and a percent, which did not get the kind, is checked as before
    pct = next(r["code"] for r in cat.indicators["rows"] if r.get("kind") == "percent" and not r.get("group"))
    prow = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == pct)
    assert not [f for cf in ws.conditional_formatting if f"D{prow}" in str(cf.sqref) for rule in cf.rules
                for f in rule.formula or [] if "MOD(" in f]


def test_a_kind_declared_but_not_implemented_is_refused():
    declared = copy.deepcopy(spec.load("checks"))
    declared["kinds"]["multiple_of"] = {"family": "numbers", "label": "Bội số"}
    with pytest.raises(spec.SpecError, match="“multiple_of”.*không mô-đun nào"):
        Register(declared, families())


def test_a_kind_implemented_but_not_declared_is_refused(tmp_path):
    with pytest.raises(spec.SpecError, match="“steps” mà schemas/checks.json không khai báo"):
        Register(copy.deepcopy(spec.load("checks")), {**families(), "steps": _steps_module(tmp_path)})


def test_a_kind_in_another_family_than_declared_is_refused():
    declared = copy.deepcopy(spec.load("checks"))
    declared["kinds"]["whole"]["family"] = "dates"
    with pytest.raises(spec.SpecError, match="“whole”.*numbers.py"):
        Register(declared, families())


def test_a_type_naming_an_undeclared_kind_is_refused():
    declared = copy.deepcopy(spec.load("checks"))
    declared["types"]["count"].append({"kind": "even"})
    with pytest.raises(spec.SpecError, match="“count”.*“even”"):
        Register(declared, families())


def test_every_declared_type_gets_its_kinds_in_order_from_their_family():
    declared = spec.load("checks")
    assert set(families()) == {k["family"] for k in declared["kinds"].values()}
    for field_type, listed in declared["types"].items():
        checks = register.checks_for(field_type)
        assert [c.kind for c in checks] == [x["kind"] for x in listed], field_type
        for c in checks:
            assert c.family == declared["kinds"][c.kind]["family"]
            assert c.evaluate.__module__ == f"cchc_xl.check.{c.family}"
            assert c.condition.__module__ == f"cchc_xl.check.{c.family}"
    assert register.checks_for("text") == ()
    assert register.condition("text", "$D5") is None and register.evaluate("text", "gì cũng được") == []


def test_what_the_register_says_of_each_type():
    assert [t for t in spec.load("checks")["types"] if register.is_numeric(t)] == \
        ["score", "count", "number", "percent", "integer"]
    assert register.bounds("percent") == (0, 100, False)
    assert register.bounds("count") == (0, None, True)
    assert register.bounds("score") == (0, None, False)  # the maximum is the criteria set's: the caller's
    assert register.bounds("integer") == (None, None, True)
    assert register.bounds("integer", {"min": 2000, "max": 2100}) == (2000, 2100, True)
    assert register.coded("choice") and not register.coded("enum")
    assert register.unit("percent") == "%" and register.unit("count") == ""


@pytest.mark.parametrize("field_type, value, code", [
    ("count", 3, None), ("count", "ba", "invalid_type"), ("count", -1, "out_of_range"), ("count", 2.5, "not_whole"),
    ("count", -1.5, "out_of_range"),  # at most one error per value: the range before the wholeness
    ("number", 2.5, None), ("number", -0.1, "out_of_range"),
    ("percent", 100, None), ("percent", 100.5, "out_of_range"), ("percent", True, "invalid_type"),
    ("score", 7.25, None), ("score", -1, "out_of_range"),
    ("choice", 1, None), ("choice", 3, "invalid_value"), ("choice", "Có", "invalid_value"),
    ("date", "2024-06-15", None), ("date", "15/13/2024", "invalid_date"),
])
def test_the_python_verdict_of_each_type(field_type, value, code):
    field = Field(field_type, "Ô thử", choices=[{"value": 0, "label": "Không"}, {"value": 1, "label": "Có"}])
    found = register.evaluate(field_type, value, field)
    assert [c for c, _ in found] == ([code] if code else [])


def test_a_field_bound_of_its_own_replaces_the_declared_one():
    year = Field("integer", "Năm", decl={"min": 2000, "max": 2100})
    assert register.evaluate("integer", 2024, year) == []
    assert [c for c, _ in register.evaluate("integer", 1999, year)] == ["out_of_range"]
    limit = Field("score", "Điểm đạt", low=None, high=2, high_words="lớn hơn điểm tối đa 2")
    (code, values), = register.evaluate("score", 2.5, limit)
    assert code == "out_of_range" and values["bound"] == "lớn hơn điểm tối đa 2"


def test_the_excel_condition_of_each_type_is_composed_from_its_kinds():
    from openpyxl import Workbook

    wb = Workbook()
    with number_sheet.reading(wb):
        number_sheet.on_sheet("Thống kê")
        count = register.condition("count", "$D5")
        percent = register.condition("percent", "$D5")
        year = register.condition("integer", "$B4", Field("integer", low="2000", high="2100"))
        choice = register.condition("choice", "$D5", Field("choice", list_name="ds_x",
                                                          choices=[{"value": 0, "label": "Không"}]))
        enum = register.condition("enum", "$B3", Field("enum", list_name="ds_cap"))
        warn = register.warning("percent", "$D5")
    # the number guard wraps the terms of the kinds after it, in their declared order
    assert count.startswith("IF(") and count.endswith(",TRUE))")
    assert "<0," in count and "INT(" in count and not re.search(r"\$E\d+>", count)  # no upper bound
    assert "<0," in percent and ">100)" in percent and "INT(" not in percent
    assert year.index("<2000") < year.index(">2100") < year.index("INT(")
    assert "ds_x_nhan" in choice and "{0}" in choice  # a coded choice takes its code too
    assert "ds_cap_nhan" in enum and "{" not in enum  # a level is chosen by name only
    assert register.condition("date", "$B6", Field("date", date_cell="ngay_report.date")) == \
        'IF($B6="",FALSE,NOT(ISNUMBER(ngay_report.date)))'
    assert "<=1" in warn  # a percent typed as a fraction is a warning
    assert register.warning("choice", "$D5") is None
