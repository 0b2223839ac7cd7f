"""Wrong values never reach province figures: a value with an error is left out, cell by cell.

The agencies' reports are written with known wrong values (out of range, negative, non-whole,
mistyped). Every province figure of the consolidation is compared with an independent
computation over the other values, and every wrong value must be listed with its file, sheet,
cell and reason.
"""

from __future__ import annotations

import random
import re
import statistics
import zipfile
from pathlib import Path

import pytest
from conftest import load_example
from openpyxl import load_workbook

from cchc_xl import spec
from cchc_xl.cycle.consolidation import run_consolidation
from cchc_xl.demo import sample_report
from cchc_xl.workbook.template import write_template

# (file, table, key, wrong value): key is an area/deduction index or an indicator code
WRONG = {
    "so_tai_chinh.xlsx": [
        ("areas", 0, 15),  # above the area's maximum of 10
        ("deductions", 0, 3),  # above the criterion's maximum of 1,5
        ("indicators", "1.1.3", -2),  # a count below zero
        ("indicators", "1.4.1", 1.5),  # a count that is not whole
        ("indicators", "2.1", "hai mươi"),  # a count typed as words
        ("indicators", "3.3.3", 150),  # a percentage above 100
        ("indicators", "1.4", 7),  # a choice not offered
    ],
    "so_tu_phap.xlsx": [
        ("areas", 1, -1),  # a negative area score
        ("indicators", "3.4.1", -5),  # a negative percentage
        ("propaganda", "01", -3),  # a negative count of Phụ lục I
    ],
}
GOOD = [("so_y_te.xlsx", "Sở Y tế", "SYT", 2), ("so_xay_dung.xlsx", "Sở Xây dựng", "SXD", 3)]


def _docs() -> dict[str, dict]:
    docs = {"so_tai_chinh.xlsx": load_example("so_tai_chinh_2024_6thang"),
            "so_tu_phap.xlsx": sample_report("Sở Tư pháp", "STP", "so", 2024, "6_thang", random.Random(1))}
    for file, name, code, seed in GOOD:
        docs[file] = sample_report(name, code, "so", 2024, "6_thang", random.Random(seed))
    for file, wrong in WRONG.items():
        doc = docs[file]
        for table, key, value in wrong:
            if table in ("areas", "deductions"):
                doc[table][key]["score"] = value
            else:
                doc[table][key] = {"value": value, "note": None}
    return docs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("nop_loi")
    docs = _docs()
    for file, doc in docs.items():
        write_template(root / file, report=doc)
    out = tmp_path_factory.mktemp("ra") / "tong_hop.xlsx"
    lines: list[str] = []
    summary = run_consolidation(root, out, json_out=out.with_suffix(".json"), jobs=1, echo=lines.append)
    return {"docs": docs, "summary": summary, "out": out, "lines": lines, "wb": load_workbook(out)}


def _is_wrong(file: str, table: str, key) -> bool:
    return any(t == table and k == key for t, k, _ in WRONG.get(file, []))


def _valid(docs, which: str) -> dict[str, list]:
    """Per indicator code: the valid values of every agency (the wrong ones known by construction)."""
    cat = spec.catalog("so", 2023)
    rows = cat.indicator_by_code if which == "indicators" else cat.propaganda_by_code
    out: dict[str, list] = {}
    for file, doc in docs.items():
        for code, v in doc[which].items():
            value = v["value"]
            if value is None or _is_wrong(file, which, code) or rows.get(code, {}).get("group"):
                continue
            out.setdefault(code, []).append(value)
    return out


def _table(ws) -> tuple[dict[str, int], list[tuple]]:
    """The header (title → 0-based column) and the body rows of a consolidated sheet."""
    rows = list(ws.iter_rows(values_only=True))
    hr = next(i for i, r in enumerate(rows) if r[0] in ("TT", "Mã", "Mã chỉ tiêu"))
    return {t: i for i, t in enumerate(rows[hr]) if t}, rows[hr + 1:]


def test_every_wrong_value_is_listed_with_file_sheet_cell_and_reason(run):
    listed = run["summary"]["excluded_values"]
    got = {(x["file"], x["field"]) for x in listed}
    want = set()
    for file, wrong in WRONG.items():
        for table, key, _ in wrong:
            want.add((file, f"{table}[{key}].score" if table in ("areas", "deductions") else f"{table}[{key}].value"))
    assert got == want
    for x in listed:
        assert x["sheet"] and re.fullmatch(r"[A-Z]+\d+", x["cell"]) and x["reason"], x
    assert run["summary"]["counts"]["excluded_values"] == len(want)
    # the "Lỗi dữ liệu" sheet marks the same cells, and counts only the files used
    head, body = _table(run["wb"]["Lỗi dữ liệu"])
    marked = {(r[head["Tệp"]], r[head["Trang"]], r[head["Ô"]]) for r in body
              if r[head["Số liệu toàn tỉnh"]] == "Không tính"}
    assert marked == {(x["file"], x["sheet"], x["cell"]) for x in listed}
    # and the console says how many values were left out
    assert f"{len(want)} giá trị có lỗi không được tính vào số liệu toàn tỉnh" in "\n".join(run["lines"])


def test_province_totals_medians_and_maxima_use_valid_values_only(run):
    cat = spec.catalog("so", 2023)
    valid = _valid(run["docs"], "indicators")
    head, body = _table(run["wb"]["Chỉ tiêu toàn tỉnh"])
    by_code = {r[0]: r for r in body}
    totals = run["summary"]["indicator_totals"]
    checked = set()
    for code, values in valid.items():
        row = cat.indicator_by_code[code]
        nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if row["kind"] in ("count", "number") and nums:
            assert totals[code] == pytest.approx(sum(nums)), code
            assert by_code[code][head["Tổng toàn tỉnh"]] == pytest.approx(sum(nums)), code
        elif row["kind"] == "percent" and nums:
            r = by_code[code]
            assert (r[head["Thấp nhất"]], r[head["Trung vị"]], r[head["Cao nhất"]]) == pytest.approx(
                (min(nums), statistics.median(nums), max(nums))), code
        elif row["kind"] == "choice":
            words = by_code[code][head["Tổng hợp"]]
            for ch in row["choices"]:
                assert f"{ch['label']}: {values.count(ch['value'])}/{len(run['docs'])} cơ quan" in words, code
        checked.add(code)
    for _, code, _ in [w for ws in WRONG.values() for w in ws if w[0] == "indicators"]:
        assert code in checked or code not in valid  # every code with a wrong value was checked above
    assert {"1.1.3", "1.4.1", "3.3.3", "3.4.1", "1.4"} <= checked
    # Phụ lục I (propaganda): the province column sums the valid values only
    pvalid = _valid(run["docs"], "propaganda")
    phead, pbody = _table(run["wb"]["Tuyên truyền"])
    prow = {r[0]: r for r in pbody}
    assert prow["01"][phead["Toàn tỉnh"]] == pytest.approx(sum(pvalid["01"]))


def _expected_ranks(docs) -> dict[str, tuple]:
    """Agency → (percentage, rank) over valid, complete area scores; None for the others."""
    pct = {}
    for file, doc in docs.items():
        name = doc["agency"]["name"]
        if any(_is_wrong(file, "areas", i) for i in range(len(doc["areas"]))):
            pct[name] = None
            continue
        pct[name] = round(sum(a["score"] for a in doc["areas"]) * 100 / sum(a["max_score"] for a in doc["areas"]), 2)
    ranked = [p for p in pct.values() if p is not None]
    return {n: (p, 1 + sum(1 for q in ranked if q > p + 1e-9) if p is not None else None) for n, p in pct.items()}


def test_ranks_use_valid_scores_and_unranked_agencies_stay_listed_with_the_reason(run):
    want = _expected_ranks(run["docs"])
    head, body = _table(run["wb"]["Điểm và xếp hạng"])
    got = {r[head["Cơ quan, đơn vị"]]: r for r in body if r[head["Cơ quan, đơn vị"]]}
    assert set(got) == set(want)  # no agency dropped
    n_ranked = sum(1 for p, _ in want.values() if p is not None)
    for name, (pct, rank) in want.items():
        row = got[name]
        assert row[head["Xếp hạng trong cấp"]] == rank, name
        if rank is None:
            assert row[head["Kết quả"]].startswith("Không xếp hạng") and "có lỗi" in row[head["Kết quả"]], name
            assert row[head["Tổng điểm"]] is None
            assert any(isinstance(v, str) and "có lỗi, không tính" in v for v in row), name  # the cell is marked
        else:
            assert row[head["Tỷ lệ"]] == pytest.approx(pct / 100), name
            assert row[head["Kết quả"]].endswith(f"xếp vị thứ {rank}/{n_ranked}"), name


def _chart_series(out: Path, wb) -> list[tuple[str, list]]:
    """Every bar chart of the workbook: (sheet, the values of its series' cells)."""
    series = []
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if not re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                continue
            xml = zf.read(name).decode()
            for ref in re.findall(r"<(?:c:)?val><(?:c:)?numRef><(?:c:)?f>([^<]+)</(?:c:)?f>", xml):
                sheet, rng = ref.rsplit("!", 1)
                ws = wb[sheet.strip("'")]
                cells = ws[rng.replace("$", "")]
                series.append((ws.title, [c[0].value if isinstance(c, tuple) else c.value for c in cells]))
    return series


def test_chart_series_and_criterion_counts_use_valid_deductions_only(run):
    docs = run["docs"]
    agencies: dict[str, set] = {}
    for file, doc in docs.items():
        for i, d in enumerate(doc["deductions"]):
            if _is_wrong(file, "deductions", i):
                continue
            if d["max_score"] - d["score"] > 0:
                agencies.setdefault(d["code"], set()).add(doc["agency"]["name"])
    head, body = _table(run["wb"]["Tiêu chí bị trừ điểm"])
    got = {r[head["Mã tiêu chí"]]: r[head["Số cơ quan bị trừ điểm"]] for r in body if r[0] is not None}
    assert got == {code: len(names) for code, names in agencies.items()}
    charts = dict(_chart_series(run["out"], run["wb"]))
    want_top = sorted((len(n) for n in agencies.values()), reverse=True)[:20]
    assert charts["Tiêu chí bị trừ điểm"] == want_top


def test_the_province_appendix_leaves_out_points_that_rest_on_a_wrong_score(run):
    ws = run["wb"]["PL tổng hợp theo cơ quan"]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if r and isinstance(r[1], str)}
    for file, doc in run["docs"].items():
        name = doc["agency"]["name"]
        wrong_area = any(_is_wrong(file, "areas", i) for i in range(len(doc["areas"])))
        lost = rows[name][-1]
        if wrong_area:
            assert lost in (None, ""), name
        else:
            want = sum(a["max_score"] - a["score"] for a in doc["areas"])
            assert float(lost.replace(".", "").replace(",", ".")) == pytest.approx(want, abs=1e-3), name


def test_files_with_errors_stand_out_on_the_submission_sheet(run):
    wb = run["wb"]
    ws = wb["Tình hình nộp"]
    head, _ = _table(ws)
    hr = next(r for r in range(1, 20) if ws.cell(r, 1).value == "TT")
    for r in range(hr + 1, ws.max_row + 1):
        file = ws.cell(r, head["Tệp"] + 1).value
        if not file:
            continue
        fill = ws.cell(r, 2).fill.fgColor.rgb
        if file in WRONG:
            assert fill.endswith("FFC7CE"), file
            assert "không được tính vào số liệu toàn tỉnh" in ws.cell(r, head["Lý do, ghi chú"] + 1).value
        else:
            assert not str(fill).endswith("FFC7CE"), file


def test_strict_still_rejects_files_with_errors(run, tmp_path):
    root = run["out"].parent.parent
    src = next(p for p in root.iterdir() if p.name.startswith("nop_loi"))
    summary = run_consolidation(src, tmp_path / "strict.xlsx", strict=True, jobs=1, echo=lambda *a: None)
    status = {f["file"]: f["status"] for f in summary["files"]}
    assert {f for f, s in status.items() if s == "rejected"} == set(WRONG)
    assert summary["excluded_values"] == []
