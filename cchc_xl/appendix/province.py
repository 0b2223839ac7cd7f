"""The province's appendices: the remediation of every agency and the summary by agency, as sheet
models, and the sheets they add to the consolidation workbook."""

from __future__ import annotations

from cchc_xl import spec
from cchc_xl.appendix.kit import (
    bulleted,
    finish,
    header_row,
    heading_words,
    issuer_ref,
    new_cell,
    numbers_row,
    period_ctx,
    render_lines,
    render_text,
    split_paragraphs,
    title_block,
    title_lines,
)
from cchc_xl.appendix.restate import kept
from cchc_xl.numtext import format_number
from cchc_xl.sheets.model import RowModel, SheetModel
from cchc_xl.sheets.xlsx import render_sheets

SHEET_PROVINCE_REMEDIATION = "PL tổng hợp khắc phục"
SHEET_PROVINCE_SUMMARY = "PL tổng hợp theo cơ quan"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _rate(done: int, total: int):
    return round(100.0 * done / total, 2) if total else None


def points_lost(report: dict):
    """Points an agency lost: from the area totals the appraisal team announced when it gave
    them (kept as entered, even when the deductions listed do not add up), else the sum over the
    deducted criteria; None when neither is known or a score is missing (or left out for an error)."""
    for rows in (report.get("areas") or [], report.get("deductions") or []):
        known = [x for x in rows if x.get("score") is not None and x.get("max_score") is not None]
        if known:
            if any(x.get("score") is None for x in rows):
                return None  # a score missing or left out (an error): a partial sum would be a wrong figure
            return round(sum(x["max_score"] - x["score"] for x in known), 6)
    return None


def _majority_appraisal_year(reports: list[dict], period: dict):
    years = [r.get("appraisal_year") for r in reports if r.get("appraisal_year")]
    if years:
        return max(set(years), key=lambda y: (years.count(y), y))
    return (period.get("year") - 1) if period.get("year") else None


def status_counts(report: dict) -> dict[str, int]:
    counts = {s["key"]: 0 for s in spec.statuses()}
    for it in report.get("remediation") or []:
        if it.get("status") in counts:
            counts[it["status"]] += 1
    return counts


def province_remediation_model(reports: list[dict], period: dict, issuer: dict | None = None) -> SheetModel:
    """The consolidated Phụ lục II: one heading row per agency, then its items (seed 002's spirit)."""
    issuer = issuer or {}
    # as wide as a page holds at 9 pt or more (schemas/printing.json): fewer wrapped lines, fewer pages
    model = SheetModel("tong_hop_khac_phuc", SHEET_PROVINCE_REMEDIATION, [5, 26, 37, 32, 12, 13, 31])
    ctx = {**period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = title_lines("phu_luc_tong_hop_tieu_de.j2", **ctx)
    title_block(model, heading, title, issuer_ref(issuer, period))
    first = len(model.rows) + 1
    model.rows.append(header_row(render_lines("phu_luc_tong_hop_cot.j2", 7)))
    model.rows.append(numbers_row(7))
    last = len(model.rows)
    n = model.ncols
    crit_texts: dict[tuple, str] = {}
    for k, rep in enumerate(reports, start=1):
        agency = rep.get("agency") or {}
        level = agency.get("level")
        items = rep.get("remediation") or []
        done = status_counts(rep)["hoan_thanh"]
        head = render_text("phu_luc_tong_hop_co_quan.j2", agency=agency.get("name") or "…", total=len(items), done=done,
                           rate=_rate(done, len(items)))
        model.rows.append(RowModel([new_cell(_roman(k), bold=True, align="center"),
                                    new_cell(head, bold=True, merge_across=n - 1)] + [None] * (n - 2),
                                   kind="agency", code=agency.get("code") or agency.get("name")))
        try:
            cat = spec.catalog(level or "so", rep.get("appraisal_year"))
        except spec.SpecError:
            cat = None
        deds = {d.get("code"): d for d in rep.get("deductions") or [] if d.get("code")}
        stated = {a.get("code"): a for a in rep.get("areas") or [] if a.get("code")}
        for i, it in enumerate(items, start=1):
            code = it.get("code")
            d = deds.get(code) or stated.get(code) or {}
            is_area = bool(code) and (code in stated or (cat is not None and code in cat.areas_by_code)
                                      or "." not in code)
            name = d.get("name") or (cat.criterion_name(code) if cat and code else None)
            key = (code, name, d.get("score"), d.get("max_score"), is_area, level)
            crit = crit_texts.get(key)
            if crit is None:  # the same criterion and score recur across agencies: rendered once
                crit = crit_texts[key] = render_text("phu_luc_tong_hop_tieu_chi.j2", code=code, title=name,
                                                     score=d.get("score"), max_score=d.get("max_score"),
                                                     is_area=is_area, level=level)
            issue = _province_issue(it, code, is_area, name, d, deds, cat, level)
            label = spec.label_of("statuses", it.get("status")) if it.get("status") else ""
            model.rows.append(RowModel([
                new_cell(i, align="center"), new_cell(crit), new_cell(issue),
                new_cell(bulleted(split_paragraphs(it.get("solution")))),
                new_cell(it.get("deadline"), align="center"), new_cell(label, align="center"),
                new_cell(bulleted(split_paragraphs(it.get("progress")))),
            ], kind="item", code=code))
    return finish(model, first, last)


def _province_issue(item: dict, code, is_area: bool, name, d: dict, deds: dict, cat, level) -> str:
    """Column (3) of the province appendix: what column (2) (the criterion or area with its score)
    does not say — the team's reason, for an area its deducted criteria with their reasons — and
    the staff's own "tồn tại" text unless it only restates column (2) (``restate``)."""
    staff = (item.get("issue") or "").strip()
    if not code:
        return staff
    if is_area:
        listed = [x for c, x in deds.items() if c and c != code and spec.area_of(c) == code]
        lines = [render_text("phu_luc_ii_tieu_chi.j2", code=x.get("code"),
                             title=x.get("name") or (cat.criterion_name(x.get("code")) if cat else None),
                             score=x.get("score"), max_score=x.get("max_score"),
                             reason=(x.get("reason") or "").strip() or None, issues=[], deducted=True, level=level)
                 for x in listed]
        words = " ".join([heading_words(code, name, d.get("score"), d.get("max_score"))]
                         + [heading_words(x.get("code"), x.get("name"), x.get("score"), x.get("max_score"))
                            for x in listed] + (["Bị trừ các tiêu chí cụ thể sau"] if listed else []))
        return "\n".join(lines + kept([staff], words))
    reason = (deds.get(code) or {}).get("reason")
    reason = (reason or "").strip() or None
    own = kept([staff], heading_words(code, name, d.get("score"), d.get("max_score")), reason)
    return "\n".join(([f"Lý do: {reason}"] if reason else []) + own)


def province_summary_model(reports: list[dict], period: dict, issuer: dict | None = None) -> SheetModel:
    """One row per agency: items, finished, in progress, not started, cannot, rate, points lost."""
    issuer = issuer or {}
    model = SheetModel("tong_hop_theo_co_quan", SHEET_PROVINCE_SUMMARY, [5, 36, 12, 12, 12, 12, 12, 16, 12])
    ctx = {**period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = title_lines("phu_luc_thong_ke_tieu_de.j2", **ctx)
    title_block(model, heading, title, issuer_ref(issuer, period))
    first = len(model.rows) + 1
    titles = render_lines("phu_luc_thong_ke_cot.j2", 10)
    model.rows.append(header_row(titles[:9]))
    model.rows.append(numbers_row(9))
    last = len(model.rows)
    keys = ["hoan_thanh", "dang_thuc_hien", "chua_thuc_hien", "khong_the_thuc_hien"]
    total = {k: 0 for k in keys}
    total_items = 0
    for k, rep in enumerate(reports, start=1):
        counts = status_counts(rep)
        n_items = len(rep.get("remediation") or [])
        lost = points_lost(rep)
        total_items += n_items
        for key in keys:
            total[key] += counts[key]
        model.rows.append(RowModel(
            [new_cell(k, align="center"), new_cell((rep.get("agency") or {}).get("name") or "…"),
             new_cell(n_items, align="center")]
            + [new_cell(counts[key], align="center") for key in keys]
            + [new_cell(render_text("phu_luc_ty_le.j2", done=counts["hoan_thanh"], total=n_items,
                                    rate=_rate(counts["hoan_thanh"], n_items)), align="center"),
               new_cell(format_number(lost, 3) if lost is not None else "", align="center")],
            kind="data", code=(rep.get("agency") or {}).get("code")))
    model.rows.append(RowModel(
        [new_cell(titles[9], bold=True, align="center", merge_across=2), None,
         new_cell(total_items, bold=True, align="center")]
        + [new_cell(total[key], bold=True, align="center") for key in keys]
        + [new_cell(render_text("phu_luc_ty_le.j2", done=total["hoan_thanh"], total=total_items,
                                rate=_rate(total["hoan_thanh"], total_items)), bold=True, align="center"),
           new_cell(None, bold=True, align="center")],  # points of different agencies do not add up
        kind="total"))
    return finish(model, first, last)


def province_appendix_models(reports: list[dict], period: dict, issuer: dict | None = None) -> list[SheetModel]:
    """The consolidated remediation appendix and the summary per agency, for the Home Affairs
    department. ``issuer`` (optional): {"name", "code", "number", "date"} of the province's report,
    by default Sở Nội vụ with the number and day left blank."""
    return [province_remediation_model(reports, period, issuer), province_summary_model(reports, period, issuer)]


def consolidation_appendix_models(cons, issuer: dict | None = None) -> list[SheetModel]:
    """The province's appendices of a consolidation, assembled in this one place for every output
    (the consolidated workbook, the Tổng hợp button, the report draft): the accepted reports without
    the values left out for an error, in the registry's order and spelling, for the consolidation's
    period."""
    from cchc_xl.consolidate.order import province_reports

    reports = province_reports(cons)
    period = {"year": cons.period.get("year"), "kind": cons.period.get("kind")}
    return province_appendix_models(reports, period, issuer)


def add_province_appendix_sheets(wb, reports: list[dict], period: dict, issuer: dict | None = None,
                                 xml_rows: bool = False) -> list:
    """Add (or replace) the province's appendix sheets in an openpyxl workbook; returns them
    (as ``(ws, SheetRowsXml)`` pairs with ``xml_rows``, see ``render_sheets``)."""
    return render_sheets(wb, province_appendix_models(reports, period, issuer), xml_rows=xml_rows)
