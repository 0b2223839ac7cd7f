"""The appendices of one agency: Phụ lục I (propaganda), Phụ lục II (remediation) and Phụ lục III
(indicators) as sheet models, and ``write_agency_appendix`` (a report or a workbook in, the
printable workbook out)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.appendix.kit import (
    bulleted,
    display_unit,
    display_value,
    finish,
    header_row,
    heading_words,
    marked,
    new_cell,
    numbers_row,
    period_ctx,
    render_lines,
    render_text,
    report_ref,
    split_paragraphs,
    title_block,
    title_lines,
)
from cchc_xl.appendix.restate import kept
from cchc_xl.files.fileio import os_reason
from cchc_xl.normalize import fold
from cchc_xl.sheets.model import CellModel, RowModel, SheetModel
from cchc_xl.sheets.xlsx import render_sheets, set_default_font
from cchc_xl.spec.render import RenderError

SHEET_I = "Phụ lục I"
SHEET_II = "Phụ lục II"
SHEET_III = "Phụ lục III"


class AppendixError(Exception):
    """The appendix cannot be made from this input (Vietnamese message naming the file)."""


def _doc_ctx(report: dict) -> dict:
    agency = report.get("agency") or {}
    return period_ctx(report, agency.get("name"), agency.get("level"), report.get("appraisal_year"))


def _ref_for(report: dict) -> str:
    agency = report.get("agency") or {}
    rep = report.get("report") or {}
    return report_ref(rep.get("number"), rep.get("date"), agency.get("name"), agency.get("code"),
                      report.get("period"))


def propaganda_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục I: TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú (04 with its second line)."""
    model = SheetModel("phu_luc_i", SHEET_I, [6, 66, 16, 13, 28])
    heading, title = title_lines("phu_luc_i_tieu_de.j2", **_doc_ctx(report))
    title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(header_row(render_lines("phu_luc_i_cot.j2", 5)))
    model.rows.append(numbers_row(5))
    last = len(model.rows)
    values = report.get("propaganda") or {}
    rows = list(cat.propaganda["rows"])
    known = {r["code"] for r in rows}
    rows += [{"code": c, "name": "(Mã không có trong danh mục)", "kind": "text"} for c in values if c not in known]
    for row in rows:
        v = values.get(row["code"]) or {}
        number = row.get("form_number", row["code"])
        model.rows.append(RowModel([
            new_cell(number, align="center"),
            new_cell((row["label"] + ": " if row.get("label") else "") + row["name"]),
            new_cell(display_unit(row), align="center"),
            new_cell(display_value(row, v.get("value")), align="center"),
            new_cell(v.get("note")),
        ], code=row["code"]))
    return finish(model, first, last)


def indicators_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục III: every catalog row, group rows bold, numbers the way the catalog corrects them.

    The STT column prints the catalog's code ("1.2.1."), not the official form's repeated and
    drifting numbers (``form_number``): the catalog is where those defects are corrected.
    """
    rows = list(cat.indicators["rows"])
    values = report.get("indicators") or {}
    known = {r["code"] for r in rows}
    rows += [{"code": c, "name": "(Mã không có trong danh mục)", "kind": "text"} for c in values if c not in known]
    # the STT column holds the longest code on one line ("7.1.6.2.1." must not read as 7.1.6.2)
    stt = max([9] + [len(r["code"]) + 3 for r in rows])
    model = SheetModel("phu_luc_iii", SHEET_III, [stt, 73 - stt, 18, 13, 26])
    heading, title = title_lines("phu_luc_iii_tieu_de.j2", **_doc_ctx(report))
    title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    t = render_lines("phu_luc_iii_cot.j2", 6)
    hdr = dict(bold=True, align="center", valign="center")
    model.rows.append(RowModel([new_cell(t[0], merge_down=2, **hdr), new_cell(t[1], merge_down=2, **hdr),
                                new_cell(t[2], merge_across=2, **hdr), None,
                                new_cell(t[5], merge_down=2, **hdr)], kind="header"))
    model.rows.append(RowModel([None, None, new_cell(t[3], **hdr), new_cell(t[4], **hdr), None], kind="header"))
    model.rows.append(numbers_row(5))
    last = len(model.rows)
    for row in rows:
        group = bool(row.get("group"))
        v = values.get(row["code"]) or {}
        name = (row["label"] + ": " if row.get("label") else "") + row["name"]
        model.rows.append(RowModel([
            new_cell(row["code"] + ".", bold=group, wrap=False),
            new_cell(name, bold=group),
            new_cell("" if group else display_unit(row), align="center"),
            new_cell("" if group else display_value(row, v.get("value")), align="center"),
            new_cell(v.get("note"), bold=False),
        ], kind="group" if group else "data", code=row["code"]))
    return finish(model, first, last)


def _status_words() -> dict[str, list[str]]:
    return {s["key"]: [fold(s["label"])] + [fold(x) for x in s.get("synonyms", [])] for s in spec.statuses()}


def progress_text(item: dict) -> str:
    """The "Tiến độ thực hiện" text of one remediation item (``phu_luc_ii_tien_do.j2``)."""
    status = item.get("status")
    label = spec.label_of("statuses", status) if status else None
    progress = (item.get("progress") or "").strip() or None
    states = False
    if progress:
        f = fold(progress)
        states = any(f.startswith(w) for w in _status_words().get(status, []))
    return render_text("phu_luc_ii_tien_do.j2", status=status, status_label=label, progress=progress,
                       progress_lines=split_paragraphs(progress), states_status=states)


def _right_cells(items: list[dict]) -> list[CellModel]:
    """Solution, deadline, progress and note of the items a row answers for."""
    solutions = [p for it in items for p in split_paragraphs(it.get("solution"))]
    deadlines = [str(it.get("deadline")).strip() for it in items if it.get("deadline")]
    if len(set(deadlines)) == 1:
        deadlines = deadlines[:1]
    progress = [p for it in items for p in split_paragraphs(progress_text(it))]
    notes = [p for it in items for p in split_paragraphs(it.get("note"))]
    return [new_cell(bulleted(solutions)),
            new_cell(bulleted(deadlines), align="center" if len(deadlines) <= 1 else "left"),
            new_cell(bulleted(progress)), new_cell(bulleted(notes))]


@dataclass
class _Line:
    """A criterion line of an area: a deduction, or a criterion only named by remediation items."""

    code: str
    deduction: dict | None
    items: list[dict] = field(default_factory=list)


@dataclass
class _Area:
    code: str
    name: str | None
    score: float | None
    max_score: float | None
    stated: bool
    lines: list[_Line] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # coded with the area itself


def remediation_groups(report: dict, cat: spec.Catalog) -> tuple[list[_Area], list[dict]]:
    """Areas in catalog order with their deductions and remediation items, and the uncoded items.

    An item coded with a deducted criterion stands beside that criterion; one coded with the
    area stands beside the whole area; one coded with a criterion that lost no points gets a
    line of its own. Area totals are taken exactly as the appraisal team announced them.
    """
    stated = {a["code"]: a for a in report.get("areas") or [] if a.get("code")}
    order = [a["code"] for a in cat.criteria["areas"]] + [c for c in stated if c not in cat.areas_by_code]
    area_codes = set(order)
    areas: dict[str, _Area] = {}

    def area(code: str) -> _Area:
        if code not in areas:
            if code not in area_codes:
                order.append(code)
                area_codes.add(code)
            st = stated.get(code) or {}
            areas[code] = _Area(code, st.get("name") or cat.criterion_name(code),
                                st.get("score"), st.get("max_score") if st.get("max_score") is not None
                                else cat.max_score(code), bool(st))
        return areas[code]

    for code in stated:
        area(code)
    lines: dict[str, _Line] = {}
    for d in report.get("deductions") or []:
        code = d.get("code")
        if not code:
            continue
        if code in lines:  # the same criterion twice: keep both lines
            code_key = f"{code}#{len(lines)}"
        else:
            code_key = code
        line = _Line(code, d)
        lines[code_key] = line
        area(code if code in area_codes else spec.area_of(code)).lines.append(line)
    others: list[dict] = []
    for it in report.get("remediation") or []:
        code = it.get("code")
        if not code:
            others.append(it)
        elif code in area_codes or "." not in code:
            area(code).items.append(it)
        elif code in lines:
            lines[code].items.append(it)
        else:
            line = _Line(code, None, [it])
            lines[code] = line
            area(spec.area_of(code)).lines.append(line)
    ordered = [areas[c] for c in order if c in areas]
    return [a for a in ordered if a.lines or a.items or a.stated], others


def _criterion_line(line: _Line, level: str | None, cat: spec.Catalog) -> str:
    """The criterion with its score and the team's reason, then the staff's own "tồn tại" texts
    of the items tied to it, unless a text only restates that line (``restate``)."""
    d = line.deduction or {}
    max_score = d.get("max_score")
    if max_score is None and d.get("score") is not None:
        max_score = cat.max_score(line.code)
    title = d.get("name") or cat.criterion_name(line.code)
    reason = (d.get("reason") or "").strip() or None
    issues = kept([it.get("issue") for it in line.items],
                  heading_words(line.code, title, d.get("score"), max_score), reason)  # the line it stands under
    return render_text("phu_luc_ii_tieu_chi.j2", code=line.code, title=title,
                       score=d.get("score"), max_score=max_score, reason=reason, issues=issues,
                       deducted=line.deduction is not None, level=level)


def _area_line_words(a: "_Area", cat: spec.Catalog) -> str:
    """An area heading's words: code, name, score, and the deducted criteria listed under it."""
    listed = [heading_words(ln.code, (ln.deduction or {}).get("name") or cat.criterion_name(ln.code),
                            (ln.deduction or {}).get("score"), (ln.deduction or {}).get("max_score"))
              for ln in a.lines if ln.deduction is not None]  # not their reasons: those are other lines
    return " ".join([heading_words(a.code, a.name, a.score, a.max_score), *listed,
                     "Bị trừ các tiêu chí cụ thể sau" if listed else ""])


def _tt_cell(value, first: bool, last: bool) -> CellModel:
    """The TT column of a group drawn as one cell over the group's rows, without merging them
    (a merged cell that crosses a page break loses its text on the second page)."""
    border = "l" + ("t" if first else "") + "r" + ("b" if last else "")
    return new_cell(value, align="center", border=border)


def remediation_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục II grouped by area as in seed 004 (columns as in seed 000).

    An area whose items answer for the whole area prints as one row, heading and criterion lines
    in one cell beside the solutions, as seed 004 does. An area with items tied to its criteria
    prints a heading row and one row per criterion, each beside its own solutions, as seed 000
    does. Items not tied to any criterion close the table in a group of their own.
    """
    model = SheetModel("phu_luc_ii", SHEET_II, [5, 47, 32, 12, 30, 9])
    ctx = _doc_ctx(report)
    level = (report.get("agency") or {}).get("level")
    heading, title = title_lines("phu_luc_ii_tieu_de.j2", **ctx)
    title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(header_row(render_lines("phu_luc_ii_cot.j2", 6)))
    model.rows.append(numbers_row(6))
    last = len(model.rows)
    areas, others = remediation_groups(report, cat)
    tt = 0
    for a in areas:
        tt += 1
        head, bold_n = marked(render_text(
            "phu_luc_ii_linh_vuc.j2", code=a.code, title=a.name, score=a.score, max_score=a.max_score,
            has_deductions=any(ln.deduction is not None for ln in a.lines),
            issues=kept([it.get("issue") for it in a.items], _area_line_words(a, cat)), level=level))
        texts = [_criterion_line(ln, level, cat) for ln in a.lines]
        if not any(ln.items for ln in a.lines):
            body = "\n".join([head, *texts])
            model.rows.append(RowModel([new_cell(tt, align="center"), new_cell(body, bold_chars=bold_n),
                                        *_right_cells(a.items)], kind="area", code=a.code))
            continue
        model.rows.append(RowModel([_tt_cell(tt, True, False), new_cell(head, bold_chars=bold_n),
                                    *_right_cells(a.items)], kind="area", code=a.code))
        for i, (ln, text) in enumerate(zip(a.lines, texts)):
            model.rows.append(RowModel([_tt_cell(None, False, i == len(a.lines) - 1), new_cell(text),
                                        *_right_cells(ln.items)], kind="criterion", code=ln.code))
    if others:
        tt += 1
        head, bold_n = marked(render_text("phu_luc_ii_nhom_khac.j2", count=len(others), level=level))
        model.rows.append(RowModel([_tt_cell(tt, True, False), new_cell(head, bold_chars=bold_n),
                                    *_right_cells([])], kind="group"))
        for n, it in enumerate(others, start=1):
            text = render_text("phu_luc_ii_ton_tai_khac.j2", n=n, issue=(it.get("issue") or "").strip())
            model.rows.append(RowModel([_tt_cell(None, False, n == len(others)), new_cell(text), *_right_cells([it])],
                                       kind="item"))
    return finish(model, first, last)


def agency_appendix_models(report: dict, catalog: spec.Catalog | None = None) -> list[SheetModel]:
    """Phụ lục I, II and III of one canonical report, in that order.

    Raises ``RenderError`` (Vietnamese message) when a wording template is missing or broken.
    """
    cat = catalog or spec.catalog((report.get("agency") or {}).get("level") or "so", report.get("appraisal_year"))
    return [propaganda_model(report, cat), remediation_model(report, cat), indicators_model(report, cat)]


def _load_source(src: str | os.PathLike, issues: list | None = None) -> tuple[dict, spec.Catalog | None]:
    """The report and catalog of a workbook or JSON document; with ``issues``, a workbook's
    validation issues are added to that list from the same reading."""
    from cchc_xl.read.agency import UnreadableError, read_file
    from cchc_xl.spec.jsonfile import ReportError
    from cchc_xl.spec.report_schema import load_report

    path = Path(src)
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            return load_report(path), None
        except ReportError as exc:
            raise AppendixError(str(exc)) from None
    try:
        result = read_file(path)
    except UnreadableError as exc:
        raise AppendixError(f"{name}: {exc.reason}") from None
    if issues is not None:
        from cchc_xl.check.validate import check_read

        issues.extend(check_read(result))
    return result.report, result.catalog


def build_agency_workbook(report: dict, catalog: spec.Catalog | None = None):
    """An openpyxl workbook holding only Phụ lục I, II and III."""
    from openpyxl import Workbook

    from cchc_xl.spec import __version__

    wb = Workbook()
    wb.remove(wb.active)
    set_default_font(wb)
    render_sheets(wb, agency_appendix_models(report, catalog))
    wb.active = 0
    wb.properties.creator = f"cchc-xl {__version__}"
    wb.properties.title = "Phụ lục báo cáo CCHC"
    return wb


def write_agency_appendix(src: str | os.PathLike, out: str | os.PathLike, issues: list | None = None) -> Path:
    """Phụ lục I, II, III of a filled agency workbook (.xlsx/.xlsm) or a canonical report (.json).

    The output is written whole or not at all. Every failure is an ``AppendixError`` whose
    Vietnamese message names the input file. Pass a list as ``issues`` to receive the workbook's
    validation issues, found in the same reading (the command warns when there are errors).
    """
    from cchc_xl.files.fileio import same_file
    from cchc_xl.sheets.xlsx import save_atomic

    name = Path(src).name
    if same_file(src, out):
        raise AppendixError(f"{out}: tệp ra phải khác tệp đầu vào (tệp của cơ quan không bao giờ bị ghi đè)")
    word = Path(out).suffix.lower() == ".docx"  # the output's suffix decides: Word tables or sheets
    try:
        report, cat = _load_source(src, issues)
        if word:
            from cchc_xl.sheets.docx import build_document

            doc = build_document(agency_appendix_models(report, cat))
        else:
            wb = build_agency_workbook(report, cat)
    except (RenderError, spec.SpecError) as exc:
        raise AppendixError(f"{name}: không lập được phụ lục: {exc}") from None
    try:
        if word:
            from cchc_xl.sheets.docx import save_document

            return save_document(doc, out)
        return save_atomic(wb, out)
    except OSError as exc:
        raise AppendixError(f"{name}: không ghi được {out}: {os_reason(exc)}") from None
