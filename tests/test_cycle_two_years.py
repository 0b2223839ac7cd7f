"""Two years of the cycle, end to end: appraisal → distribute → 6-month and annual workbooks →
next appraisal → distribute --from (new deductions and last year's unfinished items, through a
renamed agency) → consolidation with --previous, checked against an independent computation."""

from __future__ import annotations

import json

from cchc_xl import spec
from cchc_xl.cli import main
from cchc_xl.cycle.appraisal import build_appraisal_workbook
from cchc_xl.read.agency import read_file
from cchc_xl.sheets.xlsx import save_atomic
from cchc_xl.workbook.template import write_template

AREAS = {a["code"]: a["max_score"] for a in spec.catalog("so", 2023).criteria["areas"]}
CRIT = {c["code"]: c["max_score"] for c in spec.catalog("so", 2023).criteria["criteria"]}

YEAR1 = {  # appraisal 2024: agency → (area scores, deductions {code: score})
    "Sở Kế hoạch và Đầu tư": ({"1": 8, "2": 9, "3": 12, "4": 9, "5": 14, "6": 11, "7a": 13, "7b": 4},
                              {"1.1": 0.5, "2.1.5": 0.5, "3.2.1": 0, "6.3.1": 0.5}),
    "Sở Tư pháp": ({"1": 9, "2": 10, "3": 13, "4": 10, "5": 15, "6": 12, "7a": 15, "7b": 5},
                   {"1.6": 1, "5.7.2": 0.5}),
    "Sở Y tế": ({"1": 7, "2": 8, "3": 11, "4": 8, "5": 13, "6": 10, "7a": 12, "7b": 3}, {"1.1": 0}),
}
YEAR2 = {  # appraisal 2025: Sở Tài chính absorbed Sở Kế hoạch và Đầu tư; Sở Y tế is not appraised
    "Sở Tài chính": ({"1": 9, "2": 10, "3": 13, "4": 10, "5": 15, "6": 12, "7a": 14, "7b": 5},
                     {"1.1": 1, "3.2.1": 0.5, "7a.1.1": 0}),
    "Sở Tư pháp": ({"1": 8, "2": 10, "3": 12, "4": 10, "5": 14, "6": 12, "7a": 15, "7b": 5},
                   {"5.7.2": 0, "6.3.2": 0.5}),
}
CODES = {"Sở Kế hoạch và Đầu tư": "SKHĐT", "Sở Tư pháp": "STP", "Sở Y tế": "SYT", "Sở Tài chính": "STC"}
FORMER = {"Sở Tài chính": ["Sở Kế hoạch và Đầu tư"]}


def appraisal(path, year, data):
    agencies = [{"name": n, "code": CODES[n], "level": "so", "former_names": FORMER.get(n, [])} for n in data]
    areas = [{"agency": n, "code": c, "score": s} for n, (a, _) in data.items() for c, s in a.items()]
    deds = [{"agency": n, "code": c, "score": s, "reason": f"Lý do {c}"} for n, (_, d) in data.items()
            for c, s in d.items()]
    save_atomic(build_appraisal_workbook(year, agencies=agencies, areas=areas, deductions=deds), path)
    return path


def fill(path, statuses):
    """The agency fills its workbook: a solution, deadline and status per item (as a clerk would)."""
    doc = read_file(path).report
    for it, st in zip(doc["remediation"], statuses):
        if it["status"] == "hoan_thanh":
            continue  # finished earlier in the year: left as it stands
        it.update(solution="Rà soát, bổ sung", deadline="Trong năm", status=st,
                  progress="Đã hoàn thành, có văn bản" if st == "hoan_thanh" else "Đang thực hiện")
    doc["report"] = {"number": f"1/BC-{doc['agency']['code']}", "date": None}
    path.unlink()
    write_template(path, report=doc)
    return doc


def pct(areas):
    return round(sum(areas.values()) * 100 / sum(AREAS.values()), 2)


def _expected_exit(summary_path) -> int:
    """consolidate's exit code as INTERFACES.md defines it, from what its own summary says: 0 when
    every file found was counted with no error, 1 when one was left out or still has errors."""
    files = json.loads(summary_path.read_text(encoding="utf-8"))["files"]
    assert files and any(f["status"] == "accepted" for f in files)
    return 0 if all(f["status"] == "accepted" and f["errors"] == 0 for f in files) else 1


def test_two_years(tmp_path, capsys):
    reg1 = tmp_path / "co_quan_2025.csv"
    reg1.write_text("ten,ma,cap\n" + "".join(f"{n},{CODES[n]},so\n" for n in YEAR1), encoding="utf-8")
    reg2 = tmp_path / "co_quan_2026.csv"
    reg2.write_text("ten,ma,cap,ten_cu\nSở Tài chính,STC,so,Sở Kế hoạch và Đầu tư\nSở Tư pháp,STP,so,\n",
                    encoding="utf-8")
    # ---- year 1: appraisal 2024 → 6-month and annual reports of 2025
    ap1 = appraisal(tmp_path / "tham_dinh_2024.xlsx", 2024, YEAR1)
    half = tmp_path / "2025_6thang"
    assert main(["distribute", str(ap1), "-o", str(half), "--period", "6_thang"]) == 0
    for f in half.iterdir():  # the first item of each agency finished in the first half
        n = len(read_file(f).report["remediation"])
        fill(f, ["hoan_thanh"] + ["dang_thuc_hien"] * (n - 1))
    year_end = tmp_path / "2025_nam"
    assert main(["template", "--from", str(half), "-o", str(year_end)]) == 0
    annual = {read_file(f).report["agency"]["name"]: f for f in year_end.iterdir()}
    for name, f in annual.items():
        doc = read_file(f).report
        assert doc["period"] == {"year": 2025, "kind": "nam"}
        assert len(doc["remediation"]) == len(YEAR1[name][1])  # the whole year's record, finished one too
        assert doc["remediation"][0]["status"] == "hoan_thanh"
    skhdt = fill(annual["Sở Kế hoạch và Đầu tư"], ["hoan_thanh", "hoan_thanh", "dang_thuc_hien", "chua_thuc_hien"])
    fill(annual["Sở Tư pháp"], ["hoan_thanh", "dang_thuc_hien"])
    fill(annual["Sở Y tế"], ["hoan_thanh"])
    summary1 = tmp_path / "tong_hop_2025.json"
    code = main(["consolidate", str(year_end), "-o", str(tmp_path / "tong_hop_2025.xlsx"), "--registry", str(reg1),
                 "--json", str(summary1), "--quiet"])
    assert code == _expected_exit(summary1)
    # ---- year 2: appraisal 2025, distributed with last year's unfinished items
    ap2 = appraisal(tmp_path / "tham_dinh_2025.xlsx", 2025, YEAR2)
    new = tmp_path / "2026_6thang"
    capsys.readouterr()
    assert main(["distribute", str(ap2), "-o", str(new), "--period", "6_thang", "--from", str(year_end)]) == 0
    said = capsys.readouterr().out
    assert "Sở Y tế.xlsx (Sở Y tế)" in said  # a workbook of last year with no agency now is listed
    stc = read_file(new / "Sở Tài chính.xlsx").report
    new_items = [it for it in stc["remediation"] if not it.get("carried_from")]
    carried = [it for it in stc["remediation"] if it.get("carried_from")]
    assert [it["code"] for it in new_items] == sorted(YEAR2["Sở Tài chính"][1], key=lambda c: c)
    open_before = [it for it in skhdt["remediation"] if it["status"] != "hoan_thanh"]
    assert [it["issue"] for it in carried] == [it["issue"] for it in open_before]  # through the former name
    assert all(it["carried_from"] == {"year": 2025, "kind": "nam"} for it in carried)
    assert all("Sở Kế hoạch và Đầu tư" in it["note"] for it in carried)
    assert [d["code"] for d in stc["deductions"]] == list(YEAR2["Sở Tài chính"][1])
    # ---- consolidation of 2026 beside 2025
    summary2 = tmp_path / "tong_hop_2026.json"
    out2 = tmp_path / "tong_hop_2026.xlsx"
    code = main(["consolidate", str(new), "-o", str(out2), "--registry", str(reg2), "--json", str(summary2),
                 "--previous", str(summary1), "--quiet"])
    assert code == _expected_exit(summary2)
    assert f"So sánh với kỳ trước: trang “So sánh kỳ trước” của {out2}" in capsys.readouterr().out
    s1 = json.loads(summary1.read_text(encoding="utf-8"))
    from cchc_xl.consolidate import consolidate
    cons = consolidate(new, registry=str(reg2))
    cons.previous = s1
    rows = {r["agency"]: r for r in cons.comparison()["rows"]}
    # independent computation: percentages from the area scores, criteria deducted in both years
    for name, before in (("Sở Tài chính", "Sở Kế hoạch và Đầu tư"), ("Sở Tư pháp", "Sở Tư pháp")):
        r = rows[name]
        assert r["percent_before"] == pct(YEAR1[before][0]) and r["percent_now"] == pct(YEAR2[name][0])
        assert r["percent_change"] == round(pct(YEAR2[name][0]) - pct(YEAR1[before][0]), 2)
        assert r["deducted_again"] == sorted(set(YEAR1[before][1]) & set(YEAR2[name][1]))
        assert r["lost_again"] == sum(CRIT[c] - YEAR2[name][1][c] for c in r["deducted_again"])
    assert rows["Sở Tài chính"]["former"] == "Sở Kế hoạch và Đầu tư"
    assert rows["Sở Tài chính"]["carried"] == len(open_before)
    gone = [g["agency"] for g in cons.comparison()["gone"]]
    assert gone == ["Sở Y tế"]
    # the sheet in the written workbook
    import openpyxl
    ws = openpyxl.load_workbook(out2, read_only=True)["So sánh kỳ trước"]
    text = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    flat = [str(c) for row in text for c in row]
    assert "Sở Tài chính" in flat and "Sở Y tế" in flat and "1.1, 3.2.1" in flat
