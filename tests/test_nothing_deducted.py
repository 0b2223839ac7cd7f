"""validate warns when a listed deduction's score equals the criterion's maximum (issue 23)."""

from __future__ import annotations

import copy

from openpyxl import load_workbook
from test_validate import deduction_row

from cchc_xl.check.validate import validate_file


def test_a_deduction_at_full_score_is_warned_at_its_score_cell(stc, make_workbook):
    doc = copy.deepcopy(stc)
    d = next(x for x in doc["deductions"] if x["code"] == "5.4")
    d["score"] = d["max_score"]  # 1/1: nothing was deducted
    path = make_workbook(doc)
    rep = validate_file(path)
    hits = [i for i in rep.issues if i.code == "nothing_deducted"]
    ws = load_workbook(path)["Điểm bị trừ"]
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert hits[0].sheet == "Điểm bị trừ" and hits[0].cell.endswith(str(deduction_row(ws, "5.4")))
    assert hits[0].message.startswith("Tiêu chí 5.4 đạt 1 điểm, bằng điểm tối đa")
    # the example as announced (every listed criterion lost something) is not warned
    assert not [i for i in validate_file(make_workbook(stc)).issues if i.code == "nothing_deducted"]
