"""Official appendix sheets (Phụ lục I, II, III) for one agency, and the province's tables.

The appendices are what gets printed, signed and attached to a report, so they must look like
the official forms (seeds 000 and 004) and print whole. The work is split in two so that a
workbook on disk (openpyxl, here) and a live workbook behind the "Điền phụ lục" button
(xlwings, in ``excel.py``) print the same thing:

1. **Sheet models** — plain data (``SheetModel`` → ``RowModel`` → ``CellModel``): every text
   already rendered from the jinja2 templates ``cchc_xl/templates/phu_luc_*.j2`` (a province
   overrides them with ``CCHC_XL_TEMPLATE_DIR``), numbers already written the Vietnamese way
   ("1,5", "260.141", "100%"), merges, borders and row heights already decided. Row heights
   are estimated from Times New Roman metrics (``fit_heights``) for the narrowest usual
   column-width unit; a renderer that knows its workbook's default font estimates them again
   (``fit_heights(model, width_unit_pt(font, size))``). A tall row is split into continuation
   rows that print as one cell, so page breaks fall inside it and no row exceeds Excel's 409 pt.
2. **Renderers** — ``render_sheets(wb, models)`` for openpyxl; the xlwings one mirrors it.

Texts are written as text, not numbers with a number format: a number format prints "1.5" on
an English-locale Excel, and an appendix must read "1,5" wherever it is printed.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.appendix.restate import kept
from cchc_xl.files.fileio import os_reason
from cchc_xl.normalize import fold, parse_date
from cchc_xl.numtext import format_number
from cchc_xl.sheets.measure import fit_heights
from cchc_xl.sheets.model import CellModel, RowModel, SheetModel
from cchc_xl.sheets.style import BODY_SIZE, TITLE_SIZE
from cchc_xl.sheets.xlsx import render_sheets, set_default_font
from cchc_xl.spec.render import RenderError, render

SHEET_I = "Phụ lục I"
SHEET_II = "Phụ lục II"
SHEET_III = "Phụ lục III"
SHEET_PROVINCE_REMEDIATION = "PL tổng hợp khắc phục"
SHEET_PROVINCE_SUMMARY = "PL tổng hợp theo cơ quan"


class AppendixError(Exception):
    """The appendix cannot be made from this input (Vietnamese message naming the file)."""


# ---- building cells ------------------------------------------------------------------------

def _cell(value=None, **kw) -> CellModel:
    return CellModel(_clean(value), **kw)


def _clean(value):
    """NFC text without what a workbook cannot hold (the one sanitiser, safetext)."""
    if isinstance(value, str):
        from cchc_xl.safetext import clean

        return clean(unicodedata.normalize("NFC", value), limit=None)
    return value


def _full_row(model_cols: int, cell: CellModel, kind: str, height: float | None = None) -> RowModel:
    cell.merge_across = model_cols
    return RowModel([cell] + [None] * (model_cols - 1), height=height, kind=kind)


# ---- text from the templates ---------------------------------------------------------------

def _text(template: str, **ctx) -> str:
    return _clean(render(template, **ctx))


def _lines(template: str, count: int | None = None, **ctx) -> list[str]:
    lines = [ln.strip() for ln in _text(template, **ctx).split("\n") if ln.strip()]
    if count is not None and len(lines) != count:
        raise RenderError(f"Mẫu văn bản {template} phải có đúng {count} dòng (mỗi dòng một tiêu đề), "
                          f"hiện có {len(lines)} dòng")
    return lines


def _marked(text: str) -> tuple[str, int]:
    """"**Tiêu chí 1: …:** rest" → ("Tiêu chí 1: …: rest", number of bold leading characters)."""
    if text.startswith("**"):
        end = text.find("**", 2)
        if end > 2:
            head = text[2:end]
            return head + text[end + 2:], len(head)
    return text, 0


def _title_lines(template: str, **ctx) -> tuple[str, str]:
    lines = _lines(template, **ctx)
    if not lines:
        raise RenderError(f"Mẫu văn bản {template} không có nội dung")
    return lines[0], "\n".join(lines[1:])


def _period_ctx(report_or_period: dict, agency: str | None = None, level: str | None = None,
                appraisal_year=None) -> dict:
    period = report_or_period.get("period", report_or_period) or {}
    year, kind = period.get("year"), period.get("kind")
    words = spec.period_words(kind, year) if year else (spec.label_of("period_kinds", kind) or "")
    return {"period_words": words, "year": year, "kind": kind, "appraisal_year": appraisal_year,
            "agency": agency, "level": level}


def _period_end_month(kind: str | None) -> int | None:
    for item in spec.period_kinds():
        if item["key"] == kind:
            return int(item["end"].split("-")[0])
    return None


def report_ref(number: str | None, date, agency: str | None, agency_code: str | None,
               period: dict | None) -> str:
    """The italic line "(Kèm theo Báo cáo số 2216/BC-STC ngày 15/6/2024 của Sở Tài chính)".

    A number not yet assigned ("/BC-STC", or none) and a date not yet known are left blank the
    way agencies leave them before signing; see ``phu_luc_kem_theo.j2``.
    """
    num = (number or "").strip()
    if "/" in num:
        no, symbol = num.split("/", 1)
    else:
        no, symbol = num, ""
    symbol = symbol.strip() or (f"BC-{agency_code}" if agency_code else "BC-")
    d = parse_date(date) if date else None
    period = period or {}
    if d:
        day, month, year = d.day, d.month, d.year
    else:
        day, month, year = None, _period_end_month(period.get("kind")), period.get("year")
    return _text("phu_luc_kem_theo.j2", number=no.strip(), symbol=symbol, day=day, month=month, year=year,
                 agency=agency or "…")


# ---- shared layout pieces ------------------------------------------------------------------

def _title_block(model: SheetModel, heading: str, title: str, ref: str | None) -> None:
    n = model.ncols
    model.rows.append(_full_row(n, _cell(heading, bold=True, align="center", border="", size=TITLE_SIZE), "title"))
    if title:
        model.rows.append(_full_row(n, _cell(title, bold=True, align="center", border="", size=TITLE_SIZE,
                                             valign="center"), "subtitle"))
    if ref:
        model.rows.append(_full_row(n, _cell(ref, italic=True, align="center", border=""), "ref"))
    model.rows.append(_full_row(n, _cell(None, border=""), "spacer", height=8))


def _header_row(titles: list[str]) -> RowModel:
    return RowModel([_cell(t, bold=True, align="center", valign="center") for t in titles], kind="header")


def _numbers_row(n: int) -> RowModel:
    return RowModel([_cell(f"({i})", italic=True, align="center", valign="center", size=BODY_SIZE - 1)
                     for i in range(1, n + 1)], kind="numbers")


def _finish(model: SheetModel, first_header: int, last_header: int) -> SheetModel:
    model.header_rows = (first_header, last_header)
    model.freeze_row = last_header + 1
    return fit_heights(model)


def _bulleted(paragraphs: list[str]) -> str:
    """Several paragraphs in one cell: each on its own line behind "- ", as the seeds write them.

    Paragraphs that already carry a bullet, and lead-in lines ending with ":", are left as written.
    """
    paras = [p.strip() for p in paragraphs if p and p.strip()]
    if len(paras) <= 1:
        return paras[0] if paras else ""
    out = []
    for p in paras:
        if p[:1] in _BULLET_START or p.endswith(":"):
            out.append(p)
        else:
            out.append("- " + p)
    return "\n".join(out)


_BULLET_START = "-+•*–"
_SENTENCE_END = ".;:!?…"


def _paragraphs(text) -> list[str]:
    """The paragraphs of a cell. A line break inside a sentence (text pasted from Word: the next
    line starts in lower case after a line without closing punctuation, or follows a comma)
    continues the paragraph, kept as a line break, so that it does not become a new bullet."""
    if text is None:
        return []
    out: list[str] = []
    for line in (p.strip() for p in str(text).split("\n")):
        if not line:
            continue
        prev = out[-1] if out else None
        continues = prev is not None and line[0] not in _BULLET_START and (
            prev.endswith(",") or (line[0].islower() and not prev.endswith(tuple(_SENTENCE_END))))
        if continues:
            out[-1] = prev + "\n" + line
        else:
            out.append(line)
    return out


def display_value(row: dict, value) -> str:
    """An indicator value as the appendix prints it: "1,5", "260.141", "98,73%"; a choice as the
    official form prints it, its own value ("2", the unit cell reading "Kết hợp = 2")."""
    if value is None or value == "":
        return ""
    kind = row.get("kind")
    if isinstance(value, bool):
        return str(value)
    if kind == "choice" and isinstance(value, (int, float)):
        return format_number(value)  # the form prints the choice's own value; its unit cell says what it means
    if isinstance(value, (int, float)):
        text = format_number(value)
        return text + "%" if kind == "percent" else text
    return str(value)


def display_unit(row: dict) -> str:
    """The unit cell; for coded choices the codes as the catalog defines them, one per line
    ("Không = 0", "Có = 1"), not the official form's colliding codes."""
    if row.get("kind") == "choice" and row.get("choices"):
        return "\n".join(f"{c['label']} = {c['value']}" for c in row["choices"])
    return row.get("unit") or ""


# ---- Phụ lục I (propaganda) ----------------------------------------------------------------

def _doc_ctx(report: dict) -> dict:
    agency = report.get("agency") or {}
    return _period_ctx(report, agency.get("name"), agency.get("level"), report.get("appraisal_year"))


def _ref_for(report: dict) -> str:
    agency = report.get("agency") or {}
    rep = report.get("report") or {}
    return report_ref(rep.get("number"), rep.get("date"), agency.get("name"), agency.get("code"),
                      report.get("period"))


def propaganda_model(report: dict, cat: spec.Catalog) -> SheetModel:
    """Phụ lục I: TT | Chỉ tiêu | Đơn vị tính | Số lượng | Ghi chú (04 with its second line)."""
    model = SheetModel("phu_luc_i", SHEET_I, [6, 66, 16, 13, 28])
    heading, title = _title_lines("phu_luc_i_tieu_de.j2", **_doc_ctx(report))
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_i_cot.j2", 5)))
    model.rows.append(_numbers_row(5))
    last = len(model.rows)
    values = report.get("propaganda") or {}
    rows = list(cat.propaganda["rows"])
    known = {r["code"] for r in rows}
    rows += [{"code": c, "name": "(Mã không có trong danh mục)", "kind": "text"} for c in values if c not in known]
    for row in rows:
        v = values.get(row["code"]) or {}
        number = row.get("form_number", row["code"])
        model.rows.append(RowModel([
            _cell(number, align="center"),
            _cell((row["label"] + ": " if row.get("label") else "") + row["name"]),
            _cell(display_unit(row), align="center"),
            _cell(display_value(row, v.get("value")), align="center"),
            _cell(v.get("note")),
        ], code=row["code"]))
    return _finish(model, first, last)


# ---- Phụ lục III (indicators) --------------------------------------------------------------

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
    heading, title = _title_lines("phu_luc_iii_tieu_de.j2", **_doc_ctx(report))
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    t = _lines("phu_luc_iii_cot.j2", 6)
    hdr = dict(bold=True, align="center", valign="center")
    model.rows.append(RowModel([_cell(t[0], merge_down=2, **hdr), _cell(t[1], merge_down=2, **hdr),
                                _cell(t[2], merge_across=2, **hdr), None,
                                _cell(t[5], merge_down=2, **hdr)], kind="header"))
    model.rows.append(RowModel([None, None, _cell(t[3], **hdr), _cell(t[4], **hdr), None], kind="header"))
    model.rows.append(_numbers_row(5))
    last = len(model.rows)
    for row in rows:
        group = bool(row.get("group"))
        v = values.get(row["code"]) or {}
        name = (row["label"] + ": " if row.get("label") else "") + row["name"]
        model.rows.append(RowModel([
            _cell(row["code"] + ".", bold=group, wrap=False),
            _cell(name, bold=group),
            _cell("" if group else display_unit(row), align="center"),
            _cell("" if group else display_value(row, v.get("value")), align="center"),
            _cell(v.get("note"), bold=False),
        ], kind="group" if group else "data", code=row["code"]))
    return _finish(model, first, last)


# ---- Phụ lục II (remediation) --------------------------------------------------------------

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
    return _text("phu_luc_ii_tien_do.j2", status=status, status_label=label, progress=progress,
                 progress_lines=_paragraphs(progress), states_status=states)


def _right_cells(items: list[dict]) -> list[CellModel]:
    """Solution, deadline, progress and note of the items a row answers for."""
    solutions = [p for it in items for p in _paragraphs(it.get("solution"))]
    deadlines = [str(it.get("deadline")).strip() for it in items if it.get("deadline")]
    if len(set(deadlines)) == 1:
        deadlines = deadlines[:1]
    progress = [p for it in items for p in _paragraphs(progress_text(it))]
    notes = [p for it in items for p in _paragraphs(it.get("note"))]
    return [_cell(_bulleted(solutions)), _cell(_bulleted(deadlines), align="center" if len(deadlines) <= 1 else "left"),
            _cell(_bulleted(progress)), _cell(_bulleted(notes))]


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


def _heading_words(code, title, score=None, max_score=None) -> str:
    """The words of a criterion's or area's printed line, for ``restate.kept``."""
    return " ".join(str(x) for x in (code, title, format_number(score) if score is not None else None,
                                     format_number(max_score) if max_score is not None else None) if x)


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
                  _heading_words(line.code, title, d.get("score"), max_score), reason)  # the line it stands under
    return _text("phu_luc_ii_tieu_chi.j2", code=line.code, title=title,
                 score=d.get("score"), max_score=max_score, reason=reason, issues=issues,
                 deducted=line.deduction is not None, level=level)


def _area_line_words(a: "_Area", cat: spec.Catalog) -> str:
    """An area heading's words: code, name, score, and the deducted criteria listed under it."""
    listed = [_heading_words(ln.code, (ln.deduction or {}).get("name") or cat.criterion_name(ln.code),
                             (ln.deduction or {}).get("score"), (ln.deduction or {}).get("max_score"))
              for ln in a.lines if ln.deduction is not None]  # not their reasons: those are other lines
    return " ".join([_heading_words(a.code, a.name, a.score, a.max_score), *listed,
                     "Bị trừ các tiêu chí cụ thể sau" if listed else ""])


def _tt_cell(value, first: bool, last: bool) -> CellModel:
    """The TT column of a group drawn as one cell over the group's rows, without merging them
    (a merged cell that crosses a page break loses its text on the second page)."""
    border = "l" + ("t" if first else "") + "r" + ("b" if last else "")
    return _cell(value, align="center", border=border)


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
    heading, title = _title_lines("phu_luc_ii_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _ref_for(report))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_ii_cot.j2", 6)))
    model.rows.append(_numbers_row(6))
    last = len(model.rows)
    areas, others = remediation_groups(report, cat)
    tt = 0
    for a in areas:
        tt += 1
        head, bold_n = _marked(_text(
            "phu_luc_ii_linh_vuc.j2", code=a.code, title=a.name, score=a.score, max_score=a.max_score,
            has_deductions=any(ln.deduction is not None for ln in a.lines),
            issues=kept([it.get("issue") for it in a.items], _area_line_words(a, cat)), level=level))
        texts = [_criterion_line(ln, level, cat) for ln in a.lines]
        if not any(ln.items for ln in a.lines):
            body = "\n".join([head, *texts])
            model.rows.append(RowModel([_cell(tt, align="center"), _cell(body, bold_chars=bold_n),
                                        *_right_cells(a.items)], kind="area", code=a.code))
            continue
        model.rows.append(RowModel([_tt_cell(tt, True, False), _cell(head, bold_chars=bold_n),
                                    *_right_cells(a.items)], kind="area", code=a.code))
        for i, (ln, text) in enumerate(zip(a.lines, texts)):
            model.rows.append(RowModel([_tt_cell(None, False, i == len(a.lines) - 1), _cell(text),
                                        *_right_cells(ln.items)], kind="criterion", code=ln.code))
    if others:
        tt += 1
        head, bold_n = _marked(_text("phu_luc_ii_nhom_khac.j2", count=len(others), level=level))
        model.rows.append(RowModel([_tt_cell(tt, True, False), _cell(head, bold_chars=bold_n),
                                    *_right_cells([])], kind="group"))
        for n, it in enumerate(others, start=1):
            text = _text("phu_luc_ii_ton_tai_khac.j2", n=n, issue=(it.get("issue") or "").strip())
            model.rows.append(RowModel([_tt_cell(None, False, n == len(others)), _cell(text), *_right_cells([it])],
                                       kind="item"))
    return _finish(model, first, last)


# ---- one agency ----------------------------------------------------------------------------

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


# ---- the province --------------------------------------------------------------------------

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
    ctx = {**_period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = _title_lines("phu_luc_tong_hop_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _issuer_ref(issuer, period))
    first = len(model.rows) + 1
    model.rows.append(_header_row(_lines("phu_luc_tong_hop_cot.j2", 7)))
    model.rows.append(_numbers_row(7))
    last = len(model.rows)
    n = model.ncols
    crit_texts: dict[tuple, str] = {}
    for k, rep in enumerate(reports, start=1):
        agency = rep.get("agency") or {}
        level = agency.get("level")
        items = rep.get("remediation") or []
        done = status_counts(rep)["hoan_thanh"]
        head = _text("phu_luc_tong_hop_co_quan.j2", agency=agency.get("name") or "…", total=len(items), done=done,
                     rate=_rate(done, len(items)))
        model.rows.append(RowModel([_cell(_roman(k), bold=True, align="center"),
                                    _cell(head, bold=True, merge_across=n - 1)] + [None] * (n - 2),
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
                crit = crit_texts[key] = _text("phu_luc_tong_hop_tieu_chi.j2", code=code, title=name,
                                               score=d.get("score"), max_score=d.get("max_score"),
                                               is_area=is_area, level=level)
            issue = _province_issue(it, code, is_area, name, d, deds, cat, level)
            label = spec.label_of("statuses", it.get("status")) if it.get("status") else ""
            model.rows.append(RowModel([
                _cell(i, align="center"), _cell(crit), _cell(issue), _cell(_bulleted(_paragraphs(it.get("solution")))),
                _cell(it.get("deadline"), align="center"), _cell(label, align="center"),
                _cell(_bulleted(_paragraphs(it.get("progress")))),
            ], kind="item", code=code))
    return _finish(model, first, last)


def _province_issue(item: dict, code, is_area: bool, name, d: dict, deds: dict, cat, level) -> str:
    """Column (3) of the province appendix: what column (2) (the criterion or area with its score)
    does not say — the team's reason, for an area its deducted criteria with their reasons — and
    the staff's own "tồn tại" text unless it only restates column (2) (``restate``)."""
    staff = (item.get("issue") or "").strip()
    if not code:
        return staff
    if is_area:
        listed = [x for c, x in deds.items() if c and c != code and spec.area_of(c) == code]
        lines = [_text("phu_luc_ii_tieu_chi.j2", code=x.get("code"),
                       title=x.get("name") or (cat.criterion_name(x.get("code")) if cat else None),
                       score=x.get("score"), max_score=x.get("max_score"),
                       reason=(x.get("reason") or "").strip() or None, issues=[], deducted=True, level=level)
                 for x in listed]
        words = " ".join([_heading_words(code, name, d.get("score"), d.get("max_score"))]
                         + [_heading_words(x.get("code"), x.get("name"), x.get("score"), x.get("max_score"))
                            for x in listed] + (["Bị trừ các tiêu chí cụ thể sau"] if listed else []))
        return "\n".join(lines + kept([staff], words))
    reason = (deds.get(code) or {}).get("reason")
    reason = (reason or "").strip() or None
    own = kept([staff], _heading_words(code, name, d.get("score"), d.get("max_score")), reason)
    return "\n".join(([f"Lý do: {reason}"] if reason else []) + own)


def province_summary_model(reports: list[dict], period: dict, issuer: dict | None = None) -> SheetModel:
    """One row per agency: items, finished, in progress, not started, cannot, rate, points lost."""
    issuer = issuer or {}
    model = SheetModel("tong_hop_theo_co_quan", SHEET_PROVINCE_SUMMARY, [5, 36, 12, 12, 12, 12, 12, 16, 12])
    ctx = {**_period_ctx(period, issuer.get("name")), "appraisal_year": _majority_appraisal_year(reports, period),
           "agencies": len(reports)}
    heading, title = _title_lines("phu_luc_thong_ke_tieu_de.j2", **ctx)
    _title_block(model, heading, title, _issuer_ref(issuer, period))
    first = len(model.rows) + 1
    titles = _lines("phu_luc_thong_ke_cot.j2", 10)
    model.rows.append(_header_row(titles[:9]))
    model.rows.append(_numbers_row(9))
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
            [_cell(k, align="center"), _cell((rep.get("agency") or {}).get("name") or "…"),
             _cell(n_items, align="center")]
            + [_cell(counts[key], align="center") for key in keys]
            + [_cell(_text("phu_luc_ty_le.j2", done=counts["hoan_thanh"], total=n_items,
                           rate=_rate(counts["hoan_thanh"], n_items)), align="center"),
               _cell(format_number(lost, 3) if lost is not None else "", align="center")],
            kind="data", code=(rep.get("agency") or {}).get("code")))
    model.rows.append(RowModel(
        [_cell(titles[9], bold=True, align="center", merge_across=2), None, _cell(total_items, bold=True, align="center")]
        + [_cell(total[key], bold=True, align="center") for key in keys]
        + [_cell(_text("phu_luc_ty_le.j2", done=total["hoan_thanh"], total=total_items,
                       rate=_rate(total["hoan_thanh"], total_items)), bold=True, align="center"),
           _cell(None, bold=True, align="center")],  # points of different agencies do not add up
        kind="total"))
    return _finish(model, first, last)


def _issuer_ref(issuer: dict, period: dict) -> str:
    return report_ref(issuer.get("number"), issuer.get("date"), issuer.get("name") or "Sở Nội vụ",
                      issuer.get("code") or "SNV", period)


def province_appendix_models(reports: list[dict], period: dict, issuer: dict | None = None) -> list[SheetModel]:
    """The consolidated remediation appendix and the summary per agency, for the Home Affairs
    department. ``issuer`` (optional): {"name", "code", "number", "date"} of the province's report,
    by default Sở Nội vụ with the number and day left blank."""
    return [province_remediation_model(reports, period, issuer), province_summary_model(reports, period, issuer)]


def add_province_appendix_sheets(wb, reports: list[dict], period: dict, issuer: dict | None = None,
                                 xml_rows: bool = False) -> list:
    """Add (or replace) the province's appendix sheets in an openpyxl workbook; returns them
    (as ``(ws, SheetRowsXml)`` pairs with ``xml_rows``, see ``render_sheets``)."""
    return render_sheets(wb, province_appendix_models(reports, period, issuer), xml_rows=xml_rows)
